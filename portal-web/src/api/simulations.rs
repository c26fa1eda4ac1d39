//! /api/v1/simulations: run a subscription scenario on a simulated clock; nothing is stored.

use axum::extract::State;
use billing_core::service::simulation::{self, Scenario, SimulationResult};
use sqlx::Connection;

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

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
