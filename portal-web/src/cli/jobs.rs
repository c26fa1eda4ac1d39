//! `billing jobs run NAME`: one scheduled job, now (what the scheduler runs; safe to re-run).

use super::{Ctx, Job, t};

pub async fn run(ctx: &Ctx, job: Job) -> anyhow::Result<()> {
    let (pool, lang, now) = (&ctx.db().pool, ctx.lang, ctx.clock().now());
    match job {
        Job::Collect { as_of } => {
            // The serving process's gateway directory when there is one (its sandbox state).
            let gateways = ctx.app_state().gateways;
            let summary = billing_core::jobs::collection::run_collection(pool, gateways.as_ref(), now, as_of).await?;
            if !summary.ran {
                ctx.out.line(t(lang, "cli-collect-locked", &[]));
                return Ok(());
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
        }
        Job::FinalizeDrafts => {
            let count = billing_core::service::invoices::finalize_due_drafts(pool, now).await?;
            ctx.out.line(t(lang, "cli-job-done", &[("name", "finalize-drafts".into()), ("count", count.to_string())]));
        }
        Job::ApplyCredit => {
            let count = billing_core::service::invoices::apply_balances_to_open_invoices(pool, now).await?;
            ctx.out.line(t(lang, "cli-job-done", &[("name", "apply-credit".into()), ("count", count.to_string())]));
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
        }
    }
    Ok(())
}
