//! Request extractors whose rejections are JSON API errors, and the API-key authentication.

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use billing_core::ids::TenantId;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::app::AppState;

/// `Json<T>` with a localized JSON error instead of axum's plain-text rejection.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "error-payload-too-large",
                    ));
                }
                Err(ApiError::invalid_body(rejection.body_text()))
            }
        }
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
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some(secret) = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).filter(|s| !s.is_empty())
        else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "api_key_missing", "error-api-key-missing"));
        };
        let mut conn = state.pool.acquire().await?;
        match billing_core::service::tenants::authenticate(&mut conn, secret).await? {
            Some(t) => Ok(AuthTenant(t)),
            None => {
                state.metrics.auth_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "api_key_invalid", "error-api-key-invalid"))
            }
        }
    }
}

/// A typed id from a path segment (`cus_…`, `in_…`), refused with the id's own error.
pub fn path_id<I: std::str::FromStr<Err = billing_core::ids::IdParseError>>(id: &str) -> super::error::ApiResult<I> {
    Ok(id.parse().map_err(billing_core::Error::from)?)
}
