//! `billing jobs run NAME`: one scheduled job, now (what the scheduler runs; safe to re-run),
//! recorded in `job_runs`; `billing jobs list`: the recorded runs.

use billing_core::store;
use billing_core::store::job_runs::Trigger;

use super::{Ctx, Job, t};

/// The job's name (as in `[jobs]` and `job_runs`).
fn name(job: &Job) -> &'static str {
    match job {
        Job::Collect { .. } => "collect",
        Job::Dunning { .. } => "dunning",
        Job::FinalizeDrafts => "finalize-drafts",
        Job::ApplyCredit => "apply-credit",
        Job::ViesRecheck => "vies-recheck",
        Job::Mail => "mail",
        Job::Webhooks => "webhooks",
        Job::PruneRequestLog => "prune-request-log",
        Job::Predunning { .. } => "predunning",
        Job::PurgeOutbox => "purge-outbox",
        Job::InvoiceRun { .. } => billing_core::jobs::scheduled_invoice_run::JOB,
        Job::FxImport => "fx-import",
        Job::MetricsSnapshot { .. } => "metrics-snapshot",
    }
}

pub async fn run(ctx: &Ctx, job: Job) -> anyhow::Result<()> {
    if let Job::InvoiceRun { as_of, tenant } = job {
        // Recorded per merchant by the job itself.
        return invoice_run(ctx, as_of, tenant.as_deref()).await;
    }
    let pool = &ctx.db().pool;
    let name = name(&job);
    let id = {
        let mut conn = pool.acquire().await?;
        store::job_runs::start(&mut conn, name, None, Trigger::Cli, ctx.clock().now()).await?
    };
    let result = run_job(ctx, job).await;
    let mut conn = pool.acquire().await?;
    let now = ctx.clock().now();
    match &result {
        Ok((done, failed)) => store::job_runs::finish(&mut conn, id, *done, *failed, None, now).await?,
        Err(e) => store::job_runs::finish(&mut conn, id, 0, 0, Some(&format!("{e:#}")), now).await?,
    }
    result.map(|_| ())
}

/// Runs the job; returns how many items it did and how many failed.
async fn run_job(ctx: &Ctx, job: Job) -> anyhow::Result<(u64, u64)> {
    let (pool, lang, now) = (&ctx.db().pool, ctx.lang, ctx.clock().now());
    let counts = match job {
        Job::Collect { as_of } => {
            // The serving process's gateway directory when there is one (its sandbox state).
            let gateways = ctx.app_state().gateways.clone();
            let summary = billing_core::jobs::collection::run_collection(pool, gateways.as_ref(), now, as_of).await?;
            if !summary.ran {
                ctx.out.line(t(lang, "cli-collect-locked", &[]));
                return Ok((0, 0));
            }
            let as_of = as_of.unwrap_or_else(|| now.date_naive()).to_string();
            ctx.out.line(t(
                lang,
                "cli-collect-summary",
                &[
                    ("as_of", as_of),
                    ("collected", summary.collected.to_string()),
                    ("failed", summary.failed.to_string()),
                    ("redriven", summary.redriven.to_string()),
                    ("rechecked", summary.rechecked.to_string()),
                    ("skipped", summary.skipped.to_string()),
                    ("refunds", summary.refunds_finished.to_string()),
                ],
            ));
            (summary.collected, summary.failed)
        }
        Job::Dunning { as_of } => {
            let gateways = ctx.app_state().gateways.clone();
            let texts = crate::mail::FluentChargeTexts;
            let s = billing_core::service::dunning::run_localized(pool, gateways.as_ref(), &texts, now, as_of).await?;
            if !s.ran {
                ctx.out.line(t(lang, "dunning-cli-locked", &[]));
                return Ok((0, 0));
            }
            ctx.out.line(t(
                lang,
                "dunning-cli-summary",
                &[
                    ("invoices", s.invoices.to_string()),
                    ("retried", s.retried.to_string()),
                    ("recovered", s.recovered.to_string()),
                    ("skipped", s.retries_skipped.to_string()),
                    ("emails", s.emails.to_string()),
                    ("uncollectible", s.uncollectible.to_string()),
                    ("failed", s.failed.to_string()),
                ],
            ));
            ctx.out.line(t(
                lang,
                "dunning-cli-actions",
                &[
                    ("notices", s.notices.to_string()),
                    ("charged", s.charged.to_string()),
                    ("restricted", s.restricted.to_string()),
                    ("paused", s.paused.to_string()),
                    ("canceled", s.canceled.to_string()),
                ],
            ));
            if s.held > 0 {
                // Staff paused their dunning (docs/adr/0039): no step was taken for them.
                ctx.out.line(t(lang, "console-dunning-pause-cli-held", &[("held", s.held.to_string())]));
            }
            let acted = s.notices + s.charged + s.restricted + s.paused + s.canceled;
            (s.retried + s.retries_skipped + s.emails + s.uncollectible + acted, s.failed)
        }
        Job::FinalizeDrafts => {
            let count = billing_core::service::invoices::finalize_due_drafts(pool, now).await?;
            ctx.out.line(t(lang, "cli-job-done", &[("name", "finalize-drafts".into()), ("count", count.to_string())]));
            (count, 0)
        }
        Job::ApplyCredit => {
            let count = billing_core::service::invoices::apply_balances_to_open_invoices(pool, now).await?;
            ctx.out.line(t(lang, "cli-job-done", &[("name", "apply-credit".into()), ("count", count.to_string())]));
            (count, 0)
        }
        Job::ViesRecheck => {
            let vies = crate::vies::HttpVies::new(&ctx.config().vies);
            let s = billing_core::service::vat_check::recheck_unverified(pool, &vies, now, 1000).await?;
            ctx.out.line(t(
                lang,
                "cli-vies-rechecked",
                &[
                    ("checked", s.checked.to_string()),
                    ("valid", s.valid.to_string()),
                    ("invalid", s.invalid.to_string()),
                    ("unverified", s.still_unverified.to_string()),
                ],
            ));
            (s.checked, 0)
        }
        Job::Mail => {
            let config = ctx.config();
            let mailer = crate::mail::Mailer::new(&config.mail, &config.database.embedded_dir)?;
            let run = crate::mail::run(pool, &mailer, now).await?;
            ctx.out.line(t(
                lang,
                "mail-cli-run",
                &[
                    ("sent", run.sent.to_string()),
                    ("retried", run.retried.to_string()),
                    ("failed", run.failed.to_string()),
                    ("suppressed", run.suppressed.to_string()),
                    ("where", mailer.outgoing.describe()),
                ],
            ));
            (run.sent, run.failed + run.retried)
        }
        Job::Webhooks => {
            let config = ctx.config();
            let sender = crate::webhook_delivery::WebhookSender::new(&config.webhooks, config.mail.message_domain())?;
            let gateways = ctx.app_state().gateways.clone();
            let key = gateways.secrets().map_err(anyhow::Error::msg)?;
            let run = crate::webhook_delivery::run(pool, &sender, key, now).await?;
            ctx.out.line(t(
                lang,
                "cli-webhooks-run",
                &[
                    ("events", run.messages.to_string()),
                    ("sent", run.sent.to_string()),
                    ("retried", run.retried.to_string()),
                    ("failed", run.failed.to_string()),
                    ("disabled", run.disabled.to_string()),
                ],
            ));
            (run.sent, run.failed + run.retried)
        }
        Job::PruneRequestLog => {
            let days = ctx.config().api.request_log_days;
            let count = billing_core::service::request_log::prune(pool, now, days).await?;
            ctx.out.line(t(
                lang,
                "cli-request-log-pruned",
                &[("count", count.to_string()), ("days", days.to_string())],
            ));
            (count, 0)
        }
        Job::Predunning { as_of } => {
            let s = billing_core::service::predunning::run(pool, now, as_of).await?;
            if !s.ran {
                ctx.out.line(t(lang, "predunning-cli-locked", &[]));
                return Ok((0, 0));
            }
            ctx.out.line(t(
                lang,
                "predunning-cli-summary",
                &[
                    ("cards", s.card_expiring.to_string()),
                    ("trials", s.trial_ending.to_string()),
                    ("renewals", s.renewal_upcoming.to_string()),
                    ("debits", s.debit_upcoming.to_string()),
                ],
            ));
            (s.queued(), 0)
        }
        Job::PurgeOutbox => {
            let days = ctx.config().outbox.retention_days;
            let p = billing_core::service::outbox_purge::run(pool, now, days).await?;
            ctx.out.line(t(
                lang,
                "purge-outbox-cli-summary",
                &[
                    ("events", p.events.to_string()),
                    ("mails", p.mails.to_string()),
                    ("deliveries", p.webhook_deliveries.to_string()),
                    ("days", days.to_string()),
                ],
            ));
            (p.events + p.mails + p.webhook_deliveries, 0)
        }
        // Handled (and recorded per merchant) by `invoice_run`.
        Job::InvoiceRun { .. } => (0, 0),
        Job::FxImport => match crate::fx_source::run(pool, &ctx.config().fx, now).await? {
            Some(done) => {
                super::fx_import::print_summary(ctx, &done);
                (done.rates, 0)
            }
            None => anyhow::bail!(t(lang, "jobs-fx-not-configured", &[])),
        },
        Job::MetricsSnapshot { as_of } => {
            let run = billing_core::service::metrics_snapshot::run(pool, now, as_of, None).await?;
            ctx.out.line(t(
                lang,
                "jobs-metrics-snapshot-done",
                &[("rows", run.rows.to_string()), ("tenants", run.tenants.to_string())],
            ));
            (run.rows, 0)
        }
    };
    Ok(counts)
}

/// `billing jobs run invoice-run`: each merchant's run for its due day (or `as_of`), as the
/// scheduler runs it but also when one is done already (a re-run invoices nothing twice).
async fn invoice_run(ctx: &Ctx, as_of: Option<chrono::NaiveDate>, slug: Option<&str>) -> anyhow::Result<()> {
    use billing_core::jobs::scheduled_invoice_run::{self as job, OutcomeStatus};
    let (lang, now) = (ctx.lang, ctx.clock().now());
    let tenant = match slug {
        Some(slug) => Some(super::tenant::by_slug(ctx, slug).await?.id),
        None => None,
    };
    let config = ctx.config();
    let opts = job::Options {
        hour: config.jobs.invoice_run_hour,
        tenant,
        as_of,
        force: true,
        trigger: Trigger::Cli,
        triggered_by: format!("cli:{}", ctx.user),
        chunk_size: config.invoice_run.chunk_size,
        workers: config.invoice_run.workers,
    };
    let outcomes = job::run(&ctx.db().pool, &opts, now).await?;
    let mut failed = 0;
    for o in &outcomes {
        let slug = {
            let mut conn = ctx.db().pool.acquire().await?;
            store::tenants::get(&mut conn, o.tenant).await?.map(|t| t.slug).unwrap_or_else(|| o.tenant.to_string())
        };
        let (tenant, date) = (("tenant", slug), ("as_of", o.as_of.to_string()));
        let line = match o.status {
            OutcomeStatus::Ran => t(
                lang,
                "jobs-invoice-run-tenant",
                &[tenant, date, ("invoices", o.invoices.to_string()), ("skipped", o.skipped.to_string())],
            ),
            OutcomeStatus::AlreadyDone => t(lang, "jobs-invoice-run-done-already", &[tenant, date]),
            OutcomeStatus::Busy => t(lang, "jobs-invoice-run-busy", &[tenant]),
            OutcomeStatus::Failed => {
                failed += 1;
                t(lang, "jobs-invoice-run-failed", &[tenant, date, ("error", o.error.clone().unwrap_or_default())])
            }
        };
        ctx.out.line(line);
    }
    if failed > 0 {
        anyhow::bail!(t(lang, "jobs-invoice-run-some-failed", &[("count", failed.to_string())]));
    }
    Ok(())
}

/// `billing jobs list`: the latest recorded runs, newest first.
pub async fn list(ctx: &Ctx, job: Option<&str>, limit: i64, json: bool) -> anyhow::Result<()> {
    let lang = ctx.lang;
    let mut conn = ctx.db().pool.acquire().await?;
    let runs = store::job_runs::list(&mut conn, None, job, limit.clamp(1, 1000)).await?;
    if json {
        ctx.out.line(serde_json::to_string_pretty(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        ctx.out.line(t(lang, "jobs-list-none", &[]));
    }
    for r in &runs {
        let status = match (&r.finished_at, &r.error) {
            (None, _) => t(lang, "jobs-list-running", &[]),
            (Some(_), None) => t(lang, "jobs-list-ok", &[]),
            (Some(_), Some(e)) => t(lang, "jobs-list-failed", &[("error", e.clone())]),
        };
        ctx.out.line(t(
            lang,
            "jobs-list-line",
            &[
                ("started", r.started_at.format("%Y-%m-%d %H:%M:%S").to_string()),
                ("job", r.job.clone()),
                ("tenant", r.tenant_id.map(|t| t.to_string()).unwrap_or_else(|| "*".into())),
                ("trigger", r.trigger.clone()),
                ("done", r.done.to_string()),
                ("failed", r.failed.to_string()),
                ("status", status),
            ],
        ));
    }
    Ok(())
}
