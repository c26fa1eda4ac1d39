//! Sign-up for new customers (issue 13, docs/adr/0036): the public pricing page built from the
//! catalog and the checkout (details and VAT ID, the first invoice's exact amount with VAT for the
//! entered country, the card, then the subscription starts and the customer is signed in). Plain
//! forms and redirects; every step is a funnel event with the first-party visitor cookie.
//!
//! Nothing is stored before the last step: the details step checks the form as the API would
//! (a wrong VAT ID is refused in the page's language) and shows the engine's own first invoice,
//! computed in a transaction that is rolled back (`service::signup::preview`). The last step
//! claims its once-only nonce in the transaction that creates the customer and subscription.

use askama::Template;
use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::catalog::{Plan, TaxBehavior};
use billing_core::currency::Currency;
use billing_core::customer::NewCustomerInput;
use billing_core::period::{BillingInterval, IntervalUnit};
use billing_core::rating::PricingModel;
use billing_core::rounding::RoundingPolicy;
use billing_core::service::payments::{self, AddedMethod};
use billing_core::service::sepa_mandates::Creditor;
use billing_core::service::signup::{self, SignupInput, Started};
use billing_core::store::portal as store;
use serde::Deserialize;
use sqlx::Connection;

use super::ctx::Portal;
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, html, redirect};
use crate::web::session::{ANON_CSRF_COOKIE, form_nonce};
use crate::web::{cookie, hex, random_token, token_hash};

/// The first-party cookie that ties a visitor's funnel steps together (an opaque random token;
/// the events store a digest of it, never the token).
pub const VISITOR_COOKIE: &str = "portal_visitor";
/// Checkout submissions per client address within `auth::WINDOW_MINUTES`.
pub const CHECKOUTS_PER_CLIENT: i64 = 20;

/// The visitor's opaque id; sets the cookie on this response when the visitor has none yet.
pub(super) fn visitor(ctx: &mut Portal) -> String {
    let token = match cookie(&ctx.headers, VISITOR_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => t.to_string(),
        None => {
            let t = random_token();
            ctx.set_cookies.push(ctx.cookies.set(VISITOR_COOKIE, &t, Some(365 * 24 * 3600)));
            t
        }
    };
    hex(&token_hash(&token))[..32].to_string()
}

/// Writes a funnel step (best effort: a page never fails for its analytics).
async fn funnel(ctx: &Portal, customer: Option<billing_core::ids::CustomerId>, page: &str, step: &str, visitor: &str) {
    let action = format!("signup:{step}");
    if let Ok(mut conn) = ctx.state.pool.acquire().await
        && let Err(e) = store::record_funnel(&mut conn, ctx.tenant.id, customer, page, &action, visitor, ctx.now).await
    {
        tracing::warn!(error = %e, step, "funnel step not recorded");
    }
}

/// `signup:paid` for `customer` unless it was recorded before (a checkout card's 3-D Secure
/// challenge completed after the checkout itself).
pub(super) async fn funnel_paid_once(ctx: &Portal, customer: billing_core::ids::CustomerId, visitor: &str, page: &str) {
    let known = match ctx.state.pool.acquire().await {
        Ok(mut conn) => store::funnel_step_recorded(&mut conn, ctx.tenant.id, customer, "signup:paid").await,
        Err(e) => Err(e.into()),
    };
    match known {
        Ok(false) => funnel(ctx, Some(customer), page, "paid", visitor).await,
        Ok(true) => {}
        Err(e) => tracing::warn!(error = %e, "funnel step not recorded"),
    }
}

/// The key of a billing interval in the pricing page's toggle (`month`, `year`, `3-month`).
fn interval_key(i: BillingInterval) -> String {
    let unit = match i.unit {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
        IntervalUnit::Year => "year",
    };
    if i.count == 1 { unit.to_string() } else { format!("{}-{unit}", i.count) }
}

fn interval_label(ctx: &Portal, i: BillingInterval) -> String {
    match (i.unit, i.count) {
        (IntervalUnit::Month, 1) => ctx.t("signup-interval-month"),
        (IntervalUnit::Year, 1) => ctx.t("signup-interval-year"),
        (IntervalUnit::Week, 1) => ctx.t("signup-interval-week"),
        (IntervalUnit::Day, 1) => ctx.t("signup-interval-day"),
        _ => ctx.chrome.t1("signup-interval-other", "key", &interval_key(i)),
    }
}

fn per_interval(ctx: &Portal, i: BillingInterval) -> String {
    match (i.unit, i.count) {
        (IntervalUnit::Month, 1) => ctx.t("signup-per-month"),
        (IntervalUnit::Year, 1) => ctx.t("signup-per-year"),
        _ => ctx.t("signup-per-period"),
    }
}

/// The plans a visitor can buy: active base plans, in the catalog's order.
async fn public_plans(ctx: &Portal) -> PageResult<Vec<Plan>> {
    let mut conn = ctx.state.pool.acquire().await?;
    let plans = billing_core::service::catalog::list_plans(&mut conn, ctx.tenant.id).await?;
    Ok(plans.into_iter().filter(|p| p.active && p.addon.is_none()).collect())
}

/// The currencies of the default price list, sorted by code.
fn currencies(plans: &[Plan]) -> Vec<Currency> {
    let mut out: Vec<Currency> =
        plans.iter().flat_map(|p| p.prices.iter().filter(|x| x.segment.is_none()).map(|x| x.currency)).collect();
    out.sort_by_key(|c| c.code());
    out.dedup();
    out
}

/// The visitor's currency: the one chosen, else the tenant's national currency when the price
/// book has it, else the first the price book has.
fn choose_currency(ctx: &Portal, asked: Option<&str>, available: &[Currency]) -> Option<Currency> {
    let asked = asked.and_then(|c| Currency::from_code(&c.trim().to_ascii_uppercase()).ok());
    let national = ctx.tenant.country.eu_national_currency().and_then(|c| Currency::from_code(c).ok());
    [asked, national].into_iter().flatten().find(|c| available.contains(c)).or_else(|| available.first().copied())
}

fn parse_quantity(q: Option<&str>) -> Result<u32, ()> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => Ok(1),
        Some(q) => q.parse::<i64>().ok().and_then(|n| billing_core::subscription::validate_quantity(n).ok()).ok_or(()),
    }
}

pub struct PlanCard {
    pub code: String,
    pub name: String,
    pub price: String,
    pub per: String,
    pub unit: Option<String>,
    pub trial: Option<String>,
    pub checkout: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "portal/pricing.html")]
struct PricingPage<'a> {
    c: &'a Chrome,
    plans: Vec<PlanCard>,
    tabs: Vec<Tab>,
    interval: String,
    currencies: Vec<Choice>,
    quantity: String,
    quantity_error: Option<String>,
    vat_note: String,
}

#[derive(Deserialize)]
pub struct PricingQuery {
    currency: Option<String>,
    interval: Option<String>,
    quantity: Option<String>,
}

fn query(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

/// The VAT note under the prices: net prices get VAT added at checkout for the customer's
/// country; gross prices include it.
fn vat_note(ctx: &Portal, plans: &[&Plan], currency: Currency) -> String {
    let inclusive =
        plans.iter().filter_map(|p| p.price_in(currency).ok()).any(|p| p.tax_behavior == TaxBehavior::Inclusive);
    ctx.t(if inclusive { "signup-vat-note-inclusive" } else { "signup-vat-note-exclusive" })
}

/// `GET /pricing`: the tenant's plans in the visitor's currency, for a quantity, one billing
/// interval at a time (links), with trials; no sign-in.
pub async fn pricing(mut ctx: Portal, Query(q): Query<PricingQuery>) -> Response {
    let visitor = visitor(&mut ctx);
    let result = super::page(async {
        let plans = public_plans(&ctx).await?;
        let available = currencies(&plans);
        let currency = choose_currency(&ctx, q.currency.as_deref(), &available);
        let (quantity, quantity_error) = match parse_quantity(q.quantity.as_deref()) {
            Ok(n) => (n, None),
            Err(()) => (1, Some(ctx.t("portal-quantity-invalid"))),
        };
        let mut intervals: Vec<BillingInterval> = Vec::new();
        for p in &plans {
            if currency.is_some_and(|c| p.price_in(c).is_ok()) && !intervals.contains(&p.interval) {
                intervals.push(p.interval);
            }
        }
        // Monthly first, then by length.
        intervals.sort_by_key(|i| (i.unit != IntervalUnit::Month || i.count != 1, interval_key(*i)));
        let interval = q
            .interval
            .as_deref()
            .and_then(|k| intervals.iter().find(|i| interval_key(**i) == k).copied())
            .or_else(|| intervals.first().copied());
        let lang = ctx.lang();
        let code = currency.map(|c| c.code().to_string()).unwrap_or_default();
        let qty = quantity.to_string();
        let shown: Vec<&Plan> = plans
            .iter()
            .filter(|p| Some(p.interval) == interval && currency.is_some_and(|c| p.price_in(c).is_ok()))
            .collect();
        let mut cards = Vec::new();
        for p in &shown {
            let Some(c) = currency else { continue };
            let price = p.price_in(c)?;
            let amount = price.period_amount(quantity, RoundingPolicy::default())?;
            let unit = match &price.pricing.model {
                PricingModel::PerUnit { .. } => {
                    price.headline().map(|m| ctx.chrome.t1("signup-per-seat", "price", &format::money(m, lang)))
                }
                _ => None,
            };
            cards.push(PlanCard {
                code: p.code.clone(),
                name: p.name.clone(),
                price: format::money(amount, lang),
                per: per_interval(&ctx, p.interval),
                unit,
                trial: (p.trial_days > 0).then(|| ctx.chrome.t1("signup-trial", "days", &p.trial_days.to_string())),
                checkout: format!(
                    "{}?{}",
                    ctx.chrome.href("/checkout"),
                    query(&[("plan", &p.code), ("currency", &code), ("quantity", &qty)])
                ),
            });
        }
        let tabs = intervals
            .iter()
            .map(|i| Tab {
                label: interval_label(&ctx, *i),
                href: format!(
                    "{}?{}",
                    ctx.chrome.href("/pricing"),
                    query(&[("interval", &interval_key(*i)), ("currency", &code), ("quantity", &qty)])
                ),
                current: Some(*i) == interval,
            })
            .collect();
        let note = currency.map(|c| vat_note(&ctx, &shown, c)).unwrap_or_default();
        ctx.viewed("pricing");
        funnel(&ctx, ctx.customer.as_ref().map(|c| c.id), "/pricing", "pricing_viewed", &visitor).await;
        let c = ctx.chrome("signup-pricing-title", "");
        Ok(html(
            StatusCode::OK,
            ctx.lang(),
            &PricingPage {
                c: &c,
                plans: cards,
                tabs,
                interval: interval.map(interval_key).unwrap_or_default(),
                currencies: available
                    .iter()
                    .map(|cur| Choice {
                        value: cur.code().to_string(),
                        label: format!("{} ({})", format::currency_name(*cur, lang), cur.code()),
                        selected: Some(*cur) == currency,
                    })
                    .collect(),
                quantity: qty.clone(),
                quantity_error,
                vat_note: note,
            },
        ))
    })
    .await;
    ctx.finish(result)
}

/// The plan, currency and quantity a checkout is for, as they travel in its links and forms.
#[derive(Deserialize, Default, Clone)]
pub struct Offer {
    plan: Option<String>,
    currency: Option<String>,
    quantity: Option<String>,
}

/// What the checkout sells, checked: a plan of this tenant's (another tenant's id or code is
/// not found), priced in the currency, and a valid quantity.
struct Checked {
    plan: Plan,
    currency: Currency,
    quantity: u32,
}

async fn checked_offer(ctx: &Portal, offer: &Offer) -> PageResult<Checked> {
    let code = offer.plan.as_deref().unwrap_or_default();
    let mut conn = ctx.state.pool.acquire().await?;
    let plan = signup::public_plan(&mut conn, ctx.tenant.id, code).await.map_err(|_| PageError::not_found())?;
    drop(conn);
    let currency = offer
        .currency
        .as_deref()
        .and_then(|c| Currency::from_code(&c.trim().to_ascii_uppercase()).ok())
        .filter(|c| plan.price_in(*c).is_ok())
        .ok_or_else(PageError::not_found)?;
    let quantity =
        parse_quantity(offer.quantity.as_deref()).map_err(|()| PageError::bad_request("portal-quantity-invalid"))?;
    Ok(Checked { plan, currency, quantity })
}

/// The summary at the top of each checkout step.
pub struct Summary {
    pub plan: String,
    pub quantity: u32,
    pub price: String,
    pub per: String,
    pub trial: Option<String>,
    pub code: String,
    pub currency: String,
}

fn summary(ctx: &Portal, o: &Checked) -> PageResult<Summary> {
    let price = o.plan.price_in(o.currency)?.period_amount(o.quantity, RoundingPolicy::default())?;
    Ok(Summary {
        plan: o.plan.name.clone(),
        quantity: o.quantity,
        price: format::money(price, ctx.lang()),
        per: per_interval(ctx, o.plan.interval),
        trial: (o.plan.trial_days > 0).then(|| ctx.chrome.t1("signup-trial", "days", &o.plan.trial_days.to_string())),
        code: o.plan.code.clone(),
        currency: o.currency.code().to_string(),
    })
}

/// The details a visitor types, as the forms carry them.
#[derive(Deserialize, Default, Clone)]
pub struct DetailsForm {
    csrf: Option<String>,
    nonce: Option<String>,
    plan: Option<String>,
    currency: Option<String>,
    quantity: Option<String>,
    email: Option<String>,
    name: Option<String>,
    company: Option<String>,
    line1: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country: Option<String>,
    vat_id: Option<String>,
    card_number: Option<String>,
    /// `sepa` when the SEPA mandate form was submitted, else the card form.
    method: Option<String>,
    iban: Option<String>,
    account_holder: Option<String>,
}

impl DetailsForm {
    fn offer(&self) -> Offer {
        Offer { plan: self.plan.clone(), currency: self.currency.clone(), quantity: self.quantity.clone() }
    }

    fn text(v: &Option<String>) -> String {
        v.as_deref().unwrap_or_default().trim().to_string()
    }
}

/// A field's message, shown next to it and tied to it with `aria-describedby`.
#[derive(Default)]
pub struct FieldErrors {
    pub email: Option<String>,
    pub name: Option<String>,
    pub country: Option<String>,
    pub vat_id: Option<String>,
    pub address: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.email.is_some()
            || self.name.is_some()
            || self.country.is_some()
            || self.vat_id.is_some()
            || self.address.is_some()
    }
}

#[derive(Template)]
#[template(path = "portal/checkout.html")]
struct CheckoutPage<'a> {
    c: &'a Chrome,
    s: Summary,
    f: DetailsForm,
    errors: FieldErrors,
    countries: Vec<Choice>,
    company_value: String,
}

fn checkout_page<'a>(ctx: &Portal, c: &'a Chrome, s: Summary, f: DetailsForm, errors: FieldErrors) -> CheckoutPage<'a> {
    let lang = ctx.lang();
    let chosen = DetailsForm::text(&f.country).to_ascii_uppercase();
    // The tenant's country first when nothing is chosen yet (most customers are local).
    let chosen = if chosen.is_empty() { ctx.tenant.country.code().to_string() } else { chosen };
    let mut countries: Vec<Choice> = billing_core::country::Country::all()
        .map(|k| Choice {
            value: k.code().to_string(),
            label: format::country_name(k.code(), lang),
            selected: k.code() == chosen,
        })
        .collect();
    countries.sort_by(|a, b| a.label.cmp(&b.label));
    CheckoutPage { c, s, company_value: DetailsForm::text(&f.company), f, errors, countries }
}

/// `GET /checkout?plan=&currency=&quantity=`: the details form.
pub async fn checkout(mut ctx: Portal, Query(offer): Query<Offer>) -> Response {
    let visitor = visitor(&mut ctx);
    let result = super::page(async {
        let o = checked_offer(&ctx, &offer).await?;
        let s = summary(&ctx, &o)?;
        ctx.viewed("checkout");
        funnel(&ctx, None, "/checkout", "checkout_started", &visitor).await;
        let c = ctx.chrome("signup-checkout-title", "");
        let f = DetailsForm {
            plan: Some(o.plan.code.clone()),
            currency: Some(o.currency.code().to_string()),
            quantity: Some(o.quantity.to_string()),
            ..DetailsForm::default()
        };
        Ok(html(StatusCode::OK, ctx.lang(), &checkout_page(&ctx, &c, s, f, FieldErrors::default())))
    })
    .await;
    ctx.finish(result)
}

/// Checks the details as typed, field by field, in the page's language; nothing is stored.
fn check_details(ctx: &Portal, f: &DetailsForm, o: &Checked) -> Result<SignupInput, FieldErrors> {
    let mut e = FieldErrors::default();
    let email = DetailsForm::text(&f.email).to_lowercase();
    if billing_core::email::EmailAddress::parse(&email).is_err() {
        e.email = Some(ctx.t("portal-sign-in-email-invalid"));
    }
    let name = DetailsForm::text(&f.name);
    if billing_core::catalog::validate_name("name", &name).is_err() {
        e.name = Some(ctx.t("signup-name-required"));
    }
    let country = billing_core::country::Country::parse(&DetailsForm::text(&f.country)).ok();
    if country.is_none() {
        e.country = Some(ctx.t("signup-country-required"));
    }
    let vat_text = DetailsForm::text(&f.vat_id);
    if !vat_text.is_empty() {
        match billing_core::tax::VatId::parse(&vat_text) {
            Err(_) => e.vat_id = Some(ctx.chrome.t1("portal-vat-invalid", "value", &vat_text)),
            Ok(id) if Some(id.country()) != country && country.is_some() => {
                e.vat_id = Some(ctx.chrome.t1("signup-vat-country", "value", &vat_text));
            }
            Ok(_) => {}
        }
    }
    let address = billing_core::party::AddressInput {
        line1: f.line1.clone(),
        line2: None,
        postal_code: f.postal_code.clone(),
        city: f.city.clone(),
    };
    let input = SignupInput {
        customer: NewCustomerInput {
            email,
            name,
            country: country.map(|c| c.code().to_string()).unwrap_or_default(),
            currency: o.currency.code().to_string(),
            locale: Some(ctx.lang().tag().to_string()),
            kind: None,
            vat_id: (!vat_text.is_empty()).then_some(vat_text),
            segment: None,
            company_name: Some(DetailsForm::text(&f.company)).filter(|c| !c.is_empty()),
            address,
        },
        plan: o.plan.code.clone(),
        quantity: i64::from(o.quantity),
    };
    if !e.any()
        && let Err(err) = billing_core::customer::NewCustomer::parse(&input.customer, &ctx.tenant.default_locale)
    {
        // What is left is the address (lengths, control characters).
        tracing::debug!(error = %err, "checkout details refused");
        e.address = Some(ctx.t("signup-address-invalid"));
    }
    if e.any() { Err(e) } else { Ok(input) }
}

pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub amount: String,
}

/// One document of the first day, as the checkout shows it.
pub struct DocView {
    pub lines: Vec<LineView>,
    pub subtotal: String,
    pub discount: Option<String>,
    pub tax_label: String,
    pub tax: String,
    pub total: String,
    pub notices: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/checkout_pay.html")]
struct PayPage<'a> {
    c: &'a Chrome,
    s: Summary,
    f: DetailsForm,
    docs: Vec<DocView>,
    due_now: String,
    trial_end: Option<String>,
    after_trial: Option<String>,
    country: String,
    nonce: String,
    card_error: Option<String>,
    /// The SEPA mandate form, when the merchant has a creditor identifier (same nonce).
    sepa: Option<super::sepa::SepaView>,
    /// The card is collected with Stripe.js after the sign-up (docs/adr/0044): no card number here.
    stripe_card: bool,
}

fn doc_view(ctx: &Portal, i: &billing_core::store::invoices::Invoice) -> DocView {
    let lang = ctx.lang();
    let mut rates: Vec<rust_decimal::Decimal> = i.lines.iter().filter_map(|l| l.vat_rate).collect();
    rates.sort();
    rates.dedup();
    let tax_label = match rates.as_slice() {
        [rate] => ctx.chrome.t1("signup-vat-rate", "rate", &format::percent(*rate, lang)),
        _ => ctx.t("portal-tax"),
    };
    DocView {
        lines: i
            .lines
            .iter()
            .map(|l| LineView {
                description: l.description.clone(),
                quantity: format::decimal(l.quantity, lang),
                amount: format::money(l.amount, lang),
            })
            .collect(),
        subtotal: format::money(i.subtotal, lang),
        discount: (!i.discount.is_zero()).then(|| format::money(i.discount, lang)),
        tax_label,
        tax: format::money(i.tax, lang),
        total: format::money(i.total, lang),
        notices: i.tax_notices.iter().map(|n| ctx.t(&format!("doc-notice-{n}"))).collect(),
    }
}

fn pay_page<'a>(
    ctx: &Portal,
    c: &'a Chrome,
    s: Summary,
    f: DetailsForm,
    started: &Started,
    card_error: Option<String>,
    sepa: Option<(&Creditor, Option<super::sepa::Typed>)>,
) -> PageResult<PayPage<'a>> {
    let lang = ctx.lang();
    let nonce = form_nonce();
    let sepa = sepa.map(|(creditor, typed)| {
        let v = super::sepa::view(ctx, creditor, &nonce);
        match typed {
            Some(t) => v.with(t),
            None => v,
        }
    });
    Ok(PayPage {
        c,
        s,
        docs: started.invoices.iter().map(|i| doc_view(ctx, i)).collect(),
        due_now: format::money(started.due_now()?, lang),
        trial_end: started.trial_end().map(|d| format::date_long(d, lang)),
        after_trial: started.after_trial.map(|u| {
            ctx.chrome.t2(
                "signup-after-trial",
                "date",
                &format::date_long(u.date, lang),
                "amount",
                &format::money(u.gross, lang),
            )
        }),
        country: format::country_name(started.customer.country.code(), lang),
        f,
        nonce,
        card_error,
        sepa,
        stripe_card: false,
    })
}

/// Checks the CSRF token and counts the submission against the client's limit.
async fn guard(ctx: &Portal, csrf: Option<&str>) -> PageResult<()> {
    // The page's token, or the visitor's anonymous one: a payment form submitted again after the
    // first one signed the visitor in still carries the anonymous token, and must reach its
    // once-only claim (which sends it to the first one's result) rather than fail.
    if ctx.check_csrf(csrf).is_err() {
        let anonymous = cookie(&ctx.headers, ANON_CSRF_COOKIE).filter(|t| t.len() == 64).unwrap_or_default();
        crate::web::session::check_csrf(anonymous, csrf)?;
    }
    let mut conn = ctx.state.pool.acquire().await?;
    super::auth::limit(ctx, &mut conn, &format!("signup:{}", ctx.client), CHECKOUTS_PER_CLIENT).await
}

/// An address that already has an account gets a sign-in link by mail and the same "check your
/// mail" page as the sign-in form: the checkout never says whether an address is known, and
/// never creates a second account for it.
async fn known_address(ctx: &Portal, email: &str) -> PageResult<Option<Response>> {
    let mut conn = ctx.state.pool.acquire().await?;
    let Some((customer, stored)) = store::customers_by_email(&mut conn, ctx.tenant.id, email).await?.into_iter().next()
    else {
        return Ok(None);
    };
    let claims = store::LinkClaims { locale: Some(ctx.lang().tag().to_string()), ..store::LinkClaims::default() };
    let url = super::auth::issue_link(
        &mut conn,
        &ctx.state,
        ctx.tenant.id,
        customer,
        "email",
        &claims,
        &ctx.public_root(),
        ctx.now,
    )
    .await?;
    super::auth::enqueue_sign_in_mail(&mut conn, ctx.tenant.id, customer, &stored, ctx.lang().tag(), &url, ctx.now)
        .await?;
    store::audit(
        &mut conn,
        ctx.tenant.id,
        Some(customer),
        "link_requested",
        Some(&ctx.client),
        serde_json::json!({ "known": true, "source": "checkout" }),
        ctx.now,
    )
    .await?;
    drop(conn);
    Ok(Some(super::auth::link_sent_page(ctx, email)))
}

/// The first invoice as the engine will make it for these details (nothing stored).
async fn preview(ctx: &Portal, input: &SignupInput) -> PageResult<Started> {
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(signup::preview(&mut conn, ctx.tenant.id, input, ctx.now).await?)
}

/// `POST /checkout`: the details checked as typed (a wrong VAT ID refused, nothing stored), then
/// the first invoice's exact lines and VAT for the entered country, and the card form.
pub async fn details(mut ctx: Portal, Form(f): Form<DetailsForm>) -> Response {
    let visitor = visitor(&mut ctx);
    let result = super::page(async {
        guard(&ctx, f.csrf.as_deref()).await?;
        let o = checked_offer(&ctx, &f.offer()).await?;
        let s = summary(&ctx, &o)?;
        let input = match check_details(&ctx, &f, &o) {
            Ok(input) => input,
            Err(errors) => {
                let c = ctx.chrome("signup-checkout-title", "");
                let page = checkout_page(&ctx, &c, s, f.clone(), errors);
                return Ok(html(StatusCode::BAD_REQUEST, ctx.lang(), &page));
            }
        };
        if let Some(r) = known_address(&ctx, &input.customer.email).await? {
            return Ok(r);
        }
        let started = preview(&ctx, &input).await?;
        funnel(&ctx, None, "/checkout", "details_entered", &visitor).await;
        let creditor = super::sepa::creditor(&ctx).await?;
        let c = ctx.chrome("signup-pay-title", "");
        let page = pay_page(
            &ctx,
            &c,
            s,
            DetailsForm { csrf: None, nonce: None, card_number: None, iban: None, account_holder: None, ..f.clone() },
            &started,
            None,
            creditor.as_ref().map(|c| (c, None)),
        )?;
        let page = PayPage { stripe_card: super::ctx::browser_cards(&ctx).await, ..page };
        Ok(html(StatusCode::OK, ctx.lang(), &page))
    })
    .await;
    ctx.finish(result)
}

/// `POST /checkout/pay`: once per form. The customer, the subscription and the first invoice are
/// created in the transaction that claims the form; then the card is set up with no connection
/// held, the first invoice is collected with it, and the customer is signed in and sent to the
/// overview. A card that needs 3-D Secure goes to the bank's page first; a declined card leaves
/// the subscription with its open invoice and sends the customer to add another card.
pub async fn pay(mut ctx: Portal, Form(f): Form<DetailsForm>) -> Response {
    let visitor = visitor(&mut ctx);
    let result = super::page(async {
        guard(&ctx, f.csrf.as_deref()).await?;
        let o = checked_offer(&ctx, &f.offer()).await?;
        let s = summary(&ctx, &o)?;
        let input = match check_details(&ctx, &f, &o) {
            Ok(input) => input,
            Err(errors) => {
                let c = ctx.chrome("signup-checkout-title", "");
                let page = checkout_page(&ctx, &c, s, f.clone(), errors);
                return Ok(html(StatusCode::BAD_REQUEST, ctx.lang(), &page));
            }
        };
        let creditor = super::sepa::creditor(&ctx).await?;
        let number: String = DetailsForm::text(&f.card_number).chars().filter(char::is_ascii_digit).collect();
        // A tenant whose cards go through Stripe.js: the card is collected on the setup's page
        // after the sign-up, never typed here.
        let stripe_card = f.method.as_deref() == Some("stripe") && super::ctx::browser_cards(&ctx).await;
        // A SEPA mandate (the form with the mandate text), or else a card.
        let mandate = match (f.method.as_deref(), creditor.as_ref()) {
            (Some("sepa"), None) => return Err(PageError::not_found()),
            (Some("sepa"), Some(creditor)) => {
                let typed_iban = f.iban.clone().unwrap_or_default();
                let typed_holder = f.account_holder.clone().unwrap_or_default();
                match super::sepa::check(&ctx, &typed_iban, &typed_holder) {
                    Ok((iban, holder)) => Some((creditor, iban, holder)),
                    Err(typed) => {
                        let started = preview(&ctx, &input).await?;
                        let c = ctx.chrome("signup-pay-title", "");
                        let form = DetailsForm { csrf: None, nonce: None, ..f.clone() };
                        let page = pay_page(&ctx, &c, s, form, &started, None, Some((creditor, Some(typed))))?;
                        return Ok(html(StatusCode::BAD_REQUEST, ctx.lang(), &page));
                    }
                }
            }
            _ => None,
        };
        if mandate.is_none() && !stripe_card && !(12..=19).contains(&number.len()) {
            let started = preview(&ctx, &input).await?;
            let c = ctx.chrome("signup-pay-title", "");
            let card_error = Some(ctx.t("portal-method-card-invalid"));
            let form = DetailsForm { csrf: None, nonce: None, ..f.clone() };
            let page = pay_page(&ctx, &c, s, form, &started, card_error, creditor.as_ref().map(|c| (c, None)))?;
            return Ok(html(StatusCode::BAD_REQUEST, ctx.lang(), &page));
        }
        // The form's once-only claim: the visitor has no session yet, so it is keyed by the
        // CSRF token the form carries (checked above).
        let claim_key = token_hash(&format!("signup:{}", f.csrf.as_deref().unwrap_or_default()));
        let nonce = f.nonce.clone().filter(|n| n.len() == 64).ok_or_else(PageError::csrf)?;
        let outcome = format!("{}?done=signup", ctx.chrome.href("/"));
        let started = {
            let mut conn = ctx.state.pool.acquire().await?;
            let mut tx = conn.begin().await?;
            if let Some(previous) = store::claim_form(&mut tx, &claim_key, &nonce, &outcome, ctx.now).await? {
                tx.rollback().await?;
                return Ok(redirect(&previous));
            }
            if !store::customers_by_email(&mut tx, ctx.tenant.id, &input.customer.email).await?.is_empty() {
                tx.rollback().await?;
                drop(conn);
                return Ok(known_address(&ctx, &input.customer.email).await?.unwrap_or_else(|| redirect(&outcome)));
            }
            let started = signup::start(&mut tx, ctx.tenant.id, &input, ctx.now).await?;
            // The welcome mail, queued with the sign-up itself: once, and only if it happened.
            let welcome = billing_core::outbox::OutboxMessage::Welcome {
                customer: started.customer.id,
                url: format!("{}/", ctx.public_root().trim_end_matches('/')),
            };
            billing_core::store::outbox::enqueue(&mut tx, ctx.tenant.id, &[welcome], ctx.now).await?;
            tx.commit().await?;
            started
        };
        let customer = started.customer.id;
        let mut to = outcome.clone();
        let gateways = ctx.state.gateways.as_ref();
        let added = match mandate {
            Some((creditor, iban, holder)) => super::sepa::sign(&ctx, customer, creditor, &nonce, iban, holder)
                .await
                .map(|(m, _)| AddedMethod::Ready(m)),
            None if stripe_card => billing_core::service::method_setups::begin_browser(
                &ctx.state.pool,
                ctx.tenant.id,
                customer,
                gateways,
                ctx.now,
            )
            .await
            .map(|setup| AddedMethod::RequiresAction(Box::new(setup)))
            .map_err(PageError::from),
            None => {
                let details = billing_core::ports::MethodDetails::TestCard { number };
                payments::add_method(&ctx.state.pool, ctx.tenant.id, customer, gateways, None, details, ctx.now)
                    .await
                    .map_err(PageError::from)
            }
        };
        match added {
            Ok(AddedMethod::Ready(_)) => {
                let mut paid = true;
                let mut challenge = None;
                for inv in started.invoices.iter().filter(|i| i.status == billing_core::invoice::InvoiceStatus::Open) {
                    match payments::collect(&ctx.state.pool, ctx.tenant.id, inv.id, gateways, ctx.now).await {
                        Ok(c) if c.invoice_status == "paid" => {}
                        // The bank asks the customer to confirm the charge: its own page next,
                        // which records the funnel's `paid` step once it passed.
                        Ok(c) if c.attempt.status == "requires_action" => {
                            challenge.get_or_insert(c.attempt.id);
                            paid = false;
                        }
                        // A direct debit is submitted; the bank settles it days later.
                        Ok(c) if c.attempt.status == "pending" => {}
                        Ok(_) => paid = false,
                        Err(e) => {
                            tracing::warn!(invoice = %inv.id, error = %e, "first invoice not collected");
                            paid = false;
                        }
                    }
                }
                if paid {
                    funnel(&ctx, Some(customer), "/checkout/pay", "paid", &visitor).await;
                } else if let Some(attempt) = challenge {
                    to = ctx.chrome.href(&format!("/payments/{attempt}"));
                } else {
                    to = format!("{}?done=declined", ctx.chrome.href("/payment-methods"));
                }
            }
            Ok(AddedMethod::RequiresAction(setup)) => {
                to =
                    setup.next_action.as_ref().and_then(|a| a.redirect_url.clone()).unwrap_or_else(|| {
                        ctx.chrome.href(&format!("/payment-methods/setups/{}?from=checkout", setup.id))
                    });
            }
            Err(e) => {
                tracing::info!(customer = %customer, error = ?e, "card refused at checkout");
                to = format!("{}?done=declined", ctx.chrome.href("/payment-methods"));
            }
        }
        let mut conn = ctx.state.pool.acquire().await?;
        let claims = store::LinkClaims { locale: Some(ctx.lang().tag().to_string()), ..store::LinkClaims::default() };
        let r = super::auth::start_session(&ctx, &mut conn, customer, &claims, "signup").await?;
        // The session's cookies, sent with a redirect to where the payment left the customer.
        let mut out = redirect(&to);
        for v in r.headers().get_all(axum::http::header::SET_COOKIE) {
            out.headers_mut().append(axum::http::header::SET_COOKIE, v.clone());
        }
        Ok(out)
    })
    .await;
    ctx.finish(result)
}
