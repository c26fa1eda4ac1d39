//! Issue 12's scheduled jobs (docs/adr/0037): the shared simulated clock, the scheduled invoice
//! run, the fx-import and metrics-snapshot jobs, and the "Done when" test: two real `billing
//! serve` processes on one database, every job scheduled every second, the shared simulated clock
//! moved a day at a time over a month, with customers whose cards pay, soft-decline until the
//! card is replaced, or hard-decline; a real SMTP server (aiosmtpd) and a webhook receiver count
//! what arrives. Nothing is invoiced, charged, mailed or delivered twice.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use billing_tests::{TestApp, TestDb, billing_binary, create_catalog, instant};
use chrono::{DateTime, NaiveDate, Utc};
use portal_web::sim_clock::FileClock;
use serde_json::{Value, json};

use super::mail::SmtpSink;
use super::scheduler::serve;

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-{what}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ecb(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../billing-core/tests/fixtures/ecb").join(file)
}

fn billing(db_url: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut c = Command::new(billing_binary());
    c.args(args).env("DATABASE_URL", db_url).env("LANG", "en_US.UTF-8").env("BILLING_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("billing runs");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn scalar(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn the_fx_import_job_takes_the_newest_file_in_its_folder_and_says_when_it_has_no_source() {
    let db = TestDb::new().await;
    let folder = temp_dir("fx");
    // The 90-day file is older on disk than the daily one, though it reaches further.
    let (old, new) = (folder.join("hist-90d.xml"), folder.join("daily.xml"));
    std::fs::copy(ecb("eurofxref-hist-90d.xml"), &old).unwrap();
    std::fs::copy(ecb("eurofxref-daily.xml"), &new).unwrap();
    std::fs::write(folder.join("notes.txt"), "not a rates file").unwrap();
    let stamp = |path: &Path, secs: u64| {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
    };
    stamp(&old, 1_700_000_000);
    stamp(&new, 1_700_000_100);
    let env = [("BILLING__FX__FOLDER", folder.to_str().unwrap())];
    let (ok, out) = billing(&db.url, &["jobs", "run", "fx-import"], &env);
    assert!(ok, "{out}");
    assert!(out.contains("for 1 days (2024-06-28 to 2024-06-28)"), "{out}");
    let days = scalar(&db.pool, "SELECT count(DISTINCT rate_date) FROM fx_rates").await;
    assert_eq!(days, 1, "only the newest file was read");
    let recorded: (String, i64) =
        sqlx::query_as("SELECT trigger, done FROM job_runs WHERE job = 'fx-import'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(recorded, ("cli".to_string(), 30));

    let (ok, out) = billing(&db.url, &["jobs", "run", "fx-import"], &[]);
    assert!(!ok, "no source configured: {out}");
    assert!(out.contains("set [fx] url or [fx] folder"), "{out}");
    let (ok, out) = billing(&db.url, &["jobs", "run", "fx-import"], &[("LANG", "de_DE.UTF-8")]);
    assert!(!ok && out.contains("Nichts zu importieren"), "{out}");
    std::fs::remove_dir_all(&folder).ok();
}

/// A subscription on `pro` for a new customer, through the API, starting `start`.
async fn subscribe(app: &TestApp, email: &str, start: &str) -> String {
    let body = json!({ "email": email, "name": "C", "country": "US", "currency": "EUR" });
    let (s, c) = app.post("/api/v1/customers", body).await;
    assert_eq!(s, 201, "{c}");
    let body = json!({ "customer": c["id"], "plan": "pro", "start_date": start });
    let (s, sub) = app.post("/api/v1/subscriptions", body).await;
    assert_eq!(s, 201, "{sub}");
    sub["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn jobs_run_invoices_each_merchant_once_per_day_and_snapshots_its_metrics_on_the_simulated_clock() {
    let app = TestApp::spawn().await;
    let clock_dir = temp_dir("clock");
    let clock = clock_dir.join("now");
    FileClock::write(&clock, instant("2027-03-01T05:00:00Z")).unwrap();
    let sim = [("BILLING__CLOCK__SIMULATED_FILE", clock.to_str().unwrap())];
    app.clock.set(instant("2027-03-01T05:00:00Z"));
    subscribe(&app, "a@example.com", "2027-03-01").await;
    subscribe(&app, "b@example.com", "2027-03-01").await;

    // 06:00 in Berlin on 1 March: the merchant's day has begun, its run is for 1 March.
    let (ok, out) = billing(&app.db.url, &["jobs", "run", "invoice-run", "--tenant", "acme"], &sim);
    assert!(ok, "{out}");
    assert!(out.contains("as of 2027-03-01: 2 invoices"), "{out}");
    let (ok, out) = billing(&app.db.url, &["jobs", "run", "invoice-run", "--tenant", "acme"], &sim);
    assert!(ok && out.contains("as of 2027-03-01: 0 invoices"), "a re-run invoices nothing twice: {out}");
    let runs: Vec<(Option<uuid::Uuid>, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT tenant_id, trigger, done, node FROM job_runs WHERE job = 'invoice-run' ORDER BY started_at, id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(runs.len(), 2, "recorded per merchant: {runs:?}");
    assert!(runs.iter().all(|r| r.0 == Some(app.tenant.id.0) && r.1 == "cli"), "{runs:?}");
    assert_eq!((runs[0].2, runs[1].2), (2, 0));
    assert!(runs[0].3.as_deref().is_some_and(|n| n.contains(':')), "the process is named: {runs:?}");
    let issued: Vec<(NaiveDate, String)> =
        sqlx::query_as("SELECT issue_date, triggered_by FROM invoices JOIN invoice_runs r ON r.id = invoice_run_id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(issued.len(), 2);
    assert!(issued.iter().all(|(d, by)| d.to_string() == "2027-03-01" && by.starts_with("cli:")), "{issued:?}");

    // A date the merchant has not reached is refused and recorded as failed; nothing is invoiced.
    let (ok, out) =
        billing(&app.db.url, &["jobs", "run", "invoice-run", "--as-of", "2027-03-05", "--tenant", "acme"], &sim);
    assert!(!ok && out.contains("failed"), "{out}");
    assert_eq!(scalar(&app.db.pool, "SELECT count(*) FROM invoices").await, 2);

    // The snapshot of 1 March: EUR 29.00 MRR from two subscriptions of two customers; taken
    // again, the same one row.
    for _ in 0..2 {
        let (ok, out) = billing(&app.db.url, &["jobs", "run", "metrics-snapshot", "--as-of", "2027-03-01"], &sim);
        assert!(ok && out.contains("rows written"), "{out}");
    }
    let (s, snaps) = app.get("/api/v1/metrics/snapshots?from=2027-02-01&to=2027-03-31").await;
    assert_eq!(s, 200, "{snaps}");
    let items = snaps["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{snaps}");
    assert_eq!(
        (&items[0]["day"], &items[0]["currency"], &items[0]["mrr"]),
        (&json!("2027-03-01"), &json!("EUR"), &json!(5800))
    );
    assert_eq!((&items[0]["active_subscriptions"], &items[0]["customers"]), (&json!(2), &json!(2)));
    let (s, e) = app.get("/api/v1/metrics/snapshots?from=2027-03-31&to=2027-03-01").await;
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("from")), "{e}");
    let (s, e) = app.get("/api/v1/metrics/snapshots").await;
    assert_eq!(s, 400, "the range is required: {e}");

    // A server on a simulated clock says so loudly.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(billing_binary())
        .arg("serve")
        .env("DATABASE_URL", &app.db.url)
        .env("BILLING__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("BILLING__CLOCK__SIMULATED_FILE", &clock)
        .env("BILLING__JOBS__INVOICE_RUN", "")
        .env("BILLING_LOG", "warn")
        .env("LANG", "en_US.UTF-8")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(server.stderr.take().unwrap()).lines();
    let said = lines.by_ref().take(20).map_while(Result::ok).find(|l| l.contains("SIMULATED CLOCK"));
    server.kill().ok();
    server.wait().ok();
    let said = said.expect("the server warns about its simulated clock");
    assert!(said.contains("2027-03-01T05:00:00"), "{said}");
    std::fs::remove_dir_all(&clock_dir).ok();
}

/// A running `billing serve`, stopped when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A merchant's webhook endpoint: records the event id of every request, answers 200.
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<(String, String)>>>,
}

async fn hook(
    axum::extract::State(r): axum::extract::State<Receiver>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> &'static str {
    let id = headers.get("billing-event-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let kind = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["type"].as_str().map(str::to_owned));
    r.hits.lock().unwrap().push((id, kind.unwrap_or_default()));
    "ok"
}

impl Receiver {
    async fn start() -> (Self, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let r = Receiver::default();
        let app = axum::Router::new().fallback(hook).with_state(r.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, url)
    }
}

struct Api {
    http: reqwest::Client,
    key: String,
}

impl Api {
    async fn post(&self, base: &str, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, base: &str, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{base}/api/v1{path}"))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("the server answers");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// The days the clock moves on. 29, not 30: whether the first charges happen on 28 February
/// (a collect tick between the first run and the clock's first move) or on 1 March is a race that
/// load decides, and the counts below hold for both; the default policy's write-off on day 30
/// would be reached on the 30th day only in the first case.
const DAYS: i64 = 29;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Card {
    Pays,
    /// Insufficient funds until the customer adds a good card on day 6.
    SoftThenReplaced,
    /// `do_not_try_again`.
    Hard,
}

#[tokio::test]
async fn two_servers_running_every_job_for_a_simulated_month_do_nothing_twice() {
    let db = TestDb::new().await;
    if db.is_embedded() {
        return; // one data folder has one server
    }
    let wall = std::time::Instant::now();
    let start: DateTime<Utc> = instant("2027-02-28T08:00:00Z"); // 09:00 in Berlin
    let clock_dir = temp_dir("clock");
    let clock = clock_dir.join("now");
    FileClock::write(&clock, start).unwrap();
    let tenant = {
        use billing_core::service::tenants::{self, NewTenantInput};
        let mut conn = db.pool.acquire().await.unwrap();
        let input = NewTenantInput {
            slug: "month".into(),
            name: "Month Shop".into(),
            payment_terms_days: 0,
            ..Default::default()
        };
        let t = tenants::create(&mut conn, &input, start).await.unwrap();
        let key = tenants::create_api_key(&mut conn, t.id, "test", start).await.unwrap();
        (t.id, key.secret)
    };
    create_catalog(&db.pool, tenant.0, start).await;
    let fx_folder = temp_dir("fx");
    std::fs::copy(ecb("eurofxref-daily.xml"), fx_folder.join("daily.xml")).unwrap();
    let sink = SmtpSink::start(&[]);
    let (receiver, hook_url) = Receiver::start().await;

    let smtp_port = sink.port.to_string();
    let every_second = "* * * * * *";
    let mut env: Vec<(&str, &str)> = vec![
        ("BILLING__CLOCK__SIMULATED_FILE", clock.to_str().unwrap()),
        ("BILLING__FX__FOLDER", fx_folder.to_str().unwrap()),
        ("BILLING__MAIL__HOST", "127.0.0.1"),
        ("BILLING__MAIL__PORT", smtp_port.as_str()),
        ("BILLING__MAIL__TLS", "none"),
        ("BILLING__MAIL__FROM", "billing@shop.example"),
    ];
    for job in [
        "INVOICE_RUN",
        "FINALIZE_DRAFTS",
        "APPLY_CREDIT",
        "VIES_RECHECK",
        "COLLECT",
        "MAIL",
        "DUNNING",
        "WEBHOOKS",
        "PRUNE_REQUEST_LOG",
        "PREDUNNING",
        "PURGE_OUTBOX",
        "FX_IMPORT",
        "METRICS_SNAPSHOT",
    ] {
        env.push((Box::leak(format!("BILLING__JOBS__{job}").into_boxed_str()), every_second));
    }
    let servers: Vec<(Server, String)> = (0..2)
        .map(|_| {
            let (child, base) = serve(&db, &env);
            (Server(child), base)
        })
        .collect();
    let api = Api { http: reqwest::Client::new(), key: tenant.1.clone() };
    for (_, base) in &servers {
        let mut ready = false;
        for _ in 0..120 {
            if let Ok(r) = api.http.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(ready, "billing serve did not start at {base}");
    }
    let bases: Vec<&str> = servers.iter().map(|(_, b)| b.as_str()).collect();

    let (s, endpoint) =
        api.post(bases[0], "/webhook_endpoints", json!({ "url": hook_url, "enabled_events": ["*"] })).await;
    assert_eq!(s, 201, "{endpoint}");

    // Eight customers through both servers in turn, each on `pro` from the simulated today.
    let cards = [
        Card::Pays,
        Card::SoftThenReplaced,
        Card::Hard,
        Card::Pays,
        Card::Pays,
        Card::SoftThenReplaced,
        Card::Hard,
        Card::Pays,
    ];
    let mut customers: Vec<(String, String, Card)> = Vec::new();
    for (n, card) in cards.iter().enumerate() {
        let base = bases[n % 2];
        let body = json!({ "email": format!("c{n}@example.com"), "name": format!("C{n}"), "country": "US", "currency": "EUR" });
        let (s, c) = api.post(base, "/customers", body).await;
        assert_eq!(s, 201, "{c}");
        let id = c["id"].as_str().unwrap().to_string();
        let number = match card {
            Card::Pays => "4242424242424242",
            Card::SoftThenReplaced => "4000000000009995",
            Card::Hard => "4000000000000002",
        };
        let (s, pm) =
            api.post(base, &format!("/customers/{id}/payment_methods"), json!({ "card_number": number })).await;
        assert_eq!(s, 201, "{pm}");
        let (s, sub) = api.post(base, "/subscriptions", json!({ "customer": id, "plan": "pro" })).await;
        assert_eq!(s, 201, "{sub}");
        assert_eq!(sub["start_date"], "2027-02-28", "the API runs on the simulated clock: {sub}");
        customers.push((id, sub["id"].as_str().unwrap().to_string(), *card));
    }

    // The first day's run before the clock moves on (the servers' first ticks can come after
    // the customers are in: a day the clock skips has no run of its own, by design).
    let mut first_run = false;
    for _ in 0..120 {
        if scalar(&db.pool, "SELECT count(*) FROM invoice_runs WHERE NOT dry_run AND as_of = '2027-02-28'").await > 0 {
            first_run = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(first_run, "no invoice run on the first simulated day");

    // A month, a day at a time: both servers see the new day at once.
    for day in 1..=DAYS {
        let now = start + chrono::Duration::days(day);
        FileClock::write(&clock, now).unwrap();
        if day == 6 {
            // The soft-declining customers add a good card: their open invoices are retried.
            for (n, (id, _, card)) in customers.iter().enumerate() {
                if *card == Card::SoftThenReplaced {
                    let body = json!({ "card_number": "4242424242424242", "collect_in_dunning": true });
                    let (s, pm) = api.post(bases[n % 2], &format!("/customers/{id}/payment_methods"), body).await;
                    assert_eq!(s, 201, "{pm}");
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(2000)).await;
    }
    // Whatever is still queued goes out.
    let mut settled = false;
    for _ in 0..120 {
        let pending = scalar(
            &db.pool,
            "SELECT (SELECT count(*) FROM mails WHERE status = 'pending')
                  + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')
                  + (SELECT count(*) FROM outbox WHERE delivered_at IS NULL)",
        )
        .await;
        if pending == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The nightly snapshots, through the API of the second server.
    let (s, snaps) = api.get(bases[1], "/metrics/snapshots?from=2027-02-27&to=2027-03-31").await;
    drop(servers);
    assert!(settled, "mails and webhook deliveries still pending after 30 s");
    let pool = &db.pool;

    // Exactly one invoice per subscription and period: 28 February and 28 March.
    let periods: Vec<(uuid::Uuid, Vec<NaiveDate>)> = sqlx::query_as(
        "SELECT subscription_id, array_agg(period_start ORDER BY period_start) FROM invoices
          WHERE subscription_id IS NOT NULL GROUP BY subscription_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(periods.len(), customers.len());
    let expected_periods =
        vec![NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(), NaiveDate::from_ymd_opt(2027, 3, 28).unwrap()];
    for (sub, starts) in &periods {
        assert_eq!(starts, &expected_periods, "subscription {sub}");
    }
    // Each day's run ran once, by the scheduler, recorded for the merchant.
    let runs: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "SELECT as_of, count(*) FROM invoice_runs WHERE NOT dry_run AND triggered_by = 'scheduler' GROUP BY as_of ORDER BY as_of",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(runs.iter().all(|(_, n)| *n == 1), "a day's run ran twice: {runs:?}");
    assert_eq!(runs.len() as i64, DAYS + 1, "{runs:?}");
    let recorded =
        scalar(pool, "SELECT count(*) FROM job_runs WHERE job = 'invoice-run' AND tenant_id IS NOT NULL").await;
    assert_eq!(recorded, DAYS + 1);

    // One successful charge per paid invoice, counted at the provider (the sandbox's records).
    let charges: Vec<(uuid::Uuid, String, i64)> = sqlx::query_as(
        "SELECT a.invoice_id, i.status, count(*) FROM sandbox_records r
           JOIN payment_attempts a ON a.id::text = r.value->>'key'
           JOIN invoices i ON i.id = a.invoice_id
          WHERE r.kind = 'payment' AND r.value->>'status' = 'succeeded'
          GROUP BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(charges.iter().all(|(_, status, n)| status == "paid" && *n == 1), "{charges:?}");
    let paid = scalar(pool, "SELECT count(*) FROM invoices WHERE status = 'paid'").await;
    assert_eq!(charges.len() as i64, paid, "every paid invoice was charged at the provider");
    let mut by_card: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (id, _, card) in &customers {
        let (paid, all): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'paid'), count(*) FROM invoices WHERE customer_id = $1",
        )
        .bind(id.parse::<billing_core::ids::CustomerId>().unwrap().as_uuid())
        .fetch_one(pool)
        .await
        .unwrap();
        let e = by_card.entry(format!("{card:?}")).or_default();
        e.0 += paid;
        e.1 += all;
    }
    assert_eq!(by_card["Pays"], (8, 8), "{by_card:?}");
    assert_eq!(by_card["SoftThenReplaced"], (4, 4), "{by_card:?}");
    assert_eq!(by_card["Hard"], (0, 4), "{by_card:?}");
    // The soft decliners' first invoices were recovered once each, by the card they added,
    // collected the moment they added it (6 March), not at dunning's next retry.
    let recovered: Vec<(i64, String, NaiveDate)> =
        sqlx::query_as("SELECT amount, how, (recovered_at AT TIME ZONE 'UTC')::date FROM recovered_revenue")
            .fetch_all(pool)
            .await
            .unwrap();
    let day6 = NaiveDate::from_ymd_opt(2027, 3, 6).unwrap();
    assert_eq!(recovered, vec![(2900, "new_method".to_string(), day6); 2]);

    // One mail per Message-ID at the SMTP server, and every mail of the outbox arrived.
    let mails = sink.mails();
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mails {
        *per_id.entry(m["message_id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert!(per_id.values().all(|n| *n == 1), "a mail arrived twice: {per_id:?}");
    let sent: BTreeSet<String> = sqlx::query_scalar("SELECT message_id FROM mails WHERE status = 'sent'")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(per_id.keys().cloned().collect::<BTreeSet<_>>(), sent);
    assert_eq!(scalar(pool, "SELECT count(*) FROM mails WHERE status <> 'sent'").await, 0);
    // The mails expected, by hand: 16 invoices issued; 12 paid (8 + the soft decliners' 4); a
    // failed payment for each decline (the soft decliners' first charge on 1 March and the
    // dunning retry on day 3, 4 March; the hard decliners' charges on 1 and 28 March, never
    // retried); dunning mails on days 3, 7 and 14 (the soft decliners' day 3 only: they added a
    // card on day 6 and the day-7 retry charged it before that day's mail; the hard decliners'
    // 28 March invoice reaches day 3 after the month).
    let templates: BTreeMap<String, i64> = sqlx::query_as("SELECT template, count(*) FROM mails GROUP BY 1")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let expected: BTreeMap<String, i64> = [
        ("invoice_issued", 16),
        ("payment_receipt", 12),
        ("payment_failed", 2 * 2 + 2 * 2),
        ("dunning_step", 2 + 2 * 3),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(templates, expected);
    assert_eq!(mails.len(), 16 + 12 + 8 + 8, "every mail arrived once");

    // One delivery per event at the endpoint, each of them recorded as delivered.
    let hits = receiver.hits.lock().unwrap().clone();
    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    for (id, _) in &hits {
        *per_event.entry(id.clone()).or_default() += 1;
    }
    assert!(per_event.values().all(|n| *n == 1), "an event was delivered twice: {per_event:?}");
    let delivered: BTreeSet<String> =
        sqlx::query_scalar("SELECT event_id::text FROM webhook_deliveries WHERE status = 'succeeded'")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert_eq!(per_event.len(), delivered.len(), "{per_event:?} vs {delivered:?}");
    let mut kinds: BTreeMap<&str, i64> = BTreeMap::new();
    for (_, k) in &hits {
        *kinds.entry(k.as_str()).or_default() += 1;
    }
    eprintln!("webhook deliveries by type: {kinds:?}");
    for (kind, n) in [
        ("customer.created", 8),
        ("subscription.created", 8),
        ("invoice.finalized", 16),
        ("invoice.paid", 12),
        ("payment.succeeded", 12),
        ("payment.failed", 8),
        // Every step taken is an event: the hard decliners' retries (skipped) and mails on days
        // 3, 7 and 14; the soft decliners' day-3 retry and mail (their new card paid on day 6).
        ("dunning.step", 2 * 6 + 2 * 2),
    ] {
        assert_eq!(kinds.get(kind).copied(), Some(n), "{kind}: {kinds:?}");
    }

    // The run history shows both processes at work, and every job ran.
    let nodes = scalar(pool, "SELECT count(DISTINCT node) FROM job_runs WHERE trigger = 'schedule'").await;
    assert_eq!(nodes, 2, "both servers ran jobs");
    let jobs: BTreeSet<String> =
        sqlx::query_scalar("SELECT DISTINCT job FROM job_runs").fetch_all(pool).await.unwrap().into_iter().collect();
    for job in ["invoice-run", "collect", "dunning", "mail", "webhooks", "fx-import", "metrics-snapshot"] {
        assert!(jobs.contains(job), "{job} never ran: {jobs:?}");
    }
    assert!(scalar(pool, "SELECT count(*) FROM fx_rates").await > 0, "the fx-import job imported the folder's file");
    // A snapshot of every whole day from 28 February (each day's "yesterday"): EUR 29.00 from
    // each of the eight subscriptions (the hard decliners' too: nothing ended them yet).
    assert_eq!(s, 200, "{snaps}");
    let items = snaps["items"].as_array().unwrap();
    let days: Vec<&str> = items.iter().map(|i| i["day"].as_str().unwrap()).collect();
    assert_eq!(days.len() as i64, DAYS, "{days:?}");
    assert_eq!((days[0], days[days.len() - 1]), ("2027-02-28", "2027-03-28"));
    for i in items {
        let got = (&i["currency"], &i["mrr"], &i["active_subscriptions"], &i["customers"]);
        assert_eq!(got, (&json!("EUR"), &json!(8 * 2900), &json!(8), &json!(8)), "{i}");
    }
    eprintln!("wall time: {:?}", wall.elapsed());
    std::fs::remove_dir_all(&clock_dir).ok();
    std::fs::remove_dir_all(&fx_folder).ok();
}
