//! The request log (docs/adr/0026): each authenticated request leaves one entry with its route
//! template, status, key name, idempotency key, duration and error code, and nothing of its body,
//! query or secret; the list filters; restricted keys cannot read it; old entries are pruned.

use std::time::Duration;

use billing_tests::TestApp;
use serde_json::{Value, json};

async fn entries(app: &TestApp, query: &str, at_least: usize) -> Vec<Value> {
    // Entries are written after the answer, on a task of their own.
    for _ in 0..50 {
        let (s, list) = app.get(&format!("/api/v1/request_logs{query}")).await;
        assert_eq!(s, 200, "{list}");
        let data = list["data"].as_array().unwrap().clone();
        if data.len() >= at_least {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {at_least} entries for {query}");
}

#[tokio::test]
async fn requests_are_logged_without_bodies_filtered_and_pruned() {
    let app = TestApp::spawn().await;
    let body = json!({ "email": "secret-body@example.com", "name": "A", "country": "US", "currency": "EUR" });
    let req = app.http.post(app.url("/api/v1/customers")).header("Idempotency-Key", "log-1").json(&body);
    let (s, c) = app.send(req, &app.tenant.api_key).await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap();
    let (s, _) = app.get("/api/v1/customers?x=secret-query").await;
    assert_eq!(s, 400, "unknown query field");
    let (s, _) = app.get("/api/v1/customers/cus_00000000000000000000000000").await;
    assert!(s == 404 || s == 400);

    let all = entries(&app, "?path=/api/v1/customers", 2).await;
    let created = all.iter().find(|e| e["method"] == "POST").unwrap();
    assert_eq!(created["method"], "POST");
    assert_eq!(created["status"], 201);
    assert_eq!(created["key_name"], "test");
    assert_eq!(created["idempotency_key"], "log-1");
    assert!(created["duration_ms"].as_i64().unwrap() >= 0);
    assert!(created["error_code"].is_null());

    let failed = entries(&app, "?failed=true", 2).await;
    assert!(failed.iter().all(|e| e["status"].as_i64().unwrap() >= 400), "{failed:?}");
    assert!(failed.iter().any(|e| e["error_code"] == "invalid_request"), "{failed:?}");
    let everything = entries(&app, "?limit=100", 4).await;
    let text = serde_json::to_string(&everything).unwrap();
    assert!(!text.contains("secret-body") && !text.contains("secret-query") && !text.contains(id));
    assert!(!text.contains(&app.tenant.api_key));

    // A read-only key may not read the log.
    let (s, k) = app.post("/api/v1/api_keys", json!({ "name": "ro", "scopes": ["read_only"] })).await;
    assert_eq!(s, 201);
    let (s, e) = app.send(app.http.get(app.url("/api/v1/request_logs")), k["secret"].as_str().unwrap()).await;
    assert_eq!((s, e["error"]["required_scope"].as_str()), (403, Some("full")));

    // Retention: entries older than the configured days go, newer ones stay.
    // Entries are stamped by the app's clock, which the test holds.
    let now = billing_core::clock::Clock::now(app.clock.as_ref());
    sqlx::query("UPDATE api_request_log SET at = $1 WHERE idempotency_key = 'log-1'")
        .bind(now - chrono::Duration::days(31))
        .execute(&app.db.pool)
        .await
        .unwrap();
    let pruned = billing_core::service::request_log::prune(&app.db.pool, now, 30).await.unwrap();
    assert_eq!(pruned, 1);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM api_request_log").fetch_one(&app.db.pool).await.unwrap();
    assert!(left >= 3, "{left}");
    let (s, list) = app.get("/api/v1/request_logs?idempotency_key=log-1").await;
    assert_eq!(s, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
}
