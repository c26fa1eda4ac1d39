//! The gateway contract: one async test suite that every [`PaymentGateway`] must pass, whatever the provider.
//!
//! Each `pub async fn` takes the gateway as `&dyn PaymentGateway` (so only the port is exercised) and a
//! [`ContractFixture`] that knows the provider-specific parts: which test method succeeds, declines or needs
//! 3-D Secure, and how to get hold of a real signed webhook. A failed expectation panics with a message naming
//! the gateway, as a test should; the functions are meant to be called from `#[tokio::test]`s.
//!
//! Provider quirks stay in the fixtures, not in the suite: e.g. localstripe reports only `card_declined` (a soft
//! decline in our table) where Stripe would send a specific `decline_code`, so its fixture expects
//! [`DeclineClass::Soft`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, PaymentGateway, PaymentMethodRef,
    RefundOutcome, RefundRequest, WebhookError,
};
use chrono::{TimeDelta, Utc};

use crate::decline::{DeclineClass, classify};

/// Headers (lower-case names) and body of one webhook delivery.
pub type Delivery = (BTreeMap<String, String>, Vec<u8>);

/// What the suite needs to know about one provider.
#[async_trait]
pub trait ContractFixture: Send + Sync {
    /// The currency every contract charge is made in.
    fn currency(&self) -> Currency {
        Currency::EUR
    }

    /// A stored method of `customer` that charges successfully.
    async fn succeeding_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef;

    /// A stored method of `customer` that sets up fine but is declined when charged.
    async fn declining_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef;

    /// How [`classify`] must judge the decline of [`ContractFixture::declining_method`].
    fn expected_decline_class(&self) -> DeclineClass;

    /// A stored method of `customer` whose off-session charge asks for 3-D Secure.
    async fn action_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef;

    /// The header that carries the webhook signature, lower-case.
    fn signature_header(&self) -> &'static str;

    /// A delivery, signed by the provider as it signs real ones, announcing that `provider_payment_id` succeeded.
    async fn payment_succeeded_delivery(&self, provider_payment_id: &str) -> Delivery;
}

/// Idempotency keys must be unique per run as well as per test: a real provider remembers keys for a day,
/// and a key reused from yesterday's run would replay yesterday's answer.
fn unique(tag: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let run = Utc::now().timestamp_micros();
    format!("contract-{tag}-{run}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

async fn customer(gateway: &dyn PaymentGateway, tag: &str) -> GatewayCustomerRef {
    let id = unique(tag);
    let customer = gateway
        .ensure_customer(&id, &format!("{id}@example.com"), "Contract Customer")
        .await
        .unwrap_or_else(|err| panic!("{}: ensure_customer failed: {err}", gateway.kind()));
    assert!(!customer.0.is_empty(), "{}: empty customer reference", gateway.kind());
    customer
}

fn charge_request(customer: &GatewayCustomerRef, method: &PaymentMethodRef, amount: Money) -> ChargeRequest {
    ChargeRequest {
        idempotency_key: unique("charge"),
        customer: customer.clone(),
        method: method.clone(),
        amount,
        description: "contract test charge".into(),
        metadata: BTreeMap::from([("suite".to_owned(), "contract".to_owned())]),
    }
}

async fn charge(gateway: &dyn PaymentGateway, req: &ChargeRequest) -> ChargeOutcome {
    gateway.charge(req).await.unwrap_or_else(|err| panic!("{}: charge returned an error: {err}", gateway.kind()))
}

/// Charges `minor` units with the fixture's succeeding method and returns the provider's payment id.
async fn successful_payment(
    gateway: &dyn PaymentGateway,
    fixture: &dyn ContractFixture,
    minor: i64,
) -> (String, Money) {
    let customer = customer(gateway, "pay").await;
    let method = fixture.succeeding_method(&customer).await;
    let amount = Money::from_minor(minor, fixture.currency());
    match charge(gateway, &charge_request(&customer, &method, amount)).await {
        ChargeOutcome::Succeeded { provider_payment_id, amount: charged } => {
            assert_eq!(charged, amount, "{}: charged amount differs from the request", gateway.kind());
            assert!(!provider_payment_id.is_empty(), "{}: empty payment id", gateway.kind());
            (provider_payment_id, amount)
        }
        other => panic!("{}: expected Succeeded, got {other:?}", gateway.kind()),
    }
}

/// A successful charge returns `Succeeded` with exactly the requested amount.
pub async fn successful_charge(gateway: &dyn PaymentGateway, fixture: &dyn ContractFixture) {
    // An odd amount, so that a gateway rounding to whole units or dropping the minor units shows.
    successful_payment(gateway, fixture, 1_999).await;
}

/// A declining method gives `Failed` (an outcome, not an error) with a non-empty code of the expected class.
pub async fn declined_charge(gateway: &dyn PaymentGateway, fixture: &dyn ContractFixture) {
    let customer = customer(gateway, "decline").await;
    let method = fixture.declining_method(&customer).await;
    let req = charge_request(&customer, &method, Money::from_minor(2_500, fixture.currency()));
    match charge(gateway, &req).await {
        ChargeOutcome::Failed { decline_code, advice_code, .. } => {
            assert!(!decline_code.trim().is_empty(), "{}: decline without a code", gateway.kind());
            assert_eq!(
                classify(&decline_code, advice_code.as_deref()),
                fixture.expected_decline_class(),
                "{}: decline {decline_code} (advice {advice_code:?}) classified unexpectedly",
                gateway.kind()
            );
        }
        other => panic!("{}: expected Failed, got {other:?}", gateway.kind()),
    }
}

/// A method that needs 3-D Secure gives `RequiresAction` with a client secret for the browser SDK.
pub async fn three_d_secure_requires_action(gateway: &dyn PaymentGateway, fixture: &dyn ContractFixture) {
    let customer = customer(gateway, "3ds").await;
    let method = fixture.action_method(&customer).await;
    let req = charge_request(&customer, &method, Money::from_minor(3_000, fixture.currency()));
    match charge(gateway, &req).await {
        ChargeOutcome::RequiresAction { provider_payment_id, client_secret } => {
            assert!(!provider_payment_id.is_empty(), "{}: empty payment id", gateway.kind());
            assert!(!client_secret.is_empty(), "{}: empty client secret", gateway.kind());
        }
        other => panic!("{}: expected RequiresAction, got {other:?}", gateway.kind()),
    }
}

async fn refund(gateway: &dyn PaymentGateway, payment: &str, amount: Money) -> RefundOutcome {
    let req = RefundRequest { idempotency_key: unique("refund"), provider_payment_id: payment.to_owned(), amount };
    gateway.refund(&req).await.unwrap_or_else(|err| panic!("{}: refund returned an error: {err}", gateway.kind()))
}

/// Partial refunds accumulate up to the amount paid and not one minor unit further; an over-refund in one go
/// is refused too. Refusals are `RefundOutcome::Failed`, not errors.
pub async fn refunds_never_exceed_the_payment(gateway: &dyn PaymentGateway, fixture: &dyn ContractFixture) {
    let kind = gateway.kind();
    let currency = fixture.currency();
    let (payment, _) = successful_payment(gateway, fixture, 1_000).await;
    let first = refund(gateway, &payment, Money::from_minor(400, currency)).await;
    let second = refund(gateway, &payment, Money::from_minor(600, currency)).await;
    match (&first, &second) {
        (RefundOutcome::Succeeded { provider_refund_id: a }, RefundOutcome::Succeeded { provider_refund_id: b }) => {
            assert_ne!(a, b, "{kind}: two refunds share an id")
        }
        _ => panic!("{kind}: partial refunds should succeed, got {first:?} then {second:?}"),
    }
    let third = refund(gateway, &payment, Money::from_minor(1, currency)).await;
    assert!(matches!(third, RefundOutcome::Failed { .. }), "{kind}: refund beyond the payment gave {third:?}");

    let (other, _) = successful_payment(gateway, fixture, 1_000).await;
    let over = refund(gateway, &other, Money::from_minor(1_001, currency)).await;
    assert!(matches!(over, RefundOutcome::Failed { .. }), "{kind}: over-refund in one go gave {over:?}");
    let exact = refund(gateway, &other, Money::from_minor(1_000, currency)).await;
    assert!(matches!(exact, RefundOutcome::Succeeded { .. }), "{kind}: full refund after a refused one gave {exact:?}");
}

fn with_header(delivery: &Delivery, name: &str, value: Option<String>) -> BTreeMap<String, String> {
    let mut headers = delivery.0.clone();
    match value {
        Some(value) => headers.insert(name.to_owned(), value),
        None => headers.remove(name),
    };
    headers
}

/// A real signed delivery verifies and parses into `PaymentSucceeded`; a tampered body, a wrong or missing
/// signature, and an old delivery are refused.
pub async fn webhooks_are_verified(gateway: &dyn PaymentGateway, fixture: &dyn ContractFixture) {
    let kind = gateway.kind();
    let (payment, amount) = successful_payment(gateway, fixture, 1_234).await;
    let delivery = fixture.payment_succeeded_delivery(&payment).await;
    let now = Utc::now();

    match gateway.parse_webhook(&delivery.0, &delivery.1, now) {
        Ok(GatewayEvent::PaymentSucceeded { provider_event_id, provider_payment_id, amount: paid, .. }) => {
            assert!(!provider_event_id.is_empty(), "{kind}: event without an id");
            assert_eq!(provider_payment_id, payment, "{kind}: event for another payment");
            assert_eq!(paid, amount, "{kind}: event amount differs from the charge");
        }
        other => panic!("{kind}: a genuine delivery gave {other:?}"),
    }

    let mut tampered = delivery.1.clone();
    // Appending whitespace keeps the JSON valid, so only the signature check can catch it.
    tampered.push(b' ');
    assert_eq!(
        gateway.parse_webhook(&delivery.0, &tampered, now),
        Err(WebhookError::BadSignature),
        "{kind}: tampered body"
    );

    let header = fixture.signature_header();
    let signature = delivery.0.get(header).unwrap_or_else(|| panic!("{kind}: delivery lacks {header}")).clone();
    let mut forged = signature.clone();
    let last = forged.pop().unwrap_or('0');
    forged.push(if last == '0' { '1' } else { '0' });
    let headers = with_header(&delivery, header, Some(forged));
    assert_eq!(
        gateway.parse_webhook(&headers, &delivery.1, now),
        Err(WebhookError::BadSignature),
        "{kind}: wrong signature"
    );
    let headers = with_header(&delivery, header, None);
    assert_eq!(
        gateway.parse_webhook(&headers, &delivery.1, now),
        Err(WebhookError::BadSignature),
        "{kind}: no signature"
    );

    let later = now + TimeDelta::minutes(10);
    assert_eq!(
        gateway.parse_webhook(&delivery.0, &delivery.1, later),
        Err(WebhookError::Stale),
        "{kind}: replayed later"
    );
}

/// Everything above, in order: for a quick smoke run against a new provider.
pub async fn run_all(gateway: &dyn PaymentGateway, fixture: &dyn ContractFixture) {
    successful_charge(gateway, fixture).await;
    declined_charge(gateway, fixture).await;
    three_d_secure_requires_action(gateway, fixture).await;
    refunds_never_exceed_the_payment(gateway, fixture).await;
    webhooks_are_verified(gateway, fixture).await;
}

/// Asserts that `result` is an error that may be retried with the same idempotency key.
pub fn assert_retryable<T: std::fmt::Debug>(result: &Result<T, GatewayError>) {
    match result {
        Err(err) if err.is_retryable() => {}
        other => panic!("expected a retryable error, got {other:?}"),
    }
}
