//! The gateway contract on the Stripe adapter, against a real localstripe (a fake Stripe API server) that this
//! test starts itself on a free loopback port.
//!
//! Needs `LOCALSTRIPE_PYTHON`: the python of a virtualenv with localstripe installed. Without it every test here
//! fails (on purpose: a skipped peer test would look like a passing one). Setup:
//!
//! ```text
//! python3 -m venv .ci-work/localstripe-venv
//! .ci-work/localstripe-venv/bin/pip install localstripe==1.15.10
//! export LOCALSTRIPE_PYTHON=$PWD/.ci-work/localstripe-venv/bin/python
//! ```
//!
//! localstripe ignores `Idempotency-Key` (Stripe honours it), so idempotency is covered by the sandbox suite.
//! It does sign webhooks exactly like Stripe, and the webhook test verifies a real delivery of its.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use billing_core::currency::Currency;
use billing_core::money::Money;
use billing_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, MethodDetails, PaymentGateway, PaymentMethodRef,
    RefundRequest, SetupOutcome,
};
use gateway_adapters::contract::{self, ContractFixture, Delivery};
use gateway_adapters::decline::DeclineClass;
use gateway_adapters::stripe::{SIGNATURE_HEADER, StripeConfig, StripeGateway};

const API_KEY: &str = "sk_test_contract";
const WEBHOOK_SECRET: &str = "whsec_contract";

/// Card numbers as localstripe interprets them (see the peer notes): 0341 attaches and then declines when
/// charged, 0002 declines already when attached, 3155 needs 3-D Secure.
const SUCCEEDS: &str = "4242424242424242";
const DECLINES_ON_CHARGE: &str = "4000000000000341";
const DECLINES_ON_ATTACH: &str = "4000000000000002";
const THREE_D_SECURE: &str = "4000002500003155";

/// One localstripe per test binary, shared by the tests, plus the receiver its webhooks are sent to.
struct Peer {
    base_url: String,
    deliveries: Arc<(Mutex<Vec<Delivery>>, Condvar)>,
    log: PathBuf,
    // Held, never used: the launcher exits when this pipe closes, i.e. when the test process ends.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

fn peer() -> &'static Peer {
    static PEER: OnceLock<Peer> = OnceLock::new();
    PEER.get_or_init(start_peer)
}

fn start_peer() -> Peer {
    let python = std::env::var("LOCALSTRIPE_PYTHON").unwrap_or_default();
    assert!(
        !python.is_empty(),
        "LOCALSTRIPE_PYTHON is not set. The Stripe contract tests run against localstripe and must not be \
         skipped. Set it up with:\n  python3 -m venv .ci-work/localstripe-venv\n  \
         .ci-work/localstripe-venv/bin/pip install localstripe==1.15.10\n  \
         export LOCALSTRIPE_PYTHON=$PWD/.ci-work/localstripe-venv/bin/python"
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/peers/localstripe_run.py");
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("localstripe-{}.log", std::process::id()));
    let log_file = std::fs::File::create(&log).expect("create the localstripe log file");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run LOCALSTRIPE_PYTHON={python}: {err}"));
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");

    // The launcher prints its URL first; the rest of stdout is drained so the pipe can never fill up.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("LOCALSTRIPE_URL=") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let base_url = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("localstripe did not start (is localstripe installed for {python}?); its log:\n{log_text}")
    });

    let deliveries = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
    let hook_port = start_webhook_receiver(deliveries.clone());
    let peer = Peer { base_url, deliveries, log, _stdin: Mutex::new(stdin), _child: Mutex::new(child) };
    let form =
        format!("url=http://127.0.0.1:{hook_port}/hook&secret={WEBHOOK_SECRET}&events[]=payment_intent.succeeded");
    let status = peer.post("/_config/webhooks/contract", &form);
    assert_eq!(status, 200, "registering the webhook receiver failed; localstripe log: {}", peer.log.display());
    peer
}

impl Peer {
    /// A bare HTTP/1.1 POST for localstripe's `/_config` endpoints, which are not part of the Stripe API and so
    /// not reachable through the adapter. Returns the status code.
    fn post(&self, path: &str, form: &str) -> u16 {
        let authority = self.base_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).expect("connect to localstripe");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {API_KEY}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        );
        stream.write_all(request.as_bytes()).expect("send to localstripe");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read from localstripe");
        response.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
    }

    /// Waits for localstripe's delivery about `payment_id` (it sends them about a second after the event).
    fn delivery_for(&self, payment_id: &str) -> Delivery {
        let deadline = Instant::now() + Duration::from_secs(20);
        let (lock, arrived) = &*self.deliveries;
        let mut deliveries = lock.lock().unwrap();
        loop {
            let found = deliveries.iter().find(|(_, body)| {
                serde_json::from_slice::<serde_json::Value>(body)
                    .is_ok_and(|event| event["data"]["object"]["id"] == payment_id)
            });
            if let Some(delivery) = found {
                return delivery.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no webhook for {payment_id} within 20 s; localstripe log: {}",
                self.log.display()
            );
            deliveries = arrived.wait_timeout(deliveries, left).unwrap().0;
        }
    }
}

/// A minimal HTTP server on a free loopback port that records every request's headers and body and answers 200.
fn start_webhook_receiver(deliveries: Arc<(Mutex<Vec<Delivery>>, Condvar)>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the webhook receiver");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            if let Some(delivery) = read_request(stream) {
                let (lock, arrived) = &*deliveries;
                lock.lock().unwrap().push(delivery);
                arrived.notify_all();
            }
        }
    });
    port
}

fn read_request(mut stream: TcpStream) -> Option<Delivery> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").ok()?;
    Some((headers, body))
}

fn gateway() -> Arc<StripeGateway> {
    let config = StripeConfig {
        api_base: peer().base_url.clone(),
        // localstripe answers 400 "Unexpected description".
        send_description: false,
        ..StripeConfig::new(API_KEY, WEBHOOK_SECRET)
    };
    Arc::new(StripeGateway::new(config).expect("valid config"))
}

struct StripeFixture {
    stripe: Arc<StripeGateway>,
}

impl StripeFixture {
    async fn set_up(&self, customer: &GatewayCustomerRef, number: &str) -> PaymentMethodRef {
        match self.stripe.setup_payment_method(customer, &MethodDetails::TestCard { number: number.into() }).await {
            Ok(SetupOutcome::Ready(method)) => method,
            other => panic!("setup of {number} gave {other:?}"),
        }
    }
}

#[async_trait]
impl ContractFixture for StripeFixture {
    async fn succeeding_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        self.set_up(customer, SUCCEEDS).await
    }

    async fn declining_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        self.set_up(customer, DECLINES_ON_CHARGE).await
    }

    /// localstripe sends only `code: card_declined` (no `decline_code`), which our table does not know and so
    /// treats as soft. Real Stripe would send e.g. `generic_decline` with an `advice_code`.
    fn expected_decline_class(&self) -> DeclineClass {
        DeclineClass::Soft
    }

    /// Attached without a SetupIntent, because setting this card up asks for 3-D Secure itself (see
    /// `setup_of_a_3ds_card_requires_action_and_completes_once_authenticated`). Real Stripe would answer the off-session charge with a 402
    /// `authentication_required` instead of `requires_action`; the adapter maps both.
    async fn action_method(&self, customer: &GatewayCustomerRef) -> PaymentMethodRef {
        match self.stripe.attach_test_card(customer, THREE_D_SECURE).await {
            Ok(SetupOutcome::Ready(method)) => method,
            other => panic!("attaching the 3-D Secure card gave {other:?}"),
        }
    }

    fn signature_header(&self) -> &'static str {
        SIGNATURE_HEADER
    }

    async fn payment_succeeded_delivery(&self, provider_payment_id: &str) -> Delivery {
        let payment_id = provider_payment_id.to_owned();
        tokio::task::spawn_blocking(move || peer().delivery_for(&payment_id)).await.expect("wait for the webhook")
    }
}

fn fixture() -> StripeFixture {
    StripeFixture { stripe: gateway() }
}

#[tokio::test]
async fn successful_charge() {
    let fx = fixture();
    contract::successful_charge(fx.stripe.as_ref(), &fx).await;
}

#[tokio::test]
async fn declined_charge() {
    let fx = fixture();
    contract::declined_charge(fx.stripe.as_ref(), &fx).await;
}

#[tokio::test]
async fn three_d_secure_requires_action() {
    let fx = fixture();
    contract::three_d_secure_requires_action(fx.stripe.as_ref(), &fx).await;
}

#[tokio::test]
async fn refunds_never_exceed_the_payment() {
    // localstripe itself accepts over-refunds: this passes only because of the adapter's own pre-check.
    let fx = fixture();
    contract::refunds_never_exceed_the_payment(fx.stripe.as_ref(), &fx).await;
}

#[tokio::test]
async fn a_real_signed_webhook_from_localstripe_verifies() {
    let fx = fixture();
    contract::webhooks_are_verified(fx.stripe.as_ref(), &fx).await;
}

async fn new_customer(stripe: &StripeGateway, id: &str) -> GatewayCustomerRef {
    let customer = stripe.ensure_customer(id, "stripe-contract@example.com", "Stripe Contract").await.unwrap();
    assert!(customer.0.starts_with("cus_"), "{customer:?}");
    customer
}

/// The customer's browser finishing (or failing) 3-D Secure for a SetupIntent, as localstripe's Stripe.js does:
/// confirm again with the client secret to pass, cancel to fail.
fn authenticate_setup(setup_id: &str, client_secret: &str, passes: bool) {
    let verb = if passes { "confirm" } else { "cancel" };
    let status =
        peer().post(&format!("/v1/setup_intents/{setup_id}/{verb}"), &format!("client_secret={client_secret}"));
    assert_eq!(status, 200, "localstripe refused to {verb} {setup_id}");
}

async fn setup_needing_3ds(stripe: &StripeGateway, customer: &GatewayCustomerRef) -> (String, String) {
    let outcome =
        stripe.setup_payment_method(customer, &MethodDetails::TestCard { number: THREE_D_SECURE.into() }).await;
    match outcome {
        Ok(SetupOutcome::RequiresAction { provider_setup_id, client_secret, .. }) => {
            assert!(provider_setup_id.starts_with("seti_"), "{provider_setup_id}");
            assert!(client_secret.starts_with(&format!("{provider_setup_id}_secret_")), "{client_secret}");
            (provider_setup_id, client_secret)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn setup_of_a_3ds_card_requires_action_and_completes_once_authenticated() {
    let stripe = gateway();
    let customer = new_customer(&stripe, "setup-3ds").await;
    let (setup, secret) = setup_needing_3ds(&stripe, &customer).await;
    let waiting = stripe.complete_setup(&customer, &setup).await.unwrap();
    assert!(matches!(waiting, SetupOutcome::RequiresAction { .. }), "not authenticated yet: {waiting:?}");
    authenticate_setup(&setup, &secret, true);
    let done = stripe.complete_setup(&customer, &setup).await.unwrap();
    let SetupOutcome::Ready(method) = done else { panic!("{done:?}") };
    assert!(method.0.starts_with("pm_"), "{method:?}");
    // Asking again is a read: the same answer.
    assert_eq!(stripe.complete_setup(&customer, &setup).await.unwrap(), SetupOutcome::Ready(method));
}

#[tokio::test]
async fn a_setup_whose_authentication_failed_is_declined() {
    let stripe = gateway();
    let customer = new_customer(&stripe, "setup-3ds-fail").await;
    let (setup, secret) = setup_needing_3ds(&stripe, &customer).await;
    authenticate_setup(&setup, &secret, false);
    let outcome = stripe.complete_setup(&customer, &setup).await.unwrap();
    assert!(
        matches!(outcome, SetupOutcome::Failed { ref decline_code, .. } if decline_code == "setup_intent_authentication_failure"),
        "{outcome:?}"
    );
    let bad = stripe.complete_setup(&customer, "pi_not_a_setup").await;
    assert!(matches!(bad, Err(GatewayError::Rejected { .. })), "{bad:?}");
}

#[tokio::test]
async fn a_card_declined_at_setup_is_an_outcome() {
    let stripe = gateway();
    let customer = new_customer(&stripe, "setup-decline").await;
    let outcome =
        stripe.setup_payment_method(&customer, &MethodDetails::TestCard { number: DECLINES_ON_ATTACH.into() }).await;
    assert!(
        matches!(outcome, Ok(SetupOutcome::Failed { ref decline_code, .. }) if decline_code == "card_declined"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn unknown_objects_and_currency_mismatches_are_rejected() {
    let stripe = gateway();
    let customer = new_customer(&stripe, "rejects").await;
    let charge = ChargeRequest {
        idempotency_key: "rejects-1".into(),
        customer: customer.clone(),
        method: PaymentMethodRef("pm_does_not_exist".into()),
        amount: Money::from_minor(100, Currency::EUR),
        description: String::new(),
        metadata: BTreeMap::new(),
    };
    let err = stripe.charge(&charge).await.unwrap_err();
    assert!(matches!(err, GatewayError::Rejected { .. }), "{err:?}");

    let method = fixture().set_up(&customer, SUCCEEDS).await;
    let paid = stripe.charge(&ChargeRequest { idempotency_key: "rejects-2".into(), method, ..charge }).await.unwrap();
    let ChargeOutcome::Succeeded { provider_payment_id, .. } = paid else { panic!("{paid:?}") };
    let refund = RefundRequest {
        idempotency_key: "rejects-refund".into(),
        provider_payment_id,
        amount: Money::from_minor(50, Currency::USD),
    };
    let err = stripe.refund(&refund).await.unwrap_err();
    assert!(matches!(err, GatewayError::Rejected { ref code, .. } if code == "currency_mismatch"), "{err:?}");
}

#[tokio::test]
async fn a_retried_refund_is_found_not_repeated() {
    // localstripe ignores Idempotency-Key, so this exercises the adapter's own lookup by refund metadata.
    let fx = fixture();
    let customer = new_customer(&fx.stripe, "refund-retry").await;
    let method = fx.set_up(&customer, SUCCEEDS).await;
    let charge = ChargeRequest {
        idempotency_key: "refund-retry-charge".into(),
        customer,
        method,
        amount: Money::from_minor(900, Currency::EUR),
        description: String::new(),
        metadata: BTreeMap::new(),
    };
    let ChargeOutcome::Succeeded { provider_payment_id, .. } = fx.stripe.charge(&charge).await.unwrap() else {
        panic!("charge failed");
    };
    let refund = RefundRequest {
        idempotency_key: "refund-retry-1".into(),
        provider_payment_id,
        amount: Money::from_minor(900, Currency::EUR),
    };
    let first = fx.stripe.refund(&refund).await.unwrap();
    assert_eq!(fx.stripe.refund(&refund).await.unwrap(), first);
    let other_amount = RefundRequest { amount: Money::from_minor(100, Currency::EUR), ..refund };
    assert!(matches!(fx.stripe.refund(&other_amount).await, Err(GatewayError::Rejected { .. })));
}

#[tokio::test]
async fn a_missing_api_key_is_a_configuration_error() {
    let config = StripeConfig { api_base: peer().base_url.clone(), ..StripeConfig::new("", WEBHOOK_SECRET) };
    let result = StripeGateway::new(config).unwrap().ensure_customer("no-key", "x@example.com", "X").await;
    assert!(matches!(result, Err(GatewayError::Misconfigured(_))), "{result:?}");
}

#[tokio::test]
async fn a_charge_waiting_for_3ds_is_read_back_as_succeeded_once_the_customer_passed() {
    let fx = fixture();
    let stripe = fx.stripe.as_ref();
    let customer = new_customer(stripe, "status-3ds").await;
    let method = fx.action_method(&customer).await;
    let charge = ChargeRequest {
        idempotency_key: "status-3ds-1".into(),
        customer,
        method,
        amount: Money::from_minor(4_200, Currency::EUR),
        description: String::new(),
        metadata: BTreeMap::new(),
    };
    let ChargeOutcome::RequiresAction { provider_payment_id, client_secret } = stripe.charge(&charge).await.unwrap()
    else {
        panic!("expected RequiresAction")
    };
    let waiting = stripe.payment_status(&provider_payment_id).await.unwrap();
    assert!(matches!(waiting, ChargeOutcome::RequiresAction { .. }), "{waiting:?}");
    let form = format!("client_secret={client_secret}&success=true");
    assert_eq!(peer().post(&format!("/v1/payment_intents/{provider_payment_id}/_authenticate"), &form), 200);
    let done = stripe.payment_status(&provider_payment_id).await.unwrap();
    assert_eq!(
        done,
        ChargeOutcome::Succeeded {
            provider_payment_id: provider_payment_id.clone(),
            amount: Money::from_minor(4_200, Currency::EUR)
        }
    );
    assert!(matches!(stripe.payment_status("seti_not_a_payment").await, Err(GatewayError::Rejected { .. })));
}

#[tokio::test]
async fn a_sepa_mandates_setup_intent_carries_its_acceptance_which_localstripe_refuses_by_name() {
    use billing_core::ports::MandateAcceptance;
    let acceptance = MandateAcceptance {
        accepted_at: chrono::Utc::now(),
        ip_address: "203.0.113.7".into(),
        user_agent: "Mozilla/5.0 (contract test)".into(),
    };
    // As configured for live Stripe: the SetupIntent is confirmed with `mandate_data`, a
    // parameter localstripe does not know and names in its refusal (docs/adr/0044).
    let stripe = gateway();
    let customer = new_customer(&stripe, "sepa-mandate-data").await;
    let refused = stripe.setup_sepa_mandate(&customer, "DE89370400440532013000", &acceptance).await;
    assert!(
        matches!(&refused, Err(GatewayError::Rejected { message, .. }) if message.contains("mandate_data")),
        "{refused:?}"
    );
    // With `send_mandate_data` off (the tests' setting for localstripe) the mandate is stored.
    let config = StripeConfig {
        api_base: peer().base_url.clone(),
        send_description: false,
        send_mandate_data: false,
        ..StripeConfig::new(API_KEY, WEBHOOK_SECRET)
    };
    let lenient = StripeGateway::new(config).unwrap();
    let stored = lenient.setup_sepa_mandate(&customer, "DE89370400440532013000", &acceptance).await.unwrap();
    assert!(matches!(&stored, SetupOutcome::Ready(m) if m.0.starts_with("pm_")), "{stored:?}");
}

#[tokio::test]
async fn a_card_setup_for_stripe_js_waits_until_the_browser_confirmed_it_and_is_this_customers_only() {
    let stripe = gateway();
    let customer = new_customer(&stripe, "browser-setup").await;
    let started = stripe.begin_card_setup(&customer).await.unwrap();
    let SetupOutcome::RequiresAction { provider_setup_id, client_secret, .. } = started else { panic!("{started:?}") };
    assert!(client_secret.starts_with(&format!("{provider_setup_id}_secret_")), "{client_secret}");
    // Nothing confirmed yet: still waiting, nothing stored.
    let waiting = stripe.complete_setup(&customer, &provider_setup_id).await.unwrap();
    assert!(matches!(waiting, SetupOutcome::RequiresAction { .. }), "{waiting:?}");
    // Another customer's setup says nothing about this one's.
    let other = new_customer(&stripe, "browser-setup-other").await;
    let foreign = stripe.complete_setup(&other, &provider_setup_id).await;
    assert!(
        matches!(foreign, Err(GatewayError::Rejected { ref code, .. }) if code == "setup_intent_customer_mismatch"),
        "{foreign:?}"
    );
    // What Stripe.js's confirmCardSetup sends: the card, with the client secret.
    let status = peer().post(
        &format!("/v1/setup_intents/{provider_setup_id}/confirm"),
        &format!(
            "client_secret={client_secret}&payment_method_data[type]=card&payment_method_data[card][number]={SUCCEEDS}&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2031&payment_method_data[card][cvc]=123"
        ),
    );
    assert_eq!(status, 200);
    let done = stripe.complete_setup(&customer, &provider_setup_id).await.unwrap();
    let SetupOutcome::Ready(method) = done else { panic!("{done:?}") };
    // Attached to the customer, so that it can be charged off-session.
    let charged = stripe
        .charge(&ChargeRequest {
            idempotency_key: format!("browser-setup-{}", method.0),
            customer: customer.clone(),
            method,
            amount: Money::from_minor(1200, Currency::from_code("EUR").unwrap()),
            description: "browser setup".into(),
            metadata: BTreeMap::new(),
        })
        .await
        .unwrap();
    assert!(matches!(charged, ChargeOutcome::Succeeded { .. }), "{charged:?}");
}
