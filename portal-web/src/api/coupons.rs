//! /api/v1/coupons

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::coupon::{Coupon, CouponDuration, CouponValue};
use billing_core::currency::Currency;
use billing_core::money::Money;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::AmountBody;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};
use super::idempotency::create_once;
use super::pagination::ListResponse;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountIn {
    #[schema(value_type = i64)]
    pub amount: billing_core::money::MinorAmount,
    pub currency: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCoupon {
    /// What customers type (promotion code).
    pub code: String,
    /// Percent off, as a decimal string ("25" or "12.5").
    #[schema(value_type = Option<String>)]
    pub percent_off: Option<Decimal>,
    /// Amount off, one per currency, in minor units.
    pub amount_off: Option<Vec<AmountIn>>,
    /// `once`, `repeating` (with `duration_periods`) or `forever`.
    pub duration: String,
    pub duration_periods: Option<u32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_redemptions: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CouponBody {
    pub object: &'static str,
    pub code: String,
    #[schema(value_type = Option<String>)]
    pub percent_off: Option<Decimal>,
    pub amount_off: Vec<AmountBody>,
    #[schema(value_type = super::schemas::CouponDuration)]
    pub duration: CouponDuration,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_redemptions: Option<u32>,
    pub times_redeemed: u32,
}

impl From<Coupon> for CouponBody {
    fn from(c: Coupon) -> Self {
        let (percent_off, amount_off) = match c.value {
            CouponValue::Percent(p) => (Some(p), vec![]),
            CouponValue::Fixed(m) => (None, m.into_iter().map(AmountBody::from).collect()),
        };
        Self {
            object: "coupon",
            code: c.code,
            percent_off,
            amount_off,
            duration: c.duration,
            expires_at: c.expires_at,
            max_redemptions: c.max_redemptions,
            times_redeemed: c.times_redeemed,
        }
    }
}

fn to_coupon(req: &CreateCoupon) -> ApiResult<Coupon> {
    let value = match (&req.percent_off, &req.amount_off) {
        (Some(p), None) => CouponValue::Percent(*p),
        (None, Some(amounts)) => {
            let mut out = Vec::new();
            for a in amounts {
                let currency = Currency::from_code(&a.currency).map_err(billing_core::Error::from)?;
                out.push(Money::from_minor(a.amount.get(), currency));
            }
            CouponValue::Fixed(out)
        }
        _ => return Err(ApiError::invalid_body("give either `percent_off` or `amount_off`")),
    };
    let duration = match (req.duration.as_str(), req.duration_periods) {
        ("once", None) => CouponDuration::Once,
        ("forever", None) => CouponDuration::Forever,
        ("repeating", Some(periods)) => CouponDuration::Repeating { periods },
        _ => return Err(ApiError::invalid_body("`duration` is once, forever, or repeating with `duration_periods`")),
    };
    Ok(Coupon {
        code: req.code.clone(),
        value,
        duration,
        expires_at: req.expires_at,
        max_redemptions: req.max_redemptions,
        times_redeemed: 0,
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/coupons",
    tag = "catalog",
    request_body = CreateCoupon,
    responses((status = 201, description = "The coupon.", body = CouponBody), (status = 409, description = "A coupon with this code exists (`resource_already_exists`).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateCoupon>,
) -> ApiResult<Response> {
    let coupon = to_coupon(&req)?;
    let now = state.clock.now();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let c = billing_core::service::coupons::create(conn, tenant, &coupon, now).await?;
            Ok(serde_json::to_value(CouponBody::from(c)).unwrap_or_default())
        })
    })
    .await
}

#[utoipa::path(
    get,
    path = "/api/v1/coupons",
    tag = "catalog",
    responses((status = 200, description = "Every coupon.", body = ListResponse<CouponBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<ListResponse<CouponBody>>> {
    let mut conn = state.pool.acquire().await?;
    let coupons = billing_core::service::coupons::list(&mut conn, tenant).await?;
    Ok(axum::Json(ListResponse {
        object: "list",
        has_more: false,
        next_cursor: None,
        data: coupons.into_iter().map(CouponBody::from).collect(),
    }))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list))]
pub struct Doc;
