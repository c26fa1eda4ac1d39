//! Payment methods and collecting invoices: /customers/{id}/payment_methods,
//! /invoices/{id}/pay and /invoices/{id}/payment_attempts.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use billing_core::ids::{CustomerId, InvoiceId};
use billing_core::ports::MethodDetails;
use billing_core::service::payments::{self, Attempt, Collection, PaymentMethod};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::app::AppState;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddMethod {
    /// A sandbox test card number (4242424242424242 succeeds; see docs/api.md for the others).
    pub card_number: String,
}

pub async fn add_method(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddMethod>,
) -> ApiResult<(StatusCode, axum::Json<PaymentMethod>)> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let details = MethodDetails::TestCard { number: req.card_number.chars().filter(|c| !c.is_whitespace()).collect() };
    let m =
        payments::add_method(&mut conn, tenant, customer, state.gateway.as_ref(), details, state.clock.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(m)))
}

fn classify(code: &str, advice: Option<&str>) -> &'static str {
    match gateway_adapters::decline::classify(code, advice) {
        gateway_adapters::decline::DeclineClass::Hard => "hard",
        gateway_adapters::decline::DeclineClass::Soft => "soft",
    }
}

pub async fn pay(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Collection>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(
        payments::collect(&mut conn, tenant, invoice, state.gateway.as_ref(), &classify, state.clock.now()).await?,
    ))
}

pub async fn attempts(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<Attempt>>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    billing_core::service::invoices::get(&mut conn, tenant, invoice).await?;
    Ok(axum::Json(payments::attempts(&mut conn, tenant, invoice).await?))
}
