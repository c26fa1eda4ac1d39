//! /api/v1/plans

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::catalog::{Plan, PlanPrice};
use billing_core::ids::{PlanId, ProductId};
use billing_core::money::MinorAmount;
use billing_core::rating::Pricing;
use billing_core::service::catalog::{self, NewPlanInput, PriceInput};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};
use super::idempotency::create_once;
use super::pagination::ListResponse;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IntervalBody {
    pub unit: String,
    pub count: u32,
}

/// A price in the API: `amount` (minor units, per unit) for a simple price, or a full `pricing`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBody {
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub amount: Option<MinorAmount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<super::schemas::PricingBody>)]
    pub pricing: Option<Pricing>,
    /// One-time fee in minor units, invoiced when a subscription starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub setup_fee: Option<MinorAmount>,
    /// The customer segment's price list this price belongs to (absent: the default list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// `exclusive` (default: VAT is added on top) or `inclusive` (the amount is what the customer
    /// pays; the VAT that applies to them is carved out of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_behavior: Option<String>,
}

/// The price as the request gave it, with its segment and tax behaviour applied.
fn price_input(price: PriceInput, segment: Option<&String>, tax_behavior: Option<&String>) -> PriceInput {
    let price = match segment {
        Some(segment) => PriceInput::ForSegment(segment.clone(), Box::new(price)),
        None => price,
    };
    match tax_behavior {
        Some(b) => PriceInput::WithTaxBehavior(b.clone(), Box::new(price)),
        None => price,
    }
}

impl From<PlanPrice> for PriceBody {
    fn from(p: PlanPrice) -> Self {
        Self {
            currency: p.currency.code().to_string(),
            amount: p.headline().map(|m| MinorAmount::from_stored(m.minor())),
            setup_fee: p.setup_fee.map(|m| MinorAmount::from_stored(m.minor())),
            segment: p.segment,
            pricing: Some(p.pricing),
            tax_behavior: Some(p.tax_behavior.as_str().to_string()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanBody {
    #[schema(value_type = String)]
    pub id: PlanId,
    pub object: &'static str,
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub product: ProductId,
    pub interval: IntervalBody,
    pub active: bool,
    /// `advance` (a period is invoiced on its first day) or `arrears` (after its last).
    pub billing_timing: &'static str,
    pub trial_days: u32,
    pub tax_category: &'static str,
    /// Set for add-on plans.
    #[schema(value_type = Option<super::schemas::AddonRules>)]
    pub addon: Option<billing_core::catalog::AddonRules>,
    /// Set for metered plans.
    pub usage: Option<UsageBody>,
    /// The price book: one price per currency the plan is sold in.
    pub prices: Vec<PriceBody>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    pub metric: String,
    /// `sum`, `count`, `max`, `unique_count` or `last`.
    pub aggregation: String,
}

impl From<Plan> for PlanBody {
    fn from(p: Plan) -> Self {
        Self {
            id: p.id,
            object: "plan",
            code: p.code,
            name: p.name,
            product: p.product_id,
            interval: IntervalBody { unit: p.interval.unit.as_str().to_string(), count: p.interval.count },
            active: p.active,
            billing_timing: p.timing.as_str(),
            trial_days: p.trial_days,
            tax_category: billing_core::catalog::tax_category_str(p.tax_category),
            addon: p.addon,
            usage: p.metering.map(|m| UsageBody { metric: m.metric, aggregation: m.aggregation.as_str().to_string() }),
            prices: p.prices.into_iter().map(PriceBody::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    pub code: String,
    pub name: String,
    /// Product code; the plan's code when absent. Created if it does not exist.
    pub product: Option<String>,
    pub product_name: Option<String>,
    pub interval: IntervalBody,
    pub prices: Vec<PriceBody>,
    pub billing_timing: Option<String>,
    /// Makes the plan metered (billed in arrears on the period's usage of `metric`).
    pub usage: Option<UsageBody>,
    /// Days of free trial new subscriptions get by default.
    pub trial_days: Option<u32>,
    /// For VAT: `digital_service` (default), `e_book`, `physical_goods` or `exempt`.
    pub tax_category: Option<String>,
    /// Makes the plan an add-on: `{fits: ["pro-monthly", …] (empty: every plan), one_time: bool}`.
    #[schema(value_type = Option<super::schemas::AddonRules>)]
    pub addon: Option<billing_core::catalog::AddonRules>,
    /// A trial starts only for a customer with a payment method on file.
    #[serde(default)]
    pub trial_requires_payment_method: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/plans",
    tag = "catalog",
    responses((status = 200, description = "Every plan with its price book.", body = ListResponse<PlanBody>))
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/plans",
    tag = "catalog",
    request_body = CreatePlan,
    responses((status = 201, description = "The plan.", body = PlanBody), (status = 409, description = "A plan with this code exists (`resource_already_exists`).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreatePlan>,
) -> ApiResult<Response> {
    let mut prices = Vec::with_capacity(req.prices.len());
    for p in &req.prices {
        let price = match (&p.amount, &p.pricing) {
            (Some(a), None) => PriceInput::PerUnitMinor(p.currency.clone(), a.get()),
            (None, Some(pricing)) => {
                if pricing.currency().map(|c| c.code() != p.currency.to_ascii_uppercase()).unwrap_or(true) {
                    return Err(ApiError::invalid_body("the pricing's amounts must be in the price's currency"));
                }
                PriceInput::Model(pricing.clone())
            }
            _ => return Err(ApiError::invalid_body("each price needs either `amount` or `pricing`")),
        };
        prices.push(price_input(price, p.segment.as_ref(), p.tax_behavior.as_ref()));
    }
    let input = NewPlanInput {
        product_code: req.product.clone().unwrap_or_else(|| req.code.clone()),
        product_name: req.product_name.clone().unwrap_or_else(|| req.name.clone()),
        code: req.code.clone(),
        name: req.name.clone(),
        interval_unit: req.interval.unit.clone(),
        interval_count: req.interval.count,
        prices,
        billing_timing: req.billing_timing.clone(),
        usage: req.usage.as_ref().map(|u| (u.metric.clone(), u.aggregation.clone())),
        trial_days: req.trial_days,
        tax_category: req.tax_category.clone(),
        addon: req.addon.clone(),
        trial_requires_payment_method: req.trial_requires_payment_method,
        setup_fees: req
            .prices
            .iter()
            .filter(|p| p.segment.is_none())
            .filter_map(|p| p.setup_fee.map(|f| (p.currency.clone(), f.get())))
            .collect(),
    };
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let plan = catalog::create_plan(conn, tenant, &input, now).await?;
            Ok(serde_json::to_value(PlanBody::from(plan)).unwrap_or_default())
        })
    })
    .await
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePrice {
    pub currency: String,
    #[schema(value_type = Option<i64>)]
    pub amount: Option<MinorAmount>,
    #[schema(value_type = Option<super::schemas::PricingBody>)]
    pub pricing: Option<Pricing>,
    #[schema(value_type = Option<i64>)]
    pub setup_fee: Option<MinorAmount>,
    /// The customer segment's price list to change (absent: the default list).
    pub segment: Option<String>,
    /// `exclusive` (default) or `inclusive`.
    pub tax_behavior: Option<String>,
    /// Existing subscribers move to the new price at their first period boundary on or after this
    /// date; absent: they keep the price they signed up at (grandfathered).
    pub existing_subscriptions_from: Option<chrono::NaiveDate>,
}

#[utoipa::path(
    post,
    path = "/api/v1/plans/{id}/prices",
    tag = "catalog",
    params(("id" = String, Path, description = "The plan (`plan_…`) or its code.")),
    request_body = ChangePrice,
    responses((status = 200, description = "The plan with its new price.", body = PriceChanged))
)]
pub async fn change_price(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(req): ApiJson<ChangePrice>,
) -> ApiResult<Response> {
    let price = match (&req.amount, &req.pricing) {
        (Some(a), None) => PriceInput::PerUnitMinor(req.currency.clone(), a.get()),
        (None, Some(p)) => PriceInput::Model(p.clone()),
        _ => return Err(ApiError::invalid_body("give either `amount` or `pricing`")),
    };
    let price = price_input(price, req.segment.as_ref(), req.tax_behavior.as_ref());
    let (setup_fee, from) = (req.setup_fee.map(MinorAmount::get), req.existing_subscriptions_from);
    let now = state.clock.now();
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            let change = catalog::change_price(conn, tenant, &id, &price, setup_fee, from, now).await?;
            Ok(serde_json::json!({
                "plan": PlanBody::from(change.plan),
                "scheduled_subscriptions": change.scheduled,
                "skipped_subscriptions": change.skipped,
            }))
        })
    })
    .await
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, change_price))]
pub struct Doc;

/// The answer of `POST /plans/{id}/prices`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PriceChanged {
    pub plan: PlanBody,
    /// Existing subscriptions moved to the new price at their next period boundary.
    pub scheduled_subscriptions: u64,
    /// Those left out because they have a pending change of their own.
    pub skipped_subscriptions: u64,
}
