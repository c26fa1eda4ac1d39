//! The server's own defences, over real sockets: unfinished headers and bodies do not hold a
//! connection, connections are capped, failed authentication is throttled per client address
//! (429 with Retry-After, counted), and `/metrics` stays off the public port.

use std::sync::Arc;
use std::time::{Duration, Instant};

use billing_tests::TestApp;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection or `limit` passes; `None` if it stayed open.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let deadline = Instant::now() + limit;
    loop {
        let mut buf = [0u8; 4096];
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::spawn().await;
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(b"POST /api/v1/customers HTTP/1.1\r\nHost: billing\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    // The default header timeout is 10 s; a minute would be "stays open for minutes".
    let closed = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    assert!(closed.is_some(), "the connection is still open after {:?}", started.elapsed());
    assert!(started.elapsed() >= Duration::from_secs(9), "closed too early: {:?}", started.elapsed());
}

#[tokio::test]
async fn failed_authentication_is_throttled_per_client_with_retry_after_and_counted() {
    let mut metrics = None;
    let app = TestApp::spawn_with(|state| {
        metrics = Some(state.metrics.clone());
        state
    })
    .await;
    let metrics = metrics.unwrap();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for n in 0..30 {
        let resp =
            app.http.get(app.url("/api/v1/customers")).bearer_auth(format!("sk_test_wrong_{n}")).send().await.unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            retry_after = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
        }
    }
    // Twenty failures are allowed in a row; every later request of that client waits.
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[20..].iter().all(|s| *s == 429), "{statuses:?}");
    assert!(retry_after.is_some_and(|s| (1..=60).contains(&s)), "{retry_after:?}");
    // Even the right key waits: the address is throttled, not the key guessed.
    let (status, _) = app.get("/api/v1/customers").await;
    assert_eq!(status, 429);
    let text = metrics.render(&[]);
    assert!(text.contains("billing_api_auth_failures_total 20"), "{text}");
    assert!(text.contains("billing_api_auth_throttled_total 11"), "{text}");
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_port() {
    let app = TestApp::spawn().await;
    let resp = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route_not_found");
}

#[tokio::test]
async fn a_plain_text_rejection_is_answered_in_the_json_error_shape() {
    let app = TestApp::spawn().await;
    // A line number that is not a number: axum's own rejection, plain text before.
    let resp = app
        .http
        .delete(app.url("/api/v1/invoices/in_0190a0a0a0a07000800000000000000/lines/abc"))
        .bearer_auth(&app.tenant.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request", "{body}");
    // A body that is not JSON where JSON is required.
    let resp = app
        .http
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&app.tenant.api_key)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request", "{body}");
}

/// The real router and server on a loopback port with `options` and `limits`.
async fn spawn_tuned(
    options: portal_web::app::HttpOptions,
    limits: portal_web::app::ServeLimits,
) -> (billing_tests::TestDb, String, String, Arc<portal_web::telemetry::Metrics>, portal_web::app::AppState) {
    let db = billing_tests::TestDb::new().await;
    let now = billing_tests::instant("2026-03-01T09:00:00Z");
    let tenant = billing_tests::create_tenant(&db.pool, "acme", now).await;
    let clock = Arc::new(billing_core::clock::FixedClock::at(now));
    let state = portal_web::app::AppState::new(db.pool.clone(), clock);
    let metrics = state.metrics.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(portal_web::app::serve_with(
        listener,
        portal_web::app::router_with(state.clone(), &options),
        limits,
        Some(metrics.clone()),
        std::future::pending(),
    ));
    (db, addr, tenant.api_key, metrics, state)
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_answered_408_in_json() {
    let options = portal_web::app::HttpOptions { body_timeout: Duration::from_millis(600), ..Default::default() };
    let (_db, addr, key, _, _) = spawn_tuned(options, portal_web::app::ServeLimits::default()).await;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/customers HTTP/1.1\r\nHost: billing\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"name\": \"slow"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream, Duration::from_secs(10)).await.expect("answered and closed");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"request_timeout\""), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let limits = portal_web::app::ServeLimits { header_timeout: Duration::from_secs(30), max_connections: 2 };
    let (_db, addr, _, metrics, _) = spawn_tuned(portal_web::app::HttpOptions::default(), limits).await;
    let mut idle = vec![TcpStream::connect(&addr).await.unwrap(), TcpStream::connect(&addr).await.unwrap()];
    let url = format!("http://{addr}/healthz");
    let client = || reqwest::Client::builder().timeout(Duration::from_millis(1500)).build().unwrap();
    assert!(client().get(&url).send().await.is_err(), "a third connection is not served while two are open");
    assert!(metrics.render(&[]).contains("billing_http_connections_open 2"), "{}", metrics.render(&[]));
    drop(idle.pop());
    let mut served = false;
    for _ in 0..20 {
        if client().get(&url).send().await.is_ok_and(|r| r.status() == 200) {
            served = true;
            break;
        }
    }
    assert!(served, "served once a slot is free");
}

#[tokio::test]
async fn metrics_have_their_own_listener_or_a_token() {
    let options =
        portal_web::app::HttpOptions { metrics_token: Some("metrics-token-0123456789".into()), ..Default::default() };
    let (_db, addr, _, _, state) = spawn_tuned(options, portal_web::app::ServeLimits::default()).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/metrics");
    assert_eq!(http.get(&url).send().await.unwrap().status(), 404, "no token, no metrics");
    assert_eq!(http.get(&url).bearer_auth("wrong-token-0123456789").send().await.unwrap().status(), 404);
    let text = http.get(&url).bearer_auth("metrics-token-0123456789").send().await.unwrap().text().await.unwrap();
    assert!(text.contains("billing_tenants 1"), "{text}");
    // The separate listener serves it to anyone who can reach that address, and nothing else.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = listener.local_addr().unwrap();
    tokio::spawn(portal_web::app::serve(listener, portal_web::app::metrics_router(state), std::future::pending()));
    let text = http.get(format!("http://{metrics_addr}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("billing_tenants 1"), "{text}");
    assert_eq!(http.get(format!("http://{metrics_addr}/api/v1/customers")).send().await.unwrap().status(), 404);
}
