//! The API request log (docs/adr/0026): recording, listing, pruning.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use crate::Result;
use crate::ids::TenantId;
use crate::store::request_log::{self, RequestLogEntry, RequestLogFilter};
use crate::store::{Page, PageRequest};

/// Several entries (of any tenants) in one statement.
pub async fn record_many(pool: &PgPool, entries: &[(TenantId, RequestLogEntry)]) -> Result<()> {
    let mut conn = pool.acquire().await?;
    request_log::insert_many(&mut conn, entries).await
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &RequestLogFilter,
    page: PageRequest,
) -> Result<Page<RequestLogEntry>> {
    request_log::list(conn, tenant, filter, page).await
}

/// Deletes entries older than `days` days before `now`, in batches; returns how many went.
pub async fn prune(pool: &PgPool, now: DateTime<Utc>, days: u32) -> Result<u64> {
    const BATCH: i64 = 10_000;
    let before = now - Duration::days(i64::from(days));
    let mut total = 0;
    loop {
        let mut conn = pool.acquire().await?;
        let done = request_log::prune(&mut conn, before, BATCH).await?;
        total += done;
        if done < BATCH as u64 {
            return Ok(total);
        }
    }
}
