//! /api/v1/usage_events and /api/v1/subscriptions/{id}/usage

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use billing_core::service::usage::{self, CurrentUsage, Recorded, UsageInput};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use super::idempotency::create_once;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageEventBody {
    pub subscription: String,
    /// Your id for the event: sending it again is accepted and changes nothing.
    pub event_id: String,
    pub timestamp: DateTime<Utc>,
    /// A decimal string ("1", "0.25"); counts for `count` aggregations are 1 per event anyway.
    #[schema(value_type = String)]
    pub value: Decimal,
    /// What `unique_count` counts distinct values of (a user id, say).
    pub property: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub events: Vec<UsageEventBody>,
}

fn inputs(events: Vec<UsageEventBody>) -> Vec<UsageInput> {
    events
        .into_iter()
        .map(|e| UsageInput {
            subscription: e.subscription,
            event_id: e.event_id,
            timestamp: e.timestamp,
            value: e.value,
            property: e.property,
        })
        .collect()
}

/// The answer: the events as recorded, in the order sent.
fn batch_body(recorded: Vec<Recorded>) -> UsageBatchBody {
    UsageBatchBody { object: "usage_batch", events: recorded.into_iter().map(Into::into).collect() }
}

async fn record(
    state: AppState,
    tenant: billing_core::ids::TenantId,
    headers: HeaderMap,
    events: Vec<UsageEventBody>,
) -> ApiResult<Response> {
    let input = inputs(events);
    let now = state.clock.now();
    if super::idempotency::key_from(&headers)?.is_none() {
        // Without a key: stored by the next group commit (`usage_ingest`), answered once it
        // committed, all or none as in a transaction of its own.
        let recorded = state.usage_ingest.record(&state.pool, tenant, input, now).await?;
        return Ok((axum::http::StatusCode::CREATED, axum::Json(batch_body(recorded))).into_response());
    }
    // Under a key the answer is stored with the events, in the same transaction.
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let recorded = usage::record(conn, tenant, &input, now).await?;
            Ok(serde_json::to_value(batch_body(recorded)).unwrap_or_default())
        })
    })
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/usage_events",
    tag = "usage",
    request_body = UsageEventBody,
    responses((status = 201, description = "The event as recorded (a repeat of an `event_id` changes nothing).", body = UsageBatchBody), (status = 422, description = "Not a metered subscription, or its period is invoiced already.", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(event): ApiJson<UsageEventBody>,
) -> ApiResult<Response> {
    record(state, tenant, headers, vec![event]).await
}

#[utoipa::path(
    post,
    path = "/api/v1/usage_events/batch",
    tag = "usage",
    request_body = Batch,
    responses((status = 201, description = "The events as recorded, all or none.", body = UsageBatchBody), (status = 422, description = "Not a metered subscription, or its period is invoiced already.", body = super::openapi::ErrorBody))
)]
pub async fn create_batch(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(batch): ApiJson<Batch>,
) -> ApiResult<Response> {
    record(state, tenant, headers, batch.events).await
}

#[utoipa::path(
    get,
    path = "/api/v1/subscriptions/{id}/usage",
    tag = "usage",
    params(("id" = String, Path, description = "The subscription (`sub_…`).")),
    responses((status = 200, description = "The open period's usage and what it costs so far.", body = CurrentUsageBody), (status = 422, description = "Not a metered subscription (`subscription_not_metered`).", body = super::openapi::ErrorBody))
)]
pub async fn current(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CurrentUsageBody>> {
    let id = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(usage::current(&mut conn, tenant, id).await?.into()))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, create_batch, current))]
pub struct Doc;

/// One event of a batch as recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordedEventBody {
    /// Your id for the event.
    pub event_id: String,
    /// False when an event with this id was already recorded (a replay; nothing changed).
    pub created: bool,
}

impl From<Recorded> for RecordedEventBody {
    fn from(r: Recorded) -> Self {
        Self { event_id: r.event_id, created: r.created }
    }
}

/// The answer of `POST /usage_events` and `/usage_events/batch`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UsageBatchBody {
    /// Always `usage_batch`.
    #[schema(example = "usage_batch")]
    pub object: &'static str,
    /// The events as recorded, in the order sent.
    pub events: Vec<RecordedEventBody>,
}

/// A metered subscription's open period and its usage so far.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentUsageBody {
    pub period_start: chrono::NaiveDate,
    /// Last day (inclusive).
    pub period_end: chrono::NaiveDate,
    /// The plan's usage metric.
    pub metric: String,
    /// The quantity so far, a decimal number as a string.
    #[schema(value_type = String, example = "1250.5")]
    pub quantity: Decimal,
    /// What the period costs so far at this usage (before discounts and tax).
    pub amount: super::AmountBody,
}

impl From<CurrentUsage> for CurrentUsageBody {
    fn from(u: CurrentUsage) -> Self {
        Self {
            period_start: u.period_start,
            period_end: u.period_end,
            metric: u.metric,
            quantity: u.quantity,
            amount: u.amount.into(),
        }
    }
}
