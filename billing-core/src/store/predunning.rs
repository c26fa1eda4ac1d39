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
    /// The mandate of the default SEPA method, when it was signed in the portal (a method added
    /// through the API has none).
    pub mandate_reference: Option<String>,
    pub creditor_id: Option<String>,
}

/// Open invoices not yet collected whose customer pays by SEPA direct debit (their default method)
/// and that fall due within `days` days from `as_of` (the collect job debits them on the due date).
pub async fn debits_upcoming(conn: &mut PgConnection, as_of: NaiveDate, days: i32) -> Result<Vec<UpcomingDebit>> {
    Ok(sqlx::query_as(
        "SELECT i.tenant_id, i.id AS invoice_id, i.customer_id, i.total - i.amount_paid AS amount_due,
                trim(i.currency::text) AS currency, i.due_date, md.reference AS mandate_reference, md.creditor_id
           FROM invoices i
           LEFT JOIN LATERAL (
                SELECT sm.reference, sm.creditor_id FROM payment_methods m
                  JOIN sepa_mandates sm ON sm.tenant_id = m.tenant_id AND sm.payment_method_id = m.id
                 WHERE m.tenant_id = i.tenant_id AND m.customer_id = i.customer_id AND m.is_default
                   AND m.removed_at IS NULL AND m.kind = 'sepa_debit'
                 LIMIT 1) md ON TRUE
          WHERE i.status = 'open' AND i.total > i.amount_paid AND i.due_date >= $1 AND i.due_date <= $1 + $2
            AND EXISTS (SELECT 1 FROM payment_methods m WHERE m.tenant_id = i.tenant_id AND m.customer_id = i.customer_id
                           AND m.is_default AND m.removed_at IS NULL AND m.kind = 'sepa_debit')
            AND NOT EXISTS (SELECT 1 FROM payment_attempts a WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id)
          ORDER BY i.tenant_id, i.id",
    )
    .bind(as_of)
    .bind(days)
    .fetch_all(conn)
    .await?)
}
