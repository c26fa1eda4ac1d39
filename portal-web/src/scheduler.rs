//! The scheduler of `billing serve`: tokio-cron-scheduler fires the billing-core jobs on the
//! cron schedules in `[jobs]` (blank disables one). A job run takes the lease `schedule:<job>`
//! (`billing_core::store::locks`), so with several `billing serve` processes on one database only
//! one runs it at a time; the jobs themselves are safe to re-run, so a missed or doubled tick
//! changes nothing but timing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context;
use billing_core::clock::Clock;
use sqlx::PgPool;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::Config;

type JobFn =
    Arc<dyn Fn(PgPool, Arc<dyn Clock>) -> Pin<Box<dyn Future<Output = anyhow::Result<u64>> + Send>> + Send + Sync>;

/// The scheduled jobs by name (the names `billing jobs run` takes).
fn jobs(
    config: &Config,
    gateways: Arc<gateway_adapters::directory::Directory>,
    mailer: Arc<crate::mail::Mailer>,
) -> Vec<(&'static str, String, JobFn)> {
    let vies = Arc::new(crate::vies::HttpVies::new(&config.vies));
    let dunning_gateways = gateways.clone();
    let webhook_gateways = gateways.clone();
    let webhooks = crate::webhook_delivery::WebhookSender::new(&config.webhooks, config.mail.message_domain())
        .map(Arc::new)
        .map_err(|e| format!("[webhooks]: {e:#}"));
    let request_log_days = config.api.request_log_days;
    let retention_days = config.outbox.retention_days;
    let (run_hour, chunk_size, workers) =
        (config.jobs.invoice_run_hour, config.invoice_run.chunk_size, config.invoice_run.workers);
    let fx = config.fx.clone();
    vec![
        (
            "invoice-run",
            config.jobs.invoice_run.clone(),
            Arc::new(move |pool, clock| {
                Box::pin(async move {
                    use billing_core::jobs::scheduled_invoice_run::{Options, run};
                    let outcomes = run(&pool, &Options::scheduled(run_hour, chunk_size, workers), clock.now()).await?;
                    Ok(outcomes.iter().map(|o| o.invoices).sum())
                })
            }),
        ),
        (
            "fx-import",
            if fx.url.trim().is_empty() && fx.folder.trim().is_empty() {
                String::new()
            } else {
                config.jobs.fx_import.clone()
            },
            Arc::new(move |pool, clock| {
                let fx = fx.clone();
                Box::pin(
                    async move { Ok(crate::fx_source::run(&pool, &fx, clock.now()).await?.map_or(0, |d| d.rates)) },
                )
            }),
        ),
        (
            "metrics-snapshot",
            config.jobs.metrics_snapshot.clone(),
            Arc::new(|pool, clock| {
                Box::pin(async move {
                    Ok(billing_core::service::metrics_snapshot::run(&pool, clock.now(), None, None).await?.rows)
                })
            }),
        ),
        (
            "predunning",
            config.jobs.predunning.clone(),
            Arc::new(|pool, clock| {
                Box::pin(
                    async move { Ok(billing_core::service::predunning::run(&pool, clock.now(), None).await?.queued()) },
                )
            }),
        ),
        (
            "purge-outbox",
            config.jobs.purge_outbox.clone(),
            Arc::new(move |pool, clock| {
                Box::pin(async move {
                    let p = billing_core::service::outbox_purge::run(&pool, clock.now(), retention_days).await?;
                    Ok(p.events + p.mails + p.webhook_deliveries)
                })
            }),
        ),
        (
            "webhooks",
            config.jobs.webhooks.clone(),
            Arc::new(move |pool, clock| {
                let (gateways, webhooks) = (webhook_gateways.clone(), webhooks.clone());
                Box::pin(async move {
                    let sender = webhooks.map_err(anyhow::Error::msg)?;
                    let key = gateways.secrets().map_err(anyhow::Error::msg)?;
                    let run = crate::webhook_delivery::run(&pool, &sender, key, clock.now()).await?;
                    Ok(run.sent + run.retried + run.failed)
                })
            }),
        ),
        (
            "prune-request-log",
            config.jobs.prune_request_log.clone(),
            Arc::new(move |pool, clock| {
                Box::pin(async move {
                    Ok(billing_core::service::request_log::prune(&pool, clock.now(), request_log_days).await?)
                })
            }),
        ),
        (
            "mail",
            config.jobs.mail.clone(),
            Arc::new(move |pool, clock| {
                let mailer = mailer.clone();
                Box::pin(async move {
                    let run = crate::mail::run(&pool, &mailer, clock.now()).await?;
                    Ok(run.sent)
                })
            }),
        ),
        (
            "collect",
            config.jobs.collect.clone(),
            Arc::new(move |pool, clock| {
                let gateways = gateways.clone();
                Box::pin(async move {
                    let s = billing_core::jobs::collection::run_collection(&pool, gateways.as_ref(), clock.now(), None)
                        .await?;
                    Ok(s.collected)
                })
            }),
        ),
        (
            "dunning",
            config.jobs.dunning.clone(),
            Arc::new(move |pool, clock| {
                let gateways = dunning_gateways.clone();
                Box::pin(async move {
                    let texts = crate::mail::FluentChargeTexts;
                    let s = billing_core::service::dunning::run_localized(
                        &pool,
                        gateways.as_ref(),
                        &texts,
                        clock.now(),
                        None,
                    )
                    .await?;
                    let acted = s.notices + s.charged + s.restricted + s.paused + s.canceled;
                    Ok(s.retried + s.retries_skipped + s.emails + s.uncollectible + acted)
                })
            }),
        ),
        (
            "finalize-drafts",
            config.jobs.finalize_drafts.clone(),
            Arc::new(|pool, clock| {
                Box::pin(
                    async move { Ok(billing_core::service::invoices::finalize_due_drafts(&pool, clock.now()).await?) },
                )
            }),
        ),
        (
            "apply-credit",
            config.jobs.apply_credit.clone(),
            Arc::new(|pool, clock| {
                Box::pin(async move {
                    Ok(billing_core::service::invoices::apply_balances_to_open_invoices(&pool, clock.now()).await?)
                })
            }),
        ),
        (
            "vies-recheck",
            config.jobs.vies_recheck.clone(),
            Arc::new(move |pool, clock| {
                let vies = vies.clone();
                Box::pin(async move {
                    let s =
                        billing_core::service::vat_check::recheck_unverified(&pool, vies.as_ref(), clock.now(), 1000)
                            .await?;
                    Ok(s.checked)
                })
            }),
        ),
    ]
}

/// Runs `job` under the lease `schedule:<name>`; skips the tick when another node holds it. The
/// lease does not pin a connection, so this works on the embedded database's single one too.
async fn run_locked(name: &'static str, pool: PgPool, clock: Arc<dyn Clock>, job: JobFn) {
    let started = std::time::Instant::now();
    let lease = format!("schedule:{name}");
    let result = if PER_TENANT.contains(&name) {
        job(pool, clock).await.map(Some)
    } else if UNLEASED.contains(&name) {
        recorded(name, pool.clone(), clock, job).await.map(Some)
    } else {
        let recorded = recorded(name, pool.clone(), clock, job);
        billing_core::store::locks::with_lease(&pool, &lease, LEASE_TTL, recorded).await
    };
    match result {
        Ok(Some(count)) => tracing::info!(job = name, count, ms = started.elapsed().as_millis() as u64, "job done"),
        Ok(None) => tracing::info!(job = name, "job already running on another node; tick skipped"),
        Err(e) => tracing::error!(job = name, error = %e, "job failed; the next tick retries"),
    }
}

/// Runs `job`, recorded in `job_runs` (started before, finished after, with its count or error).
async fn recorded(name: &'static str, pool: PgPool, clock: Arc<dyn Clock>, job: JobFn) -> anyhow::Result<u64> {
    use billing_core::store::job_runs::{self, Trigger};
    let id = {
        let mut conn = pool.acquire().await?;
        job_runs::start(&mut conn, name, None, Trigger::Schedule, clock.now()).await?
    };
    let result = job(pool.clone(), clock.clone()).await;
    let mut conn = pool.acquire().await?;
    match &result {
        // A frequent job's idle tick is not worth a row (the mail job ticks every 20 seconds).
        Ok(0) if UNLEASED.contains(&name) => job_runs::discard(&mut conn, id).await?,
        Ok(done) => job_runs::finish(&mut conn, id, *done, 0, None, clock.now()).await?,
        Err(e) => job_runs::finish(&mut conn, id, 0, 0, Some(&format!("{e:#}")), clock.now()).await?,
    }
    result
}

/// Jobs that claim each item themselves (`FOR UPDATE SKIP LOCKED`, timed claims) and so run on
/// every node at once without doing anything twice. They take no job lease: a node killed while
/// holding one would otherwise stop them everywhere until it expired.
const UNLEASED: &[&str] = &["mail", "webhooks"];

/// Jobs that take a lease and record their run per tenant themselves (the invoice run: two nodes
/// may run two tenants' runs side by side, never one tenant's twice).
const PER_TENANT: &[&str] = &["invoice-run"];

/// How long a scheduled job's lease lasts without renewal (renewed while the job runs).
const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Starts the scheduler with every job that has a schedule. The returned handle keeps it alive.
/// `gateways` is the server's own directory, so the sandbox webhooks its jobs cause are queued
/// where this server delivers them.
pub async fn start(
    config: &Config,
    pool: PgPool,
    clock: Arc<dyn Clock>,
    gateways: Arc<gateway_adapters::directory::Directory>,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await.context("starting the job scheduler")?;
    let mailer = Arc::new(crate::mail::Mailer::new(&config.mail, &config.database.embedded_dir).context("[mail]")?);
    for (name, schedule, job) in jobs(config, gateways, mailer) {
        if schedule.trim().is_empty() {
            // (fx-import also when `[fx]` names no source.)
            tracing::info!(job = name, "job disabled (blank schedule)");
            continue;
        }
        let (pool, clock) = (pool.clone(), clock.clone());
        let entry = Job::new_async(schedule.as_str(), move |_id, _scheduler| {
            let (pool, clock, job) = (pool.clone(), clock.clone(), job.clone());
            Box::pin(async move { run_locked(name, pool, clock, job).await })
        })
        .with_context(|| format!("jobs.{}: `{schedule}` is not a cron schedule", name.replace('-', "_")))?;
        scheduler.add(entry).await.with_context(|| format!("scheduling {name}"))?;
        tracing::info!(job = name, %schedule, "job scheduled");
    }
    scheduler.start().await.context("starting the job scheduler")?;
    Ok(scheduler)
}
