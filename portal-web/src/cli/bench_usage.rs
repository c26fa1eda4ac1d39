//! `billing bench usage --events N [--batch B] [--concurrency C] [--json] [--keep]`: usage-event
//! ingestion through the real HTTP API, measured against a floor taken in the same run
//! (docs/performance.md).
//!
//! On a database of its own on `DATABASE_URL`'s server it loads the benchmark merchant
//! (`service::bench::load`), issues an API key, and serves the real router (API-key cache on, as
//! `billing serve` runs it) on a loopback port of this process. `C` client tasks then send the N
//! events in batches of B to `POST /api/v1/usage_events/batch`, then N ÷ 10 single events to
//! `POST /api/v1/usage_events`, each answer checked (201). The floor is a text COPY of N
//! other events into the same `usage_events` table (its key, index and foreign key). The load
//! generator runs on the same cores as the server and the database, as the goal says.

// Seconds, rates and ratios of a measurement, never money.
#![allow(clippy::float_arithmetic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use billing_core::ports::clock::SystemClock;
use billing_core::service::bench as core_bench;
use billing_core::store::bench as floors;
use serde::Serialize;
use sqlx::{Connection, PgPool};

use super::t;
use crate::config::Config;

#[derive(Debug, Clone)]
pub struct UsageArgs {
    pub events: usize,
    pub batch: usize,
    pub concurrency: usize,
    pub json: bool,
    pub keep: bool,
}

/// Subscriptions the merchant is loaded with (about one in six is metered).
const SUBSCRIPTIONS: i64 = 3000;

/// Everything one `bench usage` measured; the JSON line is this.
#[derive(Debug, Serialize)]
pub struct UsageReport {
    pub database: String,
    pub metered_subscriptions: usize,
    pub events: usize,
    pub batch: usize,
    pub concurrency: usize,
    pub batch_seconds: f64,
    pub batch_events_per_second: f64,
    pub batch_p50_ms: f64,
    pub batch_p99_ms: f64,
    pub single_events: usize,
    pub single_seconds: f64,
    pub single_events_per_second: f64,
    pub single_p50_ms: f64,
    pub single_p99_ms: f64,
    pub copy_seconds: f64,
    pub copy_rows_per_second: f64,
    /// Batch ingestion's rate as a share of the COPY rate (the goal: at least 0.8).
    pub batch_ratio_to_copy: f64,
    pub single_ratio_to_copy: f64,
    /// Events stored by the batches and single requests: each exactly once.
    pub stored: i64,
}

pub async fn usage(config: &Config, lang: &str, args: UsageArgs) -> anyhow::Result<UsageReport> {
    if !(1..=10_000_000).contains(&args.events)
        || !(1..=billing_core::service::usage::MAX_BATCH).contains(&args.batch)
        || !(1..=256).contains(&args.concurrency)
    {
        anyhow::bail!("{}", t(lang, "cli-bench-usage-range", &[]));
    }
    super::bench::on_own_database(config, lang, args.keep, args.json, |pool, name| async move {
        measure(config, &pool, &name, lang, &args).await
    })
    .await
}

fn say(json: bool, text: String) {
    if !json {
        eprintln!("{text}");
    }
}

async fn measure(
    config: &Config,
    pool: &PgPool,
    name: &str,
    lang: &str,
    args: &UsageArgs,
) -> anyhow::Result<UsageReport> {
    billing_core::store::MIGRATOR.run(pool).await.context("running migrations")?;
    let mut conn = pool.acquire().await?;
    say(args.json, t(lang, "cli-bench-loading", &[("count", SUBSCRIPTIONS.to_string())]));
    let loaded = core_bench::load(&mut conn, SUBSCRIPTIONS).await?;
    let targets = core_bench::usage_targets(&mut conn, loaded.tenant).await?;
    anyhow::ensure!(!targets.is_empty(), "the benchmark merchant has no metered subscription");
    let key = billing_core::service::api_keys::create(
        &mut conn,
        loaded.tenant,
        "bench",
        &["full".to_string()],
        chrono::Utc::now(),
    )
    .await?;
    drop(conn);

    // The real router, as `billing serve` builds it, on a loopback port of this process.
    let cache = Arc::new(crate::api_key_cache::ApiKeyCache::default());
    let _listener_task = crate::api_key_cache::spawn_listener(pool.clone(), cache.clone());
    let state = crate::state::AppState::new(pool.clone(), Arc::new(SystemClock)).with_api_key_cache(cache);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::server::serve_with(
        listener,
        crate::app::router_with(state, &config.http_options()),
        config.serve_limits(),
        None,
        async move {
            let _ = stopped.await;
        },
    ));

    let event = |prefix: &str, i: usize| {
        let (sub, at) = targets[i % targets.len()];
        serde_json::json!({
            "subscription": billing_core::ids::SubscriptionId(sub).to_string(),
            "event_id": format!("{prefix}{i}"),
            "timestamp": at,
            "value": ((i % 9) + 1).to_string(),
        })
    };
    // Bodies are made before the clock starts: the figure is the server's, not serde's here.
    let batches: Vec<String> = (0..args.events)
        .collect::<Vec<_>>()
        .chunks(args.batch)
        .map(|c| serde_json::json!({ "events": c.iter().map(|&i| event("b", i)).collect::<Vec<_>>() }).to_string())
        .collect();
    let single_events = (args.events / 10).max(1);
    let singles: Vec<String> = (0..single_events).map(|i| event("s", i).to_string()).collect();

    say(args.json, t(lang, "cli-bench-usage-sending", &[("count", args.events.to_string())]));
    let (batch_seconds, mut batch_ms) =
        send_all(&format!("{base}/api/v1/usage_events/batch"), &key.secret, batches, args.concurrency).await?;
    let (single_seconds, mut single_ms) =
        send_all(&format!("{base}/api/v1/usage_events"), &key.secret, singles, args.concurrency).await?;
    let _ = stop.send(());
    let _ = server.await;

    let mut conn = pool.acquire().await?;
    let stored = core_bench::count_usage(&mut conn, loaded.tenant, "b").await?
        + core_bench::count_usage(&mut conn, loaded.tenant, "s").await?;
    anyhow::ensure!(
        stored == (args.events + single_events) as i64,
        "{stored} events stored, {} sent: ingestion lost or doubled events",
        args.events + single_events
    );

    say(args.json, t(lang, "cli-bench-floors", &[]));
    let now = chrono::Utc::now().to_rfc3339();
    let mut data = String::with_capacity(args.events * 120);
    for i in 0..args.events {
        let (sub, at) = targets[i % targets.len()];
        data.push_str(&format!(
            "{}\t{sub}\tc{i}\t{}\t{}\t{now}\n",
            loaded.tenant.as_uuid(),
            at.to_rfc3339(),
            (i % 9) + 1
        ));
    }
    floors::checkpoint(&mut conn).await?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    let mut copy = tx.copy_in_raw(core_bench::USAGE_COPY).await?;
    copy.send(data.into_bytes()).await?;
    copy.finish().await?;
    tx.commit().await?;
    let copy_seconds = started.elapsed().as_secs_f64();

    let rate = |n: usize, s: f64| n as f64 / s.max(1e-9);
    let copy_rate = rate(args.events, copy_seconds);
    Ok(UsageReport {
        database: name.to_string(),
        metered_subscriptions: targets.len(),
        events: args.events,
        batch: args.batch,
        concurrency: args.concurrency,
        batch_seconds,
        batch_events_per_second: rate(args.events, batch_seconds),
        batch_p50_ms: percentile(&mut batch_ms, 50),
        batch_p99_ms: percentile(&mut batch_ms, 99),
        single_events,
        single_seconds,
        single_events_per_second: rate(single_events, single_seconds),
        single_p50_ms: percentile(&mut single_ms, 50),
        single_p99_ms: percentile(&mut single_ms, 99),
        copy_seconds,
        copy_rows_per_second: copy_rate,
        batch_ratio_to_copy: rate(args.events, batch_seconds) / copy_rate,
        single_ratio_to_copy: rate(single_events, single_seconds) / copy_rate,
        stored,
    })
}

/// Sends every body with `concurrency` keep-alive clients; returns the wall seconds and each
/// request's milliseconds. Any answer but 201 ends the benchmark with its status and body.
async fn send_all(url: &str, secret: &str, bodies: Vec<String>, concurrency: usize) -> anyhow::Result<(f64, Vec<f64>)> {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (bodies, next, url, auth) = (bodies.clone(), next.clone(), url.to_string(), format!("Bearer {secret}"));
        tasks.spawn(async move {
            let client = reqwest::Client::builder().build()?;
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let answer = client
                    .post(&url)
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                let status = answer.status();
                if status != reqwest::StatusCode::CREATED {
                    let text = answer.text().await.unwrap_or_default();
                    anyhow::bail!("{url} answered {status}: {text}");
                }
                answer.bytes().await?;
                times.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(times)
        });
    }
    let mut all = Vec::with_capacity(bodies.len());
    while let Some(done) = tasks.join_next().await {
        all.extend(done??);
    }
    Ok((started.elapsed().as_secs_f64(), all))
}

/// The p-th percentile (nearest rank) of `values`, 0 when empty.
fn percentile(values: &mut [f64], p: usize) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p * values.len()).div_ceil(100).clamp(1, values.len());
    values[rank - 1]
}

/// The human report.
pub fn render(r: &UsageReport, lang: &str) -> String {
    let f = |v: f64| format!("{v:.0}");
    let g = |v: f64| format!("{v:.2}");
    [
        t(
            lang,
            "cli-bench-usage-batch",
            &[
                ("events", r.events.to_string()),
                ("batch", r.batch.to_string()),
                ("concurrency", r.concurrency.to_string()),
                ("rate", f(r.batch_events_per_second)),
                ("p50", g(r.batch_p50_ms)),
                ("p99", g(r.batch_p99_ms)),
            ],
        ),
        t(
            lang,
            "cli-bench-usage-single",
            &[
                ("events", r.single_events.to_string()),
                ("rate", f(r.single_events_per_second)),
                ("p50", g(r.single_p50_ms)),
                ("p99", g(r.single_p99_ms)),
            ],
        ),
        t(lang, "cli-bench-usage-copy", &[("rate", f(r.copy_rows_per_second)), ("ratio", g(r.batch_ratio_to_copy))]),
    ]
    .join("\n")
        + "\n"
}
