//! The payment methods page: the customer's methods (brand, last four digits, expiry, the
//! default), choosing another default, removing one, and adding a card. Every change goes
//! through `service::payments`, is written to the audit log and recorded as a self-service
//! action.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::service::method_setups;
use billing_core::service::payments::{self, AddedMethod, PaymentMethod, Removal};
use billing_core::store::PageRequest;
use billing_core::store::invoices::InvoiceFilter;
use billing_core::store::portal as store;
use serde::Deserialize;

use super::ctx::Portal;
use super::ctx::{DoneQuery, IdPath};
use super::once;
use super::sepa::{self, SepaView};
use super::surveys::{self, SurveyView};
use crate::api::error::ApiError;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, html, redirect};
use crate::web::session::form_nonce;

/// One method as the page shows it.
pub struct MethodView {
    pub id: String,
    pub label: String,
    pub expiry: Option<String>,
    pub expired: bool,
    pub default: bool,
    /// A SEPA mandate's reference and date ("Mandate MDT-… of 10 December 2026").
    pub mandate: Option<String>,
}

/// "Visa ending in 4242", "SEPA Direct Debit ····3000", or the kind alone.
pub fn method_label(ctx: &Portal, m: &PaymentMethod) -> String {
    if let ("sepa_debit", Some(l)) = (m.kind.as_str(), &m.last4) {
        return ctx.chrome.t1("portal-sepa-label", "last4", l);
    }
    let kind = match (m.kind.as_str(), m.brand.as_deref()) {
        ("sepa_debit", _) => ctx.t("portal-method-sepa"),
        (_, Some(b)) if BRANDS.contains(&b) => ctx.t(&format!("portal-brand-{b}")),
        _ => ctx.t("portal-method-card"),
    };
    match &m.last4 {
        Some(l) => crate::i18n::I18n::global().text(
            ctx.lang(),
            "portal-method-ending",
            &[("kind", kind), ("last4", l.clone())],
        ),
        None => kind,
    }
}

/// "Mandate MDT-… revoked on 10 December 2026" (or "expired on …").
fn ended_line(ctx: &Portal, m: &billing_core::service::sepa_mandates::Mandate) -> String {
    let on = m.ended_at.map(|d| crate::i18n::format::date_long(d.date_naive(), ctx.lang())).unwrap_or_default();
    let key = if m.status == "expired" { "portal-mandate-expired" } else { "portal-mandate-revoked" };
    ctx.chrome.t2(key, "reference", &m.reference, "date", &on)
}

/// The brands with a name in `portal.ftl` (`portal-brand-<brand>`).
const BRANDS: &[&str] = &["visa", "mastercard", "amex", "discover", "jcb", "unionpay", "diners"];

fn view(ctx: &Portal, m: &PaymentMethod, mandates: &[billing_core::service::sepa_mandates::Mandate]) -> MethodView {
    let expiry = match (m.exp_month, m.exp_year) {
        (Some(month), Some(year)) => u8::try_from(month)
            .ok()
            .zip(u16::try_from(year).ok())
            .map(|(month, year)| billing_core::card::Expiry { year, month }),
        _ => None,
    };
    let expired = expiry.is_some_and(|e| !e.valid_on(ctx.tenant_today()));
    MethodView {
        id: m.id.to_string(),
        label: method_label(ctx, m),
        expiry: expiry.map(|e| {
            let text = format!("{:02}/{}", e.month, e.year);
            ctx.chrome.t1(if expired { "portal-method-expired" } else { "portal-method-expires" }, "expiry", &text)
        }),
        expired,
        default: m.is_default,
        mandate: mandates.iter().find(|d| d.payment_method_id == m.id).map(|d| {
            let on = crate::i18n::format::date_long(d.signed_at.date_naive(), ctx.lang());
            ctx.chrome.t2("portal-sepa-mandate-of", "reference", &d.reference, "date", &on)
        }),
    }
}

#[derive(Template)]
#[template(path = "portal/payment_methods.html")]
pub(super) struct MethodsPage<'a> {
    c: &'a Chrome,
    methods: Vec<MethodView>,
    nonce: String,
    message: Option<String>,
    error: Option<String>,
    /// An error about the list (a removal refused), shown above it.
    list_error: Option<String>,
    card_number: String,
    expiry: String,
    expiry_error: Option<String>,
    survey: Option<SurveyView>,
    /// The SEPA mandate form, when the merchant has a creditor identifier; its own nonce.
    sepa: Option<SepaView>,
    sepa_nonce: String,
    /// What was typed into the mandate form, shown again with its errors.
    pub(super) sepa_typed: Option<sepa::Typed>,
    /// Cards are collected with the provider's own form (Stripe.js; docs/adr/0044): the page
    /// offers "Add a card", which leads to it, instead of the typed test-card form.
    stripe_card: bool,
    /// Ended mandates: "Mandate MDT-… revoked on …".
    ended: Vec<String>,
}

pub(super) async fn page_with(
    ctx: &Portal,
    status: StatusCode,
    build: impl FnOnce(&mut MethodsPage<'_>),
) -> PageResult<Response> {
    let customer = ctx.customer()?.id;
    let stripe_card = super::ctx::browser_cards(ctx).await;
    let mut conn = ctx.state.pool.acquire().await?;
    let methods = payments::list_methods(&mut conn, ctx.tenant.id, customer).await?;
    let mandates = billing_core::service::sepa_mandates::list(&mut conn, ctx.tenant.id, customer).await?;
    let creditor = billing_core::service::sepa_mandates::creditor(&mut conn, ctx.tenant.id).await?;
    let survey = surveys::action_survey(ctx, &mut conn).await?;
    drop(conn);
    let sepa_nonce = form_nonce();
    let c = ctx.chrome("portal-methods-title", "payment-methods");
    let mut page = MethodsPage {
        c: &c,
        methods: methods.iter().map(|m| view(ctx, m, &mandates)).collect(),
        nonce: form_nonce(),
        message: None,
        error: None,
        list_error: None,
        card_number: String::new(),
        expiry: String::new(),
        expiry_error: None,
        survey,
        sepa: None,
        sepa_nonce,
        sepa_typed: None,
        stripe_card,
        ended: mandates.iter().filter(|m| m.status != "active").map(|m| ended_line(ctx, m)).collect(),
    };
    build(&mut page);
    page.sepa = creditor.map(|c| {
        let v = sepa::view(ctx, &c, &page.sepa_nonce);
        match page.sepa_typed.take() {
            Some(t) => v.with(t),
            None => v,
        }
    });
    Ok(if status == StatusCode::OK { ctx.page(&page) } else { html(status, ctx.lang(), &page) })
}

/// `POST /payment-methods/card`: "Add a card" for a tenant whose cards go through Stripe.js. Our
/// server creates the SetupIntent (recorded as the customer's pending setup) and the customer
/// goes to the setup's page, where Stripe's card element collects the card. Once per form.
pub async fn start_card(ctx: Portal, Form(form): Form<MethodForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/payment-methods")?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let back = ctx.chrome.href("/payment-methods");
        let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
        {
            let mut conn = ctx.state.pool.acquire().await?;
            if let Some(prev) =
                store::claim_form(&mut conn, hash, &form.nonce.unwrap_or_default(), &back, ctx.now).await?
            {
                return Ok(redirect(&prev));
            }
        }
        let setup = method_setups::begin_browser(
            &ctx.state.pool,
            ctx.tenant.id,
            customer,
            ctx.state.gateways.as_ref(),
            ctx.now,
        )
        .await?;
        Ok(redirect(&ctx.chrome.href(&format!("/payment-methods/setups/{}", setup.id))))
    })
    .await;
    ctx.finish(result)
}

/// `GET /payment-methods`; `?done=` confirms what was just done.
pub async fn payment_methods(ctx: Portal, Query(q): Query<DoneQuery>) -> Response {
    let result = super::page(async {
        ctx.customer()?;
        ctx.allow("/payment-methods")?;
        ctx.viewed("payment_methods");
        let message = q.done.as_deref().map(|d| {
            ctx.t(match d {
                "auth" => "portal-method-needs-auth",
                "auth_failed" => "signup-auth-failed",
                "declined" => "signup-card-declined",
                "default" => "portal-method-default-done",
                "removed" => "portal-method-removed",
                "mandate_revoked" => "portal-mandate-revoked-done",
                "sepa" => "portal-sepa-added",
                "survey" => "portal-survey-thanks",
                _ => "portal-method-added",
            })
        });
        page_with(&ctx, StatusCode::OK, |p| p.message = message).await
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct CardForm {
    csrf: Option<String>,
    nonce: Option<String>,
    card_number: Option<String>,
    expiry: Option<String>,
}

/// `POST /payment-methods`: adds a card through the engine's method setup (the sandbox's test
/// cards; a card that needs 3-D Secure goes to the provider's page). A card that is ready
/// becomes the default, and the customer's open invoices are collected with it at once. The
/// form is claimed first; the provider is called with no connection held. The expiry, when
/// typed, is kept with the card (shown on the page; a past month is refused).
pub async fn add_card(ctx: Portal, Form(form): Form<CardForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let typed = form.card_number.clone().unwrap_or_default();
        let number: String = typed.chars().filter(|c| c.is_ascii_digit()).collect();
        let expiry_text = form.expiry.clone().unwrap_or_default().trim().to_string();
        let expiry = (!expiry_text.is_empty()).then(|| billing_core::card::Expiry::parse(&expiry_text));
        let number_ok = (12..=19).contains(&number.len());
        let expiry_error = match expiry {
            Some(None) => Some(ctx.t("portal-method-expiry-invalid")),
            Some(Some(e)) if !e.valid_on(ctx.tenant_today()) => Some(ctx.t("portal-method-expiry-past")),
            _ => None,
        };
        if !number_ok || expiry_error.is_some() {
            let error = (!number_ok).then(|| ctx.t("portal-method-card-invalid"));
            return page_with(&ctx, StatusCode::BAD_REQUEST, |p| {
                p.error = error;
                p.expiry_error = expiry_error;
                p.card_number = typed;
                p.expiry = expiry_text;
            })
            .await;
        }
        let expiry = expiry.flatten();
        let outcome = ctx.chrome.href("/payment-methods?done=1");
        let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
        let mut conn = ctx.state.pool.acquire().await?;
        if let Some(prev) =
            store::claim_form(&mut conn, hash, &form.nonce.unwrap_or_default(), &outcome, ctx.now).await?
        {
            return Ok(redirect(&prev));
        }
        drop(conn);
        let details = billing_core::ports::MethodDetails::TestCard { number };
        let added = payments::add_method(
            &ctx.state.pool,
            ctx.tenant.id,
            customer,
            ctx.state.gateways.as_ref(),
            None,
            details,
            ctx.now,
        )
        .await?;
        match added {
            AddedMethod::Ready(method) => {
                // Open invoices are retried with the new default method.
                let mut conn = ctx.state.pool.acquire().await?;
                // The typed expiry only where the provider did not say (the sandbox).
                if let Some(e) = expiry.filter(|_| method.exp_month.is_none()) {
                    payments::set_card_expiry(&mut conn, ctx.tenant.id, customer, method.id, e).await?;
                }
                store::audit(
                    &mut conn,
                    ctx.tenant.id,
                    Some(customer),
                    "payment_method_added",
                    Some(&ctx.client),
                    serde_json::json!({ "payment_method": method.id, "last4": method.last4 }),
                    ctx.now,
                )
                .await?;
                store::complete_action(
                    &mut conn,
                    ctx.tenant.id,
                    customer,
                    None,
                    "add_payment_method",
                    "payment_methods",
                    ctx.now,
                )
                .await?;
                drop(conn);
                let retried = retry_open_invoices(&ctx, customer).await?;
                Ok(redirect(&match retried.challenge {
                    Some(attempt) => ctx.chrome.href(&format!("/payments/{attempt}")),
                    None => outcome,
                }))
            }
            AddedMethod::RequiresAction(setup) => {
                // The provider's own page when it has one, else the bank's challenge page here.
                let to = setup
                    .next_action
                    .as_ref()
                    .and_then(|a| a.redirect_url.clone())
                    .unwrap_or_else(|| ctx.chrome.href(&format!("/payment-methods/setups/{}", setup.id)));
                Ok(redirect(&to))
            }
        }
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct MethodForm {
    csrf: Option<String>,
    nonce: Option<String>,
}

fn method_id(id: &str) -> PageResult<uuid::Uuid> {
    id.parse().map_err(|_| PageError::not_found())
}

/// `POST /payment-methods/{id}/default`: the method collection charges first from now on.
pub async fn set_default(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<MethodForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let id = method_id(&p.id)?;
        // Another customer's id is not found before anything is claimed.
        let mut conn = ctx.state.pool.acquire().await?;
        let methods = payments::list_methods(&mut conn, ctx.tenant.id, customer).await?;
        drop(conn);
        if !methods.iter().any(|m| m.id == id) {
            return Err(PageError::not_found());
        }
        let (tenant, now, client) = (ctx.tenant.id, ctx.now, ctx.client.clone());
        once(&ctx, form.nonce.as_deref(), ctx.chrome.href("/payment-methods?done=default"), move |conn| {
            Box::pin(async move {
                let m = payments::set_default_method(conn, tenant, customer, id).await?;
                store::audit(
                    conn,
                    tenant,
                    Some(customer),
                    "payment_method_default_set",
                    Some(&client),
                    serde_json::json!({ "payment_method": m.id, "last4": m.last4 }),
                    now,
                )
                .await?;
                store::complete_action(conn, tenant, customer, None, "set_default_method", "payment_methods", now)
                    .await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

fn only_method_error() -> PageError {
    PageError::Problem(Box::new(ApiError::new(
        StatusCode::CONFLICT,
        "payment_method_required",
        "portal-method-remove-only",
    )))
}

/// `POST /payment-methods/{id}/remove`: the method is never charged again; removing the default
/// makes the newest other method the default. The only method is kept while an active
/// subscription is charged automatically: the page says why, with status 409.
pub async fn remove(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<MethodForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let id = method_id(&p.id)?;
        let (tenant, now, client) = (ctx.tenant.id, ctx.now, ctx.client.clone());
        // Decided first without claiming the form: a refusal shows the page with the reason and
        // the same form works again once another method is added.
        let mut sepa_debit = false;
        {
            let mut conn = ctx.state.pool.acquire().await?;
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let decision = payments::remove_method(&mut tx, tenant, customer, id, now).await?;
            tx.rollback().await?;
            if let Removal::Removed(r) = &decision
                && r.removed.kind == "sepa_debit"
            {
                sepa_debit = true;
            }
            if let Removal::OnlyMethodForActiveSubscription = decision {
                store::audit(
                    &mut conn,
                    tenant,
                    Some(customer),
                    "payment_method_remove_refused",
                    Some(&client),
                    serde_json::json!({ "payment_method": id, "reason": "only_method_active_subscription" }),
                    now,
                )
                .await?;
                drop(conn);
                return page_with(&ctx, StatusCode::CONFLICT, |p| {
                    p.list_error = Some(ctx.t("portal-method-remove-only"));
                })
                .await;
            }
        }
        let outcome =
            if sepa_debit { "/payment-methods?done=mandate_revoked" } else { "/payment-methods?done=removed" };
        let done = once(&ctx, form.nonce.as_deref(), ctx.chrome.href(outcome), move |conn| {
            Box::pin(async move {
                let (removed, promoted) = match payments::remove_method(conn, tenant, customer, id, now).await? {
                    Removal::Removed(r) => (r.removed, r.promoted),
                    Removal::OnlyMethodForActiveSubscription => return Err(only_method_error()),
                };
                // A SEPA method's mandate ends with it (docs/adr/0044).
                let mandate =
                    billing_core::service::sepa_mandates::revoke_for_method(conn, tenant, customer, removed.id, now)
                        .await?;
                store::audit(
                    conn,
                    tenant,
                    Some(customer),
                    "payment_method_removed",
                    Some(&client),
                    serde_json::json!({
                        "payment_method": removed.id,
                        "last4": removed.last4,
                        "promoted": promoted.as_ref().map(|m| m.id),
                        "sepa_mandate": mandate.as_ref().map(|m| m.reference.clone()),
                    }),
                    now,
                )
                .await?;
                store::complete_action(conn, tenant, customer, None, "remove_payment_method", "payment_methods", now)
                    .await?;
                Ok(())
            })
        })
        .await?;
        // Detached at the provider once the removal is committed: it can never be charged again
        // there either. A provider that cannot be reached is logged; the method stays removed here.
        if let Err(e) =
            payments::detach_removed(&ctx.state.pool, tenant, customer, id, ctx.state.gateways.as_ref()).await
        {
            tracing::warn!(payment_method = %id, error = %e, "the removed method was not detached at the provider");
        }
        Ok(done)
    })
    .await;
    ctx.finish(result)
}

#[derive(Template)]
#[template(path = "portal/authenticate.html")]
struct AuthenticatePage<'a> {
    c: &'a Chrome,
    id: String,
    label: String,
    nonce: String,
    sandbox: bool,
    /// The challenge of the checkout's card: its success completes the sign-up funnel.
    from_checkout: bool,
    /// Stripe's card element for a setup our server started for Stripe.js (docs/adr/0044).
    stripe: Option<super::payments::StripeJs>,
}

/// The customer's setup waiting for 3-D Secure, or 404 (another customer's id, a bad id).
async fn own_setup(ctx: &Portal, id: &str) -> PageResult<billing_core::service::method_setups::MethodSetup> {
    let customer = ctx.customer()?.id;
    let id = method_id(id)?;
    let mut conn = ctx.state.pool.acquire().await?;
    billing_core::service::method_setups::get(&mut conn, ctx.tenant.id, customer, id)
        .await
        .map_err(|_| PageError::not_found())
}

/// `GET /payment-methods/setups/{id}`: the bank's 3-D Secure challenge for a card being added.
/// The sandbox gateway's bank asks here (confirm or refuse); a real provider's page is where
/// `next_action.redirect_url` leads instead.
pub async fn setup_page(ctx: Portal, Path(p): Path<IdPath>, Query(q): Query<FromQuery>) -> Response {
    let result = super::page(async {
        ctx.allow("/payment-methods")?;
        let setup = own_setup(&ctx, &p.id).await?;
        if setup.status != "requires_action" {
            return Ok(redirect(&ctx.chrome.href("/payment-methods?done=1")));
        }
        ctx.viewed("authenticate");
        // A setup started for Stripe.js (no card typed here): Stripe's card element.
        let stripe = if setup.gateway == "stripe" && setup.last4.is_none() {
            let secret = setup.next_action.as_ref().map(|a| a.client_secret.clone());
            super::payments::stripe_js(&ctx, Some(setup.gateway_account.as_uuid()), secret).await?
        } else {
            None
        };
        let title = if stripe.is_some() { "portal-stripe-add" } else { "signup-3ds-title" };
        let c = ctx.chrome(title, "payment-methods");
        let js = stripe.as_ref().map(|s| s.js_url.clone());
        let label = setup
            .last4
            .as_ref()
            .map(|l| ctx.chrome.t1("signup-3ds-card", "last4", l))
            .unwrap_or_else(|| ctx.t("portal-method-card"));
        let r = ctx.page(&AuthenticatePage {
            c: &c,
            id: setup.id.to_string(),
            label,
            nonce: form_nonce(),
            sandbox: setup.gateway == "sandbox",
            from_checkout: q.from.as_deref() == Some("checkout"),
            stripe,
        });
        Ok(match js {
            Some(js) => super::payments::allow_stripe(r, &js),
            None => r,
        })
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct FromQuery {
    from: Option<String>,
}

#[derive(Deserialize)]
pub struct AuthenticateForm {
    csrf: Option<String>,
    nonce: Option<String>,
    result: Option<String>,
    /// `checkout` when the challenge is the checkout's card.
    from: Option<String>,
}

/// `POST /payment-methods/setups/{id}`: the customer's answer on the sandbox bank's page. The
/// setup is then completed through the engine (`method_setups::complete`, the same path as a
/// provider's customer coming back), the card becomes the default and open invoices are
/// collected with it, as when a card is added without a challenge.
pub async fn authenticate(mut ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<AuthenticateForm>) -> Response {
    let visitor = super::signup::visitor(&mut ctx);
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let setup = own_setup(&ctx, &p.id).await?;
        let outcome = ctx.chrome.href("/payment-methods?done=1");
        let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
        let mut conn = ctx.state.pool.acquire().await?;
        if let Some(prev) =
            store::claim_form(&mut conn, hash, &form.nonce.unwrap_or_default(), &outcome, ctx.now).await?
        {
            return Ok(redirect(&prev));
        }
        drop(conn);
        let success = form.result.as_deref() == Some("pass");
        if setup.status == "requires_action" && setup.gateway == "sandbox" {
            use billing_core::ports::Gateways;
            let mut conn = ctx.state.pool.acquire().await?;
            let spec = billing_core::service::gateway_accounts::spec(
                &mut conn,
                ctx.tenant.id,
                setup.gateway_account.as_uuid(),
            )
            .await?;
            drop(conn);
            ctx.state.gateways.gateway(&spec).map_err(|e| billing_core::Error::GatewayConfig { detail: e.to_string() })?;
            if let Some(sandbox) = ctx.state.gateways.sandbox(spec.id)
                && let Err(e) = sandbox.authenticate_setup(&setup.provider_setup_id, success).await
            {
                tracing::info!(error = %e, "sandbox setup already decided");
            }
        }
        let done = billing_core::service::method_setups::complete(
            &ctx.state.pool,
            ctx.tenant.id,
            customer,
            setup.id,
            ctx.state.gateways.as_ref(),
            ctx.now,
        )
        .await;
        match done {
            Ok(s) => {
                let mut conn = ctx.state.pool.acquire().await?;
                store::audit(
                    &mut conn,
                    ctx.tenant.id,
                    Some(customer),
                    "payment_method_added",
                    Some(&ctx.client),
                    serde_json::json!({ "payment_method": s.payment_method.as_ref().map(|m| m.id), "last4": s.last4, "authenticated": true }),
                    ctx.now,
                )
                .await?;
                store::complete_action(&mut conn, ctx.tenant.id, customer, None, "add_payment_method", "payment_methods", ctx.now)
                    .await?;
                drop(conn);
                let retried = retry_open_invoices(&ctx, customer).await?;
                // The checkout's card passed its challenge and paid the first invoice: the
                // sign-up's last funnel step, once per customer.
                if form.from.as_deref() == Some("checkout") && retried.paid {
                    super::signup::funnel_paid_once(&ctx, customer, &visitor, "/payment-methods/setups").await;
                }
                // The bank asks again for the charge itself: the payment's own challenge.
                Ok(redirect(&match retried.challenge {
                    Some(attempt) => ctx.chrome.href(&format!("/payments/{attempt}")),
                    None => outcome,
                }))
            }
            Err(billing_core::Error::SetupPending) => Ok(redirect(&ctx.chrome.href("/payment-methods?done=auth"))),
            Err(billing_core::Error::SetupAuthenticationFailed { .. }) => {
                Ok(redirect(&ctx.chrome.href("/payment-methods?done=auth_failed")))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await;
    ctx.finish(result)
}

/// What collecting the open invoices with a new method led to.
pub(super) struct Retried {
    /// Each one is paid or its payment is under way at the provider.
    pub paid: bool,
    /// The first payment the bank wants the customer to confirm (its attempt): its challenge is
    /// the next page (docs/adr/0044).
    pub challenge: Option<uuid::Uuid>,
}

/// Collects the customer's open invoices with the new default method at once (a card or a SEPA
/// mandate just added, or a card that passed its challenge); a failure is logged and left to
/// dunning.
pub(super) async fn retry_open_invoices(ctx: &Portal, customer: billing_core::ids::CustomerId) -> PageResult<Retried> {
    let mut conn = ctx.state.pool.acquire().await?;
    let filter = InvoiceFilter {
        customer: Some(customer),
        status: Some(billing_core::invoice::InvoiceStatus::Open),
        ..InvoiceFilter::default()
    };
    let open = billing_core::service::invoices::list(
        &mut conn,
        ctx.tenant.id,
        filter,
        PageRequest { limit: 100, starting_after: None },
    )
    .await?;
    drop(conn);
    let mut paid = true;
    let mut challenge = None;
    for inv in open.items.iter().filter(|i| i.kind != "credit_note") {
        match payments::collect(&ctx.state.pool, ctx.tenant.id, inv.id, ctx.state.gateways.as_ref(), ctx.now).await {
            Ok(c) if c.invoice_status == "paid" || c.attempt.status == "pending" => {}
            Ok(c) if c.attempt.status == "requires_action" => {
                challenge.get_or_insert(c.attempt.id);
                paid = false;
            }
            Ok(_) => paid = false,
            Err(e) => {
                paid = false;
                tracing::warn!(invoice = %inv.id, error = %e, "retry with the new payment method failed");
            }
        }
    }
    Ok(Retried { paid, challenge })
}

#[derive(Deserialize)]
pub struct MandateForm {
    csrf: Option<String>,
    nonce: Option<String>,
    iban: Option<String>,
    account_holder: Option<String>,
}

/// `POST /payment-methods/sepa`: the mandate confirmed on the payment methods page. A wrong IBAN
/// or a missing name shows the page again (400) with the message tied to its field; otherwise
/// the form is claimed once, the mandate stored as the default method, and the customer's open
/// invoices are collected with it at once, as after adding a card.
pub async fn add_mandate(ctx: Portal, Form(form): Form<MandateForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/payment-methods")?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let creditor = sepa::creditor(&ctx).await?.ok_or_else(PageError::not_found)?;
        let nonce = form.nonce.clone().filter(|n| n.len() == 64).ok_or_else(PageError::csrf)?;
        let typed_iban = form.iban.clone().unwrap_or_default();
        let typed_holder = form.account_holder.clone().unwrap_or_default();
        let (iban, holder) = match sepa::check(&ctx, &typed_iban, &typed_holder) {
            Ok(ok) => ok,
            Err(typed) => {
                return page_with(&ctx, StatusCode::BAD_REQUEST, |p| p.sepa_typed = Some(typed)).await;
            }
        };
        let outcome = ctx.chrome.href("/payment-methods?done=sepa");
        let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
        {
            let mut conn = ctx.state.pool.acquire().await?;
            if let Some(prev) = store::claim_form(&mut conn, hash, &nonce, &outcome, ctx.now).await? {
                return Ok(redirect(&prev));
            }
        }
        let (method, mandate) = sepa::sign(&ctx, customer, &creditor, &nonce, iban, holder).await?;
        {
            let mut conn = ctx.state.pool.acquire().await?;
            store::audit(
                &mut conn,
                ctx.tenant.id,
                Some(customer),
                "payment_method_added",
                Some(&ctx.client),
                serde_json::json!({ "payment_method": method.id, "last4": method.last4, "sepa_mandate": mandate.reference }),
                ctx.now,
            )
            .await?;
            store::complete_action(&mut conn, ctx.tenant.id, customer, None, "add_payment_method", "payment_methods", ctx.now)
                .await?;
        }
        retry_open_invoices(&ctx, customer).await?;
        Ok(redirect(&outcome))
    })
    .await;
    ctx.finish(result)
}
