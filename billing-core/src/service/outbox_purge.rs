//! The `purge-outbox` job (docs/adr/0032): deletes the outbox's finished rows older than the
//! retention (events, mails, webhook deliveries). A row with pending work (a mail not yet sent, a
//! delivery still retrying, an event not yet fanned out) is never deleted, whatever its age.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;

use crate::error::{Error, Result};
pub use crate::store::outbox_purge::Purged;

/// The default retention in days.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// Deletes the finished rows created more than `retention_days` days before `now`, in one
/// transaction. A retention of 0 is refused (it would delete what was just sent).
pub async fn run(pool: &PgPool, now: DateTime<Utc>, retention_days: u32) -> Result<Purged> {
    if retention_days == 0 {
        return Err(Error::invalid("retention_days", "keep the outbox at least one day"));
    }
    let cutoff = now - TimeDelta::days(i64::from(retention_days));
    let mut tx = pool.begin().await?;
    let purged = crate::store::outbox_purge::purge(&mut tx, cutoff).await?;
    tx.commit().await?;
    Ok(purged)
}
