//! `billing invoice-run`: runs the job with a progress bar on a terminal and prints a summary.

use billing_core::jobs::invoice_run::{self, RunOptions, RunProgress, RunSummary, TenantRunSummary};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Ctx, t};
use crate::ops::run_report::{exception_message, major};

pub struct Args {
    pub as_of: Option<NaiveDate>,
    pub dry_run: bool,
    pub allow_future: bool,
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

pub async fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let (lang, now) = (ctx.lang, ctx.clock().now());
    let tenant = match &args.tenant {
        Some(slug) => Some(super::tenant::by_slug(ctx, slug).await?.id),
        None => None,
    };
    let as_of = match args.as_of {
        Some(d) => d,
        None => invoice_run::default_as_of(&ctx.db().pool, tenant, now).await?,
    };
    let mut opts = RunOptions::new(as_of);
    opts.tenant = tenant;
    opts.dry_run = args.dry_run;
    opts.allow_future = args.allow_future;
    opts.chunk_size = ctx.config().invoice_run.chunk_size;
    opts.workers = ctx.config().invoice_run.workers;
    opts.triggered_by = format!("cli:{}", ctx.user);
    let bar = ProgressBar::with_draw_target(
        Some(0),
        if ctx.out.draws_progress() && !args.json {
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
    let summary = invoice_run::run(&ctx.db().pool, &opts, now, &Bar(bar.clone())).await;
    bar.finish_and_clear();
    let summary = match summary {
        Err(billing_core::Error::RunDateInFuture { as_of, today }) => anyhow::bail!(t(
            lang,
            "cli-run-date-in-future",
            &[("as_of", as_of.to_string()), ("today", today.to_string())]
        )),
        other => other?,
    };
    if args.json {
        ctx.out.line(serde_json::to_string_pretty(&summary)?);
    } else {
        ctx.out.write(render_summary(&summary, lang).as_bytes());
    }
    Ok(())
}

/// The human summary: per merchant its run, totals per currency and per VAT rate, and the
/// exceptions; then the whole.
pub fn render_summary(s: &RunSummary, lang: &str) -> String {
    let mut out = String::new();
    let date = s.as_of.to_string();
    let header = if s.dry_run { "cli-run-header-dry" } else { "cli-run-header" };
    out.push_str(&t(lang, header, &[("date", date)]));
    out.push('\n');
    for tenant in &s.tenants {
        if let Some(id) = tenant.run_id {
            line(&mut out, 2, &t(lang, "cli-run-id", &[("id", id.to_string()), ("status", "completed".into())]));
        }
        if tenant.subscriptions > 0 {
            line(
                &mut out,
                2,
                &t(
                    lang,
                    "cli-run-tenant",
                    &[
                        ("tenant", tenant.tenant_id.to_string()),
                        ("subscriptions", tenant.subscriptions.to_string()),
                        ("invoices", tenant.invoices.to_string()),
                    ],
                ),
            );
        }
        render_tenant_body(&mut out, tenant, lang);
    }
    if s.invoices == 0 && s.exceptions == 0 {
        out.push_str(&t(lang, "cli-run-nothing", &[]));
        out.push('\n');
        return out;
    }
    out.push_str(&t(
        lang,
        "cli-run-total",
        &[("invoices", s.invoices.to_string()), ("subscriptions", s.subscriptions.to_string())],
    ));
    out.push('\n');
    out
}

fn line(out: &mut String, indent: usize, text: &str) {
    out.push_str(&" ".repeat(indent));
    out.push_str(text);
    out.push('\n');
}

/// Totals per currency, per VAT rate, and the exceptions of one merchant's run.
pub fn render_tenant_body(out: &mut String, tenant: &TenantRunSummary, lang: &str) {
    use billing_core::run_report::RunTotals;
    let RunTotals { by_currency, by_rate } = &tenant.report;
    if tenant.resumed > 0 {
        line(out, 2, &t(lang, "cli-run-resumed", &[("count", tenant.resumed.to_string())]));
    }
    for c in by_currency {
        let m = |v: i64| major(v, &c.currency);
        line(
            out,
            2,
            &t(
                lang,
                "cli-run-currency",
                &[
                    ("currency", c.currency.clone()),
                    ("count", c.invoices.to_string()),
                    ("net", m(c.net)),
                    ("vat", m(c.vat)),
                    ("total", m(c.total)),
                ],
            ),
        );
    }
    if !by_rate.is_empty() {
        line(out, 2, &t(lang, "cli-run-rates", &[]));
    }
    for r in by_rate {
        let m = |v: i64| major(v, &r.currency);
        line(
            out,
            4,
            &t(
                lang,
                "cli-run-rate",
                &[
                    ("currency", r.currency.clone()),
                    ("category", r.vat_category.clone()),
                    ("rate", r.vat_rate.normalize().to_string()),
                    ("count", r.invoices.to_string()),
                    ("net", m(r.net)),
                    ("vat", m(r.vat)),
                    ("total", m(r.total)),
                ],
            ),
        );
    }
    if tenant.skipped > 0 {
        line(out, 2, &t(lang, "cli-run-skipped", &[("count", tenant.skipped.to_string())]));
    }
    if tenant.exceptions_count > 0 {
        line(out, 2, &t(lang, "cli-run-exceptions", &[("count", tenant.exceptions_count.to_string())]));
    }
    for e in &tenant.exceptions {
        let kind = t(lang, if e.blocking { "cli-run-exception-blocking" } else { "cli-run-exception-warning" }, &[]);
        line(
            out,
            4,
            &format!(
                "[{}] {} {} {}: {}",
                kind,
                e.code.as_str(),
                e.customer_id,
                e.subscription_id,
                exception_message(lang, e)
            ),
        );
    }
}
