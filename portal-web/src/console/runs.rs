//! Invoice runs in the console: start a dry run for a date, review its totals per currency and
//! VAT rate and its exceptions, post it (the real run for the same date), watch its status,
//! download the CSV report; the job runs; the dunning board (customers per step, amount at risk
//! per currency).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Form, Path};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use billing_core::currency::Currency;
use billing_core::ids::{CustomerId, InvoiceRunId};
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_core::money::Money;
use billing_core::service::invoice_runs;
use billing_core::staff::Permission;
use billing_core::store::PageRequest;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::ctx::{Chrome, Console};
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;

fn money(minor: i64, currency: &str, lang: crate::i18n::Locale) -> String {
    Currency::from_code(currency.trim())
        .map(|c| format::money(Money::from_minor(minor, c), lang))
        .unwrap_or_else(|_| format!("{minor} {currency}"))
}

pub struct RunRow {
    pub href: String,
    pub as_of: String,
    pub kind: String,
    pub status: String,
    pub invoices: i64,
    pub exceptions: i64,
    pub started: String,
}

#[derive(Template)]
#[template(path = "console/runs.html")]
struct RunsPage<'a> {
    c: &'a Chrome,
    today: String,
    runs: Vec<RunRow>,
    can_run: bool,
}

fn status_text(c: &Chrome, status: &str) -> String {
    match status {
        "running" | "completed" | "failed" => c.t(&format!("console-run-status-{status}")),
        other => other.to_string(),
    }
}

/// `GET /runs`.
pub async fn list(ctx: Console) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::Read, "runs.list", None, None).await?;
        let lang = ctx.lang();
        let mut conn = ctx.state.pool.acquire().await?;
        let page =
            invoice_runs::list_page(&mut conn, ctx.tenant.id, PageRequest { limit: 30, starting_after: None }).await?;
        drop(conn);
        let runs = page
            .items
            .iter()
            .map(|r| RunRow {
                href: ctx.chrome.href(&format!("/runs/{}", r.run_id())),
                as_of: format::date(r.as_of, lang),
                kind: ctx.t(if r.dry_run { "console-run-dry" } else { "console-run-real" }),
                status: status_text(&ctx.chrome, &r.status),
                invoices: r.invoices_created,
                exceptions: r.exceptions_count,
                started: r.started_at.with_timezone(&ctx.tenant.timezone).format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect();
        let c = ctx.chrome("console-runs-title", "runs");
        Ok(ctx.page(&RunsPage {
            c: &c,
            today: ctx.tenant_today().to_string(),
            runs,
            can_run: me.role.allows(Permission::RunInvoices),
        }))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct StartForm {
    csrf: Option<String>,
    nonce: Option<String>,
    as_of: Option<String>,
}

async fn run_now(ctx: &Console, as_of: NaiveDate, dry_run: bool) -> PageResult<InvoiceRunId> {
    let mut opts = RunOptions::new(as_of);
    opts.dry_run = dry_run;
    opts.tenant = Some(ctx.tenant.id);
    opts.triggered_by = ctx.actor();
    let summary = invoice_run::run(&ctx.state.pool, &opts, ctx.now, &NoProgress).await?;
    summary
        .tenants
        .first()
        .and_then(|t| t.run_id)
        .ok_or_else(|| PageError::Problem(Box::new(crate::api::error::ApiError::internal())))
}

/// `POST /runs`: a dry run for the date (writes nothing but its record); then its page.
pub async fn start(ctx: Console, Form(form): Form<StartForm>) -> Response {
    let result = super::page(async {
        ctx.require(Permission::RunInvoices, "runs.dry_run", None, None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let nonce = form.nonce.unwrap_or_default();
        if nonce.len() != 64 {
            return Err(PageError::csrf());
        }
        if let Some(previous) = super::claimed(&ctx, &nonce).await? {
            return Ok(redirect(&previous));
        }
        let as_of = form
            .as_of
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .ok_or_else(|| PageError::bad_request("console-date-invalid"))?;
        let id = run_now(&ctx, as_of, true).await?;
        let outcome = ctx.chrome.href(&format!("/runs/{id}"));
        let mut conn = ctx.state.pool.acquire().await?;
        let after = serde_json::json!({ "run": id.to_string(), "as_of": as_of });
        ctx.audit(&mut conn, "runs.dry_run", "done", Some(format!("run:{id}")), None, None, None, Some(after)).await?;
        drop(conn);
        Ok(redirect(&super::claim_after(&ctx, &nonce, &outcome).await?.unwrap_or(outcome)))
    })
    .await;
    ctx.finish(result)
}

pub struct TotalRow {
    pub currency: String,
    pub rate: String,
    pub invoices: u64,
    pub net: String,
    pub vat: String,
    pub total: String,
}

pub struct ExceptionRow {
    pub customer_href: String,
    pub customer: String,
    pub blocking: bool,
    pub message: String,
}

/// Subscriptions a running run has looked at, of all it looks at, and the sentence that says so.
pub struct RunProgressView {
    pub done: i64,
    pub total: i64,
    pub text: String,
}

#[derive(Template)]
#[template(path = "console/run.html")]
struct RunPage<'a> {
    c: &'a Chrome,
    id: String,
    as_of: String,
    dry_run: bool,
    status: String,
    running: bool,
    /// A real run that is running: how far it has got.
    progress: Option<RunProgressView>,
    triggered_by: String,
    considered: i64,
    created: i64,
    skipped: i64,
    by_currency: Vec<TotalRow>,
    by_rate: Vec<TotalRow>,
    exceptions: Vec<ExceptionRow>,
    can_post: bool,
    csv_href: String,
}

/// `GET /runs/{id}`: another tenant's run is a 404.
pub async fn show(ctx: Console, Path(super::Ids { id, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::Read, "runs.view", Some(format!("run:{id}")), None).await?;
        let id: InvoiceRunId = id.parse().map_err(|_| PageError::not_found())?;
        let lang = ctx.lang();
        let mut conn = ctx.state.pool.acquire().await?;
        let report = invoice_runs::report(&mut conn, ctx.tenant.id, id).await?;
        let progress = invoice_runs::progress(&mut conn, ctx.tenant.id, &report.record).await?.map(|(done, total)| {
            let args = [("done", format::decimal(done.into(), lang)), ("total", format::decimal(total.into(), lang))];
            RunProgressView {
                done,
                total,
                text: crate::i18n::I18n::global().text(lang, "console-act-run-progress", &args),
            }
        });
        drop(conn);
        let r = &report.record;
        let by_currency = report
            .totals
            .by_currency
            .iter()
            .map(|l| TotalRow {
                currency: l.currency.clone(),
                rate: String::new(),
                invoices: l.invoices,
                net: money(l.net, &l.currency, lang),
                vat: money(l.vat, &l.currency, lang),
                total: money(l.total, &l.currency, lang),
            })
            .collect();
        let by_rate = report
            .totals
            .by_rate
            .iter()
            .map(|l| TotalRow {
                currency: l.currency.clone(),
                rate: format!("{} {}", l.vat_category, format::percent(l.vat_rate, lang)),
                invoices: l.invoices,
                net: money(l.net, &l.currency, lang),
                vat: money(l.vat, &l.currency, lang),
                total: money(l.total, &l.currency, lang),
            })
            .collect();
        let exceptions = report
            .exceptions
            .iter()
            .map(|e| ExceptionRow {
                customer_href: ctx.chrome.href(&format!("/customers/{}", e.customer_id)),
                customer: e.customer_id.to_string(),
                blocking: e.blocking,
                message: crate::ops::run_report::exception_message(lang.tag(), e),
            })
            .collect();
        let finished = r.status == "completed";
        let c = ctx.chrome(if r.dry_run { "console-run-dry-title" } else { "console-run-title" }, "runs");
        Ok(ctx.page(&RunPage {
            c: &c,
            id: id.to_string(),
            as_of: format::date_long(r.as_of, lang),
            dry_run: r.dry_run,
            status: status_text(&ctx.chrome, &r.status),
            running: r.status == "running",
            progress,
            triggered_by: r.triggered_by.clone(),
            considered: r.subscriptions_considered,
            created: r.invoices_created,
            skipped: r.subscriptions_skipped,
            by_currency,
            by_rate,
            exceptions,
            can_post: r.dry_run && finished && me.role.allows(Permission::RunInvoices),
            csv_href: ctx.chrome.href(&format!("/runs/{id}/report.csv")),
        }))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct PostForm {
    csrf: Option<String>,
    nonce: Option<String>,
}

/// `POST /runs/{id}/post`: the real run for the dry run's date. A repeat invoices nothing new
/// (the run itself is idempotent), and a second submission of the form leads to the first run.
pub async fn post_run(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Form(form): Form<PostForm>,
) -> Response {
    let result = super::page(async {
        ctx.require(Permission::RunInvoices, "runs.post", Some(format!("run:{id}")), None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let id: InvoiceRunId = id.parse().map_err(|_| PageError::not_found())?;
        let nonce = form.nonce.unwrap_or_default();
        if nonce.len() != 64 {
            return Err(PageError::csrf());
        }
        if let Some(previous) = super::claimed(&ctx, &nonce).await? {
            return Ok(redirect(&previous));
        }
        let mut conn = ctx.state.pool.acquire().await?;
        let dry = invoice_runs::report(&mut conn, ctx.tenant.id, id).await?;
        drop(conn);
        if !dry.record.dry_run {
            return Err(PageError::bad_request("console-run-not-dry"));
        }
        let real = run_now(&ctx, dry.record.as_of, false).await?;
        let outcome = ctx.chrome.href(&format!("/runs/{real}"));
        let mut conn = ctx.state.pool.acquire().await?;
        let report = invoice_runs::report(&mut conn, ctx.tenant.id, real).await?;
        let before = serde_json::json!({ "dry_run": id.to_string(), "totals": dry.totals });
        let after = serde_json::json!({
            "run": real.to_string(),
            "invoices": report.record.invoices_created,
            "totals": report.totals,
        });
        ctx.audit(&mut conn, "runs.post", "done", Some(format!("run:{real}")), None, None, Some(before), Some(after))
            .await?;
        drop(conn);
        Ok(redirect(&super::claim_after(&ctx, &nonce, &outcome).await?.unwrap_or(outcome)))
    })
    .await;
    ctx.finish(result)
}

/// `GET /runs/{id}/report.csv`: the run's CSV report (finance and admin: an export).
pub async fn report(ctx: Console, Path(super::Ids { id, .. }): Path<super::Ids>) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Export, "runs.report", Some(format!("run:{id}")), None).await?;
        let id: InvoiceRunId = id.parse().map_err(|_| PageError::not_found())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let run = invoice_runs::report(&mut conn, ctx.tenant.id, id).await?;
        let (csv, _) = crate::ops::run_report::run_csv(&mut conn, &run, ctx.lang().tag()).await?;
        ctx.audit(&mut conn, "runs.report", "done", Some(format!("run:{id}")), None, None, None, None).await?;
        let disposition = format!("attachment; filename=\"invoice-run-{id}.csv\"");
        Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
            csv,
        )
            .into_response())
    })
    .await;
    ctx.finish(result)
}

pub struct JobRow {
    pub job: String,
    pub trigger: String,
    pub started: String,
    pub finished: String,
    pub done: String,
    pub failed: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "console/jobs.html")]
struct JobsPage<'a> {
    c: &'a Chrome,
    jobs: Vec<JobRow>,
}

/// `GET /jobs`: the scheduled jobs' runs (those over all tenants without their counts).
pub async fn jobs(ctx: Console) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Read, "jobs.list", None, None).await?;
        let mut conn = ctx.state.pool.acquire().await?;
        let runs = billing_core::service::staff::job_runs(&mut conn, ctx.tenant.id, 50).await?;
        drop(conn);
        let tz = ctx.tenant.timezone;
        let jobs = runs
            .into_iter()
            .map(|r| {
                let own = r.tenant_id == Some(ctx.tenant.id);
                JobRow {
                    job: r.job,
                    trigger: r.trigger,
                    started: r.started_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                    finished: r
                        .finished_at
                        .map(|f| f.with_timezone(&tz).format("%H:%M:%S").to_string())
                        .unwrap_or_default(),
                    done: if own { r.done.to_string() } else { "—".into() },
                    failed: if own { r.failed.to_string() } else { "—".into() },
                    error: if own { r.error.unwrap_or_default() } else { String::new() },
                }
            })
            .collect();
        let c = ctx.chrome("console-jobs-title", "jobs");
        Ok(ctx.page(&JobsPage { c: &c, jobs }))
    })
    .await;
    ctx.finish(result)
}

pub struct StepView {
    pub step: i32,
    pub at_risk: String,
    pub lines: Vec<DunningRow>,
}

pub struct DunningRow {
    pub customer_href: String,
    pub customer: String,
    pub invoice: String,
    pub due_date: String,
    pub amount: String,
    /// "Paused until …" when staff paused its dunning (docs/adr/0039); empty otherwise.
    pub paused: String,
}

/// A pause that holds, on the board.
pub struct PauseRowView {
    pub customer_href: String,
    pub customer: String,
    pub scope: String,
    pub until: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "console/dunning.html")]
struct DunningPage<'a> {
    c: &'a Chrome,
    total_at_risk: String,
    customers: usize,
    steps: Vec<StepView>,
    pauses: Vec<PauseRowView>,
    /// Recovered since the first of this month (in the merchant's time zone), one line per
    /// currency: paid after a failed payment, by whatever means (docs/adr/0032).
    recovered: Vec<String>,
}

fn sum_text(sums: &BTreeMap<String, i64>, lang: crate::i18n::Locale) -> String {
    sums.iter().map(|(cur, minor)| money(*minor, cur, lang)).collect::<Vec<_>>().join(" · ")
}

/// `GET /dunning`: the invoices in dunning by the last step taken, amount at risk per currency.
pub async fn dunning(ctx: Console) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Read, "dunning.view", None, None).await?;
        let lang = ctx.lang();
        let mut conn = ctx.state.pool.acquire().await?;
        let lines = billing_core::service::staff::dunning_board(&mut conn, ctx.tenant.id).await?;
        let today = ctx.now.date_naive();
        let held = billing_core::service::dunning_pauses::open(&mut conn, ctx.tenant.id, today).await?;
        // This month up to the end of today, in the merchant's time zone.
        let tenant_today = ctx.tenant_today();
        let month_start = tenant_today.with_day(1).unwrap_or(tenant_today);
        let since = billing_core::tenant::start_of_day(ctx.tenant.timezone, month_start);
        let until = billing_core::tenant::start_of_day(ctx.tenant.timezone, tenant_today + chrono::Days::new(1));
        let recovered = billing_core::service::recovery::totals(&mut conn, ctx.tenant.id, since, until)
            .await?
            .into_iter()
            .map(|(currency, invoices, amount)| {
                let args = [("amount", money(amount, &currency, lang)), ("invoices", invoices.to_string())];
                crate::i18n::I18n::global().text(lang, "console-gap-dunning-recovered-line", &args)
            })
            .collect();
        drop(conn);
        let until_text = |p: &billing_core::store::console_settings::PauseRow| {
            p.until.map(|u| format::date(u, lang)).unwrap_or_else(|| ctx.t("console-dunning-pause-until-resumed"))
        };
        let names: BTreeMap<uuid::Uuid, (String, Option<String>)> = lines
            .iter()
            .flat_map(|l| {
                [
                    (l.customer_id, (l.customer_name.clone(), None)),
                    (l.invoice_id, (l.customer_name.clone(), l.invoice_number.clone())),
                ]
            })
            .collect();
        let mut total: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_step: BTreeMap<i32, (BTreeMap<String, i64>, Vec<DunningRow>)> = BTreeMap::new();
        let mut customers = std::collections::BTreeSet::new();
        for l in lines {
            *total.entry(l.currency.clone()).or_default() += l.amount_due;
            customers.insert(l.customer_id);
            let entry = by_step.entry(l.step).or_default();
            *entry.0.entry(l.currency.clone()).or_default() += l.amount_due;
            let pause =
                held.iter().find(|p| p.customer_id == l.customer_id && p.invoice_id.is_none_or(|i| i == l.invoice_id));
            entry.1.push(DunningRow {
                paused: pause
                    .map(|p| ctx.chrome.t1("console-dunning-pause-paused", "until", &until_text(p)))
                    .unwrap_or_default(),
                customer_href: ctx.chrome.href(&format!("/customers/{}", CustomerId(l.customer_id))),
                customer: l.customer_name,
                invoice: l.invoice_number.unwrap_or_default(),
                due_date: l.due_date.map(|d| format::date(d, lang)).unwrap_or_default(),
                amount: money(l.amount_due, &l.currency, lang),
            });
        }
        let steps = by_step
            .into_iter()
            .rev()
            .map(|(step, (sums, lines))| StepView { step, at_risk: sum_text(&sums, lang), lines })
            .collect();
        let pauses = held
            .iter()
            .map(|p| PauseRowView {
                customer_href: ctx.chrome.href(&format!("/customers/{}", CustomerId(p.customer_id))),
                customer: names
                    .get(&p.customer_id)
                    .map(|n| n.0.clone())
                    .unwrap_or_else(|| CustomerId(p.customer_id).to_string()),
                scope: match p.invoice_id {
                    None => ctx.t("console-dunning-pause-scope-customer"),
                    Some(i) => ctx.chrome.t1(
                        "console-target-invoice",
                        "number",
                        &names.get(&i).and_then(|n| n.1.clone()).unwrap_or_default(),
                    ),
                },
                until: until_text(p),
                reason: p.reason.clone(),
            })
            .collect();
        let c = ctx.chrome("console-dunning-title", "dunning");
        Ok(ctx.page(&DunningPage {
            c: &c,
            total_at_risk: sum_text(&total, lang),
            customers: customers.len(),
            steps,
            pauses,
            recovered,
        }))
    })
    .await;
    ctx.finish(result)
}
