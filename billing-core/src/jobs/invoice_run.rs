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
use sqlx::{Connection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{InvoiceId, InvoiceRunId, TenantId};
use crate::invoice::{NumberFormat, TotalsByCurrency};
use crate::store;
use crate::store::invoices::InvoiceBatch;
use crate::subscription::plan_due_invoices;

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
    let tenant =
        store::tenants::get(&mut conn, tenant_id).await?.ok_or_else(|| Error::not_found("tenant", tenant_id))?;
    let format = NumberFormat::parse(&tenant.invoice_number_format)?;
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
    let issue_date = opts.as_of;
    let due_date = issue_date + Duration::days(i64::from(tenant.payment_terms_days));
    let series = format.series(issue_date);
    let mut cursor = Uuid::nil();
    let result: Result<()> = async {
        loop {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            let chunk = store::subscriptions::lock_due_chunk(
                &mut tx,
                tenant_id,
                opts.as_of,
                cursor,
                i64::from(opts.chunk_size),
            )
            .await?;
            let Some(last) = chunk.last() else { break };
            cursor = last.billable.id.as_uuid();

            let mut batch = InvoiceBatch::default();
            let mut advance_ids = Vec::with_capacity(chunk.len());
            let mut advance_idx = Vec::with_capacity(chunk.len());
            let mut advance_dates = Vec::with_capacity(chunk.len());
            for due in &chunk {
                let planned = plan_due_invoices(&due.billable, opts.as_of)?;
                let Some(last_planned) = planned.last() else { continue };
                advance_ids.push(due.billable.id.as_uuid());
                advance_idx.push(
                    i32::try_from(last_planned.period_index + 1)
                        .map_err(|_| Error::invalid("period", "too many periods"))?,
                );
                advance_dates.push(last_planned.period.end);
                for p in planned {
                    out.totals.add(p.amount)?;
                    batch.ids.push(InvoiceId::new().as_uuid());
                    batch.customer_ids.push(p.customer_id.as_uuid());
                    batch.subscription_ids.push(p.subscription_id.as_uuid());
                    batch.currencies.push(p.amount.currency().code().to_string());
                    batch.amounts.push(p.amount.minor());
                    batch.period_starts.push(p.period.start);
                    batch.period_ends.push(p.period.end);
                    batch.customer_names.push(due.customer_name.clone());
                    batch.customer_emails.push(due.customer_email.clone());
                    batch.customer_countries.push(due.customer_country.clone());
                    batch.descriptions.push(p.description);
                    batch.quantities.push(i64::from(p.quantity));
                    batch.unit_amounts.push(p.unit_price.minor());
                }
            }
            if !batch.is_empty() {
                let count = batch.len() as i64;
                let first = store::invoices::reserve_numbers(&mut tx, tenant_id, &series, count).await?;
                for seq in first..first + count {
                    batch.series.push(series.clone());
                    batch.sequences.push(seq);
                    batch.numbers.push(format.render(issue_date, seq));
                }
                store::invoices::insert_finalized_batch(&mut tx, tenant_id, run_id, &batch, issue_date, due_date, now)
                    .await?;
                store::subscriptions::advance_periods(
                    &mut tx,
                    tenant_id,
                    &advance_ids,
                    &advance_idx,
                    &advance_dates,
                    now,
                )
                .await?;
                let events: Vec<serde_json::Value> = batch
                    .ids
                    .iter()
                    .zip(&batch.numbers)
                    .map(|(id, number)| serde_json::json!({ "invoice": InvoiceId(*id).to_string(), "number": number }))
                    .collect();
                store::outbox::insert_many(&mut tx, tenant_id, "invoice.finalized", &events, now).await?;
                failpoint::after_chunk_written(batch.len());
            }
            out.subscriptions += chunk.len() as u64;
            out.invoices += batch.len() as u64;
            if opts.dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            progress.advance(chunk.len() as u64);
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
