//! Revenue recovered after a failed payment (`recovered_revenue`): one row per invoice.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceId, TenantId};

/// The invoice's first failed attempt: (payment method, amount).
pub async fn first_failed(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<Option<(Uuid, i64)>> {
    Ok(sqlx::query_as(
        "SELECT payment_method_id, amount FROM payment_attempts
          WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'failed' ORDER BY created_at, id LIMIT 1",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(conn)
    .await?)
}

/// The payment method of the invoice's attempt `attempt`, if it is one.
pub async fn attempt_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    attempt: Uuid,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT payment_method_id FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2 AND id = $3",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(attempt)
    .fetch_optional(conn)
    .await?)
}

/// A recovery to record.
pub struct NewRecovery<'a> {
    pub invoice: InvoiceId,
    pub customer: Uuid,
    pub amount: i64,
    pub currency: &'a str,
    pub how: &'a str,
}

/// Records the invoice's recovery once; false when it was already recorded.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    r: &NewRecovery<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO recovered_revenue (tenant_id, invoice_id, customer_id, amount, currency, how, recovered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(r.invoice)
    .bind(r.customer)
    .bind(r.amount)
    .bind(r.currency)
    .bind(r.how)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A recorded recovery.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recovery {
    /// What was at risk when the first attempt failed, in minor units.
    pub amount: i64,
    pub currency: String,
    /// `retry`, `new_method`, `transfer`, `manual` or `credit_balance`.
    pub how: String,
    pub recovered_at: DateTime<Utc>,
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Option<Recovery>> {
    Ok(sqlx::query_as(
        "SELECT amount, trim(currency) AS currency, how, recovered_at FROM recovered_revenue
          WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(conn)
    .await?)
}

/// Recovered revenue per currency for recoveries in `[from, until)`: (currency, invoices, amount).
pub async fn totals(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT trim(currency), count(*), sum(amount)::bigint FROM recovered_revenue
          WHERE tenant_id = $1 AND recovered_at >= $2 AND recovered_at < $3 GROUP BY 1 ORDER BY 1",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}
