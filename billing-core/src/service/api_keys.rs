//! A merchant's API keys (docs/adr/0026): several per tenant, each with a name and scopes,
//! created with its secret shown once, stored as a SHA-256 digest, rotated with an overlap,
//! revoked at once; authentication records the last use at most once a minute.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::ids::{ApiKeyId, TenantId};
use crate::store;
use crate::store::api_keys::ApiKeyRow;
use crate::tenant::{digest_api_key, generate_api_key};
use crate::{Error, Result};

/// The longest overlap a rotation may give the old secret.
pub const MAX_OVERLAP_HOURS: i64 = 24 * 30;
/// The overlap when the request names none.
pub const DEFAULT_OVERLAP_HOURS: i64 = 24;

/// A key that authenticated a request.
#[derive(Debug, Clone)]
pub struct AuthenticatedKey {
    pub tenant: TenantId,
    pub id: ApiKeyId,
    pub name: String,
    pub scopes: Vec<String>,
    /// While the key has a rotated-away secret in its overlap: when that overlap ends. A cache of
    /// authenticated keys keeps this answer no longer than that (`portal_web::api_key_cache`).
    pub recheck_by: Option<DateTime<Utc>>,
}

/// A key and its secret, which is shown this once.
#[derive(Debug)]
pub struct IssuedKey {
    pub key: ApiKeyRow,
    pub secret: String,
}

/// The key whose secret this is, if it is valid and unrevoked (a rotated-away secret within its
/// overlap included); records its use.
pub async fn authenticate(
    conn: &mut PgConnection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<AuthenticatedKey>> {
    if !secret.starts_with("sk_") || secret.len() > 128 {
        return Ok(None);
    }
    let Some(row) = store::api_keys::by_digest(conn, &digest_api_key(secret), now).await? else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|t| now - t >= Duration::minutes(1)) {
        store::api_keys::touch(conn, row.tenant, row.id, now).await?;
    }
    Ok(Some(AuthenticatedKey {
        tenant: row.tenant,
        id: row.id,
        name: row.name,
        scopes: row.scopes,
        recheck_by: row.previous_expires_at,
    }))
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<IssuedKey> {
    let name = crate::catalog::validate_name("name", name)?;
    let scopes = crate::api_keys::parse_scopes(scopes)?;
    let key = generate_api_key("live");
    let row = store::api_keys::insert(conn, tenant, &name, &scopes, &key, now).await?;
    Ok(IssuedKey { key: row, secret: key.secret })
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<ApiKeyRow>> {
    store::api_keys::list(conn, tenant).await
}

fn missing(id: ApiKeyId) -> Error {
    Error::not_found("api_key", id.to_string())
}

/// Revokes the key at once; a revoked or unknown key (or another tenant's) is not found.
pub async fn revoke(conn: &mut PgConnection, tenant: TenantId, id: ApiKeyId, now: DateTime<Utc>) -> Result<ApiKeyRow> {
    store::api_keys::revoke(conn, tenant, id, now).await?.ok_or_else(|| missing(id))
}

/// A new secret for the key; the old one keeps working for `overlap_hours` (0: not at all).
pub async fn rotate(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: ApiKeyId,
    overlap_hours: Option<i64>,
    now: DateTime<Utc>,
) -> Result<IssuedKey> {
    let hours = overlap_hours.unwrap_or(DEFAULT_OVERLAP_HOURS);
    if !(0..=MAX_OVERLAP_HOURS).contains(&hours) {
        return Err(Error::invalid("overlap_hours", format!("must be from 0 to {MAX_OVERLAP_HOURS}")));
    }
    let key = generate_api_key("live");
    let row = store::api_keys::rotate(conn, tenant, id, &key, now + Duration::hours(hours), now)
        .await?
        .ok_or_else(|| missing(id))?;
    Ok(IssuedKey { key: row, secret: key.secret })
}
