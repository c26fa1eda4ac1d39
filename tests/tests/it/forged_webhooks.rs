//! Forged and over-claiming provider webhooks change nothing: webhook secrets are random per
//! account (never derivable from the account id in the webhook URL), stored sealed, rotatable
//! with an overlap, and an event's amount is never trusted beyond its attempt's own.

use std::collections::BTreeMap;

use billing_core::currency::Currency;
use billing_core::ids::GatewayAccountId;
use billing_core::money::Money;
use billing_core::ports::GatewayEvent;
use billing_tests::TestApp;
use gateway_adapters::stripe::signing;
use serde_json::{Value, json};

/// A customer outside the EU on `pro` (29.00 EUR), invoiced for March.
async fn invoiced_customer(app: &TestApp, email: &str) -> (String, String) {
    let (customer, invoice) = app.invoiced_march_customer(email, "EUR").await;
    (customer, invoice["id"].as_str().unwrap().to_string())
}

/// The customer's 3-D Secure card at `account` and a payment of the invoice waiting for it:
/// returns the provider payment id that `next_action` hands to the payer's browser.
async fn payment_waiting_for_3ds(app: &TestApp, customer: &str, invoice: &str, account: &str) -> String {
    let (s, pm) = app
        .post(
            &format!("/api/v1/customers/{customer}/payment_methods"),
            json!({ "card_number": "4000002500003155", "gateway_account": account }),
        )
        .await;
    assert_eq!(s, 201, "{pm}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((s, r["attempt"]["status"].as_str()), (200, Some("requires_action")), "{r}");
    r["next_action"]["provider_payment_id"].as_str().unwrap().to_owned()
}

/// Posts `event` to the account's webhook endpoint, signed with `secret` as the sandbox signs.
async fn post_signed(app: &TestApp, account: &str, secret: &str, event: &GatewayEvent) -> (u16, Value) {
    let body = serde_json::to_vec(event).unwrap();
    let header = signing::header_value(secret, chrono::Utc::now().timestamp(), &body);
    post_raw(app, account, &BTreeMap::from([("sandbox-signature".to_owned(), header)]), body).await
}

async fn post_raw(app: &TestApp, account: &str, headers: &BTreeMap<String, String>, body: Vec<u8>) -> (u16, Value) {
    let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req.body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn default_account(app: &TestApp) -> String {
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    list["data"][0]["id"].as_str().unwrap().to_string()
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

async fn balance_of(app: &TestApp, customer: &str) -> Value {
    app.get(&format!("/api/v1/customers/{customer}/balance")).await.1["balances"].clone()
}

#[tokio::test]
async fn a_webhook_signed_with_a_secret_derived_from_the_public_account_id_is_refused() {
    let app = TestApp::spawn().await;
    let account = default_account(&app).await;
    let (customer, invoice) = invoiced_customer(&app, "forge@example.com").await;
    let payment = payment_waiting_for_3ds(&app, &customer, &invoice, &account).await;
    // What an attacker can compute from the webhook URL alone.
    let uuid = account.parse::<GatewayAccountId>().unwrap().as_uuid();
    let guessed = format!("whsec_sandbox_{}", uuid.simple());
    let paid = GatewayEvent::PaymentSucceeded {
        provider_event_id: "evt_forged_1".into(),
        provider_payment_id: payment,
        amount: eur(99_999_999),
        attempt_reference: None,
    };
    let (s, err) = post_signed(&app, &account, &guessed, &paid).await;
    assert_eq!((s, err["error"]["code"].as_str()), (400, Some("webhook_rejected")), "{err}");
    let attached = GatewayEvent::SetupSucceeded {
        provider_event_id: "evt_forged_2".into(),
        provider_setup_id: "sbx_seti_1".into(),
        method: billing_core::ports::PaymentMethodRef("sbx_pm_9_4242".into()),
    };
    let (s, _) = post_signed(&app, &account, &guessed, &attached).await;
    assert_eq!(s, 400);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("open"), Some(0)), "{inv}");
    assert_eq!(balance_of(&app, &customer).await, json!([]));
    assert_eq!(app.count("gateway_events").await, 0);
    assert_eq!(app.count("payment_methods").await, 1);
}

#[tokio::test]
async fn an_event_claiming_more_than_its_attempt_pays_the_invoice_and_credits_nothing() {
    let app = TestApp::spawn().await;
    // A secret the test knows, so that the events below are authentic as far as signatures go:
    // what is tested is that their amounts are not believed.
    let secret = "whsec_known_to_the_test_0123456789";
    let (s, a) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "sandbox", "name": "known", "config": { "webhook_secret": secret }, "is_default": true }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let account = a["id"].as_str().unwrap().to_owned();
    let (customer, invoice) = invoiced_customer(&app, "claim@example.com").await;
    let payment = payment_waiting_for_3ds(&app, &customer, &invoice, &account).await;

    // Another currency than the attempt's: not the attempt's money, nothing happens.
    let yen = GatewayEvent::PaymentSucceeded {
        provider_event_id: "evt_claim_0".into(),
        provider_payment_id: payment.clone(),
        amount: Money::from_minor(99_999_999, Currency::JPY),
        attempt_reference: None,
    };
    let (s, r) = post_signed(&app, &account, secret, &yen).await;
    assert_eq!(s, 200, "{r}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "open", "{r} {inv}");

    let claim = GatewayEvent::PaymentSucceeded {
        provider_event_id: "evt_claim_1".into(),
        provider_payment_id: payment,
        amount: eur(99_999_999),
        attempt_reference: None,
    };
    let (s, r) = post_signed(&app, &account, secret, &claim).await;
    assert_eq!(s, 200, "{r}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!((inv["status"].as_str(), inv["amount_paid"].as_i64()), (Some("paid"), Some(2900)), "{inv}");
    assert_eq!(balance_of(&app, &customer).await, json!([]), "nothing beyond the attempt's 29.00 is credited");

    // A refund or dispute cannot take back more than the attempt brought in either.
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    let provider_payment = ledger[0]["provider_payment_id"].as_str().unwrap().to_owned();
    let refund = GatewayEvent::RefundSucceeded {
        provider_event_id: "evt_claim_2".into(),
        provider_payment_id: provider_payment.clone(),
        amount: eur(99_999_999),
    };
    let (s, r) = post_signed(&app, &account, secret, &refund).await;
    assert_eq!(s, 200, "{r}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["amount_refunded"].as_i64(), Some(2900), "{inv}");
}

async fn rotate(app: &TestApp, account: &str, body: Value) -> (u16, Value) {
    app.post(&format!("/api/v1/gateway_accounts/{account}/webhook_secret/rotate"), body).await
}

fn other(id: &str) -> GatewayEvent {
    GatewayEvent::Other { provider_event_id: id.into(), kind: "ping".into() }
}

async fn stored_config(app: &TestApp, account: &str) -> String {
    let uuid = account.parse::<GatewayAccountId>().unwrap().as_uuid();
    sqlx::query_scalar("SELECT config::text FROM gateway_accounts WHERE id = $1")
        .bind(uuid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn credentials_are_stored_sealed_and_each_sandbox_gets_its_own_random_secret() {
    let app = TestApp::spawn().await;
    let default = default_account(&app).await;
    let (s, second) = app.post("/api/v1/gateway_accounts", json!({ "provider": "sandbox", "name": "second" })).await;
    assert_eq!(s, 201, "{second}");
    let (a, b) = (stored_config(&app, &default).await, stored_config(&app, second["id"].as_str().unwrap()).await);
    assert!(a.contains("\"webhook_secret\": \"sealed:v1:"), "{a}");
    assert_ne!(a, b);
    let (s, stripe) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "stripe", "active": false, "config": {
                "secret_key": "sk_test_0123456789abcdefWXYZ", "webhook_secret": "whsec_0123456789abcdef9876" } }),
        )
        .await;
    assert_eq!(s, 201, "{stripe}");
    assert_eq!(stripe["config"]["secret_key"], "…WXYZ", "{stripe}");
    let stored = stored_config(&app, stripe["id"].as_str().unwrap()).await;
    assert!(!stored.contains("0123456789abcdef"), "{stored}");
    assert!(stored.contains("sealed:v1:WXYZ:"), "{stored}");
}

#[tokio::test]
async fn a_rotated_secret_keeps_the_old_one_valid_for_the_overlap_and_the_sandbox_keeps_its_payments() {
    let app = TestApp::spawn().await;
    let account = default_account(&app).await;
    let (customer, invoice) = invoiced_customer(&app, "rotate@example.com").await;
    let payment = payment_waiting_for_3ds(&app, &customer, &invoice, &account).await;

    let (s, first) = rotate(&app, &account, json!({})).await;
    assert_eq!(s, 200, "{first}");
    let first = first["webhook_secret"].as_str().unwrap().to_owned();
    assert!(first.starts_with("whsec_") && first.len() == 70, "{first}");
    assert_eq!(post_signed(&app, &account, &first, &other("evt_r1")).await.0, 200);

    let (s, second) = rotate(&app, &account, json!({ "expire_previous_in_hours": 1 })).await;
    assert_eq!(s, 200, "{second}");
    let second = second["webhook_secret"].as_str().unwrap().to_owned();
    assert_eq!(post_signed(&app, &account, &first, &other("evt_r2")).await.0, 200, "the overlap");
    assert_eq!(post_signed(&app, &account, &second, &other("evt_r3")).await.0, 200);

    // After a leak: the old secret stops at once.
    let (s, third) = rotate(&app, &account, json!({ "expire_previous_in_hours": 0 })).await;
    assert_eq!(s, 200, "{third}");
    let third = third["webhook_secret"].as_str().unwrap().to_owned();
    assert_eq!(post_signed(&app, &account, &second, &other("evt_r4")).await.0, 400);
    assert_eq!(post_signed(&app, &account, &first, &other("evt_r5")).await.0, 400);

    // The sandbox was updated in place: the payment waiting for 3-D Secure is still there, and
    // its webhook comes signed with the new secret.
    let sandbox = app.gateways.sandbox(account.parse::<GatewayAccountId>().unwrap().as_uuid()).unwrap();
    sandbox.drain_webhooks();
    sandbox.complete_action(&payment, true).await.unwrap();
    for (headers, body) in sandbox.drain_webhooks() {
        let (s, r) = post_raw(&app, &account, &headers, body).await;
        assert_eq!(s, 200, "{r}");
    }
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    assert_eq!(post_signed(&app, &account, &third, &other("evt_r6")).await.0, 200);

    // What cannot be rotated, or not like that.
    let (s, err) = rotate(&app, &account, json!({ "expire_previous_in_hours": 1000 })).await;
    assert_eq!((s, err["error"]["param"].as_str()), (400, Some("expire_previous_in_hours")), "{err}");
    let (_, stripe) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "stripe", "active": false, "config": {
                "secret_key": "sk_test_0123456789abcdefWXYZ", "webhook_secret": "whsec_0123456789abcdef9876" } }),
        )
        .await;
    let stripe = stripe["id"].as_str().unwrap();
    let (s, err) = rotate(&app, stripe, json!({})).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("invalid_gateway_config")), "{err}");
    let (s, r) = rotate(&app, stripe, json!({ "webhook_secret": "whsec_rolled_by_stripe_0000" })).await;
    assert_eq!((s, r["webhook_secret"].as_str()), (200, Some("whsec_rolled_by_stripe_0000")), "{r}");
}
