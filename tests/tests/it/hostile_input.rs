//! Hostile input is refused at the edge with a clear, localized 400 and changes nothing: control
//! characters (NUL above all, which PostgreSQL cannot store) and overlong text in any field of any
//! request, in paths, queries and bank statement lines; amounts beyond the one bound; bodies over
//! the size limit answered with the JSON error shape.

use billing_tests::TestApp;
use serde_json::{Value, json};

/// Rows of every table a refused request could have written to.
async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "customers",
        "plans",
        "plan_prices",
        "invoices",
        "invoice_lines",
        "coupons",
        "gateway_accounts",
        "routing_rules",
        "customer_balance_transactions",
        "bank_statement_imports",
        "tenant_bank_accounts",
        "payment_refunds",
        "invoice_payments",
        "usage_events",
        "subscriptions",
        "idempotency_keys",
    ] {
        counts.push(app.count(table).await);
    }
    counts
}

async fn send(app: &TestApp, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let url = app.url(path);
    let req = match method {
        "PUT" => app.http.put(url),
        "PATCH" => app.http.patch(url),
        _ => app.http.post(url),
    };
    app.send(req.json(body), &app.tenant.api_key).await
}

#[tokio::test]
async fn a_nul_character_in_any_text_field_is_a_400_naming_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("nul@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_owned();
    let subscription: String = {
        let (_, subs) = app.get("/api/v1/subscriptions").await;
        subs["data"][0]["id"].as_str().unwrap().to_owned()
    };
    let (s, draft) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": customer, "lines": [{ "description": "Setup", "unit_amount": 1000 }] }),
        )
        .await;
    assert_eq!(s, 201, "{draft}");
    let draft = draft["id"].as_str().unwrap().to_owned();
    let nul = "Evil\u{0}Corp";
    let customer_body = |field: &str| {
        let mut b = json!({ "email": "n@example.com", "name": "N", "country": "US", "currency": "EUR" });
        b[field] = json!(nul);
        b
    };
    let price = json!([{ "currency": "EUR", "amount": 100 }]);
    let interval = json!({ "unit": "month", "count": 1 });
    let cases: Vec<(&str, String, Value, &str)> = vec![
        ("POST", "/api/v1/customers".into(), customer_body("name"), "name"),
        ("POST", "/api/v1/customers".into(), customer_body("company_name"), "company_name"),
        ("POST", "/api/v1/customers".into(), customer_body("vat_id"), "vat_id"),
        (
            "POST",
            "/api/v1/customers".into(),
            json!({ "email": "a@example.com", "name": "A", "country": "US", "currency": "EUR",
                    "address": { "line1": "Main St", "city": nul } }),
            "address.city",
        ),
        ("PATCH", format!("/api/v1/customers/{customer}"), json!({ "name": nul }), "name"),
        (
            "POST",
            "/api/v1/plans".into(),
            json!({ "code": "evil", "name": nul, "interval": interval, "prices": price }),
            "name",
        ),
        (
            "POST",
            "/api/v1/plans".into(),
            json!({ "code": "evil", "name": "Evil", "product_name": nul, "interval": interval, "prices": price }),
            "product_name",
        ),
        (
            "POST",
            "/api/v1/invoices".into(),
            json!({ "customer": customer, "lines": [{ "description": nul, "unit_amount": 100 }] }),
            "lines[0].description",
        ),
        (
            "POST",
            "/api/v1/invoices".into(),
            json!({ "customer": customer, "memo": nul, "lines": [{ "description": "x", "unit_amount": 100 }] }),
            "memo",
        ),
        (
            "POST",
            format!("/api/v1/invoices/{draft}/lines"),
            json!({ "lines": [{ "description": "ok", "unit_amount": 100 }, { "description": nul, "unit_amount": 1 }] }),
            "lines[1].description",
        ),
        ("POST", format!("/api/v1/invoices/{invoice}/credit_notes"), json!({ "reason": nul }), "reason"),
        ("POST", "/api/v1/coupons".into(), json!({ "code": nul, "percent_off": "10", "duration": "once" }), "code"),
        (
            "POST",
            "/api/v1/subscriptions".into(),
            json!({ "customer": customer, "plan": "pro", "coupon": nul }),
            "coupon",
        ),
        ("POST", "/api/v1/gateway_accounts".into(), json!({ "provider": "sandbox", "name": nul }), "name"),
        (
            "PUT",
            "/api/v1/routing_rules".into(),
            json!({ "rules": [{ "name": nul, "priority": 1, "targets": [] }] }),
            "rules[0].name",
        ),
        ("PUT", "/api/v1/bank_account".into(), json!({ "iban": "DE89370400440532013000", "holder": nul }), "holder"),
        ("POST", "/api/v1/tenant".into(), json!({ "legal_name": nul }), "legal_name"),
        ("POST", "/api/v1/tenant".into(), json!({ "address": { "line1": nul } }), "address.line1"),
        (
            "POST",
            format!("/api/v1/customers/{customer}/balance/transactions"),
            json!({ "kind": "adjustment", "amount": 100, "currency": "EUR", "description": nul }),
            "description",
        ),
        (
            "POST",
            format!("/api/v1/invoices/{invoice}/mark_paid"),
            json!({ "amount": 100, "reference": nul }),
            "reference",
        ),
        (
            "POST",
            "/api/v1/usage_events".into(),
            json!({ "subscription": subscription, "event_id": "e1", "timestamp": "2026-03-02T00:00:00Z",
                    "value": "1", "property": nul }),
            "property",
        ),
        // Keys are text too.
        ("POST", "/api/v1/customers".into(), json!({ "na\u{0}me": "x" }), "na\\u0000me"),
    ];
    let before = footprint(&app).await;
    for (method, path, body, param) in &cases {
        let (s, err) = send(&app, method, path, body).await;
        assert_eq!(
            (s, err["error"]["code"].as_str(), err["error"]["param"].as_str()),
            (400, Some("invalid_text"), Some(*param)),
            "{method} {path} {body}: {err}"
        );
        assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains(param)), "{err}");
    }
    // A line of a bank statement, and text in the URL.
    let csv = "Buchungstag;Valutadatum;Auftraggeber/Empfänger;IBAN;Verwendungszweck;Betrag;Währung\n\
               10.03.2026;10.03.2026;Pay\u{0}er;DE02120300000000202051;Rechnung;29,00;EUR\n";
    let req = app.http.post(app.url("/api/v1/bank_statements?format=csv")).body(csv);
    let (s, err) = app.send(req, &app.tenant.api_key).await;
    assert_eq!((s, err["error"]["code"].as_str()), (400, Some("invalid_text")), "{err}");
    for path in ["/api/v1/plans/ev%00il/prices", "/api/v1/customers?cursor=a%00b"] {
        let req = if path.contains("prices") {
            app.http.post(app.url(path)).json(&json!({ "currency": "EUR", "amount": 1 }))
        } else {
            app.http.get(app.url(path))
        };
        let (s, err) = app.send(req, &app.tenant.api_key).await;
        assert_eq!((s, err["error"]["code"].as_str()), (400, Some("invalid_text")), "{path}: {err}");
    }
    assert_eq!(footprint(&app).await, before, "nothing was written");
    // The message is localized like every other error.
    let req = app.http.post(app.url("/api/v1/customers")).header("accept-language", "de").json(&customer_body("name"));
    let (_, err) = app.send(req, &app.tenant.api_key).await;
    assert!(err["error"]["message"].as_str().unwrap().contains("Steuerzeichen"), "{err}");
}

#[tokio::test]
async fn overlong_text_is_refused_but_tabs_and_line_breaks_in_a_memo_are_text() {
    let app = TestApp::spawn().await;
    let (customer, _) = app.invoiced_march_customer("long@example.com", "EUR").await;
    let long = "x".repeat(billing_core::text::MAX_TEXT_CHARS + 1);
    let (s, err) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": customer, "memo": long, "lines": [{ "description": "x", "unit_amount": 100 }] }),
        )
        .await;
    assert_eq!(
        (s, err["error"]["code"].as_str(), err["error"]["param"].as_str()),
        (400, Some("text_too_long"), Some("memo"))
    );
    let (s, inv) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": customer, "memo": "Thanks!\r\n\tSee you", "lines": [{ "description": "x", "unit_amount": 100 }] }),
        )
        .await;
    assert_eq!((s, inv["memo"].as_str()), (201, Some("Thanks!\r\n\tSee you")), "{inv}");
    // Other control characters are refused (escape, DEL, a C1 control).
    for bad in ["a\u{1b}[31m", "a\u{7f}", "a\u{85}b"] {
        let (s, err) = app
            .post(
                "/api/v1/customers",
                json!({ "email": "c@example.com", "name": bad, "country": "US", "currency": "EUR" }),
            )
            .await;
        assert_eq!((s, err["error"]["code"].as_str()), (400, Some("invalid_text")), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn one_bound_for_amounts_everywhere_checked_at_the_edge() {
    let app = TestApp::spawn().await;
    let (customer, invoice) = app.invoiced_march_customer("amount@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_owned();
    let max = billing_core::money::MAX_AMOUNT_MINOR;
    let before = footprint(&app).await;
    let interval = json!({ "unit": "month", "count": 1 });
    let cases: Vec<(&str, String, Value, &str)> = vec![
        (
            "POST",
            format!("/api/v1/customers/{customer}/balance/transactions"),
            json!({ "kind": "adjustment", "amount": i64::MAX, "currency": "EUR" }),
            "amount",
        ),
        (
            "POST",
            format!("/api/v1/customers/{customer}/balance/transactions"),
            json!({ "kind": "adjustment", "amount": -max - 1, "currency": "EUR" }),
            "amount",
        ),
        ("POST", "/api/v1/plans/pro/prices".into(), json!({ "currency": "EUR", "amount": max + 1 }), "amount"),
        (
            "POST",
            "/api/v1/plans/pro/prices".into(),
            json!({ "currency": "EUR", "amount": 100, "setup_fee": max + 1 }),
            "setup_fee",
        ),
        (
            "POST",
            "/api/v1/plans".into(),
            json!({ "code": "big", "name": "Big", "interval": interval,
                    "prices": [{ "currency": "EUR", "amount": max + 1 }] }),
            "prices[0].amount",
        ),
        (
            "POST",
            "/api/v1/plans".into(),
            json!({ "code": "big", "name": "Big", "interval": interval,
                    "prices": [{ "currency": "EUR", "pricing": { "model": { "type": "flat", "price": { "amount": max + 1, "currency": "EUR" } } } }] }),
            "prices[0].pricing",
        ),
        (
            "POST",
            "/api/v1/invoices".into(),
            json!({ "customer": customer, "lines": [{ "description": "x", "unit_amount": max + 1 }] }),
            "lines[0].unit_amount",
        ),
        ("POST", format!("/api/v1/invoices/{invoice}/credit_notes"), json!({ "amount": max + 1 }), "amount"),
        ("POST", format!("/api/v1/invoices/{invoice}/refunds"), json!({ "amount": max + 1 }), "amount"),
        ("POST", format!("/api/v1/invoices/{invoice}/mark_paid"), json!({ "amount": max + 1 }), "amount"),
        (
            "POST",
            "/api/v1/coupons".into(),
            json!({ "code": "BIG", "amount_off": [{ "amount": max + 1, "currency": "EUR" }], "duration": "once" }),
            "amount_off[0].amount",
        ),
    ];
    for (method, path, body, param) in &cases {
        let (s, err) = send(&app, method, path, body).await;
        assert_eq!(
            (s, err["error"]["code"].as_str(), err["error"]["param"].as_str()),
            (400, Some("amount_too_large"), Some(*param)),
            "{method} {path} {body}: {err}"
        );
    }
    assert_eq!(footprint(&app).await, before, "nothing was written");

    // The bound itself is accepted, by plan creation and by a price change alike, and an invoice
    // run then invoices it.
    let (s, plan) = app
        .post(
            "/api/v1/plans",
            json!({ "code": "max", "name": "Max", "interval": interval, "prices": [{ "currency": "EUR", "amount": max }] }),
        )
        .await;
    assert_eq!(s, 201, "{plan}");
    let (s, changed) = app.post("/api/v1/plans/pro/prices", json!({ "currency": "EUR", "amount": max })).await;
    assert_eq!(s, 200, "{changed}");
    let (s, adjusted) = app
        .post(
            &format!("/api/v1/customers/{customer}/balance/transactions"),
            json!({ "kind": "adjustment", "amount": max, "currency": "EUR" }),
        )
        .await;
    assert_eq!(s, 201, "{adjusted}");
    let (s, sub) = app
        .post("/api/v1/subscriptions", json!({ "customer": customer, "plan": "max", "start_date": "2026-03-01" }))
        .await;
    assert_eq!(s, 201, "{sub}");
    let march = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let options = billing_core::jobs::invoice_run::RunOptions::new(march);
    let report = billing_core::jobs::invoice_run::run(
        &app.db.pool,
        &options,
        billing_tests::instant("2026-03-01T09:00:00Z"),
        &billing_core::jobs::invoice_run::NoProgress,
    )
    .await
    .expect("the invoice run takes the largest price");
    // Invoiced, not skipped (the one exception is the warning that the customer has no card).
    assert_eq!((report.invoices, report.skipped), (1, 0), "{report:?}");
    assert_eq!(report.totals.0["EUR"].total.minor(), max, "{report:?}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_json_413_on_every_endpoint() {
    let app = TestApp::spawn().await;
    let (_, list) = app.get("/api/v1/gateway_accounts").await;
    let account = list["data"][0]["id"].as_str().unwrap().to_owned();
    let big = vec![b'{'; 2 * 1024 * 1024];
    for path in
        [format!("/webhooks/{account}"), "/api/v1/bank_statements?format=csv".into(), "/api/v1/customers".into()]
    {
        let resp = app
            .http
            .post(app.url(&path))
            .bearer_auth(&app.tenant.api_key)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 413, "{path}");
        let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(content_type.starts_with("application/json"), "{path}: {content_type}");
        assert_eq!(body["error"]["code"], "payload_too_large", "{path}: {body}");
    }
}
