//! The Mollie adapter: [`PaymentGateway`] over Mollie's REST API v2 (JSON, `Authorization: Bearer` API key),
//! written from Mollie's public API documentation with reqwest; the base URL is configurable so that the tests
//! replay recorded responses from a local server.
//!
//! How Mollie's model maps onto the port:
//! - **Customers** are `POST /v2/customers`; our customer id goes into `metadata`.
//! - **Payment methods are mandates** (`mdt_…`). A SEPA Direct Debit mandate is created directly from the IBAN
//!   (`POST /v2/customers/{id}/mandates`, `method: directdebit`). A card mandate comes only out of a *first
//!   payment* (`sequenceType: first`) that the customer completes in Mollie's checkout (3-D Secure), so card
//!   setup answers [`SetupOutcome::RequiresAction`] with the checkout URL. Mollie accepts no raw card numbers
//!   (card data reaches it only as a Mollie Components `tkn_…` token), so test cards also go to checkout,
//!   where Mollie's test mode lets the tester choose the outcome. An existing `mdt_…` id is checked and used.
//! - **Charges** are recurring payments (`sequenceType: recurring`, `mandateId`) with our payment-attempt id as
//!   `Idempotency-Key`: Mollie replays the first answer for a repeated key, so a retry charges once. A
//!   recurring payment never asks for the customer: the mandate is the authorization. Card payments are
//!   usually final at once (`paid`/`failed`); SEPA debits are `pending` for days and end by webhook.
//! - **Declines** are `status: failed` with `details.failureReason` (cards) or `details.bankReasonCode` (SEPA
//!   return codes), mapped to the codes [`crate::decline::classify`] knows; `expired` and `canceled` are
//!   declines too. None of this is an error.
//! - **Refunds** are `POST /v2/payments/{id}/refunds`; the adapter checks the payment's `amountRemaining`
//!   first and finds a refund it already created under our key (metadata) instead of repeating it.
//! - **Webhooks are not signed.** Mollie POSTs only `id=tr_…` (form data). The delivery proves nothing, so
//!   [`PaymentGateway::verify_webhook`] fetches the payment from the API with our key and reports the state
//!   Mollie returns: that fetch IS the verification, and a forged delivery can at most make us look at a
//!   payment. The event id is derived from the payment id and the state seen (e.g. `tr_x:paid`,
//!   `tr_x:refunded:1000`), so a repeated delivery for the same state deduplicates, and a later change does not.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, MethodDetails, PaymentGateway,
    PaymentMethodKind, PaymentMethodRef, RefundOutcome, RefundRequest, SetupOutcome, WebhookError,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

/// Mollie's production endpoint; `/v2/...` is appended.
pub const DEFAULT_API_BASE: &str = "https://api.mollie.com";

/// The metadata key under which our refund id is stored on each Mollie refund.
const REFUND_KEY_METADATA: &str = "billing_refund_id";

#[derive(Clone)]
pub struct MollieConfig {
    /// Scheme and host, e.g. `https://api.mollie.com` or `http://127.0.0.1:4010`.
    pub api_base: String,
    /// `live_…` or `test_…`.
    pub api_key: String,
    /// Where Mollie sends status changes (our webhook endpoint); none in tests.
    pub webhook_url: Option<String>,
    /// Where Mollie's checkout sends the customer back after a first payment.
    pub redirect_url: String,
    /// What a first payment that only sets up a card mandate charges (Mollie needs an amount).
    pub setup_amount: Money,
    /// Per-request limit; on expiry the call reports [`GatewayError::Timeout`].
    pub request_timeout: Duration,
}

impl MollieConfig {
    pub fn new(api_key: impl Into<String>, redirect_url: impl Into<String>) -> MollieConfig {
        MollieConfig {
            api_base: DEFAULT_API_BASE.to_owned(),
            api_key: api_key.into(),
            webhook_url: None,
            redirect_url: redirect_url.into(),
            setup_amount: Money::from_minor(1, Currency::EUR),
            request_timeout: Duration::from_secs(30),
        }
    }
}

// Hand-written: the key moves money, and configs end up in logs via `{:?}`.
impl fmt::Debug for MollieConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.api_key.starts_with("live_") { "live_<redacted>" } else { "test_<redacted>" };
        f.debug_struct("MollieConfig")
            .field("api_base", &self.api_base)
            .field("api_key", &mode)
            .field("webhook_url", &self.webhook_url)
            .finish_non_exhaustive()
    }
}

pub struct MollieGateway {
    http: reqwest::Client,
    config: MollieConfig,
    /// Serializes refunds in this process so that two concurrent refunds of one payment cannot both pass the
    /// remaining-amount check; Mollie's own check is the backstop across processes.
    refund_lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for MollieGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MollieGateway").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Why a call did not give a 2xx: Mollie's error object, or a failure to get an answer.
enum Failure {
    Api { status: u16, error: ErrorView },
    Gateway(GatewayError),
}

impl Failure {
    fn into_error(self) -> GatewayError {
        match self {
            Failure::Gateway(e) => e,
            Failure::Api { status: 401 | 403, error } => GatewayError::Misconfigured(error.text()),
            Failure::Api { status: 429 | 500..=599, error } => {
                GatewayError::Transport(format!("Mollie answered {}", error.text()))
            }
            Failure::Api { status, error } => GatewayError::Rejected {
                code: format!("mollie_{status}{}", error.field.map(|f| format!("_{f}")).unwrap_or_default()),
                message: error.detail.unwrap_or_default(),
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ErrorView {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    field: Option<String>,
}

impl ErrorView {
    fn text(&self) -> String {
        format!("{}: {}", self.title.as_deref().unwrap_or("error"), self.detail.as_deref().unwrap_or(""))
    }
}

impl MollieGateway {
    pub fn new(config: MollieConfig) -> Result<MollieGateway, GatewayError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| GatewayError::Misconfigured(e.to_string()))?;
        Ok(MollieGateway { http, config, refund_lock: tokio::sync::Mutex::new(()) })
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> Result<T, Failure> {
        if self.config.api_key.trim().is_empty() {
            return Err(Failure::Gateway(GatewayError::Misconfigured("no Mollie API key".into())));
        }
        let url = format!("{}{path}", self.config.api_base.trim_end_matches('/'));
        let mut request = self.http.request(method, url).bearer_auth(&self.config.api_key);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            Failure::Gateway(if e.is_timeout() {
                GatewayError::Timeout
            } else {
                GatewayError::Transport(e.to_string())
            })
        })?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| Failure::Gateway(GatewayError::Transport(e.to_string())))?;
        if !(200..300).contains(&status) {
            let error = serde_json::from_str(&text).unwrap_or_default();
            return Err(Failure::Api { status, error });
        }
        // A 2xx we cannot read may still have moved money: retryable, since the retry replays under the same key.
        serde_json::from_str(&text)
            .map_err(|e| Failure::Gateway(GatewayError::Transport(format!("unreadable Mollie response: {e}"))))
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, GatewayError> {
        self.call(reqwest::Method::GET, path, None, None).await.map_err(Failure::into_error)
    }

    /// A payment by id, for ids that reach us from outside (stored setups, the ledger).
    async fn payment(&self, id: &str) -> Result<PaymentView, GatewayError> {
        if !is_payment_id(id) {
            return Err(GatewayError::Rejected {
                code: "not_found".into(),
                message: format!("`{}` is not a Mollie payment id", id.chars().take(40).collect::<String>()),
            });
        }
        self.get(&format!("/v2/payments/{id}")).await
    }

    async fn mandate(&self, customer: &GatewayCustomerRef, id: &str) -> Result<SetupOutcome, GatewayError> {
        let mandate: MandateView = self.get(&format!("/v2/customers/{}/mandates/{id}", customer.0)).await?;
        Ok(mandate.into_setup())
    }

    async fn sepa_mandate(&self, customer: &GatewayCustomerRef, iban: &str) -> Result<SetupOutcome, GatewayError> {
        // Mollie needs the account holder's name; the customer record has the one we gave it.
        let holder: CustomerView = self.get(&format!("/v2/customers/{}", customer.0)).await?;
        let body = json!({
            "method": "directdebit",
            "consumerName": holder.name.unwrap_or_default(),
            "consumerAccount": iban.chars().filter(|c| !c.is_whitespace()).collect::<String>(),
        });
        let path = format!("/v2/customers/{}/mandates", customer.0);
        match self.call::<MandateView>(reqwest::Method::POST, &path, Some(body), None).await {
            Ok(mandate) => Ok(mandate.into_setup()),
            // An IBAN Mollie refuses is the customer's mistake, like a card declined at setup.
            Err(Failure::Api { status: 422, error }) => {
                Ok(SetupOutcome::Failed { decline_code: "invalid_account".into(), decline_message: error.detail })
            }
            Err(f) => Err(f.into_error()),
        }
    }

    async fn first_payment(
        &self,
        customer: &GatewayCustomerRef,
        card_token: Option<&str>,
    ) -> Result<SetupOutcome, GatewayError> {
        let mut body = json!({
            "amount": amount_json(self.config.setup_amount),
            "description": "Payment method setup",
            "customerId": customer.0,
            "sequenceType": "first",
            "method": "creditcard",
            "redirectUrl": self.config.redirect_url,
        });
        if let Some(token) = card_token {
            body["cardToken"] = json!(token);
        }
        if let Some(url) = &self.config.webhook_url {
            body["webhookUrl"] = json!(url);
        }
        let payment: PaymentView =
            self.call(reqwest::Method::POST, "/v2/payments", Some(body), None).await.map_err(Failure::into_error)?;
        payment.into_setup()
    }

    /// Fetches a payment and turns its current state into the event it stands for.
    async fn event_for(&self, payment_id: &str) -> Result<GatewayEvent, WebhookError> {
        let payment: PaymentView = match self
            .call(reqwest::Method::GET, &format!("/v2/payments/{payment_id}"), None, None)
            .await
        {
            Ok(p) => p,
            // Mollie does not know it (404) or it is not ours (another account's id): a forged or misrouted call.
            Err(Failure::Api { status: 404 | 410, .. }) => {
                return Err(WebhookError::Malformed(format!("Mollie knows no payment {payment_id} for this account")));
            }
            Err(f) => return Err(WebhookError::Unavailable(f.into_error().to_string())),
        };
        let malformed = |e: GatewayError| WebhookError::Malformed(e.to_string());
        let id = payment.id.clone();
        // A chargeback outranks a refund, which outranks the status: each is a later fact about a paid payment.
        let charged_back =
            payment.amount_charged_back.as_ref().map(AmountView::money).transpose().map_err(malformed)?;
        if let Some(back) = charged_back
            && back.is_positive()
        {
            return Ok(GatewayEvent::DisputeOpened {
                provider_event_id: format!("{id}:chargeback:{}", back.minor()),
                provider_payment_id: id,
                amount: back,
                reason: "chargeback".into(),
            });
        }
        let refunded = payment.amount_refunded.as_ref().map(AmountView::money).transpose().map_err(malformed)?;
        if let Some(refunded) = refunded
            && refunded.is_positive()
        {
            return Ok(GatewayEvent::RefundSucceeded {
                provider_event_id: format!("{id}:refunded:{}", refunded.minor()),
                provider_payment_id: id,
                amount: refunded,
            });
        }
        // Our first payments only set up a card mandate: their outcome is the setup's.
        if payment.sequence_type.as_deref() == Some("first") {
            match (payment.status.as_str(), payment.mandate_id.clone()) {
                ("paid", Some(mandate)) => {
                    return Ok(GatewayEvent::SetupSucceeded {
                        provider_event_id: format!("{id}:paid"),
                        provider_setup_id: id,
                        method: PaymentMethodRef(mandate),
                    });
                }
                ("failed" | "expired" | "canceled", _) => {
                    return Ok(GatewayEvent::SetupFailed {
                        provider_event_id: format!("{id}:{}", payment.status),
                        decline_code: payment.decline().0,
                        provider_setup_id: id,
                    });
                }
                _ => {}
            }
        }
        match payment.status.as_str() {
            "paid" => Ok(GatewayEvent::PaymentSucceeded {
                attempt_reference: payment
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get("billing_payment_attempt_id"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                provider_event_id: format!("{id}:paid"),
                amount: payment.amount.money().map_err(malformed)?,
                provider_payment_id: id,
            }),
            "failed" | "expired" | "canceled" => Ok(GatewayEvent::PaymentFailed {
                provider_event_id: format!("{id}:{}", payment.status),
                decline_code: payment.decline().0,
                provider_payment_id: id,
            }),
            other => {
                Ok(GatewayEvent::Other { provider_event_id: format!("{id}:{other}"), kind: format!("payment.{other}") })
            }
        }
    }
}

/// The payment id of a Mollie delivery: the form field `id` of `id=tr_…`.
/// Mollie payment ids are `tr_` and letters, digits and underscores; anything else cannot be one
/// and must not reach a URL path.
fn is_payment_id(id: &str) -> bool {
    id.starts_with("tr_") && id.len() > 3 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn webhook_payment_id(body: &[u8]) -> Result<String, WebhookError> {
    let text = std::str::from_utf8(body).map_err(|_| WebhookError::Malformed("body is not UTF-8".into()))?;
    let id = text
        .trim()
        .split('&')
        .find_map(|pair| pair.strip_prefix("id="))
        .ok_or_else(|| WebhookError::Malformed("no `id` field".into()))?;
    if is_payment_id(id) {
        Ok(id.to_owned())
    } else {
        Err(WebhookError::Malformed(format!(
            "`{}` is not a Mollie payment id",
            id.chars().take(40).collect::<String>()
        )))
    }
}

#[async_trait]
impl PaymentGateway for MollieGateway {
    fn kind(&self) -> &'static str {
        "mollie"
    }

    async fn ensure_customer(
        &self,
        our_customer_id: &str,
        email: &str,
        name: &str,
    ) -> Result<GatewayCustomerRef, GatewayError> {
        let body = json!({ "name": name, "email": email, "metadata": { "billing_customer_id": our_customer_id } });
        // The key makes a retry within Mollie's idempotency window return the same customer.
        let key = format!("customer-{our_customer_id}");
        let customer: CustomerView = self
            .call(reqwest::Method::POST, "/v2/customers", Some(body), Some(&key))
            .await
            .map_err(Failure::into_error)?;
        Ok(GatewayCustomerRef(customer.id))
    }

    async fn setup_payment_method(
        &self,
        customer: &GatewayCustomerRef,
        method_details: &MethodDetails,
    ) -> Result<SetupOutcome, GatewayError> {
        match method_details {
            MethodDetails::ProviderToken { token, .. } if token.starts_with("mdt_") => {
                self.mandate(customer, token).await
            }
            MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token } => {
                self.sepa_mandate(customer, token).await
            }
            MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token } => {
                self.first_payment(customer, Some(token)).await
            }
            MethodDetails::TestCard { .. } => self.first_payment(customer, None).await,
        }
    }

    async fn complete_setup(
        &self,
        _customer: &GatewayCustomerRef,
        provider_setup_id: &str,
    ) -> Result<SetupOutcome, GatewayError> {
        self.payment(provider_setup_id).await?.into_setup()
    }

    async fn charge(&self, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("amount must be positive, got {}", req.amount),
            });
        }
        let mut metadata = req.metadata.clone();
        metadata.entry("billing_payment_attempt_id".into()).or_insert_with(|| req.idempotency_key.clone());
        // Mollie requires a description; it shows on the customer's statement.
        let description = if req.description.trim().is_empty() {
            format!("Payment {}", req.idempotency_key)
        } else {
            req.description.clone()
        };
        let mut body = json!({
            "amount": amount_json(req.amount),
            "description": description,
            "sequenceType": "recurring",
            "customerId": req.customer.0,
            "mandateId": req.method.0,
            "metadata": metadata,
        });
        if let Some(url) = &self.config.webhook_url {
            body["webhookUrl"] = json!(url);
        }
        let payment: PaymentView = self
            .call(reqwest::Method::POST, "/v2/payments", Some(body), Some(&req.idempotency_key))
            .await
            .map_err(Failure::into_error)?;
        payment.into_charge_outcome()
    }

    async fn payment_status(&self, provider_payment_id: &str) -> Result<ChargeOutcome, GatewayError> {
        self.payment(provider_payment_id).await?.into_charge_outcome()
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, GatewayError> {
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("refund amount must be positive, got {}", req.amount),
            });
        }
        let _serialized = self.refund_lock.lock().await;
        let payment: PaymentView = self.get(&format!("/v2/payments/{}", req.provider_payment_id)).await?;
        let paid = payment.amount.money()?;
        if paid.currency() != req.amount.currency() {
            return Err(GatewayError::Rejected {
                code: "currency_mismatch".into(),
                message: format!("refund in {} for a payment in {}", req.amount.currency(), paid.currency()),
            });
        }
        let refunds: RefundList = self.get(&format!("/v2/payments/{}/refunds", req.provider_payment_id)).await?;
        if let Some(existing) = refunds.embedded.refunds.iter().find(|r| r.key() == Some(&req.idempotency_key)) {
            // A retry of a refund whose answer we lost: report it, do not refund twice.
            return if existing.amount.money()? == req.amount {
                Ok(RefundOutcome::Succeeded { provider_refund_id: existing.id.clone() })
            } else {
                Err(GatewayError::Rejected {
                    code: "idempotency_error".into(),
                    message: format!("refund key {} was already used with another amount", req.idempotency_key),
                })
            };
        }
        if payment.status != "paid" {
            return Ok(RefundOutcome::Failed { reason: format!("the payment is {}, not paid", payment.status) });
        }
        let remaining = match &payment.amount_remaining {
            Some(remaining) => remaining.money()?,
            None => paid,
        };
        if req.amount.minor() > remaining.minor() {
            return Ok(RefundOutcome::Failed {
                reason: format!("refund of {} exceeds the {remaining} left to refund", req.amount),
            });
        }
        let body = json!({
            "amount": amount_json(req.amount),
            "metadata": { REFUND_KEY_METADATA: req.idempotency_key },
        });
        let path = format!("/v2/payments/{}/refunds", req.provider_payment_id);
        match self.call::<RefundView>(reqwest::Method::POST, &path, Some(body), Some(&req.idempotency_key)).await {
            Ok(refund) if matches!(refund.status.as_str(), "failed" | "canceled") => {
                Ok(RefundOutcome::Failed { reason: format!("Mollie reports the refund as {}", refund.status) })
            }
            Ok(refund) => Ok(RefundOutcome::Succeeded { provider_refund_id: refund.id }),
            // Mollie's refusal to refund this payment (e.g. more than is refundable) is an answer about it.
            Err(Failure::Api { status: 422, error }) => {
                Ok(RefundOutcome::Failed { reason: error.detail.unwrap_or_else(|| "refused by Mollie".into()) })
            }
            Err(f) => Err(f.into_error()),
        }
    }

    /// A Mollie delivery cannot be verified without asking Mollie, which this synchronous method cannot do:
    /// it refuses every delivery, so that nothing is ever believed unchecked. Use `verify_webhook`.
    fn parse_webhook(
        &self,
        _headers: &BTreeMap<String, String>,
        body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<GatewayEvent, WebhookError> {
        let id = webhook_payment_id(body)?;
        Err(WebhookError::Unavailable(format!("Mollie delivery for {id} must be checked with verify_webhook")))
    }

    async fn verify_webhook(
        &self,
        _headers: &BTreeMap<String, String>,
        body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<GatewayEvent, WebhookError> {
        // No signature and no timestamp to check: the state comes from the API, so an old or replayed
        // delivery yields the payment's current state, never a stale one.
        let id = webhook_payment_id(body)?;
        self.event_for(&id).await
    }
}

/// Mollie amounts: `{"currency": "EUR", "value": "19.99"}` with exactly the currency's decimals.
fn amount_json(amount: Money) -> Value {
    json!({ "currency": amount.currency().code(), "value": format_value(amount) })
}

fn format_value(amount: Money) -> String {
    let exponent = amount.currency().exponent();
    let minor = amount.minor();
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exponent as usize)
}

/// Parses a Mollie value string into minor units, refusing more decimals than the currency has (that would
/// be a fraction of a cent we cannot book).
fn parse_value(value: &str, currency: Currency) -> Option<Money> {
    let exponent = currency.exponent() as usize;
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || fraction.len() > exponent
        || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let text = format!("{whole}{fraction:0<exponent$}");
    let minor: i64 = text.parse().ok()?;
    Some(Money::from_minor(if negative { -minor } else { minor }, currency))
}

#[derive(Debug, Deserialize)]
struct AmountView {
    currency: String,
    value: String,
}

impl AmountView {
    fn money(&self) -> Result<Money, GatewayError> {
        let currency = Currency::from_code(&self.currency)
            .map_err(|e| GatewayError::Transport(format!("Mollie sent currency {}: {e}", self.currency)))?;
        parse_value(&self.value, currency)
            .ok_or_else(|| GatewayError::Transport(format!("Mollie sent amount {:?}", self.value)))
    }
}

#[derive(Debug, Deserialize)]
struct CustomerView {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MandateView {
    id: String,
    status: String,
}

impl MandateView {
    fn into_setup(self) -> SetupOutcome {
        match self.status.as_str() {
            // A pending SEPA mandate becomes valid with the first debit; Mollie accepts recurring payments on it.
            "valid" | "pending" => SetupOutcome::Ready(PaymentMethodRef(self.id)),
            status => SetupOutcome::Failed {
                decline_code: "invalid_account".into(),
                decline_message: Some(format!("mandate {} is {status}", self.id)),
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct LinkView {
    href: String,
}

#[derive(Debug, Default, Deserialize)]
struct PaymentLinks {
    #[serde(default)]
    checkout: Option<LinkView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetailsView {
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    failure_message: Option<String>,
    #[serde(default)]
    bank_reason_code: Option<String>,
    #[serde(default)]
    bank_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentView {
    id: String,
    status: String,
    amount: AmountView,
    #[serde(default)]
    amount_remaining: Option<AmountView>,
    #[serde(default)]
    amount_refunded: Option<AmountView>,
    #[serde(default)]
    amount_charged_back: Option<AmountView>,
    #[serde(default)]
    mandate_id: Option<String>,
    /// `first` for the payment that sets up a mandate (our card setups), `recurring` for charges.
    #[serde(default)]
    sequence_type: Option<String>,
    /// Ours: `billing_payment_attempt_id` names the attempt a charge belongs to.
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    details: Option<DetailsView>,
    #[serde(default, rename = "_links")]
    links: PaymentLinks,
}

impl PaymentView {
    /// What a first payment (`sequenceType: first`) means for the card mandate it sets up.
    fn into_setup(self) -> Result<SetupOutcome, GatewayError> {
        match (self.status.as_str(), self.mandate_id.clone(), self.checkout_url()) {
            ("paid", Some(mandate), _) => Ok(SetupOutcome::Ready(PaymentMethodRef(mandate))),
            ("failed" | "expired" | "canceled", _, _) => {
                let (decline_code, decline_message) = self.decline();
                Ok(SetupOutcome::Failed { decline_code, decline_message })
            }
            (_, _, Some(checkout)) => Ok(SetupOutcome::RequiresAction {
                provider_setup_id: self.id.clone(),
                client_secret: self.id,
                redirect_hint: Some(checkout),
            }),
            (status, _, _) => {
                Err(GatewayError::Transport(format!("first payment {} is {status}; retry later", self.id)))
            }
        }
    }

    fn checkout_url(&self) -> Option<String> {
        self.links.checkout.as_ref().map(|l| l.href.clone())
    }

    /// Our decline code and Mollie's message for a failed, expired or canceled payment.
    fn decline(&self) -> (String, Option<String>) {
        let details = self.details.as_ref();
        if let Some(reason) = details.and_then(|d| d.failure_reason.as_deref()) {
            return (card_decline_code(reason), details.and_then(|d| d.failure_message.clone()));
        }
        if let Some(code) = details.and_then(|d| d.bank_reason_code.as_deref()) {
            return (sepa_decline_code(code), details.and_then(|d| d.bank_reason.clone()));
        }
        match self.status.as_str() {
            "expired" => ("payment_expired".into(), None),
            "canceled" => ("payment_canceled".into(), None),
            _ => ("generic_decline".into(), None),
        }
    }

    fn into_charge_outcome(self) -> Result<ChargeOutcome, GatewayError> {
        match self.status.as_str() {
            "paid" => Ok(ChargeOutcome::Succeeded { amount: self.amount.money()?, provider_payment_id: self.id }),
            "failed" | "expired" | "canceled" => {
                let (decline_code, decline_message) = self.decline();
                Ok(ChargeOutcome::Failed {
                    provider_payment_id: Some(self.id),
                    decline_code,
                    decline_message,
                    advice_code: None,
                    network_advice_code: None,
                })
            }
            // open, pending, authorized: not final; the webhook brings the end.
            _ => Ok(ChargeOutcome::Pending { provider_payment_id: self.id }),
        }
    }
}

/// Mollie's card `failureReason` in the vocabulary of [`crate::decline`] (Stripe's codes), so that hard and
/// soft are judged by one table. Unknown reasons keep a `mollie_` prefix and count as soft there.
fn card_decline_code(reason: &str) -> String {
    match reason {
        "insufficient_funds" => "insufficient_funds",
        "card_declined" | "unknown_reason" => "generic_decline",
        "refused_by_issuer" => "do_not_honor",
        "card_expired" => "expired_card",
        "inactive_card" => "restricted_card",
        "invalid_cvv" => "incorrect_cvc",
        "invalid_card_number" | "invalid_card_holder_name" => "invalid_account",
        "invalid_card_type" => "card_not_supported",
        "possible_fraud" => "fraudulent",
        "authentication_required"
        | "authentication_failed"
        | "authentication_abandoned"
        | "authentication_unavailable_acs" => "authentication_required",
        other => return format!("mollie_{other}"),
    }
    .to_owned()
}

/// SEPA Direct Debit return reason codes (ISO 20022, as Mollie reports them in `bankReasonCode`).
fn sepa_decline_code(code: &str) -> String {
    match code {
        "AM04" => "insufficient_funds",
        "MS03" | "SL01" => "do_not_honor",
        "AG02" => "processing_error",
        "AC01" | "AC04" | "AC06" | "MD01" | "MD07" => "invalid_account",
        "MS02" | "MD06" => "stop_payment_order",
        other => return format!("sepa_{}", other.to_ascii_lowercase()),
    }
    .to_owned()
}

#[derive(Debug, Deserialize)]
struct RefundView {
    id: String,
    status: String,
    amount: AmountView,
    #[serde(default)]
    metadata: Option<Value>,
}

impl RefundView {
    fn key(&self) -> Option<&String> {
        match self.metadata.as_ref()?.get(REFUND_KEY_METADATA)? {
            Value::String(key) => Some(key),
            _ => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct RefundEmbedded {
    #[serde(default)]
    refunds: Vec<RefundView>,
}

#[derive(Debug, Deserialize)]
struct RefundList {
    #[serde(default, rename = "_embedded")]
    embedded: RefundEmbedded,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decline::{DeclineClass, classify};

    #[test]
    fn amounts_carry_exactly_the_currencys_decimals() {
        assert_eq!(format_value(Money::from_minor(1_999, Currency::EUR)), "19.99");
        assert_eq!(format_value(Money::from_minor(5, Currency::EUR)), "0.05");
        assert_eq!(format_value(Money::from_minor(1_000, Currency::JPY)), "1000");
        assert_eq!(parse_value("19.99", Currency::EUR), Some(Money::from_minor(1_999, Currency::EUR)));
        assert_eq!(parse_value("10", Currency::EUR), Some(Money::from_minor(1_000, Currency::EUR)));
        assert_eq!(parse_value("1.5", Currency::EUR), Some(Money::from_minor(150, Currency::EUR)));
        assert_eq!(parse_value("0.001", Currency::EUR), None, "a fraction of a cent");
        assert_eq!(parse_value("1e3", Currency::EUR), None);
    }

    #[test]
    fn failure_reasons_map_to_the_decline_table() {
        assert_eq!(classify(&card_decline_code("insufficient_funds"), None), DeclineClass::Soft);
        assert_eq!(classify(&card_decline_code("card_expired"), None), DeclineClass::Hard);
        assert_eq!(classify(&card_decline_code("possible_fraud"), None), DeclineClass::Hard);
        assert_eq!(classify(&sepa_decline_code("AM04"), None), DeclineClass::Soft);
        assert_eq!(classify(&sepa_decline_code("AC04"), None), DeclineClass::Hard);
        assert_eq!(card_decline_code("brand_new_reason"), "mollie_brand_new_reason");
    }

    #[test]
    fn webhook_bodies_yield_only_well_formed_payment_ids() {
        assert_eq!(webhook_payment_id(b"id=tr_5B8cwPMGnU6qLbRvo7qEZo").unwrap(), "tr_5B8cwPMGnU6qLbRvo7qEZo");
        assert!(webhook_payment_id(b"id=tr_../../v2/refunds").is_err());
        assert!(webhook_payment_id(b"id=cst_123").is_err());
        assert!(webhook_payment_id(b"status=paid").is_err());
    }
}
