//! `Idempotency-Key`: a money-moving request is done once per key. The front claims the key before
//! the work (a duplicate arriving meanwhile is told so), stores the answer after it, or gives the
//! key back when the work failed so that a retry may do it.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::Result;
use crate::ids::TenantId;
use crate::store;
pub use crate::store::idempotency::Claim;

/// Claims `key` for a request with this body `digest`, for `lease_seconds` (an unfinished claim
/// whose lease ran out is taken over).
pub async fn claim(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    digest: &[u8],
    now: DateTime<Utc>,
    lease_seconds: i64,
) -> Result<Claim> {
    store::idempotency::claim(conn, tenant, key, digest, now, lease_seconds).await
}

/// Stores the answer given under `key`; a repeat of the request is answered with it.
pub async fn complete(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<()> {
    store::idempotency::complete(conn, tenant, key, status, body).await
}

/// Gives back a claim whose work failed.
pub async fn release(conn: &mut PgConnection, tenant: TenantId, key: &str) -> Result<()> {
    store::idempotency::release(conn, tenant, key).await
}
