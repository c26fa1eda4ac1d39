//! Customers in the console: search (name, email, VAT ID, document number), the customer page
//! (subscriptions, invoices, credit notes, payments and attempts, dunning state, mails, portal
//! activity, audit trail) and the actions on behalf of a customer, each with a reason, through
//! the engine's services: credit note, void, receipt by bank transfer, refund, plan change (with
//! the engine's preview), coupon, and support's portal sign-in link. Actions that move money show
//! a confirm step; the confirm form's nonce makes a second submission change nothing.
//!
//! Pausing a dunning (docs/adr/0039): finance and admin pause the dunning of the whole customer
//! or of one open invoice, with a reason and an optional end day, and resume it; the engine's
//! `dunning_pauses` service writes the audit line with the pauses before and after.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::customer::Customer;
use billing_core::ids::{CustomerId, InvoiceId, SubscriptionId};
use billing_core::invoice::InvoiceStatus;
use billing_core::money::Money;
use billing_core::service::staff as staff_service;
use billing_core::service::subscriptions::{self, ChangeInput};
use billing_core::staff::Permission;
use billing_core::store::PageRequest;
use billing_core::store::invoices::{Invoice, InvoiceFilter};
use billing_core::subscription::{Subscription, SubscriptionStatus};
use serde::Deserialize;

use super::ctx::{Chrome, Console};
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;

fn parse<I: std::str::FromStr>(id: &str) -> PageResult<I> {
    id.parse().map_err(|_| PageError::not_found())
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub struct HitView {
    pub href: String,
    pub name: String,
    pub email: String,
    pub vat_id: String,
    pub country: String,
    pub currency: String,
}

#[derive(Template)]
#[template(path = "console/customers.html")]
struct SearchPage<'a> {
    c: &'a Chrome,
    q: String,
    hits: Vec<HitView>,
}

/// `GET /customers?q=`.
pub async fn search(ctx: Console, Query(q): Query<SearchQuery>) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Read, "customers.search", None, None).await?;
        let q = q.q.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        let hits = staff_service::search_customers(&mut conn, ctx.tenant.id, &q).await?;
        drop(conn);
        let hits = hits
            .into_iter()
            .map(|h| HitView {
                href: ctx.chrome.href(&format!("/customers/{}", CustomerId(h.id))),
                name: h.name,
                email: h.email,
                vat_id: h.vat_id.unwrap_or_default(),
                country: h.country,
                currency: h.currency,
            })
            .collect();
        let c = ctx.chrome("console-customers-title", "customers");
        Ok(ctx.page(&SearchPage { c: &c, q, hits }))
    })
    .await;
    ctx.finish(result)
}

pub struct SubView {
    pub id: String,
    pub plan: String,
    pub quantity: u32,
    pub status: String,
    pub next: String,
    pub active: bool,
}

pub struct AttemptView {
    pub date: String,
    pub amount: String,
    pub status: String,
    pub detail: String,
}

pub struct DocView {
    pub id: String,
    pub number: String,
    pub date: String,
    pub status: String,
    pub total: String,
    pub due: String,
    pub paid: String,
    pub can_credit: bool,
    pub can_void: bool,
    pub can_mark_paid: bool,
    pub can_refund: bool,
    /// An open invoice: its dunning can be paused (or resumed when `paused`).
    pub can_pause: bool,
    pub paused: bool,
    pub attempts: Vec<AttemptView>,
}

pub struct LineView {
    pub when: String,
    pub what: String,
    pub detail: String,
}

/// A mail sent to the customer, with the page that resends it (console-ops).
pub struct MailView {
    pub line: LineView,
    pub resend: String,
}

#[derive(Template)]
#[template(path = "console/customer.html")]
struct DetailPage<'a> {
    c: &'a Chrome,
    done: Option<String>,
    id: String,
    customer: &'a Customer,
    vat_id: String,
    subs: Vec<SubView>,
    invoices: Vec<DocView>,
    notes: Vec<DocView>,
    dunning: Option<String>,
    /// The pauses that hold today, as sentences.
    pauses: Vec<String>,
    /// The customer's whole dunning is paused (the link resumes it).
    customer_paused: bool,
    mails: Vec<MailView>,
    activity: Vec<LineView>,
    /// Survey answers and billing questions, newest first.
    feedback: Vec<FeedbackView>,
    audit: Vec<LineView>,
    can_move_money: bool,
    can_help: bool,
}

/// One piece of the customer's feedback: a survey answer or a billing question (linked).
pub struct FeedbackView {
    pub when: String,
    pub what: String,
    pub detail: String,
    pub href: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
}

/// The customer's survey answers and billing questions, newest first.
async fn feedback(ctx: &Console, conn: &mut sqlx::PgConnection, id: CustomerId) -> PageResult<Vec<FeedbackView>> {
    let lang = ctx.lang();
    let tz = ctx.tenant.timezone;
    let when = |at: chrono::DateTime<chrono::Utc>| format::date(at.with_timezone(&tz).date_naive(), lang);
    let filter = billing_core::store::surveys::ResponseFilter {
        customer: Some(id),
        include_dismissed: true,
        ..Default::default()
    };
    let page = PageRequest { limit: PageRequest::MAX_LIMIT, starting_after: None };
    let answers = billing_core::service::surveys::list(conn, ctx.tenant.id, &filter, None, page).await?;
    let mut out: Vec<FeedbackView> = answers
        .items
        .into_iter()
        .map(|r| {
            let kind = r.kind.to_uppercase();
            let what = match r.score {
                Some(score) => crate::i18n::I18n::global().text(
                    lang,
                    "console-gap-feedback-survey",
                    &[("kind", kind.clone()), ("score", score.to_string())],
                ),
                None => ctx.chrome.t1("console-gap-feedback-dismissed", "kind", &kind),
            };
            FeedbackView {
                when: when(r.created_at),
                what,
                detail: r.comment.unwrap_or_default(),
                href: None,
                at: r.created_at,
            }
        })
        .collect();
    for q in billing_core::service::billing_questions::list_for_customer(conn, ctx.tenant.id, id).await? {
        let status = ctx.t(&format!("console-question-status-{}", q.status));
        out.push(FeedbackView {
            when: when(q.created_at),
            what: ctx.chrome.t1("console-gap-feedback-question", "status", &status),
            detail: q.first_message.chars().take(140).collect(),
            href: Some(ctx.chrome.href(&format!("/questions/{}", q.id))),
            at: q.created_at,
        });
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.at));
    Ok(out)
}

fn status_text(c: &Chrome, s: InvoiceStatus) -> String {
    c.t(&format!("console-invoice-status-{}", s.as_str()))
}

fn doc_view(ctx: &Console, i: &Invoice, attempts: Vec<AttemptView>) -> DocView {
    let lang = ctx.lang();
    let credit = i.kind == "credit_note";
    let net_paid = i.amount_paid.minor() - i.amount_refunded.minor();
    DocView {
        id: i.id.to_string(),
        number: i.number.clone().unwrap_or_default(),
        date: i.issue_date.map(|d| format::date(d, lang)).unwrap_or_default(),
        status: status_text(&ctx.chrome, i.status),
        total: format::money(i.total, lang),
        due: format::money(i.amount_due(), lang),
        paid: format::money(i.amount_paid, lang),
        can_credit: !credit
            && matches!(i.status, InvoiceStatus::Open | InvoiceStatus::Paid | InvoiceStatus::Uncollectible)
            && i.total.minor() > 0,
        can_void: !credit && matches!(i.status, InvoiceStatus::Open | InvoiceStatus::Uncollectible),
        can_mark_paid: !credit && matches!(i.status, InvoiceStatus::Open | InvoiceStatus::Uncollectible),
        can_refund: !credit && net_paid > 0,
        can_pause: !credit && i.status == InvoiceStatus::Open,
        paused: false,
        attempts,
    }
}

fn actor_text(c: &Chrome, actor: &str) -> String {
    actor.strip_prefix("staff:").map_or_else(|| actor.to_string(), |e| c.t1("console-audit-by", "who", e))
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /customers/{id}`: another tenant's (or an unknown) id is a 404.
pub async fn detail(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let result = super::page(async {
        let id: CustomerId = parse(&id)?;
        ctx.require(Permission::Read, "customers.view", Some(format!("customer:{id}")), Some(id)).await?;
        let role = ctx.chrome.role.ok_or_else(super::ctx::forbidden)?;
        let lang = ctx.lang();
        let mut conn = ctx.state.pool.acquire().await?;
        let customer = billing_core::service::customers::get(&mut conn, ctx.tenant.id, id).await?;
        let subs =
            subscriptions::list(&mut conn, ctx.tenant.id, Some(id), PageRequest { limit: 100, starting_after: None })
                .await?
                .items;
        let filter = InvoiceFilter { customer: Some(id), ..InvoiceFilter::default() };
        let mut docs = billing_core::service::invoices::list(
            &mut conn,
            ctx.tenant.id,
            filter,
            PageRequest { limit: 100, starting_after: None },
        )
        .await?
        .items;
        docs.retain(|i| i.status != InvoiceStatus::Draft);
        docs.sort_by(|a, b| b.issue_date.cmp(&a.issue_date).then(b.id.cmp(&a.id)));
        let mut invoices = Vec::new();
        let mut notes = Vec::new();
        for i in &docs {
            if i.kind == "credit_note" {
                notes.push(doc_view(&ctx, i, vec![]));
                continue;
            }
            let attempts = billing_core::service::payments::attempts(&mut conn, ctx.tenant.id, i.id)
                .await?
                .into_iter()
                .map(|a| AttemptView {
                    date: format::date(a.created_at.with_timezone(&ctx.tenant.timezone).date_naive(), lang),
                    amount: billing_core::currency::Currency::from_code(a.currency.trim())
                        .map(|cur| format::money(Money::from_minor(a.amount, cur), lang))
                        .unwrap_or_default(),
                    status: ctx.t(&format!("console-attempt-{}", attempt_status(&a.status))),
                    // With what dunning decided after it (docs/adr/0032).
                    detail: [a.decline_code.clone(), a.gateway_error.clone()]
                        .into_iter()
                        .flatten()
                        .chain(a.decisions.iter().map(|d| ctx.t(&format!("console-retry-{}", d.decision))))
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect();
            invoices.push(doc_view(&ctx, i, attempts));
        }
        let dunning = billing_core::service::dunning::for_customer(&mut conn, ctx.tenant.id, id, ctx.now.date_naive())
            .await?
            .map(|d| {
                let at_risk = d
                    .amount_at_risk
                    .iter()
                    .filter_map(|(cur, minor)| {
                        billing_core::currency::Currency::from_code(cur)
                            .ok()
                            .map(|c| format::money(Money::from_minor(*minor, c), lang))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let next = d.next_action_on.map(|on| format::date(on, lang)).unwrap_or_else(|| "—".into());
                let mut args = vec![("invoices", d.invoices.len().to_string()), ("amount", at_risk), ("next", next)];
                let id = match d.current_step {
                    Some(step) => {
                        args.push(("step", step.to_string()));
                        "console-dunning-state"
                    }
                    None => "console-dunning-state-no-step",
                };
                crate::i18n::I18n::global().text(lang, id, &args)
            });
        let today = ctx.now.date_naive();
        let held: Vec<_> = billing_core::service::dunning_pauses::list(&mut conn, ctx.tenant.id, id)
            .await?
            .into_iter()
            .filter(|p| billing_core::service::dunning_pauses::holds(p, today))
            .collect();
        let customer_paused = held.iter().any(|p| p.invoice_id.is_none());
        for inv in &mut invoices {
            inv.paused = held.iter().any(|p| p.invoice_id.is_some_and(|i| InvoiceId(i).to_string() == inv.id));
        }
        let pauses = held
            .iter()
            .map(|p| {
                let scope = match p.invoice_id {
                    None => ctx.t("console-dunning-pause-scope-customer"),
                    Some(i) => {
                        let number =
                            docs.iter().find(|d| d.id.0 == i).and_then(|d| d.number.clone()).unwrap_or_default();
                        ctx.chrome.t1("console-target-invoice", "number", &number)
                    }
                };
                let until = p
                    .until
                    .map(|u| format::date(u, lang))
                    .unwrap_or_else(|| ctx.t("console-dunning-pause-until-resumed"));
                crate::i18n::I18n::global().text(
                    lang,
                    "console-dunning-pause-line",
                    &[
                        ("scope", scope),
                        ("since", format::date(p.paused_on, lang)),
                        ("until", until),
                        ("reason", p.reason.clone()),
                    ],
                )
            })
            .collect();
        let mails = staff_service::customer_mails(&mut conn, ctx.tenant.id, id, customer.email.as_str())
            .await?
            .into_iter()
            .map(|m| MailView {
                resend: ctx.chrome.href(&format!("/customers/{id}/mails/{}/resend", m.id)),
                line: LineView {
                    when: format::date(m.created_at.with_timezone(&ctx.tenant.timezone).date_naive(), lang),
                    what: m.template,
                    detail: format!("{} · {}", m.to_address, m.status),
                },
            })
            .collect();
        let activity = staff_service::portal_activity(&mut conn, ctx.tenant.id, id)
            .await?
            .into_iter()
            .map(|e| LineView {
                when: format::date(e.started_at.with_timezone(&ctx.tenant.timezone).date_naive(), lang),
                what: e.action.unwrap_or(e.page),
                detail: [Some(e.kind), e.status].into_iter().flatten().collect::<Vec<_>>().join(" · "),
            })
            .collect();
        let feedback = feedback(&ctx, &mut conn, id).await?;
        let audit = staff_service::audit_log(&mut conn, ctx.tenant.id, Some(id), 50)
            .await?
            .into_iter()
            .map(|a| LineView {
                when: format::date(a.at.with_timezone(&ctx.tenant.timezone).date_naive(), lang),
                what: format!("{} ({})", a.action, a.outcome),
                detail: [Some(actor_text(&ctx.chrome, &a.actor)), a.target, a.reason]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
            })
            .collect();
        drop(conn);
        let subs = subs
            .iter()
            .map(|s| SubView {
                id: s.id.to_string(),
                plan: s.plan_name.clone(),
                quantity: s.quantity,
                status: ctx.t(match s.status {
                    SubscriptionStatus::Active => "console-sub-active",
                    SubscriptionStatus::Paused => "console-sub-paused",
                    SubscriptionStatus::Canceled => "console-sub-canceled",
                }),
                next: if s.status == SubscriptionStatus::Active {
                    format::date(s.next_billing_date, lang)
                } else {
                    String::new()
                },
                active: s.status == SubscriptionStatus::Active,
            })
            .collect();
        let done = match q.done.as_deref() {
            Some("resend-mail") => Some(ctx.t("console-done-resend-mail")),
            other => other.and_then(Action::parse).map(|a| ctx.t(&format!("console-done-{}", a.as_str()))),
        };
        let mut c = ctx.chrome("console-customer-title", "customers");
        c.title = customer.name.clone();
        Ok(ctx.page(&DetailPage {
            c: &c,
            done,
            id: id.to_string(),
            vat_id: customer.vat_id.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            customer: &customer,
            subs,
            invoices,
            notes,
            dunning,
            pauses,
            customer_paused,
            mails,
            activity,
            feedback,
            audit,
            can_move_money: role.allows(Permission::MoveMoney),
            can_help: role.allows(Permission::HelpCustomers),
        }))
    })
    .await;
    ctx.finish(result)
}

fn attempt_status(s: &str) -> &'static str {
    match s {
        "succeeded" => "succeeded",
        "failed" => "failed",
        "requires_action" => "requires-action",
        _ => "pending",
    }
}

/// What staff can do on behalf of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CreditNote,
    Void,
    MarkPaid,
    Refund,
    ChangePlan,
    ApplyCoupon,
    PortalLink,
    PauseDunning,
    ResumeDunning,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::CreditNote,
        Action::Void,
        Action::MarkPaid,
        Action::Refund,
        Action::ChangePlan,
        Action::ApplyCoupon,
        Action::PortalLink,
        Action::PauseDunning,
        Action::ResumeDunning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreditNote => "credit-note",
            Action::Void => "void",
            Action::MarkPaid => "mark-paid",
            Action::Refund => "refund",
            Action::ChangePlan => "change-plan",
            Action::ApplyCoupon => "apply-coupon",
            Action::PortalLink => "portal-link",
            Action::PauseDunning => "pause-dunning",
            Action::ResumeDunning => "resume-dunning",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Pausing a dunning holds back collection, mails and fees: money-related, so support may
    /// not (docs/adr/0039).
    fn permission(self) -> Permission {
        if self == Action::PortalLink { Permission::HelpCustomers } else { Permission::MoveMoney }
    }

    /// On the whole customer, or on one invoice when the form names one.
    fn on_dunning(self) -> bool {
        matches!(self, Action::PauseDunning | Action::ResumeDunning)
    }

    fn audit_name(self) -> String {
        format!("customer.{}", self.as_str().replace('-', "_"))
    }

    fn on_invoice(self) -> bool {
        matches!(self, Action::CreditNote | Action::Void | Action::MarkPaid | Action::Refund)
    }

    fn on_subscription(self) -> bool {
        matches!(self, Action::ChangePlan | Action::ApplyCoupon)
    }

    /// Whether the form asks for an amount (optional except for a receipt).
    fn has_amount(self) -> bool {
        matches!(self, Action::CreditNote | Action::MarkPaid | Action::Refund)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    csrf: Option<String>,
    nonce: Option<String>,
    step: Option<String>,
    invoice: Option<String>,
    subscription: Option<String>,
    amount: Option<String>,
    reference: Option<String>,
    plan: Option<String>,
    quantity: Option<String>,
    code: Option<String>,
    reason: Option<String>,
    /// Pausing a dunning: the day it ends by itself (`YYYY-MM-DD`, optional).
    until: Option<String>,
}

pub struct PlanOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/action.html")]
struct ActionPage<'a> {
    c: &'a Chrome,
    action: &'static str,
    customer_href: String,
    customer_name: String,
    /// What the action is on: "Invoice RE-2026-000001 · 29,00 €".
    target: String,
    form: ActionForm,
    plans: Vec<PlanOption>,
    has_amount: bool,
    amount_hint: String,
    error: Option<String>,
    /// The confirm step: the facts to check, and the once-only nonce.
    review: Option<Vec<(String, String)>>,
    nonce: String,
    money: bool,
}

/// What an action is on, loaded and checked to be the customer's.
struct Target {
    customer: Customer,
    invoice: Option<Invoice>,
    subscription: Option<Subscription>,
}

async fn load_target(ctx: &Console, id: CustomerId, action: Action, form: &ActionForm) -> PageResult<Target> {
    let mut conn = ctx.state.pool.acquire().await?;
    let customer = billing_core::service::customers::get(&mut conn, ctx.tenant.id, id).await?;
    let dunning_invoice = action.on_dunning() && form.invoice.as_deref().is_some_and(|i| !i.trim().is_empty());
    let invoice = if action.on_invoice() || dunning_invoice {
        let iid: InvoiceId = parse(form.invoice.as_deref().unwrap_or_default())?;
        let inv = billing_core::service::invoices::get(&mut conn, ctx.tenant.id, iid).await?;
        if inv.customer_id != id || inv.kind == "credit_note" {
            return Err(PageError::not_found());
        }
        Some(inv)
    } else {
        None
    };
    let subscription = if action.on_subscription() {
        let sid: SubscriptionId = parse(form.subscription.as_deref().unwrap_or_default())?;
        let sub = subscriptions::get(&mut conn, ctx.tenant.id, sid).await?;
        if sub.customer_id != id {
            return Err(PageError::not_found());
        }
        Some(sub)
    } else {
        None
    };
    Ok(Target { customer, invoice, subscription })
}

fn target_text(ctx: &Console, t: &Target) -> String {
    let lang = ctx.lang();
    if let Some(i) = &t.invoice {
        return ctx.chrome.t1("console-target-invoice", "number", i.number.as_deref().unwrap_or_default())
            + " · "
            + &format::money(i.total, lang)
            + " · "
            + &status_text(&ctx.chrome, i.status);
    }
    if let Some(s) = &t.subscription {
        return ctx.chrome.t1("console-target-subscription", "plan", &format!("{} × {}", s.plan_name, s.quantity));
    }
    t.customer.email.to_string()
}

async fn plan_options(ctx: &Console, t: &Target, chosen: Option<&str>) -> PageResult<Vec<PlanOption>> {
    let Some(sub) = &t.subscription else { return Ok(vec![]) };
    let mut conn = ctx.state.pool.acquire().await?;
    let plans = billing_core::service::catalog::list_plans(&mut conn, ctx.tenant.id).await?;
    let current =
        chosen.map(str::to_string).or_else(|| plans.iter().find(|p| p.id == sub.plan_id).map(|p| p.code.clone()));
    Ok(plans
        .into_iter()
        .filter(|p| p.active)
        .map(|p| PlanOption { selected: current.as_deref() == Some(p.code.as_str()), code: p.code, name: p.name })
        .collect())
}

#[derive(Deserialize)]
pub struct ActionQuery {
    invoice: Option<String>,
    subscription: Option<String>,
}

/// `GET /customers/{id}/actions/{action}?invoice=|subscription=`: the action's form.
pub async fn action_page(
    ctx: Console,
    Path(super::Ids { id, action, .. }): Path<super::Ids>,
    Query(q): Query<ActionQuery>,
) -> Response {
    let result = super::page(async {
        let id: CustomerId = parse(&id)?;
        let action = Action::parse(&action).ok_or_else(PageError::not_found)?;
        ctx.require(action.permission(), &action.audit_name(), Some(format!("customer:{id}")), Some(id)).await?;
        let mut form = ActionForm { invoice: q.invoice, subscription: q.subscription, ..ActionForm::default() };
        let target = load_target(&ctx, id, action, &form).await?;
        if let (Action::MarkPaid, Some(i)) = (action, &target.invoice) {
            form.amount = Some(i.amount_due().to_decimal().to_string());
        }
        if let Some(s) = &target.subscription {
            form.quantity = Some(s.quantity.to_string());
        }
        render_form(&ctx, action, &target, form, None, StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

async fn render_form(
    ctx: &Console,
    action: Action,
    target: &Target,
    form: ActionForm,
    error: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let plans = plan_options(ctx, target, form.plan.as_deref()).await?;
    let c = ctx.chrome(&format!("console-action-{}", action.as_str()), "customers");
    let amount_hint = match (&target.invoice, action) {
        (Some(_), Action::CreditNote) => ctx.t("console-amount-hint-credit"),
        (Some(_), Action::Refund) => ctx.t("console-amount-hint-refund"),
        (Some(i), _) => ctx.chrome.t1("console-amount-hint-due", "amount", &format::money(i.amount_due(), ctx.lang())),
        _ => String::new(),
    };
    Ok(ctx.page_with(
        status,
        &ActionPage {
            c: &c,
            action: action.as_str(),
            customer_href: ctx.chrome.href(&format!("/customers/{}", target.customer.id)),
            customer_name: target.customer.name.clone(),
            target: target_text(ctx, target),
            form,
            plans,
            has_amount: action.has_amount(),
            amount_hint,
            error,
            review: None,
            nonce: String::new(),
            money: action != Action::PortalLink && !action.on_dunning(),
        },
    ))
}

/// An amount typed in major units ("12.50", "12,50"), in the invoice's currency.
fn parse_amount(text: Option<&str>, currency: billing_core::currency::Currency) -> Result<Option<Money>, &'static str> {
    let t = text.unwrap_or_default().trim();
    if t.is_empty() {
        return Ok(None);
    }
    let normalized = if t.contains(',') && !t.contains('.') { t.replace(',', ".") } else { t.to_string() };
    match Money::parse(&normalized, currency) {
        Ok(m) if m.minor() > 0 => Ok(Some(m)),
        _ => Err("console-amount-invalid"),
    }
}

/// `POST /customers/{id}/actions/{action}`: `step=review` shows what will happen (the plan
/// change's preview is the engine's); `step=confirm` does it once, with the reason recorded.
pub async fn action(
    ctx: Console,
    Path(super::Ids { id, action, .. }): Path<super::Ids>,
    Form(form): Form<ActionForm>,
) -> Response {
    let result = super::page(async {
        let id: CustomerId = parse(&id)?;
        let action = Action::parse(&action).ok_or_else(PageError::not_found)?;
        ctx.require(action.permission(), &action.audit_name(), Some(format!("customer:{id}")), Some(id)).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let target = load_target(&ctx, id, action, &form).await?;
        let reason = form.reason.as_deref().unwrap_or_default().trim().to_string();
        let bad = |id: &str| Some(ctx.t(id));
        let mut problem = if reason.is_empty() {
            bad("console-reason-required")
        } else if reason.chars().count() > 500 {
            bad("console-reason-too-long")
        } else {
            None
        };
        let amount = match &target.invoice {
            Some(i) if action.has_amount() => match parse_amount(form.amount.as_deref(), i.currency) {
                Ok(None) if action == Action::MarkPaid => {
                    problem = problem.or_else(|| bad("console-amount-invalid"));
                    None
                }
                Ok(a) => a,
                Err(e) => {
                    problem = problem.or_else(|| bad(e));
                    None
                }
            },
            _ => None,
        };
        let until = match form.until.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) if action == Action::PauseDunning => match u.parse::<chrono::NaiveDate>() {
                Ok(d) if d > ctx.now.date_naive() => Some(d),
                _ => {
                    problem = problem.or_else(|| bad("console-dunning-pause-until-invalid"));
                    None
                }
            },
            _ => None,
        };
        // The state is checked before the review; a confirm is judged by the engine (and a repeat
        // of a confirmed form leads to its first outcome, see `super::once`).
        if action.on_dunning() && form.step.as_deref() != Some("confirm") {
            let mut conn = ctx.state.pool.acquire().await?;
            let today = ctx.now.date_naive();
            let scope = target.invoice.as_ref().map(|i| i.id.0);
            let paused = billing_core::service::dunning_pauses::list(&mut conn, ctx.tenant.id, id)
                .await?
                .iter()
                .any(|p| p.invoice_id == scope && billing_core::service::dunning_pauses::holds(p, today));
            if action == Action::PauseDunning && paused {
                problem = problem.or_else(|| bad("console-dunning-pause-already"));
            }
            if action == Action::ResumeDunning && !paused {
                problem = problem.or_else(|| bad("console-dunning-pause-not-paused"));
            }
        }
        let code = form.code.as_deref().unwrap_or_default().trim().to_string();
        if action == Action::ApplyCoupon && code.is_empty() {
            problem = problem.or_else(|| bad("console-coupon-required"));
        }
        let change = if action == Action::ChangePlan {
            let quantity = form.quantity.as_deref().unwrap_or("1").trim().parse::<i64>().ok().filter(|q| *q > 0);
            if quantity.is_none() {
                problem = problem.or_else(|| bad("console-quantity-invalid"));
            }
            Some(ChangeInput { plan: form.plan.clone().filter(|p| !p.is_empty()), quantity, timing: None, on: None })
        } else {
            None
        };
        let confirm = form.step.as_deref() == Some("confirm");
        if problem.is_none() && !confirm {
            problem = pre_check(&ctx, action, &target, amount, &code).await?;
        }
        if let Some(error) = problem {
            return render_form(&ctx, action, &target, form, Some(error), StatusCode::BAD_REQUEST).await;
        }
        if !confirm {
            return review(&ctx, action, &target, form, amount, change.as_ref(), &reason).await;
        }
        let outcome = ctx.chrome.href(&format!("/customers/{id}?done={}", action.as_str()));
        let nonce = form.nonce.clone().unwrap_or_default();
        let done = if action.on_dunning() {
            pause_or_resume(&ctx, action, &target, until, &reason, &nonce, &outcome).await
        } else {
            let reference = form.reference.as_deref();
            perform(&ctx, action, &target, amount, change, &code, reference, &reason, &nonce, &outcome).await
        };
        if let Err(PageError::Problem(e)) = &done {
            // The engine said no: nothing changed, and the attempt is on record.
            let mut conn = ctx.state.pool.acquire().await?;
            let after = serde_json::json!({ "error": e.code });
            ctx.audit(
                &mut conn,
                &action.audit_name(),
                "failed",
                target_ref(&target),
                Some(id),
                Some(&reason),
                None,
                Some(after),
            )
            .await?;
        }
        done
    })
    .await;
    ctx.finish(result)
}

/// The engine's checks that an action's review can make without changing anything, so that the
/// review promises nothing its confirm then refuses: a coupon is redeemed on the subscription in
/// a transaction that is rolled back (unknown, expired, used up, in another currency, or a
/// second coupon), and a refund's amount is held against what can still be refunded of the
/// invoice's card payments. A localized problem for the form, or `None`. The confirm is judged
/// by the engine again.
async fn pre_check(
    ctx: &Console,
    action: Action,
    target: &Target,
    amount: Option<Money>,
    code: &str,
) -> PageResult<Option<String>> {
    use sqlx::Connection;
    match (action, &target.subscription, &target.invoice) {
        (Action::ApplyCoupon, Some(sub), _) => {
            let mut conn = ctx.state.pool.acquire().await?;
            let mut tx = conn.begin().await?;
            let tried = billing_core::service::coupons::redeem(&mut tx, ctx.tenant.id, sub, code, ctx.now).await;
            tx.rollback().await?;
            Ok(match tried {
                Ok(()) => None,
                Err(billing_core::Error::NotFound { .. }) => {
                    Some(ctx.chrome.t1("console-act-coupon-unknown", "code", code))
                }
                Err(e) => Some(super::confirm::error_text(ctx, &PageError::from(e))),
            })
        }
        (Action::Refund, _, Some(inv)) => {
            let mut conn = ctx.state.pool.acquire().await?;
            let refundable = billing_core::service::refunds::refundable(&mut conn, ctx.tenant.id, inv.id).await?;
            let wanted = amount.map_or(refundable, |a| a.minor());
            if refundable > 0 && wanted <= refundable {
                return Ok(None);
            }
            let most = format::money(Money::from_minor(refundable, inv.currency), ctx.lang());
            Ok(Some(ctx.chrome.t1("console-act-refund-too-much", "amount", &most)))
        }
        _ => Ok(None),
    }
}

fn target_ref(t: &Target) -> Option<String> {
    if let Some(i) = &t.invoice {
        return Some(format!("invoice:{}", i.number.clone().unwrap_or_else(|| i.id.to_string())));
    }
    if let Some(s) = &t.subscription {
        return Some(format!("subscription:{}", s.id));
    }
    Some(format!("customer:{}", t.customer.id))
}

fn invoice_json(i: &Invoice) -> serde_json::Value {
    serde_json::json!({
        "number": i.number,
        "status": i.status.as_str(),
        "currency": i.currency.code(),
        "total": i.total.minor(),
        "amount_paid": i.amount_paid.minor(),
        "amount_credited": i.amount_credited.minor(),
        "amount_refunded": i.amount_refunded.minor(),
    })
}

#[allow(clippy::too_many_arguments)]
async fn review(
    ctx: &Console,
    action: Action,
    target: &Target,
    mut form: ActionForm,
    amount: Option<Money>,
    change: Option<&ChangeInput>,
    reason: &str,
) -> PageResult<Response> {
    let lang = ctx.lang();
    let mut facts = vec![(ctx.t("console-field-customer"), target.customer.name.clone())];
    facts.push((ctx.t("console-field-target"), target_text(ctx, target)));
    if let Some(i) = &target.invoice {
        let shown = match (action, amount) {
            (_, Some(a)) => Some(format::money(a, lang)),
            (Action::CreditNote | Action::Refund, None) => Some(ctx.t("console-amount-all")),
            _ => None,
        };
        if let Some(s) = shown {
            facts.push((ctx.t("console-field-amount"), s));
        }
        if action == Action::Void {
            facts.push((ctx.t("console-field-amount"), format::money(i.total, lang)));
        }
    }
    if let (Some(sub), Some(input)) = (&target.subscription, change) {
        let mut conn = ctx.state.pool.acquire().await?;
        let out = subscriptions::change(&mut conn, ctx.tenant.id, sub.id, input, false, ctx.now).await?;
        // The new terms by the plan's name (the form takes the plan's code; the preview leaves
        // the subscription as it is).
        let plan_name = match &input.plan {
            Some(code) => billing_core::service::catalog::find_plan(&mut conn, ctx.tenant.id, code).await?.name,
            None => sub.plan_name.clone(),
        };
        drop(conn);
        facts.push((
            ctx.t("console-field-new-terms"),
            format!("{} × {}", plan_name, input.quantity.unwrap_or(i64::from(sub.quantity))),
        ));
        facts.push((ctx.t("console-field-effective"), format::date_long(out.plan.effective, lang)));
        match &out.plan.document {
            Some(doc) => {
                for l in &doc.lines {
                    facts.push((l.description.clone(), format::money(l.amount, lang)));
                }
                let credit = doc.is_credit();
                let shown = |m: Money| -> PageResult<String> {
                    let m = if credit { m.checked_neg().map_err(billing_core::Error::from)? } else { m };
                    Ok(format::money(m, lang))
                };
                let label = if credit { "console-preview-credit" } else { "console-preview-charge" };
                // The document bills VAT on top of its lines (the engine's own decision, as the
                // issued invoice makes it): what is charged or credited now is the gross.
                match &out.vat {
                    Some(v) => {
                        facts.push((ctx.t("console-field-net"), shown(v.net_total)?));
                        let vat_label = match v.groups.as_slice() {
                            [g] => ctx.chrome.t1("console-act-vat-rate", "rate", &format::percent(g.rate, lang)),
                            _ => ctx.t("console-field-vat"),
                        };
                        facts.push((vat_label, shown(v.tax_total)?));
                        facts.push((ctx.t(label), shown(v.gross_total)?));
                    }
                    None => facts.push((ctx.t(label), shown(doc.net)?)),
                }
            }
            None => facts.push((ctx.t("console-preview-charge"), ctx.t("console-preview-nothing-now"))),
        }
    }
    if action == Action::ApplyCoupon {
        facts.push((ctx.t("console-field-coupon"), form.code.clone().unwrap_or_default()));
    }
    if action.on_dunning() {
        let scope = if target.invoice.is_some() {
            target_text(ctx, target)
        } else {
            ctx.t("console-dunning-pause-scope-customer")
        };
        facts.push((ctx.t("console-dunning-pause-scope"), scope));
    }
    if action == Action::PauseDunning {
        let until = form
            .until
            .as_deref()
            .and_then(|u| u.trim().parse::<chrono::NaiveDate>().ok())
            .map(|u| format::date(u, lang))
            .unwrap_or_else(|| ctx.t("console-dunning-pause-until-resumed"));
        facts.push((ctx.t("console-dunning-pause-until"), until));
    }
    if action == Action::MarkPaid {
        facts.push((ctx.t("console-field-reference"), form.reference.clone().unwrap_or_default()));
    }
    facts.push((ctx.t("console-field-reason"), reason.to_string()));
    form.step = Some("confirm".into());
    let c = ctx.chrome(&format!("console-action-{}", action.as_str()), "customers");
    Ok(ctx.page(&ActionPage {
        c: &c,
        action: action.as_str(),
        customer_href: ctx.chrome.href(&format!("/customers/{}", target.customer.id)),
        customer_name: target.customer.name.clone(),
        target: target_text(ctx, target),
        form,
        plans: vec![],
        has_amount: action.has_amount(),
        amount_hint: String::new(),
        error: None,
        review: Some(facts),
        nonce: ctx.chrome.nonce(),
        money: action != Action::PortalLink && !action.on_dunning(),
    }))
}

/// Pauses or resumes the dunning once (the nonce); the service writes the audit line with the
/// pauses before and after, in the same transaction.
async fn pause_or_resume(
    ctx: &Console,
    action: Action,
    target: &Target,
    until: Option<chrono::NaiveDate>,
    reason: &str,
    nonce: &str,
    outcome: &str,
) -> PageResult<Response> {
    use billing_core::service::dunning_pauses::{self, PauseInput, Who};
    let (tenant, now, customer) = (ctx.tenant.id, ctx.now, target.customer.id);
    let invoice = target.invoice.as_ref().map(|i| i.id);
    let reason = reason.to_string();
    let actor = ctx.actor();
    let staff = ctx.staff.as_ref().map(|s| s.id);
    let client = ctx.client.clone();
    super::once(ctx, Some(nonce), outcome.to_string(), move |tx| {
        Box::pin(async move {
            let who = Who { staff, actor: &actor, client: Some(&client) };
            if action == Action::PauseDunning {
                let input = PauseInput { invoice, reason, until };
                dunning_pauses::pause(tx, tenant, customer, &input, &who, now).await?;
            } else {
                dunning_pauses::resume(tx, tenant, customer, invoice, Some(&reason), &who, now).await?;
            }
            Ok(())
        })
    })
    .await
}

/// Does the action once (the nonce), with its audit line in the same transaction.
#[allow(clippy::too_many_arguments)]
async fn perform(
    ctx: &Console,
    action: Action,
    target: &Target,
    amount: Option<Money>,
    change: Option<ChangeInput>,
    code: &str,
    reference: Option<&str>,
    reason: &str,
    nonce: &str,
    outcome: &str,
) -> PageResult<Response> {
    let tenant = ctx.tenant.id;
    let now = ctx.now;
    let customer = target.customer.id;
    let tref = target_ref(target);
    let name = action.audit_name();
    if action == Action::Refund {
        // The refund talks to the provider: it cannot share a transaction with the nonce. The
        // nonce is its request key instead, so a second submission resumes the first refund
        // rather than making another; the claim afterwards sends a repeat to the first outcome.
        if nonce.len() != 64 {
            return Err(PageError::csrf());
        }
        if let Some(previous) = super::claimed(ctx, nonce).await? {
            return Ok(redirect(&previous));
        }
        let inv = target.invoice.as_ref().ok_or_else(PageError::not_found)?;
        let before = invoice_json(inv);
        let key = format!("console-{nonce}");
        let r = billing_core::service::refunds::refund(
            &ctx.state.pool,
            tenant,
            inv.id,
            amount.map(|m| m.minor()),
            Some(&key),
            ctx.state.gateways.as_ref(),
            now,
        )
        .await?;
        let mut conn = ctx.state.pool.acquire().await?;
        let mut after = invoice_json(&billing_core::service::invoices::get(&mut conn, tenant, inv.id).await?);
        after["refunds"] =
            r.refunds.iter().map(|p| serde_json::json!({ "amount": p.amount.minor(), "status": p.status })).collect();
        ctx.audit(&mut conn, &name, "done", tref, Some(customer), Some(reason), Some(before), Some(after)).await?;
        drop(conn);
        if let Some(previous) = super::claim_after(ctx, nonce, outcome).await? {
            return Ok(redirect(&previous));
        }
        return Ok(redirect(outcome));
    }
    let invoice = target.invoice.clone();
    let sub = target.subscription.clone();
    let cust = target.customer.clone();
    let reason = reason.to_string();
    let code = code.to_string();
    let nonce_key = nonce.to_string();
    let form_reference = reference.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    let actor = ctx.actor();
    let staff_id = ctx.staff.as_ref().map(|s| s.id);
    let client = ctx.client.clone();
    let link = if action == Action::PortalLink {
        let token = crate::web::random_token();
        let root = portal_root(ctx);
        Some((crate::web::token_hash(&token), format!("{root}/sign-in/link?token={token}")))
    } else {
        None
    };
    super::once(ctx, Some(nonce), outcome.to_string(), move |tx| {
        Box::pin(async move {
            let (before, after) = match action {
                Action::CreditNote => {
                    let inv = invoice.ok_or_else(PageError::not_found)?;
                    let input = billing_core::service::invoices::CreditNoteInput {
                        amount: amount.map(|m| m.minor()),
                        reason: Some(reason.clone()),
                    };
                    let note = billing_core::service::invoices::credit_note(tx, tenant, inv.id, &input, now).await?;
                    let after = billing_core::service::invoices::get(tx, tenant, inv.id).await?;
                    let mut a = invoice_json(&after);
                    a["credit_note"] = serde_json::json!({ "number": note.number, "total": note.total.minor() });
                    (invoice_json(&inv), a)
                }
                Action::Void => {
                    let inv = invoice.ok_or_else(PageError::not_found)?;
                    let after = billing_core::service::invoices::void(tx, tenant, inv.id, now).await?;
                    (invoice_json(&inv), invoice_json(&after))
                }
                Action::MarkPaid => {
                    let inv = invoice.ok_or_else(PageError::not_found)?;
                    let amount = amount.ok_or_else(|| PageError::bad_request("console-amount-invalid"))?;
                    // The bank's reference the staff member typed is the receipt's; without one
                    // the nonce makes it. A second submission of the form never gets here (the
                    // nonce is claimed in this transaction), so a reference already recorded is
                    // another payment's: refused, rather than recording nothing and saying done.
                    let reference = form_reference.unwrap_or_else(|| format!("console-{nonce_key}"));
                    let settled = billing_core::service::bank_transfer::mark_paid(
                        tx,
                        tenant,
                        inv.id,
                        amount,
                        Some(&reference),
                        now,
                    )
                    .await?;
                    if settled.replayed {
                        return Err(PageError::bad_request("console-act-reference-used"));
                    }
                    let mut after = invoice_json(&billing_core::service::invoices::get(tx, tenant, inv.id).await?);
                    after["receipt"] = serde_json::json!({
                        "amount": amount.minor(),
                        "reference": reference,
                        "to_balance": settled.to_balance.minor(),
                    });
                    (invoice_json(&inv), after)
                }
                Action::ChangePlan => {
                    let s = sub.ok_or_else(PageError::not_found)?;
                    let input = change.ok_or_else(PageError::not_found)?;
                    let out = subscriptions::change(tx, tenant, s.id, &input, true, now).await?;
                    (
                        serde_json::json!({ "plan": s.plan_name, "quantity": s.quantity }),
                        serde_json::json!({
                            "plan": out.subscription.plan_name,
                            "quantity": out.subscription.quantity,
                            "pending_change": out.subscription.pending_change.as_ref().map(|p| (&p.plan_name, p.quantity)),
                            "document": out.issued.map(|d| d.number),
                        }),
                    )
                }
                Action::ApplyCoupon => {
                    let s = sub.ok_or_else(PageError::not_found)?;
                    billing_core::service::coupons::redeem(tx, tenant, &s, &code, now).await?;
                    // A subscription takes one coupon (a second is refused above): none before.
                    let terms = serde_json::json!({ "plan": s.plan_name, "quantity": s.quantity });
                    let mut after = terms.clone();
                    after["coupon"] = serde_json::json!(code);
                    after["from"] = serde_json::json!(s.next_period_start);
                    let mut before = terms;
                    before["coupon"] = serde_json::Value::Null;
                    (before, after)
                }
                Action::PortalLink => {
                    let (hash, url) = link.ok_or_else(PageError::not_found)?;
                    let expires = now + chrono::Duration::minutes(15);
                    staff_service::mail_portal_link(tx, tenant, &cust, &hash, &url, expires, now).await?;
                    (serde_json::json!({}), serde_json::json!({ "mailed_to": cust.email.as_str(), "expires_at": expires }))
                }
                Action::Refund | Action::PauseDunning | Action::ResumeDunning => return Err(PageError::not_found()),
            };
            staff_service::audit(
                tx,
                tenant,
                &staff_service::AuditEntry {
                    staff: staff_id,
                    actor: &actor,
                    action: &name,
                    outcome: "done",
                    target: tref,
                    customer: Some(customer),
                    reason: Some(&reason),
                    before: Some(before),
                    after: Some(after),
                    client: Some(&client),
                },
                now,
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// The absolute root of the tenant's portal for a link in a mail: the configured public URL, or
/// the request's host.
fn portal_root(ctx: &Console) -> String {
    let scheme = if ctx.state.portal.secure_cookies { "https" } else { "http" };
    let server =
        ctx.state.portal.public_url.clone().map(|u| u.trim_end_matches('/').to_string()).unwrap_or_else(|| {
            let host = ctx.headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            format!("{scheme}://{host}")
        });
    format!("{server}/p/{}", ctx.tenant.slug)
}
