//! The API rate limits' shared counters (docs/adr/0033): one row per subject and one-minute
//! window, added to in batches by the serving processes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::Result;

/// Adds `n` requests to the subject's window and returns the window's total over every process.
pub async fn add(conn: &mut PgConnection, subject: &str, window_start: DateTime<Utc>, n: i64) -> Result<i64> {
    let total = sqlx::query_scalar(
        "INSERT INTO api_rate_windows (subject, window_start, count) VALUES ($1, $2, $3)
         ON CONFLICT (subject, window_start) DO UPDATE SET count = api_rate_windows.count + EXCLUDED.count
         RETURNING count",
    )
    .bind(subject)
    .bind(window_start)
    .bind(n)
    .fetch_one(conn)
    .await?;
    Ok(total)
}

/// Deletes the windows that started before `before`; returns how many went.
pub async fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM api_rate_windows WHERE window_start < $1").bind(before).execute(conn).await?;
    Ok(done.rows_affected())
}
