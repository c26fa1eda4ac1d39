//! API keys: scopes, last use, rotation and revocation (docs/adr/0026). The bootstrap key of a
//! tenant is inserted by `store::tenants::insert_api_key` and gets the column default `{full}`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::Result;
use crate::ids::{ApiKeyId, TenantId};
use crate::tenant::NewApiKey;

/// A key as lists show it: never its secret or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub tenant: TenantId,
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub rotated_at: Option<DateTime<Utc>>,
    /// Until when the secret it had before its last rotation is still accepted.
    pub previous_expires_at: Option<DateTime<Utc>>,
}

type Row = (
    Uuid,
    Uuid,
    String,
    String,
    Vec<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

const COLUMNS: &str = "tenant_id, id, name, prefix, scopes, created_at, last_used_at, revoked_at, rotated_at, \
                       previous_expires_at";

fn from_row(r: Row) -> ApiKeyRow {
    ApiKeyRow {
        tenant: TenantId(r.0),
        id: ApiKeyId(r.1),
        name: r.2,
        prefix: r.3,
        scopes: r.4,
        created_at: r.5,
        last_used_at: r.6,
        revoked_at: r.7,
        rotated_at: r.8,
        previous_expires_at: r.9,
    }
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    scopes: &[String],
    key: &NewApiKey,
    now: DateTime<Utc>,
) -> Result<ApiKeyRow> {
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO api_keys (tenant_id, id, name, prefix, digest, created_at, scopes)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(ApiKeyId::new())
    .bind(name)
    .bind(&key.prefix)
    .bind(&key.digest)
    .bind(now)
    .bind(scopes)
    .fetch_one(conn)
    .await?;
    Ok(from_row(row))
}

/// The unrevoked key whose current secret, or whose previous secret still in its overlap, has
/// this digest.
pub async fn by_digest(conn: &mut PgConnection, digest: &[u8], now: DateTime<Utc>) -> Result<Option<ApiKeyRow>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys
         WHERE revoked_at IS NULL AND (digest = $1 OR (previous_digest = $1 AND previous_expires_at > $2))"
    ))
    .bind(digest)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(from_row))
}

/// Records that the key was used, unless that was recorded less than a minute ago.
pub async fn touch(conn: &mut PgConnection, tenant: TenantId, id: ApiKeyId, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $3
         WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $3 - interval '1 minute')",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The tenant's keys, newest first, revoked ones included.
pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<ApiKeyRow>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: ApiKeyId) -> Result<Option<ApiKeyRow>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(from_row))
}

/// Revokes the key (both its secrets) at once; `None` when there is no such unrevoked key.
pub async fn revoke(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> Result<Option<ApiKeyRow>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(from_row))
}

/// Gives the key a new secret; the one it had stays accepted until `previous_expires_at` (a
/// secret rotated away before is dropped). `None` when there is no such unrevoked key.
pub async fn rotate(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ApiKeyId,
    key: &NewApiKey,
    previous_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<ApiKeyRow>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE api_keys SET previous_digest = digest, previous_prefix = prefix, previous_expires_at = $5,
                digest = $3, prefix = $4, rotated_at = $6
         WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&key.digest)
    .bind(&key.prefix)
    .bind(previous_expires_at)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(from_row))
}
