//! GET/PUT /api/v1/dunning_policy: the tenant's dunning policy (docs/adr/0022). A tenant that
//! never set one has the default, shown with `"default": true`. A PUT replaces the whole list;
//! a refused one (unknown action, a day outside 1..=120 or out of order) stores nothing.

use axum::extract::State;
use billing_core::dunning::PolicyStep;
use billing_core::service::dunning;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// Checked by the service, so that its error names the step at fault.
    pub steps: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct PolicyView {
    pub steps: Vec<PolicyStep>,
    /// True while the tenant has no policy of its own.
    pub default: bool,
}

pub async fn get_policy(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<PolicyView>> {
    let mut conn = state.pool.acquire().await?;
    let (policy, own) = dunning::policy_and_origin(&mut conn, tenant).await?;
    Ok(axum::Json(PolicyView { steps: policy.steps().to_vec(), default: !own }))
}

pub async fn put_policy(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<PolicyBody>,
) -> ApiResult<axum::Json<PolicyView>> {
    let mut conn = state.pool.acquire().await?;
    let policy = dunning::put_policy(&mut conn, tenant, req.steps, state.clock.now()).await?;
    Ok(axum::Json(PolicyView { steps: policy.steps().to_vec(), default: false }))
}
