//! The invoice run: invoices every active subscription whose billing period has started by the
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

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{InvoiceId, InvoiceRunId, SubscriptionId, TenantId};
use crate::invoice::{NumberFormat, TotalsByCurrency, document_vat};
use crate::period::period_at;
use crate::proration::round_div;
use crate::rounding::RoundingPolicy;
use crate::store;
use crate::store::invoices::InvoiceBatch;
use crate::subscription::{Terms, due_date, due_periods, plan_due_invoices};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub as_of: NaiveDate,
    pub dry_run: bool,
    /// Only this tenant; all tenants when `None`.
    pub tenant: Option<TenantId>,
    pub chunk_size: u32,
    /// Who started the run (recorded): `cli:<user>`, `api:<key prefix>`, `scheduler`.
    pub triggered_by: String,
}

impl RunOptions {
    pub fn new(as_of: NaiveDate) -> Self {
        Self { as_of, dry_run: false, tenant: None, chunk_size: 500, triggered_by: "cli".into() }
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
    /// The recorded run (absent for a dry run, which records nothing).
    pub run_id: Option<InvoiceRunId>,
    pub subscriptions: u64,
    pub invoices: u64,
    pub totals: TotalsByCurrency,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub tenants: Vec<TenantRunSummary>,
    pub subscriptions: u64,
    pub invoices: u64,
    pub totals: TotalsByCurrency,
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
    let tenants = match opts.tenant {
        Some(t) => vec![t],
        None => store::tenants::list_ids(&mut *pool.acquire().await?).await?,
    };
    let mut summary = RunSummary {
        as_of: opts.as_of,
        dry_run: opts.dry_run,
        tenants: Vec::new(),
        subscriptions: 0,
        invoices: 0,
        totals: TotalsByCurrency::default(),
    };
    for tenant in tenants {
        let t = run_tenant(pool, tenant, opts, now, progress).await?;
        summary.subscriptions += t.subscriptions;
        summary.invoices += t.invoices;
        summary.totals.merge(&t.totals)?;
        summary.tenants.push(t);
    }
    Ok(summary)
}

async fn run_tenant(
    pool: &PgPool,
    tenant_id: TenantId,
    opts: &RunOptions,
    now: DateTime<Utc>,
    progress: &dyn RunProgress,
) -> Result<TenantRunSummary> {
    let mut conn = pool.acquire().await?;
    let ctx = TenantContext::load(&mut conn, tenant_id, opts.as_of).await?;
    if !opts.dry_run {
        resume_due(&mut conn, tenant_id, opts.as_of, None, now).await?;
    }
    let due = store::subscriptions::count_due(&mut conn, tenant_id, opts.as_of).await?;
    progress.add_total(u64::try_from(due).unwrap_or(0));
    let run_id = if opts.dry_run {
        None
    } else {
        Some(store::runs::start(&mut conn, tenant_id, opts.as_of, false, &opts.triggered_by, now).await?)
    };
    drop(conn);

    let mut out =
        TenantRunSummary { tenant_id, run_id, subscriptions: 0, invoices: 0, totals: TotalsByCurrency::default() };
    let mut cursor = Uuid::nil();
    let result: Result<()> = async {
        loop {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            let before = out.subscriptions;
            let Some(next) =
                process_chunk(&mut tx, &ctx, run_id, opts.as_of, cursor, opts.chunk_size, None, now, &mut out).await?
            else {
                break;
            };
            cursor = next;
            if opts.dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            progress.advance(out.subscriptions - before);
        }
        if !opts.dry_run {
            let mut conn = pool.acquire().await?;
            store::subscriptions::end_scheduled_cancellations(&mut conn, tenant_id, opts.as_of, None, now).await?;
        }
        Ok(())
    }
    .await;

    if let Some(run_id) = run_id {
        let mut conn = pool.acquire().await?;
        let status = if result.is_ok() { "completed" } else { "failed" };
        let totals = serde_json::to_value(&out.totals).unwrap_or_default();
        store::runs::finish(&mut conn, tenant_id, run_id, status, out.invoices as i64, &totals, Utc::now().max(now))
            .await?;
    }
    result.map(|()| out)
}

/// Invoices one subscription up to `as_of` on a connection the caller owns (and whose
/// transaction it commits or rolls back): used by simulations, which roll everything back.
pub async fn run_one_on_connection(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    sub: SubscriptionId,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TenantRunSummary> {
    let ctx = TenantContext::load(conn, tenant_id, as_of).await?;
    resume_due(conn, tenant_id, as_of, Some(sub), now).await?;
    let mut out = TenantRunSummary {
        tenant_id,
        run_id: None,
        subscriptions: 0,
        invoices: 0,
        totals: TotalsByCurrency::default(),
    };
    process_chunk(conn, &ctx, None, as_of, Uuid::nil(), 1, Some(sub), now, &mut out).await?;
    store::subscriptions::end_scheduled_cancellations(conn, tenant_id, as_of, Some(sub), now).await?;
    Ok(out)
}

/// What every chunk of one tenant's run shares.
struct TenantContext {
    tenant_id: TenantId,
    timezone: chrono_tz::Tz,
    seller: crate::tax::SellerProfile,
    trust_check_digits: bool,
    /// The seller's national currency (EU sellers) and the ECB rates around the issue date.
    national: Option<(crate::currency::Currency, crate::fx::RateTable)>,
    format: NumberFormat,
    series: String,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    policy: RoundingPolicy,
}

impl TenantContext {
    async fn load(conn: &mut PgConnection, tenant_id: TenantId, as_of: NaiveDate) -> Result<Self> {
        let tenant =
            store::tenants::get(conn, tenant_id).await?.ok_or_else(|| Error::not_found("tenant", tenant_id))?;
        let format = NumberFormat::parse(&tenant.invoice_number_format)?;
        let series = format.series(as_of);
        let national = match tenant.country.eu_national_currency().map(crate::currency::Currency::from_code) {
            Some(Ok(currency)) => Some((currency, store::fx::table_until(conn, as_of, 14).await?)),
            _ => None,
        };
        Ok(Self {
            national,
            tenant_id,
            timezone: tenant.timezone,
            seller: tenant.seller_profile(),
            trust_check_digits: tenant.tax.trust_check_digits,
            format,
            series,
            issue_date: as_of,
            due_date: as_of + Duration::days(i64::from(tenant.payment_terms_days)),
            policy: RoundingPolicy::default(),
        })
    }
}

impl TenantContext {
    /// Art. 230 Directive 2006/112/EC: the VAT of an invoice in another currency, converted into
    /// the seller's national currency with the ECB rate of the issue date (or the last publication
    /// before it). `None` when not needed (same currency, no VAT, seller outside the EU) or when no
    /// rate has been imported (`billing fx-import`); the invoice then lacks the statement.
    fn vat_in_national_currency(&self, tax: crate::money::Money) -> Option<crate::fx::Conversion> {
        let (national, table) = self.national.as_ref()?;
        if tax.currency() == *national || tax.is_zero() {
            return None;
        }
        match crate::fx::vat_in_national_currency(tax, *national, self.issue_date, table, self.policy) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, currency = %tax.currency(), "no ECB rate for the Art. 230 VAT statement");
                None
            }
        }
    }

    /// Midnight at the start of `day` in the tenant's time zone, as an instant.
    fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        crate::tenant::start_of_day(self.timezone, day)
    }
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
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Invoices the next chunk of due subscriptions after `cursor` on `conn`; returns the new
/// cursor, or `None` when nothing is left.
#[allow(clippy::too_many_arguments)]
async fn process_chunk(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    run_id: Option<InvoiceRunId>,
    as_of: NaiveDate,
    cursor: Uuid,
    chunk_size: u32,
    only: Option<SubscriptionId>,
    now: DateTime<Utc>,
    out: &mut TenantRunSummary,
) -> Result<Option<Uuid>> {
    let tenant_id = ctx.tenant_id;
    let chunk =
        store::subscriptions::lock_due_chunk(conn, tenant_id, as_of, cursor, i64::from(chunk_size), only).await?;
    let Some(last) = chunk.last() else { return Ok(None) };
    let next_cursor = last.billable.id.as_uuid();

    let mut batch = InvoiceBatch::default();
    let mut advance_ids = Vec::with_capacity(chunk.len());
    let mut advance_idx = Vec::with_capacity(chunk.len());
    let mut advance_dates = Vec::with_capacity(chunk.len());
    let mut advance_starts = Vec::with_capacity(chunk.len());
    let mut pending_applied = Vec::new();
    let usage = metered_usage(conn, ctx, &chunk, as_of).await?;
    let no_usage = BTreeMap::new();
    for due in &chunk {
        let sub_usage = usage.get(&due.billable.id.as_uuid()).unwrap_or(&no_usage);
        let planned = plan_due_invoices(&due.billable, as_of, ctx.policy, sub_usage)?;
        let Some(last_planned) = planned.last() else { continue };
        let next_index = last_planned.period_index + 1;
        let next_period = period_at(due.billable.anchor, due.billable.interval, next_index)?;
        advance_ids.push(due.billable.id.as_uuid());
        advance_idx.push(i32::try_from(next_index).map_err(|_| Error::invalid("period", "too many periods"))?);
        advance_starts.push(next_period.start);
        advance_dates.push(due_date(due.billable.timing, next_period));
        if let (true, Some(p)) = (planned.iter().any(|p| p.used_pending), &due.billable.pending) {
            pending_applied.push((
                due.billable.id,
                Terms {
                    plan_id: p.plan_id,
                    plan_name: p.plan_name.clone(),
                    price: p.price.clone(),
                    quantity: p.quantity,
                },
            ));
        }
        let customer_tax = due.customer.tax_profile(ctx.trust_check_digits);
        for p in planned {
            let (decision, vat) =
                document_vat(&ctx.seller, &customer_tax, due.tax_category, p.period.start, &[p.total], ctx.policy)?;
            let gross = vat.gross_total;
            out.totals.add(gross)?;
            batch.taxes.push(vat.tax_total.minor());
            batch.tax_groups.push(serde_json::to_value(&vat.groups).unwrap_or_default());
            batch.notices.push(vat.notices.iter().map(|n| n.key()).collect::<Vec<_>>().join(","));
            batch.tax_rules.push(decision.rule.to_string());
            batch.customer_vat_ids.push(due.customer.vat_id.as_ref().map(|v| v.to_string()));
            batch.vat_categories.push(decision.category_code.code().to_string());
            batch.vat_rates.push(decision.rate);
            let national = ctx.vat_in_national_currency(vat.tax_total);
            batch.national_currencies.push(national.as_ref().map(|c| c.amount.currency().code().to_string()));
            batch.national_amounts.push(national.as_ref().map(|c| c.amount.minor()));
            batch.fx_rates.push(national.as_ref().map(|c| c.rate));
            batch.fx_rate_dates.push(national.as_ref().map(|c| c.rate_date));
            batch.ids.push(InvoiceId::new().as_uuid());
            batch.customer_ids.push(p.customer_id.as_uuid());
            batch.subscription_ids.push(p.subscription_id.as_uuid());
            batch.currencies.push(p.amount.currency().code().to_string());
            batch.amounts.push(p.amount.minor());
            batch.discounts.push(p.discount.minor());
            batch.period_starts.push(p.period.start);
            batch.period_ends.push(p.period.end);
            batch.customer_names.push(due.customer_name.clone());
            batch.customer_emails.push(due.customer_email.clone());
            batch.customer_countries.push(due.customer_country.clone());
            batch.descriptions.push(p.description);
            // The line's unit amount is the period charge over the quantity, rounded once
            // (for per-unit prices exactly the unit price; for tiers the average).
            let unit = if p.quantity.is_zero() || !p.quantity.fract().is_zero() {
                p.amount.minor()
            } else {
                let q = p.quantity.mantissa() / 10i128.pow(p.quantity.scale());
                round_div(i128::from(p.amount.minor()), q.max(1), ctx.policy).unwrap_or(p.amount.minor())
            };
            batch.quantities.push(p.quantity);
            batch.unit_amounts.push(unit);
        }
    }
    if !batch.is_empty() {
        let count = batch.len() as i64;
        let first = store::invoices::reserve_numbers(conn, tenant_id, &ctx.series, count).await?;
        for seq in first..first + count {
            batch.series.push(ctx.series.clone());
            batch.sequences.push(seq);
            batch.numbers.push(ctx.format.render(ctx.issue_date, seq));
        }
        let seller_vat_id = ctx.seller.vat_id.as_ref().map(|v| v.to_string());
        let batch_ctx = store::invoices::BatchContext {
            run: run_id,
            issue_date: ctx.issue_date,
            due_date: ctx.due_date,
            seller_vat_id: seller_vat_id.as_deref(),
        };
        store::invoices::insert_finalized_batch(conn, tenant_id, batch_ctx, &batch, now).await?;
        store::subscriptions::advance_periods(
            conn,
            tenant_id,
            &advance_ids,
            &advance_idx,
            &advance_starts,
            &advance_dates,
            now,
        )
        .await?;
        for (id, terms) in &pending_applied {
            store::subscriptions::apply_pending(conn, tenant_id, *id, terms, now).await?;
        }
        let events: Vec<serde_json::Value> = batch
            .ids
            .iter()
            .zip(&batch.numbers)
            .map(|(id, number)| serde_json::json!({ "invoice": InvoiceId(*id).to_string(), "number": number }))
            .collect();
        store::outbox::insert_many(conn, tenant_id, "invoice.finalized", &events, now).await?;
        failpoint::after_chunk_written(batch.len());
    }
    out.subscriptions += chunk.len() as u64;
    out.invoices += batch.len() as u64;
    Ok(Some(next_cursor))
}

/// The aggregated usage of every due period of the chunk's metered subscriptions, in one query:
/// subscription -> period index -> quantity. Windows are the periods' civil days in the
/// tenant's time zone.
async fn metered_usage(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    chunk: &[store::subscriptions::DueSubscription],
    as_of: NaiveDate,
) -> Result<BTreeMap<Uuid, BTreeMap<u32, Decimal>>> {
    let mut windows = Vec::new();
    for due in chunk {
        let Some(metering) = &due.billable.metering else { continue };
        for (index, period) in due_periods(&due.billable, as_of)? {
            windows.push(store::usage::Window {
                subscription: due.billable.id,
                key: i32::try_from(index).map_err(|_| Error::invalid("period", "too many periods"))?,
                from: ctx.start_of_day(period.start),
                to: ctx.start_of_day(period.end),
                aggregation: metering.aggregation,
            });
        }
    }
    let mut out: BTreeMap<Uuid, BTreeMap<u32, Decimal>> = BTreeMap::new();
    for (sub, key, quantity) in store::usage::aggregate(conn, ctx.tenant_id, &windows).await? {
        out.entry(sub).or_default().insert(u32::try_from(key).unwrap_or(0), quantity);
    }
    Ok(out)
}

/// Fault injection for the kill-and-rerun test: with `BILLING_FAILPOINT_ABORT_AFTER_INVOICES=N`
/// set, the process aborts (no unwinding, no cleanup: as if killed) once N invoices have been
/// written, *before* the chunk holding the N-th commits.
mod failpoint {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static WRITTEN: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn after_chunk_written(n: usize) {
        let Ok(limit) = std::env::var("BILLING_FAILPOINT_ABORT_AFTER_INVOICES") else {
            return;
        };
        let Ok(limit) = limit.parse::<usize>() else {
            return;
        };
        let total = WRITTEN.fetch_add(n, Ordering::SeqCst) + n;
        if total >= limit {
            eprintln!("failpoint: aborting after {total} invoices written (uncommitted chunk)");
            std::process::abort();
        }
    }
}
