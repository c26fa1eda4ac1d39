//! Retry decisions on the payment-attempt ledger (`retry_decisions`) and what the retry rules read
//! from the ledger (attempts per payment method, the latest decline's advice).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceId, TenantId};

/// The latest attempt on an invoice, as the retry rules read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LatestAttempt {
    pub id: Uuid,
    pub payment_method_id: Uuid,
    pub decline_class: Option<String>,
    pub retry_after: Option<DateTime<Utc>>,
}

pub async fn latest_attempt(conn: &mut PgConnection, tenant: TenantId, invoice: Uuid) -> Result<Option<LatestAttempt>> {
    Ok(sqlx::query_as(
        "SELECT id, payment_method_id, decline_class, retry_after FROM payment_attempts
          WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(conn)
    .await?)
}

/// Attempts on the payment method since `since` (every kind: collection, retries, pay-now), and the
/// oldest one's time.
pub async fn attempts_on_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    method: Uuid,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>)> {
    Ok(sqlx::query_as(
        "SELECT count(*), min(created_at) FROM payment_attempts
          WHERE tenant_id = $1 AND payment_method_id = $2 AND created_at > $3",
    )
    .bind(tenant)
    .bind(method)
    .bind(since)
    .fetch_one(conn)
    .await?)
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    pub invoice: Uuid,
    pub attempt: Option<Uuid>,
    pub retry_attempt: Option<Uuid>,
    pub method: Option<Uuid>,
    pub step: Option<u32>,
    pub decision: &'a str,
    pub reason: &'a str,
    pub retry_after: Option<DateTime<Utc>>,
    pub attempts_in_window: Option<u32>,
    pub dedupe_key: &'a str,
}

/// Records a decision once per (invoice, `dedupe_key`); false when it was already recorded.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    d: &NewDecision<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let reason: String = d.reason.chars().take(500).collect();
    let done = sqlx::query(
        "INSERT INTO retry_decisions (tenant_id, id, invoice_id, attempt_id, retry_attempt_id, payment_method_id, step,
             decision, reason, retry_after, attempts_in_window, dedupe_key, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(d.invoice)
    .bind(d.attempt)
    .bind(d.retry_attempt)
    .bind(d.method)
    .bind(d.step.and_then(|s| i32::try_from(s).ok()))
    .bind(d.decision)
    .bind(reason)
    .bind(d.retry_after)
    .bind(d.attempts_in_window.and_then(|n| i32::try_from(n).ok()))
    .bind(d.dedupe_key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A recorded decision, as the ledger shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Decision {
    /// The failed attempt the decision is about.
    pub attempt: Option<Uuid>,
    /// The attempt a retry made.
    pub retry_attempt: Option<Uuid>,
    /// The dunning step, when dunning decided.
    pub step: Option<i32>,
    /// `retried`, `skipped_cap`, `skipped_hard_decline` or `deferred`.
    pub decision: String,
    pub reason: String,
    pub retry_after: Option<DateTime<Utc>>,
    pub attempts_in_window: Option<i32>,
    pub decided_at: DateTime<Utc>,
}

/// The invoice's decisions, oldest first.
pub async fn for_invoice(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Vec<Decision>> {
    Ok(sqlx::query_as(
        "SELECT attempt_id AS attempt, retry_attempt_id AS retry_attempt, step, decision, reason, retry_after,
                attempts_in_window, decided_at
           FROM retry_decisions WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY decided_at, id",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(conn)
    .await?)
}

/// The customer's latest decision per invoice in dunning (for the console's customer page).
pub async fn latest_for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Uuid,
) -> Result<Vec<(Uuid, String, String, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT ON (d.invoice_id) d.invoice_id, d.decision, d.reason, d.decided_at
           FROM retry_decisions d JOIN invoices i ON i.tenant_id = d.tenant_id AND i.id = d.invoice_id
          WHERE d.tenant_id = $1 AND i.customer_id = $2
          ORDER BY d.invoice_id, d.decided_at DESC, d.id DESC",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(conn)
    .await?)
}
