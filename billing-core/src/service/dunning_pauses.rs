//! Pausing a dunning (issue 14, docs/adr/0039): staff hold the dunning of a customer (all their
//! invoices, also later ones) or of one invoice, with a reason and an optional day it ends by
//! itself. While a pause holds, the dunning job takes no step for it (no retry, mail, fee or
//! notice); the days it held are not counted, so after it the policy goes on where it was
//! instead of catching up with every step at once.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::store::console_settings::{self as store, PauseRow};

/// A pause as callers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DunningPause {
    /// The invoice paused; `None`: every invoice of the customer.
    pub invoice: Option<InvoiceId>,
    pub reason: String,
    pub paused_on: NaiveDate,
    /// The first day the job acts again by itself; `None`: until resumed.
    pub until: Option<NaiveDate>,
    pub paused_by: String,
    pub resumed_on: Option<NaiveDate>,
    pub resumed_by: Option<String>,
}

impl From<&PauseRow> for DunningPause {
    fn from(p: &PauseRow) -> Self {
        Self {
            invoice: p.invoice_id.map(InvoiceId),
            reason: p.reason.clone(),
            paused_on: p.paused_on,
            until: p.until,
            paused_by: p.paused_by.clone(),
            resumed_on: p.resumed_on,
            resumed_by: p.resumed_by.clone(),
        }
    }
}

/// Who pauses or resumes, for the audit line (`staff_audit_log`).
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub staff: Option<Uuid>,
    /// `staff:<email>` or `api`.
    pub actor: &'a str,
    pub client: Option<&'a str>,
}

/// The customer's open pauses as the audit line keeps them.
async fn open_json(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<serde_json::Value> {
    let open: Vec<DunningPause> = store::pauses(conn, tenant, customer.0)
        .await?
        .iter()
        .filter(|p| p.resumed_on.is_none())
        .map(DunningPause::from)
        .collect();
    Ok(serde_json::json!({ "pauses": open }))
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    who: &Who<'_>,
    action: &str,
    target: Option<InvoiceId>,
    reason: Option<&str>,
    before: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let after = open_json(conn, tenant, customer).await?;
    crate::service::staff::audit(
        conn,
        tenant,
        &crate::service::staff::AuditEntry {
            staff: who.staff,
            actor: who.actor,
            action,
            outcome: "done",
            target: Some(target.map_or_else(|| format!("customer:{customer}"), |i| format!("invoice:{i}"))),
            customer: Some(customer),
            reason,
            before: Some(before),
            after: Some(after),
            client: who.client,
        },
        now,
    )
    .await
}

/// What staff give when pausing.
#[derive(Debug, Clone, Default)]
pub struct PauseInput {
    pub invoice: Option<InvoiceId>,
    pub reason: String,
    pub until: Option<NaiveDate>,
}

/// Whether a pause holds on `as_of`: not resumed, and its `until` day not come.
pub fn holds(p: &PauseRow, as_of: NaiveDate) -> bool {
    p.resumed_on.is_none() && p.until.is_none_or(|u| u > as_of)
}

fn applies(p: &PauseRow, invoice: Uuid) -> bool {
    p.invoice_id.is_none_or(|i| i == invoice)
}

/// The invoice's pause state on `as_of`: the pause that holds (if any) and the days paused
/// since `since` (the first failed attempt's day), overlapping pauses counted once.
pub fn state(pauses: &[PauseRow], invoice: Uuid, since: NaiveDate, as_of: NaiveDate) -> (Option<&PauseRow>, i64) {
    let holding = pauses.iter().filter(|p| applies(p, invoice)).find(|p| holds(p, as_of));
    let mut spans: Vec<(NaiveDate, NaiveDate)> = pauses
        .iter()
        .filter(|p| applies(p, invoice))
        .filter_map(|p| {
            let start = p.paused_on.max(since);
            let end = [p.resumed_on, p.until, Some(as_of)].into_iter().flatten().min()?;
            (end > start).then_some((start, end))
        })
        .collect();
    spans.sort();
    let mut days = 0;
    let mut covered: Option<(NaiveDate, NaiveDate)> = None;
    for (s, e) in spans {
        covered = match covered {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                days += (ce - cs).num_days();
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = covered {
        days += (ce - cs).num_days();
    }
    (holding, days)
}

/// The retry a payment-failed notice may promise, as the pauses stand on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPromise {
    /// Dunning retries then: the policy's day, moved by the days a pause held or will hold.
    On(DateTime<Utc>),
    /// A pause without an end day holds the invoice: no retry until staff resume it.
    Paused,
}

/// What becomes of the retry the policy planned for `promised` (counted without pauses, as
/// `payments::next_retry` does at the failure) once staff paused the invoice's dunning: an open
/// pause without an end day stops it; pauses with an end (or resumed) move it by the days they
/// hold, counted as the job counts them ([`state`]: from the first failure, overlaps once).
pub async fn retry_promise(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    promised: DateTime<Utc>,
    today: NaiveDate,
) -> Result<RetryPromise> {
    let Some(customer) = crate::store::invoices::customer_of(conn, tenant, invoice).await? else {
        return Ok(RetryPromise::On(promised));
    };
    let pauses = store::pauses(conn, tenant, customer.0).await?;
    let applying: Vec<&PauseRow> = pauses.iter().filter(|p| applies(p, invoice.0)).collect();
    if applying.is_empty() {
        return Ok(RetryPromise::On(promised));
    }
    if applying.iter().any(|p| holds(p, today) && p.until.is_none()) {
        return Ok(RetryPromise::Paused);
    }
    let since =
        crate::store::dunning::first_failed_at(conn, tenant, invoice.0).await?.map_or(today, |at| at.date_naive());
    // Every pause that applies has ended or ends by itself: count them to their last day.
    let horizon = applying.iter().filter_map(|p| p.resumed_on.or(p.until)).max().unwrap_or(today).max(today);
    let (_, days) = state(&pauses, invoice.0, since, horizon);
    Ok(RetryPromise::On(promised + chrono::Duration::days(days)))
}

/// Every pause of the customer's (for the job: keyed by customer).
pub async fn for_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    customers: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, Vec<PauseRow>>> {
    let mut out = BTreeMap::new();
    for c in customers {
        if let std::collections::btree_map::Entry::Vacant(e) = out.entry(c) {
            e.insert(store::pauses(conn, tenant, c).await?);
        }
    }
    Ok(out)
}

/// The customer's pauses, oldest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<PauseRow>> {
    store::pauses(conn, tenant, customer.0).await
}

/// The open pauses of the tenant (the dunning board).
pub async fn open(conn: &mut PgConnection, tenant: TenantId, today: NaiveDate) -> Result<Vec<PauseRow>> {
    Ok(store::open_pauses(conn, tenant).await?.into_iter().filter(|p| holds(p, today)).collect())
}

fn check_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::invalid("reason", "give the reason for the pause"));
    }
    if r.chars().count() > 500 {
        return Err(Error::invalid("reason", "at most 500 characters"));
    }
    Ok(r.to_string())
}

/// Checks that the invoice is the customer's and can be dunned (an open invoice, not a credit note).
async fn check_invoice(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId, id: InvoiceId) -> Result<()> {
    let inv = crate::service::invoices::get(conn, tenant, id).await?;
    if inv.customer_id != customer || inv.kind == "credit_note" {
        return Err(Error::not_found("invoice", id));
    }
    if inv.status != crate::invoice::InvoiceStatus::Open {
        return Err(Error::invalid("invoice", "only an open invoice is dunned"));
    }
    Ok(())
}

/// Closes the scope's open pause if its `until` day has come (it ended by itself).
async fn close_expired(conn: &mut PgConnection, tenant: TenantId, p: &PauseRow, today: NaiveDate) -> Result<bool> {
    match p.until {
        Some(u) if u <= today => {
            let at = u.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(p.paused_at);
            store::close_pause(conn, tenant, p.id, u, at, "until", None).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Pauses the customer's dunning (or one invoice's) from today; refused when that scope is
/// paused already, the reason is missing, or `until` is not after today. Nothing is stored when
/// it is refused.
pub async fn pause(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    input: &PauseInput,
    who: &Who<'_>,
    now: DateTime<Utc>,
) -> Result<DunningPause> {
    let by = who.actor;
    crate::service::customers::get(conn, tenant, customer).await?;
    let reason = check_reason(&input.reason)?;
    let today = now.date_naive();
    if input.until.is_some_and(|u| u <= today) {
        return Err(Error::invalid("until", "the pause must end after today"));
    }
    if let Some(i) = input.invoice {
        check_invoice(conn, tenant, customer, i).await?;
    }
    let scope = input.invoice.map(|i| i.0);
    if let Some(open) = store::open_pause_for_update(conn, tenant, customer.0, scope).await?
        && !close_expired(conn, tenant, &open, today).await?
    {
        return Err(Error::invalid("dunning", "the dunning is paused already"));
    }
    let row = PauseRow {
        id: Uuid::now_v7(),
        customer_id: customer.0,
        invoice_id: scope,
        reason,
        paused_on: today,
        until: input.until,
        paused_at: now,
        paused_by: by.to_string(),
        resumed_on: None,
        resumed_at: None,
        resumed_by: None,
    };
    let before = open_json(conn, tenant, customer).await?;
    store::insert_pause(conn, tenant, &row).await?;
    audit(conn, tenant, customer, who, "dunning.pause", input.invoice, Some(&row.reason), before, now).await?;
    Ok(DunningPause::from(&row))
}

/// Resumes the paused scope from today; refused when it is not paused (or its pause ended by
/// itself). Returns the pause as closed.
pub async fn resume(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    invoice: Option<InvoiceId>,
    reason: Option<&str>,
    who: &Who<'_>,
    now: DateTime<Utc>,
) -> Result<DunningPause> {
    let by = who.actor;
    crate::service::customers::get(conn, tenant, customer).await?;
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(check_reason(r)?),
        None => None,
    };
    let today = now.date_naive();
    let Some(open) = store::open_pause_for_update(conn, tenant, customer.0, invoice.map(|i| i.0)).await? else {
        return Err(Error::invalid("dunning", "the dunning is not paused"));
    };
    if close_expired(conn, tenant, &open, today).await? {
        return Err(Error::invalid("dunning", "the dunning is not paused"));
    }
    // Resumed the day it was paused: the pause held for no day.
    let on = today.max(open.paused_on);
    let before = open_json(conn, tenant, customer).await?;
    store::close_pause(conn, tenant, open.id, on, now, by, reason.as_deref()).await?;
    audit(conn, tenant, customer, who, "dunning.resume", invoice, reason.as_deref(), before, now).await?;
    let mut closed = open;
    closed.resumed_on = Some(on);
    closed.resumed_at = Some(now);
    closed.resumed_by = Some(by.to_string());
    Ok(DunningPause::from(&closed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn pause(invoice: Option<Uuid>, on: &str, until: Option<&str>, resumed: Option<&str>) -> PauseRow {
        PauseRow {
            id: Uuid::now_v7(),
            customer_id: Uuid::nil(),
            invoice_id: invoice,
            reason: "r".into(),
            paused_on: d(on),
            until: until.map(d),
            paused_at: Utc::now(),
            paused_by: "t".into(),
            resumed_on: resumed.map(d),
            resumed_at: resumed.map(|_| Utc::now()),
            resumed_by: None,
        }
    }

    #[test]
    fn an_open_pause_holds_and_its_days_are_not_counted_afterwards() {
        let inv = Uuid::now_v7();
        let other = Uuid::now_v7();
        let open = [pause(None, "2026-03-05", None, None)];
        assert!(state(&open, inv, d("2026-03-01"), d("2026-03-10")).0.is_some());
        let resumed = [pause(None, "2026-03-05", None, Some("2026-03-12"))];
        assert_eq!(state(&resumed, inv, d("2026-03-01"), d("2026-03-20")), (None, 7));
        // Only the days up to the run's day count, and none before the first failure.
        assert_eq!(state(&resumed, inv, d("2026-03-08"), d("2026-03-10")).1, 2);
        // An until day ends it by itself.
        let until = [pause(Some(inv), "2026-03-05", Some("2026-03-09"), None)];
        assert_eq!(state(&until, inv, d("2026-03-01"), d("2026-03-08")).0.map(|p| p.paused_on), Some(d("2026-03-05")));
        assert_eq!(state(&until, inv, d("2026-03-01"), d("2026-03-20")), (None, 4));
        // Another invoice's pause does not hold this one; overlapping ones count once.
        assert_eq!(state(&until, other, d("2026-03-01"), d("2026-03-08")), (None, 0));
        let both = [
            pause(None, "2026-03-05", None, Some("2026-03-10")),
            pause(Some(inv), "2026-03-08", None, Some("2026-03-12")),
        ];
        assert_eq!(state(&both, inv, d("2026-03-01"), d("2026-03-20")).1, 7);
    }
}
