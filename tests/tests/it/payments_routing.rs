//! Gateway accounts per tenant, routing rules wired to collection (EUR to one account, USD to
//! another, failover when one is down), sandbox webhooks (de-duplicated, signature checked),
//! refunds, and the collection job re-driving a payment a killed process left pending.

use billing_core::ports::{ChargeRequest, GatewayCustomerRef, Gateways, PaymentMethodRef};
use billing_tests::{TestApp, instant};
use serde_json::{Value, json};

/// A customer outside the EU (no VAT) on `pro` in `currency`, invoiced for March.
async fn invoiced_customer(app: &TestApp, currency: &str, email: &str) -> (String, String) {
    let (customer, invoice) = app.invoiced_march_customer(email, currency).await;
    (customer, invoice["id"].as_str().unwrap().to_string())
}

async fn account(app: &TestApp, name: &str, config: Value) -> String {
    let (s, a) =
        app.post("/api/v1/gateway_accounts", json!({ "provider": "sandbox", "name": name, "config": config })).await;
    assert_eq!(s, 201, "{a}");
    a["id"].as_str().unwrap().to_string()
}

async fn card(app: &TestApp, customer: &str, account: &str, number: &str) {
    let (s, pm) = app
        .post(
            &format!("/api/v1/customers/{customer}/payment_methods"),
            json!({ "card_number": number, "gateway_account": account }),
        )
        .await;
    assert_eq!(s, 201, "{pm}");
    assert_eq!(pm["gateway_account"], account);
}

async fn put_rules(app: &TestApp, rules: Value) {
    let resp = app
        .http
        .put(app.url("/api/v1/routing_rules"))
        .bearer_auth(&app.tenant.api_key)
        .json(&json!({ "rules": rules }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
}

fn rule(name: &str, currency: &str, targets: &[&str]) -> Value {
    json!({
        "name": name, "priority": 1, "currencies": [currency], "countries": null, "min_amount": null,
        "max_amount": null, "methods": ["card"], "segments": null,
        "targets": targets.iter().enumerate().map(|(i, t)| json!({ "gateway": t, "weight": if i == 0 { 100 } else { 0 } })).collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn gateway_accounts_keep_their_secrets_and_the_default_sandbox_exists() {
    let app = TestApp::spawn().await;
    let (s, list) = app.get("/api/v1/gateway_accounts").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["data"][0]["provider"], "sandbox");
    assert_eq!(list["data"][0]["is_default"], true);
    let (s, a) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "stripe-eu", "config": {
                "secret_key": "sk_test_0123456789abcdefWXYZ", "webhook_secret": "whsec_0123456789abcdef9876",
                "api_base": "http://127.0.0.1:9" } }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let text = a.to_string();
    assert!(!text.contains("sk_test_0123456789abcdef") && !text.contains("whsec_0123"), "{text}");
    assert_eq!(a["config"]["secret_key"], "…WXYZ");
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    assert!(!list.to_string().contains("sk_test_0123"), "{list}");
    // Bad input changes nothing.
    let (s, err) = app
        .post(
            "/api/v1/gateway_accounts",
            json!({ "provider": "stripe", "name": "broken", "config": { "secret_key": "nope" } }),
        )
        .await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("invalid_gateway_config")), "{err}");
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn eur_cards_go_to_one_account_usd_to_another_and_eur_fails_over_when_its_account_is_down() {
    let app = TestApp::spawn().await;
    let a = account(&app, "sandbox-eu", json!({})).await;
    let b = account(&app, "sandbox-us", json!({})).await;
    put_rules(&app, json!([rule("eur-cards", "EUR", &[&a, &b]), rule("usd-cards", "USD", &[&b, &a])])).await;

    let (eur_customer, eur_invoice) = invoiced_customer(&app, "EUR", "eur@example.com").await;
    card(&app, &eur_customer, &a, "4242424242424242").await;
    card(&app, &eur_customer, &b, "4242424242424242").await;
    let (usd_customer, usd_invoice) = invoiced_customer(&app, "USD", "usd@example.com").await;
    card(&app, &usd_customer, &a, "4242424242424242").await;
    card(&app, &usd_customer, &b, "4242424242424242").await;

    let (s, paid) = app.post(&format!("/api/v1/invoices/{usd_invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["invoice_status"], "paid");
    assert_eq!(paid["attempt"]["gateway_account"], b);
    assert!(paid["attempt"]["routing_reason"].as_str().unwrap().contains("rule usd-cards"), "{paid}");

    // Account A goes down: its charges time out.
    app.gateways.sandbox(a.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap().set_outage(true);
    let (s, paid) = app.post(&format!("/api/v1/invoices/{eur_invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["invoice_status"], "paid", "{paid}");
    let attempts = paid["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{paid}");
    assert_eq!(attempts[0]["gateway_account"], a);
    assert_eq!(attempts[0]["status"], "error");
    assert_eq!(attempts[0]["gateway_error"], "timeout");
    assert_eq!(attempts[1]["gateway_account"], b);
    assert_eq!(attempts[1]["status"], "succeeded");
    let reason = attempts[1]["routing_reason"].as_str().unwrap();
    assert!(reason.contains("failover") && reason.contains(&a), "{reason}");
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{eur_invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_soft_decline_cascades_only_to_an_account_where_the_customer_has_a_card() {
    let app = TestApp::spawn().await;
    let a = account(&app, "sandbox-a", json!({})).await;
    let b = account(&app, "sandbox-b", json!({})).await;
    let c = account(&app, "sandbox-c", json!({})).await;
    put_rules(&app, json!([rule("eur", "EUR", &[&a, &b, &c])])).await;
    let (customer, invoice) = invoiced_customer(&app, "EUR", "soft@example.com").await;
    card(&app, &customer, &a, "4000000000009995").await; // insufficient funds: soft
    card(&app, &customer, &c, "4242424242424242").await; // nothing stored at b
    let (s, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{paid}");
    let attempts = paid["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{paid}");
    assert_eq!(
        (attempts[0]["decline_class"].as_str(), attempts[0]["gateway_account"].as_str()),
        (Some("soft"), Some(a.as_str()))
    );
    assert_eq!(attempts[1]["gateway_account"], c);
    assert!(attempts[1]["routing_reason"].as_str().unwrap().contains("soft decline"), "{paid}");
    assert_eq!(paid["invoice_status"], "paid");
}

async fn post_webhook(
    app: &TestApp,
    account: &str,
    headers: &std::collections::BTreeMap<String, String>,
    body: &[u8],
) -> (u16, Value) {
    let mut req = app.http.post(app.url(&format!("/webhooks/{account}"))).body(body.to_vec());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_3ds_payment_is_finished_by_webhook_replayed_three_times_with_one_state_change() {
    let app = TestApp::spawn().await;
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    let account = list["data"][0]["id"].as_str().unwrap().to_string();
    let (customer, invoice) = invoiced_customer(&app, "EUR", "3ds@example.com").await;
    card(&app, &customer, &account, "4000002500003155").await;
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["attempt"]["status"], "requires_action");
    assert_eq!(r["invoice_status"], "open");
    let action = &r["next_action"];
    assert_eq!(action["kind"], "three_d_secure");
    assert!(action["client_secret"].as_str().is_some_and(|s| !s.is_empty()), "{r}");

    let sandbox =
        app.gateways.sandbox(account.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap();
    sandbox.drain_webhooks();
    sandbox.complete_action(action["provider_payment_id"].as_str().unwrap(), true).await.unwrap();
    let deliveries = sandbox.drain_webhooks();
    assert_eq!(deliveries.len(), 1);
    let (headers, body) = &deliveries[0];

    // A forged signature first: rejected, nothing changes.
    let mut forged = headers.clone();
    forged.insert("sandbox-signature".into(), "t=1,v1=00".into());
    let (s, err) = post_webhook(&app, &account, &forged, body).await;
    assert_eq!((s, err["error"]["code"].as_str()), (400, Some("webhook_rejected")), "{err}");
    assert_eq!(app.count("gateway_events").await, 0);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_ne!(inv["status"], "paid");

    for n in 0..3 {
        let (s, r) = post_webhook(&app, &account, headers, body).await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["duplicate"], n > 0, "{r}");
    }
    assert_eq!(app.count("gateway_events").await, 1);
    assert_eq!(app.count("invoice_payments").await, 1);
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger[0]["status"], "succeeded");
}

#[tokio::test]
async fn refunds_are_partial_or_full_and_never_more_than_was_paid() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app, "EUR", "refund@example.com").await;
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    let account = list["data"][0]["id"].as_str().unwrap().to_string();
    card(&app, &customer, &account, "4242424242424242").await;
    let (s, _) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200);
    let (s, err) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 5000 })).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("refund_too_large")), "{err}");
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 900 })).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["invoice"]["amount_refunded"]["amount"], 900);
    let (s, r) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({})).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["invoice"]["amount_refunded"]["amount"], 2900);
    let sandbox =
        app.gateways.sandbox(account.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap();
    assert_eq!(sandbox.net_captured(billing_core::currency::Currency::EUR).await.unwrap().minor(), 0);
    // The provider's refund webhooks repeat what we recorded: nothing more is refunded.
    for (headers, body) in sandbox.drain_webhooks() {
        let (s, _) = post_webhook(&app, &account, &headers, &body).await;
        assert_eq!(s, 200);
    }
    let refunded: i64 = sqlx::query_scalar("SELECT amount_refunded FROM invoices WHERE id = $1")
        .bind(invoice.parse::<billing_core::ids::InvoiceId>().unwrap().as_uuid())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(refunded, 2900);
    let (s, err) = app.post(&format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": 1 })).await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("refund_too_large")), "{err}");
}

#[tokio::test]
async fn the_collection_run_settles_once_a_payment_a_killed_process_left_pending() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = invoiced_customer(&app, "EUR", "killed@example.com").await;
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    let account_public = list["data"][0]["id"].as_str().unwrap().to_string();
    card(&app, &customer, &account_public, "4242424242424242").await;
    let account = account_public.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid();
    let tenant = app.tenant.id;
    let invoice_id = invoice.parse::<billing_core::ids::InvoiceId>().unwrap();
    // The process recorded its attempt and the provider took the money, then the process died
    // before committing the outcome.
    let (method, provider_customer, provider_method): (uuid::Uuid, String, String) =
        sqlx::query_as("SELECT id, provider_customer, provider_method FROM payment_methods WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let attempt = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO payment_attempts (tenant_id, id, invoice_id, payment_method_id, gateway, gateway_account_id, amount, currency,
             status, routing_reason, created_at) VALUES ($1, $2, $3, $4, 'sandbox', $5, 2900, 'EUR', 'pending', 'test', now())",
    )
    .bind(tenant)
    .bind(attempt)
    .bind(invoice_id.as_uuid())
    .bind(method)
    .bind(account)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let sandbox = app.gateways.sandbox(account).unwrap();
    let charged = app
        .gateways
        .gateway(&billing_core::ports::GatewayAccountSpec {
            tenant,
            id: account,
            provider: "sandbox".into(),
            name: "sandbox".into(),
            config: json!({}),
            active: true,
        })
        .unwrap()
        .charge(&ChargeRequest {
            idempotency_key: attempt.to_string(),
            customer: GatewayCustomerRef(provider_customer),
            method: PaymentMethodRef(provider_method),
            amount: billing_core::money::Money::from_minor(2900, billing_core::currency::Currency::EUR),
            description: format!("Invoice {invoice}"),
            metadata: [("invoice".to_string(), invoice.clone())].into_iter().collect(),
        })
        .await
        .unwrap();
    assert!(matches!(charged, billing_core::ports::ChargeOutcome::Succeeded { .. }));

    let now = instant("2026-03-20T06:00:00Z");
    let gateways: &dyn Gateways = app.gateways.as_ref();
    let first = billing_core::jobs::collection::run_collection(&app.db.pool, gateways, now, None).await.unwrap();
    assert_eq!((first.ran, first.redriven, first.collected), (true, 1, 1), "{first:?}");
    let second = billing_core::jobs::collection::run_collection(&app.db.pool, gateways, now, None).await.unwrap();
    assert_eq!((second.collected, second.redriven), (0, 0), "{second:?}");
    let (_, inv) = app.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    assert_eq!(sandbox.net_captured(billing_core::currency::Currency::EUR).await.unwrap().minor(), 2900);
    assert_eq!(app.count("invoice_payments").await, 1);
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn after_five_timeouts_the_circuit_opens_and_the_next_payment_skips_the_account() {
    let app = TestApp::spawn().await;
    let a = account(&app, "sandbox-eu", json!({})).await;
    let b = account(&app, "sandbox-backup", json!({})).await;
    put_rules(&app, json!([rule("eur-cards", "EUR", &[&a, &b])])).await;
    let mut invoices = Vec::new();
    for n in 0..6 {
        let (customer, invoice) = invoiced_customer(&app, "EUR", &format!("c{n}@example.com")).await;
        card(&app, &customer, &a, "4242424242424242").await;
        card(&app, &customer, &b, "4242424242424242").await;
        invoices.push(invoice);
    }
    app.gateways.sandbox(a.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap().set_outage(true);
    for invoice in &invoices[..5] {
        let (s, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
        assert_eq!((s, paid["attempts"].as_array().map(Vec::len)), (200, Some(2)), "{paid}");
    }
    // Five failures inside the window: A is no longer tried at all.
    let (s, paid) = app.post(&format!("/api/v1/invoices/{}/pay", invoices[5]), json!({})).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["attempts"].as_array().unwrap().len(), 1, "{paid}");
    assert_eq!(paid["attempt"]["gateway_account"], b);
    let reason = paid["attempt"]["routing_reason"].as_str().unwrap();
    assert!(reason.contains("circuit open") && reason.contains(&a), "{reason}");
    assert_eq!(paid["invoice_status"], "paid");
}

#[tokio::test]
async fn money_a_timed_out_gateway_took_before_the_failover_is_recorded_and_credited_not_lost() {
    let app = TestApp::spawn().await;
    // Account A takes the money and then never answers; B works.
    let a = account(&app, "sandbox-flaky", json!({ "outage_after_capture": true })).await;
    let b = account(&app, "sandbox-ok", json!({})).await;
    put_rules(&app, json!([rule("eur-cards", "EUR", &[&a, &b])])).await;
    let (customer, invoice) = invoiced_customer(&app, "EUR", "twice@example.com").await;
    card(&app, &customer, &a, "4242424242424242").await;
    card(&app, &customer, &b, "4242424242424242").await;

    let (s, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["invoice_status"], "paid", "{paid}");
    assert_eq!(
        (paid["attempts"][0]["status"].as_str(), paid["attempts"][1]["status"].as_str()),
        (Some("error"), Some("succeeded"))
    );
    let abandoned = paid["attempts"][0]["id"].as_str().unwrap().to_owned();

    // A's webhook reveals that it took 29.00 after all. It names our attempt, so the money is
    // recorded on it and, the invoice being paid, becomes the customer's credit balance.
    let sandbox_a = app.gateways.sandbox(a.parse::<billing_core::ids::GatewayAccountId>().unwrap().as_uuid()).unwrap();
    let deliveries = sandbox_a.drain_webhooks();
    assert_eq!(deliveries.len(), 1);
    let (headers, body) = deliveries.into_iter().next().unwrap();
    let mut req = app.http.post(app.url(&format!("/webhooks/{a}"))).body(body);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let outcome: Value = req.send().await.unwrap().json().await.unwrap();
    assert_eq!(outcome["outcome"], "invoice paid, 2900 to the credit balance", "{outcome}");
    let (_, ledger) = app.get(&format!("/api/v1/invoices/{invoice}/payment_attempts")).await;
    let first = ledger.as_array().unwrap().iter().find(|x| x["id"] == abandoned.as_str()).unwrap();
    assert_eq!(first["status"], "succeeded", "{ledger}");
    assert!(first["provider_payment_id"].as_str().unwrap().starts_with("sbx_pi_"), "{first}");
    let mut conn = app.db.pool.acquire().await.unwrap();
    let balances =
        billing_core::store::balance::balances(&mut conn, app.tenant.id, customer.parse().unwrap()).await.unwrap();
    assert_eq!(balances.iter().map(|m| m.minor()).sum::<i64>(), 2900, "the second charge is the customer's credit");
}
