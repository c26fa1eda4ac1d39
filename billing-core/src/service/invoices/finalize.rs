//! Finalization: the draft gets its gapless number, the buyer's and seller's details are frozen,
//! VAT is decided for the supply date and rounded once per rate group, stated in the seller's
//! national currency when the invoice is in another one (Art. 230), and the customer's credit
//! balance pays what it can. From here on the invoice never changes; corrections are credit notes.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{Connection, PgConnection, PgPool};

use super::{load_tenant, lock, payment_terms, today};
use crate::catalog::parse_tax_category;
use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::invoice::{InvoiceAction, NumberFormat};
use crate::money::Money;
use crate::outbox::OutboxMessage;
use crate::rounding::RoundingPolicy;
use crate::service::settlement::{self, PaymentSource};
use crate::store;
use crate::store::balance::{BalanceKind, NewBalanceTransaction};
use crate::store::invoices::Invoice;
use crate::tenant::Tenant;

/// The VAT of a draft's lines if it is issued on `issue_date`, each line under its own product
/// tax category and for its own supply date (see [`supply_dates`]); the lines' decisions are
/// written back so the API shows category and rate per line. Also returns the document's supply
/// date, which the Art. 59c turnover and the Art. 230 statement are read for.
async fn decide_and_store_vat(
    conn: &mut PgConnection,
    t: &Tenant,
    id: InvoiceId,
    issue_date: NaiveDate,
) -> Result<Option<(crate::tax::TaxSummary, NaiveDate)>> {
    let store::invoice_lifecycle::VatHead {
        customer_id,
        currency,
        tax_behavior: behavior,
        kind,
        period_start,
        period_end,
    } = store::invoice_lifecycle::vat_head(conn, t.id, id).await?;
    let currency = crate::currency::Currency::from_code(currency.trim())?;
    let behavior = store::catalog::tax_behavior_from_row(&behavior)?;
    let customer = store::customers::get(conn, t.id, crate::ids::CustomerId(customer_id))
        .await?
        .ok_or_else(|| Error::not_found("customer", crate::ids::CustomerId(customer_id)))?;
    let rows = store::invoice_lifecycle::vat_lines(conn, t.id, id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let invoice_date = if kind == "subscription" { period_start } else { period_end.map(last_day) };
    let (dates, supply_date) =
        supply_dates(invoice_date, rows.iter().map(|r| (r.kind.as_str(), r.period_end)), issue_date);
    let lines: Vec<(i32, i64, Option<String>)> = rows.into_iter().map(|l| (l.line_no, l.net, l.tax_category)).collect();
    let seller = t.seller_profile();
    let buyer = customer.tax_profile(t.tax.trust_check_digits);
    let category_of = |category: &Option<String>| {
        category.as_deref().and_then(parse_tax_category).unwrap_or(crate::tax::TaxCategory::DigitalService)
    };
    let mut decisions = Vec::with_capacity(lines.len());
    for ((_, _, category), day) in lines.iter().zip(&dates) {
        decisions.push(crate::tax::decide(&seller, &buyer, category_of(category), *day, false)?);
    }
    // Art. 59c: lines kept at home below the EUR 10 000 threshold are taxed at destination when
    // this invoice, with the year's earlier ones, exceeds it.
    if decisions.iter().any(crate::tax::art59c::kept_at_home) {
        let (turnover, rates) = super::threshold::load(conn, t.id, supply_date).await?;
        let kept: i64 = lines
            .iter()
            .zip(&decisions)
            .filter(|(_, d)| crate::tax::art59c::kept_at_home(d))
            .map(|((_, net, _), _)| *net)
            .sum();
        let kept_eur = super::threshold::to_eur(&rates, Money::from_minor(kept, currency), supply_date)?;
        if turnover.exceeded_with(kept_eur.minor()) {
            for (((_, _, category), decision), day) in lines.iter().zip(decisions.iter_mut()).zip(&dates) {
                if crate::tax::art59c::kept_at_home(decision) {
                    *decision = crate::tax::decide(&seller, &buyer, category_of(category), *day, true)?;
                }
            }
        }
    }
    // The invoice's rule (that of its largest line): what the Art. 59c turnover and reports read.
    let main_rule = lines.iter().zip(&decisions).max_by_key(|((_, net, _), _)| net.abs()).map(|(_, d)| d.rule);
    store::invoice_lifecycle::set_tax_rule(conn, t.id, id, main_rule).await?;
    let mut taxable = Vec::with_capacity(lines.len());
    for ((line_no, net, _), decision) in lines.iter().zip(decisions) {
        store::invoice_lifecycle::set_line_vat(conn, t.id, id, *line_no, decision.category_code.code(), decision.rate)
            .await?;
        taxable.push(crate::tax::TaxableLine { net: Money::from_minor(*net, currency), decision });
    }
    // The lines are read in the draft's one behaviour: net, or what the customer pays.
    let summary = crate::tax::compute(&taxable, behavior.includes_tax(), RoundingPolicy::default())?;
    Ok(Some((summary, supply_date)))
}

/// The last day of a stored half-open period ending (exclusively) on `end`.
fn last_day(end: NaiveDate) -> NaiveDate {
    end - Duration::days(1)
}

/// The day each line's VAT is decided for, and the document's supply date.
///
/// A one-off line with its own supply date or period is supplied then (a period: on its last day,
/// when the service is complete, Art. 64(1) VAT Directive); any other line when the invoice says
/// (`invoice_date`), else on the issue date. A subscription invoice's date is its period's first
/// day, as the invoice run decides it (billing in advance). The document's date is the invoice's,
/// else its latest line's: by then the VAT of every line has become chargeable.
fn supply_dates<'a>(
    invoice_date: Option<NaiveDate>,
    lines: impl Iterator<Item = (&'a str, Option<NaiveDate>)>,
    issue_date: NaiveDate,
) -> (Vec<NaiveDate>, NaiveDate) {
    let dates: Vec<NaiveDate> = lines
        .map(|(kind, end)| {
            let own = if kind == "one_off" { end.map(last_day) } else { None };
            own.or(invoice_date).unwrap_or(issue_date)
        })
        .collect();
    let document = invoice_date.or_else(|| dates.iter().max().copied()).unwrap_or(issue_date);
    (dates, document)
}

async fn store_totals(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    vat: Option<&crate::tax::TaxSummary>,
) -> Result<()> {
    let (net, tax, groups, notices) = match vat {
        Some(v) => (
            v.net_total.minor(),
            v.tax_total.minor(),
            serde_json::to_value(&v.groups).unwrap_or_default(),
            v.notices.iter().map(|n| n.key().to_string()).collect::<Vec<_>>(),
        ),
        None => (0, 0, serde_json::json!([]), Vec::new()),
    };
    // The subtotal is the lines' sum before discounts, as entered: net on an exclusive draft, VAT
    // included on an inclusive one (see the invoices_total CHECK). Staff lines have no discount; a
    // subscription draft from the run keeps its coupon's.
    store::invoice_lifecycle::set_totals(conn, tenant, id, net, tax, &groups, &notices).await?;
    Ok(())
}

/// Recomputes a draft's totals as a preview (as if issued today; finalization decides the VAT
/// again for the dates it is finalized with).
pub(super) async fn refresh_draft_totals(
    conn: &mut PgConnection,
    t: &Tenant,
    id: InvoiceId,
    now: DateTime<Utc>,
) -> Result<()> {
    let vat = decide_and_store_vat(conn, t, id, today(t, now)).await?;
    store_totals(conn, t.id, id, vat.as_ref().map(|(v, _)| v)).await
}

/// Art. 230 Directive 2006/112/EC: the VAT of an invoice in another currency than the seller's
/// national one, stated in the national currency at the ECB rate of the supply date (or the last
/// publication before it, within `fx::ART230_RATE_WINDOW_DAYS`). `Ok(None)` when no statement is
/// needed; [`Error::FxRateMissing`] when no such rate was imported: the invoice is not issued
/// without it.
pub(crate) async fn national_vat(
    conn: &mut PgConnection,
    t: &Tenant,
    tax: Money,
    supply_date: NaiveDate,
) -> Result<Option<crate::fx::Conversion>> {
    let Some(Ok(national)) = t.country.eu_national_currency().map(crate::currency::Currency::from_code) else {
        return Ok(None);
    };
    if national == tax.currency() || tax.is_zero() {
        return Ok(None);
    }
    let window = Duration::days(crate::fx::ART230_RATE_WINDOW_DAYS);
    let table = store::fx::table_between(conn, supply_date - window, supply_date).await?;
    crate::fx::vat_in_national_currency(tax, national, supply_date, &table, RoundingPolicy::default())
        .map(Some)
        .map_err(|e| {
            tracing::warn!(error = %e, currency = %tax.currency(), "no ECB rate for the Art. 230 VAT statement");
            Error::FxRateMissing { currency: tax.currency(), national, date: supply_date }
        })
}

/// Finalizes a draft. Running it twice is refused by the status guard, so a double-submitted
/// form cannot use two numbers.
pub async fn finalize(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, now: DateTime<Utc>) -> Result<Invoice> {
    let t = load_tenant(conn, tenant).await?;
    let mut tx = conn.begin().await?;
    finalize_in(&mut tx, &t, id, now).await?;
    tx.commit().await?;
    super::get(conn, tenant, id).await
}

async fn finalize_in(conn: &mut PgConnection, t: &Tenant, id: InvoiceId, now: DateTime<Utc>) -> Result<()> {
    let inv = lock(conn, t.id, id).await?;
    inv.status.guard(InvoiceAction::Finalize)?;
    let issue_date = today(t, now);
    let (vat, supply_date) = decide_and_store_vat(conn, t, id, issue_date).await?.ok_or(Error::InvoiceEmpty)?;
    store_totals(conn, t.id, id, Some(&vat)).await?;
    // An invoice states when it was supplied (§ 14 Abs. 4 Nr. 6 UStG, Art. 226(7), EN 16931
    // BT-72): a draft that named no date, for itself or any line, was supplied on its issue date.
    store::invoice_lifecycle::default_supply_dates(conn, t.id, id, issue_date).await?;
    let customer = store::customers::get(conn, t.id, inv.customer)
        .await?
        .ok_or_else(|| Error::not_found("customer", inv.customer))?;
    let terms = payment_terms(conn, t, inv.customer).await?;
    let format = NumberFormat::parse(&t.invoice_number_format)?;
    let series = format.series(issue_date);
    // Reserved inside this transaction: a rollback releases it, so the series stays gapless.
    let sequence = store::invoices::reserve_numbers(conn, t.id, &series, 1).await?;
    let number = format.render(issue_date, sequence);
    let national = national_vat(conn, t, vat.tax_total, supply_date).await?;
    let finalized = store::invoice_lifecycle::Finalized {
        series: &series,
        sequence,
        number: &number,
        issue_date,
        due_date: issue_date + Duration::days(i64::from(terms)),
        payment_terms_days: terms as i32,
        customer_name: &customer.name,
        customer_email: customer.email.as_str(),
        customer_country: customer.country.code(),
        customer_vat_id: customer.vat_id.as_ref().map(|v| v.to_string()),
        seller_vat_id: t.tax.vat_id.as_ref().map(|v| v.to_string()),
        national: national.as_ref(),
        now,
    };
    store::invoice_lifecycle::mark_finalized(conn, t.id, id, &finalized).await?;
    // The seller's profile and the buyer's billing address, frozen with the number.
    store::invoices::freeze_parties(conn, t.id, &[id.as_uuid()]).await?;
    let finalized = OutboxMessage::InvoiceFinalized { invoice: id, number: number.clone() };
    store::outbox::enqueue(conn, t.id, &[finalized], now).await?;
    apply_credit_balance(conn, t.id, id, now).await?;
    Ok(())
}

/// Pays what it can of an open invoice from the customer's credit balance in its currency.
/// Once per invoice (the balance transaction is keyed by the invoice): running it again is a
/// no-op. Returns the amount applied. Run it inside the caller's transaction.
pub async fn apply_credit_balance(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    now: DateTime<Utc>,
) -> Result<Money> {
    let inv = lock(conn, tenant, id).await?;
    let zero = Money::zero(inv.currency);
    if !inv.status.allows(InvoiceAction::Pay) {
        return Ok(zero);
    }
    let due = inv.total - inv.paid - inv.credited;
    if due <= 0 {
        return Ok(zero);
    }
    store::balance::lock_customer(conn, tenant, inv.customer).await?;
    let available = store::balance::balance(conn, tenant, inv.customer, inv.currency).await?;
    let amount = Money::from_minor(available.minor().min(due), inv.currency);
    if !amount.is_positive() {
        return Ok(zero);
    }
    let recorded = store::balance::record(
        conn,
        tenant,
        NewBalanceTransaction {
            customer_id: inv.customer,
            amount: amount.checked_neg()?,
            kind: BalanceKind::AppliedToInvoice,
            reference_id: Some(id.as_uuid()),
            description: inv.number.as_deref().unwrap_or(""),
            now,
        },
    )
    .await?;
    let Some(tx) = recorded else { return Ok(zero) };
    settlement::apply_payment(conn, tenant, id, amount, PaymentSource::CreditBalance, &tx.id.to_string(), now).await?;
    Ok(amount)
}

/// The `finalize-drafts` job: finalizes every draft whose grace period is over, across tenants,
/// each in its own transaction. Drafts are claimed with SKIP LOCKED, so two nodes running the
/// job share the work and a re-run finalizes nothing twice. Returns how many were finalized.
pub async fn finalize_due_drafts(pool: &PgPool, now: DateTime<Utc>) -> Result<u64> {
    let mut done = 0;
    loop {
        let mut tx = pool.begin().await?;
        let next = store::invoice_lifecycle::claim_due_draft(&mut tx, now).await?;
        let Some((tenant, id)) = next else { break };
        let t = load_tenant(&mut tx, TenantId(tenant)).await?;
        match finalize_in(&mut tx, &t, InvoiceId(id), now).await {
            Ok(()) => {
                tx.commit().await?;
                done += 1;
            }
            Err(e @ (Error::InvoiceEmpty | Error::Tax(_))) => {
                // A draft that cannot be finalized waits for a person; it is not retried every run.
                drop(tx);
                tracing::warn!(invoice = %InvoiceId(id), error = %e, "draft not finalized automatically");
                let mut conn = pool.acquire().await?;
                store::invoice_lifecycle::set_auto_finalize_at(&mut conn, TenantId(tenant), InvoiceId(id), None)
                    .await?;
            }
            Err(e @ Error::FxRateMissing { .. }) => {
                // Rates arrive with the next `billing fx-import`: try again in an hour rather than
                // finalize without the Art. 230 statement, or spin on this draft now.
                drop(tx);
                tracing::warn!(invoice = %InvoiceId(id), error = %e, "draft finalization postponed");
                let mut conn = pool.acquire().await?;
                let later = Some(now + Duration::hours(1));
                store::invoice_lifecycle::set_auto_finalize_at(&mut conn, TenantId(tenant), InvoiceId(id), later)
                    .await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// The `apply-credit` job: lets customers' credit balances pay their open invoices (oldest
/// first), for invoices finalized in bulk by the invoice run. Each invoice in its own
/// transaction; once per invoice, so re-running it changes nothing. Returns how many invoices
/// received credit.
pub async fn apply_balances_to_open_invoices(pool: &PgPool, now: DateTime<Utc>) -> Result<u64> {
    let candidates = {
        let mut conn = pool.acquire().await?;
        store::invoice_lifecycle::open_with_credit_available(&mut conn).await?
    };
    let mut applied = 0;
    for (tenant, id) in candidates {
        let mut tx = pool.begin().await?;
        if apply_credit_balance(&mut tx, TenantId(tenant), InvoiceId(id), now).await?.is_positive() {
            applied += 1;
        }
        tx.commit().await?;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_lines_own_supply_comes_first_then_the_invoices_then_the_issue_date() {
        let issue = d("2026-03-01");
        assert_eq!(supply_dates(None, [("one_off", None)].into_iter(), issue), (vec![issue], issue));
        // A one-off line's own period (stored end exclusive) is supplied on its last day.
        let lines = [("one_off", None), ("one_off", Some(d("2021-01-01")))];
        assert_eq!(
            supply_dates(Some(d("2020-09-15")), lines.into_iter(), issue),
            (vec![d("2020-09-15"), d("2020-12-31")], d("2020-09-15"))
        );
        // Without an invoice date the document's is its latest line's.
        let lines = [("one_off", Some(d("2020-08-01"))), ("one_off", None)];
        assert_eq!(supply_dates(None, lines.into_iter(), issue), (vec![d("2020-07-31"), issue], issue));
        let lines = [("one_off", Some(d("2020-08-01")))];
        assert_eq!(supply_dates(None, lines.into_iter(), issue), (vec![d("2020-07-31")], d("2020-07-31")));
        // A subscription invoice's lines follow the invoice (its period's first day).
        let lines = [("subscription", Some(d("2026-03-01")))];
        assert_eq!(
            supply_dates(Some(d("2026-02-01")), lines.into_iter(), issue),
            (vec![d("2026-02-01")], d("2026-02-01"))
        );
    }
}
