//! /api/v1/subscriptions

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::ids::{CustomerId, PlanId, SubscriptionId};
use billing_core::period::period_start;
use billing_core::service::subscriptions::{self, NewSubscriptionInput};
use billing_core::store::subscriptions::Subscription;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::AmountBody;
use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::idempotency::create_once;
use super::pagination::{ListQuery, ListResponse};
use super::plans::IntervalBody;
use crate::app::AppState;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    /// The customer id (`cus_…`).
    pub customer: String,
    /// The plan id (`plan_…`) or its code.
    pub plan: String,
    pub quantity: Option<i64>,
    /// First day of service (YYYY-MM-DD, merchant's time zone); also the billing anchor. Today when absent.
    pub start_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct SubscriptionBody {
    pub id: SubscriptionId,
    pub object: &'static str,
    pub customer: CustomerId,
    pub plan: PlanId,
    pub status: &'static str,
    pub unit_price: AmountBody,
    pub quantity: u32,
    pub interval: IntervalBody,
    pub start_date: NaiveDate,
    pub billing_anchor: NaiveDate,
    /// The first period not yet invoiced: first and last day (inclusive).
    pub next_period_start: NaiveDate,
    pub next_period_end: Option<NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Subscription> for SubscriptionBody {
    fn from(s: Subscription) -> Self {
        let next_end =
            period_start(s.anchor_date, s.interval, s.next_period_index + 1).ok().map(|d| d - Duration::days(1));
        Self {
            id: s.id,
            object: "subscription",
            customer: s.customer_id,
            plan: s.plan_id,
            status: s.status.as_str(),
            unit_price: s.unit_price.into(),
            quantity: s.quantity,
            interval: IntervalBody { unit: s.interval.unit.as_str(), count: s.interval.count },
            start_date: s.start_date,
            billing_anchor: s.anchor_date,
            next_period_start: s.next_billing_date,
            next_period_end: next_end,
            created_at: s.created_at,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateSubscription>,
) -> ApiResult<Response> {
    let input = NewSubscriptionInput {
        customer: req.customer.clone(),
        plan: req.plan.clone(),
        quantity: req.quantity,
        start_date: req.start_date,
    };
    let now = state.clock.now();
    create_once(&state, tenant, &headers, &req, move |conn| {
        Box::pin(async move {
            let s = subscriptions::create(conn, tenant, &input, now).await?;
            Ok(serde_json::to_value(SubscriptionBody::from(s)).unwrap_or_default())
        })
    })
    .await
}

pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SubscriptionBody>> {
    let id: SubscriptionId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(subscriptions::get(&mut conn, tenant, id).await?.into()))
}

pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ListResponse<SubscriptionBody>>> {
    let page = q.page::<SubscriptionId>(|id| id.as_uuid())?;
    let customer =
        q.customer.as_deref().map(str::parse::<CustomerId>).transpose().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let found = subscriptions::list(&mut conn, tenant, customer, page).await?;
    Ok(axum::Json(ListResponse::from_page(found, |s| s.id.to_string(), SubscriptionBody::from)))
}
