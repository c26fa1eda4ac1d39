//! `Idempotency-Key` for POSTs: the work and the stored response commit in one transaction, so a
//! retried or double-submitted request replays the first answer and changes nothing.

use std::future::Future;
use std::pin::Pin;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use billing_core::ids::TenantId;
use billing_core::store::idempotency::{self, Claim};
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use super::error::{ApiError, ApiResult};
use crate::app::AppState;

pub type Work<'c> = Pin<Box<dyn Future<Output = ApiResult<serde_json::Value>> + Send + 'c>>;

/// Runs `work` in a transaction answering 201; with an Idempotency-Key header, at most once per key.
pub async fn create_once<F>(
    state: &AppState,
    tenant: TenantId,
    headers: &HeaderMap,
    request: &impl serde::Serialize,
    work: F,
) -> ApiResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> Work<'c>,
{
    run_once(state, tenant, headers, request, StatusCode::CREATED, work).await
}

/// Like [`create_once`] with another success status (200 for state changes).
pub async fn run_once<F>(
    state: &AppState,
    tenant: TenantId,
    headers: &HeaderMap,
    request: &impl serde::Serialize,
    success: StatusCode,
    work: F,
) -> ApiResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> Work<'c>,
{
    let key = key_from(headers)?;
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if let Some(key) = key
        && let Some(replay) = claim_or_replay(&mut tx, tenant, key, request, now).await?
    {
        tx.rollback().await?;
        return Ok(replay);
    }
    // An error drops `tx` uncommitted: the work and the key claim are both rolled back.
    let body = work(&mut tx).await?;
    if let Some(key) = key {
        idempotency::complete(&mut tx, tenant, key, success.as_u16(), &body).await?;
    }
    tx.commit().await?;
    Ok((success, axum::Json(body)).into_response())
}

/// The request's `Idempotency-Key`, if any; a malformed one is refused.
pub fn key_from(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v.to_str().ok().filter(|k| (1..=255).contains(&k.len()) && k.chars().all(|c| c.is_ascii_graphic()));
            Ok(Some(k.ok_or_else(|| {
                ApiError::new(StatusCode::BAD_REQUEST, "idempotency_key_invalid", "error-idempotency-key-invalid")
            })?))
        }
    }
}

/// Claims `key` for this request on `conn`. `None`: fresh, go ahead; `Some(response)`: the
/// stored answer of the first request to replay. A key used with another body, or still in
/// flight, is refused with 409.
pub async fn claim_or_replay(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    request: &impl serde::Serialize,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Option<Response>> {
    let digest = Sha256::digest(serde_json::to_vec(request).unwrap_or_default()).to_vec();
    match idempotency::claim(conn, tenant, key, &digest, now).await? {
        Claim::Fresh => Ok(None),
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut resp = (status, axum::Json(body)).into_response();
            resp.headers_mut().insert("idempotent-replayed", "true".parse().expect("static header"));
            Ok(Some(resp))
        }
        Claim::Mismatch | Claim::InFlight => {
            Err(ApiError::new(StatusCode::CONFLICT, "idempotency_key_reused", "error-idempotency-key-reused"))
        }
    }
}
