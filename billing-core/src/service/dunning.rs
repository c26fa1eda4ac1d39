//! Dunning (docs/adr/0022): the daily job that walks every invoice whose last collection attempt
//! failed, or that was never charged and is past its due date (docs/adr/0047), through its
//! policy (`crate::dunning`), and the customer's dunning state.
//!
//! Nothing is done twice: a step is claimed in `dunning_steps` (unique per invoice and step)
//! before it acts. A mail or a write-off is claimed in the same transaction that enqueues or
//! closes, so it happens exactly once; a retry is claimed, committed, and only then charged (no
//! connection is held while the provider answers), so a process killed mid-charge retries at
//! most once less, never twice. One run at a time per database: the lease `dunning`.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgPool};

use crate::dunning::{DunningAction, Ladder, Policy, PolicyScope};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::outbox::OutboxMessage;
use crate::ports::Gateways;
use crate::ports::charge_texts::{ChargeTexts, PlainChargeTexts};
use crate::service::dunning_actions::{self, StepContext};
use crate::service::{dunning_pauses, invoices, payments, retries};
use crate::store::dunning::{self as store, DunningReason, InDunning, Taken};
use crate::store::locks;

/// The lease that makes dunning runs exclusive.
const LEASE: &str = "dunning";
const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// The tenant's policy, or the default when it has none.
pub async fn policy(conn: &mut PgConnection, tenant: TenantId) -> Result<Policy> {
    match store::policy(conn, tenant).await? {
        None => Ok(Policy::default_policy()),
        Some(steps) => parse(steps),
    }
}

/// The tenant's policy and whether it is its own (false: the default).
pub async fn policy_and_origin(conn: &mut PgConnection, tenant: TenantId) -> Result<(Policy, bool)> {
    match store::policy(conn, tenant).await? {
        None => Ok((Policy::default_policy(), false)),
        Some(steps) => Ok((parse(steps)?, true)),
    }
}

/// The preset ladder the tenant's policy came from, if any.
pub async fn policy_ladder(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<Ladder>> {
    Ok(store::policy_ladder(conn, tenant).await?.as_deref().and_then(Ladder::parse))
}

/// Parses and checks a list of steps: JSON that is not a list of steps (an unknown action, a
/// misspelt field) is [`Error::InvalidField`] on `steps`; a step that breaks a rule (a day out of
/// range or out of order, a bad late fee, an unknown currency) is [`Error::DunningPolicy`].
pub fn parse(steps: serde_json::Value) -> Result<Policy> {
    Policy::from_json_checked(steps).map_err(|e| match e {
        Ok(rule) => Error::DunningPolicy(rule),
        Err(reason) => Error::invalid("steps", reason),
    })
}

/// The steps (or the preset `ladder`) checked: the policy, the ladder, and the steps as stored.
fn checked(
    steps: Option<serde_json::Value>,
    ladder: Option<&str>,
) -> Result<(Policy, Option<Ladder>, serde_json::Value)> {
    let ladder = match ladder {
        None => None,
        Some(l) => Some(Ladder::parse(l).ok_or_else(|| Error::invalid("ladder", "the only ladder is \"de\""))?),
    };
    let policy = match (steps, ladder) {
        (Some(steps), _) => parse(steps)?,
        (None, Some(ladder)) => Policy::ladder(ladder),
        (None, None) => return Err(Error::invalid("steps", "give the steps, or a ladder such as \"de\"")),
    };
    let json = serde_json::to_value(policy.steps()).map_err(|e| Error::invalid("steps", e.to_string()))?;
    Ok((policy, ladder, json))
}

/// Replaces the tenant's policy after checking it; nothing is stored when it is refused.
/// `ladder` (`"de"`) without `steps` stores that preset; with `steps`, the steps are the tenant's
/// own and the ladder is only recorded.
pub async fn put_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    steps: Option<serde_json::Value>,
    ladder: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Policy> {
    let (policy, ladder, json) = checked(steps, ladder)?;
    store::put_policy(conn, tenant, &json, ladder.map(Ladder::as_str), now).await?;
    Ok(policy)
}

/// The policy that applies to the invoice (docs/adr/0046) and where it came from:
/// `segment:<code>`, `method:<kind>`, `tenant` or `default`.
pub async fn policy_for_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<(Policy, String)> {
    match store::policy_for_invoice(conn, tenant, invoice.0).await? {
        Some((origin, steps)) => Ok((parse(steps)?, origin)),
        None => Ok((Policy::default_policy(), "default".to_string())),
    }
}

/// A policy for a segment or a payment method kind.
#[derive(Debug, Clone)]
pub struct ScopedPolicy {
    pub scope: PolicyScope,
    pub policy: Policy,
    pub ladder: Option<Ladder>,
    pub updated_at: DateTime<Utc>,
}

fn scoped(row: store::ScopedPolicy) -> Option<Result<ScopedPolicy>> {
    let scope = PolicyScope::from_key(&row.scope)?;
    Some(parse(row.steps).map(|policy| ScopedPolicy {
        scope,
        policy,
        ladder: row.ladder.as_deref().and_then(Ladder::parse),
        updated_at: row.updated_at,
    }))
}

fn scope_not_found(scope: &PolicyScope) -> Error {
    Error::not_found("dunning_policy", scope.key())
}

/// The tenant's policies for segments and payment method kinds.
pub async fn scoped_policies(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<ScopedPolicy>> {
    store::scoped_policies(conn, tenant).await?.into_iter().filter_map(scoped).collect()
}

/// The policy for `scope`; not found when the tenant has none for it.
pub async fn scoped_policy(conn: &mut PgConnection, tenant: TenantId, scope: &PolicyScope) -> Result<ScopedPolicy> {
    let row = store::scoped_policy(conn, tenant, &scope.key()).await?;
    row.and_then(scoped).unwrap_or_else(|| Err(scope_not_found(scope)))
}

/// Stores the policy for `scope` after checking it as the tenant's own is checked; nothing is
/// stored when it is refused.
pub async fn put_scoped_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    scope: &PolicyScope,
    steps: Option<serde_json::Value>,
    ladder: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ScopedPolicy> {
    let (policy, ladder, json) = checked(steps, ladder)?;
    let row = store::put_scoped_policy(conn, tenant, &scope.key(), &json, ladder.map(Ladder::as_str), now).await?;
    Ok(ScopedPolicy { scope: scope.clone(), policy, ladder, updated_at: row.updated_at })
}

/// Removes the policy for `scope`: its invoices follow the next policy in line again.
pub async fn delete_scoped_policy(conn: &mut PgConnection, tenant: TenantId, scope: &PolicyScope) -> Result<()> {
    if store::delete_scoped_policy(conn, tenant, &scope.key()).await? { Ok(()) } else { Err(scope_not_found(scope)) }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DunningSummary {
    /// False when another run held the lease and this one did nothing.
    pub ran: bool,
    pub invoices: u64,
    pub retried: u64,
    pub recovered: u64,
    pub retries_skipped: u64,
    pub emails: u64,
    pub uncollectible: u64,
    pub failed: u64,
    /// Retries put off because the card network asked to wait (retry-after), newly this run.
    pub retries_deferred: u64,
    /// Late-fee steps and ladder notices that charged something (a charges invoice issued).
    pub charged: u64,
    /// Ladder notices sent (Zahlungserinnerung to letzte Mahnung).
    pub notices: u64,
    pub restricted: u64,
    /// Steps that paused or canceled subscriptions.
    pub paused: u64,
    pub canceled: u64,
    /// Invoices left alone because staff paused their dunning (docs/adr/0039).
    pub held: u64,
    /// Retry steps on invoices never charged (paid by transfer, no method), recorded as skipped
    /// with the reason (docs/adr/0047).
    pub nothing_to_retry: u64,
}

/// Takes the due steps of every invoice in dunning on `as_of` (the date of `now` when `None`),
/// with English descriptions on charge lines: for callers without the Fluent catalog. The
/// scheduler and the CLI use [`run_localized`].
pub async fn run(
    pool: &PgPool,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
    as_of: Option<NaiveDate>,
) -> Result<DunningSummary> {
    run_localized(pool, gateways, &PlainChargeTexts, now, as_of).await
}

/// As [`run`], with the charge lines described by `texts` in each customer's language.
pub async fn run_localized(
    pool: &PgPool,
    gateways: &dyn Gateways,
    texts: &dyn ChargeTexts,
    now: DateTime<Utc>,
    as_of: Option<NaiveDate>,
) -> Result<DunningSummary> {
    let as_of = as_of.unwrap_or_else(|| now.date_naive());
    let ran = locks::with_lease(pool, LEASE, LEASE_TTL, run_all(pool, gateways, texts, now, as_of)).await?;
    Ok(ran.unwrap_or_default())
}

async fn run_all(
    pool: &PgPool,
    gateways: &dyn Gateways,
    texts: &dyn ChargeTexts,
    now: DateTime<Utc>,
    as_of: NaiveDate,
) -> Result<DunningSummary> {
    let mut summary = DunningSummary { ran: true, ..DunningSummary::default() };
    let work = store::work(&mut *pool.acquire().await?, as_of).await?;
    let mut pauses: BTreeMap<(uuid::Uuid, uuid::Uuid), Vec<crate::store::console_settings::PauseRow>> = BTreeMap::new();
    for inv in work {
        // The invoice's policy: its customer's segment's, its method kind's, the tenant's, or the default.
        let (tenant, invoice) = (TenantId(inv.tenant_id), InvoiceId(inv.invoice_id));
        let (policy, _) = policy_for_invoice(&mut *pool.acquire().await?, tenant, invoice).await?;
        let held = match pauses.entry((inv.tenant_id, inv.customer_id)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(
                crate::store::console_settings::pauses(
                    &mut *pool.acquire().await?,
                    TenantId(inv.tenant_id),
                    inv.customer_id,
                )
                .await?,
            ),
        };
        summary.invoices += 1;
        // A paused dunning takes no step; the days it was paused do not count (docs/adr/0039).
        let (holding, paused_days) = dunning_pauses::state(held, inv.invoice_id, inv.since(), as_of);
        if holding.is_some() {
            summary.held += 1;
            continue;
        }
        if let Err(e) = dun(pool, gateways, texts, &policy, &inv, now, as_of, paused_days, &mut summary).await {
            tracing::warn!(error = %e, invoice = %InvoiceId(inv.invoice_id), "dunning: a step failed");
            summary.failed += 1;
        }
    }
    Ok(summary)
}

/// Takes the invoice's due steps in order; stops once the invoice is no longer open.
#[allow(clippy::too_many_arguments)]
async fn dun(
    pool: &PgPool,
    gateways: &dyn Gateways,
    texts: &dyn ChargeTexts,
    policy: &Policy,
    inv: &InDunning,
    now: DateTime<Utc>,
    as_of: NaiveDate,
    paused_days: i64,
    summary: &mut DunningSummary,
) -> Result<()> {
    let (tenant, invoice) = (TenantId(inv.tenant_id), InvoiceId(inv.invoice_id));
    // Counted from the first failed attempt, or from the due date of one never charged (ADR 0047).
    let days = (as_of - inv.since()).num_days() - paused_days;
    let taken = store::taken(&mut *pool.acquire().await?, inv.tenant_id, inv.invoice_id).await?;
    // A hard decline blocks retries until the customer's default method is another one.
    let blocked = inv.last_decline_class.as_deref() == Some("hard") && {
        let methods =
            crate::store::payment_methods::chargeable(&mut *pool.acquire().await?, tenant, inv.customer_id).await?;
        methods.first().is_none_or(|m| Some(m.id) == inv.last_method_id)
    };
    let transfer = inv.reason() == DunningReason::Overdue
        && !crate::store::runs::collects_automatically(&mut *pool.acquire().await?, tenant).await?;
    for (step, s) in policy.due(days, &taken) {
        let mut t = Taken {
            tenant: inv.tenant_id,
            invoice: inv.invoice_id,
            step,
            day: s.day,
            action: s.action.as_str(),
            outcome: "done",
            reason: None,
        };
        match s.action {
            DunningAction::Retry if inv.reason() == DunningReason::Overdue => {
                // Never charged: nothing to retry; the customer pays by transfer or in the portal.
                let reason = if transfer {
                    "not retried: the invoice is paid by transfer and was never charged"
                } else {
                    "not retried: the invoice was never charged and the customer has no payment method"
                };
                t.outcome = "skipped";
                t.reason = Some(reason);
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                if store::claim(&mut tx, &t, now).await? {
                    enqueue_step(&mut tx, inv, step, s.action, "skipped", Some(reason), now).await?;
                    summary.nothing_to_retry += 1;
                }
                tx.commit().await?;
            }
            DunningAction::Retry if blocked => {
                let reason = format!(
                    "not retried: the last decline ({}) was hard and the customer has no other payment method",
                    inv.last_decline_code.as_deref().unwrap_or("unknown")
                );
                t.outcome = "skipped";
                t.reason = Some(&reason);
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                if store::claim(&mut tx, &t, now).await? {
                    enqueue_step(&mut tx, inv, step, s.action, "skipped", Some(&reason), now).await?;
                    retries::record(&mut tx, inv, step, &retries::Gate::hard_decline(inv), None, now).await?;
                    summary.retries_skipped += 1;
                }
                tx.commit().await?;
            }
            DunningAction::Retry => {
                // The card networks' rules first (docs/adr/0032): the attempt cap, a retry-after.
                let gate = retries::gate(&mut *pool.acquire().await?, inv, now).await?;
                if let Some(skip) = retries::not_now(&gate) {
                    if skip == "deferred" {
                        if retries::record(&mut *pool.acquire().await?, inv, step, &gate, None, now).await? {
                            summary.retries_deferred += 1;
                        }
                        continue;
                    }
                    let reason = gate.decision.reason();
                    t.outcome = "skipped";
                    t.reason = Some(&reason);
                    let mut conn = pool.acquire().await?;
                    let mut tx = conn.begin().await?;
                    if store::claim(&mut tx, &t, now).await? {
                        enqueue_step(&mut tx, inv, step, s.action, "skipped", Some(&reason), now).await?;
                        retries::record(&mut tx, inv, step, &gate, None, now).await?;
                        summary.retries_skipped += 1;
                    }
                    tx.commit().await?;
                    continue;
                }
                t.outcome = "started";
                if !store::claim(&mut *pool.acquire().await?, &t, now).await? {
                    continue;
                }
                summary.retried += 1;
                let collected = payments::collect(pool, tenant, invoice, gateways, now).await;
                let made = collected.as_ref().ok().and_then(|c| c.attempts.first()).map(|a| a.id);
                let (outcome, reason, paid) = match collected {
                    Ok(c) if c.invoice_status == "paid" => ("done", "paid".to_string(), true),
                    Ok(c) => {
                        let code = c.attempt.decline_code.clone().unwrap_or_default();
                        ("failed", format!("declined again ({code})"), false)
                    }
                    Err(e) => ("failed", e.to_string(), false),
                };
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                store::finish(&mut tx, inv.tenant_id, inv.invoice_id, step, outcome, Some(&reason)).await?;
                enqueue_step(&mut tx, inv, step, s.action, outcome, Some(&reason), now).await?;
                retries::record(&mut tx, inv, step, &gate, made, now).await?;
                tx.commit().await?;
                if paid {
                    summary.recovered += 1;
                    return Ok(());
                }
            }
            DunningAction::Email => {
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                if store::claim(&mut tx, &t, now).await? {
                    enqueue_step(&mut tx, inv, step, s.action, "done", None, now).await?;
                    summary.emails += 1;
                }
                tx.commit().await?;
            }
            DunningAction::MarkUncollectible => {
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                if store::claim(&mut tx, &t, now).await? {
                    invoices::mark_uncollectible(&mut tx, tenant, invoice, now).await?;
                    enqueue_step(&mut tx, inv, step, s.action, "done", None, now).await?;
                    summary.uncollectible += 1;
                }
                tx.commit().await?;
                return Ok(());
            }
            action @ (DunningAction::LateFee
            | DunningAction::Restrict
            | DunningAction::PauseSubscriptions
            | DunningAction::CancelSubscriptions
            | DunningAction::PaymentReminder
            | DunningAction::FirstNotice
            | DunningAction::SecondNotice
            | DunningAction::FinalNotice) => {
                // Claimed, taken, recorded and announced in one transaction: exactly once.
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                if store::claim(&mut tx, &t, now).await? {
                    let cx = StepContext { inv, step, as_of, now, texts };
                    let acted = dunning_actions::act(&mut tx, &cx, &s).await?;
                    let reason = acted.reason.as_deref();
                    store::finish(&mut tx, inv.tenant_id, inv.invoice_id, step, acted.outcome, reason).await?;
                    enqueue_step(&mut tx, inv, step, action, acted.outcome, reason, now).await?;
                    count(summary, action, acted.outcome, reason);
                }
                tx.commit().await?;
            }
        }
    }
    Ok(())
}

fn count(summary: &mut DunningSummary, action: DunningAction, outcome: &str, reason: Option<&str>) {
    if outcome == "failed" {
        summary.failed += 1;
        return;
    }
    if outcome != "done" {
        return;
    }
    // A charges invoice was issued when the reason names one.
    if reason.is_some_and(|r| r.contains(" on invoice ")) {
        summary.charged += 1;
    }
    match action {
        DunningAction::Restrict => summary.restricted += 1,
        DunningAction::PauseSubscriptions => summary.paused += 1,
        DunningAction::CancelSubscriptions => summary.canceled += 1,
        a if a.ladder_level().is_some() => summary.notices += 1,
        _ => {}
    }
}

/// The step's event (`dunning.step`; its mail too when the action is `email`), written with the
/// step's record.
async fn enqueue_step(
    tx: &mut PgConnection,
    inv: &InDunning,
    step: u32,
    action: DunningAction,
    outcome: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let message = OutboxMessage::DunningStep {
        invoice: InvoiceId(inv.invoice_id),
        customer: CustomerId(inv.customer_id),
        step,
        action: action.as_str().to_string(),
        outcome: Some(outcome.to_string()),
        reason: reason.map(str::to_owned),
    };
    crate::store::outbox::enqueue(tx, TenantId(inv.tenant_id), &[message], now).await?;
    Ok(())
}

/// A customer's dunning state, for the customer API.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerDunning {
    /// The invoices in dunning.
    pub invoices: Vec<InvoiceId>,
    /// The latest step taken (number and action), on the invoice furthest along.
    pub current_step: Option<u32>,
    pub current_action: Option<&'static str>,
    /// The next step due, on the invoice whose next step comes first.
    pub next_action: Option<&'static str>,
    pub next_action_on: Option<NaiveDate>,
    /// What is left to pay on the invoices in dunning, in minor units, per currency.
    pub amount_at_risk: BTreeMap<String, i64>,
    /// The day the steps count from, on the invoice in dunning longest (docs/adr/0047): its first
    /// failed attempt's day, or its due date when it was never charged.
    pub since: Option<NaiveDate>,
    /// Why that invoice is in dunning: `payment_failed` or `overdue` (never charged, past due).
    pub reason: Option<&'static str>,
    /// A hard decline on the customer's current default method blocks automatic retries until
    /// they add another one (`next_action` is then never `retry`).
    pub retries_blocked: bool,
    /// A `restrict` step was taken: plan changes and new subscriptions are refused
    /// (`account_restricted`) until the invoices in dunning are paid.
    pub restricted: bool,
    /// Staff paused the dunning: the pauses that hold today, the customer's own (every invoice)
    /// and single invoices' (docs/adr/0039). The job takes no step for what they hold.
    pub pauses: Vec<dunning_pauses::DunningPause>,
    /// Every invoice in dunning is held by a pause (and a customer-wide pause holds the ones to come).
    pub paused: bool,
}

/// Whether a dunning `restrict` step holds the customer's account (lifted once the invoice it was
/// taken on is paid).
pub async fn is_restricted(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<bool> {
    store::is_restricted(conn, tenant, customer.0).await
}

/// A customer with their dunning state and whether a dunning step restricted the account, as
/// [`for_customer`] and [`is_restricted`] answer, in one round trip when the customer has no
/// invoice that could be in dunning (the usual case; `GET /customers/{id}`).
pub async fn customer_with_state(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    today: NaiveDate,
) -> Result<(crate::customer::Customer, Option<CustomerDunning>, bool)> {
    let (found, may_be_in_dunning, restricted) =
        crate::store::customers::get_with_dunning_flags(conn, tenant, customer, today)
            .await?
            .ok_or_else(|| Error::not_found("customer", customer))?;
    let dunning =
        if may_be_in_dunning { state_of(conn, tenant, customer, today, Some(restricted)).await? } else { None };
    Ok((found, dunning, restricted))
}

/// The customer's dunning state on `today`, `None` when no invoice of theirs is in dunning and
/// no pause holds.
pub async fn for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    today: NaiveDate,
) -> Result<Option<CustomerDunning>> {
    state_of(conn, tenant, customer, today, None).await
}

/// [`for_customer`], `restricted` read unless the caller knows it: three statements (the invoices
/// in dunning with their steps and policies, the pauses, and the methods only when a hard decline
/// needs them).
async fn state_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    today: NaiveDate,
    restricted: Option<bool>,
) -> Result<Option<CustomerDunning>> {
    let list = store::for_customer_with_steps(conn, tenant, customer.0, today).await?;
    let pauses = crate::store::console_settings::pauses(conn, tenant, customer.0).await?;
    let holding: Vec<dunning_pauses::DunningPause> =
        pauses.iter().filter(|p| dunning_pauses::holds(p, today)).map(dunning_pauses::DunningPause::from).collect();
    if list.is_empty() && holding.is_empty() {
        return Ok(None);
    }
    let restricted = match restricted {
        Some(known) => known,
        None => store::is_restricted(conn, tenant, customer.0).await?,
    };
    let mut state = CustomerDunning {
        invoices: Vec::new(),
        current_step: None,
        current_action: None,
        next_action: None,
        next_action_on: None,
        amount_at_risk: BTreeMap::new(),
        since: None,
        reason: None,
        retries_blocked: false,
        restricted,
        paused: holding.iter().any(|p| p.invoice.is_none()),
        pauses: holding,
    };
    let mut all_held = !list.is_empty();
    // Only a hard decline asks which method is the default now.
    let methods = if list.iter().any(|d| d.invoice.last_decline_class.as_deref() == Some("hard")) {
        crate::store::payment_methods::chargeable(conn, tenant, customer.0).await?
    } else {
        Vec::new()
    };
    for row in list {
        let inv = &row.invoice;
        // As the job decides (`dun`): a hard decline with the declined method still the default.
        let blocked = inv.last_decline_class.as_deref() == Some("hard")
            && methods.first().is_none_or(|m| Some(m.id) == inv.last_method_id);
        state.retries_blocked |= blocked;
        let policy = match row.policy_steps {
            Some(steps) => parse(steps)?,
            None => Policy::default_policy(),
        };
        state.invoices.push(InvoiceId(inv.invoice_id));
        *state.amount_at_risk.entry(inv.currency.trim().to_string()).or_default() += inv.amount_due;
        let taken: std::collections::BTreeSet<u32> = row.taken.iter().filter_map(|s| u32::try_from(*s).ok()).collect();
        if let Some(&last) = taken.iter().next_back()
            && state.current_step.is_none_or(|c| last > c)
        {
            state.current_step = Some(last);
            state.current_action = policy.steps().get(last as usize - 1).map(|s| s.action.as_str());
        }
        let since = inv.since();
        if state.since.is_none_or(|d| since < d) {
            state.since = Some(since);
            state.reason = Some(inv.reason().as_str());
        }
        let (held, paused_days) = dunning_pauses::state(&pauses, inv.invoice_id, since, today);
        if held.is_some() {
            // Nothing is due while it is paused.
            continue;
        }
        all_held = false;
        // An invoice never charged has nothing to retry: its next act is a reminder or a charge.
        let no_retry = blocked || inv.reason() == DunningReason::Overdue;
        if let Some((_, next)) = policy.next_acting(&taken, no_retry) {
            let on = since
                + chrono::Days::new(u64::from(next.day))
                + chrono::Days::new(u64::try_from(paused_days).unwrap_or_default());
            if state.next_action_on.is_none_or(|d| on < d) {
                state.next_action_on = Some(on);
                state.next_action = Some(next.action.as_str());
            }
        }
    }
    state.paused |= all_held;
    Ok(Some(state))
}
