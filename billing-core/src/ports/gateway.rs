//! The payment-gateway port: provider-neutral types and the async trait every payment adapter implements.
//!
//! The engine talks to Stripe, the built-in sandbox and future providers only through [`PaymentGateway`], so
//! nothing here may name a provider SDK type, and nothing here does I/O. Two distinctions carry the design:
//!
//! - A **decline is an outcome, not an error.** The bank answered; the answer is recorded, classified and
//!   drives dunning ([`ChargeOutcome::Failed`]). An error ([`GatewayError`]) means we do not know or could not
//!   ask, and the caller decides whether to retry.
//! - **Retries reuse the idempotency key.** [`ChargeRequest::idempotency_key`] is our payment-attempt id. After a
//!   [`GatewayError::Transport`] or [`GatewayError::Timeout`] the money may already have moved, so the caller
//!   retries with the *same* key and the provider replays the first result instead of charging twice.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// How long a signed webhook stays acceptable after the timestamp it was signed with. Stripe's libraries use
/// five minutes; an older delivery may be a replay by someone who captured it.
pub const WEBHOOK_TOLERANCE_SECONDS: i64 = 300;

/// The provider's id for our customer (e.g. Stripe's `cus_…`). We store the mapping on our side.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GatewayCustomerRef(pub String);

/// The provider's id for a stored payment method (e.g. Stripe's `pm_…`). Never card data.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaymentMethodRef(pub String);

/// The kinds of payment method a gateway can store and charge. The router in gateway-adapters has its own
/// richer enum (it also routes offline bank transfers, which no gateway charges); it converts from this one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodKind {
    Card,
    SepaDebit,
}

impl PaymentMethodKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentMethodKind::Card => "card",
            PaymentMethodKind::SepaDebit => "sepa_debit",
        }
    }
}

/// What the customer gave us to set up a payment method, in provider-neutral form.
///
/// In production card data never reaches our servers: the provider's browser SDK turns it into a token or
/// payment-method id, which arrives here as [`MethodDetails::ProviderToken`]. Raw test card numbers exist
/// only for sandboxes and provider test modes, where the documented test numbers select the outcome.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum MethodDetails {
    /// A provider's published test card number, e.g. `4242424242424242`.
    TestCard { number: String },
    /// A token or payment-method id created by the provider's client-side SDK (e.g. `pm_…`).
    ProviderToken { kind: PaymentMethodKind, token: String },
}

impl MethodDetails {
    pub fn kind(&self) -> PaymentMethodKind {
        match self {
            MethodDetails::TestCard { .. } => PaymentMethodKind::Card,
            MethodDetails::ProviderToken { kind, .. } => *kind,
        }
    }
}

// Hand-written so that a stray `{:?}` in a log line never prints a full card number, even a test one:
// log scanners cannot tell test numbers from real ones.
impl std::fmt::Debug for MethodDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MethodDetails::TestCard { number } => {
                let last4 = number.get(number.len().saturating_sub(4)..).unwrap_or("");
                f.debug_struct("TestCard").field("last4", &last4).finish()
            }
            MethodDetails::ProviderToken { kind, token } => {
                f.debug_struct("ProviderToken").field("kind", kind).field("token", token).finish()
            }
        }
    }
}

/// A stored method as the provider describes it (never the full number).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct MethodInfo {
    /// Lower-case network name (`visa`, `mastercard`, ...), for cards.
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub exp_month: Option<u8>,
    pub exp_year: Option<u16>,
}

/// How the customer accepted a SEPA Direct Debit mandate, for providers that keep the proof
/// with the mandate (Stripe's `mandate_data[customer_acceptance]`; docs/adr/0044).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MandateAcceptance {
    pub accepted_at: DateTime<Utc>,
    pub ip_address: String,
    pub user_agent: String,
}

/// A request to store a payment method for later off-session charges: the two arguments of
/// [`PaymentGateway::setup_payment_method`] as one value, for job payloads and the ledger.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SetupRequest {
    pub customer: GatewayCustomerRef,
    pub method_details: MethodDetails,
}

/// The result of setting up a payment method.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum SetupOutcome {
    /// Stored and usable for off-session charges.
    Ready(PaymentMethodRef),
    /// The customer must authenticate (3-D Secure, a bank redirect) before the method is usable; the portal
    /// hands `client_secret` to the provider's browser SDK (or sends the customer to `redirect_hint`).
    /// Once the customer is back, [`PaymentGateway::complete_setup`] with `provider_setup_id` tells how it
    /// ended (Stripe's SetupIntent `seti_…`, Mollie's first payment `tr_…`).
    RequiresAction { provider_setup_id: String, client_secret: String, redirect_hint: Option<String> },
    /// The issuer refused the method while it was being set up. Like a charge decline this is an answer, not
    /// a failure to get one: show it to the customer and ask for another method.
    Failed { decline_code: String, decline_message: Option<String> },
}

/// One attempt to collect money off-session.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// Our payment-attempt id. Sent to the provider as its idempotency key, and reused verbatim on every
    /// retry of this attempt so that a retry can never charge twice.
    pub idempotency_key: String,
    pub customer: GatewayCustomerRef,
    pub method: PaymentMethodRef,
    pub amount: Money,
    pub description: String,
    pub metadata: BTreeMap<String, String>,
}

/// What the provider answered to a charge.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ChargeOutcome {
    /// Captured. `amount` is what the provider reports as received, so a mismatch with the request is visible.
    Succeeded { provider_payment_id: String, amount: Money },
    /// The issuer wants the customer to authenticate (3-D Secure); no money has moved yet.
    RequiresAction { provider_payment_id: String, client_secret: String },
    /// Declined. Classify `decline_code` with `gateway_adapters::decline::classify` (with `advice_code`) to
    /// decide whether dunning may retry.
    Failed {
        provider_payment_id: Option<String>,
        decline_code: String,
        decline_message: Option<String>,
        advice_code: Option<String>,
        /// The card network's advice, when the provider passes it on: a Mastercard Merchant Advice
        /// Code (`02` try again later, `03`/`21` do not try again; Stripe's `network_advice_code`).
        /// Dunning honours it (`billing_core::retry_rules`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        network_advice_code: Option<String>,
    },
    /// Accepted but not final (e.g. SEPA debits settle after days); the final result arrives by webhook.
    Pending { provider_payment_id: String },
}

/// A refund of (part of) a captured payment.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Our refund id; reused on retries for the same reason as [`ChargeRequest::idempotency_key`].
    pub idempotency_key: String,
    pub provider_payment_id: String,
    /// Must be positive and in the payment's currency.
    pub amount: Money,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum RefundOutcome {
    Succeeded {
        provider_refund_id: String,
    },
    /// Refused, e.g. because it would exceed what is left to refund. Nothing was refunded.
    Failed {
        reason: String,
    },
}

/// We could not get an answer, or our request was unacceptable. Declines are not errors: see [`ChargeOutcome`].
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error, Serialize, Deserialize)]
pub enum GatewayError {
    /// Network failure, 5xx, rate limit or an unreadable answer: the request may or may not have taken
    /// effect. Retry later with the SAME idempotency key.
    #[error("gateway transport failure (retry with the same idempotency key): {0}")]
    Transport(String),
    /// No answer in time; as for [`GatewayError::Transport`], the money may have moved.
    #[error("gateway timed out (retry with the same idempotency key)")]
    Timeout,
    /// The provider refused our request as malformed or conflicting (e.g. an idempotency key reused with a
    /// different amount). Retrying the same request cannot help.
    #[error("gateway rejected the request: {code}: {message}")]
    Rejected { code: String, message: String },
    /// Credentials or configuration are wrong; an operator must act.
    #[error("gateway misconfigured: {0}")]
    Misconfigured(String),
}

impl GatewayError {
    /// Whether the same request, with the same idempotency key, may be sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, GatewayError::Transport(_) | GatewayError::Timeout)
    }
}

/// A provider webhook, verified and reduced to what the engine acts on. Events are delivered at least once
/// and out of order, so consumers deduplicate by `provider_event_id`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum GatewayEvent {
    PaymentSucceeded {
        provider_event_id: String,
        provider_payment_id: String,
        amount: Money,
        /// Our payment-attempt id (the idempotency key), where the provider echoes it back (Stripe and
        /// Mollie metadata): it ties the money to an attempt that never heard the provider's answer,
        /// e.g. one abandoned after timeouts before failing over to another gateway.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attempt_reference: Option<String>,
    },
    PaymentFailed {
        provider_event_id: String,
        provider_payment_id: String,
        decline_code: String,
    },
    /// `amount` is the TOTAL refunded on the payment so far, not this refund's share: Stripe's `charge.refunded`
    /// carries only the total, and a total stays correct under duplicate or reordered deliveries (keep the max).
    RefundSucceeded {
        provider_event_id: String,
        provider_payment_id: String,
        amount: Money,
    },
    DisputeOpened {
        provider_event_id: String,
        provider_payment_id: String,
        amount: Money,
        reason: String,
    },
    /// A payment-method setup that waited for the customer's authentication succeeded
    /// (Stripe's `setup_intent.succeeded`): `method` is now usable off-session.
    SetupSucceeded {
        provider_event_id: String,
        provider_setup_id: String,
        method: PaymentMethodRef,
    },
    /// The customer failed or abandoned that authentication (`setup_intent.setup_failed`, `.canceled`).
    SetupFailed {
        provider_event_id: String,
        provider_setup_id: String,
        decline_code: String,
    },
    /// Verified, but nothing the engine acts on; kept so that it can be acknowledged and logged.
    Other {
        provider_event_id: String,
        kind: String,
    },
}

impl GatewayEvent {
    pub fn provider_event_id(&self) -> &str {
        match self {
            GatewayEvent::PaymentSucceeded { provider_event_id, .. }
            | GatewayEvent::PaymentFailed { provider_event_id, .. }
            | GatewayEvent::RefundSucceeded { provider_event_id, .. }
            | GatewayEvent::DisputeOpened { provider_event_id, .. }
            | GatewayEvent::SetupSucceeded { provider_event_id, .. }
            | GatewayEvent::SetupFailed { provider_event_id, .. }
            | GatewayEvent::Other { provider_event_id, .. } => provider_event_id,
        }
    }
}

/// Why an incoming webhook was refused. The HTTP handler answers 400 to all of them.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum WebhookError {
    /// Missing or unparseable signature header, or no signature matches the secret.
    #[error("webhook signature missing or invalid")]
    BadSignature,
    /// Correctly signed, but the signature timestamp is outside [`WEBHOOK_TOLERANCE_SECONDS`] of now.
    #[error("webhook signature timestamp is outside the tolerance")]
    Stale,
    /// Correctly signed and fresh, but the body is not an event we can read.
    #[error("webhook body malformed: {0}")]
    Malformed(String),
    /// The delivery can only be checked by asking the provider (Mollie), and the provider could not be
    /// asked just now. Answer non-2xx so that the provider delivers it again later.
    #[error("webhook could not be checked with the provider: {0}")]
    Unavailable(String),
}

/// A payment provider, as the engine sees it. Object-safe: the engine holds `Arc<dyn PaymentGateway>`.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// A short stable name for logs and the ledger, e.g. `stripe` or `sandbox`.
    fn kind(&self) -> &'static str;

    /// Creates the provider-side customer for `our_customer_id`. Providers cannot all look customers up by our
    /// id, so the caller stores the returned reference and calls this once per customer and gateway.
    async fn ensure_customer(
        &self,
        our_customer_id: &str,
        email: &str,
        name: &str,
    ) -> Result<GatewayCustomerRef, GatewayError>;

    /// Stores a payment method for off-session use by `customer`.
    async fn setup_payment_method(
        &self,
        customer: &GatewayCustomerRef,
        method_details: &MethodDetails,
    ) -> Result<SetupOutcome, GatewayError>;

    /// How a setup that answered [`SetupOutcome::RequiresAction`] stands now that the customer has (or has
    /// not) authenticated: `Ready` with the usable method, `RequiresAction` again while the customer has not
    /// finished, `Failed` when authentication failed or was abandoned. Only reads; safe to repeat.
    async fn complete_setup(
        &self,
        customer: &GatewayCustomerRef,
        provider_setup_id: &str,
    ) -> Result<SetupOutcome, GatewayError> {
        let _ = (customer, provider_setup_id);
        Err(GatewayError::Rejected {
            code: "setup_completion_unsupported".into(),
            message: format!("{} never asks the customer to authenticate a setup", self.kind()),
        })
    }

    /// The key the provider's browser SDK starts with (Stripe's publishable key `pk_…`), when
    /// the account has one: the portal then collects cards with the provider's own form
    /// (docs/adr/0044). Not a secret.
    fn browser_key(&self) -> Option<String> {
        None
    }

    /// Starts a card setup that the customer's browser finishes with the provider's SDK (a Stripe
    /// SetupIntent for `confirmCardSetup`): [`SetupOutcome::RequiresAction`] with its id and
    /// client secret; [`PaymentGateway::complete_setup`] then tells how it ended.
    async fn begin_card_setup(&self, customer: &GatewayCustomerRef) -> Result<SetupOutcome, GatewayError> {
        let _ = customer;
        Err(GatewayError::Rejected {
            code: "browser_setup_unsupported".into(),
            message: format!("{} has no browser SDK to collect cards with", self.kind()),
        })
    }

    /// Stores a SEPA Direct Debit mandate the customer accepted (`iban` is the account) with the
    /// acceptance, where the provider records it (Stripe's SetupIntent with `mandate_data`).
    /// Providers without such a record store it as [`PaymentGateway::setup_payment_method`] does.
    async fn setup_sepa_mandate(
        &self,
        customer: &GatewayCustomerRef,
        iban: &str,
        acceptance: &MandateAcceptance,
    ) -> Result<SetupOutcome, GatewayError> {
        let _ = acceptance;
        let details = MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: iban.to_owned() };
        self.setup_payment_method(customer, &details).await
    }

    /// Charges a stored method off-session. Safe to repeat with the same `idempotency_key`.
    async fn charge(&self, req: &ChargeRequest) -> Result<ChargeOutcome, GatewayError>;

    /// Where a payment stands now, read from the provider: how the collection run settles a charge
    /// that waited for 3-D Secure when its webhook never came. Only reads; safe to repeat.
    async fn payment_status(&self, provider_payment_id: &str) -> Result<ChargeOutcome, GatewayError> {
        Err(GatewayError::Rejected {
            code: "payment_status_unsupported".into(),
            message: format!("{} cannot be asked about payment {provider_payment_id}", self.kind()),
        })
    }

    /// Refunds part or all of a captured payment. Safe to repeat with the same `idempotency_key`.
    async fn refund(&self, req: &RefundRequest) -> Result<RefundOutcome, GatewayError>;

    /// What the provider knows of a stored method (card brand, last four, expiry; an account's
    /// last four): the engine shows these rather than what was typed. `None` when the provider
    /// cannot be asked (the sandbox: the typed test number is its own record). Only reads.
    async fn method_info(&self, method: &PaymentMethodRef) -> Result<Option<MethodInfo>, GatewayError> {
        let _ = method;
        Ok(None)
    }

    /// Detaches a removed method at the provider, so that it can never be charged again (Stripe's
    /// `POST /v1/payment_methods/{id}/detach`). Providers without such a call do nothing.
    async fn detach_method(&self, method: &PaymentMethodRef) -> Result<(), GatewayError> {
        let _ = method;
        Ok(())
    }

    /// Verifies and normalizes a webhook delivery. `headers` are keyed by lower-case header name; `now` is
    /// passed in (not read from the clock) so that the staleness check is testable.
    fn parse_webhook(
        &self,
        headers: &BTreeMap<String, String>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<GatewayEvent, WebhookError>;

    /// Like [`PaymentGateway::parse_webhook`], for providers whose deliveries can only be trusted after a call
    /// back to them: Mollie signs nothing and sends only a payment id, so its adapter fetches the payment and
    /// reports the state the API returns. Webhook endpoints call this one; for signed providers it is
    /// `parse_webhook`.
    async fn verify_webhook(
        &self,
        headers: &BTreeMap<String, String>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<GatewayEvent, WebhookError> {
        self.parse_webhook(headers, body, now)
    }
}

/// One configured gateway account, as the engine hands it to [`Gateways`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GatewayAccountSpec {
    /// The tenant owning the account: whatever an adapter keeps on our side (the sandbox's
    /// records) is stored under it.
    pub tenant: crate::ids::TenantId,
    pub id: uuid::Uuid,
    pub provider: String,
    pub name: String,
    /// Provider credentials and options (secrets included): never log or return it.
    pub config: serde_json::Value,
    pub active: bool,
}

/// A technical failure of one earlier call to an account, from the ledger: feeds the circuit breaker.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AttemptHealth {
    pub at: DateTime<Utc>,
    /// `None` when the gateway answered (a decline is an answer); else `timeout`, `transport`, ...
    pub gateway_error: Option<String>,
}

/// One account the router may choose, with what the customer has stored there.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RoutableAccount {
    pub account: GatewayAccountSpec,
    pub usable_methods: Vec<PaymentMethodKind>,
    pub recent_attempts: Vec<AttemptHealth>,
}

/// What the router needs to know about one payment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RoutingInput {
    pub amount: Money,
    pub customer_country: crate::country::Country,
    pub method: PaymentMethodKind,
    pub segment: Option<String>,
    /// Stable per payment (the invoice id), so the percentage split keeps a payment on one account.
    pub routing_key: String,
    pub accounts: Vec<RoutableAccount>,
}

/// An account to try, in order, and why it was chosen (recorded on the attempt).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RoutedAccount {
    pub account: uuid::Uuid,
    pub reason: String,
}

/// What the engine needs from outside to collect through a tenant's gateway accounts: building the
/// gateway of an account, routing (a pure function in gateway-adapters) and decline classification.
/// Implemented in gateway-adapters, so billing-core stays free of provider code.
pub trait Gateways: Send + Sync {
    /// The gateway for an account, built from its config (and cached per account).
    fn gateway(&self, account: &GatewayAccountSpec) -> Result<std::sync::Arc<dyn PaymentGateway>, GatewayError>;
    /// Checks a provider config before it is stored; the message names the bad key.
    fn validate_config(&self, provider: &str, config: &serde_json::Value) -> Result<(), String>;
    /// What to store for a new account's `config`: checked as [`Gateways::validate_config`] does,
    /// completed with what the account needs generated (a sandbox's random webhook signing
    /// secret), and with every credential sealed (`crate::secrets`). The stored form is only ever
    /// read back through [`Gateways::gateway`].
    fn prepare_config(&self, provider: &str, config: &serde_json::Value) -> Result<serde_json::Value, String>;
    /// Replaces an account's webhook signing secret. `new_secret` is the provider's new secret
    /// (Stripe issues it); `None` generates one where we sign (the sandbox). The old secret keeps
    /// verifying until `previous_until`. Returns the config to store and the new secret in clear,
    /// shown once to the merchant.
    fn rotate_webhook_secret(
        &self,
        provider: &str,
        stored: &serde_json::Value,
        new_secret: Option<&str>,
        previous_until: DateTime<Utc>,
    ) -> Result<(serde_json::Value, String), String>;
    /// Checks a routing rule document before it is stored.
    fn validate_rules(&self, rules: &serde_json::Value) -> Result<(), String>;
    /// Whether a stored config's credentials are for the provider's live mode (`Some(true)`) or
    /// its test mode (`Some(false)`); `None` when it cannot tell. Only the answer leaves: the
    /// credential is opened to read its prefix and dropped.
    fn live_mode(&self, _provider: &str, _stored: &serde_json::Value) -> Option<bool> {
        None
    }
    /// Orders the accounts to try for a payment; `Err` carries why none fits.
    fn route(
        &self,
        rules: &serde_json::Value,
        input: &RoutingInput,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutedAccount>, String>;
    /// `"hard"` or `"soft"` for a decline code (and advice code).
    fn classify(&self, decline_code: &str, advice_code: Option<&str>) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;

    #[test]
    fn method_details_debug_hides_the_card_number() {
        let card = MethodDetails::TestCard { number: "4242424242424242".into() };
        let shown = format!("{card:?}");
        assert!(!shown.contains("42424242424"), "{shown}");
        assert!(shown.contains("4242"), "{shown}");
        assert_eq!(card.kind(), PaymentMethodKind::Card);
    }

    #[test]
    fn only_transport_and_timeout_are_retryable() {
        assert!(GatewayError::Transport("reset".into()).is_retryable());
        assert!(GatewayError::Timeout.is_retryable());
        assert!(!GatewayError::Rejected { code: "x".into(), message: "y".into() }.is_retryable());
        assert!(!GatewayError::Misconfigured("key".into()).is_retryable());
    }

    #[test]
    fn outcomes_serialize_with_a_tag_for_the_ledger() {
        let outcome = ChargeOutcome::Succeeded {
            provider_payment_id: "pi_1".into(),
            amount: Money::from_minor(1999, Currency::EUR),
        };
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["outcome"], "succeeded");
        assert_eq!(json["amount"]["amount"], 1999);
        let back: ChargeOutcome = serde_json::from_value(json).unwrap();
        assert_eq!(back, outcome);
    }

    #[test]
    fn the_port_is_object_safe() {
        fn takes(_: Option<&dyn PaymentGateway>) {}
        takes(None);
    }
}
