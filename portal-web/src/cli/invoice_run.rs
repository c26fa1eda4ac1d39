//! `billing invoice-run`: runs the job with a progress bar on a terminal and prints a summary.

use std::io::IsTerminal;

use billing_core::clock::Clock;
use billing_core::jobs::invoice_run::{self, RunOptions, RunProgress, RunSummary};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::t;
use crate::config::Config;
use crate::db::Database;

pub struct Args {
    pub as_of: Option<NaiveDate>,
    pub dry_run: bool,
    pub tenant: Option<String>,
    pub json: bool,
}

struct Bar(ProgressBar);

impl RunProgress for Bar {
    fn add_total(&self, n: u64) {
        self.0.inc_length(n);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

pub async fn run(db: &Database, config: &Config, clock: &dyn Clock, lang: &str, args: Args) -> anyhow::Result<()> {
    let now = clock.now();
    let mut opts = RunOptions::new(args.as_of.unwrap_or_else(|| now.date_naive()));
    opts.dry_run = args.dry_run;
    opts.chunk_size = config.invoice_run.chunk_size;
    opts.triggered_by = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    if let Some(slug) = &args.tenant {
        let mut conn = db.pool.acquire().await?;
        let tenant = billing_core::store::tenants::get_by_slug(&mut conn, slug)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no merchant with slug `{slug}`"))?;
        opts.tenant = Some(tenant.id);
    }
    let bar = ProgressBar::with_draw_target(
        Some(0),
        if std::io::stderr().is_terminal() && !args.json {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(t(lang, "cli-run-progress", &[]));
    let summary = invoice_run::run(&db.pool, &opts, now, &Bar(bar.clone())).await;
    bar.finish_and_clear();
    let summary = summary?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", render_summary(&summary, lang));
    }
    Ok(())
}

/// The human summary: per merchant, per currency, and in all.
pub fn render_summary(s: &RunSummary, lang: &str) -> String {
    let mut out = String::new();
    let date = s.as_of.to_string();
    let header = if s.dry_run { "cli-run-header-dry" } else { "cli-run-header" };
    out.push_str(&t(lang, header, &[("date", date)]));
    out.push('\n');
    if s.invoices == 0 {
        out.push_str(&t(lang, "cli-run-nothing", &[]));
        out.push('\n');
        return out;
    }
    for tenant in s.tenants.iter().filter(|t| t.subscriptions > 0) {
        out.push_str("  ");
        out.push_str(&t(
            lang,
            "cli-run-tenant",
            &[
                ("tenant", tenant.tenant_id.to_string()),
                ("subscriptions", tenant.subscriptions.to_string()),
                ("invoices", tenant.invoices.to_string()),
            ],
        ));
        out.push('\n');
    }
    for (code, total) in &s.totals.0 {
        out.push_str("  ");
        out.push_str(&t(
            lang,
            "cli-run-currency",
            &[("currency", code.clone()), ("count", total.count.to_string()), ("total", total.total.to_string())],
        ));
        out.push('\n');
    }
    out.push_str(&t(
        lang,
        "cli-run-total",
        &[("invoices", s.invoices.to_string()), ("subscriptions", s.subscriptions.to_string())],
    ));
    out.push('\n');
    out
}
