//! Payment methods, collecting and refunding invoices: /customers/{id}/payment_methods,
//! /invoices/{id}/pay, /invoices/{id}/payment_attempts and /invoices/{id}/refunds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use billing_core::ids::{CustomerId, GatewayAccountId, InvoiceId};
use billing_core::ports::{MethodDetails, PaymentMethodKind};
use billing_core::service::method_setups::{self, MethodSetup, SetupNextAction};
use billing_core::service::payments::{self, AddedMethod, Attempt, Collection, NextAction, PaymentMethod};
use billing_core::service::refunds::{self, Refund, RefundResult};
use billing_core::service::settlement::Settlement;
use billing_core::store::retry_decisions::Decision;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AmountBody;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};

use crate::state::AppState;

/// A stored payment method. Card numbers never leave the provider: `last4`, `brand` and the
/// expiry are what there is to show.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "0190d5c6-8e3a-7c1e-b1c4-2f0e6a1d3b5f", "gateway": "sandbox", "gateway_account": "gwa_2AbCdEfGhJkLmNpQrStUvW", "kind": "card", "last4": "4242", "is_default": true, "brand": "visa", "exp_month": 12, "exp_year": 2030}))]
pub struct PaymentMethodBody {
    pub id: Uuid,
    /// The provider (`sandbox`, `stripe`, `mollie`, ...).
    pub gateway: String,
    /// The gateway account it is stored at (`gwa_…`).
    pub gateway_account: String,
    /// `card` or `sepa_debit`.
    pub kind: String,
    pub last4: Option<String>,
    /// The method collections use.
    pub is_default: bool,
    /// The card network (`visa`, `mastercard`, ...), when known.
    pub brand: Option<String>,
    /// The card's expiry month (1-12), when known.
    pub exp_month: Option<i16>,
    /// The card's expiry year, when known.
    pub exp_year: Option<i16>,
}

impl From<PaymentMethod> for PaymentMethodBody {
    fn from(m: PaymentMethod) -> Self {
        Self {
            id: m.id,
            gateway: m.gateway,
            gateway_account: m.gateway_account.to_string(),
            kind: m.kind,
            last4: m.last4,
            is_default: m.is_default,
            brand: m.brand,
            exp_month: m.exp_month,
            exp_year: m.exp_year,
        }
    }
}

/// What the customer's browser must do to finish a setup.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SetupNextActionBody {
    /// Always `authenticate`: pass 3-D Secure or the provider's checkout.
    #[schema(example = "authenticate")]
    pub kind: &'static str,
    /// For the provider's browser SDK (Stripe.js `confirmCardSetup`). Valid for this setup only.
    pub client_secret: String,
    /// Where to send the customer instead, for providers that authenticate on their own page.
    pub redirect_url: Option<String>,
}

impl From<SetupNextAction> for SetupNextActionBody {
    fn from(a: SetupNextAction) -> Self {
        Self { kind: a.kind, client_secret: a.client_secret, redirect_url: a.redirect_url }
    }
}

/// A payment-method setup that waits for the customer (3-D Secure, the provider's checkout), or
/// its outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MethodSetupBody {
    pub id: Uuid,
    /// Always `payment_method_setup`.
    #[schema(example = "payment_method_setup")]
    pub object: &'static str,
    /// `requires_action`, `succeeded` or `failed`.
    #[schema(example = "requires_action")]
    pub status: String,
    /// The customer (`cus_…`).
    pub customer: String,
    pub gateway: String,
    /// The gateway account (`gwa_…`).
    pub gateway_account: String,
    /// `card` or `sepa_debit`.
    pub kind: String,
    pub last4: Option<String>,
    /// The provider's id of the setup (Stripe `seti_…`, Mollie `tr_…`), for support staff.
    pub provider_setup_id: String,
    /// Present while the customer has to act.
    pub next_action: Option<SetupNextActionBody>,
    /// The stored method, once the setup succeeded.
    pub payment_method: Option<PaymentMethodBody>,
    /// Why it failed, in the decline vocabulary.
    pub decline_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<MethodSetup> for MethodSetupBody {
    fn from(s: MethodSetup) -> Self {
        Self {
            id: s.id,
            object: s.object,
            status: s.status,
            customer: s.customer.to_string(),
            gateway: s.gateway,
            gateway_account: s.gateway_account.to_string(),
            kind: s.kind,
            last4: s.last4,
            provider_setup_id: s.provider_setup_id,
            next_action: s.next_action.map(Into::into),
            payment_method: s.payment_method.map(Into::into),
            decline_code: s.decline_code,
            created_at: s.created_at,
        }
    }
}

/// A retry decision taken after a failed attempt (docs/adr/0032).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetryDecisionBody {
    /// The failed attempt the decision is about.
    pub attempt: Option<Uuid>,
    /// The attempt a retry made.
    pub retry_attempt: Option<Uuid>,
    /// The dunning step, when dunning decided.
    pub step: Option<i32>,
    /// `retried`, `skipped_cap`, `skipped_hard_decline` or `deferred`.
    #[schema(example = "deferred")]
    pub decision: String,
    pub reason: String,
    /// The earliest time of the next try, when one is planned.
    pub retry_after: Option<DateTime<Utc>>,
    /// Attempts on the method within the network's retry window, when counted.
    pub attempts_in_window: Option<i32>,
    pub decided_at: DateTime<Utc>,
}

impl From<Decision> for RetryDecisionBody {
    fn from(d: Decision) -> Self {
        Self {
            attempt: d.attempt,
            retry_attempt: d.retry_attempt,
            step: d.step,
            decision: d.decision,
            reason: d.reason,
            retry_after: d.retry_after,
            attempts_in_window: d.attempts_in_window,
            decided_at: d.decided_at,
        }
    }
}

/// One charge of an invoice at a provider, with the retry decisions taken after it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "0190d5c6-8e3a-7c1e-b1c4-2f0e6a1d3b5f", "status": "succeeded", "amount": 2900, "currency": "EUR", "gateway": "sandbox", "gateway_account": "gwa_2AbCdEfGhJkLmNpQrStUvW", "provider_payment_id": "sbx_pi_1", "decline_code": null, "decline_class": null, "gateway_error": null, "routing_reason": "no routing rules: default payment method on Sandbox", "latency_ms": 12, "created_at": "2026-03-01T12:00:00Z", "network_advice_code": null, "retry_after": null, "decisions": []}))]
pub struct AttemptBody {
    pub id: Uuid,
    /// `succeeded`, `failed`, `requires_action`, `pending` or `error` (no answer from the provider).
    pub status: String,
    /// Integer minor units of `currency`.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// The provider.
    pub gateway: String,
    /// The gateway account (`gwa_…`), when one was chosen.
    pub gateway_account: Option<String>,
    pub provider_payment_id: Option<String>,
    /// The provider's decline code, normalized (`insufficient_funds`, ...).
    pub decline_code: Option<String>,
    /// `soft` or `hard`: whether a retry can succeed.
    pub decline_class: Option<String>,
    /// Why there was no usable answer (`timeout`, `transport`, `misconfigured`, `rejected`).
    pub gateway_error: Option<String>,
    /// Why this account took the payment, in words for the ledger (the routing rule, a failover, ...).
    pub routing_reason: String,
    pub latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// The card network's advice on a decline (a Mastercard MAC such as `02`).
    pub network_advice_code: Option<String>,
    /// The earliest time an automatic retry of the same method is allowed (MAC 02: 72 h later).
    pub retry_after: Option<DateTime<Utc>>,
    /// The retry decisions taken after this attempt.
    pub decisions: Vec<RetryDecisionBody>,
}

impl From<Attempt> for AttemptBody {
    fn from(a: Attempt) -> Self {
        Self {
            id: a.id,
            status: a.status,
            amount: a.amount,
            currency: a.currency,
            gateway: a.gateway,
            gateway_account: a.gateway_account.map(|id| billing_core::ids::GatewayAccountId(id).to_string()),
            provider_payment_id: a.provider_payment_id,
            decline_code: a.decline_code,
            decline_class: a.decline_class,
            gateway_error: a.gateway_error,
            routing_reason: a.routing_reason,
            latency_ms: a.latency_ms,
            created_at: a.created_at,
            network_advice_code: a.network_advice_code,
            retry_after: a.retry_after,
            decisions: a.decisions.into_iter().map(Into::into).collect(),
        }
    }
}

/// What the customer's browser needs to finish a 3-D Secure challenge of a payment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentNextActionBody {
    /// What to do (`three_d_secure`).
    #[schema(example = "three_d_secure")]
    pub kind: &'static str,
    /// The gateway account (`gwa_…`) whose SDK runs the challenge.
    pub gateway_account: String,
    pub provider_payment_id: String,
    /// For the provider's browser SDK; valid for this payment only.
    pub client_secret: String,
}

impl From<NextAction> for PaymentNextActionBody {
    fn from(a: NextAction) -> Self {
        Self {
            kind: a.kind,
            gateway_account: a.gateway_account.to_string(),
            provider_payment_id: a.provider_payment_id,
            client_secret: a.client_secret,
        }
    }
}

/// What collecting an invoice did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CollectionBody {
    /// The last attempt of this collection.
    pub attempt: AttemptBody,
    /// Every attempt this collection made, in order (more than one after a failover or cascade).
    pub attempts: Vec<AttemptBody>,
    /// The invoice's status afterwards (`paid`, `open`, ...).
    #[schema(example = "paid")]
    pub invoice_status: &'static str,
    pub amount_paid: AmountBody,
    pub amount_due: AmountBody,
    /// Present when the customer must authenticate the payment (3-D Secure).
    pub next_action: Option<PaymentNextActionBody>,
}

impl From<Collection> for CollectionBody {
    fn from(c: Collection) -> Self {
        Self {
            attempt: c.attempt.into(),
            attempts: c.attempts.into_iter().map(Into::into).collect(),
            invoice_status: c.invoice_status,
            amount_paid: c.amount_paid.into(),
            amount_due: c.amount_due.into(),
            next_action: c.next_action.map(Into::into),
        }
    }
}

/// The invoice after money came in or went back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettlementBody {
    /// The invoice (`in_…`).
    pub invoice_id: String,
    /// `draft`, `open`, `paid`, `void` or `uncollectible`.
    #[schema(example = "paid")]
    pub status: &'static str,
    pub amount_paid: AmountBody,
    pub amount_due: AmountBody,
    pub amount_refunded: AmountBody,
    /// What this receipt added to the customer's credit balance.
    pub to_balance: AmountBody,
    /// True when this (source, reference) had been recorded before and nothing changed.
    pub replayed: bool,
}

impl From<Settlement> for SettlementBody {
    fn from(s: Settlement) -> Self {
        Self {
            invoice_id: s.invoice_id.to_string(),
            status: s.status.as_str(),
            amount_paid: s.amount_paid.into(),
            amount_due: s.amount_due.into(),
            amount_refunded: s.amount_refunded.into(),
            to_balance: s.to_balance.into(),
            replayed: s.replayed,
        }
    }
}

/// One refund at a provider.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefundBody {
    pub id: Uuid,
    pub amount: AmountBody,
    /// `pending` (the provider has not answered yet; the collection job asks again), `succeeded`
    /// or `failed`.
    #[schema(example = "succeeded")]
    pub status: String,
    pub provider_refund_id: Option<String>,
    pub failure_reason: Option<String>,
}

impl From<Refund> for RefundBody {
    fn from(r: Refund) -> Self {
        Self {
            id: r.id,
            amount: r.amount.into(),
            status: r.status,
            provider_refund_id: r.provider_refund_id,
            failure_reason: r.failure_reason,
        }
    }
}

/// The refunds a request made and the invoice afterwards.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefundResultBody {
    pub refunds: Vec<RefundBody>,
    pub invoice: SettlementBody,
}

impl From<RefundResult> for RefundResultBody {
    fn from(r: RefundResult) -> Self {
        Self { refunds: r.refunds.into_iter().map(Into::into).collect(), invoice: r.invoice.into() }
    }
}

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
    /// `true`: the customer's invoices in dunning are collected with the new method at once (as
    /// the portal does when a customer adds a card or a mandate), each on its own; a failure
    /// leaves the invoice in dunning. Default `false`: the policy's next retry step charges it.
    #[serde(default)]
    pub collect_in_dunning: bool,
}

/// 201 with the stored method, or 202 with a pending setup whose `next_action` the customer's
/// browser must finish (3-D Secure, the provider's checkout).
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/payment_methods",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = AddMethod,
    responses((status = 201, description = "The stored payment method.", body = PaymentMethodBody), (status = 202, description = "A pending setup whose `next_action` the customer must finish (3-D Secure, the provider's checkout).", body = MethodSetupBody), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 422, description = "No payment method, no gateway route.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
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
            token: gateway_adapters::bank::epc_qr::validate_iban(&iban).map_err(super::error::bank_error)?,
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
            if req.collect_in_dunning {
                let now = state.clock.now();
                payments::collect_in_dunning(&state.pool, tenant, customer, state.gateways.as_ref(), now).await?;
            }
            (StatusCode::CREATED, axum::Json(PaymentMethodBody::from(m))).into_response()
        }
        AddedMethod::RequiresAction(setup) => {
            (StatusCode::ACCEPTED, axum::Json(MethodSetupBody::from(*setup))).into_response()
        }
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/payment_methods",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The customer's payment methods.", body = Vec<PaymentMethodBody>))
)]
pub async fn list_methods(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<PaymentMethodBody>>> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let methods = payments::list_methods(&mut conn, tenant, customer).await?;
    Ok(axum::Json(methods.into_iter().map(Into::into).collect()))
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
    responses((status = 200, description = "The setup.", body = MethodSetupBody))
)]
pub async fn get_setup(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((customer, setup)): Path<(String, String)>,
) -> ApiResult<axum::Json<MethodSetupBody>> {
    let (customer, setup) = setup_ids(&customer, &setup)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(method_setups::get(&mut conn, tenant, customer, setup).await?.into()))
}

/// Called when the customer is back from authenticating: 200 with the setup and its stored method,
/// 409 while the customer has not finished, 402 when authentication failed.
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/payment_method_setups/{setup}/complete",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`)."), ("setup" = String, Path, description = "The setup (a UUID).")),
    responses((status = 200, description = "The setup and its stored method.", body = MethodSetupBody), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 422, description = "No payment method, no gateway route.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn complete_setup(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((customer, setup)): Path<(String, String)>,
) -> ApiResult<axum::Json<MethodSetupBody>> {
    let (customer, setup) = setup_ids(&customer, &setup)?;
    let done =
        method_setups::complete(&state.pool, tenant, customer, setup, state.gateways.as_ref(), state.clock.now())
            .await?;
    Ok(axum::Json(done.into()))
}

#[utoipa::path(
    post,
    path = "/api/v1/invoices/{id}/pay",
    tag = "payments",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "The collection's outcome.", body = CollectionBody), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 422, description = "No payment method, no gateway route.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn pay(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CollectionBody>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let collection =
        payments::collect(&state.pool, tenant, invoice, state.gateways.as_ref(), state.clock.now()).await?;
    Ok(axum::Json(collection.into()))
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}/payment_attempts",
    tag = "payments",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`).")),
    responses((status = 200, description = "Every payment attempt on the invoice.", body = Vec<AttemptBody>))
)]
pub async fn attempts(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<AttemptBody>>> {
    let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    billing_core::service::invoices::get(&mut conn, tenant, invoice).await?;
    let attempts = payments::attempts(&mut conn, tenant, invoice).await?;
    Ok(axum::Json(attempts.into_iter().map(Into::into).collect()))
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
    responses((status = 201, description = "Every part was refunded.", body = RefundResultBody), (status = 202, description = "A part waits for the provider's answer.", body = RefundResultBody), (status = 422, description = "More than refundable (`refund_too_large`), or refused by the provider (`refund_failed`).", body = super::openapi::ErrorBody), (status = 402, description = "Declined (`card_declined`) or not authenticated (`authentication_failed`).", body = super::openapi::ErrorBody), (status = 409, description = "Not payable in its state, or a payment is under way.", body = super::openapi::ErrorBody), (status = 502, description = "The payment provider did not answer (`gateway_unavailable`).", body = super::openapi::ErrorBody))
)]
pub async fn refund(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    super::input::RawBody(body): super::input::RawBody,
) -> Result<(StatusCode, axum::Json<RefundResultBody>), ApiError> {
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
    Ok((status, axum::Json(r.into())))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(add_method, list_methods, get_setup, complete_setup, pay, attempts, refund))]
pub struct Doc;
