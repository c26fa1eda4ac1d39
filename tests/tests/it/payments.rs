//! Collecting invoices through the API with the sandbox gateway: the ledger, declines and their
//! class, and the fault a provider can cause (a timeout after taking the money).

use billing_core::clock::Clock;
use billing_tests::TestApp;
use serde_json::{Value, json};

/// A customer outside the EU (no VAT) on `pro` (29.00 EUR), invoiced for March.
async fn invoiced_customer(app: &TestApp) -> (String, String) {
    let (customer, invoice) = app.invoiced_march_customer("p@example.com", "EUR").await;
    (customer, invoice["id"].as_str().unwrap().to_string())
}

async fn add_card(app: &TestApp, customer: &str, number: &str) -> (u16, Value) {
    app.post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": number })).await
}

#[tokio::test]
async fn an_invoice_is_collected_once_with_the_customers_card() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    let (status, err) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("no_payment_method")), "{err}");
    let (status, pm) = add_card(&app, &customer, "4242 4242 4242 4242").await;
    assert_eq!(status, 201, "{pm}");
    assert_eq!(pm["last4"], "4242");
    let (status, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["attempt"]["status"], "succeeded");
    assert_eq!(paid["invoice_status"], "paid");
    assert_eq!(paid["amount_paid"], json!({ "amount": 2900, "currency": "EUR" }));
    let (status, again) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("invoice_not_payable")), "{again}");
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
    assert_eq!(ledger[0]["gateway"], "sandbox");
    assert!(ledger[0]["routing_reason"].as_str().unwrap().contains("sandbox"));
}

#[tokio::test]
async fn declines_are_recorded_with_their_class_and_leave_the_invoice_open() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    for (card, code, class) in
        [("4000000000009995", "insufficient_funds", "soft"), ("4000000000000002", "generic_decline", "hard")]
    {
        let (status, pm) = add_card(&app, &customer, card).await;
        assert_eq!(status, 201, "{pm}");
        let (status, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["attempt"]["status"], "failed");
        assert_eq!(r["attempt"]["decline_code"], code);
        assert_eq!(r["attempt"]["decline_class"], class);
        assert_eq!(r["invoice_status"], "open");
        assert_eq!(r["amount_due"]["amount"], 2900);
    }
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_gateway_that_times_out_after_taking_the_money_charges_the_customer_once() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    add_card(&app, &customer, "4000000000000119").await;
    let (status, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(status, 200, "{r}");
    // The retry used the same idempotency key (our attempt id): one attempt, one payment.
    assert_eq!(r["attempt"]["status"], "succeeded");
    assert_eq!(r["invoice_status"], "paid");
    assert_eq!(r["amount_paid"]["amount"], 2900);
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
}

/// Delivers the sandbox's queued webhooks to the account's endpoint, as `billing serve` does.
async fn deliver_sandbox_webhooks(app: &TestApp, account: &str) -> Vec<Value> {
    let id: billing_core::ids::GatewayAccountId = account.parse().unwrap();
    let sandbox = app.gateways.sandbox(id.as_uuid()).expect("sandbox built");
    let mut results = Vec::new();
    for (headers, body) in sandbox.drain_webhooks() {
        let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        results.push(resp.json().await.unwrap());
    }
    results
}

#[tokio::test]
async fn a_card_that_needs_3ds_when_saved_is_usable_only_after_the_customer_passes_it() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    let (status, setup) = add_card(&app, &customer, "4000002760003184").await;
    assert_eq!(status, 202, "{setup}");
    assert_eq!(
        (setup["status"].as_str(), setup["next_action"]["kind"].as_str()),
        (Some("requires_action"), Some("authenticate"))
    );
    let account = setup["gateway_account"].as_str().unwrap().to_owned();
    let provider_setup = setup["provider_setup_id"].as_str().unwrap().to_owned();
    let (status, err) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("no_payment_method")), "nothing usable yet: {err}");

    // The customer passes the challenge; the sandbox reports it by webhook, which stores the card.
    let authenticate = format!("/api/v1/gateway_accounts/{account}/sandbox/authenticate");
    let (status, r) = app.post(&authenticate, json!({ "setup": provider_setup, "success": true })).await;
    assert_eq!((status, r["status"].as_str()), (200, Some("succeeded")), "{r}");
    let outcomes = deliver_sandbox_webhooks(&app, &account).await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0]["outcome"], "setup succeeded", "{outcomes:?}");
    let setup_url = format!("/api/v1/customers/{customer}/payment_method_setups/{}", setup["id"].as_str().unwrap());
    let (_, shown) = app.get(&setup_url).await;
    assert_eq!(
        (shown["status"].as_str(), shown["payment_method"]["last4"].as_str()),
        (Some("succeeded"), Some("3184")),
        "{shown}"
    );
    // The portal's own completion call afterwards changes nothing.
    let (status, done) = app.post(&format!("{setup_url}/complete"), json!({})).await;
    assert_eq!((status, &done["payment_method"]["id"]), (200, &shown["payment_method"]["id"]), "{done}");
    assert_eq!(app.count("payment_methods").await, 1);

    // This card asks for 3-D Secure on every charge too.
    let (status, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((status, r["attempt"]["status"].as_str()), (200, Some("requires_action")), "{r}");
    let payment = r["next_action"]["provider_payment_id"].as_str().unwrap();
    let (status, _) = app.post(&authenticate, json!({ "payment": payment, "success": true })).await;
    assert_eq!(status, 200);
    let outcomes = deliver_sandbox_webhooks(&app, &account).await;
    assert_eq!(outcomes[0]["outcome"], "invoice paid", "{outcomes:?}");

    // The test-mode stand-in for the bank refuses what is not waiting for it, and changes nothing.
    let (status, err) = app.post(&authenticate, json!({ "setup": provider_setup, "success": false })).await;
    assert_eq!(status, 400, "{err}");
    let (_, shown) = app.get(&setup_url).await;
    assert_eq!(shown["status"], "succeeded");
}

#[tokio::test]
async fn a_failed_3ds_at_setup_stores_nothing_and_says_why_in_the_customers_language() {
    let app = TestApp::spawn().await;
    let (customer, _) = invoiced_customer(&app).await;
    let (_, setup) = add_card(&app, &customer, "4000002760003184").await;
    let account = setup["gateway_account"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/gateway_accounts/{account}/sandbox/authenticate"),
            json!({ "setup": setup["provider_setup_id"], "success": false }),
        )
        .await;
    assert_eq!(status, 200);
    let complete =
        format!("/api/v1/customers/{customer}/payment_method_setups/{}/complete", setup["id"].as_str().unwrap());
    for (lang, word) in [("en", "bank"), ("fr", "banque"), ("zh-CN", "银行")] {
        let resp = app
            .http
            .post(app.url(&complete))
            .bearer_auth(&app.tenant.api_key)
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 402);
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"]["code"], "authentication_failed");
        assert!(err["error"]["message"].as_str().unwrap().contains(word), "{lang}: {err}");
    }
    assert_eq!(app.count("payment_methods").await, 0);
    // The late webhook of the failure finds the setup already failed.
    let outcomes = deliver_sandbox_webhooks(&app, account).await;
    assert_eq!(outcomes[0]["outcome"], "setup already failed", "{outcomes:?}");
}

#[tokio::test]
async fn a_3ds_payment_whose_webhook_is_lost_is_settled_by_the_next_collection_run() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    let (status, pm) = add_card(&app, &customer, "4000002500003155").await;
    assert_eq!(status, 201, "{pm}");
    let account = pm["gateway_account"].as_str().unwrap().to_owned();
    let (_, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(r["attempt"]["status"], "requires_action", "{r}");
    let payment = r["next_action"]["provider_payment_id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/gateway_accounts/{account}/sandbox/authenticate"),
            json!({ "payment": payment, "success": true }),
        )
        .await;
    assert_eq!(status, 200);
    // The provider's webhook is lost on the way.
    let id: billing_core::ids::GatewayAccountId = account.parse().unwrap();
    let lost = app.gateways.sandbox(id.as_uuid()).unwrap().drain_webhooks();
    assert_eq!(lost.len(), 1);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "open", "nothing told us yet");

    let gateways: &dyn billing_core::ports::Gateways = app.gateways.as_ref();
    let now = app.clock.now();
    let run = billing_core::jobs::collection::run_collection(&app.db.pool, gateways, now, None).await.unwrap();
    assert_eq!(run.rechecked, 1, "{run:?}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("paid"), Some(2900)), "{inv}");
    let again = billing_core::jobs::collection::run_collection(&app.db.pool, gateways, now, None).await.unwrap();
    assert_eq!(again.rechecked, 0, "nothing waits any more: {again:?}");

    // The webhook turns up after all: the money is recorded once.
    let (headers, body) = lost.into_iter().next().unwrap();
    let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let late: Value = req.send().await.unwrap().json().await.unwrap();
    assert_eq!(late["outcome"], "already settled", "{late}");
    assert_eq!(app.count("invoice_payments").await, 1);
}

#[tokio::test]
async fn a_sepa_debit_is_pending_until_the_bank_settles_it_and_a_returned_one_leaves_the_invoice_open() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app).await;
    let (status, pm) = app
        .post(
            &format!("/api/v1/customers/{customer}/payment_methods"),
            json!({ "iban": "DE89 3704 0044 0532 0130 00" }),
        )
        .await;
    assert_eq!(status, 201, "{pm}");
    assert_eq!((pm["kind"].as_str(), pm["last4"].as_str()), (Some("sepa_debit"), Some("3000")));
    let account = pm["gateway_account"].as_str().unwrap().to_owned();
    let (_, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((r["attempt"]["status"].as_str(), r["invoice_status"].as_str()), (Some("pending"), Some("open")), "{r}");

    let settle = format!("/api/v1/gateway_accounts/{account}/sandbox/settle_debits");
    let (status, s) = app.post(&settle, json!({})).await;
    assert_eq!((status, s["settled"].as_u64()), (200, Some(1)), "{s}");
    let outcomes = deliver_sandbox_webhooks(&app, &account).await;
    assert_eq!(outcomes[0]["outcome"], "invoice paid", "{outcomes:?}");

    // A mandate on an IBAN the bank returns for insufficient funds.
    let (other, second) = app.invoiced_march_customer("sepa-return@example.com", "EUR").await;
    let second = second["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(&format!("/api/v1/customers/{other}/payment_methods"), json!({ "iban": "DE62370400440532013001" }))
        .await;
    assert_eq!(status, 201);
    let (_, r) = app.post(&format!("/api/v1/invoices/{second}/pay"), json!({})).await;
    assert_eq!(r["attempt"]["status"], "pending", "{r}");
    app.post(&settle, json!({})).await;
    let outcomes = deliver_sandbox_webhooks(&app, &account).await;
    assert_eq!(outcomes[0]["outcome"], "attempt failed", "{outcomes:?}");
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{second}/payment_attempts")).await;
    assert_eq!(
        (ledger[0]["status"].as_str(), ledger[0]["decline_code"].as_str()),
        (Some("failed"), Some("insufficient_funds"))
    );
    let (_, inv) = app.get(&format!("/api/v1/invoices/{second}")).await;
    assert_eq!(inv["status"], "open");
    // The provider's late decline is a failed payment like an immediate one: one `payment.failed`
    // event (the merchant's webhooks, the customer's mail).
    let failed = format!("outbox WHERE topic = 'payment.failed' AND payload->>'invoice' = '{second}'");
    assert_eq!(app.count(&failed).await, 1);
}
