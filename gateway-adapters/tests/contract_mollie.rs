//! The gateway contract on the Mollie adapter, against recorded responses (tests/fixtures/mollie, reconstructed
//! from Mollie's public documentation) replayed by a local HTTP server that also checks what we send.
//!
//! Each test scripts the exchanges it expects, in order; the server answers a request only if it matches the
//! next step's method and path, and, like Mollie, replays its stored answer for a POST whose `Idempotency-Key`
//! it has seen before. Contract cases that do not fit Mollie's model are replaced by Mollie-specific tests and
//! say why.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, GatewayEvent, MethodDetails, PaymentGateway,
    PaymentMethodKind, PaymentMethodRef, RefundOutcome, RefundRequest, SetupOutcome, WebhookError,
};
use chrono::Utc;
use gateway_adapters::contract::{self, ContractFixture, Delivery};
use gateway_adapters::decline::DeclineClass;
use gateway_adapters::mollie::{MollieConfig, MollieGateway};
use serde_json::Value;

const API_KEY: &str = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";
const CUSTOMER: &str = "cst_8wmqcHMN4U";

/// One expected exchange: the request we must send and the recorded answer.
struct Step {
    method: &'static str,
    path: String,
    status: u16,
    fixture: &'static str,
    /// Answer only after this long (to stage a timeout after the provider acted).
    delay: Duration,
}

fn step(method: &'static str, path: &str, status: u16, fixture: &'static str) -> Step {
    Step { method, path: path.to_owned(), status, fixture, delay: Duration::ZERO }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    idempotency_key: Option<String>,
    body: Value,
}

#[derive(Default)]
struct Script {
    steps: VecDeque<Step>,
    seen: Vec<Seen>,
    replays: HashMap<String, (u16, String)>,
    errors: Vec<String>,
}

struct Replay {
    base: String,
    script: Arc<Mutex<Script>>,
}

impl Replay {
    async fn start(steps: Vec<Step>) -> Replay {
        let script = Arc::new(Mutex::new(Script { steps: steps.into(), ..Script::default() }));
        let shared = script.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let script = shared.clone();
            async move { answer(&script, method, uri, headers, body).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Replay { base, script }
    }

    fn gateway(&self) -> MollieGateway {
        let config = MollieConfig {
            api_base: self.base.clone(),
            ..MollieConfig::new(API_KEY, "https://portal.example.com/payment-methods/done")
        };
        MollieGateway::new(config).unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.lock().unwrap().seen.clone()
    }

    /// Every scripted step was used, every request matched, and every request carried our key.
    fn assert_done(&self) {
        let script = self.script.lock().unwrap();
        assert!(script.errors.is_empty(), "unexpected requests: {:?}", script.errors);
        let left: Vec<_> = script.steps.iter().map(|s| format!("{} {}", s.method, s.path)).collect();
        assert!(left.is_empty(), "requests never sent: {left:?}");
        for seen in &script.seen {
            assert_eq!(seen.authorization.as_deref(), Some(format!("Bearer {API_KEY}").as_str()), "{seen:?}");
        }
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/mollie/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn answer(
    script: &Mutex<Script>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let hal = [("content-type", "application/hal+json")];
    let (step, replay) = {
        let mut s = script.lock().unwrap();
        s.seen.push(seen.clone());
        if seen.authorization.as_deref() != Some(&format!("Bearer {API_KEY}")) {
            return (StatusCode::UNAUTHORIZED, hal, fixture("error_401.json"));
        }
        let replay = seen.idempotency_key.as_ref().and_then(|k| s.replays.get(k).cloned());
        if replay.is_some() {
            (None, replay)
        } else {
            let matches = s.steps.front().is_some_and(|n| n.method == seen.method && n.path == seen.path);
            if !matches {
                s.errors.push(format!("{} {}", seen.method, seen.path));
                return (StatusCode::INTERNAL_SERVER_ERROR, hal, "{}".into());
            }
            (s.steps.pop_front(), None)
        }
    };
    if let Some((status, body)) = replay {
        return (StatusCode::from_u16(status).unwrap(), hal, body);
    }
    let step = step.expect("a step");
    let body = fixture(step.fixture);
    // Stored before the delay: the provider has acted even if the client stops waiting.
    if let Some(key) = &seen.idempotency_key
        && step.status < 500
    {
        script.lock().unwrap().replays.insert(key.clone(), (step.status, body.clone()));
    }
    tokio::time::sleep(step.delay).await;
    (StatusCode::from_u16(step.status).unwrap(), hal, body)
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

fn new_customer() -> Step {
    step("POST", "/v2/customers", 201, "customer_created.json")
}

fn card_mandate() -> Step {
    step("GET", &format!("/v2/customers/{CUSTOMER}/mandates/mdt_h3gAaD5zP"), 200, "mandate_creditcard_valid.json")
}

/// Card mandates come from a first payment in Mollie's checkout; the fixture uses an existing one by its id.
struct MollieFixture {
    gateway: MollieGateway,
}

#[async_trait]
impl ContractFixture for MollieFixture {
    async fn succeeding_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        let token = MethodDetails::ProviderToken { kind: PaymentMethodKind::Card, token: "mdt_h3gAaD5zP".into() };
        match self.gateway.setup_payment_method(customer, &token).await {
            Ok(SetupOutcome::Ready(method)) => method,
            other => panic!("mandate lookup gave {other:?}"),
        }
    }

    async fn declining_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        // A valid mandate whose card has expired since: the decline comes with the charge.
        self.succeeding_method(customer).await
    }

    /// The recording declines with `failureReason: card_expired`, which needs new card data.
    fn expected_decline_class(&self) -> DeclineClass {
        DeclineClass::Hard
    }

    async fn action_method(&self, _customer: &GatewayCustomerRef) -> PaymentMethodRef {
        unreachable!("recurring Mollie payments never ask for 3-D Secure; see card_setup_goes_through_checkout")
    }

    fn signature_header(&self) -> &'static str {
        unreachable!("Mollie signs no webhooks; see webhooks_are_verified_by_fetching_the_payment")
    }

    async fn payment_succeeded_delivery(&self, provider_payment_id: &str) -> Delivery {
        (BTreeMap::new(), format!("id={provider_payment_id}").into_bytes())
    }
}

fn charge_path() -> &'static str {
    "/v2/payments"
}

#[tokio::test]
async fn successful_charge() {
    let replay = Replay::start(vec![
        new_customer(),
        card_mandate(),
        step("POST", charge_path(), 201, "payment_recurring_paid_1999.json"),
    ])
    .await;
    let fx = MollieFixture { gateway: replay.gateway() };
    contract::successful_charge(&fx.gateway, &fx).await;
    replay.assert_done();
    let charge = replay.seen().into_iter().find(|s| s.path == "/v2/payments").unwrap();
    // Amount as a decimal string with the currency's two decimals, a recurring payment on the mandate.
    assert_eq!(charge.body["amount"], serde_json::json!({ "currency": "EUR", "value": "19.99" }));
    assert_eq!(charge.body["sequenceType"], "recurring");
    assert_eq!(charge.body["mandateId"], "mdt_h3gAaD5zP");
    assert_eq!(charge.body["customerId"], CUSTOMER);
    let key = charge.idempotency_key.expect("an Idempotency-Key");
    assert_eq!(charge.body["metadata"]["billing_payment_attempt_id"], key.as_str(), "the key is our attempt id");
}

#[tokio::test]
async fn declined_charge() {
    let replay = Replay::start(vec![
        new_customer(),
        card_mandate(),
        step("POST", charge_path(), 201, "payment_recurring_failed_card_expired.json"),
    ])
    .await;
    let fx = MollieFixture { gateway: replay.gateway() };
    contract::declined_charge(&fx.gateway, &fx).await;
    replay.assert_done();
}

#[tokio::test]
async fn refunds_never_exceed_the_payment() {
    let a = "/v2/payments/tr_44aKxzEbr8";
    let b = "/v2/payments/tr_9qTgQhZ2Jb";
    let a_refunds = format!("{a}/refunds");
    let b_refunds = format!("{b}/refunds");
    let replay = Replay::start(vec![
        new_customer(),
        card_mandate(),
        step("POST", charge_path(), 201, "payment_recurring_paid_1000_a.json"),
        step("GET", a, 200, "payment_recurring_paid_1000_a.json"),
        step("GET", &a_refunds, 200, "refunds_none.json"),
        step("POST", &a_refunds, 201, "refund_created_400.json"),
        step("GET", a, 200, "payment_a_remaining_600.json"),
        step("GET", &a_refunds, 200, "refunds_one.json"),
        step("POST", &a_refunds, 201, "refund_created_600.json"),
        // Nothing left: refused by the adapter before Mollie is asked to refund.
        step("GET", a, 200, "payment_a_remaining_0.json"),
        step("GET", &a_refunds, 200, "refunds_two.json"),
        new_customer(),
        card_mandate(),
        step("POST", charge_path(), 201, "payment_recurring_paid_1000_b.json"),
        step("GET", b, 200, "payment_recurring_paid_1000_b.json"),
        step("GET", &b_refunds, 200, "refunds_none.json"),
        step("GET", b, 200, "payment_recurring_paid_1000_b.json"),
        step("GET", &b_refunds, 200, "refunds_none.json"),
        step("POST", &b_refunds, 201, "refund_created_1000.json"),
    ])
    .await;
    let fx = MollieFixture { gateway: replay.gateway() };
    contract::refunds_never_exceed_the_payment(&fx.gateway, &fx).await;
    replay.assert_done();
    let refund = replay.seen().into_iter().find(|s| s.method == "POST" && s.path == a_refunds).unwrap();
    assert_eq!(refund.body["amount"]["value"], "4.00");
    let key = refund.idempotency_key.expect("an Idempotency-Key");
    assert_eq!(refund.body["metadata"]["billing_refund_id"], key.as_str());
}

#[tokio::test]
async fn mollie_refusing_a_refund_is_an_outcome_and_a_retry_finds_the_first_refund() {
    let a = "/v2/payments/tr_44aKxzEbr8";
    let refunds = format!("{a}/refunds");
    let replay = Replay::start(vec![
        step("GET", a, 200, "payment_recurring_paid_1000_a.json"),
        step("GET", &refunds, 200, "refunds_none.json"),
        step("POST", &refunds, 422, "error_422_refund.json"),
        step("GET", a, 200, "payment_a_remaining_600.json"),
        step("GET", &refunds, 200, "refunds_with_key_refund_retry_1.json"),
    ])
    .await;
    let gateway = replay.gateway();
    let req = |key: &str, minor| RefundRequest {
        idempotency_key: key.into(),
        provider_payment_id: "tr_44aKxzEbr8".into(),
        amount: eur(minor),
    };
    let refused = gateway.refund(&req("refund-raced", 1_000)).await.unwrap();
    assert!(matches!(refused, RefundOutcome::Failed { ref reason } if reason.contains("refundable")), "{refused:?}");
    let retried = gateway.refund(&req("refund-retry-1", 400)).await.unwrap();
    assert_eq!(retried, RefundOutcome::Succeeded { provider_refund_id: "re_4qqhO89gsT".into() });
    replay.assert_done();
}

// Contract case `three_d_secure_requires_action` does not apply: a recurring Mollie payment is charged on a
// mandate the customer already authorized, and never asks for the customer. 3-D Secure happens in the first
// payment, at setup, which this test covers instead.
#[tokio::test]
async fn card_setup_goes_through_checkout() {
    let first = "/v2/payments/tr_Fw8hP2mTqe";
    let replay = Replay::start(vec![
        step("POST", "/v2/payments", 201, "payment_first_open.json"),
        // The customer is back from checkout before finishing it, then after.
        step("GET", first, 200, "payment_first_open.json"),
        step("GET", first, 200, "payment_first_paid.json"),
        // Mollie's webhook for the same first payment.
        step("GET", first, 200, "payment_first_paid.json"),
    ])
    .await;
    let gateway = replay.gateway();
    let customer = GatewayCustomerRef(CUSTOMER.into());
    let outcome =
        gateway.setup_payment_method(&customer, &MethodDetails::TestCard { number: "4242424242424242".into() }).await;
    match outcome {
        Ok(SetupOutcome::RequiresAction { provider_setup_id, client_secret, redirect_hint }) => {
            assert_eq!(provider_setup_id, "tr_Fw8hP2mTqe");
            assert_eq!(client_secret, "tr_Fw8hP2mTqe");
            assert_eq!(redirect_hint.as_deref(), Some("https://www.mollie.com/checkout/select-method/Fw8hP2mTqe"));
        }
        other => panic!("{other:?}"),
    }
    let pending = gateway.complete_setup(&customer, "tr_Fw8hP2mTqe").await.unwrap();
    assert!(matches!(pending, SetupOutcome::RequiresAction { .. }), "not finished yet: {pending:?}");
    let done = gateway.complete_setup(&customer, "tr_Fw8hP2mTqe").await.unwrap();
    assert_eq!(done, SetupOutcome::Ready(PaymentMethodRef("mdt_pWUnw6pkBN".into())), "the mandate is the method");
    let fx = MollieFixture { gateway: replay.gateway() };
    let (headers, body) = fx.payment_succeeded_delivery("tr_Fw8hP2mTqe").await;
    let event = gateway.verify_webhook(&headers, &body, Utc::now()).await.unwrap();
    assert_eq!(
        event,
        GatewayEvent::SetupSucceeded {
            provider_event_id: "tr_Fw8hP2mTqe:paid".into(),
            provider_setup_id: "tr_Fw8hP2mTqe".into(),
            method: PaymentMethodRef("mdt_pWUnw6pkBN".into()),
        },
        "a first payment's webhook reports the setup, not a charge"
    );
    replay.assert_done();
    let first = &replay.seen()[0];
    assert_eq!(first.body["sequenceType"], "first");
    assert_eq!(first.body["customerId"], CUSTOMER);
    assert!(!first.body.to_string().contains("4242424242424242"), "no card number ever reaches Mollie");
}

#[tokio::test]
async fn a_card_setup_whose_authentication_failed_is_declined() {
    let replay =
        Replay::start(vec![step("GET", "/v2/payments/tr_Fw8hP2mTqe", 200, "payment_first_failed_authentication.json")])
            .await;
    let gateway = replay.gateway();
    let customer = GatewayCustomerRef(CUSTOMER.into());
    let outcome = gateway.complete_setup(&customer, "tr_Fw8hP2mTqe").await.unwrap();
    assert!(
        matches!(outcome, SetupOutcome::Failed { ref decline_code, .. } if decline_code == "authentication_required"),
        "{outcome:?}"
    );
    // An id that is not a Mollie payment id never reaches a URL.
    let bad = gateway.complete_setup(&customer, "tr_../../v2/customers").await;
    assert!(matches!(bad, Err(GatewayError::Rejected { .. })), "{bad:?}");
    replay.assert_done();
}

#[tokio::test]
async fn a_sepa_mandate_is_created_from_the_iban_and_its_debit_is_pending() {
    let replay = Replay::start(vec![
        step("GET", &format!("/v2/customers/{CUSTOMER}"), 200, "customer_get.json"),
        step("POST", &format!("/v2/customers/{CUSTOMER}/mandates"), 201, "mandate_directdebit_valid.json"),
        step("POST", "/v2/payments", 201, "payment_recurring_pending_directdebit.json"),
    ])
    .await;
    let gateway = replay.gateway();
    let customer = GatewayCustomerRef(CUSTOMER.into());
    let iban =
        MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: "NL55 INGB 0000 0000 00".into() };
    let method = match gateway.setup_payment_method(&customer, &iban).await.unwrap() {
        SetupOutcome::Ready(method) => method,
        other => panic!("{other:?}"),
    };
    assert_eq!(method.0, "mdt_pWUnw6pkBN");
    let charge = ChargeRequest {
        idempotency_key: "attempt-sepa-1".into(),
        customer,
        method,
        amount: eur(2_900),
        description: "Invoice INV-2026-000001".into(),
        metadata: BTreeMap::new(),
    };
    assert_eq!(
        gateway.charge(&charge).await.unwrap(),
        ChargeOutcome::Pending { provider_payment_id: "tr_Q4vC4WJw3m".into() }
    );
    replay.assert_done();
    let mandate = &replay.seen()[1].body;
    assert_eq!(mandate["method"], "directdebit");
    assert_eq!(mandate["consumerAccount"], "NL55INGB0000000000");
    assert_eq!(mandate["consumerName"], "Contract Customer");
}

#[tokio::test]
async fn a_timeout_after_mollie_took_the_money_is_retried_with_the_same_key_and_charges_once() {
    let slow = Step {
        delay: Duration::from_millis(1_500),
        ..step("POST", "/v2/payments", 201, "payment_recurring_paid_1999.json")
    };
    let replay = Replay::start(vec![slow]).await;
    let config = MollieConfig {
        api_base: replay.base.clone(),
        request_timeout: Duration::from_millis(300),
        ..MollieConfig::new(API_KEY, "https://portal.example.com/done")
    };
    let gateway = MollieGateway::new(config).unwrap();
    let charge = ChargeRequest {
        idempotency_key: "attempt-timeout-1".into(),
        customer: GatewayCustomerRef(CUSTOMER.into()),
        method: PaymentMethodRef("mdt_h3gAaD5zP".into()),
        amount: eur(1_999),
        description: "Invoice".into(),
        metadata: BTreeMap::new(),
    };
    let first = gateway.charge(&charge).await;
    assert_eq!(first, Err(GatewayError::Timeout));
    contract::assert_retryable(&first);
    let retry = gateway.charge(&charge).await.unwrap();
    assert_eq!(retry, ChargeOutcome::Succeeded { provider_payment_id: "tr_WDqYK6vllg".into(), amount: eur(1_999) });
    replay.assert_done();
    let keys: Vec<_> = replay.seen().into_iter().map(|s| s.idempotency_key).collect();
    assert_eq!(keys, [Some("attempt-timeout-1".to_owned()), Some("attempt-timeout-1".to_owned())]);
}

// Contract case `webhooks_are_verified` does not apply as written: Mollie signs nothing and sends only
// `id=tr_…`, so there is no signature to forge and no timestamp to be stale. The adapter instead believes only
// what Mollie's API says when asked with our key.
#[tokio::test]
async fn webhooks_are_verified_by_fetching_the_payment() {
    let payment = "/v2/payments/tr_7UhSN1zuXS";
    let replay = Replay::start(vec![
        step("GET", payment, 200, "payment_recurring_paid_1234.json"),
        step("GET", payment, 200, "payment_1234_refunded.json"),
        step("GET", payment, 200, "payment_1234_charged_back.json"),
        step("GET", "/v2/payments/tr_forged00000", 404, "error_404_payment.json"),
        step("GET", payment, 503, "error_503.json"),
    ])
    .await;
    let gateway = replay.gateway();
    let fx = MollieFixture { gateway: replay.gateway() };
    let (headers, body) = fx.payment_succeeded_delivery("tr_7UhSN1zuXS").await;
    let now = Utc::now();
    let paid = gateway.verify_webhook(&headers, &body, now).await.unwrap();
    assert_eq!(
        paid,
        GatewayEvent::PaymentSucceeded {
            provider_event_id: "tr_7UhSN1zuXS:paid".into(),
            provider_payment_id: "tr_7UhSN1zuXS".into(),
            amount: eur(1_234),
            attempt_reference: None,
        }
    );
    // The same delivery later reports what happened since, with a new event id.
    let refunded = gateway.verify_webhook(&headers, &body, now).await.unwrap();
    assert_eq!(
        refunded,
        GatewayEvent::RefundSucceeded {
            provider_event_id: "tr_7UhSN1zuXS:refunded:500".into(),
            provider_payment_id: "tr_7UhSN1zuXS".into(),
            amount: eur(500),
        }
    );
    let disputed = gateway.verify_webhook(&headers, &body, now).await.unwrap();
    assert!(
        matches!(disputed, GatewayEvent::DisputeOpened { ref amount, .. } if *amount == eur(1_234)),
        "{disputed:?}"
    );
    let forged = gateway.verify_webhook(&headers, b"id=tr_forged00000", now).await;
    assert!(matches!(forged, Err(WebhookError::Malformed(_))), "{forged:?}");
    let down = gateway.verify_webhook(&headers, &body, now).await;
    assert!(matches!(down, Err(WebhookError::Unavailable(_))), "Mollie retries what we answer non-2xx: {down:?}");
    // Bodies that cannot name a payment are refused without asking Mollie; the unverifiable sync path refuses all.
    assert!(matches!(gateway.verify_webhook(&headers, b"id=../v2/x", now).await, Err(WebhookError::Malformed(_))));
    assert!(gateway.parse_webhook(&headers, &body, now).is_err());
    replay.assert_done();
}

#[tokio::test]
async fn a_wrong_api_key_is_a_configuration_error() {
    let replay = Replay::start(vec![]).await;
    let config = MollieConfig { api_base: replay.base.clone(), ..MollieConfig::new("test_wrong", "https://x.example") };
    let result = MollieGateway::new(config).unwrap().ensure_customer("cus_1", "a@example.com", "A").await;
    assert!(matches!(result, Err(GatewayError::Misconfigured(_))), "{result:?}");
}
