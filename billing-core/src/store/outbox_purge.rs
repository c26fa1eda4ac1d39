//! Deleting what the outbox has finished with (`purge-outbox` job): webhook deliveries that
//! succeeded or failed for good, mails that were sent, failed or suppressed, and the outbox rows
//! that were fanned out and have nothing pending left. Never a row whose work is pending.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::Result;

/// What one purge deleted.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Purged {
    pub events: u64,
    pub mails: u64,
    pub webhook_deliveries: u64,
}

/// Deletes, in the caller's transaction, the finished rows created before `cutoff`.
pub async fn purge(conn: &mut PgConnection, cutoff: DateTime<Utc>) -> Result<Purged> {
    // Delivery attempts go with their delivery (ON DELETE CASCADE).
    let webhook_deliveries =
        sqlx::query("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1")
            .bind(cutoff)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    sqlx::query(
        "DELETE FROM mail_attempts a USING mails m
          WHERE a.tenant_id = m.tenant_id AND a.mail_id = m.id AND m.status <> 'pending' AND m.created_at < $1",
    )
    .bind(cutoff)
    .execute(&mut *conn)
    .await?;
    let mails = sqlx::query("DELETE FROM mails WHERE status <> 'pending' AND created_at < $1")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    // An event stays while anything made from it is pending (or newer than the cutoff).
    let events = sqlx::query(
        "DELETE FROM outbox o
          WHERE o.delivered_at IS NOT NULL AND o.created_at < $1
            AND NOT EXISTS (SELECT 1 FROM mails m WHERE m.tenant_id = o.tenant_id AND m.outbox_id = o.id)
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = o.tenant_id AND d.event_id = o.id)",
    )
    .bind(cutoff)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(Purged { events, mails, webhook_deliveries })
}
