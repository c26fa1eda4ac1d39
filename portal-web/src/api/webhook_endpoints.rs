//! /api/v1/webhook_endpoints and /api/v1/webhook_deliveries: where the tenant's events are
//! POSTed, signed (docs/adr/0024, docs/webhooks.md). The signing secret is shown on create and on
//! rotation only; it is stored sealed.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::ids::{WebhookDeliveryId, WebhookEndpointId};
use billing_core::service::webhook_endpoints::{
    self as service, Delivery, DeliveryAttempt, EndpointUpdate, NewEndpointInput, WebhookEndpoint,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::idempotency::create_once;
use super::{Route, delete, get, post};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/webhook_endpoints", list),
        post("/webhook_endpoints", create),
        get("/webhook_endpoints/{id}", get_one),
        post("/webhook_endpoints/{id}", update),
        delete("/webhook_endpoints/{id}", remove),
        post("/webhook_endpoints/{id}/secret/rotate", rotate_secret),
        get("/webhook_endpoints/{id}/deliveries", deliveries),
        post("/webhook_deliveries/{id}/retry", retry),
    ]
}

/// The annotated handlers of this module, for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get_one, update, remove, rotate_secret, deliveries, retry))]
pub struct Doc;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    /// `https://…`; `http://` only to 127.0.0.1 or localhost (for testing).
    pub url: String,
    /// Event types (`invoice.paid`), prefixes (`invoice.*`) or `["*"]` for all.
    pub enabled_events: Vec<String>,
    pub description: Option<String>,
}

/// `POST /api/v1/webhook_endpoints/{id}`: absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEndpoint {
    pub url: Option<String>,
    pub enabled_events: Option<Vec<String>>,
    /// Blank removes it.
    pub description: Option<String>,
    /// `enabled` or `disabled`. Enabling clears the failure record of an endpoint disabled for
    /// failing.
    pub status: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the old secret keeps signing beside the new one: 0 to 168 hours, default 24
    /// (0 after a leak).
    pub expire_previous_in_hours: Option<i64>,
}

/// An endpoint. `secret` only in the answer to create and rotate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointBody {
    /// `we_…`
    pub id: String,
    /// Always `webhook_endpoint`.
    pub object: &'static str,
    pub url: String,
    pub description: Option<String>,
    pub enabled_events: Vec<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    /// `merchant`, `failing` (deliveries failed for days without one success) or
    /// `consecutive_failures` (`[webhooks] disable_after_failures` attempts in a row failed).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Since when deliveries have failed without a success in between.
    pub failing_since: Option<DateTime<Utc>>,
    /// The signing secret's last four characters.
    pub secret_hint: Option<String>,
    /// After a rotation: until when the previous secret also signs.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The signing secret (`whsec_…`), shown here once: store it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<WebhookEndpoint> for EndpointBody {
    fn from(e: WebhookEndpoint) -> Self {
        Self {
            id: e.id.to_string(),
            object: "webhook_endpoint",
            url: e.url,
            description: e.description,
            enabled_events: e.enabled_events,
            status: e.status,
            disabled_reason: e.disabled_reason,
            disabled_at: e.disabled_at,
            failing_since: e.failing_since,
            secret_hint: e.secret_hint,
            previous_secret_expires_at: e.previous_secret_expires_at,
            created_at: e.created_at,
            updated_at: e.updated_at,
            secret: None,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointList {
    /// Always `list`.
    pub object: &'static str,
    pub data: Vec<EndpointBody>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedBody {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryBody {
    /// `whd_…`
    pub id: String,
    /// Always `webhook_delivery`.
    pub object: &'static str,
    pub endpoint: String,
    /// The event delivered (`evt_…`; `GET /api/v1/events/{id}`).
    pub event: String,
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempt_count: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_response_status: Option<i32>,
    /// The start of the endpoint's last answer (500 characters at most).
    pub last_response_excerpt: Option<String>,
    /// Why the last attempt got no answer (timeout, connection refused, ...).
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub attempts: Vec<AttemptBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptBody {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `succeeded`, `retry` or `failed`.
    pub outcome: String,
    pub response_status: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

impl From<DeliveryAttempt> for AttemptBody {
    fn from(a: DeliveryAttempt) -> Self {
        Self {
            attempt: a.attempt,
            started_at: a.started_at,
            finished_at: a.finished_at,
            outcome: a.outcome,
            response_status: a.response_status,
            response_excerpt: a.response_excerpt,
            error: a.error,
        }
    }
}

impl From<Delivery> for DeliveryBody {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            object: "webhook_delivery",
            endpoint: d.endpoint.to_string(),
            event: d.event.to_string(),
            event_type: d.event_type,
            status: d.status,
            attempt_count: d.attempt_count,
            next_attempt_at: d.next_attempt_at,
            last_response_status: d.last_response_status,
            last_response_excerpt: d.last_response_excerpt,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            attempts: d.attempts.into_iter().map(AttemptBody::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    /// Always `list`.
    pub object: &'static str,
    pub data: Vec<DeliveryBody>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The id after which the page starts.
    pub starting_after: Option<String>,
}

fn page<I>(q: &PageQuery, uuid: impl Fn(&I) -> uuid::Uuid) -> ApiResult<billing_core::store::PageRequest>
where
    I: std::str::FromStr<Err = billing_core::ids::IdParseError>,
{
    let after = match &q.starting_after {
        Some(text) => Some(uuid(&text.parse::<I>().map_err(billing_core::Error::from)?)),
        None => None,
    };
    Ok(billing_core::store::PageRequest::new(q.limit, after)?)
}

fn endpoint_id(id: &str) -> ApiResult<WebhookEndpointId> {
    Ok(id.parse().map_err(billing_core::Error::from)?)
}

/// The operator's key that seals the secrets.
fn key(state: &AppState) -> ApiResult<&billing_core::secrets::SecretBox> {
    state.gateways.secrets().map_err(|e| {
        tracing::error!(error = %e, "webhook endpoint secrets: no secrets key");
        ApiError::internal()
    })
}

/// Creates an endpoint; the answer carries its signing secret, once.
#[utoipa::path(
    post,
    path = "/api/v1/webhook_endpoints",
    tag = "webhooks",
    request_body = CreateEndpoint,
    responses(
        (status = 201, description = "The endpoint, with its secret (shown this once).", body = EndpointBody),
        (status = 400, description = "Unknown event types or a field out of range."),
        (status = 422, description = "The URL is not https:// (http:// only to 127.0.0.1 or localhost).")
    )
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateEndpoint>,
) -> ApiResult<Response> {
    let input = NewEndpointInput { url: req.url, enabled_events: req.enabled_events, description: req.description };
    let key = key(&state)?.clone();
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let (endpoint, secret) = service::create(conn, tenant, &key, &input, now).await?;
            let body = EndpointBody { secret: Some(secret), ..EndpointBody::from(endpoint) };
            Ok(serde_json::to_value(body).unwrap_or_default())
        })
    })
    .await
}

/// The tenant's endpoints, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhook_endpoints",
    tag = "webhooks",
    params(PageQuery),
    responses((status = 200, description = "The endpoints (no secrets).", body = EndpointList))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<EndpointList>> {
    let page = page::<WebhookEndpointId>(&q, |id| id.as_uuid())?;
    let mut conn = state.pool.acquire().await?;
    let found = service::list(&mut conn, tenant, page).await?;
    let next_cursor = if found.has_more { found.items.last().map(|e| e.id.to_string()) } else { None };
    Ok(axum::Json(EndpointList {
        object: "list",
        has_more: found.has_more,
        next_cursor,
        data: found.items.into_iter().map(EndpointBody::from).collect(),
    }))
}

/// One endpoint (no secret).
#[utoipa::path(
    get,
    path = "/api/v1/webhook_endpoints/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`we_…`).")),
    responses(
        (status = 200, description = "The endpoint.", body = EndpointBody),
        (status = 404, description = "No such endpoint for this merchant.")
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EndpointBody>> {
    let id = endpoint_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(service::get(&mut conn, tenant, id).await?.into()))
}

/// Changes an endpoint: URL, event types, description, or status (enable or disable).
#[utoipa::path(
    post,
    path = "/api/v1/webhook_endpoints/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`we_…`).")),
    request_body = UpdateEndpoint,
    responses(
        (status = 200, description = "The endpoint as changed.", body = EndpointBody),
        (status = 404, description = "No such endpoint for this merchant."),
        (status = 422, description = "The URL is not acceptable.")
    )
)]
pub async fn update(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateEndpoint>,
) -> ApiResult<axum::Json<EndpointBody>> {
    let id = endpoint_id(&id)?;
    let input = EndpointUpdate {
        url: req.url,
        enabled_events: req.enabled_events,
        description: req.description,
        status: req.status,
    };
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(service::update(&mut conn, tenant, id, &input, state.clock.now()).await?.into()))
}

/// Deletes an endpoint and its delivery history.
#[utoipa::path(
    delete,
    path = "/api/v1/webhook_endpoints/{id}",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`we_…`).")),
    responses(
        (status = 200, description = "Deleted.", body = DeletedBody),
        (status = 404, description = "No such endpoint for this merchant.")
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<DeletedBody>> {
    let id = endpoint_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    service::delete(&mut conn, tenant, id).await?;
    Ok(axum::Json(DeletedBody { id: id.to_string(), object: "webhook_endpoint", deleted: true }))
}

/// Replaces the signing secret; the old one keeps signing beside it for the overlap (two `v1`
/// signatures in `Billing-Signature`).
#[utoipa::path(
    post,
    path = "/api/v1/webhook_endpoints/{id}/secret/rotate",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`we_…`).")),
    request_body = RotateSecret,
    responses(
        (status = 200, description = "The endpoint with its new secret (shown this once).", body = EndpointBody),
        (status = 400, description = "An overlap out of range."),
        (status = 404, description = "No such endpoint for this merchant.")
    )
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RotateSecret>,
) -> ApiResult<axum::Json<EndpointBody>> {
    let id = endpoint_id(&id)?;
    let key = key(&state)?;
    let mut conn = state.pool.acquire().await?;
    // Wall-clock time, like the receivers' freshness check: a simulated business clock must not
    // keep a leaked secret alive.
    let rotated =
        service::rotate_secret(&mut conn, tenant, key, id, req.expire_previous_in_hours, chrono::Utc::now()).await?;
    Ok(axum::Json(EndpointBody { secret: Some(rotated.secret), ..EndpointBody::from(rotated.endpoint) }))
}

/// The endpoint's deliveries, oldest first, with every attempt.
#[utoipa::path(
    get,
    path = "/api/v1/webhook_endpoints/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`we_…`)."), PageQuery),
    responses(
        (status = 200, description = "The deliveries.", body = DeliveryList),
        (status = 404, description = "No such endpoint for this merchant.")
    )
)]
pub async fn deliveries(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<DeliveryList>> {
    let id = endpoint_id(&id)?;
    let page = page::<WebhookDeliveryId>(&q, |id| id.as_uuid())?;
    let mut conn = state.pool.acquire().await?;
    let found = service::deliveries(&mut conn, tenant, id, page).await?;
    let next_cursor = if found.has_more { found.items.last().map(|d| d.id.to_string()) } else { None };
    Ok(axum::Json(DeliveryList {
        object: "list",
        has_more: found.has_more,
        next_cursor,
        data: found.items.into_iter().map(DeliveryBody::from).collect(),
    }))
}

/// Redelivers an event: one attempt, made by the next run of the webhook job (every 20 seconds by
/// default), whatever the delivery's state.
#[utoipa::path(
    post,
    path = "/api/v1/webhook_deliveries/{id}/retry",
    tag = "webhooks",
    params(("id" = String, Path, description = "The delivery id (`whd_…`).")),
    responses(
        (status = 202, description = "Scheduled; the delivery as it now stands.", body = DeliveryBody),
        (status = 404, description = "No such delivery for this merchant."),
        (status = 409, description = "The endpoint is disabled.")
    )
)]
pub async fn retry(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<(axum::http::StatusCode, axum::Json<DeliveryBody>)> {
    let id: WebhookDeliveryId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let d = service::redeliver(&mut conn, tenant, id, state.clock.now()).await?;
    Ok((axum::http::StatusCode::ACCEPTED, axum::Json(d.into())))
}
