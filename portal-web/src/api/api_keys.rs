//! /api/v1/api_keys: a merchant's API keys, with names and scopes, created and rotated with
//! their secret shown once, revoked at once (docs/adr/0026). `full` keys only.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use billing_core::ids::ApiKeyId;
use billing_core::service::api_keys;
use billing_core::store::api_keys::ApiKeyRow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant, path_id};
use super::idempotency::run_once_showing_once;
use super::pagination::ListResponse;
use super::{Route, delete, get, post};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/api_keys", list),
        post("/api_keys", create),
        delete("/api_keys/{id}", revoke),
        post("/api_keys/{id}/rotate", rotate),
    ]
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for (`shop backend`, `usage collector`).
    #[schema(example = "usage collector")]
    pub name: String,
    /// `full`, `read_only`, or resource scopes `<resource>:read` / `<resource>:write` with a
    /// resource of customers, catalog, subscriptions, usage, invoices, payments, invoice_runs,
    /// settings (write includes read).
    #[schema(example = json!(["usage:write", "subscriptions:read"]))]
    pub scopes: Vec<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateApiKey {
    /// How long the old secret keeps working, in hours (0 to 720, default 24).
    pub overlap_hours: Option<i64>,
}

/// An API key; `secret` only in the answer that created or rotated it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyBody {
    #[schema(value_type = String, example = "key_01JF6S3Y2Q9J7G3W1N1V0Z2X4B")]
    pub id: ApiKeyId,
    /// Always `api_key`.
    pub object: &'static str,
    pub name: String,
    /// The first characters of the current secret, to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// Recorded at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub rotated_at: Option<DateTime<Utc>>,
    /// Until when the secret the key had before its last rotation is still accepted.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// The secret, shown in this answer only; a replay under the same `Idempotency-Key` shows
    /// `null`. Store it now: it cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<ApiKeyRow> for ApiKeyBody {
    fn from(k: ApiKeyRow) -> Self {
        Self {
            id: k.id,
            object: "api_key",
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
            rotated_at: k.rotated_at,
            previous_secret_expires_at: k.previous_expires_at,
            secret: None,
        }
    }
}

/// The answer with the secret, and what a replay shows (no secret).
fn shown_once(issued: api_keys::IssuedKey) -> (serde_json::Value, serde_json::Value) {
    let mut body = ApiKeyBody::from(issued.key);
    let stored = serde_json::to_value(&body).unwrap_or_default();
    body.secret = Some(issued.secret);
    (serde_json::to_value(&body).unwrap_or_default(), stored)
}

#[utoipa::path(
    post,
    path = "/api/v1/api_keys",
    tag = "api keys",
    request_body = CreateApiKey,
    responses((status = 201, description = "The key with its secret, shown this once.", body = ApiKeyBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateApiKey>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    run_once_showing_once(&state, tenant, &headers, StatusCode::CREATED, move |conn| {
        Box::pin(async move { Ok(shown_once(api_keys::create(conn, tenant, &req.name, &req.scopes, now).await?)) })
    })
    .await
}

#[utoipa::path(
    get,
    path = "/api/v1/api_keys",
    tag = "api keys",
    responses((status = 200, description = "Every key of the merchant, newest first, revoked ones included; never a secret.", body = ListResponse<ApiKeyBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<ListResponse<ApiKeyBody>>> {
    let mut conn = state.pool.acquire().await?;
    let keys = api_keys::list(&mut conn, tenant).await?;
    Ok(axum::Json(ListResponse {
        object: "list",
        has_more: false,
        next_cursor: None,
        data: keys.into_iter().map(ApiKeyBody::from).collect(),
    }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/api_keys/{id}",
    tag = "api keys",
    params(("id" = String, Path, description = "The key (`key_…`).")),
    responses((status = 200, description = "The key, revoked: neither of its secrets works any more.", body = ApiKeyBody))
)]
pub async fn revoke(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ApiKeyBody>> {
    let id = path_id::<ApiKeyId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(api_keys::revoke(&mut conn, tenant, id, state.clock.now()).await?.into()))
}

#[utoipa::path(
    post,
    path = "/api/v1/api_keys/{id}/rotate",
    tag = "api keys",
    params(("id" = String, Path, description = "The key (`key_…`).")),
    request_body(content = RotateApiKey, description = "Optional: an empty body keeps the old secret working for 24 hours."),
    responses((status = 200, description = "The key with its new secret, shown this once.", body = ApiKeyBody))
)]
pub async fn rotate(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    Path(id): Path<String>,
    super::input::RawBody(body): super::input::RawBody,
) -> ApiResult<Response> {
    let id = path_id::<ApiKeyId>(&id)?;
    let req: RotateApiKey = if body.iter().all(u8::is_ascii_whitespace) {
        RotateApiKey::default()
    } else {
        super::input::parse_json(&body)?
    };
    let now = state.clock.now();
    run_once_showing_once(&state, tenant, &headers, StatusCode::OK, move |conn| {
        Box::pin(async move { Ok(shown_once(api_keys::rotate(conn, tenant, id, req.overlap_hours, now).await?)) })
    })
    .await
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, revoke, rotate))]
pub struct Doc;
