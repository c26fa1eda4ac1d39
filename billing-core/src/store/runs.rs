//! Invoice run records: who ran what, when, for which date, and what came out.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceRunId, TenantId};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InvoiceRunRecord {
    pub id: Uuid,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub status: String,
    pub triggered_by: String,
    pub invoices_created: i64,
    pub totals: serde_json::Value,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub async fn start(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    dry_run: bool,
    triggered_by: &str,
    now: DateTime<Utc>,
) -> Result<InvoiceRunId> {
    let id = InvoiceRunId::new();
    sqlx::query(
        "INSERT INTO invoice_runs (tenant_id, id, as_of, dry_run, status, triggered_by, started_at)
         VALUES ($1, $2, $3, $4, 'running', $5, $6)",
    )
    .bind(tenant)
    .bind(id)
    .bind(as_of)
    .bind(dry_run)
    .bind(triggered_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn finish(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    status: &str,
    invoices_created: i64,
    totals: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE invoice_runs SET status = $3, invoices_created = $4, totals = $5, finished_at = $6
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status)
    .bind(invoices_created)
    .bind(totals)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId, limit: i64) -> Result<Vec<InvoiceRunRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, as_of, dry_run, status, triggered_by, invoices_created, totals, started_at, finished_at
         FROM invoice_runs WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
