//! /api/v1/simulations: run a subscription scenario on a simulated clock; nothing is stored.

use axum::extract::State;
use billing_core::service::simulation::{self, Scenario, SimulationResult};
use sqlx::Connection;

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

#[utoipa::path(
    post,
    path = "/api/v1/simulations",
    tag = "subscriptions",
    request_body = super::schemas::Scenario,
    responses((status = 200, description = "What the scenario would invoice, period by period; nothing is stored.", body = Object), (status = 422, description = "The scenario cannot be billed (plan not in the currency, ...).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(scenario): ApiJson<Scenario>,
) -> ApiResult<axum::Json<SimulationResult>> {
    let mut conn = state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let result = simulation::simulate(&mut tx, tenant, &scenario).await;
    // Always rolled back: a simulation never leaves a trace, whatever its outcome.
    tx.rollback().await?;
    Ok(axum::Json(result?))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create))]
pub struct Doc;
