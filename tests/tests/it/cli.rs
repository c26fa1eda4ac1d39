//! The `billing` binary as an operator uses it: demo seeding, invoice runs, and a run killed in
//! the middle and started again.

use std::process::Command;

use billing_tests::{TestDb, billing_binary};

fn billing(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(billing_binary())
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("LANG", "en_US.UTF-8")
        .env("BILLING_LOG", "warn")
        // These tests count the demo's twelve customers and their invoices: no year of history.
        .env("BILLING_DEMO_HISTORY", "0")
        .env_remove("BILLING_FAILPOINT_ABORT_AFTER_INVOICES")
        .output()
        .expect("billing runs")
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn demo_seeds_once_and_a_second_start_reuses_the_data() {
    let db = TestDb::new().await;
    let first = billing(&db, &["demo", "--no-serve"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("12 customers"), "{}", text(&first));
    let counts =
        (scalar(&db, "SELECT count(*) FROM customers").await, scalar(&db, "SELECT count(*) FROM subscriptions").await);
    assert_eq!(counts, (12, 12));
    let currencies: Vec<String> = sqlx::query_scalar("SELECT DISTINCT currency::text FROM plan_prices ORDER BY 1")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(currencies, ["CHF", "CNY", "EUR", "USD"]);
    let countries: Vec<String> = sqlx::query_scalar("SELECT DISTINCT country::text FROM customers ORDER BY 1")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(countries, ["AT", "CH", "CN", "DE", "FR", "US"]);
    let second = billing(&db, &["demo", "--no-serve"]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("nothing was added"), "{}", text(&second));
    assert_eq!(scalar(&db, "SELECT count(*) FROM customers").await, 12);
    assert_eq!(scalar(&db, "SELECT count(*) FROM tenants").await, 1);
}

#[tokio::test]
async fn invoice_run_prints_totals_per_currency_and_a_dry_run_writes_nothing() {
    let db = TestDb::new().await;
    assert!(billing(&db, &["demo", "--no-serve"]).status.success());
    let today = chrono::Utc::now().date_naive().to_string();
    // The demo's setup fee was invoiced when its subscription was created.
    let before = scalar(&db, "SELECT count(*) FROM invoices").await;
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices WHERE kind = 'one_off'").await, before);
    let dry = billing(&db, &["invoice-run", "--as-of", &today, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let dry_json_report = dry_report(&db, &today).await;
    assert!(text(&dry).contains("dry run"));
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices").await, before);
    let real = billing(&db, &["invoice-run", "--as-of", &today, "--json"]);
    assert!(real.status.success(), "{}", text(&real));
    let summary: serde_json::Value = serde_json::from_slice(&real.stdout).expect("JSON summary");
    let created = scalar(&db, "SELECT count(*) FROM invoices").await - before;
    assert!(created >= 12, "every demo subscription is due: {created}");
    assert_eq!(summary["invoices"], created);
    for code in ["EUR", "USD", "CHF", "CNY"] {
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(total), 0)::bigint FROM invoices WHERE currency = $1 AND kind = 'subscription'",
        )
        .bind(code)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(summary["totals"][code]["total"]["amount"], total, "{code}");
    }
    let dry_text = text(&dry);
    for code in ["EUR", "USD", "CHF", "CNY"] {
        assert!(dry_text.contains(&format!("{code}: ")), "{dry_text}");
    }
    // The per-rate table, the exceptions (the demo customers have no payment method) and the run id.
    for needle in ["Per VAT rate:", "EUR S 19 %", "EUR AE 0 %", "payment_method_missing", "Run ir_"] {
        assert!(dry_text.contains(needle), "{needle} in {dry_text}");
    }
    assert_eq!(summary["report"], dry_json_report, "the dry run's totals equal the real run's");
    let again = billing(&db, &["invoice-run", "--as-of", &today]);
    assert!(text(&again).contains("Nothing to invoice"), "{}", text(&again));
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices").await, before + created);
}

#[tokio::test]
async fn a_run_killed_in_the_middle_and_rerun_ends_with_one_invoice_per_period_and_no_gaps() {
    let db = TestDb::new().await;
    assert!(billing(&db, &["demo", "--no-serve"]).status.success());
    let today = chrono::Utc::now().date_naive().to_string();
    let expected = {
        let dry = billing(&db, &["invoice-run", "--as-of", &today, "--dry-run", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
        v["invoices"].as_i64().unwrap() + scalar(&db, "SELECT count(*) FROM invoices").await
    };
    // Chunks of 4 subscriptions; the process dies inside the third chunk, before it commits.
    let killed = Command::new(billing_binary())
        .args(["invoice-run", "--as-of", &today])
        .env("DATABASE_URL", &db.url)
        .env("BILLING_LOG", "warn")
        .env("BILLING__INVOICE_RUN__CHUNK_SIZE", "4")
        .env("BILLING_FAILPOINT_ABORT_AFTER_INVOICES", "10")
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the failpoint must kill the run: {}", text(&killed));
    let after_kill = scalar(&db, "SELECT count(*) FROM invoices").await;
    assert!(
        after_kill > 0 && after_kill < expected,
        "some chunks committed before the kill: {after_kill} of {expected}"
    );
    let gapless = "SELECT (count(*) = COALESCE(max(sequence), 0) AND count(*) = count(DISTINCT sequence))::int::bigint FROM invoices";
    assert_eq!(scalar(&db, gapless).await, 1, "no gap after the kill");
    let rerun = billing(&db, &["invoice-run", "--as-of", &today]);
    assert!(rerun.status.success(), "{}", text(&rerun));
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices").await, expected);
    assert_eq!(scalar(&db, gapless).await, 1, "no gap after the re-run");
    let dupes = "SELECT count(*) FROM (SELECT subscription_id, period_start FROM invoices WHERE kind = 'subscription' GROUP BY 1, 2 HAVING count(*) > 1) d";
    assert_eq!(scalar(&db, dupes).await, 0);
    let orphans =
        "SELECT count(*) FROM invoices i WHERE NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id)";
    assert_eq!(scalar(&db, orphans).await, 0, "every invoice has its line");

    // One real run, completed, visibly resumed, whose totals cover the invoices of both processes.
    let list = billing(&db, &["runs", "list", "--json"]);
    assert!(list.status.success(), "{}", text(&list));
    let runs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let real: Vec<&serde_json::Value> = runs.as_array().unwrap().iter().filter(|r| r["dry_run"] == false).collect();
    assert_eq!(real.len(), 1, "{runs}");
    let run = real[0];
    assert_eq!((run["status"].as_str(), run["resumed_count"].as_i64()), (Some("completed"), Some(1)), "{run}");
    let by_run = scalar(&db, "SELECT count(*) FROM invoices WHERE invoice_run_id IS NOT NULL").await;
    assert_eq!(run["invoices_created"].as_i64(), Some(by_run));
    for c in run["totals"]["by_currency"].as_array().unwrap() {
        let stored: i64 = sqlx::query_scalar(
            "SELECT sum(total)::bigint FROM invoices WHERE invoice_run_id IS NOT NULL AND currency = $1",
        )
        .bind(c["currency"].as_str().unwrap())
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(c["total"].as_i64(), Some(stored), "{c}");
    }
    let id = run["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ir_"), "{id}");
    let show = billing(&db, &["runs", "show", &id]);
    assert!(show.status.success(), "{}", text(&show));
    assert!(text(&show).contains("(completed)") && text(&show).contains("resumed 1 times"), "{}", text(&show));
    let file = std::env::temp_dir().join(format!("run-{}.csv", uuid::Uuid::now_v7()));
    let report = billing(&db, &["runs", "report", &id, "--output", file.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report));
    let csv = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(csv.lines().filter(|l| l.starts_with("invoice,")).count() as i64, by_run);
}

/// A fresh dry run's per-rate report, to compare with a real run of the same date.
async fn dry_report(db: &TestDb, date: &str) -> serde_json::Value {
    let out = billing(db, &["invoice-run", "--as-of", date, "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["report"].clone()
}

#[test]
fn bad_configuration_is_refused_with_the_key_named() {
    let out = Command::new(billing_binary())
        .args(["migrate"])
        .env("BILLING__SERVER__BIND", "not-an-address")
        .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("server.bind"), "{}", text(&out));
}

#[tokio::test]
async fn simulate_prints_the_invoices_a_scenario_would_produce_and_stores_nothing() {
    let db = TestDb::new().await;
    assert!(billing(&db, &["demo", "--no-serve"]).status.success());
    let invoices_before = scalar(&db, "SELECT count(*) FROM invoices").await;
    let dir = std::env::temp_dir().join(format!("billing-sim-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scenario.json");
    std::fs::write(
        &file,
        r#"{"plan": "starter-monthly", "currency": "EUR", "country": "US", "start_date": "2026-01-31", "months": 3,
            "events": [{"on": "2026-02-10", "action": "change", "plan": "pro-monthly", "timing": "period_end"}]}"#,
    )
    .unwrap();
    let out = billing(&db, &["simulate", "--tenant", "demo", "--file", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let totals: Vec<i64> =
        result["invoices"].as_array().unwrap().iter().map(|i| i["total"]["amount"].as_i64().unwrap()).collect();
    // Jan 31 on Starter, then Pro from the Feb 28 boundary on, Mar 31 too.
    assert_eq!(totals, vec![900, 2900, 2900]);
    let human = billing(&db, &["simulate", "--tenant", "demo", "--file", file.to_str().unwrap()]);
    assert!(text(&human).contains("67.00 EUR"), "{}", text(&human));
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices").await, invoices_before);
}

#[tokio::test]
async fn fx_import_reads_ecb_files_and_a_second_import_changes_nothing() {
    let db = TestDb::new().await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../billing-core/tests/fixtures/ecb");
    for file in ["eurofxref-daily.xml", "eurofxref-hist.csv", "eurofxref-daily.xml"] {
        let out = billing(&db, &["fx-import", "--file", &format!("{fixtures}/{file}")]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("ECB rates"), "{}", text(&out));
    }
    let usd: String =
        sqlx::query_scalar("SELECT per_eur::text FROM fx_rates WHERE rate_date = '2024-06-28' AND currency = 'USD'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(usd, "1.0705");
    let rows = scalar(&db, "SELECT count(*) FROM fx_rates").await;
    let again = billing(&db, &["fx-import", "--file", &format!("{fixtures}/eurofxref-hist.csv")]);
    assert!(again.status.success());
    assert_eq!(scalar(&db, "SELECT count(*) FROM fx_rates").await, rows, "re-importing adds no rows");
    let bad = billing(&db, &["fx-import", "--file", "/etc/hostname"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not an ECB reference-rate file"), "{}", text(&bad));
}

#[tokio::test]
async fn every_api_operation_is_available_from_the_command_line() {
    let db = TestDb::new().await;
    assert!(billing(&db, &["demo", "--no-serve"]).status.success());
    let plan = r#"{"code": "volume-seats", "name": "Volume seats", "interval": {"unit": "month", "count": 1},
        "prices": [{"currency": "EUR", "pricing": {"model": {"type": "volume", "tiers": [
            {"up_to": "10", "unit_price": {"amount": "5.00", "currency": "EUR"}, "flat_fee": null},
            {"up_to": null, "unit_price": {"amount": "3.00", "currency": "EUR"}, "flat_fee": null}]}, "minimum_charge": null}}]}"#;
    let out = billing(&db, &["api", "--tenant", "demo", "POST", "/api/v1/plans", "--data", plan]);
    assert!(out.status.success(), "{}", text(&out));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["prices"][0]["pricing"]["model"]["type"], "volume");
    let subs = billing(&db, &["api", "--tenant", "demo", "GET", "/api/v1/subscriptions?limit=1"]);
    let subs: serde_json::Value = serde_json::from_slice(&subs.stdout).unwrap();
    let id = subs["data"][0]["id"].as_str().unwrap().to_string();
    let preview = billing(
        &db,
        &[
            "api",
            "--tenant",
            "demo",
            "POST",
            &format!("/api/v1/subscriptions/{id}/change/preview"),
            "--data",
            r#"{"quantity": 2}"#,
        ],
    );
    assert!(preview.status.success(), "{}", text(&preview));
    let preview: serde_json::Value = serde_json::from_slice(&preview.stdout).unwrap();
    assert_eq!(preview["object"], "subscription_change_preview");
    // A refused request prints the JSON error and exits non-zero.
    let bad = billing(&db, &["api", "--tenant", "demo", "POST", "/api/v1/customers", "--data", r#"{"email": "x"}"#]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("invalid_request"), "{}", text(&bad));
    assert!(text(&bad).contains("HTTP 400"), "{}", text(&bad));
}

/// Serves `body` once per connection on a loopback port from a plain thread (the `billing`
/// process is awaited synchronously, so the test's own runtime cannot serve it).
fn serve_file(body: Vec<u8>, connections: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let mut stream = stream.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn fx_import_downloads_the_ecb_file_from_a_url() {
    let db = TestDb::new().await;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../billing-core/tests/fixtures/ecb/eurofxref-hist-90d.xml");
    let base = serve_file(std::fs::read(fixture).unwrap(), 2);
    let out = billing(&db, &["fx-import", "--url", &format!("{base}/stats/eurofxref/eurofxref-hist-90d.xml")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ECB rates"), "{}", text(&out));
    let days = scalar(&db, "SELECT count(DISTINCT rate_date) FROM fx_rates").await;
    assert!(days > 1, "the 90-day file has many publication days, got {days}");
    // A page that is not an ECB file is refused and imports nothing more.
    let rows = scalar(&db, "SELECT count(*) FROM fx_rates").await;
    let html = serve_file(b"<html>maintenance</html>".to_vec(), 1);
    let bad = billing(&db, &["fx-import", "--url", &format!("{html}/eurofxref.xml")]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not an ECB reference-rate file"), "{}", text(&bad));
    assert_eq!(scalar(&db, "SELECT count(*) FROM fx_rates").await, rows);
}

#[tokio::test]
async fn a_real_run_for_a_future_date_is_refused_unless_allowed_while_a_dry_run_may_look_ahead() {
    let db = TestDb::new().await;
    assert!(billing(&db, &["demo", "--no-serve"]).status.success());
    let before = scalar(&db, "SELECT count(*) FROM invoices").await;
    let refused = billing(&db, &["invoice-run", "--as-of", "9999-12-31"]);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("is after today"), "{}", text(&refused));
    assert!(text(&refused).contains("--allow-future"), "{}", text(&refused));
    let german = billing(&db, &["--lang", "de", "invoice-run", "--as-of", "9999-12-31"]);
    assert!(text(&german).contains("liegt nach dem heutigen Tag"), "{}", text(&german));
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices").await, before);
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoice_runs").await, 0, "a refused run is not even recorded");

    let ahead = (chrono::Utc::now() + chrono::Duration::days(40)).date_naive().to_string();
    let dry = billing(&db, &["invoice-run", "--as-of", &ahead, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert_eq!(scalar(&db, "SELECT count(*) FROM invoices").await, before);

    // Without --as-of the run is for the merchant's today, which is allowed.
    let today = billing(&db, &["invoice-run", "--json"]);
    assert!(today.status.success(), "{}", text(&today));
    let summary: serde_json::Value = serde_json::from_slice(&today.stdout).unwrap();
    // The demo merchant keeps its books in Berlin time.
    let berlin: String = sqlx::query_scalar("SELECT (now() AT TIME ZONE 'Europe/Berlin')::date::text")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(summary["as_of"], berlin);
    let allowed = billing(&db, &["invoice-run", "--as-of", &ahead, "--allow-future", "--json"]);
    assert!(allowed.status.success(), "{}", text(&allowed));
    let summary: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert!(summary["invoices"].as_i64().unwrap() > 0, "{summary}");
}
