//! API keys with scopes (docs/adr/0026): several per tenant, created and rotated with their
//! secret shown once and stored as a digest, each scope allowed and refused with
//! `403 insufficient_scope` naming the scope needed, rotation with an overlap on the app's clock,
//! revocation at once, last use recorded.

use billing_tests::TestApp;
use serde_json::{Value, json};

/// A request: method, path, body.
type Call = (&'static str, String, Option<Value>);

async fn create_key(app: &TestApp, name: &str, scopes: &[&str]) -> (String, String) {
    let (s, k) = app.post("/api/v1/api_keys", json!({ "name": name, "scopes": scopes })).await;
    assert_eq!(s, 201, "{k}");
    (k["id"].as_str().unwrap().to_string(), k["secret"].as_str().unwrap().to_string())
}

async fn call(app: &TestApp, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = app.url(path);
    let req = match method {
        "GET" => app.http.get(url),
        "POST" => app.http.post(url).json(&body.unwrap_or(json!({}))),
        "DELETE" => app.http.delete(url),
        other => panic!("{other}"),
    };
    app.send(req, key).await
}

#[tokio::test]
async fn each_scope_is_allowed_its_resource_and_refused_the_others_with_the_scope_it_lacks() {
    let app = TestApp::spawn().await;
    let (s, c) = app
        .post("/api/v1/customers", json!({ "email": "a@example.com", "name": "A", "country": "US", "currency": "EUR" }))
        .await;
    assert_eq!(s, 201, "{c}");
    let customer = c["id"].as_str().unwrap().to_string();
    let (s, sub) = app.post("/api/v1/subscriptions", json!({ "customer": customer, "plan": "pro" })).await;
    assert_eq!(s, 201, "{sub}");

    // (scope, request it allows, request it refuses, the scope the refusal names)
    let new_customer = json!({ "email": "b@example.com", "name": "B", "country": "US", "currency": "EUR" });
    let customer_path = format!("/api/v1/customers/{customer}");
    let cases: Vec<(&str, Call, Call, &str)> = vec![
        (
            "customers:read",
            ("GET", customer_path.clone(), None),
            ("POST", "/api/v1/customers".into(), Some(new_customer.clone())),
            "customers:write",
        ),
        (
            "customers:write",
            ("POST", "/api/v1/customers".into(), Some(new_customer.clone())),
            ("GET", "/api/v1/invoices".into(), None),
            "invoices:read",
        ),
        (
            "invoices:read",
            ("GET", "/api/v1/invoices".into(), None),
            ("POST", "/api/v1/invoices".into(), Some(json!({"customer": customer}))),
            "invoices:write",
        ),
        (
            "invoices:write",
            ("POST", "/api/v1/invoices".into(), Some(json!({"customer": customer}))),
            ("GET", "/api/v1/subscriptions".into(), None),
            "subscriptions:read",
        ),
        (
            "subscriptions:read",
            ("GET", "/api/v1/subscriptions".into(), None),
            ("POST", format!("/api/v1/subscriptions/{}/pause", sub["id"].as_str().unwrap()), None),
            "subscriptions:write",
        ),
        (
            "catalog:read",
            ("GET", "/api/v1/plans".into(), None),
            ("POST", "/api/v1/coupons".into(), Some(json!({"code": "X", "percent_off": "10", "duration": "once"}))),
            "catalog:write",
        ),
        (
            "usage:write",
            (
                "POST",
                "/api/v1/usage_events".into(),
                Some(
                    json!({"subscription": "sub_0", "event_id": "e1", "timestamp": "2026-03-01T10:00:00Z", "value": "1"}),
                ),
            ),
            ("GET", "/api/v1/customers".into(), None),
            "customers:read",
        ),
        (
            "payments:read",
            ("GET", format!("/api/v1/customers/{customer}/payment_methods"), None),
            (
                "POST",
                format!("/api/v1/customers/{customer}/payment_methods"),
                Some(json!({"card_number": "4242424242424242"})),
            ),
            "payments:write",
        ),
        (
            "settings:read",
            ("GET", "/api/v1/tenant".into(), None),
            ("PUT", "/api/v1/dunning_policy".into(), None),
            "settings:write",
        ),
        (
            "read_only",
            ("GET", "/api/v1/customers".into(), None),
            ("POST", "/api/v1/customers".into(), Some(new_customer.clone())),
            "customers:write",
        ),
        ("read_only", ("GET", "/api/v1/job_runs".into(), None), ("GET", "/api/v1/api_keys".into(), None), "full"),
        ("full", ("GET", "/api/v1/api_keys".into(), None), ("GET", "/api/v1/api_keys".into(), None), ""),
    ];
    for (n, (scope, allowed, refused, needed)) in cases.into_iter().enumerate() {
        let (_, secret) = create_key(&app, &format!("key {n}"), &[scope]).await;
        let (s, body) = call(&app, &secret, allowed.0, &allowed.1, allowed.2.clone()).await;
        assert!(s != 403 && s != 401, "{scope} must allow {} {}: {s} {body}", allowed.0, allowed.1);
        if needed.is_empty() {
            continue;
        }
        let (s, body) = if refused.0 == "PUT" {
            app.send(app.http.put(app.url(&refused.1)).json(&json!({"steps": []})), &secret).await
        } else {
            call(&app, &secret, refused.0, &refused.1, refused.2.clone()).await
        };
        assert_eq!(s, 403, "{scope} must refuse {} {}: {body}", refused.0, refused.1);
        assert_eq!(body["error"]["code"], "insufficient_scope");
        assert_eq!(body["error"]["required_scope"], needed);
        assert!(body["error"]["message"].as_str().unwrap().contains(needed), "{body}");
    }
    // A refused request wrote nothing: still two customers at most (a and b).
    assert_eq!(app.count("customers").await, 2);
}

#[tokio::test]
async fn keys_are_shown_once_stored_as_digests_and_listed_without_secrets() {
    let app = TestApp::spawn().await;
    let (id, secret) = create_key(&app, "backend", &["full"]).await;
    assert!(secret.starts_with("sk_live_"));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM api_keys WHERE digest = sha256($1::bytea)")
        .bind(secret.as_bytes())
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1, "the digest is stored");
    let (s, list) = app.get("/api/v1/api_keys").await;
    assert_eq!(s, 200);
    assert!(!list.to_string().contains(&secret), "no list shows a secret");
    let listed = list["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "the bootstrap key and the new one: {list}");
    let bootstrap = listed.iter().find(|k| k["id"] != id.as_str()).unwrap();
    assert_eq!(bootstrap["scopes"], json!(["full"]), "the bootstrap key keeps full");
    // A replay under the same Idempotency-Key does not show the secret again.
    let req = || {
        app.http
            .post(app.url("/api/v1/api_keys"))
            .header("Idempotency-Key", "mint-1")
            .json(&json!({ "name": "ci", "scopes": ["read_only"] }))
    };
    let (s, first) = app.send(req(), &app.tenant.api_key).await;
    assert_eq!(s, 201);
    assert!(first["secret"].as_str().is_some());
    let (s, again) = app.send(req(), &app.tenant.api_key).await;
    assert_eq!(s, 201);
    assert_eq!(again["id"], first["id"]);
    assert!(again.get("secret").is_none(), "{again}");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE response::text LIKE '%sk_live_%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap_or(0);
    assert_eq!(stored, 0, "no secret in the idempotency store");
    // Bad scopes are refused.
    let (s, e) = app.post("/api/v1/api_keys", json!({ "name": "x", "scopes": ["invoices:delete"] })).await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("scopes")), "{e}");
    let (s, _) = app.post("/api/v1/api_keys", json!({ "name": "x", "scopes": [] })).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_rotated_key_keeps_its_old_secret_until_the_overlap_ends_and_a_revoked_one_stops_at_once() {
    let app = TestApp::spawn().await;
    let (id, old) = create_key(&app, "shop", &["customers:read"]).await;
    assert_eq!(call(&app, &old, "GET", "/api/v1/customers", None).await.0, 200);

    let (s, rotated) = app.post(&format!("/api/v1/api_keys/{id}/rotate"), json!({ "overlap_hours": 2 })).await;
    assert_eq!(s, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(rotated["scopes"], json!(["customers:read"]), "rotation keeps the scopes");
    assert_eq!(call(&app, &new, "GET", "/api/v1/customers", None).await.0, 200);
    assert_eq!(call(&app, &old, "GET", "/api/v1/customers", None).await.0, 200, "old secret in its overlap");

    app.clock.advance(chrono::Duration::minutes(119));
    assert_eq!(call(&app, &old, "GET", "/api/v1/customers", None).await.0, 200, "a minute before the end");
    app.clock.advance(chrono::Duration::minutes(2));
    let (s, e) = call(&app, &old, "GET", "/api/v1/customers", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (401, Some("api_key_invalid")), "after the overlap");
    assert_eq!(call(&app, &new, "GET", "/api/v1/customers", None).await.0, 200);

    // A rotation with no body keeps the old secret for 24 hours.
    let (s, again) =
        app.send(app.http.post(app.url(&format!("/api/v1/api_keys/{id}/rotate"))), &app.tenant.api_key).await;
    assert_eq!(s, 200, "{again}");
    let newest = again["secret"].as_str().unwrap().to_string();
    let until = chrono::DateTime::parse_from_rfc3339(again["previous_secret_expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        until.with_timezone(&chrono::Utc) - billing_core::clock::Clock::now(app.clock.as_ref()),
        chrono::Duration::hours(24)
    );
    assert_eq!(call(&app, &new, "GET", "/api/v1/customers", None).await.0, 200);

    // Revoked: neither secret works, at once; revoking again is 404; another tenant's id is 404.
    let (s, revoked) = app.send(app.http.delete(app.url(&format!("/api/v1/api_keys/{id}"))), &app.tenant.api_key).await;
    assert_eq!(s, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    for secret in [&new, &newest] {
        assert_eq!(call(&app, secret, "GET", "/api/v1/customers", None).await.0, 401);
    }
    let (s, _) = app.send(app.http.delete(app.url(&format!("/api/v1/api_keys/{id}"))), &app.tenant.api_key).await;
    assert_eq!(s, 404);
    let (s, _) = app.post("/api/v1/api_keys/key_0/rotate", json!({})).await;
    assert!(s == 400 || s == 404, "{s}");
}

#[tokio::test]
async fn last_use_is_recorded_at_most_once_a_minute() {
    let app = TestApp::spawn().await;
    let (id, secret) = create_key(&app, "poller", &["read_only"]).await;
    let last = || async {
        let (_, list) = app.get("/api/v1/api_keys").await;
        list["data"].as_array().unwrap().iter().find(|k| k["id"] == id.as_str()).unwrap()["last_used_at"].clone()
    };
    assert_eq!(last().await, Value::Null, "never used");
    call(&app, &secret, "GET", "/api/v1/customers", None).await;
    let first = last().await;
    assert!(first.is_string());
    app.clock.advance(chrono::Duration::seconds(30));
    call(&app, &secret, "GET", "/api/v1/customers", None).await;
    assert_eq!(last().await, first, "not again within the minute");
    app.clock.advance(chrono::Duration::seconds(31));
    call(&app, &secret, "GET", "/api/v1/customers", None).await;
    assert_ne!(last().await, first, "recorded again after a minute");
}
