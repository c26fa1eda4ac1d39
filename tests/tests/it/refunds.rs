//! A refund ends refunded or failed: one the provider could not be asked about (a broken account)
//! fails and blocks nothing, one whose call got no answer stays pending only until the collection
//! job asks again with the same key, and racing refunds never exceed what was paid.

use billing_core::clock::Clock;
use billing_core::ports::Gateways;
use billing_tests::TestApp;
use serde_json::{Value, json};

/// An open invoice of 29.00 EUR paid by card: (invoice id, gateway account id).
async fn paid_invoice(app: &TestApp, email: &str) -> (String, String) {
    let (customer, invoice) = app.invoiced_march_customer(email, "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_owned();
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let (s, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((s, paid["invoice_status"].as_str()), (200, Some("paid")), "{paid}");
    (invoice, pm["gateway_account"].as_str().unwrap().to_owned())
}

async fn refunds_of(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT status, amount FROM payment_refunds ORDER BY id").fetch_all(&app.db.pool).await.unwrap()
}

async fn refunded(app: &TestApp, invoice: &str) -> i64 {
    app.get(&format!("/api/v1/invoices/{invoice}")).await.1["amount_refunded"]
        .as_i64()
        .unwrap_or_else(|| panic!("no amount_refunded on the invoice"))
}

#[tokio::test]
async fn a_refund_the_gateway_cannot_make_fails_and_a_later_refund_is_not_refused() {
    let app = TestApp::spawn().await;
    let (invoice, account) = paid_invoice(&app, "broken@example.com").await;
    let account_id = account.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid();
    // The account's stored config breaks (an operator's typo): its gateway cannot be built.
    sqlx::query("UPDATE gateway_accounts SET config = '{\"outage_typo\": true}' WHERE id = $1")
        .bind(account_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (s, err) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 900 })).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("refund_failed")), "{err}");
    assert_eq!(refunds_of(&app).await, [("failed".to_string(), 900)], "it ended failed, not pending");

    // Fixed: the whole payment can still be refunded; the failed attempt does not count against it.
    sqlx::query("UPDATE gateway_accounts SET config = '{}' WHERE id = $1")
        .bind(account_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({})).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["refunds"][0]["amount"], json!({ "amount": 2900, "currency": "EUR" }));
    assert_eq!(refunded(&app, &invoice).await, 2900);
}

#[tokio::test]
async fn a_refund_whose_call_got_no_answer_is_asked_again_by_the_collection_job_with_the_same_key() {
    let app = TestApp::spawn().await;
    let (invoice, account) = paid_invoice(&app, "silent@example.com").await;
    let sandbox =
        app.gateways.sandbox(account.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap();
    sandbox.set_outage(true);
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 1000 })).await;
    assert_eq!((s, r["refunds"][0]["status"].as_str()), (202, Some("pending")), "{r}");
    assert_eq!(refunded(&app, &invoice).await, 0);
    // While it is pending it counts against what is left, so nothing can be refunded twice.
    let (s, err) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 2000 })).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("refund_too_large")), "{err}");

    let gateways: &dyn Gateways = app.gateways.as_ref();
    let down =
        billing_core::jobs::collection::run_collection(&app.db.pool, gateways, app.clock.now(), None).await.unwrap();
    assert_eq!(down.refunds_finished, 0, "still no answer: {down:?}");
    sandbox.set_outage(false);
    let up =
        billing_core::jobs::collection::run_collection(&app.db.pool, gateways, app.clock.now(), None).await.unwrap();
    assert_eq!(up.refunds_finished, 1, "{up:?}");
    assert_eq!(refunds_of(&app).await, [("succeeded".to_string(), 1000)]);
    assert_eq!(refunded(&app, &invoice).await, 1000);
    assert_eq!(sandbox.net_captured(billing_core::currency::Currency::EUR).await.unwrap().minor(), 1900);
    let again =
        billing_core::jobs::collection::run_collection(&app.db.pool, gateways, app.clock.now(), None).await.unwrap();
    assert_eq!(again.refunds_finished, 0);
    // The provider's webhooks for it repeat what is recorded.
    for (headers, body) in sandbox.drain_webhooks() {
        let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let outcome: Value = req.send().await.unwrap().json().await.unwrap();
        assert_eq!(outcome["received"], true, "{outcome}");
    }
    assert_eq!(refunded(&app, &invoice).await, 1000);
}

#[tokio::test]
async fn racing_refunds_never_refund_more_than_was_paid() {
    let app = TestApp::spawn().await;
    let (invoice, account) = paid_invoice(&app, "race@example.com").await;
    let path = format!("/api/v1/invoices/{invoice}/refunds");
    let body = json!({ "amount": 2000 });
    let (a, b) = tokio::join!(app.post(&path, body.clone()), app.post(&path, body.clone()));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422], "{a:?} {b:?}");
    assert_eq!(refunded(&app, &invoice).await, 2000);
    let sandbox =
        app.gateways.sandbox(account.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap();
    assert_eq!(sandbox.net_captured(billing_core::currency::Currency::EUR).await.unwrap().minor(), 900);
}
