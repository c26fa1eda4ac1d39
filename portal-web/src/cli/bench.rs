//! `billing bench invoice-run --subscriptions N [--json] [--keep]`: the invoice run measured
//! against floors taken on the same database in the same process (docs/performance.md).
//!
//! On the server of `DATABASE_URL` it creates a database of its own, migrates it, loads a
//! merchant with N customers and subscriptions (`service::bench::load`, set-based), runs the real
//! invoice run (the same job `billing invoice-run` starts), runs it again (it must find nothing to
//! do and write nothing), and then copies exactly the rows the run wrote, with binary COPY, into
//! tables with the same columns and only a primary key (the lean floor) and into copies of the
//! real tables with all their indexes, checks and foreign keys. Every time is also given as a
//! ratio to the lean floor, because the machine is shared and absolute times are noisy. The
//! database is dropped at the end unless `--keep`.

// Seconds, ratios and MiB of a measurement, never money.
#![allow(clippy::float_arithmetic)]

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use anyhow::Context;
use billing_core::ids::InvoiceRunId;
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_core::service::bench as core_bench;
use billing_core::store::bench as floors;
use futures_util::StreamExt;
use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use tokio::io::AsyncWriteExt;

use super::t;
use crate::config::{Config, redact_url};

#[derive(Debug, Clone)]
pub struct InvoiceRunArgs {
    pub subscriptions: i64,
    pub json: bool,
    pub keep: bool,
    /// The run's chunk size; the configured `invoice_run.chunk_size` when absent.
    pub chunk_size: Option<u32>,
    /// The run's connections; the configured `invoice_run.workers` when absent.
    pub workers: Option<u32>,
}

/// Everything one `bench invoice-run` measured; the JSON line is this.
#[derive(Debug, Serialize)]
pub struct InvoiceRunReport {
    pub subscriptions: i64,
    pub database: String,
    /// Subscriptions with a period due on the run date (the run must invoice each once).
    pub due: i64,
    pub invoices: u64,
    pub exceptions: u64,
    pub load_seconds: f64,
    pub run_seconds: f64,
    pub run_us_per_subscription: f64,
    /// The process's peak resident memory during the run (VmHWM, reset before the run when the
    /// kernel allows it, see `peak_rss_reset`).
    pub peak_rss_mib: f64,
    pub peak_rss_reset: bool,
    pub rows_written: std::collections::BTreeMap<String, i64>,
    pub rows_written_total: i64,
    pub lean_copy_seconds: f64,
    pub real_copy_seconds: f64,
    pub ratio_to_lean_copy: f64,
    pub ratio_to_real_copy: f64,
    pub rerun_seconds: f64,
    /// The re-run's time as a share of the run's.
    pub rerun_ratio: f64,
    /// Rows of the run's tables (run records aside) inserted or updated by the re-run: 0.
    pub rerun_rows_written: i64,
    /// Wall seconds per phase of the run, summed over chunks and over the workers
    /// (`billing_core::profile`): with several workers they add up to more than the run.
    pub phases: std::collections::BTreeMap<String, f64>,
    pub postgres: std::collections::BTreeMap<String, String>,
    pub chunk_size: u32,
    /// The connections the run was allowed (`--workers`); it uses one for a run of one chunk.
    pub workers: u32,
}

/// Runs the benchmark; the database it creates is dropped again unless `--keep`, also when a
/// step fails.
pub async fn invoice_run(config: &Config, lang: &str, args: InvoiceRunArgs) -> anyhow::Result<InvoiceRunReport> {
    if !(1..=10_000_000).contains(&args.subscriptions) {
        anyhow::bail!("{}", t(lang, "cli-bench-subscriptions-range", &[]));
    }
    let chunk_size = args.chunk_size.unwrap_or(config.invoice_run.chunk_size);
    let workers = args.workers.unwrap_or(config.invoice_run.workers);
    on_own_database(config, lang, args.keep, args.json, |pool, name| async move {
        measure(&pool, &name, args.subscriptions, (chunk_size, workers), lang, args.json).await
    })
    .await
}

/// Creates a database of its own on `DATABASE_URL`'s server (never the configured database, nor
/// an embedded folder), runs `body` with a pool on it and its name, and drops it again unless
/// `keep`, also when `body` fails.
pub async fn on_own_database<T, F, Fut>(
    config: &Config,
    lang: &str,
    keep: bool,
    json: bool,
    body: F,
) -> anyhow::Result<T>
where
    F: FnOnce(PgPool, String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let url = config
        .database
        .url
        .as_ref()
        .map(|u| u.expose().to_string())
        .ok_or_else(|| anyhow::anyhow!("{}", t(lang, "cli-bench-needs-server", &[])))?;
    let admin_options = PgConnectOptions::from_str(&url).with_context(|| redact_url(&url))?;
    let name = format!("billing_bench_{}", uuid::Uuid::now_v7().simple());
    let mut admin = admin_options.connect().await.with_context(|| redact_url(&url))?;
    floors::create_database(&mut admin, &name).await?;
    let pool = crate::db::server_pool_options(config.database.max_connections)
        .connect_with(admin_options.clone().database(&name))
        .await;
    let result = match pool {
        Ok(pool) => {
            let r = body(pool.clone(), name.clone()).await;
            pool.close().await;
            r
        }
        Err(e) => Err(e.into()),
    };
    if keep {
        if !json {
            println!("{}", t(lang, "cli-bench-kept", &[("database", name.clone())]));
        }
    } else {
        floors::drop_database(&mut admin, &name).await?;
    }
    admin.close().await.ok();
    result
}

fn say(json: bool, text: String) {
    if !json {
        eprintln!("{text}");
    }
}

async fn measure(
    pool: &PgPool,
    name: &str,
    n: i64,
    (chunk_size, workers): (u32, u32),
    lang: &str,
    json: bool,
) -> anyhow::Result<InvoiceRunReport> {
    billing_core::store::MIGRATOR.run(pool).await.context("running migrations")?;
    let mut conn = pool.acquire().await?;
    let postgres = floors::settings(&mut conn).await?.into_iter().collect();

    say(json, t(lang, "cli-bench-loading", &[("count", n.to_string())]));
    let started = Instant::now();
    let loaded = core_bench::load(&mut conn, n).await?;
    floors::checkpoint(&mut conn).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    drop(conn);

    say(json, t(lang, "cli-bench-running", &[("count", loaded.due.to_string())]));
    let mut opts = RunOptions::new(loaded.as_of);
    opts.tenant = Some(loaded.tenant);
    opts.chunk_size = chunk_size;
    opts.workers = workers;
    opts.triggered_by = "bench".into();
    billing_core::profile::reset();
    let peak_rss_reset = reset_peak_rss();
    let started = Instant::now();
    let summary = invoice_run::run(pool, &opts, loaded.now, &NoProgress).await?;
    let run_seconds = started.elapsed().as_secs_f64();
    let peak_rss_mib = peak_rss_mib();
    let phases = billing_core::profile::snapshot().into_iter().map(|(k, v)| (k.to_string(), v.as_secs_f64())).collect();
    let run_id: InvoiceRunId =
        summary.tenants.first().and_then(|t| t.run_id).ok_or_else(|| anyhow::anyhow!("the run recorded no run id"))?;

    let mut conn = pool.acquire().await?;
    let before = floors::xid_now(&mut conn).await?;
    drop(conn);
    let started = Instant::now();
    invoice_run::run(pool, &opts, loaded.now, &NoProgress).await?;
    let rerun_seconds = started.elapsed().as_secs_f64();
    let mut conn = pool.acquire().await?;
    let rerun_rows_written = floors::rows_written_since(&mut conn, before).await?;

    let written = core_bench::written(&mut conn, loaded.tenant, run_id).await?;
    say(json, t(lang, "cli-bench-floors", &[]));
    let dir = std::env::temp_dir().join(name);
    tokio::fs::create_dir_all(&dir).await?;
    let floors_result = async {
        for w in &written {
            export(&mut conn, &dir, w.table, loaded.tenant, run_id).await?;
        }
        let lean = copy_floor(&mut conn, &dir, "bench_lean", false).await?;
        let real = copy_floor(&mut conn, &dir, "bench_real", true).await?;
        anyhow::Ok((lean, real))
    }
    .await;
    tokio::fs::remove_dir_all(&dir).await.ok();
    let (lean_copy_seconds, real_copy_seconds) = floors_result?;
    floors::drop_schema(&mut conn, "bench_lean").await?;
    floors::drop_schema(&mut conn, "bench_real").await?;

    let rows_written_total = written.iter().map(|w| w.rows).sum();
    Ok(InvoiceRunReport {
        subscriptions: n,
        database: name.to_string(),
        due: loaded.due,
        invoices: summary.invoices,
        exceptions: summary.exceptions,
        load_seconds,
        run_seconds,
        run_us_per_subscription: run_seconds * 1e6 / n.max(1) as f64,
        peak_rss_mib,
        peak_rss_reset,
        rows_written: written.iter().map(|w| (w.table.to_string(), w.rows)).collect(),
        rows_written_total,
        lean_copy_seconds,
        real_copy_seconds,
        ratio_to_lean_copy: run_seconds / lean_copy_seconds.max(1e-9),
        ratio_to_real_copy: run_seconds / real_copy_seconds.max(1e-9),
        rerun_seconds,
        rerun_ratio: rerun_seconds / run_seconds.max(1e-9),
        rerun_rows_written,
        phases,
        postgres,
        chunk_size,
        workers,
    })
}

/// Writes the run's rows of `table` to `dir/table.bin` (binary COPY format), untimed.
async fn export(
    conn: &mut PgConnection,
    dir: &Path,
    table: &str,
    tenant: billing_core::ids::TenantId,
    run: InvoiceRunId,
) -> anyhow::Result<()> {
    let statement = floors::copy_out_statement(table, tenant, run)?;
    let mut file = tokio::fs::File::create(file_of(dir, table)).await?;
    let mut stream = conn.copy_out_raw(&statement).await?;
    while let Some(bytes) = stream.next().await {
        file.write_all(&bytes?).await?;
    }
    file.flush().await?;
    Ok(())
}

fn file_of(dir: &Path, table: &str) -> PathBuf {
    dir.join(format!("{table}.bin"))
}

/// Creates the floor tables, checkpoints, and times the COPY of every exported table into them
/// (parents first), in one transaction as the run commits its chunks.
async fn copy_floor(conn: &mut PgConnection, dir: &Path, schema: &str, full: bool) -> anyhow::Result<f64> {
    floors::create_floor_tables(conn, schema, full).await?;
    floors::checkpoint(conn).await?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    for table in floors::RUN_TABLES {
        let file = tokio::fs::File::open(file_of(dir, table)).await?;
        let mut copy = tx.copy_in_raw(&floors::copy_in_statement(schema, table)?).await?;
        copy.read_from(file).await?;
        copy.finish().await?;
    }
    tx.commit().await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Resets the kernel's peak-RSS mark of this process (`/proc/self/clear_refs`, value 5).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// VmHWM of this process in MiB (0 where /proc is missing).
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The human report.
pub fn render(r: &InvoiceRunReport, lang: &str) -> String {
    let f = |v: f64| format!("{v:.2}");
    let mut out = String::new();
    let mut line = |id: &str, args: &[(&str, String)]| {
        out.push_str(&t(lang, id, args));
        out.push('\n');
    };
    line(
        "cli-bench-run",
        &[
            ("subscriptions", r.subscriptions.to_string()),
            ("invoices", r.invoices.to_string()),
            ("seconds", f(r.run_seconds)),
            ("us", format!("{:.0}", r.run_us_per_subscription)),
        ],
    );
    line("cli-bench-rss", &[("mib", format!("{:.1}", r.peak_rss_mib))]);
    line("cli-bench-rows", &[("rows", r.rows_written_total.to_string())]);
    for (table, rows) in &r.rows_written {
        out.push_str(&format!("    {table:<24} {rows:>10}\n"));
    }
    let mut line = |id: &str, args: &[(&str, String)]| {
        out.push_str(&t(lang, id, args));
        out.push('\n');
    };
    line("cli-bench-lean", &[("seconds", f(r.lean_copy_seconds)), ("ratio", f(r.ratio_to_lean_copy))]);
    line("cli-bench-real", &[("seconds", f(r.real_copy_seconds)), ("ratio", f(r.ratio_to_real_copy))]);
    line(
        "cli-bench-rerun",
        &[
            ("seconds", format!("{:.3}", r.rerun_seconds)),
            ("percent", format!("{:.2}", r.rerun_ratio * 100.0)),
            ("rows", r.rerun_rows_written.to_string()),
        ],
    );
    line("cli-bench-phases", &[]);
    for (phase, seconds) in &r.phases {
        out.push_str(&format!(
            "    {phase:<24} {seconds:>9.3} s  {:>5.1} %\n",
            seconds * 100.0 / r.run_seconds.max(1e-9)
        ));
    }
    out
}
