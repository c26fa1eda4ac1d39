//! `billing serve` runs the scheduled jobs itself: a draft whose grace period ends is finalized
//! by the server without anyone calling the job, and `billing jobs run` does the same by hand.

use std::process::{Command, Stdio};
use std::time::Duration;

use billing_core::service::invoices::{DraftInput, DraftLineInput, create_draft};
use billing_tests::{TestDb, billing_binary, create_tenant};

async fn draft_due_in(db: &TestDb, seconds: i64) -> uuid::Uuid {
    let now = chrono::Utc::now();
    let tenant = create_tenant(&db.pool, "sched", now).await;
    let mut conn = db.pool.acquire().await.unwrap();
    let customer = billing_core::service::customers::create(
        &mut conn,
        tenant.id,
        &billing_core::customer::NewCustomerInput {
            email: "a@example.de".into(),
            name: "A".into(),
            country: "DE".into(),
            currency: "EUR".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let draft = create_draft(
        &mut conn,
        tenant.id,
        &DraftInput {
            customer: customer.id,
            currency: None,
            lines: vec![DraftLineInput {
                description: "Consulting".into(),
                quantity: 1,
                unit_amount: 10000,
                tax_category: None,
                supply: Default::default(),
            }],
            memo: None,
            auto_finalize: None,
            auto_finalize_at: Some(now + chrono::Duration::seconds(seconds)),
            tax_behavior: None,
            supply: Default::default(),
        },
        now,
    )
    .await
    .unwrap();
    draft.id.as_uuid()
}

/// `billing serve` on a free port against `db`, with the VIES re-check, the invoice run, the
/// metrics snapshot and the fx import off and `env` on top;
/// returns the process and its base URL.
pub(crate) fn serve(db: &TestDb, env: &[(&str, &str)]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = Command::new(billing_binary());
    command
        .args(["serve"])
        .env("DATABASE_URL", &db.url)
        .env("BILLING__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BILLING__JOBS__VIES_RECHECK", "")
        // The jobs of issue 12 fire only in tests that ask for them (`env`): an invoice run or a
        // snapshot landing mid-test would change what other tests count.
        .env("BILLING__JOBS__INVOICE_RUN", "")
        .env("BILLING__JOBS__METRICS_SNAPSHOT", "")
        .env("BILLING__JOBS__FX_IMPORT", "")
        .env("BILLING_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    (command.spawn().expect("billing serve starts"), format!("http://127.0.0.1:{port}"))
}

async fn status(db: &TestDb, id: uuid::Uuid) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, number FROM invoices WHERE id = $1").bind(id).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn the_server_finalizes_a_draft_when_its_grace_period_ends() {
    let db = TestDb::new().await;
    let id = draft_due_in(&db, 2).await;
    // Every second, so the test does not wait for the default five minutes.
    let (mut server, _) = serve(&db, &[("BILLING__JOBS__FINALIZE_DRAFTS", "* * * * * *")]);
    let mut finalized = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (s, number) = status(&db, id).await;
        if s == "open" {
            finalized = number;
            break;
        }
    }
    server.kill().ok();
    server.wait().ok();
    assert_eq!(finalized.as_deref(), Some(format!("INV-{}-000001", chrono::Utc::now().format("%Y")).as_str()));
}

#[tokio::test]
async fn jobs_run_finalizes_due_drafts_by_hand_once_and_refuses_unknown_jobs() {
    let db = TestDb::new().await;
    let id = draft_due_in(&db, 0).await;
    let run = |name: &str| {
        Command::new(billing_binary())
            .args(["jobs", "run", name])
            .env("DATABASE_URL", &db.url)
            .env("LANG", "de_DE.UTF-8")
            .env("BILLING_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run("finalize-drafts");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 Rechnungen"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(status(&db, id).await.0, "open");
    let again = run("finalize-drafts");
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 Rechnungen"));
    let bad = run("reboot-everything");
    assert!(!bad.status.success(), "an unknown job is refused");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("reboot-everything"));
}

#[tokio::test]
async fn the_server_delivers_the_sandboxs_webhooks_to_itself_like_a_provider() {
    let db = TestDb::new().await;
    let tenant = create_tenant(&db.pool, "hooks", chrono::Utc::now()).await;
    let (mut server, base) = serve(&db, &[]);
    let http = reqwest::Client::new();
    let post = |path: String, body: serde_json::Value| {
        let req = http.post(format!("{base}{path}")).bearer_auth(&tenant.api_key).json(&body);
        async move {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            Ok::<_, reqwest::Error>((status, resp.json::<serde_json::Value>().await?))
        }
    };
    let mut customer = None;
    for _ in 0..80 {
        let body = serde_json::json!({ "email": "h@example.com", "name": "H", "country": "US", "currency": "EUR" });
        if let Ok((201, c)) = post("/api/v1/customers".into(), body).await {
            customer = c["id"].as_str().map(str::to_owned);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let customer = customer.expect("the server answers");
    let card = serde_json::json!({ "card_number": "4000002760003184" });
    let (s, setup) = post(format!("/api/v1/customers/{customer}/payment_methods"), card).await.unwrap();
    assert_eq!(s, 202, "{setup}");
    let account = setup["gateway_account"].as_str().unwrap();
    let pass = serde_json::json!({ "setup": setup["provider_setup_id"], "success": true });
    let (s, r) = post(format!("/api/v1/gateway_accounts/{account}/sandbox/authenticate"), pass).await.unwrap();
    assert_eq!(s, 200, "{r}");
    // Nobody calls `complete`: only the sandbox's webhook, delivered by the server, stores the card.
    let mut stored = 0_i64;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        stored = sqlx::query_scalar("SELECT count(*) FROM payment_methods").fetch_one(&db.pool).await.unwrap();
        if stored > 0 {
            break;
        }
    }
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM gateway_events WHERE kind = 'setup_succeeded'")
            .fetch_optional(&db.pool)
            .await
            .unwrap();
    server.kill().ok();
    server.wait().ok();
    assert_eq!(stored, 1);
    assert_eq!(outcome.as_deref(), Some("setup succeeded"));
}
