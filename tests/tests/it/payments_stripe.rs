//! Stripe behind the API, against a real localstripe: a card is set up and an invoice collected, a
//! declined card is recorded with its class, and Stripe's signed webhook reaches
//! `/webhooks/{account}`. Needs `LOCALSTRIPE_PYTHON` (see gateway-adapters/tests/contract_stripe.rs).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use billing_tests::TestApp;
use serde_json::{Value, json};

pub(crate) const KEY: &str = "sk_test_e2e_0123456789abcdef";
const WEBHOOK_SECRET: &str = "whsec_e2e_0123456789abcdef";

/// A localstripe on a free loopback port; it exits when `_stdin` closes (when the test ends).
pub(crate) struct Localstripe {
    pub(crate) url: String,
    _stdin: ChildStdin,
    _child: Child,
}

pub(crate) fn localstripe() -> Localstripe {
    let python =
        std::env::var("LOCALSTRIPE_PYTHON").expect("LOCALSTRIPE_PYTHON must point at a python with localstripe");
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/peers/localstripe_run.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start localstripe");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("LOCALSTRIPE_URL=") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).expect("localstripe did not start");
    Localstripe { url, _stdin: stdin, _child: child }
}

impl Localstripe {
    /// A form POST to localstripe's own `/_config` or fake browser endpoints.
    fn post(&self, path: &str, form: &str) -> u16 {
        let authority = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {KEY}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
    }
}

async fn invoiced_customer(app: &TestApp, email: &str) -> (String, String) {
    let (customer, invoice) = app.invoiced_march_customer(email, "EUR").await;
    (customer, invoice["id"].as_str().unwrap().to_string())
}

pub(crate) async fn stripe_account(app: &TestApp, peer: &Localstripe) -> String {
    let (s, a) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "stripe-eu", "is_default": true, "config": {
                "secret_key": KEY, "webhook_secret": WEBHOOK_SECRET, "api_base": peer.url, "send_description": false } }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    a["id"].as_str().unwrap().to_string()
}

async fn add_card(app: &TestApp, customer: &str, number: &str) -> (u16, Value) {
    app.post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": number })).await
}

#[tokio::test]
async fn a_stripe_card_pays_an_invoice_a_declined_card_is_recorded_and_refunds_go_back_through_stripe() {
    let peer = localstripe();
    let app = TestApp::spawn().await;
    let account = stripe_account(&app, &peer).await;
    let (customer, invoice) = invoiced_customer(&app, "stripe@example.com").await;

    let (s, pm) = add_card(&app, &customer, "4000000000000341").await;
    assert_eq!(s, 201, "{pm}");
    assert_eq!(pm["gateway"], "stripe");
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["attempt"]["status"], "failed", "{r}");
    assert_eq!(r["attempt"]["decline_code"], "card_declined");
    assert!(r["attempt"]["decline_class"].is_string(), "{r}");
    assert_eq!(r["invoice_status"], "open");

    let (s, pm) = add_card(&app, &customer, "4242424242424242").await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["attempt"]["status"], "succeeded", "{r}");
    assert_eq!(r["attempt"]["gateway_account"], account);
    assert!(r["attempt"]["provider_payment_id"].as_str().unwrap().starts_with("pi_"), "{r}");
    assert_eq!(r["invoice_status"], "paid");

    let (s, err) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 3000 })).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("refund_too_large")), "{err}");
    let (s, refund) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 1000 })).await;
    assert_eq!(s, 201, "{refund}");
    assert!(refund["refunds"][0]["provider_refund_id"].as_str().unwrap().starts_with("re_"), "{refund}");
    assert_eq!(refund["invoice"]["amount_refunded"]["amount"], 1000);
}

#[tokio::test]
async fn stripes_signed_webhook_reaches_the_account_and_repeats_nothing_already_settled() {
    let peer = localstripe();
    let app = TestApp::spawn().await;
    let account = stripe_account(&app, &peer).await;
    let hook = format!("url={}/webhooks/{account}&secret={WEBHOOK_SECRET}&events[]=payment_intent.succeeded", app.base);
    assert_eq!(peer.post("/_config/webhooks/e2e", &hook), 200);
    let (customer, invoice) = invoiced_customer(&app, "hook@example.com").await;
    let (s, pm) = add_card(&app, &customer, "4242424242424242").await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["invoice_status"], "paid");
    // localstripe delivers payment_intent.succeeded about a second later, signed with the secret.
    let mut outcome = None;
    for _ in 0..60 {
        outcome =
            sqlx::query_scalar::<_, String>("SELECT outcome FROM gateway_events WHERE kind = 'payment_succeeded'")
                .fetch_optional(&app.db.pool)
                .await
                .unwrap();
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(outcome.as_deref(), Some("already settled"));
    assert_eq!(app.count("invoice_payments").await, 1);

    // A delivery signed with another secret is refused and changes nothing.
    let events = app.count("gateway_events").await;
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/{account}")))
        .header("stripe-signature", "t=1700000000,v1=deadbeef")
        .body(r#"{"id":"evt_forged","type":"payment_intent.succeeded","data":{"object":{}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(app.count("gateway_events").await, events);
}

/// Waits for localstripe's delivery of `kind` to be stored, and returns what it did.
async fn webhook_outcome(app: &TestApp, kind: &str) -> Option<String> {
    for _ in 0..60 {
        let outcome = sqlx::query_scalar::<_, String>("SELECT outcome FROM gateway_events WHERE kind = $1")
            .bind(kind)
            .fetch_optional(&app.db.pool)
            .await
            .unwrap();
        if outcome.is_some() {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    None
}

#[tokio::test]
async fn a_3ds_card_is_authenticated_at_setup_and_again_at_charge_then_the_invoice_is_paid() {
    let peer = localstripe();
    let app = TestApp::spawn().await;
    let account = stripe_account(&app, &peer).await;
    let hook = format!("url={}/webhooks/{account}&secret={WEBHOOK_SECRET}&events[]=payment_intent.succeeded", app.base);
    assert_eq!(peer.post("/_config/webhooks/e2e", &hook), 200);
    let (customer, invoice) = invoiced_customer(&app, "3ds@example.com").await;

    // The issuer wants 3-D Secure when the card is saved: a pending setup, nothing usable yet.
    let (s, setup) = add_card(&app, &customer, "4000002500003155").await;
    assert_eq!(s, 202, "{setup}");
    assert_eq!(setup["status"], "requires_action");
    assert_eq!(setup["last4"], "3155");
    let secret = setup["next_action"]["client_secret"].as_str().unwrap().to_owned();
    let seti = secret.split("_secret_").next().unwrap().to_owned();
    assert!(seti.starts_with("seti_"), "the browser gets Stripe's SetupIntent secret: {setup}");
    let setup_id = setup["id"].as_str().unwrap();
    let (s, methods) = app.get(&format!("/api/v1/customers/{customer}/payment_methods")).await;
    assert_eq!((s, methods.as_array().map(Vec::len)), (200, Some(0)), "{methods}");
    let (s, err) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("no_payment_method")), "{err}");

    // Back from the bank too early: not finished, nothing stored.
    let complete = format!("/api/v1/customers/{customer}/payment_method_setups/{setup_id}/complete");
    let (s, err) = app.post(&complete, json!({})).await;
    assert_eq!((s, err["error"]["code"].as_str()), (409, Some("setup_pending")), "{err}");

    // The customer passes the challenge in the browser (what Stripe.js does on localstripe), then
    // the portal completes the setup: the card is stored and becomes the default.
    assert_eq!(peer.post(&format!("/v1/setup_intents/{seti}/confirm"), &format!("client_secret={secret}")), 200);
    let (s, done) = app.post(&complete, json!({})).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["payment_method"]["is_default"], true, "{done}");
    assert_eq!(done["payment_method"]["gateway_account"], account);
    // Completing twice stores nothing twice.
    let (s, again) = app.post(&complete, json!({})).await;
    assert_eq!((s, &again["payment_method"]["id"]), (200, &done["payment_method"]["id"]), "{again}");
    assert_eq!(app.count("payment_methods").await, 1);

    // localstripe asks for 3-D Secure on every charge of this card: the collection hands the
    // customer the PaymentIntent's secret, and the invoice is paid once Stripe reports success.
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["attempt"]["status"], "requires_action", "{r}");
    assert_eq!(r["invoice_status"], "open");
    let pi = r["next_action"]["provider_payment_id"].as_str().unwrap().to_owned();
    let pi_secret = r["next_action"]["client_secret"].as_str().unwrap().to_owned();
    assert!(pi.starts_with("pi_") && pi_secret.starts_with(&pi), "{r}");
    let form = format!("client_secret={pi_secret}&success=true");
    assert_eq!(peer.post(&format!("/v1/payment_intents/{pi}/_authenticate"), &form), 200);
    assert_eq!(webhook_outcome(&app, "payment_succeeded").await.as_deref(), Some("invoice paid"));
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    assert_eq!(app.count("invoice_payments").await, 1);
}

#[tokio::test]
async fn a_card_whose_3ds_fails_at_setup_is_not_stored_and_the_customer_is_told() {
    let peer = localstripe();
    let app = TestApp::spawn().await;
    stripe_account(&app, &peer).await;
    let (customer, _) = invoiced_customer(&app, "3ds-fail@example.com").await;
    let (s, setup) = add_card(&app, &customer, "4000002500003155").await;
    assert_eq!(s, 202, "{setup}");
    let secret = setup["next_action"]["client_secret"].as_str().unwrap().to_owned();
    let seti = secret.split("_secret_").next().unwrap().to_owned();
    // "Fail authentication" in the browser.
    assert_eq!(peer.post(&format!("/v1/setup_intents/{seti}/cancel"), &format!("client_secret={secret}")), 200);
    let complete =
        format!("/api/v1/customers/{customer}/payment_method_setups/{}/complete", setup["id"].as_str().unwrap());
    let resp = app
        .http
        .post(app.url(&complete))
        .bearer_auth(&app.tenant.api_key)
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 402);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "authentication_failed", "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("Bank"), "localized: {err}");
    assert_eq!(app.count("payment_methods").await, 0, "a failed card is not stored");
    let (s, shown) =
        app.get(&format!("/api/v1/customers/{customer}/payment_method_setups/{}", setup["id"].as_str().unwrap())).await;
    assert_eq!((s, shown["status"].as_str(), shown["next_action"].is_null()), (200, Some("failed"), true), "{shown}");
    // Another customer's setup id is not found under this customer.
    let (other, _) = invoiced_customer(&app, "someone-else@example.com").await;
    let (s, _) =
        app.get(&format!("/api/v1/customers/{other}/payment_method_setups/{}", setup["id"].as_str().unwrap())).await;
    assert_eq!(s, 404);
}
