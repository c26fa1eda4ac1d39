//! Batch harness: seeds N subscriptions into a fresh database and times the invoice run.
//!
//! `cargo run --release -p billing-tests --bin invoice_run_bench -- 100000 [chunk_size]`
//! Uses the same PostgreSQL as the tests (TEST_DATABASE_URL / DATABASE_URL / 127.0.0.1:5432).
//! Reports wall time, invoices per second and the process's peak resident memory.

use std::time::Instant;

use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_tests::{TestDb, create_catalog, create_tenant, instant};
use chrono::NaiveDate;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
}

/// Throughput is timing, not money: the one place floats are fine.
#[allow(clippy::float_arithmetic)]
fn per_second(count: u64, secs: f64) -> f64 {
    count as f64 / secs
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: i64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let chunk: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(500);
    let db = TestDb::new().await;
    let now = instant("2026-03-01T00:00:00Z");
    let tenant = create_tenant(&db.pool, "bench", now).await;
    create_catalog(&db.pool, tenant.id, now).await;
    let seed = Instant::now();
    // Set-based seeding: N customers and one monthly subscription each, anchors spread over February.
    sqlx::query(
        "INSERT INTO customers (tenant_id, id, email, name, country, currency, locale, created_at)
         SELECT $1, gen_random_uuid(), 'c' || g || '@example.com', 'Customer ' || g, 'DE', 'EUR', 'de', $2
         FROM generate_series(1, $3) g",
    )
    .bind(tenant.id)
    .bind(now)
    .bind(n)
    .execute(&db.pool)
    .await?;
    sqlx::query(
        "INSERT INTO subscriptions (tenant_id, id, customer_id, plan_id, status, currency, unit_amount, quantity,
             start_date, anchor_date, interval_unit, interval_count, next_period_index, next_billing_date, created_at, updated_at, next_period_start)
         SELECT c.tenant_id, gen_random_uuid(), c.id, p.id, 'active', 'EUR', 2900, 1, d, d, 'month', 1, 0, d, $2, $2, d
         FROM customers c
         JOIN plans p ON p.tenant_id = c.tenant_id AND p.code = 'pro'
         CROSS JOIN LATERAL (SELECT DATE '2026-02-01' + (abs(hashtext(c.id::text)) % 28) AS d) a
         WHERE c.tenant_id = $1",
    )
    .bind(tenant.id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    sqlx::query("ANALYZE").execute(&db.pool).await?;
    println!("seeded {n} subscriptions in {:.1?}", seed.elapsed());

    let mut opts = RunOptions::new(NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"));
    opts.chunk_size = chunk;
    for dry in [true, false] {
        opts.dry_run = dry;
        let started = Instant::now();
        let summary = invoice_run::run(&db.pool, &opts, now, &NoProgress).await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{} run: {} invoices for {} subscriptions in {secs:.2}s = {:.0} invoices/s (chunk {chunk})",
            if dry { "dry" } else { "real" },
            summary.invoices,
            summary.subscriptions,
            per_second(summary.invoices, secs)
        );
    }
    let rerun = Instant::now();
    opts.dry_run = false;
    let again = invoice_run::run(&db.pool, &opts, now, &NoProgress).await?;
    println!("re-run: {} invoices in {:.2?}", again.invoices, rerun.elapsed());
    if let Some(kib) = peak_rss_kib() {
        println!("peak resident memory: {} MiB", kib / 1024);
    }
    Ok(())
}
