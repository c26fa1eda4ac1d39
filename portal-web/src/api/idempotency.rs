//! `Idempotency-Key` on every request under /api/v1 that changes something (POST, PUT, PATCH,
//! DELETE): a retried or double-submitted request gets the first answer again and changes nothing.
//!
//! One layer ([`layer`]) wraps the whole API router, so a route added later honours the key
//! without doing anything. For a request with a key it (1) claims the key for the tenant in a
//! transaction of its own, leased for [`LEASE_SECONDS`], or answers at once: the stored response
//! of the first request (header `Idempotent-Replayed: true`), `409 idempotency_key_reused` for
//! another request under the same key, `409 idempotency_key_in_use` while the first still runs;
//! (2) runs the handler holding no connection, so the handler may take the one connection the
//! embedded database has, and call payment providers; (3) stores a success (2xx) response, or
//! gives the key back after an error so that a corrected retry can use it. Every request that
//! changes something runs on a task of its own, so a client hanging up cannot cut it off between
//! two steps: it finishes, and under a key its answer is there for the retry.
//!
//! Handlers whose work is one transaction use [`create_once`] / [`run_once`]: they store the
//! response inside that transaction, so the work and its answer commit together and a crash
//! between the two cannot happen. Handlers that call a provider span several transactions; their
//! services make a re-run after a crash safe (a pending attempt is re-driven under its own key, a
//! refund made under this key is resumed, see `billing_core::service::refunds`).
//!
//! A stored response is sealed with the operator's secrets key (docs/adr/0014) before it is
//! written: some answers are shown once because they carry a credential (a webhook endpoint's
//! signing secret, a rotated gateway webhook secret, a portal session link), and a replay must
//! give them again without leaving them readable in `idempotency_keys`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use billing_core::ids::TenantId;
use billing_core::service::idempotency::{self, Claim};
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use super::error::{ApiError, ApiResult, REQUEST_LANG};
use super::extract::AuthTenant;
use crate::state::AppState;

/// How long a claim holds its key before a retry may take it over (its process died). Longer
/// than a request takes, gateway timeouts and retries included.
pub const LEASE_SECONDS: i64 = 120;

pub type Work<'c> = Pin<Box<dyn Future<Output = ApiResult<serde_json::Value>> + Send + 'c>>;

/// The key the layer claimed for the request being handled.
#[derive(Clone)]
struct Claimed {
    tenant: TenantId,
    key: String,
    /// Set once the handler stored its response itself (in its own transaction).
    stored: Arc<AtomicBool>,
}

tokio::task_local! {
    static CLAIMED: Claimed;
}

/// What the layer needs: the app and the body limit (it reads the body to fingerprint it).
#[derive(Clone)]
pub struct LayerState {
    pub app: AppState,
    pub max_body_bytes: usize,
}

/// The middleware: see the module documentation.
pub async fn layer(State(s): State<LayerState>, req: Request, next: Next) -> Response {
    match honour(s, req, next).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn honour(s: LayerState, req: Request, next: Next) -> ApiResult<Response> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.run(req).await);
    }
    let Some(key) = key_from(req.headers())?.map(str::to_owned) else {
        return detached(next.run(req)).await;
    };
    let (mut parts, body) = req.into_parts();
    let AuthTenant(tenant) = AuthTenant::from_request_parts(&mut parts, &s.app).await?;
    let bytes = axum::body::to_bytes(body, s.max_body_bytes)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "error-payload-too-large"))?;
    let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let digest = request_digest(&parts.method, target, &bytes);
    let request = Request::from_parts(parts, Body::from(bytes));
    // From the claim on, nothing may be cut off half-way (a claim without its work would answer
    // "in use" until its lease ends): the rest runs detached.
    detached(async move {
        match claim_and_run(&s.app, tenant, key, &digest, request, next).await {
            Ok(response) => response,
            Err(e) => e.into_response(),
        }
    })
    .await
}

async fn claim_and_run(
    app: &AppState,
    tenant: TenantId,
    key: String,
    digest: &[u8],
    request: Request,
    next: Next,
) -> ApiResult<Response> {
    {
        let mut conn = app.pool.acquire().await?;
        match idempotency::claim(&mut conn, tenant, &key, digest, app.clock.now(), LEASE_SECONDS).await? {
            Claim::Fresh => {}
            Claim::Replay { status, body } => return Ok(replay(status, open_stored(app, body)?)),
            Claim::Mismatch => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_key_reused",
                    "error-idempotency-key-reused",
                ));
            }
            Claim::InFlight => {
                let mut resp =
                    ApiError::new(StatusCode::CONFLICT, "idempotency_key_in_use", "error-idempotency-key-in-use")
                        .into_response();
                resp.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
                return Ok(resp);
            }
        }
    }
    let claimed = Claimed { tenant, key, stored: Arc::new(AtomicBool::new(false)) };
    let response = CLAIMED.scope(claimed.clone(), next.run(request)).await;
    if claimed.stored.load(Ordering::SeqCst) {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if let Err(e) = settle(app, &claimed, parts.status, &bytes).await {
        // The work is done and its answer goes out; only the key stays claimed until its lease
        // ends, and a retry after that runs a request whose services are safe to re-run.
        tracing::warn!(error = %e.code, "idempotency: response not stored");
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// Runs a request that changes something to its end on a task of its own: a client that hangs
/// up must not cut a payment off between its steps (an attempt left pending, a key never
/// settled). The answer of a request under a key is stored even if nobody waits for it.
async fn detached(work: impl Future<Output = Response> + Send + 'static) -> ApiResult<Response> {
    let lang = REQUEST_LANG.try_with(|l| *l).unwrap_or("en");
    tokio::spawn(REQUEST_LANG.scope(lang, work)).await.map_err(|e| {
        tracing::error!(error = %e, "request task failed");
        ApiError::internal()
    })
}

/// Stores a success under the key; gives the key back after anything else.
async fn settle(app: &AppState, claimed: &Claimed, status: StatusCode, bytes: &[u8]) -> ApiResult<()> {
    let mut conn = app.pool.acquire().await?;
    let body = if bytes.is_empty() { Some(serde_json::Value::Null) } else { serde_json::from_slice(bytes).ok() };
    match body.filter(|_| status.is_success()) {
        Some(body) => {
            let body = seal_stored(app, body)?;
            idempotency::complete(&mut conn, claimed.tenant, &claimed.key, status.as_u16(), &body).await?
        }
        None => idempotency::release(&mut conn, claimed.tenant, &claimed.key).await?,
    }
    Ok(())
}

/// What makes two requests "the same": method, path with query, and the body (JSON compared by
/// value, so a retry that orders its fields differently is still the same request).
fn request_digest(method: &Method, target: &str, body: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(target.as_bytes());
    hasher.update([0]);
    match serde_json::from_slice::<serde_json::Value>(body) {
        // serde_json's maps are ordered by key, so this is a canonical form.
        Ok(v) => hasher.update(serde_json::to_vec(&v).unwrap_or_default()),
        Err(_) => hasher.update(body),
    }
    hasher.finalize().to_vec()
}

/// The field name the sealed form is bound to (the cipher's associated data).
const SEALED_FIELD: &str = "idempotency_response";

/// A response as it is stored: `{"sealed": "<sealed JSON text>"}`; `null` (an empty body) as is.
fn seal_stored(app: &AppState, body: serde_json::Value) -> ApiResult<serde_json::Value> {
    if body.is_null() {
        return Ok(body);
    }
    let key = app.gateways.secrets().map_err(|e| {
        tracing::error!(error = %e, "idempotency: no secrets key to seal the stored response");
        ApiError::internal()
    })?;
    Ok(serde_json::json!({ "sealed": key.seal(SEALED_FIELD, &body.to_string()) }))
}

/// A stored response opened for its replay. Rows stored before sealing existed are returned as
/// they are.
fn open_stored(app: &AppState, stored: serde_json::Value) -> ApiResult<serde_json::Value> {
    let sealed = match &stored {
        serde_json::Value::Object(map) if map.len() == 1 => map.get("sealed").and_then(|v| v.as_str()),
        _ => None,
    };
    let Some(sealed) = sealed.filter(|s| billing_core::secrets::is_sealed(s)) else {
        return Ok(stored);
    };
    let key = app.gateways.secrets().map_err(|e| {
        tracing::error!(error = %e, "idempotency: no secrets key to open a stored response");
        ApiError::internal()
    })?;
    let text = key.open(SEALED_FIELD, sealed).map_err(|e| {
        tracing::error!(error = %e, "idempotency: a stored response does not open with this key");
        ApiError::internal()
    })?;
    serde_json::from_str(&text).map_err(|_| ApiError::internal())
}

fn replay(status: u16, body: serde_json::Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut resp = if body.is_null() { status.into_response() } else { (status, axum::Json(body)).into_response() };
    resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    resp
}

/// Runs `work` in a transaction answering 201; see [`run_once`].
pub async fn create_once<F>(state: &AppState, tenant: TenantId, headers: &HeaderMap, work: F) -> ApiResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> Work<'c>,
{
    run_once(state, tenant, headers, StatusCode::CREATED, work).await
}

/// Runs `work` in one transaction answering `success`; under an Idempotency-Key the response is
/// stored in that same transaction, so the work and its answer commit together.
pub async fn run_once<F>(
    state: &AppState,
    tenant: TenantId,
    headers: &HeaderMap,
    success: StatusCode,
    work: F,
) -> ApiResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> Work<'c>,
{
    let claimed = CLAIMED.try_with(Claimed::clone).ok().filter(|c| c.tenant == tenant);
    if key_from(headers)?.is_some() && claimed.is_none() {
        // A key nobody claimed: this router was built without the layer. Refuse rather than
        // run the work unprotected.
        tracing::error!("Idempotency-Key not claimed: the API router lacks the idempotency layer");
        return Err(ApiError::internal());
    }
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    // An error drops `tx` uncommitted, and the layer gives the key back.
    let body = work(&mut tx).await?;
    if let Some(c) = &claimed {
        let stored = seal_stored(state, body.clone())?;
        idempotency::complete(&mut tx, tenant, &c.key, success.as_u16(), &stored).await?;
    }
    tx.commit().await?;
    if let Some(c) = &claimed {
        c.stored.store(true, Ordering::SeqCst);
    }
    Ok((success, axum::Json(body)).into_response())
}

/// As [`run_once`], for an answer that shows a secret once (a new API key): `work` returns the
/// answer and what a replay may show, which is stored instead (the secret is never stored).
pub async fn run_once_showing_once<F>(
    state: &AppState,
    tenant: TenantId,
    headers: &HeaderMap,
    success: StatusCode,
    work: F,
) -> ApiResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> ShownOnce<'c>,
{
    let claimed = CLAIMED.try_with(Claimed::clone).ok().filter(|c| c.tenant == tenant);
    if key_from(headers)?.is_some() && claimed.is_none() {
        tracing::error!("Idempotency-Key not claimed: the API router lacks the idempotency layer");
        return Err(ApiError::internal());
    }
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let (shown, stored) = work(&mut tx).await?;
    if let Some(c) = &claimed {
        idempotency::complete(&mut tx, tenant, &c.key, success.as_u16(), &stored).await?;
    }
    tx.commit().await?;
    if let Some(c) = &claimed {
        c.stored.store(true, Ordering::SeqCst);
    }
    Ok((success, axum::Json(shown)).into_response())
}

/// The work of [`run_once_showing_once`]: the answer, and the answer a replay shows.
pub type ShownOnce<'c> = Pin<Box<dyn Future<Output = ApiResult<(serde_json::Value, serde_json::Value)>> + Send + 'c>>;

/// The Idempotency-Key under which the current request runs, for services that tie what they
/// create to it (refunds), so that a retry after a crash resumes instead of repeating.
pub fn current_key() -> Option<String> {
    CLAIMED.try_with(|c| c.key.clone()).ok()
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
