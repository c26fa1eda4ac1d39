//! /api/v1/plans

use axum::extract::State;
use billing_core::catalog::Plan;
use billing_core::ids::{PlanId, ProductId};
use billing_core::service::catalog;
use serde::Serialize;

use super::AmountBody;
use super::error::ApiResult;
use super::extract::AuthTenant;
use super::pagination::ListResponse;
use crate::app::AppState;

#[derive(Debug, Serialize)]
pub struct IntervalBody {
    pub unit: &'static str,
    pub count: u32,
}

#[derive(Debug, Serialize)]
pub struct PlanBody {
    pub id: PlanId,
    pub object: &'static str,
    pub code: String,
    pub name: String,
    pub product: ProductId,
    pub interval: IntervalBody,
    pub active: bool,
    /// The price book: one price per currency the plan is sold in.
    pub prices: Vec<AmountBody>,
}

impl From<Plan> for PlanBody {
    fn from(p: Plan) -> Self {
        Self {
            id: p.id,
            object: "plan",
            code: p.code,
            name: p.name,
            product: p.product_id,
            interval: IntervalBody { unit: p.interval.unit.as_str(), count: p.interval.count },
            active: p.active,
            prices: p.prices.into_iter().map(AmountBody::from).collect(),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<ListResponse<PlanBody>>> {
    let mut conn = state.pool.acquire().await?;
    let plans = catalog::list_plans(&mut conn, tenant).await?;
    Ok(axum::Json(ListResponse {
        object: "list",
        has_more: false,
        next_cursor: None,
        data: plans.into_iter().map(PlanBody::from).collect(),
    }))
}
