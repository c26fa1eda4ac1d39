//! Money received for or paid back on invoices (`invoice_payments`): one row per (source,
//! reference), so a replayed webhook or re-imported statement is recorded once.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceId, TenantId};

/// One receipt (a positive amount) or refund (negative).
pub struct NewInvoicePayment<'a> {
    pub id: Uuid,
    pub invoice: InvoiceId,
    pub amount: i64,
    pub currency: &'a str,
    pub source: &'a str,
    pub reference: &'a str,
    /// The part of a receipt that went to the customer's credit balance.
    pub to_balance: i64,
    pub received_at: DateTime<Utc>,
}

/// Records a receipt unless its (source, reference) was recorded before; false when it was.
pub async fn insert_once(conn: &mut PgConnection, tenant: TenantId, p: &NewInvoicePayment<'_>) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO invoice_payments (tenant_id, id, invoice_id, amount, currency, source, reference, to_balance, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT invoice_payments_once DO NOTHING",
    )
    .bind(tenant)
    .bind(p.id)
    .bind(p.invoice)
    .bind(p.amount)
    .bind(p.currency)
    .bind(p.source)
    .bind(p.reference)
    .bind(p.to_balance)
    .bind(p.received_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Records a refund (its amount negative); the caller checked it is not a repeat.
pub async fn insert_refund(conn: &mut PgConnection, tenant: TenantId, p: &NewInvoicePayment<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO invoice_payments (tenant_id, id, invoice_id, amount, currency, source, reference, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant)
    .bind(p.id)
    .bind(p.invoice)
    .bind(p.amount)
    .bind(p.currency)
    .bind(p.source)
    .bind(p.reference)
    .bind(p.received_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The money received for the invoice, oldest first: (when, the amount that went to the invoice,
/// i.e. without what went to the credit balance). Refunds are not receipts.
pub async fn receipts(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<Vec<(DateTime<Utc>, i64)>> {
    Ok(sqlx::query_as(
        "SELECT received_at, amount - to_balance FROM invoice_payments
          WHERE tenant_id = $1 AND invoice_id = $2 AND amount > 0 ORDER BY received_at, id",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(conn)
    .await?)
}

/// Whether this (source, reference) was recorded before.
pub async fn exists(conn: &mut PgConnection, tenant: TenantId, source: &str, reference: &str) -> Result<bool> {
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM invoice_payments WHERE tenant_id = $1 AND source = $2 AND reference = $3")
            .bind(tenant)
            .bind(source)
            .bind(reference)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(id.is_some())
}

/// What refunds made outside our API (recorded from the provider's events, referenced
/// `<attempt>:external:<total>`) took back of one payment attempt.
pub async fn external_refunds(conn: &mut PgConnection, tenant: TenantId, attempt: Uuid) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(sum(-amount), 0)::bigint FROM invoice_payments
         WHERE tenant_id = $1 AND source = 'refund' AND reference LIKE $2",
    )
    .bind(tenant)
    .bind(format!("{attempt}:external:%"))
    .fetch_one(&mut *conn)
    .await?)
}
