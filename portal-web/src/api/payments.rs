//! Payment methods, collecting and refunding invoices: /customers/{id}/payment_methods,
//! /invoices/{id}/pay, /invoices/{id}/payment_attempts and /invoices/{id}/refunds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use billing_core::ids::{CustomerId, GatewayAccountId, InvoiceId};
use billing_core::ports::{MethodDetails, PaymentMethodKind};
use billing_core::service::payments::{self, Attempt, Collection, PaymentMethod};
use billing_core::service::refunds::{self, RefundResult};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};

use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMethod {
    /// A test card number (sandbox, Stripe test mode; see docs/api.md).
    #[serde(default)]
    pub card_number: Option<String>,
    /// A payment-method id from the provider's browser SDK (Stripe `pm_…`, e.g. `pm_card_visa`).
    #[serde(default)]
    pub token: Option<String>,
    /// The account to store it at; the tenant's default account when absent.
    #[serde(default)]
    pub gateway_account: Option<GatewayAccountId>,
}

pub async fn add_method(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddMethod>,
) -> ApiResult<(StatusCode, axum::Json<PaymentMethod>)> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let details = match (req.card_number, req.token) {
        (Some(number), None) => {
            MethodDetails::TestCard { number: number.chars().filter(|c| !c.is_whitespace()).collect() }
        }
        (None, Some(token)) => MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token },
        _ => {
            return Err(billing_core::Error::invalid("card_number", "give exactly one of card_number and token").into());
        }
    };
    let mut conn = state.pool.acquire().await?;
    let m = payments::add_method(
        &mut conn,
        tenant,
        customer,
        state.gateways.as_ref(),
        req.gateway_account,
        details,
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(m)))
}

pub async fn pay(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Collection>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(payments::collect(&mut conn, tenant, invoice, state.gateways.as_ref(), state.clock.now()).await?))
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRefund {
    /// Minor units; everything paid when absent.
    #[serde(default)]
    pub amount: Option<i64>,
}

pub async fn refund(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<RefundResult>), ApiError> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    // An empty body means a full refund.
    let req: CreateRefund = if body.iter().all(u8::is_ascii_whitespace) {
        CreateRefund::default()
    } else {
        serde_json::from_slice(&body).map_err(ApiError::invalid_body)?
    };
    let mut conn = state.pool.acquire().await?;
    let r = refunds::refund(&mut conn, tenant, invoice, req.amount, state.gateways.as_ref(), state.clock.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}
