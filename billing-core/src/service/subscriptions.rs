//! Subscription use cases: create, read, and every lifecycle change. Each change locks the
//! subscription row (FOR UPDATE), plans the change with pure code, and persists it together with
//! any document it issues, in the caller's transaction.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, SubscriptionId, TenantId};
use crate::invoice::NumberFormat;
use crate::outbox::OutboxMessage;
use crate::rounding::RoundingPolicy;
use crate::service::catalog::find_plan;
use crate::store::invoices::NewDocument;
use crate::store::subscriptions::Subscription;
use crate::store::{self, Page, PageRequest};
use crate::subscription::{
    ChangePlan, ProrationDocument, ProrationLine, SubscriptionStatus, Terms, Timing, validate_quantity,
};
use crate::tenant::Tenant;

#[derive(Debug, Clone, Default)]
pub struct NewSubscriptionInput {
    pub customer: String,
    /// A plan id (`plan_…`) or plan code.
    pub plan: String,
    pub quantity: Option<i64>,
    /// First day of service in the tenant's time zone; today when absent.
    pub start_date: Option<NaiveDate>,
    /// A coupon code to redeem on the new subscription.
    pub coupon: Option<String>,
    /// Days of free trial; the plan's default when absent.
    pub trial_days: Option<u32>,
    /// The day periods are anchored on, when it differs from the start (e.g. the 1st of the
    /// month); the part before it is invoiced at once, prorated by day. At most one interval
    /// after the start.
    pub billing_anchor: Option<NaiveDate>,
}

/// How far back a subscription may start (catching up on invoices) or ahead it may be scheduled.
const MAX_BACKDATE_DAYS: i64 = 5 * 366;
const MAX_FUTURE_DAYS: i64 = 2 * 366;

async fn tenant(conn: &mut PgConnection, id: TenantId) -> Result<Tenant> {
    store::tenants::get(conn, id).await?.ok_or_else(|| Error::not_found("tenant", id))
}

fn today(t: &Tenant, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&t.timezone).date_naive()
}

pub async fn create(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    input: &NewSubscriptionInput,
    now: DateTime<Utc>,
) -> Result<Subscription> {
    let t = tenant(conn, tenant_id).await?;
    let quantity = validate_quantity(input.quantity.unwrap_or(1))?;
    let customer_id: CustomerId = input.customer.parse()?;
    let customer = store::customers::get(conn, tenant_id, customer_id)
        .await?
        .ok_or_else(|| Error::not_found("customer", customer_id))?;
    ensure_not_restricted(conn, tenant_id, customer_id).await?;
    let plan = find_plan(conn, tenant_id, &input.plan).await?;
    if !plan.active {
        return Err(Error::PlanInactive { plan: plan.code });
    }
    if plan.addon.is_some() {
        return Err(Error::invalid("plan", "is an add-on: attach it to a subscription"));
    }
    let price = plan.price_for(customer.currency, customer.segment.as_deref())?.clone();
    // Rate once now, so a quantity whose price overflows is refused before anything is stored.
    price.period_amount(quantity, RoundingPolicy::default())?;
    let today = today(&t, now);
    let start = input.start_date.unwrap_or(today);
    let offset = (start - today).num_days();
    if !(-MAX_BACKDATE_DAYS..=MAX_FUTURE_DAYS).contains(&offset) || start.year() < 2000 {
        return Err(Error::invalid("start_date", "must be within five years before and two years after today"));
    }
    let trial_days = input.trial_days.unwrap_or(plan.trial_days);
    if trial_days > 730 {
        return Err(Error::invalid("trial_days", "must be at most 730"));
    }
    let trial_end = (trial_days > 0).then(|| start + Duration::days(i64::from(trial_days)));
    if trial_end.is_some() && plan.trial_requires_payment_method {
        let has_method = store::payment_methods::has_default(conn, tenant_id, customer_id).await?;
        if !has_method {
            return Err(Error::NoPaymentMethod);
        }
    }
    let paid_from = trial_end.unwrap_or(start);
    let anchor = match input.billing_anchor {
        None => paid_from,
        Some(a) => {
            let latest = crate::period::period_start(paid_from, plan.interval, 1)?;
            if a < paid_from || a >= latest {
                return Err(Error::invalid("billing_anchor", "must be within one billing interval after the start"));
            }
            a
        }
    };
    let sub = Subscription {
        id: SubscriptionId::new(),
        customer_id,
        plan_id: plan.id,
        plan_name: plan.name.clone(),
        status: SubscriptionStatus::Active,
        price,
        quantity,
        start_date: start,
        trial_end,
        // Paid periods are anchored on the end of the trial, or on the billing anchor asked for.
        anchor_date: anchor,
        interval: plan.interval,
        timing: plan.timing,
        metering: plan.metering.clone(),
        tax_category: plan.tax_category,
        next_period_index: 0,
        next_period_start: start,
        next_billing_date: start,
        cancel_at: None,
        ended_on: None,
        paused_on: None,
        resume_on: None,
        pending_change: None,
        created_at: now,
    };
    let mut sub = sub;
    sub.set_next_period(0)?;
    store::subscriptions::insert(conn, tenant_id, &sub).await?;
    if anchor > paid_from {
        // The leading stub [paid_from, anchor), billed in advance: the period ending at the
        // anchor, prorated by day (Kill Bill's leading proration), rounded once.
        let full = crate::period::Period::new(crate::period::period_start_before(anchor, plan.interval)?, anchor)?;
        let ratio = crate::period::day_ratio(full, paid_from, anchor)?;
        let amount = crate::proration::prorate(
            sub.terms().period_amount(RoundingPolicy::default())?,
            ratio,
            RoundingPolicy::default(),
        )?;
        if amount.is_positive() {
            let doc = ProrationDocument {
                lines: vec![ProrationLine {
                    kind: "proration_charge",
                    description: sub.plan_name.clone(),
                    quantity: sub.quantity,
                    amount,
                    period: crate::period::Period::new(paid_from, anchor)?,
                }],
                net: amount,
                remaining: ratio.numerator,
                of: ratio.denominator,
            };
            issue_document(conn, &t, &sub, &doc, Some("proration"), paid_from.max(today), now).await?;
        }
    }
    if let Some(fee) = sub.price.setup_fee.filter(|f| f.is_positive()) {
        let day = start.max(today);
        let doc = ProrationDocument {
            lines: vec![ProrationLine {
                kind: "setup_fee",
                description: sub.plan_name.clone(),
                quantity: 1,
                amount: fee,
                period: crate::period::Period::new(day, day + Duration::days(1))?,
            }],
            net: fee,
            remaining: 0,
            of: 0,
        };
        issue_document(conn, &t, &sub, &doc, Some("one_off"), day, now).await?;
    }
    if let Some(code) = &input.coupon {
        crate::service::coupons::redeem(conn, tenant_id, &sub, code, now).await?;
    }
    let created = OutboxMessage::SubscriptionCreated {
        subscription: sub.id,
        customer: sub.customer_id,
        plan: sub.plan_id,
        quantity: sub.quantity,
        start_date: sub.start_date,
        trial_end: sub.trial_end,
    };
    store::outbox::enqueue(conn, tenant_id, &[created], now).await?;
    crate::service::metrics::record(conn, tenant_id, &sub, sub.start_date, now).await?;
    Ok(sub)
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: SubscriptionId) -> Result<Subscription> {
    store::subscriptions::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("subscription", id))
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    page: PageRequest,
) -> Result<Page<Subscription>> {
    store::subscriptions::list(conn, tenant, customer, page).await
}

/// A dunning `restrict` step bars plan changes and new subscriptions while the customer's
/// overdue invoices are unpaid (docs/adr/0031); the portal and the API both come through here.
async fn ensure_not_restricted(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<()> {
    if store::dunning::is_restricted(conn, tenant, customer.0).await? {
        return Err(Error::AccountRestricted);
    }
    Ok(())
}

async fn locked(conn: &mut PgConnection, tenant: TenantId, id: SubscriptionId) -> Result<Subscription> {
    store::subscriptions::get_for_update(conn, tenant, id).await?.ok_or_else(|| Error::not_found("subscription", id))
}

#[derive(Debug, Clone, Default)]
pub struct ChangeInput {
    /// New plan (id or code); the current one when absent.
    pub plan: Option<String>,
    pub quantity: Option<i64>,
    pub timing: Option<Timing>,
    /// The day the change takes effect for `now` changes (default: today).
    pub on: Option<NaiveDate>,
}

/// A document issued by a change: its id and legal number.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedDocument {
    pub id: InvoiceId,
    pub number: String,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeOutcome {
    pub subscription: Subscription,
    pub plan: ChangePlan,
    pub issued: Option<IssuedDocument>,
    /// The VAT of the proration document (the same decision [`issue_document`] makes), so a
    /// preview can show what the customer pays or gets back, VAT included.
    #[serde(skip)]
    pub vat: Option<crate::tax::TaxSummary>,
}

/// Changes plan and/or quantity. With `persist = false` it is the preview: the same
/// computation, nothing written — which is what makes the preview match the invoice.
pub async fn change(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: SubscriptionId,
    input: &ChangeInput,
    persist: bool,
    now: DateTime<Utc>,
) -> Result<ChangeOutcome> {
    let t = tenant(conn, tenant_id).await?;
    let mut sub = if persist { locked(conn, tenant_id, id).await? } else { get(conn, tenant_id, id).await? };
    if persist {
        ensure_not_restricted(conn, tenant_id, sub.customer_id).await?;
    }
    let quantity = match input.quantity {
        Some(q) => validate_quantity(q)?,
        None => sub.quantity,
    };
    let new = match &input.plan {
        Some(p) => {
            let plan = find_plan(conn, tenant_id, p).await?;
            if !plan.active {
                return Err(Error::PlanInactive { plan: plan.code });
            }
            if plan.interval != sub.interval {
                return Err(Error::invalid("plan", "the new plan must have the same billing interval"));
            }
            Terms {
                plan_id: plan.id,
                plan_name: plan.name.clone(),
                price: plan.price_in(sub.currency())?.clone(),
                quantity,
            }
        }
        None => Terms { quantity, ..sub.terms() },
    };
    new.period_amount(RoundingPolicy::default())?;
    let on = input.on.unwrap_or_else(|| today(&t, now));
    // By the second: from the given day's midnight, or from this very instant.
    let by_second = (t.proration_unit == crate::proration::ProrationUnit::Second).then(|| {
        let at = match input.on {
            Some(day) => crate::tenant::start_of_day(t.timezone, day),
            None => now,
        };
        (at, t.timezone)
    });
    let plan =
        sub.plan_change_with(&new, input.timing.unwrap_or(Timing::Now), on, by_second, RoundingPolicy::default())?;
    if plan.document.is_some() {
        // The proration document credits the old price and charges the new one on one invoice,
        // which is all net or all gross: a change between the two is refused here (the preview
        // too) and can be scheduled for the period end, where no proration document arises.
        crate::catalog::TaxBehavior::of_document([sub.price.tax_behavior, new.price.tax_behavior])?;
    }
    let vat = match &plan.document {
        Some(doc) => {
            // The document is issued for the subscription as changed (its new price's behaviour).
            let mut after = sub.clone();
            after.apply_change(new.clone(), &plan);
            Some(document_vat(conn, &t, &after, doc, on).await?.1)
        }
        None => None,
    };
    let mut issued = None;
    if persist {
        sub.apply_change(new, &plan);
        store::subscriptions::update(conn, tenant_id, &sub, now).await?;
        crate::service::metrics::record(conn, tenant_id, &sub, on, now).await?;
        if let Some(doc) = &plan.document {
            issued = Some(issue_document(conn, &t, &sub, doc, None, on, now).await?);
        }
        let changed = OutboxMessage::SubscriptionChanged { subscription: sub.id, customer: sub.customer_id };
        store::outbox::enqueue(conn, tenant_id, &[changed], now).await?;
    }
    Ok(ChangeOutcome { subscription: sub, plan, issued, vat })
}

/// The VAT of a document a subscription's change or start issues on `on`: the customer's tax
/// profile, the plan's tax category, the price's behaviour, and Art. 59c's threshold. Reads only,
/// so a preview gets the same answer as the document.
async fn document_vat(
    conn: &mut PgConnection,
    t: &Tenant,
    sub: &Subscription,
    doc: &ProrationDocument,
    on: NaiveDate,
) -> Result<(crate::tax::TaxDecision, crate::tax::TaxSummary)> {
    let customer = store::customers::get(conn, t.id, sub.customer_id)
        .await?
        .ok_or_else(|| Error::not_found("customer", sub.customer_id))?;
    // Every line of these documents comes from the subscription's price (a plan change between
    // behaviours is refused before it gets here), so its behaviour is the document's.
    let behavior = sub.price.tax_behavior;
    let amounts: Vec<crate::money::Money> = doc.lines.iter().map(|l| l.amount).collect();
    let (seller, buyer) = (t.seller_profile(), customer.tax_profile(t.tax.trust_check_digits));
    let decide = |exceeded: bool| {
        crate::invoice::document_vat_with(
            &seller,
            &buyer,
            sub.tax_category,
            on,
            &amounts,
            behavior,
            RoundingPolicy::default(),
            exceeded,
        )
    };
    let mut vat = decide(false)?;
    // Art. 59c: an upgrade's charge kept at home may be the supply that crosses EUR 10 000.
    if !doc.is_credit() && crate::tax::art59c::kept_at_home(&vat.0) {
        use crate::service::invoices::threshold;
        let (turnover, rates) = threshold::load(conn, t.id, on).await?;
        if turnover.exceeded_with(threshold::to_eur(&rates, vat.1.net_total, on)?.minor()) {
            vat = decide(true)?;
        }
    }
    Ok(vat)
}

/// Numbers and stores a proration invoice (net charge) or credit note (net credit).
async fn issue_document(
    conn: &mut PgConnection,
    t: &Tenant,
    sub: &Subscription,
    doc: &ProrationDocument,
    kind: Option<&'static str>,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<IssuedDocument> {
    let (kind, format) = if doc.is_credit() {
        ("credit_note", &t.credit_note_number_format)
    } else {
        (kind.unwrap_or("proration"), &t.invoice_number_format)
    };
    let format = NumberFormat::parse(format)?;
    let series = format.series(on);
    let sequence = store::invoices::reserve_numbers(conn, t.id, &series, 1).await?;
    let number = format.render(on, sequence);
    let customer = store::customers::get(conn, t.id, sub.customer_id)
        .await?
        .ok_or_else(|| Error::not_found("customer", sub.customer_id))?;
    let id = InvoiceId::new();
    let behavior = sub.price.tax_behavior;
    let vat = document_vat(conn, t, sub, doc, on).await?;
    let document = NewDocument {
        id,
        kind,
        customer_id: sub.customer_id,
        subscription_id: Some(sub.id),
        series,
        sequence,
        number: number.clone(),
        currency: sub.currency(),
        lines: doc
            .lines
            .iter()
            .map(|l| (l.kind, l.description.clone(), i64::from(l.quantity), l.amount, l.period.start, l.period.end))
            .collect(),
        issue_date: on,
        due_date: on + Duration::days(i64::from(crate::service::invoices::terms_for(conn, t, sub.customer_id).await?)),
        customer_name: customer.name.clone(),
        customer_email: customer.email.to_string(),
        customer_country: customer.country.code().to_string(),
        customer_vat_id: customer.vat_id.as_ref().map(|v| v.to_string()),
        seller_vat_id: t.tax.vat_id.as_ref().map(|v| v.to_string()),
        tax_behavior: behavior,
        vat,
    };
    store::invoices::insert_document(conn, t.id, &document, now).await?;
    if doc.is_credit() {
        // The credit goes to the customer's balance, which the next invoices consume; the note
        // itself is settled by that.
        let (_, summary) = &document.vat;
        let gross = summary.gross_total.checked_neg()?;
        if gross.is_positive() {
            crate::service::invoices::credit_balance_for_note(conn, t.id, sub.customer_id, gross, id, &number, now)
                .await?;
        }
        store::invoice_lifecycle::mark_paid(conn, t.id, id).await?;
    }
    let message = if doc.is_credit() {
        OutboxMessage::CreditNoteIssued { invoice: id, number: number.clone(), credit_note_for: None }
    } else {
        OutboxMessage::InvoiceFinalized { invoice: id, number: number.clone() }
    };
    store::outbox::enqueue(conn, t.id, &[message], now).await?;
    Ok(IssuedDocument { id, number, kind })
}

#[derive(Debug, Clone, Default)]
pub struct CancelInput {
    pub timing: Option<Timing>,
    /// Credit the unused part of the current period (cancel now only).
    pub prorate: bool,
    pub on: Option<NaiveDate>,
}

pub async fn cancel(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: SubscriptionId,
    input: &CancelInput,
    now: DateTime<Utc>,
) -> Result<(Subscription, Option<IssuedDocument>)> {
    let t = tenant(conn, tenant_id).await?;
    let mut sub = locked(conn, tenant_id, id).await?;
    let on = input.on.unwrap_or_else(|| today(&t, now));
    let credit = sub.cancel(input.timing.unwrap_or(Timing::PeriodEnd), on, input.prorate, RoundingPolicy::default())?;
    store::subscriptions::update(conn, tenant_id, &sub, now).await?;
    crate::service::metrics::record(conn, tenant_id, &sub, on, now).await?;
    // Recurring add-ons end with their base.
    let children = store::subscriptions::open_children(conn, tenant_id, sub.id).await?;
    for child in children {
        let mut c = locked(conn, tenant_id, SubscriptionId(child)).await?;
        if c.status == SubscriptionStatus::Paused {
            c.resume(on)?;
        }
        c.cancel(input.timing.unwrap_or(Timing::PeriodEnd), on, false, RoundingPolicy::default())?;
        store::subscriptions::update(conn, tenant_id, &c, now).await?;
        crate::service::metrics::record(conn, tenant_id, &c, on, now).await?;
    }
    let issued = match &credit {
        Some(doc) => Some(issue_document(conn, &t, &sub, doc, None, on, now).await?),
        None => None,
    };
    let canceled = OutboxMessage::SubscriptionCanceled {
        subscription: sub.id,
        customer: sub.customer_id,
        effective: sub.ended_on.or(sub.cancel_at).unwrap_or(on),
    };
    store::outbox::enqueue(conn, tenant_id, &[canceled], now).await?;
    Ok((sub, issued))
}

/// A lifecycle action without parameters beyond a date.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    UndoCancel,
    Pause { resume_on: Option<NaiveDate> },
    Resume,
    Reactivate,
}

pub async fn act(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    id: SubscriptionId,
    action: Action,
    on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Subscription> {
    let t = tenant(conn, tenant_id).await?;
    let mut sub = locked(conn, tenant_id, id).await?;
    let on = on.unwrap_or_else(|| today(&t, now));
    let (subscription, customer) = (sub.id, sub.customer_id);
    let message = match action {
        Action::UndoCancel => {
            sub.undo_cancel()?;
            OutboxMessage::SubscriptionCancellationWithdrawn { subscription, customer }
        }
        Action::Pause { resume_on } => {
            sub.pause(on, resume_on)?;
            OutboxMessage::SubscriptionPaused { subscription, customer, on, resume_on: sub.resume_on }
        }
        Action::Resume => {
            sub.resume(on)?;
            OutboxMessage::SubscriptionResumed { subscription, customer, on }
        }
        Action::Reactivate => {
            sub.reactivate(on)?;
            OutboxMessage::SubscriptionReactivated { subscription, customer, on }
        }
    };
    store::subscriptions::update(conn, tenant_id, &sub, now).await?;
    store::outbox::enqueue(conn, tenant_id, &[message], now).await?;
    crate::service::metrics::record(conn, tenant_id, &sub, on, now).await?;
    Ok(sub)
}

/// What attaching an add-on produced.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AddonOutcome {
    /// A recurring add-on: its own subscription, co-terminous with the base.
    Recurring { subscription: Box<Subscription> },
    /// A one-time add-on: invoiced at once.
    OneTime { document: IssuedDocument },
}

/// Attaches an add-on plan to an active base subscription. Recurring add-ons are billed from the
/// base's next period boundary on (aligned with it, ended with it); one-time add-ons are
/// invoiced at once. An add-on that does not fit the base plan is refused.
pub async fn add_addon(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    base_id: SubscriptionId,
    addon: &str,
    quantity: Option<i64>,
    now: DateTime<Utc>,
) -> Result<AddonOutcome> {
    let t = tenant(conn, tenant_id).await?;
    let base = locked(conn, tenant_id, base_id).await?;
    if base.status != SubscriptionStatus::Active {
        return Err(base_refusal(&base));
    }
    ensure_not_restricted(conn, tenant_id, base.customer_id).await?;
    let plan = find_plan(conn, tenant_id, addon).await?;
    let rules = plan.addon.clone().ok_or_else(|| Error::invalid("addon", "is not an add-on plan"))?;
    let base_plan = find_plan(conn, tenant_id, &base.plan_id.to_string()).await?;
    if !rules.fits(&base_plan.code) {
        return Err(Error::AddonNotCompatible { addon: plan.code, plan: base_plan.code });
    }
    let quantity = validate_quantity(quantity.unwrap_or(1))?;
    let segment = store::customers::get(conn, tenant_id, base.customer_id).await?.and_then(|c| c.segment);
    let price = plan.price_for(base.currency(), segment.as_deref())?.clone();
    let amount = price.period_amount(quantity, RoundingPolicy::default())?;
    let today = today(&t, now);
    if rules.one_time {
        let doc = ProrationDocument {
            lines: vec![ProrationLine {
                kind: "addon",
                description: plan.name.clone(),
                quantity,
                amount,
                period: crate::period::Period::new(today, today + Duration::days(1))?,
            }],
            net: amount,
            remaining: 0,
            of: 0,
        };
        let document = issue_document(conn, &t, &base, &doc, Some("one_off"), today, now).await?;
        return Ok(AddonOutcome::OneTime { document });
    }
    if plan.interval != base.interval {
        return Err(Error::invalid("addon", "a recurring add-on must have its base's billing interval"));
    }
    let mut child = Subscription {
        id: SubscriptionId::new(),
        customer_id: base.customer_id,
        plan_id: plan.id,
        plan_name: plan.name.clone(),
        status: SubscriptionStatus::Active,
        price,
        quantity,
        start_date: today,
        trial_end: None,
        anchor_date: base.anchor_date,
        interval: base.interval,
        timing: plan.timing,
        metering: plan.metering.clone(),
        tax_category: plan.tax_category,
        next_period_index: 0,
        next_period_start: base.anchor_date,
        next_billing_date: base.anchor_date,
        cancel_at: base.cancel_at,
        ended_on: None,
        paused_on: None,
        resume_on: None,
        pending_change: None,
        created_at: now,
    };
    let first = match child.period_containing(today)? {
        Some((i, p)) if p.start == today => i,
        Some((i, _)) => i + 1,
        None => 0,
    };
    child.set_next_period(first)?;
    store::subscriptions::insert(conn, tenant_id, &child).await?;
    store::subscriptions::set_parent(conn, tenant_id, child.id, base.id).await?;
    crate::service::metrics::record(conn, tenant_id, &child, child.start_date, now).await?;
    Ok(AddonOutcome::Recurring { subscription: Box::new(child) })
}

fn base_refusal(base: &Subscription) -> Error {
    Error::InvalidTransition { status: base.status.as_str(), action: "add an add-on" }
}
