//! /api/v1/customers

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::customer::{Customer, NewCustomerInput};
use billing_core::ids::CustomerId;
use billing_core::service::customers;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::idempotency::create_once;
use super::pagination::{ListQuery, ListResponse};
use crate::app::AppState;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    pub email: String,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// ISO 4217; the currency the customer is billed in.
    pub currency: String,
    /// en, de, fr or zh-CN; the merchant's default when absent.
    pub locale: Option<String>,
    /// `consumer` (default) or `business` (implied by a VAT ID).
    pub kind: Option<String>,
    /// EU, GB, CH or NO VAT ID; format and check digits are verified at once.
    pub vat_id: Option<String>,
    /// The price list the customer buys from (e.g. `schools`).
    pub segment: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CustomerBody {
    pub id: CustomerId,
    pub object: &'static str,
    pub email: String,
    pub name: String,
    pub country: &'static str,
    pub currency: &'static str,
    pub locale: String,
    pub kind: billing_core::tax::CustomerKind,
    pub vat_id: Option<String>,
    /// The VAT ID's validation result and its evidence.
    pub vat_id_status: Option<billing_core::tax::VatIdStatus>,
    pub segment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Customer> for CustomerBody {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            object: "customer",
            email: c.email.to_string(),
            name: c.name,
            country: c.country.code(),
            currency: c.currency.code(),
            locale: c.locale,
            kind: c.kind,
            vat_id: c.vat_id.map(|v| v.to_string()),
            vat_id_status: c.vat_id_status,
            segment: c.segment,
            created_at: c.created_at,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateCustomer>,
) -> ApiResult<Response> {
    let input = NewCustomerInput {
        email: req.email.clone(),
        name: req.name.clone(),
        country: req.country.clone(),
        currency: req.currency.clone(),
        locale: req.locale.clone(),
        kind: req.kind.clone(),
        vat_id: req.vat_id.clone(),
        segment: req.segment.clone(),
    };
    let now = state.clock.now();
    create_once(&state, tenant, &headers, &req, move |conn| {
        Box::pin(async move {
            let c = customers::create(conn, tenant, &input, now).await?;
            Ok(serde_json::to_value(CustomerBody::from(c)).unwrap_or_default())
        })
    })
    .await
}

pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CustomerBody>> {
    let id: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(customers::get(&mut conn, tenant, id).await?.into()))
}

pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ListResponse<CustomerBody>>> {
    let page = q.page::<CustomerId>(|id| id.as_uuid())?;
    let mut conn = state.pool.acquire().await?;
    let found = customers::list(&mut conn, tenant, page).await?;
    Ok(axum::Json(ListResponse::from_page(found, |c| c.id.to_string(), CustomerBody::from)))
}
