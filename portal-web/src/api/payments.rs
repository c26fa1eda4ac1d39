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

#[derive(Deserialize, utoipa::ToSchema)]
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
    #[schema(value_type = Option<String>)]
    pub gateway_account: Option<GatewayAccountId>,
    /// The card's expiry as printed (`MM/YY` or `MM/YYYY`), with `card_number`: the pre-dunning
    /// job tells the customer before it expires.
    #[serde(default)]
    pub expiry: Option<String>,
}

/// 201 with the stored method, or 202 with a pending setup whose `next_action` the customer's
/// browser must finish (3-D Secure, the provider's checkout).
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/payment_methods",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = AddMethod,
    responses((status = 201, description = "The stored payment method.", body = Object), (status = 202, description = "A pending setup whose `next_action` the customer must finish (3-D Secure, the provider's checkout).", body = Object), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 422, description = "No payment method, no gateway route.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn add_method(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddMethod>,
) -> ApiResult<axum::response::Response> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let expiry = match (&req.expiry, &req.card_number) {
        (None, _) => None,
        (Some(text), Some(_)) => Some(
            billing_core::card::Expiry::parse(text)
                .ok_or_else(|| billing_core::Error::invalid("expiry", "give the card's expiry as MM/YY or MM/YYYY"))?,
        ),
        (Some(_), None) => {
            return Err(billing_core::Error::invalid("expiry", "an expiry goes with a card_number").into());
        }
    };
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
        AddedMethod::Ready(mut m) => {
            if let Some(e) = expiry {
                let mut conn = state.pool.acquire().await?;
                payments::set_card_expiry(&mut conn, tenant, customer, m.id, e).await?;
                (m.exp_month, m.exp_year) = (Some(i16::from(e.month)), i16::try_from(e.year).ok());
            }
            (StatusCode::CREATED, axum::Json(m)).into_response()
        }
        AddedMethod::RequiresAction(setup) => (StatusCode::ACCEPTED, axum::Json(setup)).into_response(),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/payment_methods",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The customer's payment methods.", body = Vec<Object>))
)]
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

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/payment_method_setups/{setup}",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`)."), ("setup" = String, Path, description = "The setup (a UUID).")),
    responses((status = 200, description = "The setup.", body = Object))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/payment_method_setups/{setup}/complete",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`)."), ("setup" = String, Path, description = "The setup (a UUID).")),
    responses((status = 200, description = "The setup and its stored method.", body = Object), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 422, description = "No payment method, no gateway route.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/invoices/{id}/pay",
    tag = "payments",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "The collection's outcome.", body = Object), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 422, description = "No payment method, no gateway route.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn pay(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Collection>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    Ok(axum::Json(payments::collect(&state.pool, tenant, invoice, state.gateways.as_ref(), state.clock.now()).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}/payment_attempts",
    tag = "payments",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "Every payment attempt on the invoice.", body = Vec<Object>))
)]
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

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRefund {
    /// Minor units; everything paid when absent.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub amount: Option<billing_core::money::MinorAmount>,
}

/// 201 when every part was refunded; 202 while a part waits for the provider's answer (its call
/// got none: the collection job asks again with the same key); `422 refund_failed` when the
/// provider refused it all.
#[utoipa::path(
    post,
    path = "/api/v1/invoices/{id}/refunds",
    tag = "payments",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    request_body(content = CreateRefund, description = "Optional: an empty body refunds everything paid."),
    responses((status = 201, description = "Every part was refunded.", body = Object), (status = 202, description = "A part waits for the provider's answer.", body = Object), (status = 422, description = "More than refundable (`refund_too_large`), or refused by the provider (`refund_failed`).", body = super::openapi::ErrorBody), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
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

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(add_method, list_methods, get_setup, complete_setup, pay, attempts, refund))]
pub struct Doc;
