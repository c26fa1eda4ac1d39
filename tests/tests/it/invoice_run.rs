//! The invoice run against a real PostgreSQL: periods, numbering, idempotent re-runs, dry runs,
//! concurrent runs, and the invoice read back through the API.

use billing_core::customer::NewCustomerInput;
use billing_core::ids::TenantId;
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_core::service::subscriptions::NewSubscriptionInput;
use billing_core::service::{customers, subscriptions};
use billing_core::store;
use billing_tests::{TestApp, TestDb, create_catalog, create_tenant, instant};
use chrono::NaiveDate;
use sqlx::PgPool;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn subscribe(pool: &PgPool, tenant: TenantId, currency: &str, plan: &str, start: &str) -> String {
    let now = instant("2026-03-01T09:00:00Z");
    let mut conn = pool.acquire().await.unwrap();
    let c = customers::create(
        &mut conn,
        tenant,
        &NewCustomerInput {
            email: format!("{}@example.com", uuid::Uuid::now_v7().simple()),
            name: "Kunde".into(),
            // Outside the EU: no VAT, so these run tests see net amounts (VAT has its own tests).
            country: "US".into(),
            currency: currency.into(),
            locale: None,
            kind: None,
            vat_id: None,
            segment: None,
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let s = subscriptions::create(
        &mut conn,
        tenant,
        &NewSubscriptionInput {
            customer: c.id.to_string(),
            plan: plan.into(),
            quantity: Some(1),
            start_date: Some(d(start)),
            coupon: None,
            trial_days: None,
            billing_anchor: None,
        },
        now,
    )
    .await
    .unwrap();
    s.id.to_string()
}

fn opts(as_of: &str) -> RunOptions {
    let mut o = RunOptions::new(d(as_of));
    o.chunk_size = 3;
    o
}

async fn periods(pool: &PgPool, sub: &str) -> Vec<(NaiveDate, NaiveDate)> {
    let id: billing_core::ids::SubscriptionId = sub.parse().unwrap();
    sqlx::query_as("SELECT period_start, period_end FROM invoices WHERE subscription_id = $1 ORDER BY period_start")
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn numbers(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT sequence FROM invoices ORDER BY sequence").fetch_all(pool).await.unwrap()
}

#[tokio::test]
async fn a_month_end_subscription_is_invoiced_per_period_keeping_its_day() {
    let db = TestDb::new().await;
    let now = instant("2026-05-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    let sub = subscribe(&db.pool, t.id, "EUR", "pro", "2024-01-31").await;
    let summary = invoice_run::run(&db.pool, &opts("2024-04-30"), now, &NoProgress).await.unwrap();
    assert_eq!(summary.invoices, 4);
    assert_eq!(
        periods(&db.pool, &sub).await,
        vec![
            (d("2024-01-31"), d("2024-02-29")),
            (d("2024-02-29"), d("2024-03-31")),
            (d("2024-03-31"), d("2024-04-30")),
            (d("2024-04-30"), d("2024-05-31")),
        ]
    );
    let eur = summary.totals.get(billing_core::currency::Currency::EUR).unwrap();
    assert_eq!((eur.count, eur.total.minor()), (4, 4 * 2900));
}

#[tokio::test]
async fn running_twice_for_the_same_date_creates_nothing_the_second_time() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    for i in 0..8 {
        subscribe(&db.pool, t.id, if i % 2 == 0 { "EUR" } else { "USD" }, "pro", "2026-01-15").await;
    }
    let first = invoice_run::run(&db.pool, &opts("2026-03-01"), now, &NoProgress).await.unwrap();
    assert_eq!(first.invoices, 16);
    let second = invoice_run::run(&db.pool, &opts("2026-03-01"), now, &NoProgress).await.unwrap();
    assert_eq!(second.invoices, 0);
    assert_eq!(numbers(&db.pool).await, (1..=16).collect::<Vec<_>>());
    let mut conn = db.pool.acquire().await.unwrap();
    assert!(store::invoices::series_is_gapless(&mut conn, t.id, "INV-2026-{seq}").await.unwrap());
    let runs = store::runs::list(&mut conn, t.id, 10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.status == "completed"));
    assert_eq!(runs.iter().map(|r| r.invoices_created).sum::<i64>(), 16);
    assert_eq!(store::outbox::count_topic(&mut conn, t.id, "invoice.finalized").await.unwrap(), 16);
    // A later date picks up the next period only.
    let later = instant("2026-03-15T00:00:00Z");
    let third = invoice_run::run(&db.pool, &opts("2026-03-15"), later, &NoProgress).await.unwrap();
    assert_eq!(third.invoices, 8);
}

#[tokio::test]
async fn a_dry_run_reports_what_the_real_run_does_and_writes_nothing() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    for i in 0..7 {
        subscribe(
            &db.pool,
            t.id,
            if i % 3 == 0 && i != 6 { "USD" } else { "EUR" },
            if i == 6 { "yearly" } else { "pro" },
            "2025-12-31",
        )
        .await;
    }
    let mut dry_opts = opts("2026-03-01");
    dry_opts.dry_run = true;
    let dry = invoice_run::run(&db.pool, &dry_opts, now, &NoProgress).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count, 0);
    let series: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invoice_number_series").fetch_one(&db.pool).await.unwrap();
    assert_eq!(series, 0);
    // The dry run is recorded, marked dry, and nothing else.
    let dry_runs: i64 = sqlx::query_scalar("SELECT count(*) FROM invoice_runs WHERE dry_run AND status = 'completed'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(dry_runs, 1);
    let real = invoice_run::run(&db.pool, &opts("2026-03-01"), now, &NoProgress).await.unwrap();
    assert_eq!(dry.invoices, real.invoices);
    assert_eq!(dry.totals, real.totals);
    assert_eq!(dry.report, real.report, "the same totals per currency and per VAT rate");
    // 6 monthly subscriptions from Dec 31: Dec 31, Jan 31, Feb 28 -> 3 each; the yearly one: 1.
    assert_eq!(real.invoices, 6 * 3 + 1);
}

#[tokio::test]
async fn two_runs_at_once_still_make_one_invoice_per_period_with_gapless_numbers() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    for _ in 0..30 {
        subscribe(&db.pool, t.id, "EUR", "pro", "2026-02-01").await;
    }
    let spawn_run = || {
        let pool = db.pool.clone();
        tokio::spawn(async move { invoice_run::run(&pool, &opts("2026-03-01"), now, &NoProgress).await })
    };
    let (a, b) = (spawn_run(), spawn_run());
    let (a, b) = (a.await.unwrap().unwrap(), b.await.unwrap().unwrap());
    assert_eq!(a.invoices + b.invoices, 60);
    assert_eq!(numbers(&db.pool).await, (1..=60).collect::<Vec<_>>());
    let dupes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT subscription_id, period_start FROM invoices GROUP BY 1, 2 HAVING count(*) > 1) d",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(dupes, 0);
}

#[tokio::test]
async fn a_run_on_two_connections_invoices_each_period_once_numbered_without_gaps_and_records_it_all() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    let mut subs = Vec::new();
    for i in 0..40 {
        subs.push(subscribe(&db.pool, t.id, if i % 3 == 0 { "USD" } else { "EUR" }, "pro", "2026-02-01").await);
    }
    let mut dry_opts = opts("2026-03-01");
    dry_opts.dry_run = true;
    let dry = invoice_run::run(&db.pool, &dry_opts, now, &NoProgress).await.unwrap();
    let mut two = opts("2026-03-01");
    two.workers = 2;
    let real = invoice_run::run(&db.pool, &two, now, &NoProgress).await.unwrap();
    // Two periods each (Feb 1 and Mar 1), the same totals as the dry run on one connection.
    assert_eq!((real.invoices, dry.invoices), (80, 80));
    assert_eq!(real.report, dry.report);
    assert_eq!(real.totals, dry.totals);
    assert_eq!(numbers(&db.pool).await, (1..=80).collect::<Vec<_>>());
    for sub in &subs {
        assert_eq!(periods(&db.pool, sub).await.len(), 2, "{sub}");
    }
    let mut conn = db.pool.acquire().await.unwrap();
    assert_eq!(store::outbox::count_topic(&mut conn, t.id, "invoice.finalized").await.unwrap(), 80);
    let runs = store::runs::list(&mut conn, t.id, 10).await.unwrap();
    let record = runs.iter().find(|r| !r.dry_run).unwrap();
    assert_eq!(
        (record.status.as_str(), record.invoices_created, record.subscriptions_considered),
        ("completed", 80, 40)
    );
    // Both halves were worked at once: numbers were handed out chunk by chunk as either half
    // reached them, so they do not follow the subscriptions' id order (one connection numbers
    // in id order).
    let by_id: Vec<i64> = sqlx::query_scalar("SELECT sequence FROM invoices ORDER BY subscription_id, period_start")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    // (The embedded database has one connection: the run uses it alone.)
    if !db.is_embedded() {
        assert!(by_id.windows(2).any(|w| w[1] < w[0]), "two parts worked at once: {by_id:?}");
    }
    // Within a chunk, numbers follow the id order; a subscription's two periods are consecutive.
    assert!(by_id.chunks(2).all(|p| p[1] == p[0] + 1), "{by_id:?}");
    // Nothing left due, and a re-run on two connections writes nothing.
    let again = invoice_run::run(&db.pool, &two, now, &NoProgress).await.unwrap();
    assert_eq!(again.invoices, 0);
}

#[tokio::test]
async fn the_database_refuses_a_second_invoice_for_the_same_period() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    subscribe(&db.pool, t.id, "EUR", "pro", "2026-02-01").await;
    invoice_run::run(&db.pool, &opts("2026-02-01"), now, &NoProgress).await.unwrap();
    // Rewind the subscription's pointer as a buggy job might: the unique key still holds.
    sqlx::query("UPDATE subscriptions SET next_period_index = 0, next_billing_date = '2026-02-01'")
        .execute(&db.pool)
        .await
        .unwrap();
    let err = invoice_run::run(&db.pool, &opts("2026-02-01"), now, &NoProgress).await.unwrap_err();
    assert!(err.to_string().contains("invoices_one_per_period"), "{err}");
    assert_eq!(numbers(&db.pool).await, vec![1], "the failed chunk gave its number back");
}

#[tokio::test]
async fn the_invoice_is_returned_by_the_api_with_its_number() {
    let app = TestApp::spawn().await;
    let (_, c) = app
        .post(
            "/api/v1/customers",
            serde_json::json!({"email": "a@example.de", "name": "A", "country": "DE", "currency": "EUR"}),
        )
        .await;
    let (_, sub) = app
        .post(
            "/api/v1/subscriptions",
            serde_json::json!({"customer": c["id"], "plan": "pro", "quantity": 2, "start_date": "2026-02-28"}),
        )
        .await;
    invoice_run::run(&app.db.pool, &opts("2026-03-01"), instant("2026-03-01T09:00:00Z"), &NoProgress).await.unwrap();
    let (status, list) = app.get(&format!("/api/v1/invoices?subscription={}", sub["id"].as_str().unwrap())).await;
    assert_eq!(status, 200);
    let invoices = list["data"].as_array().unwrap();
    assert_eq!(invoices.len(), 1);
    let id = invoices[0]["id"].as_str().unwrap();
    let (status, inv) = app.get(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(status, 200, "{inv}");
    assert_eq!(inv["number"], "INV-2026-000001");
    assert_eq!(inv["status"], "open");
    assert_eq!(inv["currency"], "EUR");
    // A consumer in Germany: 19 % VAT on the net, one rate group, category S.
    assert_eq!(inv["subtotal"], 5800);
    assert_eq!(inv["tax"], 1102);
    assert_eq!(inv["total"], 6902);
    assert_eq!(inv["lines"][0]["vat_category"], "S");
    assert_eq!(inv["tax_groups"][0]["rate"], "19");
    assert_eq!(inv["period_start"], "2026-02-28");
    assert_eq!(inv["period_end"], "2026-03-27");
    assert_eq!(inv["issue_date"], "2026-03-01");
    assert_eq!(inv["due_date"], "2026-03-15");
    assert_eq!(inv["lines"][0]["quantity"], 2);
    assert_eq!(inv["lines"][0]["quantity_decimal"], "2");
    assert_eq!(inv["lines"][0]["unit_amount"], 2900);
    assert_eq!(inv["customer_details"]["email"], "a@example.de");
    let (status, err) = app.get("/api/v1/invoices/in_00000000000000000000000000").await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["code"], "resource_missing");
}

#[tokio::test]
async fn a_real_run_beyond_the_merchants_today_is_refused_and_writes_nothing_while_a_dry_run_may_look_ahead() {
    let db = TestDb::new().await;
    // 23:30 UTC on 28 February is already 1 March in Berlin, the merchant's time zone.
    let now = instant("2026-02-28T23:30:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    subscribe(&db.pool, t.id, "EUR", "pro", "2026-02-01").await;
    let count = |sql: &'static str| async { sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap() };
    for as_of in ["9999-12-31", "2026-03-02"] {
        let err = invoice_run::run(&db.pool, &opts(as_of), now, &NoProgress).await.unwrap_err();
        assert!(
            matches!(err, billing_core::Error::RunDateInFuture { today, .. } if today == d("2026-03-01")),
            "{as_of}: {err}"
        );
    }
    assert_eq!(
        (count("SELECT count(*) FROM invoices").await, count("SELECT count(*) FROM invoice_runs").await),
        (0, 0)
    );
    // The merchant's today is fine, though it is still 28 February in UTC.
    assert_eq!(invoice_run::run(&db.pool, &opts("2026-03-01"), now, &NoProgress).await.unwrap().invoices, 2);
    // A dry run looks ahead and writes no invoice.
    let mut dry = opts("2026-04-01");
    dry.dry_run = true;
    assert_eq!(invoice_run::run(&db.pool, &dry, now, &NoProgress).await.unwrap().invoices, 1);
    assert_eq!(count("SELECT count(*) FROM invoices").await, 2);
    // Allowed explicitly, the run issues April's invoice now, dated 1 April.
    let mut ahead = opts("2026-04-01");
    ahead.allow_future = true;
    assert_eq!(invoice_run::run(&db.pool, &ahead, now, &NoProgress).await.unwrap().invoices, 1);
    let issued: NaiveDate =
        sqlx::query_scalar("SELECT max(issue_date) FROM invoices").fetch_one(&db.pool).await.unwrap();
    assert_eq!(issued, d("2026-04-01"));
}

/// The planner's row estimate of `invoices` (its statistics), as a whole number.
async fn estimated_invoices(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT reltuples::bigint FROM pg_class WHERE oid = 'invoices'::regclass")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A first run fills an `invoices` table whose statistics say it is empty: it refreshes them once
/// its first chunk is committed, so that statements prepared while the table was empty (a
/// customer's invoices, read by every portal page) stop reading the whole table while the run
/// goes on. A later run that adds fewer invoices than the table holds leaves them to autovacuum.
#[tokio::test]
async fn a_first_run_refreshes_the_planners_statistics_and_a_smaller_later_one_does_not() {
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let t = create_tenant(&db.pool, "acme", now).await;
    create_catalog(&db.pool, t.id, now).await;
    for _ in 0..8 {
        subscribe(&db.pool, t.id, "EUR", "pro", "2026-01-15").await;
    }
    sqlx::query("ANALYZE invoices").execute(&db.pool).await.unwrap();
    assert_eq!(estimated_invoices(&db.pool).await, 0, "analyzed while empty");
    // One chunk holds every subscription: the statistics are refreshed after it, with all 16.
    let one_chunk = |as_of: &str| RunOptions { chunk_size: 500, ..opts(as_of) };
    let first = invoice_run::run(&db.pool, &one_chunk("2026-03-01"), now, &NoProgress).await.unwrap();
    assert_eq!(first.invoices, 16);
    assert_eq!(estimated_invoices(&db.pool).await, 16, "the run refreshed the statistics after its chunk");
    let later = instant("2026-03-15T00:00:00Z");
    let second = invoice_run::run(&db.pool, &one_chunk("2026-03-15"), later, &NoProgress).await.unwrap();
    assert_eq!(second.invoices, 8);
    assert_eq!(estimated_invoices(&db.pool).await, 16, "8 due against 16 estimated: no refresh");
}
