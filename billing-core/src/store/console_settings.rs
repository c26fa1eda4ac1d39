//! Rows of the console's settings and actions (docs/adr/0039): dunning pauses, the portal's
//! offered languages and plan moves, the uploaded logo.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// A pause of a customer's dunning (`invoice_id` `None`: all their invoices) or one invoice's.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PauseRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub invoice_id: Option<Uuid>,
    pub reason: String,
    pub paused_on: NaiveDate,
    pub until: Option<NaiveDate>,
    pub paused_at: DateTime<Utc>,
    pub paused_by: String,
    pub resumed_on: Option<NaiveDate>,
    pub resumed_at: Option<DateTime<Utc>>,
    pub resumed_by: Option<String>,
}

const PAUSE_COLUMNS: &str = "id, customer_id, invoice_id, reason, paused_on, until, paused_at, paused_by, resumed_on, \
                             resumed_at, resumed_by";

/// Every pause of the customer's, oldest first.
pub async fn pauses(conn: &mut PgConnection, tenant: TenantId, customer: Uuid) -> Result<Vec<PauseRow>> {
    let sql = format!(
        "SELECT {PAUSE_COLUMNS} FROM dunning_pauses WHERE tenant_id = $1 AND customer_id = $2 ORDER BY paused_at, id"
    );
    Ok(sqlx::query_as(&sql).bind(tenant).bind(customer).fetch_all(conn).await?)
}

/// The open pause of this scope, locked.
pub async fn open_pause_for_update(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Uuid,
    invoice: Option<Uuid>,
) -> Result<Option<PauseRow>> {
    let sql = format!(
        "SELECT {PAUSE_COLUMNS} FROM dunning_pauses
          WHERE tenant_id = $1 AND customer_id = $2 AND invoice_id IS NOT DISTINCT FROM $3 AND resumed_at IS NULL
          FOR UPDATE"
    );
    Ok(sqlx::query_as(&sql).bind(tenant).bind(customer).bind(invoice).fetch_optional(conn).await?)
}

pub async fn insert_pause(conn: &mut PgConnection, tenant: TenantId, p: &PauseRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO dunning_pauses (id, tenant_id, customer_id, invoice_id, reason, paused_on, until, paused_at, paused_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.id)
    .bind(tenant)
    .bind(p.customer_id)
    .bind(p.invoice_id)
    .bind(&p.reason)
    .bind(p.paused_on)
    .bind(p.until)
    .bind(p.paused_at)
    .bind(&p.paused_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes a pause: resumed by `by` on `on` (an expired pause is closed on its `until` day).
#[allow(clippy::too_many_arguments)]
pub async fn close_pause(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    on: NaiveDate,
    at: DateTime<Utc>,
    by: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE dunning_pauses SET resumed_on = $3, resumed_at = $4, resumed_by = $5, resume_reason = $6
          WHERE tenant_id = $1 AND id = $2 AND resumed_at IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(on)
    .bind(at)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The customers of a tenant with an open pause (for the dunning board): customer and pause.
pub async fn open_pauses(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<PauseRow>> {
    let sql = format!(
        "SELECT {PAUSE_COLUMNS} FROM dunning_pauses WHERE tenant_id = $1 AND resumed_at IS NULL ORDER BY paused_at, id"
    );
    Ok(sqlx::query_as(&sql).bind(tenant).fetch_all(conn).await?)
}

/// The portal settings row: offered languages (`None`: all) and plan moves (`None`: any).
pub async fn portal_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<(Option<Vec<String>>, Option<serde_json::Value>)> {
    let row: Option<(Option<Vec<String>>, Option<serde_json::Value>)> =
        sqlx::query_as("SELECT offered_locales, plan_moves FROM portal_settings WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(conn)
            .await?;
    Ok(row.unwrap_or((None, None)))
}

pub async fn set_offered_locales(
    conn: &mut PgConnection,
    tenant: TenantId,
    locales: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_settings (tenant_id, offered_locales, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET offered_locales = EXCLUDED.offered_locales, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(locales)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_plan_moves(
    conn: &mut PgConnection,
    tenant: TenantId,
    moves: Option<&serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_settings (tenant_id, plan_moves, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET plan_moves = EXCLUDED.plan_moves, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(moves)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// What pages need per request: the offered languages and the uploaded logo's digest, in one query.
pub async fn page_settings(conn: &mut PgConnection, tenant: TenantId) -> Result<(Option<Vec<String>>, Option<String>)> {
    let row: Option<(Option<Vec<String>>, Option<String>)> = sqlx::query_as(
        "SELECT s.offered_locales, l.sha256 FROM tenants t
           LEFT JOIN portal_settings s ON s.tenant_id = t.tenant_id
           LEFT JOIN tenant_logos l ON l.tenant_id = t.tenant_id
          WHERE t.tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or((None, None)))
}

/// The uploaded logo: content type, bytes, SHA-256 (hex).
pub async fn logo(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<(String, Vec<u8>, String)>> {
    Ok(sqlx::query_as("SELECT content_type, data, sha256 FROM tenant_logos WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

/// The uploaded logo's content type, size and digest (no bytes).
pub async fn logo_meta(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<(String, i32, String)>> {
    Ok(sqlx::query_as("SELECT content_type, octet_length(data), sha256 FROM tenant_logos WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

pub async fn put_logo(
    conn: &mut PgConnection,
    tenant: TenantId,
    content_type: &str,
    data: &[u8],
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenant_logos (tenant_id, content_type, data, sha256, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE SET content_type = EXCLUDED.content_type, data = EXCLUDED.data,
             sha256 = EXCLUDED.sha256, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(content_type)
    .bind(data)
    .bind(sha256)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_logo(conn: &mut PgConnection, tenant: TenantId) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM tenant_logos WHERE tenant_id = $1").bind(tenant).execute(conn).await?.rows_affected()
        > 0)
}
