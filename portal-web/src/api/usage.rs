//! /api/v1/usage_events and /api/v1/subscriptions/{id}/usage

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::service::usage::{self, CurrentUsage, UsageInput};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use super::idempotency::create_once;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UsageEventBody {
    pub subscription: String,
    /// Your id for the event: sending it again is accepted and changes nothing.
    pub event_id: String,
    pub timestamp: DateTime<Utc>,
    /// A decimal string ("1", "0.25"); counts for `count` aggregations are 1 per event anyway.
    pub value: Decimal,
    /// What `unique_count` counts distinct values of (a user id, say).
    pub property: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub events: Vec<UsageEventBody>,
}

fn inputs(events: &[UsageEventBody]) -> Vec<UsageInput> {
    events
        .iter()
        .map(|e| UsageInput {
            subscription: e.subscription.clone(),
            event_id: e.event_id.clone(),
            timestamp: e.timestamp,
            value: e.value,
            property: e.property.clone(),
        })
        .collect()
}

async fn record(
    state: AppState,
    tenant: billing_core::ids::TenantId,
    headers: HeaderMap,
    events: Vec<UsageEventBody>,
) -> ApiResult<Response> {
    let input = inputs(&events);
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let recorded = usage::record(conn, tenant, &input, now).await?;
            Ok(serde_json::json!({ "object": "usage_batch", "events": recorded }))
        })
    })
    .await
}

pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(event): ApiJson<UsageEventBody>,
) -> ApiResult<Response> {
    record(state, tenant, headers, vec![event]).await
}

pub async fn create_batch(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(batch): ApiJson<Batch>,
) -> ApiResult<Response> {
    record(state, tenant, headers, batch.events).await
}

pub async fn current(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CurrentUsage>> {
    let id = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(usage::current(&mut conn, tenant, id).await?))
}
