//! Idempotency keys for client requests: the first request with a key claims it, does the work
//! and stores its response; a repeat with the same key and request gets that response back; a
//! repeat with another request is refused; a repeat while the first still runs is told so.
//!
//! A claim is committed on its own, before the work, and leased: the work of a request that calls
//! a payment provider spans several transactions and no connection may be held across the call.
//! A claim whose lease expired without a response (its process died) may be taken over by a retry.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::Result;
use crate::ids::TenantId;

#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This request owns the key; do the work, then `complete` (or `release` on failure).
    Fresh,
    /// A finished request used the key with the same request: replay its response.
    Replay { status: u16, body: serde_json::Value },
    /// The key was used for a different request.
    Mismatch,
    /// Another request with this key is still running.
    InFlight,
}

/// Claims `key` for `lease_seconds` (measured on the database's clock, which every process
/// shares), or reports why not. A concurrent duplicate blocks on the key's row until the first
/// claim commits, then sees it in flight.
pub async fn claim(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    digest: &[u8],
    now: DateTime<Utc>,
    lease_seconds: i64,
) -> Result<Claim> {
    // A claim given back (`release`) between the insert and the read leaves nothing to read: the
    // key is free again, so try again (found by schemathesis: two requests under one key, the
    // first refused, answered 500).
    for _ in 0..3 {
        if let Some(claim) = try_claim(conn, tenant, key, digest, now, lease_seconds).await? {
            return Ok(claim);
        }
    }
    Ok(Claim::InFlight)
}

async fn try_claim(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    digest: &[u8],
    now: DateTime<Utc>,
    lease_seconds: i64,
) -> Result<Option<Claim>> {
    // Inserted, or taken over from an unfinished claim of the same request whose lease ran out.
    let claimed: Option<i32> = sqlx::query_scalar(
        "INSERT INTO idempotency_keys (tenant_id, key, request_digest, created_at, locked_until)
         VALUES ($1, $2, $3, $4, clock_timestamp() + $5 * interval '1 second')
         ON CONFLICT (tenant_id, key) DO UPDATE SET locked_until = EXCLUDED.locked_until
         WHERE idempotency_keys.response_status IS NULL AND idempotency_keys.request_digest = EXCLUDED.request_digest
           AND (idempotency_keys.locked_until IS NULL OR idempotency_keys.locked_until < clock_timestamp())
         RETURNING 1",
    )
    .bind(tenant)
    .bind(key)
    .bind(digest)
    .bind(now)
    .bind(lease_seconds)
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(Some(Claim::Fresh));
    }
    let found: Option<(Vec<u8>, Option<i32>, Option<serde_json::Value>)> = sqlx::query_as(
        "SELECT request_digest, response_status, response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
    )
    .bind(tenant)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    let Some((stored_digest, status, body)) = found else {
        return Ok(None);
    };
    if stored_digest != digest {
        return Ok(Some(Claim::Mismatch));
    }
    Ok(Some(match (status, body) {
        (Some(s), Some(b)) => Claim::Replay { status: u16::try_from(s).unwrap_or(500), body: b },
        _ => Claim::InFlight,
    }))
}

/// Stores the response of the request that claimed `key`. Run it inside the transaction of the
/// work where there is one, so that the work and its response commit together.
pub async fn complete(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = $3, response_body = $4, locked_until = NULL
         WHERE tenant_id = $1 AND key = $2",
    )
    .bind(tenant)
    .bind(key)
    .bind(i32::from(status))
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives up an unfinished claim (the request failed), so a retry with the same key does the work.
/// Finished claims are never released.
pub async fn release(conn: &mut PgConnection, tenant: TenantId, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND response_status IS NULL")
        .bind(tenant)
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
