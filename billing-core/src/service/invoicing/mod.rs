//! Invoicing, the use case behind the invoice run (`jobs::invoice_run`) and the simulation
//! (`service::simulation`). The invoice run: invoices every active subscription whose billing period has started by the
//! as-of date (billing in advance), finalizes and numbers the invoices, and reports totals.
//!
//! Set-based and chunked: subscriptions are walked in id order, `chunk_size` at a time, each chunk
//! in one transaction that locks its rows (SKIP LOCKED), reserves a block of invoice numbers,
//! inserts invoices and lines with one statement each, and advances the subscriptions. Memory
//! stays flat however many subscriptions there are.
//!
//! Safe to re-run and to kill: a chunk commits whole or not at all, so a run killed midway leaves
//! no invoice without its subscription advanced and no reserved-but-unused number; the next run
//! picks up exactly where the committed work ends. The unique key (subscription, period start)
//! backs this up in the database. A dry run does the same work and rolls every chunk back.
//!
//! Several connections (ADR 0042): a real run with more due subscriptions than one chunk splits
//! them by id into up to `workers` parts of about equal size and walks each part on a connection
//! of its own, at the same time. The chunks' number reservations still queue on the series row
//! (gapless at every instant), so each chunk does everything that needs no number first.

mod chunk;
mod context;

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use uuid::Uuid;

pub use self::chunk::SAMPLE_PER_CODE;
use self::chunk::{ChunkOutcome, ChunkScope, Mode, Sampler, process_chunk};
use self::context::TenantContext;
use crate::error::{Error, Result};
use crate::ids::{InvoiceRunId, SubscriptionId, TenantId};
use crate::invoice::TotalsByCurrency;
use crate::run_report::{RunException, RunTotals};
use crate::store;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub as_of: NaiveDate,
    pub dry_run: bool,
    /// A real run for a date after the merchant's today is refused unless this is set: it would
    /// issue invoices dated in the future (and number them in a future series). Dry runs may always
    /// look ahead.
    pub allow_future: bool,
    /// Only this tenant; all tenants when `None`.
    pub tenant: Option<TenantId>,
    pub chunk_size: u32,
    /// At most this many connections invoice a tenant's subscriptions at once (a real run with
    /// more than one chunk due; fewer when the pool has none to spare). 1 to [`MAX_WORKERS`].
    pub workers: u32,
    /// Who started the run (recorded): `cli:<user>`, `api:<key prefix>`, `scheduler`.
    pub triggered_by: String,
}

/// The connections a run uses by default (`invoice_run.workers`): two, the number of cores of
/// the machine it was measured on (docs/performance.md).
pub const DEFAULT_WORKERS: u32 = 2;
/// The most connections a run may use.
pub const MAX_WORKERS: u32 = 16;

impl RunOptions {
    pub fn new(as_of: NaiveDate) -> Self {
        Self {
            as_of,
            dry_run: false,
            allow_future: false,
            tenant: None,
            chunk_size: 500,
            workers: DEFAULT_WORKERS,
            triggered_by: "cli".into(),
        }
    }
}

/// Receives progress as subscriptions are processed (a terminal progress bar, or nothing).
pub trait RunProgress: Send + Sync {
    fn add_total(&self, _subscriptions: u64) {}
    fn advance(&self, _subscriptions: u64) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Default)]
pub struct NoProgress;
impl RunProgress for NoProgress {}

#[derive(Debug, Clone, Serialize)]
pub struct TenantRunSummary {
    pub tenant_id: TenantId,
    /// The recorded run (dry runs are recorded too, marked dry; `None` only for simulations).
    pub run_id: Option<InvoiceRunId>,
    /// Due subscriptions looked at.
    pub subscriptions: u64,
    pub invoices: u64,
    /// Subscriptions not invoiced because of a blocking exception.
    pub skipped: u64,
    /// Gross totals per currency (the foundation's shape).
    pub totals: TotalsByCurrency,
    /// Net, VAT and gross per currency and per (currency, VAT category, rate).
    pub report: RunTotals,
    /// Every exception counted; `exceptions` holds the blocking ones and a sample of the warnings
    /// (at most [`SAMPLE_PER_CODE`] per code).
    pub exceptions_count: u64,
    pub exceptions: Vec<RunException>,
    /// How often this run was picked up again after a crash or an error left it unfinished.
    pub resumed: u32,
}

impl TenantRunSummary {
    fn empty(tenant_id: TenantId, run_id: Option<InvoiceRunId>) -> Self {
        Self {
            tenant_id,
            run_id,
            subscriptions: 0,
            invoices: 0,
            skipped: 0,
            totals: TotalsByCurrency::default(),
            report: RunTotals::default(),
            exceptions_count: 0,
            exceptions: Vec::new(),
            resumed: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub tenants: Vec<TenantRunSummary>,
    pub subscriptions: u64,
    pub invoices: u64,
    pub skipped: u64,
    pub exceptions: u64,
    pub totals: TotalsByCurrency,
    pub report: RunTotals,
}

/// Runs the invoice run over one or all tenants.
pub async fn run(
    pool: &PgPool,
    opts: &RunOptions,
    now: DateTime<Utc>,
    progress: &dyn RunProgress,
) -> Result<RunSummary> {
    if opts.chunk_size == 0 || opts.chunk_size > 10_000 {
        return Err(Error::invalid("chunk_size", "must be from 1 to 10000"));
    }
    if opts.workers == 0 || opts.workers > MAX_WORKERS {
        return Err(Error::invalid("workers", "must be from 1 to 16"));
    }
    let tenants = {
        let mut conn = pool.acquire().await?;
        let tenants = match opts.tenant {
            Some(t) => vec![t],
            None => store::tenants::list_ids(&mut conn).await?,
        };
        // Every merchant is checked before any is invoiced: a refused run writes nothing at all.
        if !opts.dry_run && !opts.allow_future {
            for &tenant in &tenants {
                let today = tenant_today(&mut conn, tenant, now).await?;
                if opts.as_of > today {
                    return Err(Error::RunDateInFuture { as_of: opts.as_of, today });
                }
            }
        }
        tenants
    };
    let mut summary = RunSummary {
        as_of: opts.as_of,
        dry_run: opts.dry_run,
        tenants: Vec::new(),
        subscriptions: 0,
        invoices: 0,
        skipped: 0,
        exceptions: 0,
        totals: TotalsByCurrency::default(),
        report: RunTotals::default(),
    };
    for tenant in tenants {
        let t = run_tenant(pool, tenant, opts, now, progress).await?;
        summary.subscriptions += t.subscriptions;
        summary.invoices += t.invoices;
        summary.skipped += t.skipped;
        summary.exceptions += t.exceptions_count;
        summary.totals.merge(&t.totals)?;
        summary.report.merge(&t.report)?;
        summary.tenants.push(t);
    }
    Ok(summary)
}

/// Today in the merchant's time zone: the latest date a real run may invoice for.
pub async fn tenant_today(conn: &mut PgConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<NaiveDate> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    Ok(now.with_timezone(&t.timezone).date_naive())
}

/// The as-of date of a run started without one: the merchant's today, or for a run over every
/// merchant the earliest of their todays (so no merchant is invoiced ahead of its own calendar).
pub async fn default_as_of(pool: &PgPool, tenant: Option<TenantId>, now: DateTime<Utc>) -> Result<NaiveDate> {
    let mut conn = pool.acquire().await?;
    let tenants = match tenant {
        Some(t) => vec![t],
        None => store::tenants::list_ids(&mut conn).await?,
    };
    let mut earliest = None;
    for t in tenants {
        let today = tenant_today(&mut conn, t, now).await?;
        earliest = Some(earliest.map_or(today, |e: NaiveDate| e.min(today)));
    }
    Ok(earliest.unwrap_or_else(|| now.date_naive()))
}

/// One tenant's run on one connection held throughout: it carries the run's advisory lock
/// (`store::locks::try_session_lock` on the run's id), which tells a later run whether this one is
/// still alive.
async fn run_tenant(
    pool: &PgPool,
    tenant_id: TenantId,
    opts: &RunOptions,
    now: DateTime<Utc>,
    progress: &dyn RunProgress,
) -> Result<TenantRunSummary> {
    let started = std::time::Instant::now();
    let mut conn = pool.acquire().await?;
    if !opts.dry_run {
        resume_due(&mut conn, tenant_id, opts.as_of, None, now).await?;
    }
    let ctx = TenantContext::load(&mut conn, tenant_id, opts.as_of).await?;
    let due = store::subscriptions::count_due(&mut conn, tenant_id, opts.as_of).await?;
    progress.add_total(u64::try_from(due).unwrap_or(0));
    let (run_id, resumed) = if opts.dry_run {
        let id = InvoiceRunId::new();
        store::runs::start(&mut conn, tenant_id, id, opts.as_of, true, &opts.triggered_by, now).await?;
        (id, false)
    } else if let Some(id) = store::runs::resume_abandoned(&mut conn, tenant_id, opts.as_of, now).await? {
        (id, true)
    } else {
        let id = InvoiceRunId::new();
        store::locks::try_session_lock(&mut conn, id.as_uuid()).await?;
        store::runs::start(&mut conn, tenant_id, id, opts.as_of, false, &opts.triggered_by, now).await?;
        (id, false)
    };

    // A dry run keeps its counts, totals and sampled exceptions here and records them at the
    // end (its chunks roll back; it leaves no row but its record); a real run records each
    // chunk's outcome in the chunk's own transaction.
    let sampler = if opts.dry_run {
        Sampler::default()
    } else {
        Sampler::with_taken(store::runs::warning_rows_per_code(&mut conn, tenant_id, run_id).await?)
    };
    let mode = if opts.dry_run { Mode::Dry } else { Mode::Real(run_id) };
    // A run that will more than double `invoices` (a first run, an import) refreshes the
    // planner's statistics once its first chunk is committed (`store::invoices::refresh_statistics`).
    let refresh_statistics =
        !opts.dry_run && due > store::planner::estimated_rows(&mut conn, store::planner::Table::Invoices).await?;
    let shared = Shared {
        ctx: &ctx,
        scope: ChunkScope { mode, as_of: opts.as_of, size: opts.chunk_size, only: None, upto: None, now },
        tenant_id,
        dry_run: opts.dry_run,
        sampler: Mutex::new(sampler),
        dry: Mutex::new(ChunkOutcome::default()),
        checkpoint: Mutex::new(std::time::Instant::now()),
        progress,
        stop: AtomicBool::new(false),
        refresh_statistics: AtomicBool::new(refresh_statistics),
    };
    let result: Result<()> = async {
        // A dry run stays on one connection: each of its chunks resumes the due pauses again in
        // its own transaction, which a second worker would wait for.
        let wanted = if opts.dry_run { 1 } else { parts_wanted(due, opts.chunk_size, opts.workers) };
        let mut extra = extra_connections(pool, wanted - 1).await;
        let offsets: Vec<i64> = (1..=extra.len() as i64).map(|k| due * k / (extra.len() as i64 + 1) - 1).collect();
        let ends = store::subscriptions::due_boundaries(&mut conn, tenant_id, opts.as_of, &offsets).await?;
        extra.truncate(ends.len());
        // Part k walks the ids after the end of part k - 1 up to its own end; the last part has
        // no end.
        let mut parts = Vec::with_capacity(ends.len() + 1);
        let mut after = Uuid::nil();
        let mut connections = std::iter::once(&mut *conn).chain(extra.iter_mut().map(|c| &mut **c));
        for end in ends.iter().copied().map(Some).chain(std::iter::once(None)) {
            let Some(c) = connections.next() else { break };
            parts.push(Part { conn: c, after, upto: end });
            after = end.unwrap_or(after);
        }
        let outcomes = work_all(&shared, parts).await;
        drop(extra);
        outcomes.into_iter().collect::<Result<Vec<()>>>()?;
        if opts.dry_run {
            let dry = std::mem::take(&mut *shared.dry.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            let ms = elapsed_ms(&mut shared.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            store::runs::add_progress(&mut conn, tenant_id, run_id, &dry.counts, &dry.totals, &dry.by_code, ms).await?;
            store::runs::set_exception_sample(&mut conn, tenant_id, run_id, &dry.exceptions).await?;
        } else {
            store::subscriptions::end_scheduled_cancellations(&mut conn, tenant_id, opts.as_of, None, now).await?;
        }
        Ok(())
    }
    .await;
    let mut checkpoint = shared.checkpoint.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);

    let status = if result.is_ok() { "completed" } else { "failed" };
    let finished = if result.is_ok() && !opts.dry_run && (due > 0 || resumed) {
        // A completed real run is an event for the merchant (`invoice_run.completed`), written
        // with the run's end. A run that found nothing due (a re-run of a finished one) is
        // recorded but writes nothing else: no event.
        finish_completed(&mut conn, tenant_id, run_id, opts.as_of, elapsed_ms(&mut checkpoint), now).await
    } else {
        store::runs::finish(&mut conn, tenant_id, run_id, status, elapsed_ms(&mut checkpoint), Utc::now().max(now))
            .await
    };
    if !opts.dry_run {
        store::locks::session_unlock(&mut conn, run_id.as_uuid()).await?;
    }
    result?;
    finished?;
    tracing::info!(run = %run_id, ms = started.elapsed().as_millis() as u64, "invoice run finished");
    let out = summary_from_record(&mut conn, tenant_id, run_id).await?;
    debug_assert!(!resumed || out.resumed > 0);
    Ok(out)
}

async fn finish_completed(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    run_id: InvoiceRunId,
    as_of: NaiveDate,
    duration_ms: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = conn.begin().await?;
    store::runs::finish(&mut tx, tenant_id, run_id, "completed", duration_ms, Utc::now().max(now)).await?;
    let completed = crate::outbox::OutboxMessage::InvoiceRunCompleted { run: run_id, as_of };
    store::outbox::enqueue(&mut tx, tenant_id, &[completed], now).await?;
    tx.commit().await?;
    Ok(())
}

/// What the workers of one tenant's run share.
struct Shared<'a> {
    ctx: &'a TenantContext,
    scope: ChunkScope,
    tenant_id: TenantId,
    dry_run: bool,
    sampler: Mutex<Sampler>,
    /// A dry run's outcome, recorded at the end.
    dry: Mutex<ChunkOutcome>,
    /// When the last chunk was recorded: each chunk adds the time since to the run's duration.
    checkpoint: Mutex<std::time::Instant>,
    progress: &'a dyn RunProgress,
    /// Set when a worker failed: the others stop after their current chunk.
    stop: AtomicBool,
    /// Set while the planner's statistics are to be refreshed after the next committed chunk
    /// (the first worker to commit one takes it).
    refresh_statistics: AtomicBool,
}

/// One worker's part of the run: the due subscriptions with an id after `after` and up to `upto`.
struct Part<'c> {
    conn: &'c mut PgConnection,
    after: Uuid,
    upto: Option<Uuid>,
}

/// How many parts a run with `due` subscriptions is split into: one per chunk at most, and one
/// for a run that fits into a chunk (its invoices numbered in id order as before).
fn parts_wanted(due: i64, chunk_size: u32, workers: u32) -> usize {
    let chunks = (due.max(0) as u64).div_ceil(u64::from(chunk_size.max(1)));
    usize::try_from(chunks.clamp(1, u64::from(workers.max(1)))).unwrap_or(1)
}

/// Up to `wanted` more connections for a run's workers. The run holds its own connection while
/// it asks, so it never waits long (architecture rule 6): a pool of one connection (embedded)
/// gives none, and a busy pool gives what it has within a moment; the run then uses fewer
/// workers.
async fn extra_connections(pool: &PgPool, wanted: usize) -> Vec<PoolConnection<Postgres>> {
    let mut out = Vec::new();
    if pool.options().get_max_connections() < 2 {
        return out;
    }
    while out.len() < wanted {
        match tokio::time::timeout(std::time::Duration::from_millis(250), pool.acquire()).await {
            Ok(Ok(c)) => out.push(c),
            _ => break,
        }
    }
    out
}

/// Runs every part at once on this task (the workers share `Shared` by reference) and returns
/// each part's result once all have ended.
fn work_all<'a>(
    shared: &'a Shared<'a>,
    mut parts: Vec<Part<'a>>,
) -> Pin<Box<dyn Future<Output = Vec<Result<()>>> + Send + 'a>> {
    Box::pin(async move {
        let Some(last) = parts.pop() else { return Vec::new() };
        let (mut done, one) = tokio::join!(work_all(shared, parts), work(shared, last));
        done.push(one);
        done
    })
}

/// One worker: the chunks of its part, one transaction each, until the part has nothing due.
async fn work(shared: &Shared<'_>, part: Part<'_>) -> Result<()> {
    let result = work_part(shared, part).await;
    if result.is_err() {
        shared.stop.store(true, Ordering::Relaxed);
    }
    result
}

async fn work_part(shared: &Shared<'_>, part: Part<'_>) -> Result<()> {
    let Part { conn, after, upto } = part;
    let scope = ChunkScope { upto, ..shared.scope };
    let (tenant_id, as_of, now) = (shared.tenant_id, scope.as_of, scope.now);
    let mut cursor = after;
    while !shared.stop.load(Ordering::Relaxed) {
        let mut tx = conn.begin().await?;
        if shared.dry_run {
            // What the real run does first (resume the pauses that end by its date), done in
            // this chunk's transaction, which the dry run rolls back: the dry run invoices what
            // the real run will.
            resume_due(&mut tx, tenant_id, as_of, None, now).await?;
        }
        let Some((next, outcome)) = process_chunk(&mut tx, shared.ctx, &scope, cursor, &shared.sampler).await? else {
            tx.rollback().await?;
            break;
        };
        cursor = next;
        shared.progress.advance(outcome.counts.subscriptions);
        match scope.mode {
            Mode::Real(run_id) => {
                let lap = std::time::Instant::now();
                // Each chunk adds the time since the last chunk of any worker was recorded: the
                // durations add up to the run's wall time.
                let ms = elapsed_ms(&mut shared.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
                store::runs::add_progress(
                    &mut tx,
                    tenant_id,
                    run_id,
                    &outcome.counts,
                    &outcome.totals,
                    &outcome.by_code,
                    ms,
                )
                .await?;
                let lap = crate::profile::lap(crate::profile::Phase::RecordProgress, lap);
                tx.commit().await?;
                crate::profile::lap(crate::profile::Phase::Commit, lap);
                if shared.refresh_statistics.swap(false, Ordering::Relaxed) {
                    store::invoices::refresh_statistics(conn).await?;
                }
            }
            Mode::Dry | Mode::Direct => {
                tx.rollback().await?;
                shared.dry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).merge(outcome)?;
            }
        }
    }
    Ok(())
}

fn elapsed_ms(checkpoint: &mut std::time::Instant) -> i64 {
    let ms = i64::try_from(checkpoint.elapsed().as_millis()).unwrap_or(i64::MAX);
    *checkpoint = std::time::Instant::now();
    ms
}

/// The tenant's summary as recorded: a resumed run reports the whole run, the part before the
/// crash included, exactly as `billing runs show` and the API do.
pub async fn summary_from_record(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    run_id: InvoiceRunId,
) -> Result<TenantRunSummary> {
    summary_of(super::invoice_runs::report(conn, tenant_id, run_id).await?)
}

/// A recorded run as a summary.
pub fn summary_of(report: super::invoice_runs::RunReport) -> Result<TenantRunSummary> {
    let counts = report.record.counts();
    let mut totals = TotalsByCurrency::default();
    for c in &report.totals.by_currency {
        let currency = crate::currency::Currency::from_code(&c.currency)?;
        totals.0.insert(
            c.currency.clone(),
            crate::invoice::CurrencyTotal {
                count: c.invoices,
                total: crate::money::Money::from_minor(c.total, currency),
            },
        );
    }
    Ok(TenantRunSummary {
        tenant_id: report.tenant,
        run_id: Some(report.record.run_id()),
        subscriptions: counts.subscriptions,
        invoices: counts.invoices,
        skipped: counts.skipped,
        totals,
        resumed: u32::try_from(report.record.resumed_count).unwrap_or(0),
        report: report.totals,
        exceptions_count: counts.exceptions,
        exceptions: report.exceptions,
    })
}

/// Invoices one subscription up to `as_of` on a connection the caller owns (and whose
/// transaction it commits or rolls back): used by simulations, which roll everything back.
/// Problems that would be exceptions of a run are errors here.
pub async fn run_one_on_connection(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    sub: SubscriptionId,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TenantRunSummary> {
    resume_due(conn, tenant_id, as_of, Some(sub), now).await?;
    let ctx = TenantContext::load(conn, tenant_id, as_of).await?;
    let mut out = TenantRunSummary::empty(tenant_id, None);
    let scope = ChunkScope { mode: Mode::Direct, as_of, size: 1, only: Some(sub), upto: None, now };
    if let Some((_, outcome)) = process_chunk(conn, &ctx, &scope, Uuid::nil(), &Mutex::new(Sampler::default())).await? {
        out.subscriptions = outcome.counts.subscriptions;
        out.invoices = outcome.counts.invoices;
        out.totals = outcome.by_currency;
        out.report = outcome.totals;
    }
    store::subscriptions::end_scheduled_cancellations(conn, tenant_id, as_of, Some(sub), now).await?;
    Ok(out)
}

/// The next invoice of a subscription, as the invoice run will make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upcoming {
    /// Its issue date: the subscription's next billing date.
    pub date: NaiveDate,
    pub net: crate::money::Money,
    pub tax: crate::money::Money,
    pub gross: crate::money::Money,
}

/// The next invoice of each subscription `(id, next billing date)`: the same rating, coupon,
/// usage-so-far and VAT decision as the invoice run (`chunk::preview_one`), nothing written. A
/// subscription the run would not invoice on that date (ended, paused, canceled by then) is
/// left out.
pub async fn upcoming(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    subs: &[(SubscriptionId, NaiveDate)],
) -> Result<Vec<(SubscriptionId, Upcoming)>> {
    if subs.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = store::tenants::get(conn, tenant_id).await?.ok_or_else(|| Error::not_found("tenant", tenant_id))?;
    upcoming_for(conn, &tenant, subs).await
}

/// [`upcoming`] for a tenant the caller has read already (the portal's request has it). Computed
/// on every call from the rows as they are now, never kept: the subscription, its plan, coupon and
/// customer and the usage so far are read by one statement each time (two for a metered plan),
/// so the amount is exact the moment a price, coupon, VAT id or event changes (docs/adr/0043).
pub async fn upcoming_for(
    conn: &mut PgConnection,
    tenant: &crate::tenant::Tenant,
    subs: &[(SubscriptionId, NaiveDate)],
) -> Result<Vec<(SubscriptionId, Upcoming)>> {
    let mut out = Vec::new();
    let mut dates: Vec<NaiveDate> = subs.iter().map(|(_, d)| *d).collect();
    dates.sort();
    dates.dedup();
    for date in dates {
        let ctx = TenantContext::for_preview(conn, tenant, date).await?;
        for (id, _) in subs.iter().filter(|(_, d)| *d == date) {
            if let Some(vat) = chunk::preview_one(conn, &ctx, date, *id).await? {
                out.push((*id, Upcoming { date, net: vat.net_total, tax: vat.tax_total, gross: vat.gross_total }));
            }
        }
    }
    Ok(out)
}

/// Paused subscriptions whose resume date has come are resumed before invoicing.
async fn resume_due(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    only: Option<SubscriptionId>,
    now: DateTime<Utc>,
) -> Result<()> {
    for id in store::subscriptions::due_resumptions(conn, tenant, as_of, only).await? {
        let mut tx = conn.begin().await?;
        if let Some(mut sub) = store::subscriptions::get_for_update(&mut tx, tenant, id).await?
            && let Some(on) = sub.resume_on
        {
            sub.resume(on)?;
            store::subscriptions::update(&mut tx, tenant, &sub, now).await?;
            crate::service::metrics::record(&mut tx, tenant, &sub, on, now).await?;
            // An automatic resume is an event like a resume through the API.
            let resumed = crate::outbox::OutboxMessage::SubscriptionResumed {
                subscription: sub.id,
                customer: sub.customer_id,
                on,
            };
            store::outbox::enqueue(&mut tx, tenant, &[resumed], now).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
