//! Idempotency keys for client POSTs: the first request with a key does the work and stores its
//! response; a repeat with the same key and body gets that response back; a repeat with another
//! body is refused.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::Result;
use crate::ids::TenantId;

#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This request owns the key; do the work, then `complete`.
    Fresh,
    /// A finished request used the key with the same body: replay its response.
    Replay { status: u16, body: serde_json::Value },
    /// The key was used for a different request body.
    Mismatch,
    /// Another request with this key is still running.
    InFlight,
}

/// Claims `key` inside the caller's transaction. The INSERT takes the key's lock, so a concurrent
/// duplicate blocks until the first commits, then sees its stored response.
pub async fn claim(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    digest: &[u8],
    now: DateTime<Utc>,
) -> Result<Claim> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (tenant_id, key, request_digest, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, key) DO NOTHING",
    )
    .bind(tenant)
    .bind(key)
    .bind(digest)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_digest, status, body): (Vec<u8>, Option<i32>, Option<serde_json::Value>) = sqlx::query_as(
        "SELECT request_digest, response_status, response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
    )
    .bind(tenant)
    .bind(key)
    .fetch_one(conn)
    .await?;
    if stored_digest != digest {
        return Ok(Claim::Mismatch);
    }
    Ok(match (status, body) {
        (Some(s), Some(b)) => Claim::Replay { status: u16::try_from(s).unwrap_or(500), body: b },
        _ => Claim::InFlight,
    })
}

pub async fn complete(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE tenant_id = $1 AND key = $2",
    )
    .bind(tenant)
    .bind(key)
    .bind(i32::from(status))
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives up an unfinished claim (the work failed after its claim was committed), so a retry with
/// the same key can do the work. Finished claims are never released.
pub async fn release(conn: &mut PgConnection, tenant: TenantId, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND response_status IS NULL")
        .bind(tenant)
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
