//! Dunning policies and the steps taken on invoices (`dunning_policies`, `dunning_steps`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// The tenant's stored steps (JSON), `None` when it has no policy of its own.
pub async fn policy(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<serde_json::Value>> {
    Ok(sqlx::query_scalar("SELECT steps FROM dunning_policies WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

pub async fn put_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    steps: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO dunning_policies (tenant_id, steps, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET steps = EXCLUDED.steps, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(steps)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// An invoice in dunning: open, due on or before the day, something left to pay, no attempt in
/// flight, and its latest attempt failed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InDunning {
    pub tenant_id: Uuid,
    pub invoice_id: Uuid,
    pub customer_id: Uuid,
    pub currency: String,
    pub amount_due: i64,
    /// When the first failed attempt on the invoice was made.
    pub first_failed_at: DateTime<Utc>,
    pub last_decline_class: Option<String>,
    pub last_decline_code: Option<String>,
    /// The payment method the latest attempt was made with.
    pub last_method_id: Uuid,
}

const IN_DUNNING: &str = "
    SELECT i.tenant_id, i.id AS invoice_id, i.customer_id, i.currency::text AS currency,
           i.total - i.amount_paid AS amount_due,
           (SELECT min(f.created_at) FROM payment_attempts f
             WHERE f.tenant_id = i.tenant_id AND f.invoice_id = i.id AND f.status = 'failed') AS first_failed_at,
           last.decline_class AS last_decline_class, last.decline_code AS last_decline_code,
           last.payment_method_id AS last_method_id
      FROM invoices i
      JOIN LATERAL (SELECT a.status, a.decline_class, a.decline_code, a.payment_method_id FROM payment_attempts a
                     WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1) last ON last.status = 'failed'
     WHERE i.status = 'open' AND i.total > i.amount_paid";

/// Every invoice in dunning over all tenants, due on or before `as_of`.
pub async fn work(conn: &mut PgConnection, as_of: chrono::NaiveDate) -> Result<Vec<InDunning>> {
    let sql = format!("{IN_DUNNING} AND i.due_date <= $1 ORDER BY i.tenant_id, i.id");
    Ok(sqlx::query_as(&sql).bind(as_of).fetch_all(conn).await?)
}

/// The customer's invoices in dunning (whatever their due date).
pub async fn for_customer(conn: &mut PgConnection, tenant: TenantId, customer: Uuid) -> Result<Vec<InDunning>> {
    let sql = format!("{IN_DUNNING} AND i.tenant_id = $1 AND i.customer_id = $2 ORDER BY i.id");
    Ok(sqlx::query_as(&sql).bind(tenant).bind(customer).fetch_all(conn).await?)
}

/// The step numbers taken on the invoice.
pub async fn taken(conn: &mut PgConnection, tenant: Uuid, invoice: Uuid) -> Result<BTreeSet<u32>> {
    let steps: Vec<i32> = sqlx::query_scalar("SELECT step FROM dunning_steps WHERE tenant_id = $1 AND invoice_id = $2")
        .bind(tenant)
        .bind(invoice)
        .fetch_all(conn)
        .await?;
    Ok(steps.into_iter().filter_map(|s| u32::try_from(s).ok()).collect())
}

/// A step to record.
#[derive(Debug, Clone)]
pub struct Taken<'a> {
    pub tenant: Uuid,
    pub invoice: Uuid,
    pub step: u32,
    pub day: u32,
    pub action: &'a str,
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
}

/// Claims the step; false when it was already taken (by an earlier run or another server).
pub async fn claim(conn: &mut PgConnection, t: &Taken<'_>, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO dunning_steps (tenant_id, invoice_id, step, day, action, outcome, reason, taken_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(t.tenant)
    .bind(t.invoice)
    .bind(i64::from(t.step) as i32)
    .bind(i64::from(t.day) as i32)
    .bind(t.action)
    .bind(t.outcome)
    .bind(t.reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records how a claimed step ended.
pub async fn finish(
    conn: &mut PgConnection,
    tenant: Uuid,
    invoice: Uuid,
    step: u32,
    outcome: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE dunning_steps SET outcome = $4, reason = $5 WHERE tenant_id = $1 AND invoice_id = $2 AND step = $3",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(i64::from(step) as i32)
    .bind(outcome)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The steps taken on an invoice, in order: (step, action, outcome, reason).
pub async fn history(
    conn: &mut PgConnection,
    tenant: Uuid,
    invoice: Uuid,
) -> Result<Vec<(i32, String, String, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT step, action, outcome, reason FROM dunning_steps WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY step",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(conn)
    .await?)
}

/// When the invoice's first failed attempt was made (`None`: none failed yet).
pub async fn first_failed_at(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT min(created_at) FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'failed'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_one(conn)
    .await?)
}
