//! `billing bench api --customers N [--requests R] [--concurrency C] [--json] [--keep]`: reads
//! through the real API and the customer portal, measured against a floor served by the same
//! process in the same run (docs/performance.md).
//!
//! On a database of its own on `DATABASE_URL`'s server it loads the benchmark merchant with N
//! customers and subscriptions (`service::bench::load`), invoices them with the real invoice run,
//! issues an API key and signs some customers in to the portal. It then serves, on two loopback
//! ports of this process, the real router (API-key cache on, as `billing serve` runs it; rate
//! limits off) and the floor: a bare axum router whose one handler reads a customer by primary
//! key with sqlx and answers it as JSON, on the same connection pool. `C` keep-alive clients send
//! R requests per scenario, one scenario after the other:
//!
//! 1. the floor (`GET /customers/{uuid}` on the bare router);
//! 2. `GET /api/v1/customers/{id}`;
//! 3. `GET /api/v1/invoices?customer={id}` (a customer's invoices, first page);
//! 4. the portal's overview page (`GET /p/{tenant}/`) of a signed-in customer;
//! 5. the floor again.
//!
//! With `--during-run`, the invoice run is not done before the reads but started in this process
//! once the servers listen, and the floor and the portal's overview page are measured first while
//! it runs (`floor_during_run`, `portal_overview_during_run`: only requests answered before the
//! run ended are counted, and a scenario stops when it ends); the other scenarios follow after it.
//! The goal for the overview page during a large run is a p99 under 100 ms.
//!
//! Every answer must be 200 (the portal's must be the signed-in page). Each scenario's rate and
//! p99 are given as ratios to the floor (the mean of runs 1 and 5): the machine may be shared, so
//! the absolute figures move more than the ratios. The client runs on the same cores as the
//! servers and the database.

// Seconds, rates and ratios of a measurement, never money.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use billing_core::ids::CustomerId;
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_core::ports::clock::SystemClock;
use billing_core::service::bench as core_bench;
use serde::Serialize;
use sqlx::PgPool;

use super::t;
use crate::config::Config;

#[derive(Debug, Clone)]
pub struct ApiArgs {
    pub customers: i64,
    pub requests: usize,
    pub concurrency: usize,
    pub json: bool,
    pub keep: bool,
    /// Measure the floor and the overview page while the invoice run runs (see the module docs).
    pub during_run: bool,
}

/// Customers signed in to the portal (one session each) and customers the reads pick from.
const SAMPLE: i64 = 500;

/// One scenario's measurement.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub requests: usize,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Throughput as a share of the floor's (the goal: at least 0.7).
    pub ratio_to_floor: f64,
    /// p99 as a multiple of the floor's p99 (the goal: at most 1.5).
    pub p99_ratio_to_floor: f64,
}

/// Everything one `bench api` measured; the JSON line is this.
#[derive(Debug, Serialize)]
pub struct ApiReport {
    pub database: String,
    pub customers: i64,
    pub invoices: u64,
    pub concurrency: usize,
    pub requests: usize,
    /// `floor` (the mean of the first and the last floor run), `floor_first`, `floor_last`,
    /// `customer`, `customer_invoices`, `portal_overview`; with `--during-run` also
    /// `floor_during_run` and `portal_overview_during_run` (their ratios are to
    /// `floor_during_run`).
    pub scenarios: BTreeMap<String, Scenario>,
    /// With `--during-run`: the run's length and whether the measurement ended before it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub during_run: Option<DuringRun>,
}

/// The invoice run the `_during_run` scenarios were measured against.
#[derive(Debug, Serialize)]
pub struct DuringRun {
    pub run_seconds: f64,
    /// Requests of the `_during_run` scenarios answered while the run was going (all that count).
    pub requests_while_running: usize,
    /// False when the run ended before the scenarios had sent all their requests (a small N).
    pub measurement_ended_first: bool,
}

pub async fn api(config: &Config, lang: &str, args: ApiArgs) -> anyhow::Result<ApiReport> {
    if !(1..=10_000_000).contains(&args.customers)
        || !(1..=10_000_000).contains(&args.requests)
        || !(1..=256).contains(&args.concurrency)
    {
        anyhow::bail!("{}", t(lang, "bench-api-range", &[]));
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

/// The floor's answer: the customer's own columns, as JSON.
#[derive(Debug, Serialize, sqlx::FromRow)]
struct FloorCustomer {
    id: uuid::Uuid,
    email: String,
    name: String,
    country: String,
    currency: String,
    locale: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// The floor's one handler: a primary-key lookup with sqlx, answered as JSON.
async fn floor_customer(
    axum::extract::State((pool, tenant)): axum::extract::State<(PgPool, uuid::Uuid)>,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
) -> Result<axum::Json<FloorCustomer>, axum::http::StatusCode> {
    sqlx::query_as::<_, FloorCustomer>(
        "SELECT id, email, name, country::text, currency::text, locale, created_at FROM customers
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&pool)
    .await
    .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?
    .map(axum::Json)
    .ok_or(axum::http::StatusCode::NOT_FOUND)
}

async fn measure(config: &Config, pool: &PgPool, name: &str, lang: &str, args: &ApiArgs) -> anyhow::Result<ApiReport> {
    billing_core::store::MIGRATOR.run(pool).await.context("running migrations")?;
    let mut conn = pool.acquire().await?;
    say(args.json, t(lang, "cli-bench-loading", &[("count", args.customers.to_string())]));
    let loaded = core_bench::load(&mut conn, args.customers).await?;
    drop(conn);
    let mut opts = RunOptions::new(loaded.as_of);
    opts.tenant = Some(loaded.tenant);
    opts.triggered_by = "bench".into();
    let mut summary = None;
    if !args.during_run {
        say(args.json, t(lang, "cli-bench-running", &[("count", loaded.due.to_string())]));
        summary = Some(invoice_run::run(pool, &opts, loaded.now, &NoProgress).await?);
    }

    let mut conn = pool.acquire().await?;
    let sample: Vec<CustomerId> = core_bench::sample_customers(&mut conn, loaded.tenant, SAMPLE).await?;
    anyhow::ensure!(!sample.is_empty(), "the benchmark merchant has no customer");
    let key = billing_core::service::api_keys::create(
        &mut conn,
        loaded.tenant,
        "bench",
        &["full".to_string()],
        chrono::Utc::now(),
    )
    .await?;
    let mut sessions = Vec::with_capacity(sample.len());
    for c in &sample {
        let claims = billing_core::store::portal::LinkClaims::default();
        let token = crate::web::session::start(&mut conn, loaded.tenant, *c, &claims, 24, chrono::Utc::now()).await?;
        sessions.push(format!("{}={token}", crate::web::session::SESSION_COOKIE));
    }
    // Statistics of the loaded database as autovacuum would keep them, the sessions included: a
    // table analyzed while empty keeps plans made for an empty table (`portal_sessions` was read
    // through its tenant index, every session filtered, until autovacuum came by).
    billing_core::store::bench::analyze(&mut conn).await?;
    drop(conn);

    // The real router, as `billing serve` builds it, and the floor, each on a loopback port.
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
    let floor_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let floor_base = format!("http://{}", floor_listener.local_addr()?);
    let floor_router = axum::Router::new()
        .route("/customers/{id}", axum::routing::get(floor_customer))
        .with_state((pool.clone(), loaded.tenant.as_uuid()));
    let (floor_stop, floor_stopped) = tokio::sync::oneshot::channel::<()>();
    let floor_server = tokio::spawn(async move {
        axum::serve(floor_listener, floor_router)
            .with_graceful_shutdown(async move {
                let _ = floor_stopped.await;
            })
            .await
    });

    let bearer = format!("Bearer {}", key.secret);
    let plan = |f: &dyn Fn(usize) -> Request| (0..sample.len()).map(f).collect::<Vec<_>>();
    let floor = plan(&|i| Request::get(format!("{floor_base}/customers/{}", sample[i].as_uuid())));
    let customer =
        plan(&|i| Request::get(format!("{base}/api/v1/customers/{}", sample[i])).header("authorization", &bearer));
    let invoices = plan(&|i| {
        Request::get(format!("{base}/api/v1/invoices?customer={}&limit=20", sample[i])).header("authorization", &bearer)
    });
    let portal = plan(&|i| {
        Request::get(format!("{base}/p/{}/", core_bench::SLUG))
            .header("cookie", &sessions[i])
            .header("accept-language", "en")
            // Only a signed-in page offers to sign out.
            .expect_text("/sign-out\"")
    });

    let mut during = None;
    let mut runs: Vec<(&str, Run)> = Vec::new();
    if args.during_run {
        say(args.json, t(lang, "cli-bench-running", &[("count", loaded.due.to_string())]));
        let running = Arc::new(AtomicBool::new(true));
        let started = Instant::now();
        let task = {
            let (pool, running, now) = (pool.clone(), running.clone(), loaded.now);
            tokio::spawn(async move {
                let r = invoice_run::run(&pool, &opts, now, &NoProgress).await;
                running.store(false, Ordering::SeqCst);
                r
            })
        };
        let mut answered = 0;
        for (label, requests) in [("floor_during_run", &floor), ("portal_overview_during_run", &portal)] {
            say(args.json, t(lang, "bench-api-measuring", &[("scenario", label.to_string())]));
            let run = drive(requests, args.requests, args.concurrency, Some(&running))
                .await
                .with_context(|| label.to_string())?;
            answered += run.requests;
            runs.push((label, run));
        }
        let ended_first = running.load(Ordering::SeqCst);
        summary = Some(task.await.context("the invoice run")??);
        during = Some(DuringRun {
            run_seconds: started.elapsed().as_secs_f64(),
            requests_while_running: answered,
            measurement_ended_first: ended_first,
        });
    }
    let summary = summary.context("the invoice run")?;
    for (label, requests) in [
        ("floor_first", &floor),
        ("customer", &customer),
        ("customer_invoices", &invoices),
        ("portal_overview", &portal),
        ("floor_last", &floor),
    ] {
        say(args.json, t(lang, "bench-api-measuring", &[("scenario", label.to_string())]));
        let run = drive(requests, args.requests, args.concurrency, None).await.with_context(|| label.to_string())?;
        runs.push((label, run));
    }
    let _ = stop.send(());
    let _ = floor_stop.send(());
    let _ = server.await;
    let _ = floor_server.await;

    let run_of = |name: &str| runs.iter().find(|(label, _)| *label == name).map(|(_, run)| run);
    let first = run_of("floor_first").context("floor_first")?;
    let last = run_of("floor_last").context("floor_last")?;
    let floor_rate = (first.rate() + last.rate()) / 2.0;
    let floor_p99 = (first.p99 + last.p99) / 2.0;
    let scenario = |r: &Run, floor_rate: f64, floor_p99: f64| Scenario {
        requests: r.requests,
        seconds: r.seconds,
        requests_per_second: r.rate(),
        p50_ms: r.p50,
        p99_ms: r.p99,
        ratio_to_floor: r.rate() / floor_rate.max(1e-9),
        p99_ratio_to_floor: r.p99 / floor_p99.max(1e-9),
    };
    // The scenarios measured during the run compare with the floor measured during the run.
    let during_floor = run_of("floor_during_run").map(|r| (r.rate(), r.p99));
    let mut scenarios: BTreeMap<String, Scenario> = runs
        .iter()
        .map(|(label, run)| {
            let (rate, p99) = match during_floor {
                Some(floor) if label.ends_with("_during_run") => floor,
                _ => (floor_rate, floor_p99),
            };
            (label.to_string(), scenario(run, rate, p99))
        })
        .collect();
    scenarios.insert(
        "floor".into(),
        Scenario {
            requests: first.requests + last.requests,
            seconds: first.seconds + last.seconds,
            requests_per_second: floor_rate,
            p50_ms: (first.p50 + last.p50) / 2.0,
            p99_ms: floor_p99,
            ratio_to_floor: 1.0,
            p99_ratio_to_floor: 1.0,
        },
    );
    Ok(ApiReport {
        database: name.to_string(),
        customers: args.customers,
        invoices: summary.invoices,
        concurrency: args.concurrency,
        requests: args.requests,
        scenarios,
        during_run: during,
    })
}

/// One request of a scenario: the URL, its headers and, for pages, a text the answer must hold.
#[derive(Debug, Clone)]
struct Request {
    url: String,
    headers: Vec<(&'static str, String)>,
    expect: Option<&'static str>,
}

impl Request {
    fn get(url: String) -> Self {
        Self { url, headers: Vec::new(), expect: None }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    fn expect_text(mut self, text: &'static str) -> Self {
        self.expect = Some(text);
        self
    }
}

/// A scenario's raw figures.
#[derive(Debug)]
struct Run {
    requests: usize,
    seconds: f64,
    p50: f64,
    p99: f64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Sends `total` requests (cycling through `requests`) from `concurrency` keep-alive clients,
/// after a warm-up of one round per client (connections opened, statements prepared) that is not
/// counted. Any answer but 200, or a page without its expected text, ends the benchmark.
///
/// With `while_set`, a client stops when the flag is cleared, and only the requests answered
/// while it was set are counted.
async fn drive(
    requests: &[Request],
    total: usize,
    concurrency: usize,
    while_set: Option<&Arc<AtomicBool>>,
) -> anyhow::Result<Run> {
    let requests = Arc::new(requests.to_vec());
    let clients: Vec<reqwest::Client> =
        (0..concurrency).map(|_| reqwest::Client::builder().build()).collect::<Result<_, _>>()?;
    let warm = concurrency * 4;
    for (i, client) in clients.iter().cycle().take(warm).enumerate() {
        send(client, &requests[i % requests.len()]).await?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for client in clients {
        let (requests, next, flag) = (requests.clone(), next.clone(), while_set.cloned());
        let going = move || flag.as_ref().is_none_or(|f| f.load(Ordering::SeqCst));
        tasks.spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || !going() {
                    break;
                }
                let sent = Instant::now();
                send(&client, &requests[i % requests.len()]).await?;
                if !going() {
                    break;
                }
                times.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(times)
        });
    }
    let mut all = Vec::with_capacity(total);
    while let Some(done) = tasks.join_next().await {
        all.extend(done??);
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Run { requests: all.len(), seconds, p50: percentile(&mut all, 50), p99: percentile(&mut all, 99) })
}

async fn send(client: &reqwest::Client, r: &Request) -> anyhow::Result<()> {
    let mut request = client.get(&r.url);
    for (name, value) in &r.headers {
        request = request.header(*name, value);
    }
    let answer = request.send().await?;
    let status = answer.status();
    let body = answer.text().await?;
    if status != reqwest::StatusCode::OK {
        anyhow::bail!("{} answered {status}: {}", r.url, body.chars().take(500).collect::<String>());
    }
    if let Some(text) = r.expect
        && !body.contains(text)
    {
        anyhow::bail!("{} answered without {text:?}: {}", r.url, body.chars().take(500).collect::<String>());
    }
    Ok(())
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
pub fn render(r: &ApiReport, lang: &str) -> String {
    let g = |v: f64| format!("{v:.2}");
    let mut out = vec![t(
        lang,
        "bench-api-setup",
        &[
            ("customers", r.customers.to_string()),
            ("invoices", r.invoices.to_string()),
            ("requests", r.requests.to_string()),
            ("concurrency", r.concurrency.to_string()),
        ],
    )];
    for label in
        ["floor", "customer", "customer_invoices", "portal_overview", "floor_during_run", "portal_overview_during_run"]
    {
        if let Some(s) = r.scenarios.get(label) {
            out.push(t(
                lang,
                "bench-api-scenario",
                &[
                    ("scenario", label.to_string()),
                    ("rate", format!("{:.0}", s.requests_per_second)),
                    ("p50", g(s.p50_ms)),
                    ("p99", g(s.p99_ms)),
                    ("ratio", g(s.ratio_to_floor)),
                    ("p99ratio", g(s.p99_ratio_to_floor)),
                ],
            ));
        }
    }
    if let Some(d) = &r.during_run {
        out.push(t(
            lang,
            "bench-api-during-run",
            &[
                ("seconds", g(d.run_seconds)),
                ("requests", d.requests_while_running.to_string()),
                ("ended", if d.measurement_ended_first { "yes" } else { "no" }.to_string()),
            ],
        ));
    }
    out.join("\n") + "\n"
}
