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
use crate::outbox::OutboxMessage;
use crate::period::period_at;
use crate::proration::round_div;
use crate::rounding::RoundingPolicy;
use crate::run_report::{ExceptionCode, RunCounts, RunException, RunTotals};
use crate::store;
use crate::store::invoices::InvoiceBatch;
use crate::subscription::{Terms, due_date, due_periods, plan_due_invoices};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

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
    /// Who started the run (recorded): `cli:<user>`, `api:<key prefix>`, `scheduler`.
    pub triggered_by: String,
}

impl RunOptions {
    pub fn new(as_of: NaiveDate) -> Self {
        Self { as_of, dry_run: false, allow_future: false, tenant: None, chunk_size: 500, triggered_by: "cli".into() }
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
        summary.exceptions += t.exceptions.len() as u64;
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
/// (see `store::runs::try_lock`), which tells a later run whether this one is still alive.
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
        store::runs::try_lock(&mut conn, id).await?;
        store::runs::start(&mut conn, tenant_id, id, opts.as_of, false, &opts.triggered_by, now).await?;
        (id, false)
    };

    // A dry run keeps its counts and totals here and records them at the end (its chunks roll
    // back); a real run records each chunk's outcome in the chunk's own transaction.
    let mut dry = ChunkOutcome::default();
    let mut checkpoint = std::time::Instant::now();
    let mut cursor = Uuid::nil();
    let mode = if opts.dry_run { Mode::Dry } else { Mode::Real(run_id) };
    let result: Result<()> = async {
        loop {
            let mut tx = conn.begin().await?;
            let Some((next, outcome)) =
                process_chunk(&mut tx, &ctx, mode, opts.as_of, cursor, opts.chunk_size, None, now).await?
            else {
                break;
            };
            cursor = next;
            progress.advance(outcome.counts.subscriptions);
            if opts.dry_run {
                tx.rollback().await?;
                // The exceptions are the dry run's report, not invoice data: they are kept (after
                // the rollback), so memory stays flat however many there are.
                let mut outcome = outcome;
                let new =
                    store::runs::record_exceptions(&mut conn, tenant_id, run_id, &outcome.exceptions, now).await?;
                outcome.counts.exceptions = new.iter().filter(|n| **n).count() as u64;
                outcome.exceptions.clear();
                dry.merge(outcome)?;
            } else {
                let ms = elapsed_ms(&mut checkpoint);
                store::runs::add_progress(&mut tx, tenant_id, run_id, &outcome.counts, &outcome.totals, ms).await?;
                tx.commit().await?;
            }
        }
        if opts.dry_run {
            let ms = elapsed_ms(&mut checkpoint);
            store::runs::add_progress(&mut conn, tenant_id, run_id, &dry.counts, &dry.totals, ms).await?;
        } else {
            store::subscriptions::end_scheduled_cancellations(&mut conn, tenant_id, opts.as_of, None, now).await?;
        }
        Ok(())
    }
    .await;

    let status = if result.is_ok() { "completed" } else { "failed" };
    let finished =
        store::runs::finish(&mut conn, tenant_id, run_id, status, elapsed_ms(&mut checkpoint), Utc::now().max(now))
            .await;
    if !opts.dry_run {
        store::runs::unlock(&mut conn, run_id).await?;
    }
    result?;
    finished?;
    tracing::info!(run = %run_id, ms = started.elapsed().as_millis() as u64, "invoice run finished");
    let out = summary_from_record(&mut conn, tenant_id, run_id).await?;
    debug_assert!(!resumed || out.resumed > 0);
    Ok(out)
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
    let record =
        store::runs::get(conn, tenant_id, run_id).await?.ok_or_else(|| Error::not_found("invoice run", run_id))?;
    let report = record.run_totals()?;
    let counts = record.counts();
    let mut totals = TotalsByCurrency::default();
    for c in &report.by_currency {
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
        tenant_id,
        run_id: Some(run_id),
        subscriptions: counts.subscriptions,
        invoices: counts.invoices,
        skipped: counts.skipped,
        totals,
        report,
        exceptions: store::runs::exceptions(conn, tenant_id, run_id).await?,
        resumed: u32::try_from(record.resumed_count).unwrap_or(0),
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
    if let Some((_, outcome)) = process_chunk(conn, &ctx, Mode::Direct, as_of, Uuid::nil(), 1, Some(sub), now).await? {
        out.subscriptions = outcome.counts.subscriptions;
        out.invoices = outcome.counts.invoices;
        out.totals = outcome.by_currency;
        out.report = outcome.totals;
    }
    store::subscriptions::end_scheduled_cancellations(conn, tenant_id, as_of, Some(sub), now).await?;
    Ok(out)
}

/// How a chunk treats what it cannot invoice cleanly.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Exceptions are written to this run inside the chunk's transaction.
    Real(InvoiceRunId),
    /// Exceptions are returned; the caller rolls the chunk back and records them at the end.
    Dry,
    /// No exceptions: a blocking problem is an error (simulations).
    Direct,
}

/// What one chunk did.
#[derive(Debug, Default)]
struct ChunkOutcome {
    counts: RunCounts,
    totals: RunTotals,
    by_currency: TotalsByCurrency,
    exceptions: Vec<RunException>,
}

impl ChunkOutcome {
    fn merge(&mut self, other: ChunkOutcome) -> Result<()> {
        self.counts.merge(&other.counts);
        self.totals.merge(&other.totals)?;
        self.by_currency.merge(&other.by_currency)?;
        self.exceptions.extend(other.exceptions);
        Ok(())
    }
}

/// What every chunk of one tenant's run shares.
struct TenantContext {
    tenant_id: TenantId,
    timezone: chrono_tz::Tz,
    seller: crate::tax::SellerProfile,
    trust_check_digits: bool,
    /// The seller's national currency (EU sellers) and the ECB rates from the earliest due
    /// period's start (less the Art. 230 window) up to the as-of date.
    national: Option<(crate::currency::Currency, crate::fx::RateTable)>,
    format: NumberFormat,
    series: String,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    policy: RoundingPolicy,
    /// The merchant charges payment methods automatically: a customer without one is an exception.
    collects_automatically: bool,
    /// For a seller using the Art. 59c threshold: its cross-border B2C turnover so far (this run's
    /// invoices are added as they are decided) and the rates that convert it to EUR.
    art59c: Option<(std::sync::Mutex<crate::tax::art59c::Turnover>, crate::fx::RateTable)>,
    /// Invoices stay drafts this long (one-off lines can be added) before the finalize-drafts job
    /// numbers them; 0 finalizes them at once.
    draft_hours: i32,
    /// The seller as its e-invoices will show it, to warn about customers whose chosen
    /// e-invoice format lacks data (`ExceptionCode::EInvoiceDataMissing`).
    einvoice_seller: (crate::party::SellerSnapshot, crate::einvoice::SellerFacts),
}

impl TenantContext {
    async fn load(conn: &mut PgConnection, tenant_id: TenantId, as_of: NaiveDate) -> Result<Self> {
        let tenant =
            store::tenants::get(conn, tenant_id).await?.ok_or_else(|| Error::not_found("tenant", tenant_id))?;
        let format = NumberFormat::parse(&tenant.invoice_number_format)?;
        let series = format.series(as_of);
        let national = match tenant.country.eu_national_currency().map(crate::currency::Currency::from_code) {
            Some(Ok(currency)) => {
                // Each invoice's VAT is stated at the rate of its own supply date, which for a
                // subscription catching up on past periods lies before the as-of date.
                let earliest = store::subscriptions::earliest_due_start(conn, tenant_id, as_of).await?;
                let from = earliest.unwrap_or(as_of).min(as_of);
                let window = Duration::days(crate::fx::ART230_RATE_WINDOW_DAYS);
                Some((currency, store::fx::table_between(conn, from - window, as_of).await?))
            }
            _ => None,
        };
        let (_, draft_hours) = store::tenants::draft_hours(conn, tenant_id).await?;
        let art59c = if tenant.tax.b2c_threshold_opt {
            let (turnover, rates) = crate::service::invoices::threshold::load(conn, tenant_id, as_of).await?;
            Some((std::sync::Mutex::new(turnover), rates))
        } else {
            None
        };
        let einvoice_seller =
            (crate::party::SellerSnapshot::of(&tenant), store::einvoice::seller_facts(conn, tenant_id).await?);
        Ok(Self {
            einvoice_seller,
            draft_hours,
            art59c,
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
            collects_automatically: store::runs::collects_automatically(conn, tenant_id).await?,
        })
    }
}

impl TenantContext {
    /// Art. 230 Directive 2006/112/EC: the VAT of an invoice in another currency, converted into
    /// the seller's national currency with the ECB rate of the day the VAT is decided for (the
    /// supply date), or the last publication before it within `fx::ART230_RATE_WINDOW_DAYS`.
    /// `Ok(None)` when not needed (same currency, no VAT, seller outside the EU); the national
    /// currency as the error when no such rate has been imported (`billing fx-import`): the
    /// invoice is then held, never issued without its statement.
    fn vat_in_national_currency(
        &self,
        tax: crate::money::Money,
        supply_date: NaiveDate,
    ) -> std::result::Result<Option<crate::fx::Conversion>, crate::currency::Currency> {
        let Some((national, table)) = self.national.as_ref() else { return Ok(None) };
        if tax.currency() == *national || tax.is_zero() {
            return Ok(None);
        }
        crate::fx::vat_in_national_currency(tax, *national, supply_date, table, self.policy).map(Some).map_err(|e| {
            tracing::warn!(error = %e, currency = %tax.currency(), "no ECB rate for the Art. 230 VAT statement");
            *national
        })
    }

    /// The VAT of one period's invoice. With the Art. 59c threshold in use, a cross-border B2C
    /// supply is taxed at destination once this run's invoices, with the year's earlier ones,
    /// exceed it, and every such supply is added to the running turnover. (A chunk that fails and
    /// is retried adds its supplies twice: the error is toward destination taxation, which the
    /// seller may always choose, never toward home taxation past the threshold.)
    fn vat(
        &self,
        customer: &crate::tax::CustomerProfile,
        category: crate::tax::TaxCategory,
        supply_date: NaiveDate,
        amount: crate::money::Money,
        behavior: crate::catalog::TaxBehavior,
    ) -> Result<(crate::tax::TaxDecision, crate::tax::TaxSummary)> {
        use crate::service::invoices::threshold::to_eur;
        use crate::tax::art59c;
        let (decision, summary) =
            document_vat(&self.seller, customer, category, supply_date, &[amount], behavior, self.policy)?;
        let Some((turnover, rates)) = &self.art59c else { return Ok((decision, summary)) };
        if !art59c::counts(decision.rule) {
            return Ok((decision, summary));
        }
        let mut turnover = turnover.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (decision, summary) = if art59c::kept_at_home(&decision)
            && turnover.exceeded_with(to_eur(rates, summary.net_total, supply_date)?.minor())
        {
            crate::invoice::document_vat_with(
                &self.seller,
                customer,
                category,
                supply_date,
                &[amount],
                behavior,
                self.policy,
                true,
            )?
        } else {
            (decision, summary)
        };
        turnover.add(to_eur(rates, summary.net_total, supply_date)?);
        Ok((decision, summary))
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

/// The e-invoice settings of the chunk's customers who receive e-invoices, and whether each
/// has a card on file (its payment instruction when the seller has no bank account).
async fn einvoice_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    chunk: &[store::subscriptions::DueSubscription],
) -> Result<std::collections::HashMap<crate::ids::CustomerId, (crate::store::einvoice::CustomerSettings, bool)>> {
    let ids: Vec<Uuid> = chunk.iter().map(|d| d.billable.customer_id.as_uuid()).collect();
    let settings = store::einvoice::customers_settings(conn, tenant, &ids).await?;
    if settings.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let with_card = store::einvoice::customers_with_card(conn, tenant, &ids).await?;
    Ok(settings.into_iter().map(|(id, s)| (id, (s, with_card.contains(&id.as_uuid())))).collect())
}

/// The e-invoice format this subscription's customer receives and the data it lacks (codes,
/// comma-separated), if any.
fn einvoice_gaps(
    ctx: &TenantContext,
    customers: &std::collections::HashMap<crate::ids::CustomerId, (crate::store::einvoice::CustomerSettings, bool)>,
    due: &store::subscriptions::DueSubscription,
) -> Option<(crate::einvoice::Format, String)> {
    let (settings, card) = customers.get(&due.billable.customer_id)?;
    let format = settings.preference.format()?;
    let missing = crate::einvoice::missing_party_data(
        format.profile(),
        &crate::einvoice::Parties {
            seller: &ctx.einvoice_seller.0,
            seller_facts: &ctx.einvoice_seller.1,
            buyer_has_address: due.customer.address.is_some(),
            buyer_facts: &settings.buyer,
            pays_by_card: *card,
        },
    );
    (!missing.is_empty()).then(|| (format, missing.iter().map(|m| m.code()).collect::<Vec<_>>().join(", ")))
}

/// Invoices the next chunk of due subscriptions after `cursor` on `conn`; returns the new
/// cursor and what the chunk did, or `None` when nothing is left.
///
/// Each subscription is checked before anything is written for it; a blocking exception (no
/// price, no determinable VAT) leaves it due and untouched, and the chunk goes on with the others.
#[allow(clippy::too_many_arguments)]
async fn process_chunk(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    mode: Mode,
    as_of: NaiveDate,
    cursor: Uuid,
    chunk_size: u32,
    only: Option<SubscriptionId>,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, ChunkOutcome)>> {
    let tenant_id = ctx.tenant_id;
    let run_id = match mode {
        Mode::Real(id) => Some(id),
        Mode::Dry | Mode::Direct => None,
    };
    let chunk =
        store::subscriptions::lock_due_chunk(conn, tenant_id, as_of, cursor, i64::from(chunk_size), only).await?;
    let Some(last) = chunk.last() else { return Ok(None) };
    let next_cursor = last.billable.id.as_uuid();
    let mut out = ChunkOutcome::default();

    let mut batch = InvoiceBatch::default();
    let mut advance_ids = Vec::with_capacity(chunk.len());
    let mut advance_idx = Vec::with_capacity(chunk.len());
    let mut advance_dates = Vec::with_capacity(chunk.len());
    let mut advance_starts = Vec::with_capacity(chunk.len());
    let mut pending_applied = Vec::new();
    let usage = metered_usage(conn, ctx, &chunk, as_of).await?;
    let facts = match mode {
        Mode::Direct => Default::default(),
        Mode::Real(_) | Mode::Dry => {
            let ids: Vec<Uuid> = chunk.iter().map(|d| d.billable.id.as_uuid()).collect();
            store::runs::chunk_facts(conn, tenant_id, &ids).await?
        }
    };
    let einvoice = match mode {
        Mode::Direct => Default::default(),
        Mode::Real(_) | Mode::Dry => einvoice_customers(conn, tenant_id, &chunk).await?,
    };
    let no_usage = BTreeMap::new();
    for due in &chunk {
        let sub_id = due.billable.id;
        let exception = |code: ExceptionCode, details: &[(&str, String)]| {
            let mut args = vec![("customer", due.customer_name.clone())];
            args.extend(details.iter().cloned());
            RunException::new(sub_id, due.billable.customer_id, code, &args)
        };
        let currency = due.billable.terms.price.currency.code().to_string();
        let price_missing = || {
            exception(
                ExceptionCode::PriceMissing,
                &[("plan", due.billable.terms.plan_name.clone()), ("currency", currency.clone())],
            )
        };
        let sub_facts = facts.get(&sub_id.as_uuid());
        if sub_facts.is_some_and(|f| !f.has_price) {
            out.exceptions.push(price_missing());
            continue;
        }
        let sub_usage = usage.get(&sub_id.as_uuid()).unwrap_or(&no_usage);
        let planned = match (plan_due_invoices(&due.billable, as_of, ctx.policy, sub_usage), mode) {
            (Ok(p), _) => p,
            (Err(e), Mode::Direct) => return Err(e),
            (Err(e), _) => {
                tracing::warn!(subscription = %sub_id, error = %e, "cannot rate the subscription's period");
                out.exceptions.push(price_missing());
                continue;
            }
        };
        let Some(last_planned) = planned.last() else { continue };
        // The subscription's due periods are invoiced together or not at all; they must be read
        // in one tax behaviour. They differ only when a scheduled change moves the subscription
        // between a net and a gross price inside the periods this run would invoice at once.
        if let Err(e) = crate::catalog::TaxBehavior::of_document(planned.iter().map(|p| p.tax_behavior)) {
            if let Mode::Direct = mode {
                return Err(e);
            }
            out.exceptions
                .push(exception(ExceptionCode::TaxBehaviorMixed, &[("plan", due.billable.terms.plan_name.clone())]));
            continue;
        }
        let customer_tax = due.customer.tax_profile(ctx.trust_check_digits);
        // VAT for every due period first: a subscription is invoiced for all of them or none.
        let mut vats = Vec::with_capacity(planned.len());
        let mut tax_error = None;
        for p in &planned {
            match ctx.vat(&customer_tax, due.tax_category, p.period.start, p.total, p.tax_behavior) {
                Ok(v) => vats.push(v),
                Err(e) => {
                    tax_error = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = tax_error {
            if let Mode::Direct = mode {
                return Err(e);
            }
            out.exceptions.push(exception(
                ExceptionCode::TaxUndeterminable,
                &[("country", due.customer_country.clone()), ("reason", e.to_string())],
            ));
            continue;
        }
        // Art. 230: every period's VAT in the national currency, or the subscription is held.
        let mut nationals = Vec::with_capacity(vats.len());
        let mut missing_rate = None;
        for (p, (_, vat)) in planned.iter().zip(&vats) {
            match (ctx.vat_in_national_currency(vat.tax_total, p.period.start), mode) {
                (Ok(n), _) => nationals.push(n),
                // A simulation issues no document: it shows the amounts without the statement.
                (Err(_), Mode::Direct) => nationals.push(None),
                (Err(national), _) => {
                    missing_rate = Some((national, p.period.start));
                    break;
                }
            }
        }
        if let Some((national, date)) = missing_rate {
            out.exceptions.push(exception(
                ExceptionCode::FxRateMissing,
                &[
                    ("currency", currency.clone()),
                    ("national", national.code().to_string()),
                    ("date", date.to_string()),
                    ("days", crate::fx::ART230_RATE_WINDOW_DAYS.to_string()),
                ],
            ));
            continue;
        }
        if !matches!(mode, Mode::Direct) {
            // Exactly the tax engine's own judgment: it charged a business as a consumer.
            if vats.iter().any(|(d, _)| d.rule.starts_with("eu_b2b_unconfirmed_vat_id")) {
                out.exceptions
                    .push(exception(ExceptionCode::VatIdMissing, &[("country", due.customer_country.clone())]));
            }
            if ctx.collects_automatically && sub_facts.is_some_and(|f| !f.has_payment_method) {
                out.exceptions.push(exception(ExceptionCode::PaymentMethodMissing, &[]));
            }
            if let Some((format, missing)) = einvoice_gaps(ctx, &einvoice, due) {
                out.exceptions.push(exception(
                    ExceptionCode::EInvoiceDataMissing,
                    &[("format", format.as_str().to_string()), ("missing", missing)],
                ));
            }
        }
        let next_index = last_planned.period_index + 1;
        let next_period = period_at(due.billable.anchor, due.billable.interval, next_index)?;
        advance_ids.push(sub_id.as_uuid());
        advance_idx.push(i32::try_from(next_index).map_err(|_| Error::invalid("period", "too many periods"))?);
        advance_starts.push(next_period.start);
        advance_dates.push(due_date(due.billable.timing, next_period));
        if let (true, Some(p)) = (planned.iter().any(|p| p.used_pending), &due.billable.pending) {
            pending_applied.push((
                sub_id,
                Terms {
                    plan_id: p.plan_id,
                    plan_name: p.plan_name.clone(),
                    price: p.price.clone(),
                    quantity: p.quantity,
                },
            ));
        }
        for ((p, (decision, vat)), national) in planned.into_iter().zip(vats).zip(nationals) {
            let gross = vat.gross_total;
            out.by_currency.add(gross)?;
            out.totals.add_invoice(&vat)?;
            batch.taxes.push(vat.tax_total.minor());
            batch.tax_groups.push(serde_json::to_value(&vat.groups).unwrap_or_default());
            batch.notices.push(vat.notices.iter().map(|n| n.key()).collect::<Vec<_>>().join(","));
            batch.tax_rules.push(decision.rule.to_string());
            batch.customer_vat_ids.push(due.customer.vat_id.as_ref().map(|v| v.to_string()));
            batch.vat_categories.push(decision.category_code.code().to_string());
            batch.vat_rates.push(decision.rate);
            batch.national_currencies.push(national.as_ref().map(|c| c.amount.currency().code().to_string()));
            batch.national_amounts.push(national.as_ref().map(|c| c.amount.minor()));
            batch.fx_rates.push(national.as_ref().map(|c| c.rate));
            batch.fx_rate_dates.push(national.as_ref().map(|c| c.rate_date));
            batch.fx_invoice_per_eur.push(national.as_ref().map(|c| c.from_per_eur));
            batch.fx_national_per_eur.push(national.as_ref().map(|c| c.to_per_eur));
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
            batch.tax_behaviors.push(p.tax_behavior.as_str().to_string());
            batch.tax_categories.push(crate::catalog::tax_category_str(due.tax_category).to_string());
        }
    }
    if !batch.is_empty() {
        let count = batch.len() as i64;
        let drafts = ctx.draft_hours > 0;
        if drafts {
            // Numbered at finalization, so a draft that is deleted leaves no gap.
            batch.series = vec![None; batch.len()];
            batch.sequences = vec![None; batch.len()];
            batch.numbers = vec![None; batch.len()];
        } else {
            let first = store::invoices::reserve_numbers(conn, tenant_id, &ctx.series, count).await?;
            for seq in first..first + count {
                batch.series.push(Some(ctx.series.clone()));
                batch.sequences.push(Some(seq));
                batch.numbers.push(Some(ctx.format.render(ctx.issue_date, seq)));
            }
        }
        let seller_vat_id = ctx.seller.vat_id.as_ref().map(|v| v.to_string());
        let batch_ctx = store::invoices::BatchContext {
            run: run_id,
            issue_date: ctx.issue_date,
            due_date: ctx.due_date,
            seller_vat_id: seller_vat_id.as_deref(),
            auto_finalize_at: drafts.then(|| now + chrono::Duration::hours(i64::from(ctx.draft_hours))),
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
        // Drafts announce themselves when they are finalized.
        let events: Vec<OutboxMessage> = batch
            .ids
            .iter()
            .zip(&batch.numbers)
            .filter_map(|(id, number)| {
                number.as_ref().map(|n| OutboxMessage::InvoiceFinalized { invoice: InvoiceId(*id), number: n.clone() })
            })
            .collect();
        store::outbox::enqueue(conn, tenant_id, &events, now).await?;
        failpoint::after_chunk_written(batch.len());
    }
    // Count what is new to the run: a resumed run meets the subscriptions it could not invoice
    // before again, and must not count them (or their exceptions) twice.
    let new = match run_id {
        Some(run) => store::runs::record_exceptions(conn, tenant_id, run, &out.exceptions, now).await?,
        None => vec![true; out.exceptions.len()],
    };
    let mut skipped = std::collections::BTreeSet::new();
    let mut seen_again = std::collections::BTreeSet::new();
    for (e, is_new) in out.exceptions.iter().zip(&new) {
        match (e.blocking, is_new) {
            (true, true) => skipped.insert(e.subscription_id),
            (true, false) => seen_again.insert(e.subscription_id),
            (false, _) => false,
        };
    }
    out.counts = RunCounts {
        subscriptions: (chunk.len() - seen_again.len()) as u64,
        invoices: batch.len() as u64,
        skipped: skipped.len() as u64,
        exceptions: new.iter().filter(|n| **n).count() as u64,
    };
    Ok(Some((next_cursor, out)))
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
