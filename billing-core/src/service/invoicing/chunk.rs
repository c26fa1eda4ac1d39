//! One chunk of a tenant's run: lock the next due subscriptions, check each (an exception leaves
//! it due and untouched), and write the invoices, lines and advanced periods of the others with
//! one statement each.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::context::TenantContext;
use crate::error::{Error, Result};
use crate::ids::{InvoiceId, InvoiceRunId, SubscriptionId, TenantId};
use crate::invoice::TotalsByCurrency;
use crate::period::period_at;
use crate::profile::{self, Phase};
use crate::proration::round_div;
use crate::run_report::{ExceptionCode, RunCounts, RunException, RunTotals};
use crate::store;
use crate::store::invoices::InvoiceBatch;
use crate::subscription::{Terms, due_date, due_periods, plan_due_invoices};

/// How a chunk treats what it cannot invoice cleanly.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mode {
    /// Exceptions are written to this run inside the chunk's transaction.
    Real(InvoiceRunId),
    /// Exceptions are returned; the caller rolls the chunk back and records them at the end.
    Dry,
    /// No exceptions: a blocking problem is an error (simulations).
    Direct,
}

/// What one chunk did.
#[derive(Debug, Default)]
pub(super) struct ChunkOutcome {
    pub(super) counts: RunCounts,
    pub(super) totals: RunTotals,
    pub(super) by_currency: TotalsByCurrency,
    /// New exceptions per code, all counted (`counts.exceptions` is their sum).
    pub(super) by_code: BTreeMap<ExceptionCode, u64>,
    /// A dry run's sampled exceptions (a real run writes its own as rows).
    pub(super) exceptions: Vec<RunException>,
}

impl ChunkOutcome {
    pub(super) fn merge(&mut self, other: ChunkOutcome) -> Result<()> {
        self.counts.merge(&other.counts);
        self.totals.merge(&other.totals)?;
        self.by_currency.merge(&other.by_currency)?;
        for (code, n) in other.by_code {
            *self.by_code.entry(code).or_default() += n;
        }
        self.exceptions.extend(other.exceptions);
        Ok(())
    }
}

/// How many exceptions of one code a run keeps as examples beyond the count (warnings of a real
/// run; everything of a dry run). Blocking exceptions of a real run are all kept.
pub const SAMPLE_PER_CODE: u64 = 20;

/// Decides which exceptions of a run are kept as examples: the first [`SAMPLE_PER_CODE`] of each
/// code, so a run's memory and rows stay bounded however many subscriptions share a warning.
#[derive(Debug, Default)]
pub(super) struct Sampler {
    taken: BTreeMap<ExceptionCode, u64>,
}

impl Sampler {
    /// A sampler that already kept `taken` (a resumed run's rows).
    pub(super) fn with_taken(taken: BTreeMap<ExceptionCode, u64>) -> Self {
        Self { taken }
    }

    fn take(&mut self, code: ExceptionCode) -> bool {
        let n = self.taken.entry(code).or_default();
        *n += 1;
        *n <= SAMPLE_PER_CODE
    }
}

/// The e-invoice settings of the chunk's customers who receive e-invoices, and whether each
/// has a card on file (its payment instruction when the seller has no bank account).
async fn einvoice_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    chunk: &[store::subscriptions::DueSubscription],
) -> Result<EInvoiceCustomers> {
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
    customers: &EInvoiceCustomers,
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

/// What a chunk is asked to do: the part of a run that stays the same from chunk to chunk.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChunkScope {
    pub(super) mode: Mode,
    pub(super) as_of: NaiveDate,
    pub(super) size: u32,
    /// Only this subscription (a simulation); every due one when `None`.
    pub(super) only: Option<SubscriptionId>,
    /// The last subscription id of this worker's part of the run; the end of the due ones when
    /// `None`.
    pub(super) upto: Option<Uuid>,
    pub(super) now: DateTime<Utc>,
}

/// What the chunk reads once for all its subscriptions before checking them one by one.
struct ChunkFacts {
    usage: BTreeMap<Uuid, BTreeMap<u32, Decimal>>,
    facts: std::collections::HashMap<Uuid, store::runs::ChunkFacts>,
    einvoice: EInvoiceCustomers,
}

type EInvoiceCustomers =
    std::collections::HashMap<crate::ids::CustomerId, (crate::store::einvoice::CustomerSettings, bool)>;

/// A subscription that passed its checks: its due periods with their VAT and Art. 230 statement.
struct Accepted {
    planned: Vec<crate::subscription::PlannedInvoice>,
    vats: Vec<(crate::tax::TaxDecision, crate::tax::TaxSummary)>,
    nationals: Vec<Option<crate::fx::Conversion>>,
}

/// What the chunk writes: the invoices and the subscriptions' new periods.
#[derive(Default)]
struct ChunkWrites {
    batch: InvoiceBatch,
    advance_ids: Vec<Uuid>,
    advance_idx: Vec<i32>,
    advance_dates: Vec<NaiveDate>,
    advance_starts: Vec<NaiveDate>,
    pending_applied: Vec<(SubscriptionId, Terms)>,
}

/// Invoices the next chunk of due subscriptions after `cursor` on `conn`; returns the new
/// cursor and what the chunk did, or `None` when nothing is left.
///
/// Each subscription is checked before anything is written for it; a blocking exception (no
/// price, no determinable VAT) leaves it due and untouched, and the chunk goes on with the others.
///
/// The writes come in two parts. First those that lock only the chunk's own rows (the advanced
/// subscriptions, the exception rows); then, from the reservation of the invoice numbers on, the
/// numbered invoices, their lines and their outbox messages: the reservation locks the series
/// row until the chunk commits (ADR 0003), so that second part (and the caller's progress record
/// and commit after it) is what the workers of a run do one at a time (ADR 0042). The first
/// part runs beside another worker's second.
pub(super) async fn process_chunk(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    scope: &ChunkScope,
    cursor: Uuid,
    sampler: &std::sync::Mutex<Sampler>,
) -> Result<Option<(Uuid, ChunkOutcome)>> {
    let tenant_id = ctx.tenant_id;
    let run_id = match scope.mode {
        Mode::Real(id) => Some(id),
        Mode::Dry | Mode::Direct => None,
    };
    let lap = std::time::Instant::now();
    let chunk = store::subscriptions::lock_due_chunk(
        conn,
        tenant_id,
        scope.as_of,
        cursor,
        scope.upto,
        i64::from(scope.size),
        scope.only,
    )
    .await?;
    let lap = profile::lap(Phase::LockDue, lap);
    let Some(last) = chunk.last() else { return Ok(None) };
    let next_cursor = last.billable.id.as_uuid();
    let mut out = ChunkOutcome::default();
    let facts = chunk_facts(conn, ctx, scope, &chunk).await?;
    let lap = profile::lap(Phase::ChunkFacts, lap);
    let mut writes = ChunkWrites::default();
    for due in &chunk {
        if let Some(accepted) = check_subscription(ctx, scope, &facts, due, &mut out)? {
            add_invoices(ctx, &mut writes, &mut out, due, accepted)?;
        }
    }
    profile::lap(Phase::Compute, lap);
    let invoices = writes.batch.len();
    let batch = std::mem::take(&mut writes.batch);
    if !batch.is_empty() {
        advance_subscriptions(conn, tenant_id, &writes, scope.now).await?;
        // The invoices' `invoice.finalized` messages, written here rather than after the number
        // reservation: this part runs beside another worker's numbered part (ADR 0056). Drafts
        // announce themselves when they are finalized.
        if ctx.draft_hours == 0 {
            let lap = std::time::Instant::now();
            store::outbox::enqueue_finalized_before_numbering(conn, tenant_id, &batch.ids, scope.now).await?;
            profile::lap(Phase::Outbox, lap);
        }
    }
    // Count what is new to the run: a resumed run meets the subscriptions it could not invoice
    // before again, and must not count them (or their exceptions) twice. A real run keeps every
    // blocking exception as a row (those subscriptions stay due: the rows are what finance works
    // through); warnings are all counted, and kept as rows up to a sample per code. A dry run
    // keeps a sample of each code and hands it back for its record.
    let lap = std::time::Instant::now();
    let mut skipped = std::collections::BTreeSet::new();
    let mut seen_again = std::collections::BTreeSet::new();
    let mut kept = Vec::new();
    {
        let mut sampler = sampler.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for e in std::mem::take(&mut out.exceptions) {
            if e.blocking && run_id.is_some() {
                kept.push(e);
                continue;
            }
            *out.by_code.entry(e.code).or_default() += 1;
            if e.blocking {
                skipped.insert(e.subscription_id);
            }
            if sampler.take(e.code) {
                kept.push(e);
            }
        }
    }
    if let Some(run) = run_id {
        let new = store::runs::record_exceptions(conn, tenant_id, run, &kept, scope.now).await?;
        for (e, is_new) in kept.iter().zip(new) {
            match (e.blocking, is_new) {
                (true, true) => {
                    skipped.insert(e.subscription_id);
                    *out.by_code.entry(e.code).or_default() += 1;
                }
                (true, false) => {
                    seen_again.insert(e.subscription_id);
                }
                (false, _) => {}
            }
        }
    } else {
        out.exceptions = kept;
    }
    profile::lap(Phase::Exceptions, lap);
    if !batch.is_empty() {
        write_invoices(conn, ctx, scope, run_id, batch).await?;
        failpoint::after_chunk_written(invoices);
    }
    out.counts = RunCounts {
        subscriptions: (chunk.len() - seen_again.len()) as u64,
        invoices: invoices as u64,
        skipped: skipped.len() as u64,
        exceptions: out.by_code.values().sum(),
    };
    Ok(Some((next_cursor, out)))
}

async fn chunk_facts(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    scope: &ChunkScope,
    chunk: &[store::subscriptions::DueSubscription],
) -> Result<ChunkFacts> {
    let usage = metered_usage(conn, ctx, chunk, scope.as_of).await?;
    let facts = match scope.mode {
        Mode::Direct => Default::default(),
        Mode::Real(_) | Mode::Dry => {
            let ids: Vec<Uuid> = chunk.iter().map(|d| d.billable.id.as_uuid()).collect();
            store::runs::chunk_facts(conn, ctx.tenant_id, &ids).await?
        }
    };
    let einvoice = match scope.mode {
        Mode::Direct => Default::default(),
        Mode::Real(_) | Mode::Dry => einvoice_customers(conn, ctx.tenant_id, chunk).await?,
    };
    Ok(ChunkFacts { usage, facts, einvoice })
}

/// Checks one due subscription: rates its due periods and decides their VAT and Art. 230
/// statement. A blocking problem is recorded in `out` as an exception (an error in a simulation)
/// and the subscription is left out; warnings are recorded and it is invoiced.
fn check_subscription(
    ctx: &TenantContext,
    scope: &ChunkScope,
    facts: &ChunkFacts,
    due: &store::subscriptions::DueSubscription,
    out: &mut ChunkOutcome,
) -> Result<Option<Accepted>> {
    let mode = scope.mode;
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
    let sub_facts = facts.facts.get(&sub_id.as_uuid());
    if sub_facts.is_some_and(|f| !f.has_price) {
        out.exceptions.push(price_missing());
        return Ok(None);
    }
    let no_usage = BTreeMap::new();
    let sub_usage = facts.usage.get(&sub_id.as_uuid()).unwrap_or(&no_usage);
    let planned = match (plan_due_invoices(&due.billable, scope.as_of, ctx.policy, sub_usage), mode) {
        (Ok(p), _) => p,
        (Err(e), Mode::Direct) => return Err(e),
        (Err(e), _) => {
            tracing::warn!(subscription = %sub_id, error = %e, "cannot rate the subscription's period");
            out.exceptions.push(price_missing());
            return Ok(None);
        }
    };
    if planned.is_empty() {
        return Ok(None);
    }
    // The subscription's due periods are invoiced together or not at all; they must be read
    // in one tax behaviour. They differ only when a scheduled change moves the subscription
    // between a net and a gross price inside the periods this run would invoice at once.
    if let Err(e) = crate::catalog::TaxBehavior::of_document(planned.iter().map(|p| p.tax_behavior)) {
        if let Mode::Direct = mode {
            return Err(e);
        }
        out.exceptions
            .push(exception(ExceptionCode::TaxBehaviorMixed, &[("plan", due.billable.terms.plan_name.clone())]));
        return Ok(None);
    }
    let customer_tax = due.customer.tax_profile(ctx.trust_check_digits);
    // VAT for every due period first: a subscription is invoiced for all of them or none.
    let mut vats = Vec::with_capacity(planned.len());
    for p in &planned {
        match ctx.vat(&customer_tax, due.tax_category, p.period.start, p.total, p.tax_behavior) {
            Ok(v) => vats.push(v),
            Err(e) if matches!(mode, Mode::Direct) => return Err(e),
            Err(e) => {
                out.exceptions.push(exception(
                    ExceptionCode::TaxUndeterminable,
                    &[("country", due.customer_country.clone()), ("reason", e.to_string())],
                ));
                return Ok(None);
            }
        }
    }
    // Art. 230: every period's VAT in the national currency, or the subscription is held.
    let mut nationals = Vec::with_capacity(vats.len());
    for (p, (_, vat)) in planned.iter().zip(&vats) {
        match (ctx.vat_in_national_currency(vat.tax_total, p.period.start), mode) {
            (Ok(n), _) => nationals.push(n),
            // A simulation issues no document: it shows the amounts without the statement.
            (Err(_), Mode::Direct) => nationals.push(None),
            (Err(national), _) => {
                out.exceptions.push(exception(
                    ExceptionCode::FxRateMissing,
                    &[
                        ("currency", currency.clone()),
                        ("national", national.code().to_string()),
                        ("date", p.period.start.to_string()),
                        ("days", crate::fx::ART230_RATE_WINDOW_DAYS.to_string()),
                    ],
                ));
                return Ok(None);
            }
        }
    }
    if !matches!(mode, Mode::Direct) {
        // Exactly the tax engine's own judgment: it charged a business as a consumer.
        if vats.iter().any(|(d, _)| d.rule.starts_with("eu_b2b_unconfirmed_vat_id")) {
            out.exceptions.push(exception(ExceptionCode::VatIdMissing, &[("country", due.customer_country.clone())]));
        }
        if ctx.collects_automatically && sub_facts.is_some_and(|f| !f.has_payment_method) {
            out.exceptions.push(exception(ExceptionCode::PaymentMethodMissing, &[]));
        }
        if let Some((format, missing)) = einvoice_gaps(ctx, &facts.einvoice, due) {
            out.exceptions.push(exception(
                ExceptionCode::EInvoiceDataMissing,
                &[("format", format.as_str().to_string()), ("missing", missing)],
            ));
        }
    }
    Ok(Some(Accepted { planned, vats, nationals }))
}

/// Adds an accepted subscription's invoices to the chunk's batch and its next period to the
/// subscriptions to advance.
fn add_invoices(
    ctx: &TenantContext,
    w: &mut ChunkWrites,
    out: &mut ChunkOutcome,
    due: &store::subscriptions::DueSubscription,
    accepted: Accepted,
) -> Result<()> {
    let Accepted { planned, vats, nationals } = accepted;
    let sub_id = due.billable.id;
    let Some(last_planned) = planned.last() else { return Ok(()) };
    let next_index = last_planned.period_index + 1;
    let next_period = period_at(due.billable.anchor, due.billable.interval, next_index)?;
    w.advance_ids.push(sub_id.as_uuid());
    w.advance_idx.push(i32::try_from(next_index).map_err(|_| Error::invalid("period", "too many periods"))?);
    w.advance_starts.push(next_period.start);
    w.advance_dates.push(due_date(due.billable.timing, next_period));
    if let (true, Some(p)) = (planned.iter().any(|p| p.used_pending), &due.billable.pending) {
        w.pending_applied.push((
            sub_id,
            Terms { plan_id: p.plan_id, plan_name: p.plan_name.clone(), price: p.price.clone(), quantity: p.quantity },
        ));
    }
    let batch = &mut w.batch;
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
    Ok(())
}

/// Advances the invoiced subscriptions to their next period and applies their scheduled
/// changes: rows of this chunk only, locked by it already.
async fn advance_subscriptions(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    w: &ChunkWrites,
    now: DateTime<Utc>,
) -> Result<()> {
    let lap = std::time::Instant::now();
    store::subscriptions::advance_periods(
        conn,
        tenant_id,
        &w.advance_ids,
        &w.advance_idx,
        &w.advance_starts,
        &w.advance_dates,
        now,
    )
    .await?;
    for (id, terms) in &w.pending_applied {
        store::subscriptions::apply_pending(conn, tenant_id, *id, terms, now).await?;
    }
    profile::lap(Phase::AdvanceSubscriptions, lap);
    Ok(())
}

/// Numbers (or leaves as drafts) and writes the chunk's invoices; their messages are written
/// before (`process_chunk`). The number reservation holds the series row until the chunk
/// commits: keep what follows it short.
async fn write_invoices(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    scope: &ChunkScope,
    run_id: Option<InvoiceRunId>,
    mut batch: InvoiceBatch,
) -> Result<()> {
    let tenant_id = ctx.tenant_id;
    let now = scope.now;
    let count = batch.len() as i64;
    let drafts = ctx.draft_hours > 0;
    if drafts {
        // Numbered at finalization, so a draft that is deleted leaves no gap.
        batch.series = vec![None; batch.len()];
        batch.sequences = vec![None; batch.len()];
        batch.numbers = vec![None; batch.len()];
    } else {
        let lap = std::time::Instant::now();
        let first = store::invoices::reserve_numbers(conn, tenant_id, &ctx.series, count).await?;
        profile::lap(Phase::ReserveNumbers, lap);
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
    store::invoices::insert_finalized_batch(conn, tenant_id, batch_ctx, &batch, now).await
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

/// The VAT summary of the invoice the run will make for `sub` on `as_of` (its next billing
/// date), computed by the run's own steps (rating, coupon, usage so far, VAT), nothing written
/// and nothing locked. `None` when the subscription would not be invoiced on that day.
pub(super) async fn preview_one(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    as_of: NaiveDate,
    sub: SubscriptionId,
) -> Result<Option<crate::tax::TaxSummary>> {
    let Some(due) = store::subscriptions::due_preview(conn, ctx.tenant_id, as_of, sub).await? else {
        return Ok(None);
    };
    let chunk = [due];
    let usage = metered_usage(conn, ctx, &chunk, as_of).await?;
    let due = &chunk[0];
    let no_usage = BTreeMap::new();
    let sub_usage = usage.get(&sub.as_uuid()).unwrap_or(&no_usage);
    let planned = plan_due_invoices(&due.billable, as_of, ctx.policy, sub_usage)?;
    // The first period due is the invoice dated on the next billing date.
    let Some(p) = planned.first() else { return Ok(None) };
    let customer_tax = due.customer.tax_profile(ctx.trust_check_digits);
    let (_, vat) = ctx.vat(&customer_tax, due.tax_category, p.period.start, p.total, p.tax_behavior)?;
    Ok(Some(vat))
}
