//! Mollie behind the API: a Mollie gateway account, a SEPA mandate from an IBAN, a debit that is
//! pending until Mollie's (unsigned) webhook is verified by fetching the payment, and a card that
//! is set up through Mollie's checkout and completed when the customer is back.
//!
//! No Mollie server can run here, so a local server replays the responses reconstructed from
//! Mollie's public API documentation in gateway-adapters/tests/fixtures/mollie (see its README for
//! the sources), with the amount set to the invoice's. It answers only the requests each step
//! expects and records what the adapter sent.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use billing_tests::TestApp;
use serde_json::{Value, json};

const API_KEY: &str = "test_e2eMollieKey0123456789abcdef";

fn fixture(name: &str) -> Value {
    let path = format!("{}/../gateway-adapters/tests/fixtures/mollie/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// Answers per (method, path), in order; the last answer of a route repeats.
#[derive(Default)]
struct Script {
    routes: HashMap<(String, String), VecDeque<(u16, Value)>>,
    seen: Vec<(String, String, Value)>,
    unexpected: Vec<String>,
}

#[derive(Clone)]
struct Mollie {
    base: String,
    script: Arc<Mutex<Script>>,
}

impl Mollie {
    async fn start() -> Mollie {
        let script = Arc::new(Mutex::new(Script::default()));
        let shared = script.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let script = shared.clone();
            async move {
                let mut s = script.lock().unwrap();
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
                let key = (method.to_string(), uri.path().to_owned());
                s.seen.push((key.0.clone(), key.1.clone(), serde_json::from_slice(&body).unwrap_or(Value::Null)));
                if auth != format!("Bearer {API_KEY}") {
                    return (StatusCode::UNAUTHORIZED, axum::Json(fixture("error_401.json")));
                }
                let Some(queue) = s.routes.get_mut(&key) else {
                    s.unexpected.push(format!("{} {}", key.0, key.1));
                    return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({})));
                };
                let (status, body) = if queue.len() > 1 { queue.pop_front().unwrap() } else { queue[0].clone() };
                (StatusCode::from_u16(status).unwrap(), axum::Json(body))
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Mollie { base, script }
    }

    /// Replaces what `method path` answers from now on.
    fn answer(&self, method: &str, path: &str, answers: Vec<(u16, Value)>) {
        self.script.lock().unwrap().routes.insert((method.to_owned(), path.to_owned()), answers.into());
    }

    fn sent(&self, method: &str, path: &str) -> Vec<Value> {
        let s = self.script.lock().unwrap();
        s.seen.iter().filter(|(m, p, _)| m == method && p == path).map(|(_, _, b)| b.clone()).collect()
    }

    fn assert_nothing_unexpected(&self) {
        let s = self.script.lock().unwrap();
        assert!(s.unexpected.is_empty(), "requests no step expected: {:?}", s.unexpected);
    }
}

fn eur(minor: i64) -> Value {
    json!({ "currency": "EUR", "value": format!("{}.{:02}", minor / 100, minor % 100) })
}

async fn mollie_account(app: &TestApp, mollie: &Mollie) -> String {
    let (s, a) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "mollie", "name": "mollie-nl", "is_default": true, "config": {
                "api_key": API_KEY, "redirect_url": "https://portal.example.com/payment-methods/done",
                "webhook_base_url": app.base, "api_base": mollie.base } }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    assert!(!a.to_string().contains("0123456789abcdef"), "the key is never shown: {a}");
    a["id"].as_str().unwrap().to_string()
}

async fn deliver(app: &TestApp, account: &str, body: &str) -> (u16, Value) {
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/{account}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_sepa_debit_through_mollie_is_paid_when_its_webhook_is_verified() {
    let mollie = Mollie::start().await;
    let app = TestApp::spawn().await;
    let account = mollie_account(&app, &mollie).await;
    let (customer, invoice) = app.invoiced_march_customer("mollie-sepa@example.com", "EUR").await;
    let invoice_id = invoice["id"].as_str().unwrap();
    let due = invoice["amount_due"].as_i64().unwrap();

    mollie.answer("POST", "/v2/customers", vec![(201, fixture("customer_created.json"))]);
    mollie.answer("GET", "/v2/customers/cst_8wmqcHMN4U", vec![(200, fixture("customer_get.json"))]);
    mollie.answer(
        "POST",
        "/v2/customers/cst_8wmqcHMN4U/mandates",
        vec![(201, fixture("mandate_directdebit_valid.json"))],
    );
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "iban": "NL91 ABNA 0417 1643 00" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    assert_eq!(
        (pm["gateway"].as_str(), pm["kind"].as_str(), pm["last4"].as_str()),
        (Some("mollie"), Some("sepa_debit"), Some("4300"))
    );
    let mandate = &mollie.sent("POST", "/v2/customers/cst_8wmqcHMN4U/mandates")[0];
    assert_eq!(
        (mandate["method"].as_str(), mandate["consumerAccount"].as_str()),
        (Some("directdebit"), Some("NL91ABNA0417164300"))
    );

    // A bad IBAN is refused before Mollie is asked.
    let (s, err) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "iban": "NL91ABNA0417164301" }))
        .await;
    assert_eq!((s, err["error"]["code"].as_str()), (400, Some("invalid_iban")), "{err}");

    // The debit is pending for days: the invoice stays open.
    let mut pending = fixture("payment_recurring_pending_directdebit.json");
    pending["amount"] = eur(due);
    mollie.answer("POST", "/v2/payments", vec![(201, pending.clone())]);
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice_id}/pay"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["attempt"]["status"].as_str(), r["invoice_status"].as_str()), (Some("pending"), Some("open")), "{r}");
    let charge = &mollie.sent("POST", "/v2/payments")[0];
    assert_eq!(
        (charge["sequenceType"].as_str(), charge["mandateId"].as_str()),
        (Some("recurring"), Some("mdt_pWUnw6pkBN"))
    );
    assert_eq!(charge["amount"], eur(due));

    // Mollie's webhook says only which payment changed; asking Mollie says it is paid.
    let mut paid = pending.clone();
    paid["status"] = json!("paid");
    paid["paidAt"] = json!("2026-03-03T10:00:00+00:00");
    let payment_path = "/v2/payments/tr_Q4vC4WJw3m";
    mollie.answer("GET", payment_path, vec![(200, paid)]);
    let (s, r) = deliver(&app, &account, "id=tr_Q4vC4WJw3m").await;
    assert_eq!((s, r["outcome"].as_str()), (200, Some("invoice paid")), "{r}");
    let (s, r) = deliver(&app, &account, "id=tr_Q4vC4WJw3m").await;
    assert_eq!((s, r["duplicate"].as_bool()), (200, Some(true)), "a repeated delivery changes nothing: {r}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice_id}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("paid"), Some(due)), "{inv}");
    assert_eq!(app.count("invoice_payments").await, 1);

    // A forged id: Mollie knows no such payment. Mollie down: answered 503 so that it retries.
    let events = app.count("gateway_events").await;
    mollie.answer("GET", "/v2/payments/tr_forged00000", vec![(404, fixture("error_404_payment.json"))]);
    let (s, r) = deliver(&app, &account, "id=tr_forged00000").await;
    assert_eq!((s, r["error"]["code"].as_str()), (400, Some("webhook_rejected")), "{r}");
    mollie.answer("GET", payment_path, vec![(503, fixture("error_503.json"))]);
    let (s, r) = deliver(&app, &account, "id=tr_Q4vC4WJw3m").await;
    assert_eq!((s, r["error"]["code"].as_str()), (503, Some("webhook_unverifiable")), "{r}");
    assert_eq!(app.count("gateway_events").await, events, "neither delivery changed anything");
    mollie.assert_nothing_unexpected();
}

#[tokio::test]
async fn a_card_is_set_up_through_mollies_checkout_and_completed_when_the_customer_is_back() {
    let mollie = Mollie::start().await;
    let app = TestApp::spawn().await;
    let account = mollie_account(&app, &mollie).await;
    let (customer, _) = app.invoiced_march_customer("mollie-card@example.com", "EUR").await;

    mollie.answer("POST", "/v2/customers", vec![(201, fixture("customer_created.json"))]);
    mollie.answer("POST", "/v2/payments", vec![(201, fixture("payment_first_open.json"))]);
    let (s, setup) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(s, 202, "{setup}");
    assert_eq!(setup["next_action"]["redirect_url"], "https://www.mollie.com/checkout/select-method/Fw8hP2mTqe");
    let first = &mollie.sent("POST", "/v2/payments")[0];
    assert_eq!(first["sequenceType"], "first");
    assert_eq!(first["webhookUrl"], format!("{}/webhooks/{account}", app.base), "Mollie is told where to report");
    assert!(!first.to_string().contains("4242424242424242"), "no card number reaches Mollie");

    let complete =
        format!("/api/v1/customers/{customer}/payment_method_setups/{}/complete", setup["id"].as_str().unwrap());
    mollie.answer("GET", "/v2/payments/tr_Fw8hP2mTqe", vec![(200, fixture("payment_first_open.json"))]);
    let (s, err) = app.post(&complete, json!({})).await;
    assert_eq!((s, err["error"]["code"].as_str()), (409, Some("setup_pending")), "{err}");
    mollie.answer("GET", "/v2/payments/tr_Fw8hP2mTqe", vec![(200, fixture("payment_first_paid.json"))]);
    let (s, done) = app.post(&complete, json!({})).await;
    assert_eq!((s, done["status"].as_str()), (200, Some("succeeded")), "{done}");
    assert_eq!(done["payment_method"]["is_default"], true);

    // Mollie's webhook for the same first payment arrives afterwards: the setup is already done.
    let (s, r) = deliver(&app, &account, "id=tr_Fw8hP2mTqe").await;
    assert_eq!((s, r["outcome"].as_str()), (200, Some("setup already succeeded")), "{r}");
    assert_eq!(app.count("payment_methods").await, 1, "the mandate is stored once");
    let (_, methods) = app.get(&format!("/api/v1/customers/{customer}/payment_methods")).await;
    assert_eq!(methods[0]["gateway_account"], account);
    mollie.assert_nothing_unexpected();
}

#[tokio::test]
async fn a_mollie_account_with_a_bad_config_is_refused() {
    let app = TestApp::spawn().await;
    let before = app.count("gateway_accounts").await;
    for config in [
        json!({ "api_key": "sk_live_wrong", "redirect_url": "https://x.example/done" }),
        json!({ "api_key": API_KEY, "redirect_url": "javascript:alert(1)" }),
        json!({ "api_key": API_KEY }),
    ] {
        let (s, err) = app
            .post("/api/v1/gateway_accounts", json!({ "provider": "mollie", "name": "bad", "config": config }))
            .await;
        assert_eq!((s, err["error"]["code"].as_str()), (422, Some("invalid_gateway_config")), "{err}");
    }
    assert_eq!(app.count("gateway_accounts").await, before);
}
