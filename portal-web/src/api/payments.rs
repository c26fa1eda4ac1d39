//! Payment methods, collecting and refunding invoices: /customers/{id}/payment_methods,
//! /invoices/{id}/pay, /invoices/{id}/payment_attempts and /invoices/{id}/refunds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use billing_core::ids::{CustomerId, GatewayAccountId, InvoiceId};
use billing_core::ports::{MethodDetails, PaymentMethodKind};
use billing_core::service::method_setups::{self, MethodSetup};
use billing_core::service::payments::{self, AddedMethod, Attempt, Collection, PaymentMethod};
use billing_core::service::refunds::{self, RefundResult};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};

use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMethod {
    /// A test card number (sandbox, Stripe test mode; see docs/api.md).
    #[serde(default)]
    pub card_number: Option<String>,
    /// A payment-method id from the provider's browser SDK (Stripe `pm_…`, e.g. `pm_card_visa`).
    #[serde(default)]
    pub token: Option<String>,
    /// An IBAN for a SEPA Direct Debit mandate (providers that debit SEPA: Mollie).
    #[serde(default)]
    pub iban: Option<String>,
    /// The account to store it at; the tenant's default account when absent.
    #[serde(default)]
    pub gateway_account: Option<GatewayAccountId>,
}

/// 201 with the stored method, or 202 with a pending setup whose `next_action` the customer's
/// browser must finish (3-D Secure, the provider's checkout).
pub async fn add_method(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddMethod>,
) -> ApiResult<axum::response::Response> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let details = match (req.card_number, req.token, req.iban) {
        (Some(number), None, None) => {
            MethodDetails::TestCard { number: number.chars().filter(|c| !c.is_whitespace()).collect() }
        }
        (None, Some(token), None) => MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token },
        (None, None, Some(iban)) => MethodDetails::ProviderToken {
            kind: PaymentMethodKind::SepaDebit,
            token: gateway_adapters::bank::epc_qr::validate_iban(&iban).map_err(super::bank_transfer::bank_error)?,
        },
        _ => {
            return Err(
                billing_core::Error::invalid("card_number", "give exactly one of card_number, token and iban").into()
            );
        }
    };
    let m = payments::add_method(
        &state.pool,
        tenant,
        customer,
        state.gateways.as_ref(),
        req.gateway_account,
        details,
        state.clock.now(),
    )
    .await?;
    Ok(match m {
        AddedMethod::Ready(m) => (StatusCode::CREATED, axum::Json(m)).into_response(),
        AddedMethod::RequiresAction(setup) => (StatusCode::ACCEPTED, axum::Json(setup)).into_response(),
    })
}

pub async fn list_methods(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<PaymentMethod>>> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(payments::list_methods(&mut conn, tenant, customer).await?))
}

fn setup_ids(customer: &str, setup: &str) -> Result<(CustomerId, uuid::Uuid), ApiError> {
    let customer: CustomerId = customer.parse().map_err(billing_core::Error::from)?;
    let setup = uuid::Uuid::parse_str(setup).map_err(|_| {
        billing_core::Error::not_found("payment method setup", setup.chars().take(40).collect::<String>())
    })?;
    Ok((customer, setup))
}

pub async fn get_setup(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((customer, setup)): Path<(String, String)>,
) -> ApiResult<axum::Json<MethodSetup>> {
    let (customer, setup) = setup_ids(&customer, &setup)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(method_setups::get(&mut conn, tenant, customer, setup).await?))
}

/// Called when the customer is back from authenticating: 200 with the setup and its stored method,
/// 409 while the customer has not finished, 402 when authentication failed.
pub async fn complete_setup(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((customer, setup)): Path<(String, String)>,
) -> ApiResult<axum::Json<MethodSetup>> {
    let (customer, setup) = setup_ids(&customer, &setup)?;
    let done =
        method_setups::complete(&state.pool, tenant, customer, setup, state.gateways.as_ref(), state.clock.now())
            .await?;
    Ok(axum::Json(done))
}

pub async fn pay(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Collection>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    Ok(axum::Json(payments::collect(&state.pool, tenant, invoice, state.gateways.as_ref(), state.clock.now()).await?))
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
    pub amount: Option<billing_core::money::MinorAmount>,
}

/// 201 when every part was refunded; 202 while a part waits for the provider's answer (its call
/// got none: the collection job asks again with the same key); `422 refund_failed` when the
/// provider refused it all.
pub async fn refund(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    super::input::RawBody(body): super::input::RawBody,
) -> Result<(StatusCode, axum::Json<RefundResult>), ApiError> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    // An empty body means a full refund; any other goes through the edge's JSON rules.
    let req: CreateRefund = if body.iter().all(u8::is_ascii_whitespace) {
        CreateRefund::default()
    } else {
        super::input::parse_json(&body)?
    };
    let key = super::idempotency::current_key();
    let r = refunds::refund(
        &state.pool,
        tenant,
        invoice,
        req.amount.map(billing_core::money::MinorAmount::get),
        key.as_deref(),
        state.gateways.as_ref(),
        state.clock.now(),
    )
    .await?;
    let status = if r.pending() { StatusCode::ACCEPTED } else { StatusCode::CREATED };
    Ok((status, axum::Json(r)))
}
