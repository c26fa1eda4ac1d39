//! Refunds of card payments (`payment_refunds`): written pending before the provider is called,
//! then `succeeded` or `failed` once it answers.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceId, TenantId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundRow {
    pub id: Uuid,
    pub status: String,
    pub provider_refund_id: Option<String>,
    pub failure_reason: Option<String>,
    pub amount: i64,
    pub currency: String,
}

/// The refunds with these ids, oldest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<RefundRow>> {
    Ok(sqlx::query_as(
        "SELECT id, status, provider_refund_id, failure_reason, amount, currency::text AS currency
         FROM payment_refunds WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?)
}

/// The refunds made earlier for the same request (its Idempotency-Key), oldest first.
pub async fn ids_for_request(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    request_key: &str,
) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM payment_refunds WHERE tenant_id = $1 AND invoice_id = $2 AND request_key = $3 ORDER BY id",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(request_key)
    .fetch_all(&mut *conn)
    .await?)
}

/// The invoice's provider payments, newest first, each with what is left to refund of it (what it
/// took minus what was refunded or is being refunded on it).
pub async fn refundable_payments(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<Vec<(Uuid, i64)>> {
    Ok(sqlx::query_as(
        "SELECT a.id,
                a.amount - COALESCE((SELECT sum(r.amount) FROM payment_refunds r
                    WHERE r.tenant_id = a.tenant_id AND r.attempt_id = a.id AND r.status IN ('pending', 'succeeded')), 0)::bigint
         FROM payment_attempts a
         WHERE a.tenant_id = $1 AND a.invoice_id = $2 AND a.status = 'succeeded' AND a.provider_payment_id IS NOT NULL
         ORDER BY a.id DESC",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(&mut *conn)
    .await?)
}

/// A part of a refund about to be asked of the provider.
pub struct NewRefund<'a> {
    pub id: Uuid,
    pub invoice: InvoiceId,
    pub attempt: Uuid,
    pub amount: i64,
    pub currency: &'a str,
    pub request_key: Option<&'a str>,
    pub now: DateTime<Utc>,
}

pub async fn insert_pending(conn: &mut PgConnection, tenant: TenantId, r: &NewRefund<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO payment_refunds (tenant_id, id, invoice_id, attempt_id, amount, currency, status, created_at, request_key)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)",
    )
    .bind(tenant)
    .bind(r.id)
    .bind(r.invoice)
    .bind(r.attempt)
    .bind(r.amount)
    .bind(r.currency)
    .bind(r.now)
    .bind(r.request_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the provider must be asked for a pending refund: the invoice, amount, currency code, and
/// the account and provider id of the payment refunded. `None` when it is no longer pending.
pub async fn pending_request(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<(Uuid, i64, String, Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT r.invoice_id, r.amount, r.currency::text, a.gateway_account_id, a.provider_payment_id
         FROM payment_refunds r JOIN payment_attempts a ON a.tenant_id = r.tenant_id AND a.id = r.attempt_id
         WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'pending'",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Locks the refund if it is still pending; false when a racing drive recorded it first.
pub async fn lock_pending(tx: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<bool> {
    let still: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM payment_refunds WHERE tenant_id = $1 AND id = $2 AND status = 'pending' FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(still.is_some())
}

pub async fn mark_succeeded(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    provider_refund_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_refunds SET status = 'succeeded', provider_refund_id = $3, tries = tries + 1, finished_at = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(provider_refund_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn mark_failed(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_refunds SET status = 'failed', failure_reason = $3, tries = tries + 1, finished_at = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Counts a try that got no answer; the refund stays pending.
pub async fn note_unanswered(tx: &mut PgConnection, tenant: TenantId, id: Uuid, error: &str) -> Result<()> {
    sqlx::query("UPDATE payment_refunds SET tries = tries + 1, last_error = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(error)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Every pending refund of every tenant, as (tenant, id).
pub async fn all_pending(conn: &mut PgConnection) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as("SELECT tenant_id, id FROM payment_refunds WHERE status = 'pending' ORDER BY tenant_id, id")
        .fetch_all(&mut *conn)
        .await?)
}

/// What our own refunds (pending or succeeded) took back of one payment attempt.
pub async fn ours_for_attempt(conn: &mut PgConnection, tenant: TenantId, attempt: Uuid) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(sum(amount), 0)::bigint FROM payment_refunds
         WHERE tenant_id = $1 AND attempt_id = $2 AND status IN ('pending', 'succeeded')",
    )
    .bind(tenant)
    .bind(attempt)
    .fetch_one(&mut *conn)
    .await?)
}
