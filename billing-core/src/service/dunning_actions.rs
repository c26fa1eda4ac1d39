//! The dunning steps that act on the customer rather than on the payment (docs/adr/0031): a late
//! fee, the German ladder's notices with statutory default interest and flat fee (§ 288 BGB),
//! restricting the account, pausing or canceling the subscriptions. `service::dunning::dun`
//! claims the step and calls [`act`] in the same transaction, so a step's charges, its record
//! and its `dunning.step` event are written together or not at all.
//!
//! Charges go on a **new small invoice** per step (finalized at once, its own number, lines
//! outside the scope of VAT): the overdue invoice is final and cannot change, and the next
//! invoice may never come (a paused or canceled subscription). Such an invoice is never dunned
//! itself (`store::dunning::IN_DUNNING`: no interest on interest, § 289 BGB).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::currency::Currency;
use crate::default_interest::{self, Debtor};
use crate::dunning::{DunningAction, PolicyStep};
use crate::error::Result;
use crate::ids::{CustomerId, InvoiceId, SubscriptionId, TenantId};
use crate::money::Money;
use crate::ports::charge_texts::{ChargeTexts, InterestLine};
use crate::rounding::RoundingPolicy;
use crate::service::invoices::{self, DraftInput, DraftLineInput, SupplyInput};
use crate::service::subscriptions;
use crate::store;
use crate::store::dunning::{Charge, InDunning};
use crate::subscription::Timing;
use crate::tax::CustomerKind;

/// How a step ended: `done` or `skipped` (nothing to do) or `failed` (it could not be done; the
/// reason says why), and the reason recorded with it.
pub struct Acted {
    pub outcome: &'static str,
    pub reason: Option<String>,
}

fn done(reason: Option<String>) -> Acted {
    Acted { outcome: "done", reason }
}

fn skipped(reason: String) -> Acted {
    Acted { outcome: "skipped", reason: Some(reason) }
}

/// What the job needs to take a step: the step's number, the day of the run, the texts.
pub struct StepContext<'a> {
    pub inv: &'a InDunning,
    pub step: u32,
    pub as_of: NaiveDate,
    pub now: DateTime<Utc>,
    pub texts: &'a dyn ChargeTexts,
}

/// Whether the customer is a business for § 288 BGB: the law asks whether a consumer (§ 13 BGB:
/// a natural person acting for private purposes) is party. Our rule: a customer recorded as a
/// business, or one who gave a VAT ID or a company name, is a business; everyone else is a
/// consumer, which is the cautious reading (the lower rate, no flat fee).
pub fn debtor_of(customer: &crate::customer::Customer) -> Debtor {
    let business =
        customer.kind == CustomerKind::Business || customer.vat_id.is_some() || customer.company_name.is_some();
    if business { Debtor::Business } else { Debtor::Consumer }
}

/// Takes the step `s` (an action of this module) on `cx.inv`, inside the caller's transaction.
pub async fn act(tx: &mut PgConnection, cx: &StepContext<'_>, s: &PolicyStep) -> Result<Acted> {
    let tenant = TenantId(cx.inv.tenant_id);
    match s.action {
        DunningAction::LateFee => late_fee(tx, cx, s).await,
        DunningAction::Restrict => Ok(done(None)),
        DunningAction::PauseSubscriptions => {
            let mut paused = 0;
            for (id, status) in store::dunning::customer_subscriptions(tx, tenant, cx.inv.customer_id).await? {
                if status == "active" {
                    let pause = subscriptions::Action::Pause { resume_on: None };
                    subscriptions::act(tx, tenant, SubscriptionId(id), pause, Some(cx.as_of), cx.now).await?;
                    paused += 1;
                }
            }
            Ok(if paused == 0 {
                skipped("no active subscription to pause".into())
            } else {
                done(Some(format!("paused {paused} subscription(s)")))
            })
        }
        DunningAction::CancelSubscriptions => {
            let mut canceled = 0;
            for (id, _) in store::dunning::customer_subscriptions(tx, tenant, cx.inv.customer_id).await? {
                // At once and without a credit for the unused period: the customer did not pay.
                let input =
                    subscriptions::CancelInput { timing: Some(Timing::Now), prorate: false, on: Some(cx.as_of) };
                subscriptions::cancel(tx, tenant, SubscriptionId(id), &input, cx.now).await?;
                canceled += 1;
            }
            Ok(if canceled == 0 {
                skipped("no subscription to cancel".into())
            } else {
                done(Some(format!("canceled {canceled} subscription(s)")))
            })
        }
        DunningAction::PaymentReminder
        | DunningAction::FirstNotice
        | DunningAction::SecondNotice
        | DunningAction::FinalNotice => {
            if s.statutory_charges() {
                statutory_charges(tx, cx).await
            } else {
                Ok(done(None))
            }
        }
        // Taken by `service::dunning::dun` itself.
        DunningAction::Retry | DunningAction::Email | DunningAction::MarkUncollectible => Ok(done(None)),
    }
}

/// The overdue invoice as a step sees it: its number, due date, what is still open, and the
/// customer with their language.
struct Overdue {
    number: String,
    due_date: NaiveDate,
    open: Money,
    customer: crate::customer::Customer,
}

async fn overdue(tx: &mut PgConnection, inv: &InDunning) -> Result<Overdue> {
    let tenant = TenantId(inv.tenant_id);
    let invoice = store::invoices::get(tx, tenant, InvoiceId(inv.invoice_id))
        .await?
        .ok_or_else(|| crate::Error::not_found("invoice", InvoiceId(inv.invoice_id)))?;
    let mut customer = store::customers::get(tx, tenant, CustomerId(inv.customer_id))
        .await?
        .ok_or_else(|| crate::Error::not_found("customer", CustomerId(inv.customer_id)))?;
    // The fee lines are printed in a language the merchant offers (docs/adr/0045).
    customer.locale = crate::service::portal_options::customer_language(tx, tenant, &customer.locale).await?;
    let open = invoice.total.minor() - invoice.amount_paid.minor() - invoice.amount_credited.minor();
    Ok(Overdue {
        number: invoice.number.clone().unwrap_or_default(),
        due_date: invoice.due_date.or(invoice.issue_date).unwrap_or_else(|| inv.since()),
        open: Money::from_minor(open.max(0), invoice.currency),
        customer,
    })
}

/// One line of a charges invoice, with the record of what it charges.
struct ChargeLine {
    line: DraftLineInput,
    charge: Charge,
}

/// Issues the charges invoice for `lines` and records each charge against the overdue invoice.
/// Returns the new invoice's number.
async fn issue(
    tx: &mut PgConnection,
    cx: &StepContext<'_>,
    currency: Currency,
    lines: Vec<ChargeLine>,
) -> Result<String> {
    let tenant = TenantId(cx.inv.tenant_id);
    let input = DraftInput {
        customer: CustomerId(cx.inv.customer_id),
        currency: Some(currency.code().to_string()),
        lines: lines.iter().map(|l| l.line.clone()).collect(),
        memo: None,
        auto_finalize: Some(false),
        auto_finalize_at: None,
        tax_behavior: None,
        supply: SupplyInput::default(),
    };
    let draft = invoices::create_draft(tx, tenant, &input, cx.now).await?;
    let issued = invoices::finalize(tx, tenant, draft.id, cx.now).await?;
    for l in lines {
        let charge = Charge { charge_invoice_id: issued.id.0, ..l.charge };
        store::dunning::insert_charge(tx, cx.inv.tenant_id, cx.inv.invoice_id, &charge, cx.now).await?;
    }
    Ok(issued.number.unwrap_or_default())
}

fn not_subject_line(description: String, amount: Money, supply: SupplyInput) -> DraftLineInput {
    DraftLineInput {
        description,
        quantity: 1,
        unit_amount: amount.minor(),
        tax_category: Some("not_subject".into()),
        supply,
    }
}

fn charge(step: u32, piece: i32, kind: &str, amount: Money) -> Charge {
    Charge {
        step: i32::try_from(step).unwrap_or(i32::MAX),
        piece,
        kind: kind.to_string(),
        amount: amount.minor(),
        currency: amount.currency().code().to_string(),
        principal: None,
        period_start: None,
        period_end: None,
        rate: None,
        charge_invoice_id: uuid::Uuid::nil(),
    }
}

async fn late_fee(tx: &mut PgConnection, cx: &StepContext<'_>, s: &PolicyStep) -> Result<Acted> {
    let o = overdue(tx, cx.inv).await?;
    let Some(rule) = &s.fee else {
        return Ok(skipped("the step has no fee".into()));
    };
    let Some(fee) = rule.amount(o.open) else {
        return Ok(skipped(format!("the policy sets no late fee in {}", o.open.currency().code())));
    };
    let description = cx.texts.late_fee(&o.customer.locale, &o.number, rule.percent.filter(|_| rule.fixed.is_none()));
    let supply = SupplyInput { supply_date: Some(cx.as_of), ..SupplyInput::default() };
    let line =
        ChargeLine { line: not_subject_line(description, fee, supply), charge: charge(cx.step, 1, "late_fee", fee) };
    let number = issue(tx, cx, fee.currency(), vec![line]).await?;
    Ok(done(Some(format!("late fee {} {} on invoice {number}", fee.currency().code(), fee.to_decimal()))))
}

/// Default interest since the last charged day (from the day of default, the day after the due
/// date) up to the run's day, and the EUR 40 flat fee once per invoice for a business.
async fn statutory_charges(tx: &mut PgConnection, cx: &StepContext<'_>) -> Result<Acted> {
    let o = overdue(tx, cx.inv).await?;
    if o.open.currency() != Currency::EUR {
        return Ok(done(Some("no statutory charges: § 288 BGB charges are computed on euro claims only".to_string())));
    }
    let debtor = debtor_of(&o.customer);
    let earlier = store::dunning::charges(tx, cx.inv.tenant_id, cx.inv.invoice_id).await?;
    let default_day = o.due_date + Duration::days(1);
    let from = earlier
        .iter()
        .filter(|c| c.kind == "interest")
        .filter_map(|c| c.period_end)
        .max()
        .map_or(default_day, |end| end + Duration::days(1))
        .max(default_day);
    let rates = store::dunning::base_rates(tx).await?;
    // Interest runs on what was open each day: a partial payment lowers it from its day.
    let receipts: Vec<(NaiveDate, Money)> =
        store::invoice_payments::receipts(tx, TenantId(cx.inv.tenant_id), InvoiceId(cx.inv.invoice_id))
            .await?
            .into_iter()
            .map(|(at, minor)| (at.date_naive(), Money::from_minor(minor, o.open.currency())))
            .collect();
    let balances = default_interest::balances(o.open, &receipts, from, cx.as_of);
    let pieces = match default_interest::interest_on_balances(
        &balances,
        from,
        cx.as_of,
        debtor,
        &rates,
        RoundingPolicy::COMMERCIAL,
    ) {
        Ok(p) => p,
        Err(e) => return Ok(Acted { outcome: "failed", reason: Some(e.to_string()) }),
    };
    let mut lines = Vec::new();
    let mut piece = 0;
    let mut interest_total = Decimal::ZERO;
    for p in pieces.iter().filter(|p| p.amount.is_positive()) {
        piece += 1;
        let text = InterestLine {
            invoice_number: &o.number,
            principal: p.principal,
            from: p.from,
            to: p.to,
            days: p.days,
            base_rate: p.base_rate,
            points: debtor.points(),
            rate: p.rate,
            business: debtor == Debtor::Business,
        };
        let supply = SupplyInput { period_start: Some(p.from), period_end: Some(p.to), ..SupplyInput::default() };
        let mut c = charge(cx.step, piece, "interest", p.amount);
        c.principal = Some(p.principal.minor());
        c.period_start = Some(p.from);
        c.period_end = Some(p.to);
        c.rate = Some(p.rate);
        interest_total += p.amount.to_decimal();
        lines.push(ChargeLine {
            line: not_subject_line(cx.texts.interest(&o.customer.locale, &text), p.amount, supply),
            charge: c,
        });
    }
    let flat_fee_charged = earlier.iter().any(|c| c.kind == "flat_fee");
    let mut fee = None;
    if let Some(flat) = default_interest::flat_fee(debtor, Currency::EUR).filter(|_| !flat_fee_charged) {
        piece += 1;
        let supply = SupplyInput { supply_date: Some(cx.as_of), ..SupplyInput::default() };
        let description = cx.texts.flat_fee(&o.customer.locale, &o.number);
        lines.push(ChargeLine {
            line: not_subject_line(description, flat, supply),
            charge: charge(cx.step, piece, "flat_fee", flat),
        });
        fee = Some(flat);
    }
    if lines.is_empty() {
        return Ok(done(Some("no statutory charges due since the last notice".to_string())));
    }
    let number = issue(tx, cx, Currency::EUR, lines).await?;
    let days: i64 = pieces.iter().map(|p| p.days).sum();
    let mut reason = format!("default interest EUR {interest_total} for {days} days");
    if let Some(fee) = fee {
        reason.push_str(&format!(", flat fee EUR {}", fee.to_decimal()));
    }
    reason.push_str(&format!(" on invoice {number}"));
    Ok(done(Some(reason)))
}
