//! The Stripe adapter: [`PaymentGateway`] over Stripe's PaymentIntents API, through async-stripe.
//!
//! async-stripe builds the requests (paths, form encoding, authentication, the `Idempotency-Key` header). Its
//! generated response types are deliberately *not* used: they require fields that only the newest Stripe API
//! version sends, and localstripe (our test peer) omits many of them, so responses are read into the small
//! lenient views at the bottom of this file. No async-stripe type leaves this module.
//!
//! Behaviour worth knowing:
//! - Charges are `PaymentIntent`s created with `confirm=true, off_session=true` and our payment-attempt id as
//!   `Idempotency-Key`, so a retry after a transport error replays Stripe's first answer. localstripe ignores the
//!   header; the idempotency contract is therefore tested against the sandbox.
//! - HTTP 402 is a decline ([`ChargeOutcome::Failed`]), never an error. Stripe sends `decline_code`; localstripe
//!   sends only `code: card_declined`, which is what we then report.
//! - Refunds are checked against the remaining refundable amount before Stripe is called (localstripe accepts
//!   over-refunds), and a refund already created under our idempotency key is found again instead of repeated.
//! - Only parameters that localstripe also accepts are sent; `description` can be switched off for it.
//! - Webhooks are verified here with HMAC-SHA256 instead of async-stripe-webhook, which insists on parsing
//!   the whole event into the generated types (failing on localstripe's payloads) and reads the wall clock.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, MandateAcceptance, MethodDetails,
    MethodInfo, PaymentGateway, PaymentMethodKind, PaymentMethodRef, RefundOutcome, RefundRequest, SetupOutcome,
    WebhookError,
};
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::customer::CreateCustomer;
use stripe_core::payment_intent::{CreatePaymentIntent, CreatePaymentIntentOffSession, RetrievePaymentIntent};
use stripe_core::refund::{CreateRefund, ListRefund};
use stripe_core::setup_intent::{
    ConfirmSetupIntent, ConfirmSetupIntentMandateData, ConfirmSetupIntentSecretKeyParam,
    ConfirmSetupIntentSecretKeyParamCustomerAcceptance, ConfirmSetupIntentSecretKeyParamCustomerAcceptanceType,
    CreateSetupIntent, CreateSetupIntentUsage, OnlineParam, RetrieveSetupIntent,
};
use stripe_payment::payment_method::{
    AttachPaymentMethod, CreatePaymentMethod, CreatePaymentMethodCard, CreatePaymentMethodCardDetailsParams,
    CreatePaymentMethodSepaDebit, CreatePaymentMethodType, DetachPaymentMethod, RetrievePaymentMethod,
};

/// The header Stripe signs webhooks in.
pub const SIGNATURE_HEADER: &str = "stripe-signature";

/// The metadata key under which our refund id is stored on each Stripe refund, so a retried refund can find
/// the refund it already created.
const REFUND_KEY_METADATA: &str = "billing_refund_id";

/// Stripe's own production endpoint.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Everything the adapter needs to talk to one Stripe account (or a localstripe).
#[derive(Clone)]
pub struct StripeConfig {
    /// Scheme and host, e.g. `https://api.stripe.com` or `http://127.0.0.1:8420`; `/v1/...` is appended.
    pub api_base: String,
    pub secret_key: String,
    /// The endpoint secret (`whsec_…`) webhooks are signed with.
    pub webhook_secret: String,
    /// The endpoint's previous secret and until when it still verifies (after a rotation).
    pub previous_webhook_secret: Option<(String, chrono::DateTime<chrono::Utc>)>,
    /// Send `ChargeRequest::description` to Stripe. localstripe rejects the parameter, so tests turn it off.
    pub send_description: bool,
    /// Per-HTTP-attempt limit; on expiry the charge reports [`GatewayError::Timeout`].
    pub request_timeout: Duration,
    /// The publishable key (`pk_…`) Stripe.js starts with in the portal (docs/adr/0044); without
    /// one the portal has no Stripe card form for the account.
    pub publishable_key: Option<String>,
    /// Send a SEPA mandate's acceptance (`mandate_data`) when confirming its SetupIntent, as live
    /// Stripe requires. localstripe refuses the parameter, so tests turn it off.
    pub send_mandate_data: bool,
}

impl StripeConfig {
    pub fn new(secret_key: impl Into<String>, webhook_secret: impl Into<String>) -> StripeConfig {
        StripeConfig {
            api_base: DEFAULT_API_BASE.to_owned(),
            secret_key: secret_key.into(),
            webhook_secret: webhook_secret.into(),
            previous_webhook_secret: None,
            send_description: true,
            request_timeout: Duration::from_secs(30),
            publishable_key: None,
            send_mandate_data: true,
        }
    }
}

// Hand-written: the keys move money, and configs end up in logs via `{:?}`.
impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("secret_key", &redact(&self.secret_key))
            .field("webhook_secret", &"<redacted>")
            .field("send_description", &self.send_description)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// Shows only the key's mode prefix (`sk_test_`, `rk_live_`), which tells an operator which key is configured
/// without revealing it.
fn redact(key: &str) -> String {
    let prefix: String = key.split('_').take(2).collect::<Vec<_>>().join("_");
    if key.len() > prefix.len() && prefix.len() <= 8 { format!("{prefix}_<redacted>") } else { "<redacted>".into() }
}

/// The Stripe gateway.
pub struct StripeGateway {
    client: Client,
    api_base: String,
    webhook_secrets: signing::WebhookSecrets,
    send_description: bool,
    publishable_key: Option<String>,
    send_mandate_data: bool,
    /// Serializes refunds within this process, so that two concurrent refunds of one payment cannot both pass
    /// the remaining-amount check. Across processes Stripe's own check remains the backstop.
    refund_lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for StripeGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeGateway").field("api_base", &self.api_base).finish_non_exhaustive()
    }
}

impl StripeGateway {
    pub fn new(config: StripeConfig) -> Result<StripeGateway, GatewayError> {
        // async-stripe appends `v1/...` to the base verbatim, so the base must end in exactly one slash.
        let api_base = format!("{}/", config.api_base.trim_end_matches('/'));
        let client = ClientBuilder::new(config.secret_key)
            .url(api_base.clone())
            .timeout(config.request_timeout)
            .build()
            .map_err(|err| GatewayError::Misconfigured(err.to_string()))?;
        Ok(StripeGateway {
            client,
            api_base,
            webhook_secrets: signing::WebhookSecrets {
                current: config.webhook_secret,
                previous: config.previous_webhook_secret,
            },
            send_description: config.send_description,
            publishable_key: config.publishable_key,
            send_mandate_data: config.send_mandate_data,
            refund_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Creates a card PaymentMethod from raw test card data and attaches it to `customer`, without a
    /// SetupIntent: `Ready` with the method, or `Failed` if the card is declined on attachment. Only test mode and
    /// localstripe accept raw card numbers; production methods arrive as `pm_…` ids from Stripe.js. Used by
    /// [`PaymentGateway::setup_payment_method`] and by test fixtures that need a method whose setup would itself
    /// ask for 3-D Secure.
    pub async fn attach_test_card(
        &self,
        customer: &GatewayCustomerRef,
        number: &str,
    ) -> Result<SetupOutcome, GatewayError> {
        // Any future expiry works for test cards; a fixed year would start failing once it passes.
        let expiry_year = i64::from(Utc::now().year()) + 3;
        let card = CreatePaymentMethodCardDetailsParams {
            cvc: Some("123".into()),
            ..CreatePaymentMethodCardDetailsParams::new(12, expiry_year, number)
        };
        let create = CreatePaymentMethod::new()
            .type_(CreatePaymentMethodType::Card)
            .card(CreatePaymentMethodCard::CardDetailsParams(card));
        let method: IdView = self.call(&create, None).await.map_err(Failure::into_error)?;
        self.attach(customer, &method.id).await
    }

    async fn attach(&self, customer: &GatewayCustomerRef, method_id: &str) -> Result<SetupOutcome, GatewayError> {
        let attach = AttachPaymentMethod::new(method_id).customer(customer.0.clone());
        match self.call::<IdView>(&attach, None).await {
            Ok(attached) => Ok(SetupOutcome::Ready(PaymentMethodRef(attached.id))),
            Err(Failure::Api { status: 402, error }) => Ok(Declined::from(error).into_setup_outcome()),
            Err(failure) => Err(failure.into_error()),
        }
    }

    /// Attaches a method Stripe.js confirmed to `customer` unless it is attached already (Stripe
    /// attaches on the SetupIntent's confirmation; localstripe does not). A method of another
    /// customer is refused.
    async fn ensure_attached(
        &self,
        customer: &GatewayCustomerRef,
        method: &PaymentMethodRef,
    ) -> Result<(), GatewayError> {
        let retrieve = RetrievePaymentMethod::new(method.0.as_str());
        let view: PaymentMethodView = self.call(&retrieve, None).await.map_err(Failure::into_error)?;
        match view.customer.as_ref().and_then(id_of) {
            Some(owner) if owner == customer.0 => Ok(()),
            Some(_) => Err(GatewayError::Rejected {
                code: "payment_method_customer_mismatch".into(),
                message: format!("{} belongs to another customer", method.0),
            }),
            None => match self.attach(customer, &method.0).await? {
                SetupOutcome::Ready(_) => Ok(()),
                _ => Err(GatewayError::Rejected {
                    code: "payment_method_not_attached".into(),
                    message: format!("{} could not be attached", method.0),
                }),
            },
        }
    }

    /// Sends one request and reads the JSON answer into `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        request: &(impl StripeRequest + Sync),
        idempotency_key: Option<&str>,
    ) -> Result<T, Failure> {
        let mut request = request.build().customize::<miniserde::json::Value>();
        if let Some(key) = idempotency_key {
            let key = IdempotencyKey::new(key).map_err(|err| {
                Failure::Gateway(GatewayError::Rejected {
                    code: "idempotency_key_invalid".into(),
                    message: err.to_string(),
                })
            })?;
            request = request.request_strategy(RequestStrategy::Idempotent(key));
        }
        let value = request.send(&self.client).await.map_err(Failure::from_stripe)?;
        // Through a string because the SDK hands out miniserde values and our views are serde types; the cost is
        // negligible next to the HTTP round trip.
        let text = miniserde::json::to_string(&value);
        serde_json::from_str(&text).map_err(|err| {
            // A 2xx we cannot read may still have moved money: report it as retryable, since the retry replays
            // the same answer under the same key rather than charging again.
            Failure::Gateway(GatewayError::Transport(format!("unreadable Stripe response: {err}")))
        })
    }

    async fn setup_intent(
        &self,
        customer: &GatewayCustomerRef,
        method: PaymentMethodRef,
    ) -> Result<SetupOutcome, GatewayError> {
        let create = CreateSetupIntent::new().customer(customer.0.clone()).usage(CreateSetupIntentUsage::OffSession);
        let intent: SetupIntentView = self.call(&create, None).await.map_err(Failure::into_error)?;
        let confirm = ConfirmSetupIntent::new(intent.id.as_str()).payment_method(method.0.clone());
        let intent: SetupIntentView = match self.call(&confirm, None).await {
            Ok(intent) => intent,
            Err(Failure::Api { status: 402, error }) => return Ok(Declined::from(error).into_setup_outcome()),
            Err(failure) => return Err(failure.into_error()),
        };
        intent.into_outcome(Some(method))
    }

    /// Everything refunded (or on its way back) for a payment so far, and a refund already created under `key`.
    async fn existing_refunds(&self, payment_id: &str, key: &str) -> Result<(i64, Option<RefundView>), GatewayError> {
        let mut refunded = 0_i64;
        let mut ours = None;
        let mut starting_after: Option<String> = None;
        loop {
            let mut list = ListRefund::new().payment_intent(payment_id).limit(100);
            if let Some(after) = &starting_after {
                list = list.starting_after(after.clone());
            }
            let page: ListView<RefundView> = self.call(&list, None).await.map_err(Failure::into_error)?;
            for refund in page.data {
                // Failed and canceled refunds gave nothing back; pending ones will, so they count.
                if !matches!(refund.status.as_deref(), Some("failed" | "canceled")) {
                    refunded = refunded.checked_add(refund.amount).ok_or_else(|| missing("refund sum in range"))?;
                }
                starting_after = Some(refund.id.clone());
                if refund.metadata.get(REFUND_KEY_METADATA).map(String::as_str) == Some(key) {
                    ours = Some(refund);
                }
            }
            if !page.has_more || starting_after.is_none() {
                return Ok((refunded, ours));
            }
        }
    }
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn kind(&self) -> &'static str {
        "stripe"
    }

    async fn ensure_customer(
        &self,
        our_customer_id: &str,
        email: &str,
        name: &str,
    ) -> Result<GatewayCustomerRef, GatewayError> {
        // Stripe's search API could find a customer by metadata, but it is eventually consistent and localstripe
        // lacks it; the caller stores the mapping instead. The key makes a retry within Stripe's 24 h
        // idempotency window return the same customer.
        let create = CreateCustomer::new()
            .email(email)
            .name(name)
            .metadata(HashMap::from([("billing_customer_id".to_owned(), our_customer_id.to_owned())]));
        let key = format!("customer-{our_customer_id}");
        let customer: IdView = self.call(&create, Some(&key)).await.map_err(Failure::into_error)?;
        Ok(GatewayCustomerRef(customer.id))
    }

    async fn setup_payment_method(
        &self,
        customer: &GatewayCustomerRef,
        method_details: &MethodDetails,
    ) -> Result<SetupOutcome, GatewayError> {
        // Attach first, then confirm a SetupIntent: Stripe attaches on confirmation anyway, but localstripe does
        // not, and an off-session charge needs the method attached to the customer.
        let attached = match method_details {
            MethodDetails::TestCard { number } => self.attach_test_card(customer, number).await?,
            MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token } => {
                self.attach(customer, token).await?
            }
            // A SEPA mandate without its acceptance (the API's IBAN, or `send_mandate_data` off for
            // localstripe, which refuses the parameter): the IBAN becomes a `sepa_debit`
            // PaymentMethod attached to the customer, with no SetupIntent. The portal's mandates go
            // through `setup_sepa_mandate` with `mandate_data` (docs/adr/0044).
            MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: iban } => {
                let create = CreatePaymentMethod::new()
                    .type_(CreatePaymentMethodType::SepaDebit)
                    .sepa_debit(CreatePaymentMethodSepaDebit::new(iban.clone()));
                let method: IdView = self.call(&create, None).await.map_err(Failure::into_error)?;
                return self.attach(customer, &method.id).await;
            }
        };
        match attached {
            SetupOutcome::Ready(method) => self.setup_intent(customer, method).await,
            not_attached => Ok(not_attached),
        }
    }

    async fn setup_sepa_mandate(
        &self,
        customer: &GatewayCustomerRef,
        iban: &str,
        acceptance: &MandateAcceptance,
    ) -> Result<SetupOutcome, GatewayError> {
        let details = MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: iban.to_owned() };
        if !self.send_mandate_data {
            return self.setup_payment_method(customer, &details).await;
        }
        // The PaymentMethod attached first (as for cards), then a SetupIntent confirmed with the
        // mandate's acceptance: what live Stripe needs before debiting off-session.
        let create = CreatePaymentMethod::new()
            .type_(CreatePaymentMethodType::SepaDebit)
            .sepa_debit(CreatePaymentMethodSepaDebit::new(iban.to_owned()));
        let method: IdView = self.call(&create, None).await.map_err(Failure::into_error)?;
        let method = match self.attach(customer, &method.id).await? {
            SetupOutcome::Ready(method) => method,
            not_attached => return Ok(not_attached),
        };
        let create = CreateSetupIntent::new().customer(customer.0.clone()).usage(CreateSetupIntentUsage::OffSession);
        let intent: SetupIntentView = self.call(&create, None).await.map_err(Failure::into_error)?;
        let mut accepted = ConfirmSetupIntentSecretKeyParamCustomerAcceptance::new(
            ConfirmSetupIntentSecretKeyParamCustomerAcceptanceType::Online,
        );
        accepted.accepted_at = Some(acceptance.accepted_at.timestamp());
        accepted.online = Some(OnlineParam::new(acceptance.ip_address.clone(), acceptance.user_agent.clone()));
        let confirm = ConfirmSetupIntent::new(intent.id.as_str()).payment_method(method.0.clone()).mandate_data(
            ConfirmSetupIntentMandateData::SecretKeyParam(ConfirmSetupIntentSecretKeyParam::new(accepted)),
        );
        match self.call::<SetupIntentView>(&confirm, None).await {
            Ok(intent) => intent.into_outcome(Some(method)),
            Err(Failure::Api { status: 402, error }) => Ok(Declined::from(error).into_setup_outcome()),
            Err(failure) => Err(failure.into_error()),
        }
    }

    async fn complete_setup(
        &self,
        customer: &GatewayCustomerRef,
        provider_setup_id: &str,
    ) -> Result<SetupOutcome, GatewayError> {
        if !provider_setup_id.starts_with("seti_") {
            return Err(GatewayError::Rejected {
                code: "resource_missing".into(),
                message: format!("`{provider_setup_id}` is not a SetupIntent id"),
            });
        }
        let retrieve = RetrieveSetupIntent::new(provider_setup_id);
        let intent: SetupIntentView = self.call(&retrieve, None).await.map_err(Failure::into_error)?;
        // Only an intent of this customer's Stripe customer says anything about this customer.
        if let Some(owner) = intent.customer.as_ref().and_then(id_of)
            && owner != customer.0
        {
            return Err(GatewayError::Rejected {
                code: "setup_intent_customer_mismatch".into(),
                message: format!("{provider_setup_id} belongs to another customer"),
            });
        }
        // Created by us for Stripe.js and not confirmed by the browser yet: still waiting.
        if matches!(intent.status.as_str(), "requires_payment_method" | "requires_confirmation")
            && intent.last_setup_error.is_none()
        {
            return Ok(SetupOutcome::RequiresAction {
                client_secret: intent.client_secret.unwrap_or_default(),
                redirect_hint: None,
                provider_setup_id: intent.id,
            });
        }
        let outcome = intent.into_outcome(None)?;
        if let SetupOutcome::Ready(method) = &outcome {
            self.ensure_attached(customer, method).await?;
        }
        Ok(outcome)
    }

    fn browser_key(&self) -> Option<String> {
        self.publishable_key.clone()
    }

    async fn begin_card_setup(&self, customer: &GatewayCustomerRef) -> Result<SetupOutcome, GatewayError> {
        let create = CreateSetupIntent::new().customer(customer.0.clone()).usage(CreateSetupIntentUsage::OffSession);
        let intent: SetupIntentView = self.call(&create, None).await.map_err(Failure::into_error)?;
        Ok(SetupOutcome::RequiresAction {
            client_secret: intent.client_secret.ok_or_else(|| missing("setup intent client_secret"))?,
            redirect_hint: None,
            provider_setup_id: intent.id,
        })
    }

    async fn charge(&self, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError> {
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("amount must be positive, got {}", req.amount),
            });
        }
        let mut metadata: HashMap<String, String> = req.metadata.clone().into_iter().collect();
        // Lets support staff find our attempt from the Stripe dashboard.
        metadata.entry("billing_payment_attempt_id".into()).or_insert_with(|| req.idempotency_key.clone());
        let mut create = CreatePaymentIntent::new(req.amount.minor(), stripe_currency(req.amount.currency()))
            .customer(req.customer.0.clone())
            .payment_method(req.method.0.clone())
            .confirm(true)
            .off_session(CreatePaymentIntentOffSession::Bool(true))
            .metadata(metadata);
        if self.send_description {
            create = create.description(req.description.clone());
        }
        match self.call::<PaymentIntentView>(&create, Some(&req.idempotency_key)).await {
            Ok(intent) => intent.into_outcome(),
            Err(Failure::Api { status: 402, error }) => Ok(Declined::from(error).into_charge_outcome()),
            Err(failure) => Err(failure.into_error()),
        }
    }

    async fn payment_status(&self, provider_payment_id: &str) -> Result<ChargeOutcome, GatewayError> {
        if !provider_payment_id.starts_with("pi_") {
            return Err(GatewayError::Rejected {
                code: "resource_missing".into(),
                message: format!("`{provider_payment_id}` is not a PaymentIntent id"),
            });
        }
        let retrieve = RetrievePaymentIntent::new(provider_payment_id);
        let intent: PaymentIntentView = self.call(&retrieve, None).await.map_err(Failure::into_error)?;
        intent.into_outcome()
    }

    async fn method_info(&self, method: &PaymentMethodRef) -> Result<Option<MethodInfo>, GatewayError> {
        let retrieve = RetrievePaymentMethod::new(method.0.as_str());
        let view: PaymentMethodView = self.call(&retrieve, None).await.map_err(Failure::into_error)?;
        Ok(Some(view.into_info()))
    }

    async fn detach_method(&self, method: &PaymentMethodRef) -> Result<(), GatewayError> {
        let detach = DetachPaymentMethod::new(method.0.as_str());
        match self.call::<IdView>(&detach, None).await {
            Ok(_) => Ok(()),
            // Already gone at Stripe: what removing it wanted.
            Err(Failure::Api { status: 404, .. }) => Ok(()),
            Err(failure) => Err(failure.into_error()),
        }
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, GatewayError> {
        if !req.amount.is_positive() {
            return Err(GatewayError::Rejected {
                code: "amount_too_small".into(),
                message: format!("refund amount must be positive, got {}", req.amount),
            });
        }
        let _serialized = self.refund_lock.lock().await;
        let retrieve = RetrievePaymentIntent::new(req.provider_payment_id.as_str());
        let intent: PaymentIntentView = self.call(&retrieve, None).await.map_err(Failure::into_error)?;
        let currency = intent.currency()?;
        if currency != req.amount.currency() {
            return Err(GatewayError::Rejected {
                code: "currency_mismatch".into(),
                message: format!("refund in {} for a payment in {currency}", req.amount.currency()),
            });
        }
        let (refunded, ours) = self.existing_refunds(&req.provider_payment_id, &req.idempotency_key).await?;
        if let Some(existing) = ours {
            // A retry of a refund that was created but whose answer we lost: report it, do not refund twice.
            return if existing.amount == req.amount.minor() {
                Ok(RefundOutcome::Succeeded { provider_refund_id: existing.id })
            } else {
                Err(GatewayError::Rejected {
                    code: "idempotency_error".into(),
                    message: format!("refund key {} was already used with another amount", req.idempotency_key),
                })
            };
        }
        if intent.status != "succeeded" {
            return Ok(RefundOutcome::Failed { reason: format!("the payment is {}, not captured", intent.status) });
        }
        let remaining = intent.amount_received.unwrap_or(intent.amount).saturating_sub(refunded);
        if req.amount.minor() > remaining {
            return Ok(RefundOutcome::Failed {
                reason: format!(
                    "refund of {} exceeds the {} left to refund",
                    req.amount,
                    Money::from_minor(remaining, currency)
                ),
            });
        }
        let create = CreateRefund::new()
            .payment_intent(req.provider_payment_id.clone())
            .amount(req.amount.minor())
            .metadata(HashMap::from([(REFUND_KEY_METADATA.to_owned(), req.idempotency_key.clone())]));
        match self.call::<RefundView>(&create, Some(&req.idempotency_key)).await {
            Ok(refund) if matches!(refund.status.as_deref(), Some("failed" | "canceled")) => {
                Ok(RefundOutcome::Failed {
                    reason: format!("Stripe reports the refund as {}", refund.status.unwrap_or_default()),
                })
            }
            Ok(refund) => Ok(RefundOutcome::Succeeded { provider_refund_id: refund.id }),
            // Stripe's refusals to refund this particular payment are answers about it, not faults in our request.
            Err(Failure::Api { status: 400, error })
                if matches!(
                    error.code.as_deref(),
                    Some(
                        "charge_already_refunded"
                            | "charge_not_refundable"
                            | "refund_disputed_payment"
                            | "amount_too_large"
                    )
                ) =>
            {
                Ok(RefundOutcome::Failed { reason: error.message.unwrap_or_else(|| "refused by Stripe".into()) })
            }
            Err(failure) => Err(failure.into_error()),
        }
    }

    fn parse_webhook(
        &self,
        headers: &BTreeMap<String, String>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<GatewayEvent, WebhookError> {
        let header = signing::find_header(headers, SIGNATURE_HEADER).ok_or(WebhookError::BadSignature)?;
        self.webhook_secrets.verify(header, body, now)?;
        let event: EventView = serde_json::from_slice(body).map_err(|err| WebhookError::Malformed(err.to_string()))?;
        event.normalize()
    }
}

fn stripe_currency(currency: Currency) -> stripe_types::Currency {
    // Infallible: codes Stripe does not list become `Currency::Unknown`, which it then rejects with a 400.
    let Ok(currency) = stripe_types::Currency::from_str(&currency.code().to_ascii_lowercase());
    currency
}

fn missing(what: &str) -> GatewayError {
    GatewayError::Transport(format!("Stripe response lacks {what}"))
}

/// Why a request did not produce a readable success: Stripe said no (`Api`), or we got no usable answer.
enum Failure {
    Api { status: u16, error: ApiErrorView },
    Gateway(GatewayError),
}

impl Failure {
    fn from_stripe(err: StripeError) -> Failure {
        match err {
            StripeError::Stripe(error, status) => Failure::Api {
                status,
                error: ApiErrorView {
                    type_: error.type_.as_str().to_owned(),
                    code: error.code.as_ref().map(|c| c.as_str().to_owned()),
                    decline_code: error.decline_code.clone(),
                    advice_code: error.advice_code.clone(),
                    network_advice_code: None,
                    message: error.message.clone(),
                    payment_intent: error.payment_intent.as_ref().map(|pi| pi.id.as_str().to_owned()),
                },
            },
            StripeError::Timeout => Failure::Gateway(GatewayError::Timeout),
            StripeError::ConfigError(message) => Failure::Gateway(GatewayError::Misconfigured(message)),
            // Connection failures and error bodies that are not Stripe JSON (a proxy's 502 page) alike: we do
            // not know what happened.
            StripeError::ClientError(message) | StripeError::JSONDeserialize(message) => {
                Failure::Gateway(GatewayError::Transport(message))
            }
        }
    }

    fn into_error(self) -> GatewayError {
        match self {
            Failure::Gateway(err) => err,
            Failure::Api { status, error } => api_error(status, error),
        }
    }
}

/// The parts of a Stripe API error we act on, copied out of the SDK type.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
struct ApiErrorView {
    type_: String,
    code: Option<String>,
    decline_code: Option<String>,
    advice_code: Option<String>,
    /// Not in the SDK's error type: only read from a payment intent's `last_payment_error`.
    network_advice_code: Option<String>,
    message: Option<String>,
    payment_intent: Option<String>,
}

/// Maps an error answer that is not a decline. Follows Stripe's guidance on status codes: 409 and 429 and 5xx
/// are transient; 401/403 mean our keys are wrong; other 4xx mean our request was.
fn api_error(status: u16, error: ApiErrorView) -> GatewayError {
    let code = error.code.clone().unwrap_or_else(|| error.type_.clone());
    let message = error.message.clone().unwrap_or_default();
    match status {
        401 | 403 => GatewayError::Misconfigured(format!("Stripe refused our credentials ({status}): {message}")),
        // A reused key with other parameters is our bug; any other 409 is a concurrent request on the same key.
        409 if error.type_ == "idempotency_error" => GatewayError::Rejected { code, message },
        400 if error.type_ == "idempotency_error" => GatewayError::Rejected { code, message },
        409 | 429 | 500..=599 => GatewayError::Transport(format!("Stripe answered {status} {code}: {message}")),
        _ => GatewayError::Rejected { code, message },
    }
}

/// A decline, as Stripe reports it in a 402 or in `last_setup_error`.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Declined {
    /// The most specific code available: `decline_code` if Stripe sent one, else `code`.
    code: String,
    message: Option<String>,
    advice: Option<String>,
    /// The card network's advice (Stripe `network_advice_code`, a Mastercard MAC such as `02`).
    network_advice: Option<String>,
    payment_intent: Option<String>,
}

impl From<ApiErrorView> for Declined {
    fn from(error: ApiErrorView) -> Declined {
        Declined {
            code: error.decline_code.or(error.code).unwrap_or_else(|| "card_declined".into()),
            message: error.message,
            advice: error.advice_code,
            network_advice: error.network_advice_code,
            payment_intent: error.payment_intent,
        }
    }
}

impl Declined {
    fn into_charge_outcome(self) -> ChargeOutcome {
        ChargeOutcome::Failed {
            provider_payment_id: self.payment_intent,
            decline_code: self.code,
            decline_message: self.message,
            advice_code: self.advice,
            network_advice_code: self.network_advice,
        }
    }

    fn into_setup_outcome(self) -> SetupOutcome {
        SetupOutcome::Failed { decline_code: self.code, decline_message: self.message }
    }
}

/// Stripe-style webhook signatures: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]`.
/// Shared with the sandbox, which signs its own webhooks the same way.
pub mod signing {
    use std::collections::BTreeMap;

    use billing_core::ports::{WEBHOOK_TOLERANCE_SECONDS, WebhookError};
    use chrono::{DateTime, Utc};
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The header value for `body` signed at `timestamp`.
    pub fn header_value(secret: &str, timestamp: i64, body: &[u8]) -> String {
        let signature = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
        format!("t={timestamp},v1={signature}")
    }

    /// Looks a header up by name, ignoring ASCII case: HTTP header names are case-insensitive and frameworks
    /// differ in how they normalize them.
    pub fn find_header<'a>(headers: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
        headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The secrets a delivery may be signed with: the current one and, while a rotation's overlap
    /// lasts, the previous one (providers sign with the new secret at once; deliveries already
    /// queued or retried still carry the old signature).
    #[derive(Clone, PartialEq, Eq)]
    pub struct WebhookSecrets {
        pub current: String,
        pub previous: Option<(String, DateTime<Utc>)>,
    }

    impl std::fmt::Debug for WebhookSecrets {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("WebhookSecrets")
                .field("previous_until", &self.previous.as_ref().map(|(_, until)| until))
                .finish_non_exhaustive()
        }
    }

    impl WebhookSecrets {
        pub fn new(current: impl Into<String>) -> Self {
            Self { current: current.into(), previous: None }
        }

        /// Like [`verify`], accepting the previous secret until its overlap ends at `now`.
        pub fn verify(&self, header: &str, body: &[u8], now: DateTime<Utc>) -> Result<(), WebhookError> {
            match verify(header, body, &self.current, now) {
                Err(WebhookError::BadSignature) => match &self.previous {
                    Some((old, until)) if now < *until => verify(header, body, old, now),
                    _ => Err(WebhookError::BadSignature),
                },
                other => other,
            }
        }
    }

    /// Checks that one of the header's `v1` signatures matches (there are several while a secret is being
    /// rolled) and that the timestamp is within the tolerance of `now`. The signature is checked first, so an
    /// unsigned request learns nothing about timing.
    pub fn verify(header: &str, body: &[u8], secret: &str, now: DateTime<Utc>) -> Result<(), WebhookError> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", value)) => timestamp = Some(value.parse::<i64>().map_err(|_| WebhookError::BadSignature)?),
                Some(("v1", value)) => signatures.push(value),
                // v0 (test-mode legacy) and future schemes are ignored, as Stripe's libraries do.
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(WebhookError::BadSignature)?;
        let expected = mac(secret, timestamp, body);
        // `verify_slice` compares in constant time, so the signature cannot be guessed byte by byte.
        let matches = signatures
            .iter()
            .filter_map(|candidate| hex::decode(candidate).ok())
            .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
        if !matches {
            return Err(WebhookError::BadSignature);
        }
        // Both directions: a timestamp far in the future would otherwise stay replayable for longer.
        if (now.timestamp() - timestamp).abs() > WEBHOOK_TOLERANCE_SECONDS {
            return Err(WebhookError::Stale);
        }
        Ok(())
    }
}

// ---- Lenient views of Stripe's JSON. Every field Stripe or localstripe may omit is optional. ----

#[derive(Deserialize)]
struct PaymentMethodView {
    /// The customer it is attached to (an id, or an expanded object), if any.
    #[serde(default)]
    customer: Option<serde_json::Value>,
    card: Option<CardView>,
    sepa_debit: Option<SepaDebitView>,
}

#[derive(Deserialize)]
struct CardView {
    brand: Option<String>,
    last4: Option<String>,
    exp_month: Option<i64>,
    exp_year: Option<i64>,
}

#[derive(Deserialize)]
struct SepaDebitView {
    last4: Option<String>,
}

impl PaymentMethodView {
    fn into_info(self) -> MethodInfo {
        match (self.card, self.sepa_debit) {
            (Some(c), _) => MethodInfo {
                brand: c.brand.map(|b| b.to_ascii_lowercase()),
                last4: c.last4,
                exp_month: c.exp_month.and_then(|m| u8::try_from(m).ok()).filter(|m| (1..=12).contains(m)),
                exp_year: c.exp_year.and_then(|y| u16::try_from(y).ok()),
            },
            (None, Some(d)) => MethodInfo { last4: d.last4, ..MethodInfo::default() },
            (None, None) => MethodInfo::default(),
        }
    }
}

#[derive(Deserialize)]
struct IdView {
    id: String,
}

#[derive(Deserialize)]
struct ListView<T> {
    data: Vec<T>,
    #[serde(default)]
    has_more: bool,
}

#[derive(Deserialize, Default)]
struct ErrorDetailView {
    code: Option<String>,
    decline_code: Option<String>,
    advice_code: Option<String>,
    /// Stripe's `network_advice_code`: the card network's advice (a Mastercard MAC, e.g. `02`).
    #[serde(default)]
    network_advice_code: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct NextActionView {
    redirect_to_url: Option<RedirectView>,
}

#[derive(Deserialize)]
struct RedirectView {
    url: Option<String>,
}

impl NextActionView {
    fn redirect_url(self) -> Option<String> {
        self.redirect_to_url.and_then(|redirect| redirect.url)
    }
}

#[derive(Deserialize)]
struct SetupIntentView {
    id: String,
    status: String,
    /// The Stripe customer it was created for (an id, or an expanded object).
    #[serde(default)]
    customer: Option<serde_json::Value>,
    client_secret: Option<String>,
    /// The method being set up: an id, or an expanded object.
    payment_method: Option<serde_json::Value>,
    next_action: Option<NextActionView>,
    last_setup_error: Option<ErrorDetailView>,
}

impl SetupIntentView {
    /// What a SetupIntent's state means for the method being set up. `method` is the one we confirmed it
    /// with, if known; otherwise the intent's own `payment_method`.
    fn into_outcome(self, method: Option<PaymentMethodRef>) -> Result<SetupOutcome, GatewayError> {
        match self.status.as_str() {
            "succeeded" => {
                let method = method
                    .or_else(|| self.payment_method.as_ref().and_then(id_of).map(PaymentMethodRef))
                    .ok_or_else(|| missing("setup intent payment_method"))?;
                Ok(SetupOutcome::Ready(method))
            }
            "requires_action" => Ok(SetupOutcome::RequiresAction {
                client_secret: self.client_secret.ok_or_else(|| missing("setup intent client_secret"))?,
                redirect_hint: self.next_action.and_then(NextActionView::redirect_url),
                provider_setup_id: self.id,
            }),
            // `processing` (e.g. bank verification) ends by webhook; until then the method is not usable.
            "processing" => Err(GatewayError::Transport("setup intent still processing; retry later".into())),
            status => {
                // After a failed 3-D Secure challenge Stripe puts the intent back to `requires_payment_method`
                // with `last_setup_error`; a challenge the customer abandoned ends `canceled`.
                let error = self.last_setup_error.unwrap_or_default();
                let fallback = if status == "canceled" {
                    "setup_intent_authentication_failure".to_owned()
                } else {
                    format!("setup_{status}")
                };
                Ok(Declined {
                    code: error.decline_code.or(error.code).unwrap_or(fallback),
                    message: error.message,
                    advice: error.advice_code,
                    network_advice: error.network_advice_code,
                    payment_intent: None,
                }
                .into_setup_outcome())
            }
        }
    }
}

fn id_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Object(object) => object.get("id").and_then(|id| id.as_str()).map(str::to_owned),
        _ => None,
    }
}

#[derive(Deserialize)]
struct PaymentIntentView {
    id: String,
    status: String,
    amount: i64,
    /// Absent from localstripe; equals `amount` for a captured automatic-capture intent.
    amount_received: Option<i64>,
    currency: String,
    client_secret: Option<String>,
    last_payment_error: Option<ErrorDetailView>,
}

impl PaymentIntentView {
    fn currency(&self) -> Result<Currency, GatewayError> {
        Currency::from_code(&self.currency).map_err(|err| GatewayError::Transport(format!("Stripe sent {err}")))
    }

    fn into_outcome(self) -> Result<ChargeOutcome, GatewayError> {
        let currency = self.currency()?;
        match self.status.as_str() {
            "succeeded" => Ok(ChargeOutcome::Succeeded {
                amount: Money::from_minor(self.amount_received.unwrap_or(self.amount), currency),
                provider_payment_id: self.id,
            }),
            "requires_action" => Ok(ChargeOutcome::RequiresAction {
                client_secret: self.client_secret.ok_or_else(|| missing("payment intent client_secret"))?,
                provider_payment_id: self.id,
            }),
            // A failed attempt leaves the intent waiting for another method; a canceled one is over.
            "requires_payment_method" | "canceled" => {
                let error = self.last_payment_error.unwrap_or_default();
                Ok(ChargeOutcome::Failed {
                    decline_code: error.decline_code.or(error.code).unwrap_or_else(|| self.status.clone()),
                    decline_message: error.message,
                    advice_code: error.advice_code,
                    network_advice_code: error.network_advice_code,
                    provider_payment_id: Some(self.id),
                })
            }
            "requires_confirmation" => Err(GatewayError::Rejected {
                code: "payment_intent_unexpected_state".into(),
                message: format!("{} was not confirmed", self.id),
            }),
            // `processing`, `requires_capture` and statuses added later: not final, a webhook will settle it.
            _ => Ok(ChargeOutcome::Pending { provider_payment_id: self.id }),
        }
    }
}

#[derive(Deserialize)]
struct RefundView {
    id: String,
    amount: i64,
    status: Option<String>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct EventView {
    id: String,
    #[serde(rename = "type")]
    type_: String,
    data: EventDataView,
}

#[derive(Deserialize)]
struct EventDataView {
    object: EventObjectView,
}

/// The union of the fields used from the event objects we map (PaymentIntent, Charge, Dispute).
#[derive(Deserialize)]
struct EventObjectView {
    id: String,
    amount: Option<i64>,
    amount_received: Option<i64>,
    amount_refunded: Option<i64>,
    currency: Option<String>,
    /// On charges and disputes: the intent the charge belongs to (an id, or an expanded object).
    payment_intent: Option<serde_json::Value>,
    charge: Option<serde_json::Value>,
    reason: Option<String>,
    last_payment_error: Option<ErrorDetailView>,
    /// On SetupIntents: the method set up (an id, or an expanded object).
    payment_method: Option<serde_json::Value>,
    /// Ours on PaymentIntents: `billing_payment_attempt_id` names the attempt.
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    last_setup_error: Option<ErrorDetailView>,
}

impl EventObjectView {
    fn money(&self, minor: Option<i64>) -> Result<Money, WebhookError> {
        let minor = minor.ok_or_else(|| WebhookError::Malformed(format!("{} has no amount", self.id)))?;
        let code =
            self.currency.as_deref().ok_or_else(|| WebhookError::Malformed(format!("{} has no currency", self.id)))?;
        let currency = Currency::from_code(code).map_err(|err| WebhookError::Malformed(err.to_string()))?;
        Ok(Money::from_minor(minor, currency))
    }

    /// The payment id the engine knows: the PaymentIntent, falling back to the charge for legacy charges.
    fn payment_id(&self) -> String {
        self.payment_intent
            .as_ref()
            .and_then(id_of)
            .or_else(|| self.charge.as_ref().and_then(id_of))
            .unwrap_or_else(|| self.id.clone())
    }
}

impl EventView {
    fn normalize(self) -> Result<GatewayEvent, WebhookError> {
        let object = self.data.object;
        let provider_event_id = self.id;
        Ok(match self.type_.as_str() {
            "payment_intent.succeeded" => GatewayEvent::PaymentSucceeded {
                amount: object.money(object.amount_received.or(object.amount))?,
                attempt_reference: object.metadata.get("billing_payment_attempt_id").cloned(),
                provider_payment_id: object.id,
                provider_event_id,
            },
            "payment_intent.payment_failed" => {
                let error = object.last_payment_error.unwrap_or_default();
                GatewayEvent::PaymentFailed {
                    decline_code: error.decline_code.or(error.code).unwrap_or_else(|| "unknown".into()),
                    provider_payment_id: object.id,
                    provider_event_id,
                }
            }
            "charge.refunded" => GatewayEvent::RefundSucceeded {
                amount: object.money(object.amount_refunded)?,
                provider_payment_id: object.payment_id(),
                provider_event_id,
            },
            "charge.dispute.created" => GatewayEvent::DisputeOpened {
                amount: object.money(object.amount)?,
                provider_payment_id: object.payment_id(),
                reason: object.reason.unwrap_or_default(),
                provider_event_id,
            },
            "setup_intent.succeeded" => GatewayEvent::SetupSucceeded {
                method: PaymentMethodRef(
                    object
                        .payment_method
                        .as_ref()
                        .and_then(id_of)
                        .ok_or_else(|| WebhookError::Malformed(format!("{} has no payment_method", object.id)))?,
                ),
                provider_setup_id: object.id,
                provider_event_id,
            },
            "setup_intent.setup_failed" | "setup_intent.canceled" => {
                let error = object.last_setup_error.unwrap_or_default();
                GatewayEvent::SetupFailed {
                    decline_code: error
                        .decline_code
                        .or(error.code)
                        .unwrap_or_else(|| "setup_intent_authentication_failure".into()),
                    provider_setup_id: object.id,
                    provider_event_id,
                }
            }
            _ => GatewayEvent::Other { provider_event_id, kind: self.type_ },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    const SECRET: &str = "whsec_unit";

    fn gateway() -> StripeGateway {
        StripeGateway::new(StripeConfig::new("sk_test_unit_secret_value", SECRET)).unwrap()
    }

    fn deliver(body: &str, header: String) -> Result<GatewayEvent, WebhookError> {
        let headers = BTreeMap::from([("Stripe-Signature".to_owned(), header)]);
        gateway().parse_webhook(&headers, body.as_bytes(), DateTime::from_timestamp(1_700_000_100, 0).unwrap())
    }

    const SUCCEEDED: &str = r#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount":1999,"currency":"eur","status":"succeeded"}}}"#;

    #[test]
    fn debug_output_hides_both_secrets() {
        let config = StripeConfig::new("sk_test_51AbCdEfGhIjKlMn", "whsec_zyxwvu");
        let shown = format!("{config:?} {:?}", StripeGateway::new(config.clone()).unwrap());
        assert!(!shown.contains("51AbCdEfGhIjKlMn") && !shown.contains("zyxwvu"), "{shown}");
        assert!(shown.contains("sk_test_<redacted>"), "{shown}");
        assert_eq!(redact("nonsense"), "<redacted>");
    }

    #[test]
    fn api_base_gets_exactly_one_trailing_slash() {
        for base in ["http://127.0.0.1:8420", "http://127.0.0.1:8420/", "http://127.0.0.1:8420//"] {
            let config = StripeConfig { api_base: base.into(), ..StripeConfig::new("sk_test_x", SECRET) };
            assert_eq!(StripeGateway::new(config).unwrap().api_base, "http://127.0.0.1:8420/");
        }
    }

    #[test]
    fn a_correct_signature_parses_and_any_of_several_may_match() {
        let good = signing::header_value(SECRET, 1_700_000_000, SUCCEEDED.as_bytes());
        let expected = GatewayEvent::PaymentSucceeded {
            provider_event_id: "evt_1".into(),
            provider_payment_id: "pi_1".into(),
            amount: Money::from_minor(1999, Currency::EUR),
            attempt_reference: None,
        };
        assert_eq!(deliver(SUCCEEDED, good.clone()), Ok(expected.clone()));
        // During a secret roll Stripe signs with the old and the new secret.
        let other = signing::header_value("whsec_old", 1_700_000_000, SUCCEEDED.as_bytes());
        let v1_other = other.split_once(",v1=").unwrap().1;
        let v1_good = good.split_once(",v1=").unwrap().1;
        let rolled = format!("t=1700000000,v1={v1_other},v0=abc,v1={v1_good}");
        assert_eq!(deliver(SUCCEEDED, rolled), Ok(expected));
    }

    #[test]
    fn a_payment_webhook_names_our_attempt_from_its_metadata() {
        let body = r#"{"id":"evt_m","type":"payment_intent.succeeded","data":{"object":{"id":"pi_9","object":"payment_intent","amount":2900,"currency":"eur","status":"succeeded","metadata":{"billing_payment_attempt_id":"0193a7e2-0000-7000-8000-000000000001","invoice":"in_1"}}}}"#;
        let header = signing::header_value(SECRET, 1_700_000_000, body.as_bytes());
        let Ok(GatewayEvent::PaymentSucceeded { attempt_reference, .. }) = deliver(body, header) else {
            panic!("not a payment success")
        };
        assert_eq!(attempt_reference.as_deref(), Some("0193a7e2-0000-7000-8000-000000000001"));
    }

    #[test]
    fn setup_intent_events_finish_a_waiting_setup() {
        // The shape of Stripe's documented `setup_intent.succeeded` and `setup_intent.setup_failed` events.
        let succeeded = r#"{"id":"evt_s1","type":"setup_intent.succeeded","data":{"object":{"id":"seti_1","object":"setup_intent","status":"succeeded","payment_method":"pm_1"}}}"#;
        let header = signing::header_value(SECRET, 1_700_000_000, succeeded.as_bytes());
        assert_eq!(
            deliver(succeeded, header),
            Ok(GatewayEvent::SetupSucceeded {
                provider_event_id: "evt_s1".into(),
                provider_setup_id: "seti_1".into(),
                method: PaymentMethodRef("pm_1".into()),
            })
        );
        let failed = r#"{"id":"evt_s2","type":"setup_intent.setup_failed","data":{"object":{"id":"seti_2","object":"setup_intent","status":"requires_payment_method","payment_method":null,"last_setup_error":{"code":"setup_intent_authentication_failure","message":"The latest attempt to set up the payment method has failed because authentication failed."}}}}"#;
        let header = signing::header_value(SECRET, 1_700_000_000, failed.as_bytes());
        assert_eq!(
            deliver(failed, header),
            Ok(GatewayEvent::SetupFailed {
                provider_event_id: "evt_s2".into(),
                provider_setup_id: "seti_2".into(),
                decline_code: "setup_intent_authentication_failure".into(),
            })
        );
        // A succeeded setup without a method cannot be acted on.
        let broken =
            r#"{"id":"evt_s3","type":"setup_intent.succeeded","data":{"object":{"id":"seti_3","status":"succeeded"}}}"#;
        let header = signing::header_value(SECRET, 1_700_000_000, broken.as_bytes());
        assert!(matches!(deliver(broken, header), Err(WebhookError::Malformed(_))));
    }

    #[test]
    fn bad_signatures_are_rejected() {
        let good = signing::header_value(SECRET, 1_700_000_000, SUCCEEDED.as_bytes());
        let tampered = SUCCEEDED.replace("1999", "9999");
        assert_eq!(deliver(&tampered, good.clone()), Err(WebhookError::BadSignature));
        let wrong_secret = signing::header_value("whsec_other", 1_700_000_000, SUCCEEDED.as_bytes());
        assert_eq!(deliver(SUCCEEDED, wrong_secret), Err(WebhookError::BadSignature));
        // Moving the timestamp invalidates the signature rather than making it stale.
        let shifted = good.replace("t=1700000000", "t=1700000050");
        assert_eq!(deliver(SUCCEEDED, shifted), Err(WebhookError::BadSignature));
        for header in ["", "garbage", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000,v1=zz"] {
            assert_eq!(deliver(SUCCEEDED, header.into()), Err(WebhookError::BadSignature), "{header}");
        }
        let no_header = gateway().parse_webhook(&BTreeMap::new(), SUCCEEDED.as_bytes(), Utc::now());
        assert_eq!(no_header, Err(WebhookError::BadSignature));
    }

    #[test]
    fn tolerance_is_five_minutes_either_way() {
        let now = DateTime::from_timestamp(1_700_000_100, 0).unwrap();
        for (offset, ok) in [(-300, true), (-301, false), (300, true), (301, false)] {
            let signed_at = (now + TimeDelta::seconds(offset)).timestamp();
            let result = deliver(SUCCEEDED, signing::header_value(SECRET, signed_at, SUCCEEDED.as_bytes()));
            assert_eq!(result.is_ok(), ok, "{offset}: {result:?}");
            if !ok {
                assert_eq!(result, Err(WebhookError::Stale));
            }
        }
    }

    fn signed(body: &str) -> Result<GatewayEvent, WebhookError> {
        deliver(body, signing::header_value(SECRET, 1_700_000_000, body.as_bytes()))
    }

    #[test]
    fn events_map_to_the_port() {
        let failed = r#"{"id":"evt_2","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_2","amount":500,"currency":"eur","last_payment_error":{"code":"card_declined","decline_code":"insufficient_funds"}}}}"#;
        assert_eq!(
            signed(failed),
            Ok(GatewayEvent::PaymentFailed {
                provider_event_id: "evt_2".into(),
                provider_payment_id: "pi_2".into(),
                decline_code: "insufficient_funds".into()
            })
        );
        let refunded = r#"{"id":"evt_3","type":"charge.refunded","data":{"object":{"id":"ch_3","object":"charge","amount":1000,"amount_refunded":400,"currency":"usd","payment_intent":"pi_3"}}}"#;
        assert_eq!(
            signed(refunded),
            Ok(GatewayEvent::RefundSucceeded {
                provider_event_id: "evt_3".into(),
                provider_payment_id: "pi_3".into(),
                amount: Money::from_minor(400, Currency::USD)
            })
        );
        let dispute = r#"{"id":"evt_4","type":"charge.dispute.created","data":{"object":{"id":"dp_4","object":"dispute","amount":1000,"currency":"eur","charge":"ch_4","payment_intent":null,"reason":"fraudulent"}}}"#;
        assert_eq!(
            signed(dispute),
            Ok(GatewayEvent::DisputeOpened {
                provider_event_id: "evt_4".into(),
                provider_payment_id: "ch_4".into(),
                amount: Money::from_minor(1000, Currency::EUR),
                reason: "fraudulent".into()
            })
        );
        let other = r#"{"id":"evt_5","type":"customer.created","data":{"object":{"id":"cus_5"}}}"#;
        assert_eq!(
            signed(other),
            Ok(GatewayEvent::Other { provider_event_id: "evt_5".into(), kind: "customer.created".into() })
        );
        assert!(matches!(signed("not json"), Err(WebhookError::Malformed(_))));
        let no_currency =
            r#"{"id":"evt_6","type":"payment_intent.succeeded","data":{"object":{"id":"pi_6","amount":1}}}"#;
        assert!(matches!(signed(no_currency), Err(WebhookError::Malformed(_))));
    }

    fn error(type_: &str, code: Option<&str>) -> ApiErrorView {
        ApiErrorView { type_: type_.into(), code: code.map(str::to_owned), ..ApiErrorView::default() }
    }

    #[test]
    fn api_errors_map_by_status() {
        assert!(matches!(api_error(401, error("invalid_request_error", None)), GatewayError::Misconfigured(_)));
        assert!(matches!(
            api_error(429, error("invalid_request_error", Some("rate_limit"))),
            GatewayError::Transport(_)
        ));
        assert!(matches!(api_error(500, error("api_error", None)), GatewayError::Transport(_)));
        assert!(matches!(
            api_error(409, error("invalid_request_error", Some("lock_timeout"))),
            GatewayError::Transport(_)
        ));
        assert!(matches!(api_error(409, error("idempotency_error", None)), GatewayError::Rejected { .. }));
        assert!(matches!(api_error(400, error("idempotency_error", None)), GatewayError::Rejected { .. }));
        assert_eq!(
            api_error(404, error("invalid_request_error", Some("resource_missing"))),
            GatewayError::Rejected { code: "resource_missing".into(), message: String::new() }
        );
    }

    #[test]
    fn declines_prefer_the_specific_code() {
        let stripe = ApiErrorView {
            decline_code: Some("insufficient_funds".into()),
            advice_code: Some("try_again_later".into()),
            payment_intent: Some("pi_9".into()),
            ..error("card_error", Some("card_declined"))
        };
        assert_eq!(
            Declined::from(stripe).into_charge_outcome(),
            ChargeOutcome::Failed {
                provider_payment_id: Some("pi_9".into()),
                decline_code: "insufficient_funds".into(),
                decline_message: None,
                advice_code: Some("try_again_later".into()),
                network_advice_code: None,
            }
        );
        // localstripe: `invalid_request_error` with only `code`.
        let local = error("invalid_request_error", Some("card_declined"));
        assert_eq!(Declined::from(local).code, "card_declined");
    }

    #[test]
    fn payment_intent_statuses_map_to_outcomes() {
        let view = |status: &str| PaymentIntentView {
            id: "pi_1".into(),
            status: status.into(),
            amount: 1000,
            amount_received: None,
            currency: "eur".into(),
            client_secret: Some("pi_1_secret".into()),
            last_payment_error: None,
        };
        assert!(
            matches!(view("succeeded").into_outcome(), Ok(ChargeOutcome::Succeeded { amount, .. }) if amount.minor() == 1000)
        );
        assert!(matches!(view("requires_action").into_outcome(), Ok(ChargeOutcome::RequiresAction { .. })));
        assert!(matches!(view("processing").into_outcome(), Ok(ChargeOutcome::Pending { .. })));
        assert!(matches!(view("requires_payment_method").into_outcome(), Ok(ChargeOutcome::Failed { .. })));
        assert!(matches!(view("requires_confirmation").into_outcome(), Err(GatewayError::Rejected { .. })));
        let bad_currency = PaymentIntentView { currency: "xx".into(), ..view("succeeded") };
        assert!(matches!(bad_currency.into_outcome(), Err(GatewayError::Transport(_))));
    }

    #[tokio::test]
    async fn an_unreachable_stripe_is_a_transport_error() {
        // Port 9 (discard) on loopback is closed on any sane test machine: the connection is refused at once.
        let config = StripeConfig {
            api_base: "http://127.0.0.1:9".into(),
            request_timeout: Duration::from_secs(5),
            ..StripeConfig::new("sk_test_x", SECRET)
        };
        let result = StripeGateway::new(config).unwrap().ensure_customer("c1", "a@example.com", "A").await;
        assert!(matches!(result, Err(GatewayError::Transport(_))), "{result:?}");
    }
}
