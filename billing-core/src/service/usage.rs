//! Usage ingestion and "usage so far" for metered subscriptions.
//!
//! An event is accepted for any period not yet invoiced and refused for an invoiced one (the
//! invoice would no longer match its usage). The subscription row is locked while events are
//! checked and stored, which serializes ingestion with the invoice run for that subscription:
//! an event can never slip into a period while it is being invoiced.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{SubscriptionId, TenantId};
use crate::money::Money;
use crate::rounding::RoundingPolicy;
use crate::store;
use crate::store::usage::{NewUsageEvent, Window};

/// Largest batch accepted in one request.
pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone)]
pub struct UsageInput {
    pub subscription: String,
    pub event_id: String,
    pub timestamp: DateTime<Utc>,
    pub value: Decimal,
    pub property: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub event_id: String,
    /// False when an event with this id was already recorded (a replay; nothing changed).
    pub created: bool,
}

fn check(e: &UsageInput, now: DateTime<Utc>) -> Result<()> {
    if e.event_id.is_empty() || e.event_id.len() > 255 || e.event_id.chars().any(char::is_control) {
        return Err(Error::invalid("event_id", "must be 1 to 255 printable characters"));
    }
    if e.value.is_sign_negative() && !e.value.is_zero() {
        return Err(Error::invalid("value", "usage must not be negative"));
    }
    if e.value.scale() > 12 {
        return Err(Error::invalid("value", "at most 12 decimal places"));
    }
    if e.timestamp > now + Duration::minutes(5) {
        return Err(Error::invalid("timestamp", "lies in the future"));
    }
    if e.property.as_ref().is_some_and(|p| p.len() > 255) {
        return Err(Error::invalid("property", "at most 255 characters"));
    }
    Ok(())
}

/// Records a batch all-or-nothing: one bad event refuses the batch (the caller's transaction
/// rolls back), replays of known event ids are accepted without change.
pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    events: &[UsageInput],
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>> {
    let mut answers = record_requests(conn, &[(tenant, events.to_vec())], now).await?;
    answers.pop().unwrap_or_else(|| Err(Error::invalid("events", "not recorded")))
}

/// Records the events of several requests in the caller's one transaction (the API's group
/// commit gathers requests sent without an `Idempotency-Key`, `portal-web/src/usage_ingest.rs`):
/// each request is accepted or refused as a whole and on its own, exactly as [`record`] would
/// have done it in a transaction of its own; a refused request stores nothing and never touches
/// another's events. The outer error is a database failure: then nothing of the group is stored
/// (the caller's transaction rolls back).
///
/// Per tenant in the group: its row read once, its subscriptions locked by one statement in id
/// order (so ingestion still serializes with the invoice run and with any change of a
/// subscription; a group naming few subscriptions shares the lock with other groups, docs/adr/0043),
/// its accepted events stored by one statement: a group of any number of requests costs the round
/// trips of one batch.
pub async fn record_requests(
    conn: &mut PgConnection,
    requests: &[(TenantId, Vec<UsageInput>)],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Vec<Recorded>>>> {
    // Every event is checked before anything is locked or written; a request's first refusal
    // is its answer.
    let mut refused: Vec<Option<Error>> = Vec::with_capacity(requests.len());
    let mut ids: Vec<Vec<SubscriptionId>> = Vec::with_capacity(requests.len());
    for (_, events) in requests {
        let checked = if events.is_empty() || events.len() > MAX_BATCH {
            Err(Error::invalid("events", format!("send 1 to {MAX_BATCH} events")))
        } else {
            events.iter().map(|e| check(e, now).and_then(|()| Ok(e.subscription.parse::<SubscriptionId>()?))).collect()
        };
        match checked {
            Ok(mine) => {
                refused.push(None);
                ids.push(mine);
            }
            Err(e) => {
                refused.push(Some(e));
                ids.push(Vec::new());
            }
        }
    }
    let mut created: Vec<Vec<bool>> = vec![Vec::new(); requests.len()];
    let mut tenants: Vec<TenantId> = requests.iter().map(|(t, _)| *t).collect();
    tenants.sort_by_key(|t| t.as_uuid());
    tenants.dedup();
    for tenant in tenants {
        let mine: Vec<usize> =
            (0..requests.len()).filter(|&r| requests[r].0 == tenant && refused[r].is_none()).collect();
        if mine.is_empty() {
            continue;
        }
        let mut distinct: Vec<SubscriptionId> = mine.iter().flat_map(|&r| ids[r].iter().copied()).collect();
        distinct.sort_by_key(|id| id.as_uuid());
        distinct.dedup();
        // One statement reads and locks the group's subscriptions, shared and in id order (a
        // writer of one waits for the commit; another group does not), and one stores its
        // events. ADR 0043 took large groups' locks exclusively: measured under a heavy load in a
        // debug build, two groups sharing 500 row locks (a multixact per row) were slower than
        // one waiting for the other. In a release build on a quiet machine the shared lock gives
        // 1.5x the events per second with batches of 1,000 (the exclusive one left a third of
        // the CPU idle while one group waited for the other's commit; docs/adr/0053).
        // The merchant's time zone comes with them (`None`: none of the ids is the tenant's, and
        // every event is refused before its day is asked for).
        let (found, timezone) = store::subscriptions::get_many_for_ingestion(conn, tenant, &distinct).await?;
        let locked: std::collections::HashMap<SubscriptionId, _> = found.into_iter().map(|s| (s.id, s)).collect();
        let mut rows = Vec::new();
        let mut owners = Vec::new();
        for &r in &mine {
            let accepted: Result<Vec<NewUsageEvent>> = requests[r]
                .1
                .iter()
                .zip(&ids[r])
                .map(|(e, &id)| {
                    let sub = locked.get(&id).ok_or_else(|| Error::not_found("subscription", id))?;
                    let timezone = timezone.ok_or_else(|| Error::not_found("subscription", id))?;
                    accept(e, id, sub, timezone)
                })
                .collect();
            match accepted {
                Ok(accepted) => {
                    owners.extend(std::iter::repeat_n(r, accepted.len()));
                    rows.extend(accepted);
                }
                Err(e) => refused[r] = Some(e),
            }
        }
        if rows.is_empty() {
            continue;
        }
        let stored = store::usage::insert_many(conn, tenant, &rows, now).await?;
        for (r, was_created) in owners.into_iter().zip(stored) {
            created[r].push(was_created);
        }
    }
    Ok(requests
        .iter()
        .zip(refused)
        .zip(created)
        .map(|(((_, events), refused), created)| match refused {
            Some(e) => Err(e),
            None => Ok(events
                .iter()
                .zip(created)
                .map(|(e, created)| Recorded { event_id: e.event_id.clone(), created })
                .collect()),
        })
        .collect())
}

/// The row to store for an event of a locked subscription, or why it is refused: the
/// subscription must be metered and the event's day (in the merchant's time zone) must lie in a
/// period not invoiced yet.
fn accept(
    e: &UsageInput,
    id: SubscriptionId,
    sub: &crate::subscription::Subscription,
    timezone: chrono_tz::Tz,
) -> Result<NewUsageEvent> {
    if sub.metering.is_none() {
        return Err(Error::NotMetered { subscription: id.to_string() });
    }
    let day = e.timestamp.with_timezone(&timezone).date_naive();
    let open = match sub.period_containing(day)? {
        Some((index, _)) => index >= sub.next_period_index,
        None => false,
    };
    if !open {
        return Err(Error::UsagePeriodClosed { event_id: e.event_id.clone() });
    }
    Ok(NewUsageEvent {
        subscription: id,
        event_id: e.event_id.clone(),
        occurred_at: e.timestamp,
        value: e.value,
        property: e.property.clone(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct CurrentUsage {
    pub period_start: chrono::NaiveDate,
    /// Last day (inclusive).
    pub period_end: chrono::NaiveDate,
    pub metric: String,
    pub quantity: Decimal,
    /// What the period costs so far at this usage (before discounts and tax).
    pub amount: Money,
}

/// The usage of the subscription's open period (the first one not invoiced yet, which the next
/// invoice bills) and what it costs so far.
///
/// Not the period the calendar is in: a metered period is billed in arrears, so on the first
/// days of a new period (before the run invoiced the last one), or while a run is late, the open
/// period is an earlier one, and usage for it is still accepted (see [`record`]).
pub async fn current(conn: &mut PgConnection, tenant: TenantId, id: SubscriptionId) -> Result<CurrentUsage> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let sub = store::subscriptions::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("subscription", id))?;
    let metering = sub.metering.clone().ok_or_else(|| Error::NotMetered { subscription: id.to_string() })?;
    let period = crate::period::period_at(sub.anchor_date, sub.interval, sub.next_period_index)?;
    let windows = [Window {
        subscription: id,
        key: 0,
        from: crate::tenant::start_of_day(t.timezone, period.start),
        to: crate::tenant::start_of_day(t.timezone, period.end),
        aggregation: metering.aggregation,
    }];
    let quantity = store::usage::aggregate(conn, tenant, &windows).await?.first().map(|r| r.2).unwrap_or_default();
    let amount = sub.price.pricing.rate(quantity, RoundingPolicy::default())?.total;
    Ok(CurrentUsage {
        period_start: period.start,
        period_end: period.end - Duration::days(1),
        metric: metering.metric,
        quantity,
        amount,
    })
}
