//! The API request log per tenant (docs/adr/0026): written once per authenticated request,
//! listed newest first with filters, pruned after the configured number of days.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::Result;
use crate::ids::TenantId;

/// One request as the log keeps it: no body, no secret, no query string.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestLogEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub status: i16,
    pub key_name: Option<String>,
    pub idempotency_key: Option<String>,
    pub duration_ms: i32,
    pub error_code: Option<String>,
}

/// Several entries (of any tenants) in one statement.
pub async fn insert_many(conn: &mut PgConnection, entries: &[(TenantId, RequestLogEntry)]) -> Result<()> {
    let col = |f: &dyn Fn(&RequestLogEntry) -> Option<String>| entries.iter().map(|(_, e)| f(e)).collect::<Vec<_>>();
    let tenants: Vec<uuid::Uuid> = entries.iter().map(|(t, _)| t.as_uuid()).collect();
    let ids: Vec<uuid::Uuid> = entries.iter().map(|(_, e)| e.id).collect();
    let at: Vec<DateTime<Utc>> = entries.iter().map(|(_, e)| e.at).collect();
    let statuses: Vec<i16> = entries.iter().map(|(_, e)| e.status).collect();
    let durations: Vec<i32> = entries.iter().map(|(_, e)| e.duration_ms).collect();
    sqlx::query(
        "INSERT INTO api_request_log
           (tenant_id, id, at, method, path, status, key_name, idempotency_key, duration_ms, error_code)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::int2[],
                              $7::text[], $8::text[], $9::int4[], $10::text[])",
    )
    .bind(&tenants)
    .bind(&ids)
    .bind(&at)
    .bind(col(&|e| Some(e.method.clone())))
    .bind(col(&|e| Some(e.path.clone())))
    .bind(&statuses)
    .bind(col(&|e| e.key_name.clone()))
    .bind(col(&|e| e.idempotency_key.clone()))
    .bind(&durations)
    .bind(col(&|e| e.error_code.clone()))
    .execute(conn)
    .await?;
    Ok(())
}

/// What a listing keeps.
#[derive(Debug, Clone, Default)]
pub struct RequestLogFilter {
    pub method: Option<String>,
    pub path: Option<String>,
    pub status: Option<i16>,
    /// `true`: only answers of 400 and above; `false`: only those below.
    pub failed: Option<bool>,
    pub key_name: Option<String>,
    pub error_code: Option<String>,
    pub idempotency_key: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Newest first; `page.starting_after` is the id of the last entry of the previous page.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &RequestLogFilter,
    page: PageRequest,
) -> Result<Page<RequestLogEntry>> {
    let limit = i64::from(page.limit);
    let rows: Vec<RequestLogEntry> = sqlx::query_as(
        "SELECT id, at, method, path, status, key_name, idempotency_key, duration_ms, error_code
         FROM api_request_log
         WHERE tenant_id = $1
           AND ($2::uuid IS NULL OR id < $2)
           AND ($3::text IS NULL OR method = $3)
           AND ($4::text IS NULL OR path = $4)
           AND ($5::smallint IS NULL OR status = $5)
           AND ($6::bool IS NULL OR (status >= 400) = $6)
           AND ($7::text IS NULL OR key_name = $7)
           AND ($8::text IS NULL OR error_code = $8)
           AND ($9::text IS NULL OR idempotency_key = $9)
           AND ($10::timestamptz IS NULL OR at >= $10)
           AND ($11::timestamptz IS NULL OR at < $11)
         ORDER BY id DESC
         LIMIT $12",
    )
    .bind(tenant)
    .bind(page.starting_after)
    .bind(&f.method)
    .bind(&f.path)
    .bind(f.status)
    .bind(f.failed)
    .bind(&f.key_name)
    .bind(&f.error_code)
    .bind(&f.idempotency_key)
    .bind(f.since)
    .bind(f.until)
    .bind(limit + 1)
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page))
}

/// Deletes entries older than `before`, at most `batch` of them; returns how many went.
pub async fn prune(conn: &mut PgConnection, before: DateTime<Utc>, batch: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM api_request_log WHERE ctid IN (SELECT ctid FROM api_request_log WHERE at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(batch)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
