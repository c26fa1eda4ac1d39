//! Outgoing webhooks and the events API end to end (docs/adr/0024, docs/webhooks.md): a real HTTP
//! receiver (axum on a loopback port, spawned here) gets signed events for what happens through
//! the API; the signatures are checked by an independent implementation (Python's standard
//! `hmac`, as a merchant would, `fixtures/verify_webhook.py`). Retries run on the business clock
//! handed to the job; nothing here depends on the wall clock.

use std::collections::{BTreeSet, VecDeque};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use billing_core::clock::Clock;
use billing_tests::{TestApp, create_tenant};
use chrono::{DateTime, Duration, Utc};
use portal_web::webhook_delivery::{WebhookRun, WebhookSender, WebhooksConfig};
use serde_json::{Value, json};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    path: String,
    signature: String,
    event_id: String,
    body: Vec<u8>,
}

impl Hit {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    pub(crate) fn event_type(&self) -> String {
        self.json()["type"].as_str().expect("type").to_string()
    }
}

/// A merchant's endpoint: records every request and answers from a script (200 once it is
/// used up), optionally after a pause.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    always: Arc<Mutex<Option<u16>>>,
    pause_ms: u64,
    base: String,
}

impl Receiver {
    pub(crate) async fn start(script: &[u16], pause_ms: u64) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let r = Receiver {
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            pause_ms,
            base,
            ..Receiver::default()
        };
        let app = axum::Router::new().fallback(hook).with_state(r.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        r
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn hits_at(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }

    fn answer_always(&self, status: u16) {
        *self.always.lock().unwrap() = Some(status);
    }
}

async fn hook(
    State(r): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, String) {
    if r.pause_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(r.pause_ms)).await;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    r.hits.lock().unwrap().push(Hit {
        path: uri.path().to_string(),
        signature: header("billing-signature"),
        event_id: header("billing-event-id"),
        body: body.to_vec(),
    });
    let status = match *r.always.lock().unwrap() {
        Some(s) => s,
        None => r.script.lock().unwrap().pop_front().unwrap_or(200),
    };
    let text = if status >= 400 { "receiver trouble: try later" } else { "ok" };
    (StatusCode::from_u16(status).unwrap(), text.to_string())
}

fn python() -> String {
    std::env::var("AIOSMTPD_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether each (hit, secret) verifies, by the Python verifier.
fn verified(checks: &[(&Hit, &str)]) -> Vec<bool> {
    let input: Vec<Value> = checks
        .iter()
        .map(|(hit, secret)| {
            let hex: String = hit.body.iter().map(|b| format!("{b:02x}")).collect();
            json!({ "header": hit.signature, "body_hex": hex, "secret": secret })
        })
        .collect();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("verify_webhook.py");
    let mut child =
        Command::new(python()).arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python runs");
    child.stdin.take().unwrap().write_all(serde_json::to_string(&input).unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sender(batch: u32) -> WebhookSender {
    let config = WebhooksConfig { timeout_secs: 5, batch, ..WebhooksConfig::default() };
    WebhookSender::new(&config, "shop.example").unwrap()
}

/// One run of the webhook job at `now`, as the scheduler makes it.
pub(crate) async fn deliver(app: &TestApp, now: DateTime<Utc>) -> WebhookRun {
    deliver_in_batches_of(app, now, WebhooksConfig::default().batch).await
}

async fn deliver_in_batches_of(app: &TestApp, now: DateTime<Utc>, batch: u32) -> WebhookRun {
    let key = app.gateways.secrets().expect("secrets key");
    portal_web::webhook_delivery::run(&app.db.pool, &sender(batch), key, now).await.expect("webhook job")
}

pub(crate) async fn endpoint(app: &TestApp, url: &str, events: Value) -> Value {
    let (s, e) = app.post("/api/v1/webhook_endpoints", json!({ "url": url, "enabled_events": events })).await;
    assert_eq!(s, 201, "{e}");
    e
}

async fn customer(app: &TestApp, email: &str) -> Value {
    let (s, c) = app
        .post("/api/v1/customers", json!({ "email": email, "name": "Ana", "country": "US", "currency": "EUR" }))
        .await;
    assert_eq!(s, 201, "{c}");
    c
}

async fn deliveries(app: &TestApp, endpoint: &Value) -> Vec<Value> {
    let (s, list) =
        app.get(&format!("/api/v1/webhook_endpoints/{}/deliveries", endpoint["id"].as_str().unwrap())).await;
    assert_eq!(s, 200, "{list}");
    list["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_invoice_paid_through_the_api_reaches_a_real_receiver_signed_as_documented() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], 0).await;
    let e = endpoint(&app, &receiver.url("/hook"), json!(["invoice.paid", "payment.*"])).await;
    let secret = e["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    assert_eq!(e["status"], "enabled");
    // Shown once: reading the endpoint shows only the hint.
    let (_, shown) = app.get(&format!("/api/v1/webhook_endpoints/{}", e["id"].as_str().unwrap())).await;
    assert!(shown.get("secret").is_none(), "{shown}");
    assert_eq!(shown["secret_hint"].as_str().unwrap(), &secret[secret.len() - 4..]);
    // Not stored in clear either.
    let stored: String =
        sqlx::query_scalar("SELECT secret FROM webhook_endpoints").fetch_one(&app.db.pool).await.unwrap();
    assert!(!stored.contains(&secret[6..]), "sealed at rest");

    let (customer, invoice) = app.invoiced_march_customer("payer@example.com", "EUR").await;
    let invoice = invoice["id"].as_str().unwrap().to_string();
    let (s, pm) = app
        .post(&format!("/api/v1/customers/{customer}/payment_methods"), json!({ "card_number": "4242424242424242" }))
        .await;
    assert_eq!(s, 201, "{pm}");
    let (s, paid) = app.post(&format!("/api/v1/invoices/{invoice}/pay"), json!({})).await;
    assert_eq!((s, paid["invoice_status"].as_str()), (200, Some("paid")), "{paid}");

    let run = deliver(&app, app.clock.now()).await;
    assert_eq!((run.sent, run.retried, run.failed), (2, 0, 0), "{run:?}");
    let hits = receiver.hits();
    let types: BTreeSet<String> = hits.iter().map(Hit::event_type).collect();
    assert_eq!(types, BTreeSet::from(["invoice.paid".to_string(), "payment.succeeded".to_string()]));
    let paid_hit = hits.iter().find(|h| h.event_type() == "invoice.paid").unwrap();
    let body = paid_hit.json();
    assert_eq!(body["object"], "event");
    assert_eq!(body["api_version"], "v1");
    assert_eq!(body["id"], paid_hit.event_id.as_str(), "the event id is also a header");
    assert_eq!(body["data"]["invoice"], invoice.as_str());
    assert_eq!(body["data"]["amount"], json!({ "amount": 2900, "currency": "EUR" }));
    assert_eq!(body["data"]["source"], "card");

    // The signature verifies with the secret, by an independent HMAC; a changed body or another
    // secret does not.
    let mut tampered = paid_hit.clone();
    tampered.body = String::from_utf8(tampered.body).unwrap().replace("2900", "2901").into_bytes();
    let checks = [
        (&hits[0], secret.as_str()),
        (&hits[1], secret.as_str()),
        (&tampered, secret.as_str()),
        (&hits[0], "whsec_other"),
    ];
    assert_eq!(verified(&checks), [true, true, false, false]);
    assert_eq!(paid_hit.signature.matches("v1=").count(), 1);

    // The events API shows the same event as the delivery did.
    let (s, same) = app.get(&format!("/api/v1/events/{}", paid_hit.event_id)).await;
    assert_eq!(s, 200);
    assert_eq!(same, body);
    let (_, paid_list) = app.get("/api/v1/events?type=invoice.paid").await;
    assert_eq!(paid_list["data"].as_array().unwrap().len(), 1, "{paid_list}");
    let (_, all) = app.get("/api/v1/events?limit=100").await;
    let listed: Vec<&str> = all["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    for t in [
        "customer.created",
        "subscription.created",
        "invoice_run.completed",
        "invoice.finalized",
        "invoice.paid",
        "payment.succeeded",
    ] {
        assert!(listed.contains(&t), "{t} in {listed:?}");
    }
    let ids: Vec<&str> = all["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "oldest first");
    // Pagination walks the same list.
    let (_, first) = app.get("/api/v1/events?limit=2").await;
    assert_eq!(first["has_more"], true);
    let (_, rest) =
        app.get(&format!("/api/v1/events?limit=100&starting_after={}", first["next_cursor"].as_str().unwrap())).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), ids.len() - 2);
    // Created range: nothing before the test's clock, everything at or after it.
    let now = app.clock.now();
    let (_, before) = app
        .get(&format!("/api/v1/events?created_lt={}", (now - Duration::hours(1)).to_rfc3339().replace('+', "%2B")))
        .await;
    assert_eq!(before["data"].as_array().unwrap().len(), 0, "{before}");
    let (s, bad) = app.get("/api/v1/events?type=invoice.payed").await;
    assert_eq!((s, bad["error"]["code"].as_str()), (400, Some("invalid_request")), "{bad}");

    let list = deliveries(&app, &e).await;
    assert_eq!(list.len(), 2);
    for d in &list {
        assert_eq!(d["status"], "succeeded", "{d}");
        assert_eq!(d["attempts"][0]["response_status"], 200);
        assert_eq!(d["attempt_count"], 1);
    }
    // Nothing is sent twice.
    let again = deliver(&app, app.clock.now()).await;
    assert_eq!(again.sent, 0);
    assert_eq!(receiver.hits().len(), 2);
}

/// An invoice run writes its invoices' `invoice.finalized` messages before it reserves their
/// numbers (ADR 0056); the number is read from the invoice. The merchant's webhook, the events
/// API and the customer's mail all carry the invoice's number.
#[tokio::test]
async fn a_run_invoices_finalized_event_carries_its_number_to_every_reader() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], 0).await;
    endpoint(&app, &receiver.url("/hook"), json!(["invoice.finalized"])).await;
    let (_, invoice) = app.invoiced_march_customer("numbered@example.com", "EUR").await;
    let id = invoice["id"].as_str().unwrap();
    let number = invoice["number"].as_str().unwrap();
    assert!(!number.is_empty(), "{invoice}");

    let run = deliver(&app, app.clock.now()).await;
    assert_eq!((run.sent, run.failed), (1, 0), "{run:?}");
    let hit = receiver.hits().into_iter().find(|h| h.event_type() == "invoice.finalized").expect("delivered");
    let body = hit.json();
    assert_eq!((body["data"]["invoice"].as_str(), body["data"]["number"].as_str()), (Some(id), Some(number)), "{body}");

    let (s, listed) = app.get("/api/v1/events?type=invoice.finalized").await;
    assert_eq!(s, 200, "{listed}");
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["data"][0], body, "the events API shows what the webhook carried");
    let (s, one) = app.get(&format!("/api/v1/events/{}", hit.event_id)).await;
    assert_eq!((s, &one), (200, &body));

    let mailed: Vec<Option<String>> =
        sqlx::query_scalar("SELECT payload->>'number' FROM mails WHERE template = 'invoice_issued'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(mailed, [Some(number.to_string())], "the invoice mail names the number");
}

#[tokio::test]
async fn a_receiver_that_fails_once_gets_the_event_exactly_once_more_on_the_schedule() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[500], 0).await;
    let e = endpoint(&app, &receiver.url("/hook"), json!(["customer.created"])).await;
    let secret = e["secret"].as_str().unwrap().to_string();
    customer(&app, "once@example.com").await;
    let t0 = app.clock.now();

    let first = deliver(&app, t0).await;
    assert_eq!((first.sent, first.retried), (0, 1), "{first:?}");
    let d = &deliveries(&app, &e).await[0];
    assert_eq!(d["status"], "pending");
    assert_eq!(d["last_response_status"], 500);
    assert!(d["last_response_excerpt"].as_str().unwrap().contains("try later"), "{d}");
    assert_eq!(
        d["next_attempt_at"].as_str().unwrap(),
        (t0 + Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    );

    // Not due yet: nothing is sent.
    assert_eq!(deliver(&app, t0 + Duration::seconds(30)).await.sent, 0);
    assert_eq!(receiver.hits().len(), 1);
    // Due: sent again, and answered 200.
    let second = deliver(&app, t0 + Duration::seconds(61)).await;
    assert_eq!((second.sent, second.retried), (1, 0), "{second:?}");
    // Days later, nothing more.
    assert_eq!(deliver(&app, t0 + Duration::days(5)).await.sent, 0);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 2, "exactly one retry");
    assert_eq!(hits[0].event_id, hits[1].event_id, "the same event");
    assert_eq!(hits[0].body, hits[1].body, "byte for byte");
    assert_eq!(verified(&[(&hits[0], secret.as_str()), (&hits[1], secret.as_str())]), [true, true]);
    let d = &deliveries(&app, &e).await[0];
    assert_eq!(d["status"], "succeeded");
    let outcomes: Vec<(&str, i64)> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["outcome"].as_str().unwrap(), a["response_status"].as_i64().unwrap()))
        .collect();
    assert_eq!(outcomes, [("retry", 500), ("succeeded", 200)]);

    // A manual redelivery sends it once more, when the job next runs.
    let (s, r) = app.post(&format!("/api/v1/webhook_deliveries/{}/retry", d["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((s, r["status"].as_str()), (202, Some("pending")), "{r}");
    assert_eq!(deliver(&app, t0 + Duration::days(5)).await.sent, 1);
    assert_eq!(receiver.hits().len(), 3);
    assert_eq!(receiver.hits()[2].event_id, hits[0].event_id);
}

#[tokio::test]
async fn two_delivery_passes_at_once_deliver_every_event_once() {
    let app = TestApp::spawn().await;
    // A slow receiver, so the two passes overlap.
    let receiver = Receiver::start(&[], 150).await;
    endpoint(&app, &receiver.url("/hook"), json!(["*"])).await;
    for n in 0..6 {
        customer(&app, &format!("c{n}@example.com")).await;
    }
    let now = app.clock.now();
    // Small batches, so the two passes take turns claiming.
    let (a, b) = tokio::join!(deliver_in_batches_of(&app, now, 2), deliver_in_batches_of(&app, now, 2));
    assert_eq!(a.sent + b.sent, 6, "{a:?} {b:?}");
    assert_eq!(a.deliveries + b.deliveries, 6, "each delivery made once: {a:?} {b:?}");
    let hits = receiver.hits();
    let ids: BTreeSet<&str> = hits.iter().map(|h| h.event_id.as_str()).collect();
    assert_eq!((hits.len(), ids.len()), (6, 6), "each event once");
    let (c, d) = tokio::join!(deliver(&app, now + Duration::days(4)), deliver(&app, now + Duration::days(4)));
    assert_eq!(c.sent + d.sent, 0);
    assert_eq!(app.count("webhook_deliveries").await, 6);
}

#[tokio::test]
async fn another_tenants_endpoints_deliveries_and_events_are_not_found() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], 0).await;
    let e = endpoint(&app, &receiver.url("/hook"), json!(["*"])).await;
    customer(&app, "mine@example.com").await;
    deliver(&app, app.clock.now()).await;
    let id = e["id"].as_str().unwrap();
    let delivery = deliveries(&app, &e).await[0].clone();
    let event = delivery["event"].as_str().unwrap();

    let other = create_tenant(&app.db.pool, "other", app.clock.now()).await;
    let key = other.api_key.as_str();
    let as_other = |req: reqwest::RequestBuilder| app.send(req, key);
    let (s, _) = as_other(app.http.get(app.url(&format!("/api/v1/webhook_endpoints/{id}")))).await;
    assert_eq!(s, 404);
    let (s, _) = as_other(
        app.http.post(app.url(&format!("/api/v1/webhook_endpoints/{id}"))).json(&json!({ "status": "disabled" })),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) =
        as_other(app.http.post(app.url(&format!("/api/v1/webhook_endpoints/{id}/secret/rotate"))).json(&json!({})))
            .await;
    assert_eq!(s, 404);
    let (s, _) = as_other(app.http.get(app.url(&format!("/api/v1/webhook_endpoints/{id}/deliveries")))).await;
    assert_eq!(s, 404);
    let (s, _) = as_other(
        app.http
            .post(app.url(&format!("/api/v1/webhook_deliveries/{}/retry", delivery["id"].as_str().unwrap())))
            .json(&json!({})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, err) = as_other(app.http.get(app.url(&format!("/api/v1/events/{event}")))).await;
    assert_eq!((s, err["error"]["code"].as_str()), (404, Some("resource_missing")), "{err}");
    let (s, _) = as_other(app.http.delete(app.url(&format!("/api/v1/webhook_endpoints/{id}")))).await;
    assert_eq!(s, 404);
    let (_, list) = as_other(app.http.get(app.url("/api/v1/events"))).await;
    assert_eq!(list["data"], json!([]), "{list}");
    let (_, list) = as_other(app.http.get(app.url("/api/v1/webhook_endpoints"))).await;
    assert_eq!(list["data"], json!([]), "{list}");
    // Still the owner's, unchanged.
    let (s, mine) = app.get(&format!("/api/v1/webhook_endpoints/{id}")).await;
    assert_eq!((s, mine["status"].as_str()), (200, Some("enabled")));
    let (s, _) = app.get(&format!("/api/v1/events/{event}")).await;
    assert_eq!(s, 200);
    // A sign-in link is a credential: never an event.
    let (_, all) = app.get("/api/v1/events?limit=100").await;
    assert!(all["data"].as_array().unwrap().iter().all(|e| e["type"] != "portal.sign_in_link"));
}

#[tokio::test]
async fn during_a_rotation_both_secrets_sign_and_after_it_only_the_new_one() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], 0).await;
    let e = endpoint(&app, &receiver.url("/hook"), json!(["customer.created"])).await;
    let id = e["id"].as_str().unwrap();
    let old = e["secret"].as_str().unwrap().to_string();
    let (s, r) = app.post(&format!("/api/v1/webhook_endpoints/{id}/secret/rotate"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let new = r["secret"].as_str().unwrap().to_string();
    assert!(new.starts_with("whsec_") && new != old);
    assert!(r["previous_secret_expires_at"].is_string(), "{r}");

    customer(&app, "a@example.com").await;
    deliver(&app, app.clock.now()).await;
    let hit = receiver.hits()[0].clone();
    assert_eq!(hit.signature.matches("v1=").count(), 2, "{}", hit.signature);
    assert_eq!(
        verified(&[(&hit, old.as_str()), (&hit, new.as_str())]),
        [true, true],
        "both secrets verify during the overlap"
    );

    // Ending the overlap at once (after a leak): only the newest secret signs.
    let (s, r) = app
        .post(&format!("/api/v1/webhook_endpoints/{id}/secret/rotate"), json!({ "expire_previous_in_hours": 0 }))
        .await;
    assert_eq!(s, 200, "{r}");
    let newest = r["secret"].as_str().unwrap().to_string();
    customer(&app, "b@example.com").await;
    deliver(&app, app.clock.now()).await;
    let hit = receiver.hits()[1].clone();
    assert_eq!(hit.signature.matches("v1=").count(), 1, "{}", hit.signature);
    assert_eq!(verified(&[(&hit, newest.as_str()), (&hit, new.as_str()), (&hit, old.as_str())]), [true, false, false]);

    let (s, err) = app
        .post(&format!("/api/v1/webhook_endpoints/{id}/secret/rotate"), json!({ "expire_previous_in_hours": 200 }))
        .await;
    assert_eq!((s, err["error"]["param"].as_str()), (400, Some("expire_previous_in_hours")), "{err}");
}

#[tokio::test]
async fn each_endpoint_gets_the_event_types_it_asked_for() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], 0).await;
    let customers = endpoint(&app, &receiver.url("/customers"), json!(["customer.*"])).await;
    let subs = endpoint(&app, &receiver.url("/subs"), json!(["subscription.created"])).await;
    endpoint(&app, &receiver.url("/all"), json!(["*"])).await;
    let c = customer(&app, "f@example.com").await;
    let (s, sub) = app.post("/api/v1/subscriptions", json!({ "customer": c["id"], "plan": "pro" })).await;
    assert_eq!(s, 201, "{sub}");
    deliver(&app, app.clock.now()).await;
    let types = |path: &str| receiver.hits_at(path).iter().map(Hit::event_type).collect::<Vec<_>>();
    assert_eq!(types("/customers"), ["customer.created"]);
    assert_eq!(types("/subs"), ["subscription.created"]);
    let mut all = types("/all");
    all.sort_unstable();
    assert_eq!(all, ["customer.created", "subscription.created"], "deliveries go out side by side: no order");
    let sub_event = receiver.hits_at("/subs")[0].json();
    assert_eq!(sub_event["data"]["subscription"], sub["id"]);
    assert_eq!(sub_event["data"]["customer"], c["id"]);

    // Changing the filter and disabling an endpoint take effect for later events.
    let (s, changed) = app
        .post(
            &format!("/api/v1/webhook_endpoints/{}", subs["id"].as_str().unwrap()),
            json!({ "enabled_events": ["customer.updated"] }),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    let (s, off) = app
        .post(
            &format!("/api/v1/webhook_endpoints/{}", customers["id"].as_str().unwrap()),
            json!({ "status": "disabled" }),
        )
        .await;
    assert_eq!((s, off["disabled_reason"].as_str()), (200, Some("merchant")), "{off}");
    let (s, _) =
        app.post(&format!("/api/v1/customers/{}", c["id"].as_str().unwrap()), json!({ "name": "Ana Maria" })).await;
    assert_eq!(s, 200);
    deliver(&app, app.clock.now()).await;
    assert_eq!(types("/subs"), ["subscription.created", "customer.updated"]);
    assert_eq!(types("/customers"), ["customer.created"], "a disabled endpoint gets nothing");
    assert_eq!(receiver.hits_at("/subs")[1].json()["data"]["name"], "Ana Maria");

    for bad in [json!(["invoice.payed"]), json!([]), json!(["portal.sign_in_link"])] {
        let (s, err) =
            app.post("/api/v1/webhook_endpoints", json!({ "url": receiver.url("/x"), "enabled_events": bad })).await;
        assert_eq!((s, err["error"]["param"].as_str()), (400, Some("enabled_events")), "{bad}: {err}");
    }
}

#[tokio::test]
async fn a_url_that_is_not_https_is_refused_with_a_localized_422() {
    let app = TestApp::spawn().await;
    for (lang, words) in
        [("en", "cannot receive webhooks"), ("de", "können keine Webhooks"), ("ja", "Webhook を受信できません")]
    {
        let req = app
            .http
            .post(app.url("/api/v1/webhook_endpoints"))
            .header("accept-language", lang)
            .json(&json!({ "url": "http://hooks.example.com/billing", "enabled_events": ["*"] }));
        let (s, err) = app.send(req, &app.tenant.api_key).await;
        assert_eq!(s, 422, "{err}");
        assert_eq!(err["error"]["code"], "invalid_webhook_url");
        assert_eq!(err["error"]["param"], "url");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(words) && message.contains("https://"), "{lang}: {message}");
    }
    for url in ["ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "not a url"] {
        let (s, err) = app.post("/api/v1/webhook_endpoints", json!({ "url": url, "enabled_events": ["*"] })).await;
        assert_eq!((s, err["error"]["code"].as_str()), (422, Some("invalid_webhook_url")), "{url}: {err}");
    }
    let (s, e) = app
        .post(
            "/api/v1/webhook_endpoints",
            json!({ "url": "https://hooks.example.com/billing", "enabled_events": ["*"] }),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let (s, err) = app
        .post(&format!("/api/v1/webhook_endpoints/{}", e["id"].as_str().unwrap()), json!({ "url": "http://10.0.0.1/" }))
        .await;
    assert_eq!((s, err["error"]["code"].as_str()), (422, Some("invalid_webhook_url")), "{err}");
    assert_eq!(app.count("webhook_endpoints").await, 1);
}

#[tokio::test]
async fn an_endpoint_failing_for_days_is_disabled_after_the_last_retry_and_enabled_again_by_the_merchant() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], 0).await;
    receiver.answer_always(503);
    let e = endpoint(&app, &receiver.url("/hook"), json!(["customer.created"])).await;
    let id = e["id"].as_str().unwrap();
    customer(&app, "down@example.com").await;
    let mut now = app.clock.now();
    let mut runs = 0;
    loop {
        let run = deliver(&app, now).await;
        runs += 1;
        if run.failed > 0 {
            assert_eq!(run.disabled, 1, "{run:?}");
            break;
        }
        assert_eq!(run.retried, 1, "run {runs}: {run:?}");
        let d = &deliveries(&app, &e).await[0];
        now = DateTime::parse_from_rfc3339(d["next_attempt_at"].as_str().unwrap()).unwrap().with_timezone(&Utc);
        assert!(runs < 20, "the retries end");
    }
    assert_eq!(runs, 12, "twelve tries");
    assert_eq!(receiver.hits().len(), 12);
    assert!(now - app.clock.now() > Duration::days(3), "over more than three days");
    let d = deliveries(&app, &e).await[0].clone();
    assert_eq!((d["status"].as_str(), d["attempt_count"].as_i64()), (Some("failed"), Some(12)));
    let (_, shown) = app.get(&format!("/api/v1/webhook_endpoints/{id}")).await;
    assert_eq!(
        (shown["status"].as_str(), shown["disabled_reason"].as_str()),
        (Some("disabled"), Some("failing")),
        "{shown}"
    );

    // Redelivering to a disabled endpoint is refused, in the request's language; enabling it
    // again allows it.
    let retry = format!("/api/v1/webhook_deliveries/{}/retry", d["id"].as_str().unwrap());
    let (s, err) = app.post(&retry, json!({})).await;
    assert_eq!((s, err["error"]["code"].as_str()), (409, Some("webhook_endpoint_disabled")), "{err}");
    let (s, on) = app.post(&format!("/api/v1/webhook_endpoints/{id}"), json!({ "status": "enabled" })).await;
    assert_eq!((s, on["status"].as_str(), on["failing_since"].is_null()), (200, Some("enabled"), true), "{on}");
    receiver.answer_always(200);
    let (s, _) = app.post(&retry, json!({})).await;
    assert_eq!(s, 202);
    let run = deliver(&app, now).await;
    assert_eq!(run.sent, 1, "{run:?}");
    let d = &deliveries(&app, &e).await[0];
    assert_eq!((d["status"].as_str(), d["attempt_count"].as_i64()), (Some("succeeded"), Some(13)));
}

// Two worker threads: the receiver answers while this thread waits for the binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_jobs_run_webhooks_delivers_from_the_command_line_and_prune_request_log_runs() {
    // Everything through the binary, as an operator would: the endpoint and the customer through
    // `billing api`, the delivery through `billing jobs run webhooks`, all with one secrets key.
    let db = billing_tests::TestDb::new().await;
    create_tenant(&db.pool, "cli-hooks", Utc::now()).await;
    let receiver = Receiver::start(&[], 0).await;
    let billing = |args: &[&str]| {
        let out = Command::new(billing_tests::billing_binary())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("LANG", "en_US.UTF-8")
            .env("BILLING_LOG", "warn")
            .env("BILLING__SECRETS__KEY", "0f".repeat(32))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let body = json!({ "url": receiver.url("/cli"), "enabled_events": ["customer.created"] }).to_string();
    billing(&["api", "--tenant", "cli-hooks", "POST", "/api/v1/webhook_endpoints", "--data", &body]);
    let body = json!({ "email": "cli@example.com", "name": "Cli", "country": "DE", "currency": "EUR" }).to_string();
    billing(&["api", "--tenant", "cli-hooks", "POST", "/api/v1/customers", "--data", &body]);
    let out = billing(&["jobs", "run", "webhooks"]);
    assert!(out.contains("1 deliveries sent"), "{out}");
    let hits = receiver.hits_at("/cli");
    assert_eq!(hits.len(), 1, "one event, delivered once");
    assert_eq!(hits[0].json()["type"], "customer.created", "{}", hits[0].json());
    // Run again: nothing new to send.
    assert!(billing(&["jobs", "run", "webhooks"]).contains("0 deliveries sent"));
    assert_eq!(receiver.hits_at("/cli").len(), 1);
    // The request log keeps what is younger than its retention: the two API calls above stay.
    let out = billing(&["jobs", "run", "prune-request-log"]);
    assert!(out.contains("0 entries older than 30 days deleted"), "{out}");
    let runs = billing(&["jobs", "list", "--json"]);
    assert!(runs.contains("\"prune-request-log\"") && runs.contains("\"webhooks\""), "{runs}");
}

/// Issue 12: "disabled after a configurable number of consecutive failures" (docs/adr/0047):
/// with `disable_after_failures = 5`, a real receiver failing four times, then answering once,
/// then failing five times in a row disables the endpoint at the fifth; the merchant enables it
/// again and the count starts afresh.
#[tokio::test]
async fn an_endpoint_is_disabled_after_the_configured_failures_in_a_row_and_a_success_resets_the_count() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[503, 503, 503, 503, 200, 503, 503, 503, 503, 503, 500], 0).await;
    let e = endpoint(&app, &receiver.url("/hook"), json!(["customer.created"])).await;
    let id = e["id"].as_str().unwrap();
    // The merchant's other endpoint, subscribed to hear when one is disabled (docs/adr/0048).
    let watcher = Receiver::start(&[], 0).await;
    let w = endpoint(&app, &watcher.url("/ops"), json!(["webhook_endpoint.disabled"])).await;
    let config = WebhooksConfig { timeout_secs: 5, batch: 1, disable_after_failures: 5, ..WebhooksConfig::default() };
    let sender = WebhookSender::new(&config, "shop.example").unwrap();
    let key = app.gateways.secrets().expect("secrets key");
    let now = app.clock.now();
    // One new event at a time, each delivered once (the retries are due days later).
    let mut n = 0;
    macro_rules! one {
        () => {{
            n += 1;
            customer(&app, &format!("c{n}@example.com")).await;
            portal_web::webhook_delivery::run(&app.db.pool, &sender, key, now).await.expect("webhook job")
        }};
    }
    macro_rules! status {
        () => {{
            let (_, shown) = app.get(&format!("/api/v1/webhook_endpoints/{id}")).await;
            (shown["status"].as_str().unwrap().to_string(), shown["disabled_reason"].as_str().map(str::to_string))
        }};
    }
    for _ in 0..4 {
        let run = one!();
        assert_eq!((run.retried, run.disabled), (1, 0), "{run:?}");
    }
    assert_eq!(one!().sent, 1, "the fifth answers 200");
    assert_eq!(status!(), ("enabled".to_string(), None), "four failures, then a success");
    for k in 1..=4 {
        let run = one!();
        assert_eq!((run.retried, run.disabled), (1, 0), "failure {k} after the success: {run:?}");
    }
    assert_eq!(status!().0, "enabled", "eight failures, but only four in a row");
    let run = one!();
    assert_eq!(run.disabled, 1, "the fifth in a row disables: {run:?}");
    assert_eq!(status!(), ("disabled".to_string(), Some("consecutive_failures".to_string())));
    assert_eq!(receiver.hits().len(), 10);
    assert!(watcher.hits().is_empty(), "told nothing before");
    // Disabled: a new event is not sent to it; the other endpoint is told, once, signed as
    // every event.
    let run = one!();
    assert_eq!((run.sent, run.retried, receiver.hits().len()), (1, 0, 10), "{run:?}");
    let told = watcher.hits();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].event_type(), "webhook_endpoint.disabled");
    let data = &told[0].json()["data"];
    assert_eq!(
        (data["endpoint"].as_str(), data["reason"].as_str(), data["consecutive_failures"].as_i64()),
        (Some(id), Some("consecutive_failures"), Some(5)),
        "{data}"
    );
    assert_eq!(verified(&[(&told[0], w["secret"].as_str().unwrap())]), [true]);
    // The events API lists it; the staff audit log has the job's change with before and after.
    let (_, events) = app.get("/api/v1/events?type=webhook_endpoint.disabled").await;
    assert_eq!(events["data"].as_array().map(Vec::len), Some(1), "{events}");
    let audit: Vec<(String, Option<String>, Value, Value)> = sqlx::query_as(
        "SELECT actor, target, before, after FROM staff_audit_log WHERE action = 'webhook_endpoint.disabled'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(
        (audit[0].0.as_str(), audit[0].1.as_deref()),
        ("job:webhooks", Some(format!("webhook_endpoint:{id}").as_str()))
    );
    assert_eq!((audit[0].2["status"].as_str(), audit[0].3["status"].as_str()), (Some("enabled"), Some("disabled")));
    assert_eq!(audit[0].3["disabled_reason"], "consecutive_failures");
    // The console's page of the endpoint says why it stopped and what to do.
    super::console::staff(&app, "admin@example.com", "admin").await;
    let mut admin = super::console::signed_in(&app, "admin@example.com").await;
    let page = admin.get(&format!("/c/acme/webhooks/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"disabled-notice\""), "{}", page.body);
    assert!(page.body.contains("too many delivery attempts in a row failed"), "{}", page.body);
    assert!(page.body.contains("Disabled: too many failed attempts in a row"), "{}", page.body);

    // The merchant enables it again: the count starts from 0, one failure does not disable it.
    let (s, on) = app.post(&format!("/api/v1/webhook_endpoints/{id}"), json!({ "status": "enabled" })).await;
    assert_eq!((s, on["status"].as_str()), (200, Some("enabled")), "{on}");
    let run = one!();
    assert_eq!(run.disabled, 0, "{run:?}");
    assert!(receiver.hits().len() > 10, "sent again");
    assert_eq!(status!(), ("enabled".to_string(), None));
    assert_eq!(watcher.hits().len(), 1, "told once");
    let page = admin.get(&format!("/c/acme/webhooks/{id}")).await;
    assert!(!page.body.contains("disabled-notice"), "enabled again: no notice");
}
