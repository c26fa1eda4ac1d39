//! VAT IDs confirmed with VIES (issue 4): the real HTTP client against a local server replaying
//! recorded VIES answers (tests/fixtures/vies, see its README: VIES cannot run here), retries
//! for VIES's transient errors, the evidence kept, the policy while VIES is unreachable, and the
//! re-check job.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Path, Query, State};
use billing_tests::{TestApp, instant};
use portal_web::config::ViesConfig;
use portal_web::vies::HttpVies;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/vies/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What the replaying server answers, in order; the last one repeats.
#[derive(Clone)]
struct Script {
    answers: Arc<std::sync::Mutex<Vec<&'static str>>>,
    calls: Arc<AtomicUsize>,
    requesters: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Script {
    fn new(answers: &[&'static str]) -> Self {
        Self {
            answers: Arc::new(std::sync::Mutex::new(answers.to_vec())),
            calls: Arc::new(AtomicUsize::new(0)),
            requesters: Arc::new(std::sync::Mutex::new(Vec::new())),
        }
    }
    fn then(&self, answers: &[&'static str]) {
        *self.answers.lock().unwrap() = answers.to_vec();
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

async fn replay(
    State(script): State<Script>,
    Path((country, number)): Path<(String, String)>,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> axum::Json<Value> {
    assert_eq!((country.as_str(), number.as_str()), ("FR", "40303265045"), "the path names prefix and number");
    script.calls.fetch_add(1, Ordering::SeqCst);
    if let (Some(c), Some(n)) = (q.get("requesterMemberStateCode"), q.get("requesterNumber")) {
        script.requesters.lock().unwrap().push(format!("{c}{n}"));
    }
    let mut answers = script.answers.lock().unwrap();
    let name = if answers.len() > 1 { answers.remove(0) } else { answers[0] };
    axum::Json(fixture(name))
}

/// A local VIES stand-in; returns its base URL.
async fn vies_server(script: Script) -> String {
    let app = axum::Router::new().route("/ms/{country}/vat/{number}", axum::routing::get(replay)).with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn client(endpoint: &str, retries: u32) -> Arc<HttpVies> {
    Arc::new(HttpVies::new(&ViesConfig { endpoint: endpoint.into(), timeout_ms: 2_000, retries, retry_backoff_ms: 10 }))
}

async fn app_with(verifier: Arc<HttpVies>) -> TestApp {
    let app = TestApp::spawn_with(move |s| s.with_vat_verifier(verifier)).await;
    // The seller's own VAT ID goes with each request, so VIES issues a consultation number; and
    // only a VIES-confirmed ID gives the reverse charge.
    sqlx::query("UPDATE tenants SET vat_id = 'DE136695976', vat_id_policy = 'vies_required'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    app
}

async fn french_business(app: &TestApp) -> String {
    let (status, c) = app
        .post(
            "/api/v1/customers",
            json!({ "email": "ap@client.fr", "name": "Client SARL", "country": "FR", "currency": "EUR",
                    "kind": "business", "vat_id": "FR40303265045" }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// VAT of a 100.00 one-off invoice finalized now for the customer.
async fn vat_of_next_invoice(app: &TestApp, customer: &str) -> (i64, String) {
    let (_, d) = app
        .post(
            "/api/v1/invoices",
            json!({ "customer": customer, "lines": [{ "description": "Setup", "unit_amount": 10000 }] }),
        )
        .await;
    let (status, inv) = app.post(&format!("/api/v1/invoices/{}/finalize", d["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 200, "{inv}");
    (inv["tax"].as_i64().unwrap(), inv["lines"][0]["vat_category"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_confirmed_vat_id_keeps_the_consultation_number_and_gives_the_reverse_charge() {
    let script = Script::new(&["valid_fr"]);
    let app = app_with(client(&vies_server(script.clone()).await, 0)).await;
    let cus = french_business(&app).await;
    // Not confirmed yet: under `vies_required` the business is charged French VAT like a consumer.
    assert_eq!(vat_of_next_invoice(&app, &cus).await, (2000, "S".to_string()));

    let (status, v) = app.post(&format!("/api/v1/customers/{cus}/vat_id/verify"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["vat_id_status"]["status"], "valid");
    assert_eq!(v["vat_id_status"]["consultation_number"], "WAPIAAAAZ5Q2KX7M");
    assert_eq!(v["check"]["trader_name"], "CLIENT SARL");
    assert_eq!(script.requesters.lock().unwrap().as_slice(), ["DE136695976"]);
    let (_, checks) = app.get(&format!("/api/v1/customers/{cus}/vat_id/checks")).await;
    assert_eq!(checks["data"].as_array().unwrap().len(), 1);
    assert_eq!(checks["data"][0]["outcome"], "valid");
    assert_eq!(vat_of_next_invoice(&app, &cus).await, (0, "AE".to_string()));
}

#[tokio::test]
async fn transient_vies_errors_are_retried_even_inside_http_200() {
    let script = Script::new(&["ms_unavailable", "max_concurrent", "valid_fr"]);
    let app = app_with(client(&vies_server(script.clone()).await, 2)).await;
    let cus = french_business(&app).await;
    let (status, v) = app.post(&format!("/api/v1/customers/{cus}/vat_id/verify"), json!({})).await;
    assert_eq!((status, v["vat_id_status"]["status"].as_str()), (200, Some("valid")), "{v}");
    assert_eq!(script.calls(), 3);
}

#[tokio::test]
async fn an_unreachable_vies_leaves_the_id_unverified_and_the_recheck_job_confirms_it_later() {
    // Nothing listens on this port: connection refused.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let app = app_with(client(&closed, 1)).await;
    let cus = french_business(&app).await;
    let (status, v) = app.post(&format!("/api/v1/customers/{cus}/vat_id/verify"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["vat_id_status"]["status"], "unverified", "no answer is never invalid");
    assert_eq!(v["vat_id_status"]["reason"], "VIES: TRANSPORT");
    assert_eq!(v["check"]["outcome"], "unavailable");
    assert_eq!(vat_of_next_invoice(&app, &cus).await.1, "S", "charged like a consumer meanwhile");

    // Later VIES answers: the job confirms the ID, and the next invoice is reverse charged.
    let script = Script::new(&["valid_fr"]);
    let vies = client(&vies_server(script).await, 0);
    let s = billing_core::service::vat_check::recheck_unverified(
        &app.db.pool,
        vies.as_ref(),
        instant("2026-03-02T03:00:00Z"),
        100,
    )
    .await
    .unwrap();
    assert_eq!((s.checked, s.valid), (1, 1));
    let again = billing_core::service::vat_check::recheck_unverified(
        &app.db.pool,
        vies.as_ref(),
        instant("2026-03-02T04:00:00Z"),
        100,
    )
    .await
    .unwrap();
    assert_eq!(again.checked, 0, "a confirmed ID is not re-checked by the job");
    assert_eq!(vat_of_next_invoice(&app, &cus).await, (0, "AE".to_string()));
}

#[tokio::test]
async fn an_id_vies_does_not_know_is_invalid_and_a_later_outage_does_not_undo_a_confirmation() {
    let script = Script::new(&["invalid_fr"]);
    let app = app_with(client(&vies_server(script.clone()).await, 0)).await;
    let cus = french_business(&app).await;
    let (_, v) = app.post(&format!("/api/v1/customers/{cus}/vat_id/verify"), json!({})).await;
    assert_eq!(v["vat_id_status"]["status"], "invalid");
    assert_eq!(vat_of_next_invoice(&app, &cus).await.0, 2000);

    script.then(&["valid_fr"]);
    let (_, v) = app.post(&format!("/api/v1/customers/{cus}/vat_id/verify"), json!({})).await;
    assert_eq!(v["vat_id_status"]["status"], "valid");
    script.then(&["ms_unavailable"]);
    let (_, v) = app.post(&format!("/api/v1/customers/{cus}/vat_id/verify"), json!({})).await;
    assert_eq!(v["vat_id_status"]["status"], "valid", "{v}");
    assert_eq!(v["check"]["outcome"], "unavailable");
    let (_, checks) = app.get(&format!("/api/v1/customers/{cus}/vat_id/checks")).await;
    assert_eq!(checks["data"].as_array().unwrap().len(), 3);
}
