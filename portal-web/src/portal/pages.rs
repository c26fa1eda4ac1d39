//! The signed-in pages: overview, invoices, plan changes with the exact preview, cancellation
//! with the reason survey, pause and resume, billing details. Every computation is the engine's
//! (the same service calls as the API); the pages format and link.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use billing_core::customer::Customer;
use billing_core::ids::{InvoiceId, SubscriptionId};
use billing_core::invoice::InvoiceStatus;
use billing_core::money::Money;
use billing_core::service::subscriptions::{self, Action, CancelInput, ChangeInput};
use billing_core::store::PageRequest;
use billing_core::store::invoices::{Invoice, InvoiceFilter};
use billing_core::store::portal as store;
use billing_core::subscription::{Subscription, SubscriptionStatus, Timing};
use serde::Deserialize;

use super::ctx::Portal;
use super::once;
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, redirect};
use crate::web::session::form_nonce;

pub use super::ctx::IdPath;

fn parse<I: std::str::FromStr>(id: &str) -> PageResult<I> {
    id.parse().map_err(|_| PageError::not_found())
}

pub struct SubscriptionView {
    pub id: String,
    pub plan: String,
    pub quantity: u32,
    pub status: String,
    pub next_invoice_date: Option<String>,
    /// The next invoice as the invoice run will make it (overview only): gross, net, VAT.
    pub next: Option<NextInvoice>,
    pub cancel_at: Option<String>,
    pub paused: bool,
    pub active: bool,
    pub pending_change: Option<String>,
}

fn subscription_view(ctx: &Portal, s: &Subscription) -> SubscriptionView {
    let lang = ctx.lang();
    let active = s.status == SubscriptionStatus::Active;
    let status_id = match (s.status, s.cancel_at) {
        (SubscriptionStatus::Active, Some(_)) => "portal-status-canceling",
        (SubscriptionStatus::Active, None) if s.trial_end.is_some_and(|t| t > ctx.tenant_today()) => {
            "portal-status-trial"
        }
        (SubscriptionStatus::Active, None) => "portal-status-active",
        (SubscriptionStatus::Paused, _) => "portal-status-paused",
        (SubscriptionStatus::Canceled, _) => "portal-status-canceled",
    };
    SubscriptionView {
        id: s.id.to_string(),
        plan: s.plan_name.clone(),
        quantity: s.quantity,
        status: ctx.t(status_id),
        next_invoice_date: active.then(|| format::date_long(s.next_billing_date, lang)),
        next: None,
        // `cancel_at` is the first day without service; customers read the last day with it.
        cancel_at: s.cancel_at.map(|d| format::date_long(d - chrono::Duration::days(1), lang)),
        paused: s.status == SubscriptionStatus::Paused,
        active,
        pending_change: s.pending_change.as_ref().map(|p| {
            ctx.chrome.t1("portal-pending-change", "plan", &format!("{} × {}", p.plan_name, p.quantity))
                + " "
                + &format::date_long(p.effective, lang)
        }),
    }
}

pub struct NextInvoice {
    pub gross: String,
    pub net: String,
    pub tax: String,
}

pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub date: String,
    pub due: String,
    pub total: String,
    pub status: String,
    pub open: bool,
    pub overdue: bool,
}

pub(super) fn invoice_row(ctx: &Portal, i: &Invoice) -> InvoiceRow {
    let lang = ctx.lang();
    let overdue = i.status == InvoiceStatus::Open && i.due_date.is_some_and(|d| d < ctx.tenant_today());
    InvoiceRow {
        id: i.id.to_string(),
        number: i.number.clone().unwrap_or_default(),
        kind: ctx.t(if i.kind == "credit_note" { "portal-kind-credit-note" } else { "portal-kind-invoice" }),
        date: i.issue_date.map(|d| format::date(d, lang)).unwrap_or_default(),
        due: i.due_date.filter(|_| i.kind != "credit_note").map(|d| format::date(d, lang)).unwrap_or_default(),
        total: format::money(i.total, lang),
        status: ctx.t(match (i.status, overdue) {
            (InvoiceStatus::Open, true) => "portal-invoice-overdue",
            (InvoiceStatus::Open, false) => "portal-invoice-open",
            (InvoiceStatus::Paid, _) => "portal-invoice-paid",
            (InvoiceStatus::Void, _) => "portal-invoice-void",
            (InvoiceStatus::Uncollectible, _) => "portal-invoice-uncollectible",
            (InvoiceStatus::Draft, _) => "portal-invoice-draft",
        }),
        open: i.status == InvoiceStatus::Open && i.kind != "credit_note",
        overdue,
    }
}

impl Portal {
    /// Today in the merchant's time zone.
    pub fn tenant_today(&self) -> chrono::NaiveDate {
        self.now.with_timezone(&self.tenant.timezone).date_naive()
    }
}

/// The customer's finalized documents (drafts are the merchant's business), newest first.
pub(super) async fn documents(
    ctx: &Portal,
    conn: &mut sqlx::PgConnection,
    customer: &Customer,
) -> PageResult<Vec<Invoice>> {
    let filter = InvoiceFilter { customer: Some(customer.id), ..InvoiceFilter::default() };
    let page = billing_core::service::invoices::list(
        conn,
        ctx.tenant.id,
        filter,
        PageRequest { limit: 100, starting_after: None },
    )
    .await?;
    let mut docs: Vec<Invoice> = page.items.into_iter().filter(|i| i.status != InvoiceStatus::Draft).collect();
    docs.sort_by(|a, b| b.issue_date.cmp(&a.issue_date).then(b.id.cmp(&a.id)));
    Ok(docs)
}

#[derive(Template)]
#[template(path = "portal/overview.html")]
struct OverviewPage<'a> {
    c: &'a Chrome,
    done: Option<String>,
    name: String,
    subscriptions: Vec<SubscriptionView>,
    due: Vec<String>,
    credit: Vec<String>,
    default_method: Option<String>,
    dunning: Option<InvoiceRow>,
    open: Vec<InvoiceRow>,
    survey: Option<super::surveys::SurveyView>,
    /// The first payment that waits for the customer's confirmation (3-D Secure).
    awaiting: Option<super::payments::AwaitingView>,
}

/// `GET /` (and `/subscriptions`, the page a subscription flow starts on); `?done=` names the
/// action just completed, confirmed at the top.
pub async fn overview(ctx: Portal, Query(q): Query<DoneQuery>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?;
        if ctx.chrome.path != "/subscriptions" {
            ctx.allow("/")?;
        }
        let mut conn = ctx.state.pool.acquire().await?;
        let subs = subscriptions::list(
            &mut conn,
            ctx.tenant.id,
            Some(customer.id),
            PageRequest { limit: 100, starting_after: None },
        )
        .await?;
        // Only the open invoices are shown here, with their lines, in one statement.
        let filter = InvoiceFilter {
            customer: Some(customer.id),
            status: Some(InvoiceStatus::Open),
            ..InvoiceFilter::default()
        };
        let mut docs = billing_core::service::invoices::list(
            &mut conn,
            ctx.tenant.id,
            filter,
            PageRequest { limit: 100, starting_after: None },
        )
        .await?
        .items;
        docs.sort_by(|a, b| b.issue_date.cmp(&a.issue_date).then(b.id.cmp(&a.id)));
        let balances = billing_core::store::balance::balances(&mut conn, ctx.tenant.id, customer.id).await?;
        let methods = billing_core::service::payments::methods_of(&mut conn, ctx.tenant.id, customer).await?;
        // The next invoice of each active subscription, VAT included, as the invoice run will
        // make it. A subscription whose VAT cannot be decided now shows its date alone.
        let due: Vec<(SubscriptionId, chrono::NaiveDate)> = subs
            .items
            .iter()
            .filter(|s| s.status == SubscriptionStatus::Active)
            .map(|s| (s.id, s.next_billing_date))
            .collect();
        let upcoming =
            billing_core::service::invoicing::upcoming_for(&mut conn, &ctx.tenant, &due).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "upcoming invoice amounts not computed");
                Vec::new()
            });
        let survey = super::surveys::overview_survey(&ctx, &mut conn).await?;
        // A payment waiting for the customer's confirmation is one of the open invoices above:
        // without any, there is nothing to ask for (one statement fewer on most views).
        let waiting = if docs.is_empty() {
            Vec::new()
        } else {
            billing_core::service::payment_challenges::awaiting(&mut conn, ctx.tenant.id, customer.id).await?
        };
        drop(conn);
        let awaiting = waiting.iter().find_map(|(a, i)| {
            docs.iter().find(|d| d.id == *i).map(|inv| super::payments::awaiting_view(&ctx, *a, inv))
        });
        let lang = ctx.lang();
        let open: Vec<&Invoice> =
            docs.iter().filter(|i| i.status == InvoiceStatus::Open && i.kind != "credit_note").collect();
        let mut due_by_currency: Vec<Money> = Vec::new();
        for i in &open {
            let d = i.amount_due();
            match due_by_currency.iter_mut().find(|m| m.currency() == d.currency()) {
                Some(m) => *m = m.checked_add(d).map_err(billing_core::Error::from)?,
                None => due_by_currency.push(d),
            }
        }
        let rows: Vec<InvoiceRow> = open.iter().map(|i| invoice_row(&ctx, i)).collect();
        let dunning = rows.iter().find(|r| r.overdue).map(clone_row);
        ctx.viewed("overview");
        let c = ctx.chrome("portal-overview-title", "overview");
        let done = match q.done.as_deref() {
            Some("change") => Some(ctx.t("portal-done-change")),
            Some("signup") => Some(ctx.t("signup-done")),
            Some("cancel") => Some(ctx.t("portal-done-cancel")),
            Some("pause") => Some(ctx.t("portal-done-pause")),
            Some("resume") => Some(ctx.t("portal-done-resume")),
            Some("undo_cancel") => Some(ctx.t("portal-done-undo-cancel")),
            Some("retention") => Some(ctx.t("portal-done-retention")),
            Some("survey") => Some(ctx.t("portal-survey-thanks")),
            Some("question") => Some(ctx.t("portal-question-sent")),
            _ => None,
        };
        Ok(ctx.page(&OverviewPage {
            c: &c,
            done,
            name: customer.name.clone(),
            subscriptions: subs
                .items
                .iter()
                .map(|s| {
                    let mut v = subscription_view(&ctx, s);
                    v.next = upcoming.iter().find(|(id, _)| *id == s.id).map(|(_, u)| NextInvoice {
                        gross: format::money(u.gross, lang),
                        net: format::money(u.net, lang),
                        tax: format::money(u.tax, lang),
                    });
                    v
                })
                .collect(),
            due: due_by_currency.into_iter().filter(|m| !m.is_zero()).map(|m| format::money(m, lang)).collect(),
            credit: balances.into_iter().filter(|m| m.is_positive()).map(|m| format::money(m, lang)).collect(),
            default_method: methods.iter().find(|m| m.is_default).map(|m| method_label(&ctx, m)),
            dunning,
            open: rows,
            survey,
            awaiting,
        }))
    })
    .await;
    ctx.finish(result)
}

fn clone_row(r: &InvoiceRow) -> InvoiceRow {
    InvoiceRow {
        id: r.id.clone(),
        number: r.number.clone(),
        kind: r.kind.clone(),
        date: r.date.clone(),
        due: r.due.clone(),
        total: r.total.clone(),
        status: r.status.clone(),
        open: r.open,
        overdue: r.overdue,
    }
}

pub use super::methods::method_label;

#[derive(Template)]
#[template(path = "portal/invoices.html")]
struct InvoicesPage<'a> {
    c: &'a Chrome,
    rows: Vec<InvoiceRow>,
}

/// `GET /invoices`.
pub async fn invoices(ctx: Portal) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?;
        ctx.allow("/invoices")?;
        let mut conn = ctx.state.pool.acquire().await?;
        let docs = documents(&ctx, &mut conn, customer).await?;
        drop(conn);
        ctx.viewed("invoices");
        let c = ctx.chrome("portal-invoices-title", "invoices");
        Ok(ctx.page(&InvoicesPage { c: &c, rows: docs.iter().map(|i| invoice_row(&ctx, i)).collect() }))
    })
    .await;
    ctx.finish(result)
}

pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "portal/invoice.html")]
struct InvoicePage<'a> {
    c: &'a Chrome,
    row: InvoiceRow,
    lines: Vec<LineView>,
    subtotal: String,
    tax: String,
    total: String,
    amount_due: String,
    bank: Option<BankView>,
    nonce: String,
    paid_message: Option<String>,
    survey: Option<super::surveys::SurveyView>,
    /// A payment of this invoice that waits for the customer's confirmation (3-D Secure).
    awaiting: Option<super::payments::AwaitingView>,
}

pub struct BankView {
    pub holder: String,
    pub iban: String,
    pub bic: String,
    pub reference: String,
    pub amount: String,
}

/// The invoice of the signed-in customer, or 404 (another customer's or tenant's id, a draft).
async fn own_invoice(ctx: &Portal, conn: &mut sqlx::PgConnection, id: &str) -> PageResult<Invoice> {
    let customer = ctx.customer()?;
    let id: InvoiceId = parse(id)?;
    let inv = billing_core::service::invoices::get(conn, ctx.tenant.id, id).await?;
    if inv.customer_id != customer.id || inv.status == InvoiceStatus::Draft {
        return Err(PageError::not_found());
    }
    Ok(inv)
}

#[derive(Deserialize)]
pub struct InvoiceQuery {
    paid: Option<String>,
    done: Option<String>,
}

/// `GET /invoices/{id}`: lines, totals, pay now, bank-transfer details.
pub async fn invoice(ctx: Portal, Path(p): Path<IdPath>, Query(q): Query<InvoiceQuery>) -> Response {
    let result = super::page(async {
        ctx.customer()?;
        ctx.allow("/invoices")?;
        let mut conn = ctx.state.pool.acquire().await?;
        let inv = own_invoice(&ctx, &mut conn, &p.id).await?;
        let survey = super::surveys::action_survey(&ctx, &mut conn).await?;
        let waiting =
            billing_core::service::payment_challenges::awaiting(&mut conn, ctx.tenant.id, inv.customer_id).await?;
        drop(conn);
        let awaiting =
            waiting.iter().find(|(_, i)| *i == inv.id).map(|(a, _)| super::payments::awaiting_view(&ctx, *a, &inv));
        let lang = ctx.lang();
        let row = invoice_row(&ctx, &inv);
        let bank = ctx.tenant.profile.bank.as_ref().filter(|_| row.open).map(|b| BankView {
            holder: b.account_holder.clone(),
            iban: b.iban.clone(),
            bic: b.bic.clone().unwrap_or_default(),
            reference: inv.number.clone().unwrap_or_default(),
            amount: format::money(inv.amount_due(), lang),
        });
        ctx.viewed("invoice");
        let c = ctx.chrome("portal-invoice-title", "invoices");
        Ok(ctx.page(&InvoicePage {
            c: &c,
            lines: inv
                .lines
                .iter()
                .map(|l| LineView {
                    description: l.description.clone(),
                    quantity: format::decimal(l.quantity, lang),
                    amount: format::money(l.amount, lang),
                })
                .collect(),
            subtotal: format::money(inv.subtotal, lang),
            tax: format::money(inv.tax, lang),
            total: format::money(inv.total, lang),
            amount_due: format::money(inv.amount_due(), lang),
            bank,
            nonce: form_nonce(),
            paid_message: match (q.paid, q.done.as_deref()) {
                (_, Some("survey")) => Some(ctx.t("portal-survey-thanks")),
                (Some(_), _) => Some(ctx.t("portal-pay-done")),
                _ => None,
            },
            survey,
            row,
            awaiting,
        }))
    })
    .await;
    ctx.finish(result)
}

/// `GET /invoices/{id}/pdf`: the document in the page's language.
pub async fn invoice_pdf(ctx: Portal, Path(p): Path<IdPath>) -> Response {
    let result = super::page(async {
        let mut conn = ctx.state.pool.acquire().await?;
        let inv = own_invoice(&ctx, &mut conn, &p.id).await?;
        let doc = crate::pdf::render_invoice(&mut conn, ctx.tenant.id, inv.id, Some(ctx.lang())).await?;
        Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", doc.file_name)),
            ],
            doc.bytes,
        )
            .into_response())
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: Option<String>,
    nonce: Option<String>,
    ev: Option<i64>,
}

/// `POST /invoices/{id}/pay`: collects with the default method through the engine's payment
/// path. The form is claimed first (a second submission shows the invoice, it never charges
/// twice), then the provider is called with no connection held.
pub async fn pay(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<ActionForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let inv = own_invoice(&ctx, &mut conn, &p.id).await?;
        let outcome = ctx.chrome.href(&format!("/invoices/{}?paid=1", inv.id));
        let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
        let nonce = form.nonce.unwrap_or_default();
        if let Some(prev) = store::claim_form(&mut conn, hash, &nonce, &outcome, ctx.now).await? {
            return Ok(redirect(&prev));
        }
        drop(conn);
        let c = billing_core::service::payments::collect(
            &ctx.state.pool,
            ctx.tenant.id,
            inv.id,
            ctx.state.gateways.as_ref(),
            ctx.now,
        )
        .await?;
        // A payment the bank wants the customer to confirm goes to its challenge, a declined one
        // to its page with the reason and a retry (docs/adr/0044).
        let settled = c.invoice_status == "paid" || c.attempt.status == "pending";
        if !settled {
            return Ok(redirect(&ctx.chrome.href(&format!("/payments/{}", c.attempt.id))));
        }
        let mut conn = ctx.state.pool.acquire().await?;
        store::complete_action(&mut conn, ctx.tenant.id, customer, form.ev, "pay_invoice", "invoice", ctx.now).await?;
        Ok(redirect(&outcome))
    })
    .await;
    ctx.finish(result)
}

/// The subscription of the signed-in customer, or 404.
async fn own_subscription(ctx: &Portal, conn: &mut sqlx::PgConnection, id: &str) -> PageResult<Subscription> {
    let customer = ctx.customer()?;
    let id: SubscriptionId = parse(id)?;
    let s = subscriptions::get(conn, ctx.tenant.id, id).await?;
    if s.customer_id != customer.id {
        return Err(PageError::not_found());
    }
    Ok(s)
}

pub struct PlanOption {
    pub code: String,
    pub name: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "portal/change.html")]
struct ChangePage<'a> {
    c: &'a Chrome,
    sub: SubscriptionView,
    plans: Vec<PlanOption>,
    quantity: u32,
    preview: Option<PreviewView>,
    nonce: String,
    ev: i64,
    /// The merchant defers downgrades to the period's end (docs/adr/0039).
    downgrades_later: bool,
}

pub struct PreviewView {
    pub plan: String,
    pub quantity: u32,
    pub effective: String,
    pub lines: Vec<LineView>,
    pub total: String,
    pub credit: bool,
    pub nothing_now: bool,
    pub remaining: Option<String>,
    /// The document's net, its VAT (with the rate when there is one) and what is charged or
    /// credited with VAT: the engine's decision for this customer (`ChangeOutcome::vat`).
    pub net: String,
    pub tax_label: String,
    pub tax: String,
    pub gross: String,
}

#[derive(Deserialize)]
pub struct ChangeQuery {
    plan: Option<String>,
    quantity: Option<String>,
    ev: Option<i64>,
}

fn parse_quantity(q: Option<&str>, current: u32) -> PageResult<i64> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => Ok(i64::from(current)),
        Some(q) => q.parse::<i64>().map_err(|_| PageError::bad_request("portal-quantity-invalid")),
    }
}

/// The merchant's plan-move rules on the customer's own change (docs/adr/0039): `Ok(timing)`
/// (`PeriodEnd` for a downgrade they defer) or the localized refusal for a move they do not
/// allow, a plan not found included.
async fn judged(
    ctx: &Portal,
    conn: &mut sqlx::PgConnection,
    sub: &Subscription,
    plans: &[billing_core::catalog::Plan],
    plan: Option<&str>,
    quantity: i64,
) -> PageResult<Option<Timing>> {
    use billing_core::service::portal_options::{self, MoveVerdict};
    let refused = || PageError::bad_request("portal-moves-refused");
    let to = match plan.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(code) => Some(
            plans
                .iter()
                .find(|p| (p.code == code || p.id.to_string() == code) && p.addon.is_none())
                .ok_or_else(refused)?,
        ),
    };
    let quantity = u32::try_from(quantity).map_err(|_| PageError::bad_request("portal-quantity-invalid"))?;
    let segment = ctx.customer()?.segment.clone();
    let rules = portal_options::plan_moves(conn, ctx.tenant.id).await?;
    match portal_options::judge(&rules, plans, sub, segment.as_deref(), to, quantity)? {
        MoveVerdict::Refused => Err(refused()),
        MoveVerdict::Allowed { at_period_end } => Ok(at_period_end.then_some(Timing::PeriodEnd)),
    }
}

/// The plans the change page offers: the current one and those the merchant's rules allow at
/// the current quantity.
async fn offered_plans(
    ctx: &Portal,
    conn: &mut sqlx::PgConnection,
    sub: &Subscription,
    plans: &[billing_core::catalog::Plan],
) -> PageResult<Vec<billing_core::ids::PlanId>> {
    use billing_core::service::portal_options::{self, MoveVerdict};
    let rules = portal_options::plan_moves(conn, ctx.tenant.id).await?;
    let segment = ctx.customer()?.segment.clone();
    let mut out = Vec::new();
    for p in plans.iter().filter(|p| p.active && p.addon.is_none()) {
        let verdict = portal_options::judge(&rules, plans, sub, segment.as_deref(), Some(p), sub.quantity);
        if p.id == sub.plan_id || matches!(verdict, Ok(MoveVerdict::Allowed { .. })) {
            out.push(p.id);
        }
    }
    Ok(out)
}

/// `GET /subscriptions/{id}/change`, and with `plan`/`quantity` the exact preview (the engine's
/// change computation, nothing written) with a button to confirm.
pub async fn change_page(ctx: Portal, Path(p): Path<IdPath>, Query(q): Query<ChangeQuery>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/subscriptions")?;
        let mut conn = ctx.state.pool.acquire().await?;
        let sub = own_subscription(&ctx, &mut conn, &p.id).await?;
        let plans = billing_core::service::catalog::list_plans(&mut conn, ctx.tenant.id).await?;
        let lang = ctx.lang();
        let mut quantity = sub.quantity;
        let preview = match (&q.plan, &q.quantity) {
            (None, None) => None,
            _ => {
                let qty = parse_quantity(q.quantity.as_deref(), sub.quantity)?;
                let timing = judged(&ctx, &mut conn, &sub, &plans, q.plan.as_deref(), qty).await?;
                let input = ChangeInput { plan: q.plan.clone(), quantity: Some(qty), timing, on: None };
                let out = subscriptions::change(&mut conn, ctx.tenant.id, sub.id, &input, false, ctx.now).await?;
                // What was asked for (the preview's subscription keeps the current terms until
                // the change is made); the engine accepted it, so it fits a u32.
                quantity = u32::try_from(qty).unwrap_or(sub.quantity);
                let plan_name = q
                    .plan
                    .as_ref()
                    .and_then(|code| plans.iter().find(|p| &p.code == code || &p.id.to_string() == code))
                    .map_or_else(|| sub.plan_name.clone(), |p| p.name.clone());
                let doc = out.plan.document.as_ref();
                let credit = doc.is_some_and(|d| d.is_credit());
                let shown = |m: Money| -> PageResult<String> {
                    let m = if credit { m.checked_neg().map_err(billing_core::Error::from)? } else { m };
                    Ok(format::money(m, lang))
                };
                let (net, tax, gross, tax_label) = match &out.vat {
                    Some(v) => (
                        shown(v.net_total)?,
                        shown(v.tax_total)?,
                        shown(v.gross_total)?,
                        match v.groups.as_slice() {
                            [g] => ctx.chrome.t1("signup-vat-rate", "rate", &format::percent(g.rate, lang)),
                            _ => ctx.t("portal-tax"),
                        },
                    ),
                    None => Default::default(),
                };
                Some(PreviewView {
                    net,
                    tax,
                    gross,
                    tax_label,
                    plan: plan_name,
                    quantity,
                    effective: format::date_long(out.plan.effective, lang),
                    lines: doc
                        .map(|d| {
                            d.lines
                                .iter()
                                .map(|l| LineView {
                                    description: l.description.clone(),
                                    quantity: l.quantity.to_string(),
                                    amount: format::money(l.amount, lang),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    total: doc
                        .map(|d| if d.is_credit() { d.net.checked_neg() } else { Ok(d.net) })
                        .transpose()
                        .map_err(billing_core::Error::from)?
                        .map(|m| format::money(m, lang))
                        .unwrap_or_default(),
                    credit: doc.is_some_and(|d| d.is_credit()),
                    nothing_now: doc.is_none(),
                    remaining: doc.map(|d| {
                        crate::i18n::I18n::global().text(
                            lang,
                            "portal-preview-remaining",
                            &[("remaining", d.remaining.to_string()), ("of", d.of.to_string())],
                        )
                    }),
                })
            }
        };
        let ev = match q.ev {
            Some(ev) => ev,
            None => store::start_action(&mut conn, ctx.tenant.id, customer, "change_plan", "change", ctx.now).await?,
        };
        // The plan-change funnel (docs/adr/0036): the visitor is the customer.
        let step = if preview.is_some() { "plan_change:previewed" } else { "plan_change:viewed" };
        store::record_funnel(
            &mut conn,
            ctx.tenant.id,
            Some(customer),
            &ctx.chrome.path,
            step,
            &customer.to_string(),
            ctx.now,
        )
        .await?;
        let allowed = offered_plans(&ctx, &mut conn, &sub, &plans).await?;
        let downgrades_later =
            billing_core::service::portal_options::plan_moves(&mut conn, ctx.tenant.id).await?.downgrades_at_period_end;
        drop(conn);
        let selected = q.plan.clone().unwrap_or_default();
        ctx.viewed(if preview.is_some() { "change_preview" } else { "change" });
        let c = ctx.chrome("portal-change-title", "overview");
        Ok(ctx.page(&ChangePage {
            c: &c,
            sub: subscription_view(&ctx, &sub),
            plans: plans
                .into_iter()
                .filter(|p| allowed.contains(&p.id))
                .map(|p| PlanOption {
                    current: if selected.is_empty() {
                        p.id == sub.plan_id
                    } else {
                        p.code == selected || p.id.to_string() == selected
                    },
                    code: p.code,
                    name: p.name,
                })
                .collect(),
            quantity,
            preview,
            nonce: form_nonce(),
            ev,
            downgrades_later,
        }))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: Option<String>,
    nonce: Option<String>,
    ev: Option<i64>,
    plan: Option<String>,
    quantity: Option<String>,
}

/// `POST /subscriptions/{id}/change`: the change the preview showed, once.
pub async fn change(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<ChangeForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let sub = own_subscription(&ctx, &mut conn, &p.id).await?;
        let qty = parse_quantity(form.quantity.as_deref(), sub.quantity)?;
        // A move the merchant does not allow is refused here, whatever the form sent.
        let plans = billing_core::service::catalog::list_plans(&mut conn, ctx.tenant.id).await?;
        let timing = judged(&ctx, &mut conn, &sub, &plans, form.plan.as_deref(), qty).await?;
        drop(conn);
        let input = ChangeInput { plan: form.plan.clone(), quantity: Some(qty), timing, on: None };
        let (tenant, now, sid, ev) = (ctx.tenant.id, ctx.now, sub.id, form.ev);
        let page = ctx.chrome.path.clone();
        once(&ctx, form.nonce.as_deref(), format!("{}?done=change", ctx.chrome.href("/")), move |conn| {
            Box::pin(async move {
                subscriptions::change(conn, tenant, sid, &input, true, now).await?;
                store::complete_action(conn, tenant, customer, ev, "change_plan", "change", now).await?;
                let visitor = customer.to_string();
                store::record_funnel(conn, tenant, Some(customer), &page, "plan_change:confirmed", &visitor, now)
                    .await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

/// The reasons of the cancellation survey (Fluent ids `portal-reason-<key>`).
pub const REASONS: &[&str] = &[
    "too_expensive",
    "missing_features",
    "switched_service",
    "unused",
    "customer_service",
    "too_complex",
    "low_quality",
    "other",
];

#[derive(Template)]
#[template(path = "portal/cancel.html")]
struct CancelPage {
    c: Chrome,
    /// The retention offer, the first time this subscription's cancel page is shown.
    offer: Option<String>,
    sub: SubscriptionView,
    reasons: Vec<(String, String)>,
    period_end: String,
    nonce: String,
    ev: i64,
    error: Option<String>,
}

/// `GET /subscriptions/{id}/cancel`: the reason survey and the choice now / at period end.
pub async fn cancel_page(ctx: Portal, Path(p): Path<IdPath>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/subscriptions")?;
        let mut conn = ctx.state.pool.acquire().await?;
        let sub = own_subscription(&ctx, &mut conn, &p.id).await?;
        let ev = store::start_action(&mut conn, ctx.tenant.id, customer, "cancel", "cancel", ctx.now).await?;
        // The merchant's one retention offer, shown once per subscription.
        let offer = match store::retention_offer(&mut conn, ctx.tenant.id).await? {
            Some((kind, coupon)) if sub.cancel_at.is_none() => {
                store::claim_retention_shown(&mut conn, ctx.tenant.id, sub.id, &kind, ctx.now).await?.then(|| {
                    match coupon {
                        Some(code) => ctx.chrome.t1("portal-retention-coupon", "code", &code),
                        None => ctx.t("portal-retention-pause"),
                    }
                })
            }
            _ => None,
        };
        drop(conn);
        ctx.viewed("cancel");
        let mut page = cancel_view(&ctx, &sub, ev, None);
        page.offer = offer;
        Ok(ctx.page(&page))
    })
    .await;
    ctx.finish(result)
}

fn cancel_view(ctx: &Portal, sub: &Subscription, ev: i64, error: Option<String>) -> CancelPage {
    CancelPage {
        c: ctx.chrome("portal-cancel-title", "overview"),
        offer: None,
        // The last day of service: the day before the boundary the cancellation takes effect on.
        period_end: sub
            .boundary_after(ctx.tenant_today())
            .map(|b| format::date_long(b - chrono::Duration::days(1), ctx.lang()))
            .unwrap_or_default(),
        sub: subscription_view(ctx, sub),
        reasons: REASONS
            .iter()
            .map(|r| (r.to_string(), ctx.t(&format!("portal-reason-{}", r.replace('_', "-")))))
            .collect(),
        nonce: form_nonce(),
        ev,
        error,
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    csrf: Option<String>,
    nonce: Option<String>,
    ev: Option<i64>,
    reason: Option<String>,
    comment: Option<String>,
    timing: Option<String>,
}

/// `POST /subscriptions/{id}/cancel`: needs a reason; now (the unused part credited) or at the
/// end of the period.
pub async fn cancel(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<CancelForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let sub = own_subscription(&ctx, &mut conn, &p.id).await?;
        drop(conn);
        let reason = form.reason.clone().filter(|r| REASONS.contains(&r.as_str()));
        let Some(reason) = reason else {
            let page = cancel_view(&ctx, &sub, form.ev.unwrap_or(-1), Some(ctx.t("portal-cancel-reason-required")));
            return Ok(crate::web::layout::html(axum::http::StatusCode::BAD_REQUEST, ctx.lang(), &page));
        };
        let comment: Option<String> =
            form.comment.clone().map(|c| c.trim().chars().take(2000).collect::<String>()).filter(|c| !c.is_empty());
        let timing = if form.timing.as_deref() == Some("now") { Timing::Now } else { Timing::PeriodEnd };
        let input = CancelInput { timing: Some(timing), prorate: timing == Timing::Now, on: None };
        let (tenant, now, sid, ev) = (ctx.tenant.id, ctx.now, sub.id, form.ev);
        once(&ctx, form.nonce.as_deref(), format!("{}?done=cancel", ctx.chrome.href("/")), move |conn| {
            Box::pin(async move {
                subscriptions::cancel(conn, tenant, sid, &input, now).await?;
                store::record_cancellation_reason(conn, tenant, customer, sid, &reason, comment.as_deref(), now)
                    .await?;
                store::complete_action(conn, tenant, customer, ev, "cancel", "cancel", now).await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

/// `POST /subscriptions/{id}/retention`: takes the offer shown on the cancel page (once).
pub async fn accept_retention(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<ActionForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let sub = own_subscription(&ctx, &mut conn, &p.id).await?;
        let offer = store::retention_offer(&mut conn, ctx.tenant.id).await?;
        drop(conn);
        let Some((kind, coupon)) = offer else { return Err(PageError::not_found()) };
        let (tenant, now, ev) = (ctx.tenant.id, ctx.now, form.ev);
        once(&ctx, form.nonce.as_deref(), format!("{}?done=retention", ctx.chrome.href("/")), move |conn| {
            Box::pin(async move {
                if !store::accept_retention(conn, tenant, sub.id, now).await? {
                    return Err(PageError::not_found());
                }
                match (kind.as_str(), coupon) {
                    ("coupon", Some(code)) => {
                        billing_core::service::coupons::redeem(conn, tenant, &sub, &code, now).await?
                    }
                    _ => {
                        subscriptions::act(conn, tenant, sub.id, Action::Pause { resume_on: None }, None, now).await?;
                    }
                }
                store::complete_action(conn, tenant, customer, ev, "retention_accepted", "cancel", now).await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

/// `POST /subscriptions/{id}/{undo-cancel|pause|resume}`.
pub async fn act(
    ctx: Portal,
    Path((_, id, verb)): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let action = match verb.as_str() {
            "undo-cancel" => Action::UndoCancel,
            "pause" => Action::Pause { resume_on: None },
            "resume" => Action::Resume,
            _ => return Err(PageError::not_found()),
        };
        let mut conn = ctx.state.pool.acquire().await?;
        let sub = own_subscription(&ctx, &mut conn, &id).await?;
        drop(conn);
        let (tenant, now, sid) = (ctx.tenant.id, ctx.now, sub.id);
        let name = verb.replace('-', "_");
        once(&ctx, form.nonce.as_deref(), format!("{}?done={name}", ctx.chrome.href("/")), move |conn| {
            Box::pin(async move {
                subscriptions::act(conn, tenant, sid, action, None, now).await?;
                store::complete_action(conn, tenant, customer, None, &name, "overview", now).await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

#[derive(Template)]
#[template(path = "portal/billing_details.html")]
struct DetailsPage<'a> {
    c: &'a Chrome,
    name: String,
    company: String,
    email: String,
    vat_id: String,
    vat_status: Option<String>,
    languages: Vec<(String, String, bool)>,
    nonce: String,
    message: Option<String>,
    vat_error: Option<String>,
    email_error: Option<String>,
}

pub use super::ctx::DoneQuery;

fn details_page<'a>(ctx: &Portal, c: &'a Chrome, customer: &Customer) -> DetailsPage<'a> {
    DetailsPage {
        c,
        name: customer.name.clone(),
        company: customer.company_name.clone().unwrap_or_default(),
        email: customer.email.to_string(),
        vat_id: customer.vat_id.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        vat_status: customer.vat_id_status.as_ref().map(|s| {
            ctx.t(match s {
                billing_core::tax::VatIdStatus::Valid { .. } => "portal-vat-confirmed",
                billing_core::tax::VatIdStatus::Invalid { .. } => "portal-vat-rejected",
                billing_core::tax::VatIdStatus::Unverified { .. } => "portal-vat-unverified",
            })
        }),
        languages: crate::i18n::Locale::ALL
            .iter()
            .map(|l| (l.tag().to_string(), l.native_name(), l.tag() == customer.locale))
            .collect(),
        nonce: form_nonce(),
        message: None,
        vat_error: None,
        email_error: None,
    }
}

/// `GET /billing-details`.
pub async fn billing_details(ctx: Portal, Query(q): Query<DoneQuery>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?;
        ctx.allow("/billing-details")?;
        ctx.viewed("billing_details");
        let c = ctx.chrome("portal-details-title", "billing-details");
        let mut page = details_page(&ctx, &c, customer);
        page.message = q.done.map(|_| ctx.t("portal-details-saved"));
        Ok(ctx.page(&page))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct DetailsForm {
    csrf: Option<String>,
    nonce: Option<String>,
    name: Option<String>,
    company: Option<String>,
    email: Option<String>,
    vat_id: Option<String>,
    locale: Option<String>,
}

/// `POST /billing-details`: a VAT ID is checked as entered (format and check digits); a wrong
/// one is refused with the page's message and nothing is stored. A new one is confirmed with
/// VIES by the `vies-recheck` job.
pub async fn save_billing_details(ctx: Portal, Form(form): Form<DetailsForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.clone();
        ctx.check_csrf(form.csrf.as_deref())?;
        let vat_text = form.vat_id.clone().unwrap_or_default().trim().to_string();
        let vat = if vat_text.is_empty() { Ok(None) } else { billing_core::tax::VatId::parse(&vat_text).map(Some) };
        let email_ok = form.email.as_deref().is_none_or(|e| billing_core::email::EmailAddress::parse(e.trim()).is_ok());
        if vat.is_err() || !email_ok {
            let c = ctx.chrome("portal-details-title", "billing-details");
            let mut page = details_page(&ctx, &c, &customer);
            page.name = form.name.clone().unwrap_or_default();
            page.company = form.company.clone().unwrap_or_default();
            page.email = form.email.clone().unwrap_or_default();
            page.vat_id = vat_text.clone();
            if vat.is_err() {
                page.vat_error = Some(ctx.chrome.t1("portal-vat-invalid", "value", &vat_text));
            }
            if !email_ok {
                page.email_error = Some(ctx.t("portal-sign-in-email-invalid"));
            }
            return Ok(crate::web::layout::html(axum::http::StatusCode::BAD_REQUEST, ctx.lang(), &page));
        }
        let vat = vat.ok().flatten();
        let changed_vat = vat.as_ref().map(|v| v.to_string()) != customer.vat_id.as_ref().map(|v| v.to_string());
        let locale = form.locale.as_deref().and_then(crate::i18n::Locale::from_tag).map(|l| l.tag().to_string());
        let input = billing_core::customer::CustomerUpdateInput {
            name: form.name.clone().map(|n| n.trim().to_string()),
            email: form.email.clone().map(|e| e.trim().to_string()),
            locale,
            company_name: form.company.clone(),
            address: None,
        };
        let (tenant, now, cid) = (ctx.tenant.id, ctx.now, customer.id);
        let mut r = once(&ctx, form.nonce.as_deref(), ctx.chrome.href("/billing-details?done=1"), move |conn| {
            Box::pin(async move {
                billing_core::service::customers::update(conn, tenant, cid, &input, now).await?;
                if changed_vat {
                    let status = vat.as_ref().map(|_| billing_core::tax::VatIdStatus::Unverified {
                        reason: "entered in the portal".into(),
                        since: now,
                    });
                    billing_core::store::customers::set_vat_id(conn, tenant, cid, vat.as_ref(), status.as_ref())
                        .await?;
                }
                store::complete_action(conn, tenant, cid, None, "billing_details", "billing_details", now).await?;
                Ok(())
            })
        })
        .await?;
        // The preferred language chosen here is the page's language from now on.
        if let Some(l) = form.locale.as_deref().and_then(crate::i18n::Locale::from_tag)
            && let Ok(v) = ctx.cookies.set(crate::web::lang::LANG_COOKIE, l.tag(), Some(365 * 24 * 3600)).parse()
        {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
        Ok(r)
    })
    .await;
    ctx.finish(result)
}
