//! The API rate limits' shared counters (docs/adr/0033): the serving processes add their batches
//! of counted requests and learn the total of every process.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::Result;
use crate::store::rate_limits;

/// Adds `n` requests of `subject` to the window starting at `window_start`; the window's total
/// over every process.
pub async fn add(pool: &PgPool, subject: &str, window_start: DateTime<Utc>, n: i64) -> Result<i64> {
    let mut conn = pool.acquire().await?;
    rate_limits::add(&mut conn, subject, window_start, n).await
}

/// Forgets the windows that started before `before`.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>) -> Result<u64> {
    let mut conn = pool.acquire().await?;
    rate_limits::prune(&mut conn, before).await
}
