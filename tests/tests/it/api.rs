//! The REST API over HTTP against a real PostgreSQL: what an integrator sees.

use billing_core::clock::Clock;
use billing_tests::{TestApp, create_tenant};
use serde_json::json;

fn customer_body() -> serde_json::Value {
    json!({ "email": "anna@example.de", "name": "Anna Schmidt", "country": "DE", "currency": "EUR" })
}

#[tokio::test]
async fn a_customer_is_created_read_back_and_listed() {
    let app = TestApp::spawn().await;
    let (status, created) = app.post("/api/v1/customers", customer_body()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("cus_"));
    assert_eq!(created["locale"], "en");
    let (status, got) = app.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["email"], "anna@example.de");
    assert_eq!(got["currency"], "EUR");
    let (status, list) = app.get("/api/v1/customers").await;
    assert_eq!(status, 200);
    assert_eq!(list["object"], "list");
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["has_more"], false);
}

#[tokio::test]
async fn lists_page_through_every_customer_exactly_once() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let mut body = customer_body();
        body["email"] = json!(format!("c{i}@example.com"));
        let (_, c) = app.post("/api/v1/customers", body).await;
        created.push(c["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/customers?limit=3&starting_after={c}"),
            None => "/api/v1/customers?limit=3".to_string(),
        };
        let (status, page) = app.get(&path).await;
        assert_eq!(status, 200, "{page}");
        for c in page["data"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_string());
        }
        if page["has_more"] == false {
            assert!(page["next_cursor"].is_null());
            break;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, created);
    let (status, err) = app.get("/api/v1/customers?limit=1000").await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "invalid_request");
}

#[tokio::test]
async fn bad_customer_input_gets_a_stable_code_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"currency": "XYZ"}), "unknown_currency", "currency"),
        (json!({"email": "not-an-email"}), "invalid_email", "email"),
        (json!({"country": "XX"}), "invalid_country", "country"),
        (json!({"name": "   "}), "invalid_request", "name"),
        (json!({"locale": "tlh"}), "invalid_request", "locale"),
    ];
    for (patch, code, param) in cases {
        let mut body = customer_body();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, err) = app.post("/api/v1/customers", body).await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["error"]["code"], code, "{err}");
        assert_eq!(err["error"]["param"], param, "{err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, err) = app
        .post(
            "/api/v1/customers",
            json!({"email": "a@b.de", "name": "A", "country": "DE", "currency": "EUR", "vip": true}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "invalid_request");
    let resp = app
        .http
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&app.tenant.api_key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(app.count("customers").await, 0);
}

#[tokio::test]
async fn errors_are_localized_by_accept_language() {
    let app = TestApp::spawn().await;
    let mut body = customer_body();
    body["currency"] = json!("EURO");
    let expectations = [
        ("de-DE,de;q=0.9", "keine bekannte Währung"),
        ("fr", "n’est pas une devise connue"),
        ("zh-CN", "不是已知货币"),
        ("ja", "は既知の通貨ではありません"),
        ("ko", "is not a known currency"),
    ];
    for (lang, text) in expectations {
        let req = app.http.post(app.url("/api/v1/customers")).header("accept-language", lang).json(&body);
        let (status, err) = app.send(req, &app.tenant.api_key).await;
        assert_eq!(status, 400);
        assert_eq!(err["error"]["code"], "unknown_currency");
        assert!(err["error"]["message"].as_str().unwrap().contains(text), "{lang}: {err}");
    }
}

#[tokio::test]
async fn a_missing_or_wrong_api_key_is_refused() {
    let app = TestApp::spawn().await;
    let resp = app.http.get(app.url("/api/v1/customers")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "api_key_missing");
    let (status, body) = app.send(app.http.get(app.url("/api/v1/customers")), "sk_live_wrong").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "api_key_invalid");
    let (status, _) =
        app.send(app.http.post(app.url("/api/v1/customers")).json(&customer_body()), "sk_live_wrong").await;
    assert_eq!(status, 401);
    assert_eq!(app.count("customers").await, 0);
}

#[tokio::test]
async fn one_tenants_key_never_reads_another_tenants_data() {
    let app = TestApp::spawn().await;
    let (_, anna) = app.post("/api/v1/customers", customer_body()).await;
    let anna_id = anna["id"].as_str().unwrap();
    let (_, sub) = app.post("/api/v1/subscriptions", json!({"customer": anna_id, "plan": "pro"})).await;
    let other = create_tenant(&app.db.pool, "other", app.clock.now()).await;
    for path in
        [format!("/api/v1/customers/{anna_id}"), format!("/api/v1/subscriptions/{}", sub["id"].as_str().unwrap())]
    {
        let (status, body) = app.send(app.http.get(app.url(&path)), &other.api_key).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "resource_missing");
    }
    let (_, list) = app.send(app.http.get(app.url("/api/v1/customers")), &other.api_key).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    let (_, plans) = app.send(app.http.get(app.url("/api/v1/plans")), &other.api_key).await;
    assert_eq!(plans["data"].as_array().unwrap().len(), 0);
    // Subscribing another tenant's customer is refused as if it did not exist.
    let (status, body) = app
        .send(
            app.http.post(app.url("/api/v1/subscriptions")).json(&json!({"customer": anna_id, "plan": "pro"})),
            &other.api_key,
        )
        .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn a_subscription_takes_its_price_from_the_customers_currency() {
    let app = TestApp::spawn().await;
    let mut body = customer_body();
    body["currency"] = json!("USD");
    body["country"] = json!("US");
    let (_, c) = app.post("/api/v1/customers", body).await;
    let (status, sub) = app
        .post(
            "/api/v1/subscriptions",
            json!({"customer": c["id"], "plan": "pro", "quantity": 3, "start_date": "2026-01-31"}),
        )
        .await;
    assert_eq!(status, 201, "{sub}");
    assert!(sub["id"].as_str().unwrap().starts_with("sub_"));
    assert_eq!(sub["price"]["amount"], 3200);
    assert_eq!(sub["price"]["currency"], "USD");
    assert_eq!(sub["period_amount"], json!({"amount": 9600, "currency": "USD"}));
    assert_eq!(sub["quantity"], 3);
    assert_eq!(sub["billing_anchor"], "2026-01-31");
    assert_eq!(sub["next_period_start"], "2026-01-31");
    assert_eq!(sub["next_period_end"], "2026-02-27");
    let (status, got) = app.get(&format!("/api/v1/subscriptions/{}", sub["id"].as_str().unwrap())).await;
    assert_eq!(status, 200);
    assert_eq!(got["status"], "active");
    let (_, list) = app.get(&format!("/api/v1/subscriptions?customer={}", c["id"].as_str().unwrap())).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_subscription_requests_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let mut chf = customer_body();
    chf["currency"] = json!("CHF");
    chf["country"] = json!("CH");
    let (_, swiss) = app.post("/api/v1/customers", chf).await;
    let (_, anna) = app.post("/api/v1/customers", customer_body()).await;
    let cases = [
        (json!({"customer": swiss["id"], "plan": "pro"}), 422, "plan_not_available_in_currency"),
        (json!({"customer": anna["id"], "plan": "pro", "quantity": -1}), 400, "invalid_quantity"),
        (json!({"customer": anna["id"], "plan": "pro", "quantity": 0}), 400, "invalid_quantity"),
        (json!({"customer": anna["id"], "plan": "nope"}), 404, "resource_missing"),
        (json!({"customer": "cus_nope", "plan": "pro"}), 400, "invalid_id"),
        (json!({"customer": anna["id"], "plan": "pro", "start_date": "2026-02-30"}), 400, "invalid_request"),
        (json!({"customer": anna["id"], "plan": "pro", "start_date": "1999-01-01"}), 400, "invalid_request"),
    ];
    for (body, status, code) in cases {
        let (got, err) = app.post("/api/v1/subscriptions", body.clone()).await;
        assert_eq!(got, status, "{body}: {err}");
        assert_eq!(err["error"]["code"], code, "{body}: {err}");
    }
    assert_eq!(app.count("subscriptions").await, 0);
}

#[tokio::test]
async fn an_idempotency_key_makes_a_double_submit_create_one_customer() {
    let app = TestApp::spawn().await;
    let send = |body: serde_json::Value| {
        let req = app.http.post(app.url("/api/v1/customers")).header("idempotency-key", "order-42").json(&body);
        app.send(req, &app.tenant.api_key)
    };
    let (s1, first) = send(customer_body()).await;
    let (s2, second) = send(customer_body()).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.count("customers").await, 1);
    let mut changed = customer_body();
    changed["name"] = json!("Someone Else");
    let (s3, err) = send(changed).await;
    assert_eq!(s3, 409);
    assert_eq!(err["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.count("customers").await, 1);
    // A failed request does not burn its key: fixing the body and retrying works.
    let req = app
        .http
        .post(app.url("/api/v1/customers"))
        .header("idempotency-key", "k2")
        .json(&json!({"email": "x", "name": "X", "country": "DE", "currency": "EUR"}));
    let (s4, _) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(s4, 400);
    let mut fixed = customer_body();
    fixed["email"] = json!("x@example.de");
    let req = app.http.post(app.url("/api/v1/customers")).header("idempotency-key", "k2").json(&fixed);
    let (s5, _) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(s5, 201);
}

#[tokio::test]
async fn health_readiness_metrics_and_unknown_routes() {
    let app = TestApp::spawn().await;
    assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(app.http.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    app.post("/api/v1/customers", customer_body()).await;
    // `/metrics` has its own listener (metrics.bind), off the public port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let state = portal_web::app::AppState::new(app.db.pool.clone(), app.clock.clone());
    tokio::spawn(portal_web::app::serve(listener, portal_web::app::metrics_router(state), std::future::pending()));
    let text = app.http.get(&metrics_url).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("billing_customers 1"), "{text}");
    assert!(text.contains("billing_http_responses_total{class=\"2xx\"}"), "{text}");
    let (status, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "route_not_found");
    let (status, body) = app.send(app.http.delete(app.url("/api/v1/customers")), &app.tenant.api_key).await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
