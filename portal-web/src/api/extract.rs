//! Request extractors whose rejections are JSON API errors, and the API-key authentication.

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use billing_core::ids::TenantId;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::input::{parse_json, read_body};
use crate::state::AppState;

/// `Json<T>` with a localized JSON error instead of axum's plain-text rejection, and the edge's
/// input rules (`super::input`): text checked in every field, amounts bounded, the body read
/// within the size limit and the body deadline.
pub struct ApiJson<T>(pub T);

/// Whether the request says its body is JSON (`application/json`, or `application/…+json`).
fn is_json(req: &Request) -> bool {
    let Some(value) = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::invalid_body("Expected request with `Content-Type: application/json`"));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// `Query<T>` with a localized JSON error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|r| ApiError::invalid_query(r.body_text()))
    }
}

/// The tenant whose API key signed the request (`Authorization: Bearer sk_…`).
#[derive(Debug, Clone, Copy)]
pub struct AuthTenant(pub TenantId);

/// A tenant chosen by an operator on the command line (`billing api`). It is put into request
/// extensions in-process only: nothing a client sends over HTTP can create it.
#[derive(Debug, Clone, Copy)]
pub struct OperatorTenant(pub TenantId);

impl FromRequestParts<AppState> for AuthTenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(OperatorTenant(t)) = parts.extensions.get::<OperatorTenant>() {
            return Ok(AuthTenant(*t));
        }
        // The peer address from the server's accept loop; absent only for in-process callers.
        let client = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let now = std::time::Instant::now();
        if let Err(wait) = state.auth_limiter.check(client, now) {
            state.metrics.auth_throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "error-rate-limited")
                .arg("seconds", seconds)
                .retry_after(seconds));
        }
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some(secret) = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).filter(|s| !s.is_empty())
        else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "api_key_missing", "error-api-key-missing"));
        };
        let found = match &state.api_keys {
            Some(cache) => cache.authenticate(&state.pool, secret, state.clock.now()).await?,
            None => {
                let mut conn = state.pool.acquire().await?;
                billing_core::service::api_keys::authenticate(&mut conn, secret, state.clock.now()).await?
            }
        };
        let Some(key) = found else {
            state.metrics.auth_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            state.auth_limiter.failed(client, now);
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "api_key_invalid", "error-api-key-invalid"));
        };
        if let Some(slot) = parts.extensions.get::<KeySlot>() {
            slot.0.get_or_init(|| UsedKey { tenant: key.tenant, name: key.name.clone() });
        }
        // The scope the route needs (docs/adr/0026), from the path's fixed segments.
        if let Some((resource, access)) = super::scopes::needed(&parts.method, parts.uri.path())
            && !billing_core::api_keys::allows(&key.scopes, resource, access)
        {
            let scope = billing_core::api_keys::required(resource, access);
            let mut e = ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope", "error-insufficient-scope")
                .arg("scope", &scope);
            e.extra.push(("required_scope", serde_json::json!(scope)));
            return Err(e);
        }
        // The key's and the merchant's limits (docs/adr/0033), counted once per request: the
        // idempotency layer authenticates before the handler does.
        let ingest = super::rate_limits::is_ingestion(&parts.method, parts.uri.path());
        let decided = match parts.extensions.get::<super::rate_limits::QuotaSlot>() {
            Some(slot) => match slot.0.get() {
                Some(decided) => *decided,
                None => {
                    let decided =
                        state.rate_limiter.check(&state.pool, key.id, key.tenant, ingest, state.clock.now()).await;
                    *slot.0.get_or_init(|| decided)
                }
            },
            None => state.rate_limiter.check(&state.pool, key.id, key.tenant, ingest, state.clock.now()).await,
        };
        if let Err(quota) = decided {
            state.metrics.rate_limited.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(super::rate_limits::refusal(quota));
        }
        Ok(AuthTenant(key.tenant))
    }
}

/// Which key signed a request, for the request log: the log's middleware puts an empty slot into
/// the request, authentication fills it (the request may run on another task by then).
#[derive(Debug, Clone, Default)]
pub struct KeySlot(pub std::sync::Arc<std::sync::OnceLock<UsedKey>>);

#[derive(Debug, Clone)]
pub struct UsedKey {
    pub tenant: TenantId,
    pub name: String,
}

/// A typed id from a path segment (`cus_…`, `in_…`), refused with the id's own error.
pub fn path_id<I: std::str::FromStr<Err = billing_core::ids::IdParseError>>(id: &str) -> super::error::ApiResult<I> {
    Ok(id.parse().map_err(billing_core::Error::from)?)
}
