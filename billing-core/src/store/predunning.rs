//! Pre-dunning (`predunning_notices` and what the notices are about): the cards about to expire,
//! trials about to end, annual renewals and SEPA debits coming up, over all tenants.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// Claims a notice key (`reason:object:period`); false when it was queued before.
pub async fn claim(conn: &mut PgConnection, tenant: TenantId, key: &str, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO predunning_notices (tenant_id, notice_key, queued_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A customer's default card that expires at the end of this month or the next one, while they
/// have a subscription that goes on: (tenant, customer, method, first day of the expiry month, last4).
pub async fn cards_expiring(
    conn: &mut PgConnection,
    as_of: NaiveDate,
) -> Result<Vec<(Uuid, Uuid, Uuid, NaiveDate, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT m.tenant_id, m.customer_id, m.id, make_date(m.exp_year::int, m.exp_month::int, 1), m.last4
           FROM payment_methods m
          WHERE m.is_default AND m.removed_at IS NULL AND m.kind = 'card'
            AND m.exp_year IS NOT NULL AND m.exp_month IS NOT NULL
            AND make_date(m.exp_year::int, m.exp_month::int, 1)
                BETWEEN date_trunc('month', $1::timestamp)::date
                    AND (date_trunc('month', $1::timestamp) + interval '1 month')::date
            AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.tenant_id = m.tenant_id AND s.customer_id = m.customer_id
                           AND s.status IN ('active', 'paused'))
          ORDER BY m.tenant_id, m.id",
    )
    .bind(as_of)
    .fetch_all(conn)
    .await?)
}

/// Active subscriptions whose trial ends within the tenant's `trial_notice_days` after `as_of`:
/// (tenant, subscription, customer, trial end).
pub async fn trials_ending(conn: &mut PgConnection, as_of: NaiveDate) -> Result<Vec<(Uuid, Uuid, Uuid, NaiveDate)>> {
    Ok(sqlx::query_as(
        "SELECT s.tenant_id, s.id, s.customer_id, s.trial_end
           FROM subscriptions s JOIN tenants t ON t.tenant_id = s.tenant_id
          WHERE s.status = 'active' AND s.trial_end > $1 AND s.trial_end <= $1 + t.trial_notice_days
            AND (s.cancel_at IS NULL OR s.cancel_at > s.trial_end)
          ORDER BY s.tenant_id, s.id",
    )
    .bind(as_of)
    .fetch_all(conn)
    .await?)
}

/// Active yearly subscriptions (not add-ons, not ending, not in a trial that ends then) that renew
/// within the tenant's `renewal_notice_days` after `as_of`: (tenant, subscription, customer, date).
pub async fn renewals_upcoming(
    conn: &mut PgConnection,
    as_of: NaiveDate,
) -> Result<Vec<(Uuid, Uuid, Uuid, NaiveDate)>> {
    Ok(sqlx::query_as(
        "SELECT s.tenant_id, s.id, s.customer_id, s.next_billing_date
           FROM subscriptions s JOIN tenants t ON t.tenant_id = s.tenant_id
          WHERE s.status = 'active' AND s.interval_unit = 'year' AND s.parent_id IS NULL
            AND s.next_billing_date > $1 AND s.next_billing_date <= $1 + t.renewal_notice_days
            AND s.next_billing_date > s.start_date
            AND (s.trial_end IS NULL OR s.trial_end < s.next_billing_date)
            AND (s.cancel_at IS NULL OR s.cancel_at > s.next_billing_date)
          ORDER BY s.tenant_id, s.id",
    )
    .bind(as_of)
    .fetch_all(conn)
    .await?)
}

/// An upcoming SEPA direct debit to pre-notify.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpcomingDebit {
    pub tenant_id: Uuid,
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    pub amount_due: i64,
    pub currency: String,
    pub due_date: NaiveDate,
    /// The active mandate of the default SEPA method, when it has one (a method added through
    /// the API with an IBAN alone has none).
    pub mandate_id: Option<Uuid>,
    pub mandate_reference: Option<String>,
    pub creditor_id: Option<String>,
    /// The pre-notification period that applies: the mandate's agreed one, else the rulebook's.
    pub period_days: i32,
}

/// Open invoices never charged and not yet pre-notified whose customer pays by SEPA direct debit
/// (their default method) and that fall due within the mandate's pre-notification period from
/// `as_of` (`default_days` when the mandate agrees none), or have fallen due already (a mandate
/// added after the due date: the debit waits for its notice all the same; docs/adr/0048).
pub async fn debits_upcoming(
    conn: &mut PgConnection,
    as_of: NaiveDate,
    default_days: i32,
) -> Result<Vec<UpcomingDebit>> {
    Ok(sqlx::query_as(
        "SELECT i.tenant_id, i.id AS invoice_id, i.customer_id, i.total - i.amount_paid AS amount_due,
                trim(i.currency::text) AS currency, COALESCE(i.due_date, i.issue_date) AS due_date,
                md.id AS mandate_id, md.reference AS mandate_reference, md.creditor_id,
                COALESCE(md.prenotification_days::int, $2::int) AS period_days
           FROM invoices i
           JOIN LATERAL (
                SELECT m.id FROM payment_methods m
                 WHERE m.tenant_id = i.tenant_id AND m.customer_id = i.customer_id AND m.is_default
                   AND m.removed_at IS NULL AND m.kind = 'sepa_debit'
                 LIMIT 1) pm ON TRUE
           LEFT JOIN LATERAL (
                SELECT sm.id, sm.reference, sm.creditor_id, sm.prenotification_days FROM sepa_mandates sm
                 WHERE sm.tenant_id = i.tenant_id AND sm.payment_method_id = pm.id AND sm.status = 'active'
                 ORDER BY sm.signed_at DESC LIMIT 1) md ON TRUE
          WHERE i.status = 'open' AND i.total > i.amount_paid AND COALESCE(i.due_date, i.issue_date) IS NOT NULL
            AND COALESCE(i.due_date, i.issue_date) <= $1 + COALESCE(md.prenotification_days::int, $2::int)
            AND NOT EXISTS (SELECT 1 FROM payment_attempts a WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id)
            AND NOT EXISTS (SELECT 1 FROM sepa_debit_notices n WHERE n.tenant_id = i.tenant_id AND n.invoice_id = i.id)
          ORDER BY i.tenant_id, i.id",
    )
    .bind(as_of)
    .bind(default_days)
    .fetch_all(conn)
    .await?)
}

/// A SEPA pre-notification to record.
#[derive(Debug, Clone)]
pub struct DebitNotice {
    pub invoice: Uuid,
    pub notified_on: NaiveDate,
    pub debit_on: NaiveDate,
    pub period_days: i16,
    pub mandate: Option<Uuid>,
}

/// Claims the invoice's one pre-notification; false when it was queued before (an earlier run,
/// another server).
pub async fn claim_debit_notice(
    conn: &mut PgConnection,
    tenant: TenantId,
    n: &DebitNotice,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO sepa_debit_notices (tenant_id, invoice_id, notified_on, debit_on, period_days, mandate_id, queued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(n.invoice)
    .bind(n.notified_on)
    .bind(n.debit_on)
    .bind(n.period_days)
    .bind(n.mandate)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
