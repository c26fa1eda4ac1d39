//! The gateway contract on the built-in sandbox, plus the fault cases only the sandbox can stage: a timeout after
//! the money was taken, and idempotency replays and conflicts (localstripe ignores idempotency keys).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, MethodDetails, PaymentGateway,
    PaymentMethodRef, RefundOutcome, RefundRequest, SetupOutcome,
};
use chrono::Utc;
use gateway_adapters::contract::{self, ContractFixture, Delivery};
use gateway_adapters::decline::{DeclineClass, classify};
use gateway_adapters::sandbox::{SIGNATURE_HEADER, Sandbox};

const SUCCEEDS: &str = "4242424242424242";
const HARD_DECLINE: &str = "4000000000000002";
const INSUFFICIENT_FUNDS: &str = "4000000000009995";
const EXPIRED: &str = "4000000000000069";
const THREE_D_SECURE: &str = "4000002500003155";
const TIMES_OUT_AFTER_CAPTURE: &str = "4000000000000119";

struct SandboxFixture {
    sandbox: Arc<Sandbox>,
}

impl SandboxFixture {
    async fn method(&self, customer: &GatewayCustomerRef, number: &str) -> PaymentMethodRef {
        setup(&self.sandbox, customer, number).await
    }
}

async fn setup(sandbox: &Sandbox, customer: &GatewayCustomerRef, number: &str) -> PaymentMethodRef {
    match sandbox.setup_payment_method(customer, &MethodDetails::TestCard { number: number.into() }).await {
        Ok(SetupOutcome::Ready(method)) => method,
        other => panic!("sandbox setup of {number} gave {other:?}"),
    }
}

#[async_trait]
impl ContractFixture for SandboxFixture {
    async fn succeeding_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        self.method(customer, SUCCEEDS).await
    }

    async fn declining_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        self.method(customer, HARD_DECLINE).await
    }

    fn expected_decline_class(&self) -> DeclineClass {
        DeclineClass::Hard
    }

    async fn action_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        self.method(customer, THREE_D_SECURE).await
    }

    fn signature_header(&self) -> &'static str {
        SIGNATURE_HEADER
    }

    async fn payment_succeeded_delivery(&self, provider_payment_id: &str) -> Delivery {
        self.sandbox
            .drain_webhooks()
            .into_iter()
            .find(|(_, body)| {
                let event: serde_json::Value = serde_json::from_slice(body).unwrap();
                event["event"] == "payment_succeeded" && event["provider_payment_id"] == provider_payment_id
            })
            .unwrap_or_else(|| panic!("the sandbox emitted no payment_succeeded for {provider_payment_id}"))
    }
}

fn fixture() -> SandboxFixture {
    SandboxFixture { sandbox: Arc::new(Sandbox::new("whsec_sandbox_contract")) }
}

#[tokio::test]
async fn successful_charge() {
    let fx = fixture();
    contract::successful_charge(fx.sandbox.as_ref(), &fx).await;
}

#[tokio::test]
async fn declined_charge() {
    let fx = fixture();
    contract::declined_charge(fx.sandbox.as_ref(), &fx).await;
}

#[tokio::test]
async fn three_d_secure_requires_action() {
    let fx = fixture();
    contract::three_d_secure_requires_action(fx.sandbox.as_ref(), &fx).await;
}

#[tokio::test]
async fn refunds_never_exceed_the_payment() {
    let fx = fixture();
    contract::refunds_never_exceed_the_payment(fx.sandbox.as_ref(), &fx).await;
}

#[tokio::test]
async fn webhooks_are_verified() {
    let fx = fixture();
    contract::webhooks_are_verified(fx.sandbox.as_ref(), &fx).await;
}

#[tokio::test]
async fn the_whole_suite_runs_on_one_gateway() {
    // Catches state leaking between contract steps that separate fresh sandboxes would hide.
    let fx = fixture();
    let gateway: Arc<dyn PaymentGateway> = fx.sandbox.clone();
    contract::run_all(gateway.as_ref(), &fx).await;
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

async fn customer_with(sandbox: &Sandbox, number: &str) -> (GatewayCustomerRef, PaymentMethodRef) {
    let customer = sandbox.ensure_customer("cust-1", "a@example.com", "Alice").await.unwrap();
    let method = setup(sandbox, &customer, number).await;
    (customer, method)
}

fn request(key: &str, customer: &GatewayCustomerRef, method: &PaymentMethodRef, minor: i64) -> ChargeRequest {
    ChargeRequest {
        idempotency_key: key.into(),
        customer: customer.clone(),
        method: method.clone(),
        amount: eur(minor),
        description: "Invoice INV-1".into(),
        metadata: BTreeMap::new(),
    }
}

fn events(sandbox: &Sandbox) -> Vec<GatewayEvent> {
    sandbox.drain_webhooks().into_iter().map(|(h, b)| sandbox.parse_webhook(&h, &b, Utc::now()).unwrap()).collect()
}

#[tokio::test]
async fn timeout_after_capture_is_recovered_by_retrying_with_the_same_key() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let (customer, method) = customer_with(&sandbox, TIMES_OUT_AFTER_CAPTURE).await;
    let req = request("attempt-42", &customer, &method, 4_900);

    let first = sandbox.charge(&req).await;
    assert_eq!(first, Err(GatewayError::Timeout));
    contract::assert_retryable(&first);
    // The money is gone already, and the provider says so by webhook even though the caller heard nothing.
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(4_900));

    let retry = sandbox.charge(&req).await.unwrap();
    let ChargeOutcome::Succeeded { provider_payment_id, amount } = retry.clone() else {
        panic!("retry gave {retry:?}");
    };
    assert_eq!((provider_payment_id.as_str(), amount), ("sbx_pi_1", eur(4_900)));
    assert_eq!(sandbox.charge(&req).await.unwrap(), retry, "every further retry replays the same outcome");
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(4_900), "charged once");
    let succeeded: Vec<_> = events(&sandbox)
        .into_iter()
        .filter(|e| matches!(e, GatewayEvent::PaymentSucceeded { provider_payment_id, .. } if provider_payment_id == "sbx_pi_1"))
        .collect();
    assert_eq!(succeeded.len(), 1, "one payment, one event: {succeeded:?}");
}

#[tokio::test]
async fn a_new_key_is_a_new_payment() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let (customer, method) = customer_with(&sandbox, SUCCEEDS).await;
    let a = sandbox.charge(&request("attempt-1", &customer, &method, 1_000)).await.unwrap();
    let b = sandbox.charge(&request("attempt-2", &customer, &method, 1_000)).await.unwrap();
    assert_ne!(a, b);
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(2_000));
}

#[tokio::test]
async fn same_key_same_request_replays_successes_and_declines() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let (customer, good) = customer_with(&sandbox, SUCCEEDS).await;
    let bad = setup(&sandbox, &customer, INSUFFICIENT_FUNDS).await;
    for method in [&good, &bad] {
        let req = request(&format!("attempt-{}", method.0), &customer, method, 2_000);
        let first = sandbox.charge(&req).await.unwrap();
        assert_eq!(sandbox.charge(&req).await.unwrap(), first);
    }
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(2_000));
    assert_eq!(events(&sandbox).len(), 2, "a replay emits no second event");
}

#[tokio::test]
async fn same_key_with_another_amount_is_rejected() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let (customer, method) = customer_with(&sandbox, SUCCEEDS).await;
    sandbox.charge(&request("attempt-7", &customer, &method, 1_000)).await.unwrap();
    let err = sandbox.charge(&request("attempt-7", &customer, &method, 1_001)).await.unwrap_err();
    assert!(matches!(err, GatewayError::Rejected { ref code, .. } if code == "idempotency_error"), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(1_000));
}

#[tokio::test]
async fn refunds_are_idempotent_and_accumulate() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let (customer, method) = customer_with(&sandbox, SUCCEEDS).await;
    let ChargeOutcome::Succeeded { provider_payment_id, .. } =
        sandbox.charge(&request("attempt-1", &customer, &method, 1_000)).await.unwrap()
    else {
        panic!("charge failed");
    };
    let refund = |key: &str, minor: i64| RefundRequest {
        idempotency_key: key.into(),
        provider_payment_id: provider_payment_id.clone(),
        amount: eur(minor),
    };
    let first = sandbox.refund(&refund("refund-1", 700)).await.unwrap();
    assert_eq!(first, RefundOutcome::Succeeded { provider_refund_id: "sbx_re_1".into() });
    assert_eq!(sandbox.refund(&refund("refund-1", 700)).await.unwrap(), first, "replayed, not refunded twice");
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(300));
    let conflict = sandbox.refund(&refund("refund-1", 300)).await.unwrap_err();
    assert!(matches!(conflict, GatewayError::Rejected { .. }), "{conflict:?}");
    assert!(matches!(sandbox.refund(&refund("refund-2", 301)).await.unwrap(), RefundOutcome::Failed { .. }));
    assert!(matches!(sandbox.refund(&refund("refund-3", 300)).await.unwrap(), RefundOutcome::Succeeded { .. }));
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(0));
    let usd = RefundRequest { amount: Money::from_minor(1, Currency::USD), ..refund("refund-4", 1) };
    assert!(matches!(sandbox.refund(&usd).await, Err(GatewayError::Rejected { .. })));
    let refunds: Vec<_> = events(&sandbox)
        .into_iter()
        .filter_map(|e| match e {
            GatewayEvent::RefundSucceeded { amount, .. } => Some(amount),
            _ => None,
        })
        .collect();
    assert_eq!(refunds, [eur(700), eur(1_000)], "each event carries the running total");
}

#[tokio::test]
async fn test_cards_decline_with_their_codes_and_classes() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let customer = sandbox.ensure_customer("cust-1", "a@example.com", "Alice").await.unwrap();
    for (number, code, class) in [
        (HARD_DECLINE, "generic_decline", DeclineClass::Hard),
        (INSUFFICIENT_FUNDS, "insufficient_funds", DeclineClass::Soft),
        (EXPIRED, "expired_card", DeclineClass::Hard),
    ] {
        let method = setup(&sandbox, &customer, number).await;
        match sandbox.charge(&request(number, &customer, &method, 500)).await.unwrap() {
            ChargeOutcome::Failed { decline_code, advice_code, provider_payment_id, .. } => {
                assert_eq!(decline_code, code);
                assert_eq!(classify(&decline_code, advice_code.as_deref()), class, "{number}");
                assert!(provider_payment_id.is_some());
            }
            other => panic!("{number}: {other:?}"),
        }
    }
    let failed = events(&sandbox).into_iter().filter(|e| matches!(e, GatewayEvent::PaymentFailed { .. })).count();
    assert_eq!(failed, 3);
}

#[tokio::test]
async fn three_d_secure_completes_through_complete_action() {
    let sandbox = Sandbox::new("whsec_sandbox");
    let (customer, method) = customer_with(&sandbox, THREE_D_SECURE).await;
    let req = request("attempt-3ds", &customer, &method, 8_000);
    let first = sandbox.charge(&req).await.unwrap();
    let ChargeOutcome::RequiresAction { provider_payment_id, client_secret } = first.clone() else {
        panic!("{first:?}");
    };
    assert!(!client_secret.is_empty());
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(0), "nothing taken before authentication");
    let done = sandbox.complete_action(&provider_payment_id, true).await.unwrap();
    assert_eq!(done, ChargeOutcome::Succeeded { provider_payment_id: provider_payment_id.clone(), amount: eur(8_000) });
    assert_eq!(sandbox.net_captured(Currency::EUR).await.unwrap(), eur(8_000));
    // Like Stripe, the key replays the first answer; the final state arrives by webhook.
    assert_eq!(sandbox.charge(&req).await.unwrap(), first);
    assert!(matches!(events(&sandbox).as_slice(), [GatewayEvent::PaymentSucceeded { .. }]));
}
