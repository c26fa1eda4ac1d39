//! Money paths on a pool of one connection, as on the embedded database (a second simultaneous
//! connection waits forever there): adding cards, paying, 3-D Secure, refunds, webhooks and the
//! collection run never hold a connection while taking another, nor while a provider answers.

use billing_core::clock::Clock;
use billing_core::ports::Gateways;
use billing_tests::TestApp;
use serde_json::{Value, json};

async fn ok(app: &TestApp, path: &str, body: Value) -> Value {
    let (status, answer) = app.post(&format!("/api/v1{path}"), body).await;
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
    answer
}

#[tokio::test]
async fn payments_refunds_webhooks_and_the_collection_run_work_on_one_connection() {
    let app = TestApp::spawn_one_connection().await;
    let (customer, invoice) = app.invoiced_march_customer("one@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_owned();
    let pm =
        ok(&app, &format!("/customers/{customer}/payment_methods"), json!({ "card_number": "4000002500003155" })).await;
    let account = pm["gateway_account"].as_str().unwrap().to_owned();

    // 3-D Secure: the charge waits, the customer passes, the webhook settles it.
    let paid = ok(&app, &format!("/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(paid["attempt"]["status"], "requires_action", "{paid}");
    let payment = paid["next_action"]["provider_payment_id"].as_str().unwrap();
    ok(
        &app,
        &format!("/gateway_accounts/{account}/sandbox/authenticate"),
        json!({ "payment": payment, "success": true }),
    )
    .await;
    let sandbox =
        app.gateways.sandbox(account.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap();
    for (headers, body) in sandbox.drain_webhooks() {
        let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 200);
    }
    let (_, shown) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(shown["status"], "paid", "{shown}");

    // A refund, repeated under its key; then one whose call gets no answer, finished by the run.
    let path = format!("/api/v1/invoices/{invoice}/refunds");
    for _ in 0..2 {
        let resp = app
            .http
            .post(app.url(&path))
            .bearer_auth(&app.tenant.api_key)
            .header("idempotency-key", "one-refund")
            .json(&json!({ "amount": 900 }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
    }
    sandbox.set_outage(true);
    let pending = ok(&app, &format!("/invoices/{invoice}/refunds"), json!({ "amount": 100 })).await;
    assert_eq!(pending["refunds"][0]["status"], "pending", "{pending}");
    sandbox.set_outage(false);
    let gateways: &dyn Gateways = app.gateways.as_ref();
    let run =
        billing_core::jobs::collection::run_collection(&app.app_pool, gateways, app.clock.now(), None).await.unwrap();
    assert!(run.ran && run.refunds_finished == 1, "{run:?}");
    let (_, shown) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(shown["amount_refunded"], 1000, "{shown}");
}
