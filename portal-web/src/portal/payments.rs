//! A payment that needs the customer's authentication (docs/adr/0044): the attempt's own 3-D
//! Secure challenge and the page the customer comes back to.
//!
//! `GET /payments/{attempt}` is both: it first asks the provider how the attempt stands
//! (`payment_challenges::confirm`, never the query string) and then shows the challenge while the
//! bank waits (the sandbox's test bank as a plain form; Stripe.js `confirmCardPayment` for a
//! Stripe account, which returns here), the invoice paid, or the failure with a retry and another
//! way to pay. `POST /payments/{attempt}` is the sandbox bank's answer. Another customer's attempt
//! id is not found. The checkout's sign-up records `signup:paid` here once its first payment
//! passed its challenge (decided from the customer's records, not from the URL).

use askama::Template;
use axum::extract::{Form, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use billing_core::service::payment_challenges::{self, PaymentChallenge};
use billing_core::store::portal as store;
use serde::Deserialize;
use uuid::Uuid;

use super::ctx::IdPath;
use super::ctx::Portal;
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, redirect};
use crate::web::session::form_nonce;

/// What Stripe.js needs on a page (docs/adr/0044): the configured script, the account's
/// publishable key and the intent's client secret.
pub struct StripeJs {
    pub js_url: String,
    pub key: String,
    pub client_secret: String,
}

#[derive(Template)]
#[template(path = "portal/payment.html")]
struct PaymentPage<'a> {
    c: &'a Chrome,
    id: String,
    invoice_id: String,
    invoice_open: bool,
    /// `challenge`, `paid`, `pending` or `failed`.
    state: &'static str,
    body: String,
    sandbox: bool,
    stripe: Option<StripeJs>,
    /// Where Stripe.js sends the customer back: this page.
    return_url: String,
    nonce: String,
}

/// A payment that waits for the customer, as the overview and the invoice page announce it.
pub struct AwaitingView {
    pub attempt: String,
    pub text: String,
}

/// "A payment of … for invoice … needs your confirmation", linking to attempt `attempt`.
pub(super) fn awaiting_view(ctx: &Portal, attempt: Uuid, inv: &billing_core::store::invoices::Invoice) -> AwaitingView {
    let amount = format::money(inv.amount_due(), ctx.lang());
    let number = inv.number.clone().unwrap_or_default();
    AwaitingView {
        attempt: attempt.to_string(),
        text: ctx.chrome.t2("portal-3ds-notice", "amount", &amount, "number", &number),
    }
}

fn attempt_id(id: &str) -> PageResult<Uuid> {
    id.parse().map_err(|_| PageError::not_found())
}

/// The Stripe.js of a Stripe account (its publishable key), or `None` (another provider, or a
/// Stripe account without a publishable key).
pub(super) async fn stripe_js(
    ctx: &Portal,
    account: Option<Uuid>,
    client_secret: Option<String>,
) -> PageResult<Option<StripeJs>> {
    let (Some(account), Some(client_secret)) = (account, client_secret) else { return Ok(None) };
    let key =
        payment_challenges::browser_key(&ctx.state.pool, ctx.tenant.id, account, ctx.state.gateways.as_ref()).await?;
    Ok(key.map(|key| StripeJs { js_url: ctx.state.portal.stripe_js_url.clone(), key, client_secret }))
}

/// The page's Content-Security-Policy with Stripe.js allowed: its script, the frames its card
/// element and 3-D Secure use, and the API it calls (the script's own origin for localstripe).
pub(super) fn allow_stripe(mut r: Response, js_url: &str) -> Response {
    let origin = origin_of(js_url);
    let csp = format!(
        "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
         script-src 'self' {origin}; frame-src {origin} https://js.stripe.com https://hooks.stripe.com; \
         connect-src 'self' {origin} https://api.stripe.com; form-action 'self' https:; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// `https://js.stripe.com` of `https://js.stripe.com/v3/`.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// The attempt as the provider says it stands now; our record when the provider cannot be asked.
async fn confirmed(ctx: &Portal, customer: billing_core::ids::CustomerId, id: Uuid) -> PageResult<PaymentChallenge> {
    let (pool, gateways) = (&ctx.state.pool, ctx.state.gateways.as_ref());
    match payment_challenges::confirm(pool, ctx.tenant.id, customer, id, gateways, ctx.now).await {
        Ok(c) => Ok(c),
        Err(billing_core::Error::NotFound { .. }) => Err(PageError::not_found()),
        Err(e @ (billing_core::Error::Gateway { .. } | billing_core::Error::GatewayConfig { .. })) => {
            tracing::warn!(attempt = %id, error = %e, "the provider could not be asked about a payment");
            let mut conn = pool.acquire().await?;
            Ok(payment_challenges::get(&mut conn, ctx.tenant.id, customer, id).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /payments/{id}`: the challenge, or how the payment ended.
pub async fn payment_page(mut ctx: Portal, Path(p): Path<IdPath>) -> Response {
    let visitor = super::signup::visitor(&mut ctx);
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/invoices")?;
        let id = attempt_id(&p.id)?;
        let challenge = confirmed(&ctx, customer, id).await?;
        let lang = ctx.lang();
        let amount = format::money(challenge.amount, lang);
        let number = challenge.invoice_number.clone().unwrap_or_default();
        let t2 = |key: &str| ctx.chrome.t2(key, "amount", &amount, "number", &number);
        let authentication = matches!(
            challenge.decline_code.as_deref(),
            Some("authentication_required" | "payment_intent_authentication_failure")
        );
        let (title, state, body) = match challenge.status.as_str() {
            "requires_action" => ("portal-3ds-title", "challenge", t2("portal-3ds-body")),
            "succeeded" => ("portal-3ds-outcome-title", "paid", t2("portal-3ds-paid")),
            "pending" => ("portal-3ds-outcome-title", "pending", t2("portal-3ds-pending")),
            _ if authentication => ("portal-3ds-outcome-title", "failed", t2("portal-3ds-failed")),
            _ => ("portal-3ds-outcome-title", "failed", t2("portal-3ds-declined")),
        };
        if state == "paid" {
            // A sign-up whose first payment needed the bank's confirmation: the funnel's last
            // step, once per customer.
            let mut conn = ctx.state.pool.acquire().await?;
            let signed_up = store::signed_up_at_checkout(&mut conn, ctx.tenant.id, customer).await?;
            drop(conn);
            if signed_up {
                super::signup::funnel_paid_once(&ctx, customer, &visitor, "/payments").await;
            }
        }
        ctx.viewed(if state == "challenge" { "payment_challenge" } else { "payment_outcome" });
        let stripe = if state == "challenge" && challenge.gateway == "stripe" {
            stripe_js(&ctx, challenge.gateway_account, challenge.client_secret.clone()).await?
        } else {
            None
        };
        let c = ctx.chrome(title, "invoices");
        let js = stripe.as_ref().map(|s| s.js_url.clone());
        let page = PaymentPage {
            c: &c,
            id: challenge.attempt.to_string(),
            invoice_id: challenge.invoice.to_string(),
            invoice_open: challenge.invoice_open,
            state,
            body,
            sandbox: challenge.gateway == "sandbox",
            stripe,
            return_url: ctx.chrome.href(&format!("/payments/{}", challenge.attempt)),
            nonce: form_nonce(),
        };
        let r = ctx.page(&page);
        Ok(match js {
            Some(js) => allow_stripe(r, &js),
            None => r,
        })
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct AnswerForm {
    csrf: Option<String>,
    nonce: Option<String>,
    result: Option<String>,
}

/// `POST /payments/{id}`: the customer's answer on the sandbox bank's page, given to the
/// sandbox; then back to the payment's page, which asks the sandbox how the payment ended. Once
/// per form; another customer's attempt is not found.
pub async fn answer(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<AnswerForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/invoices")?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let id = attempt_id(&p.id)?;
        let mut conn = ctx.state.pool.acquire().await?;
        let challenge = payment_challenges::get(&mut conn, ctx.tenant.id, customer, id)
            .await
            .map_err(|_| PageError::not_found())?;
        let back = ctx.chrome.href(&format!("/payments/{id}"));
        let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
        if let Some(prev) = store::claim_form(&mut conn, hash, &form.nonce.unwrap_or_default(), &back, ctx.now).await? {
            return Ok(redirect(&prev));
        }
        drop(conn);
        let success = form.result.as_deref() == Some("pass");
        if let (true, "sandbox", Some(account), Some(payment)) = (
            challenge.needs_customer(),
            challenge.gateway.as_str(),
            challenge.gateway_account,
            challenge.provider_payment_id.as_deref(),
        ) {
            use billing_core::ports::Gateways;
            let mut conn = ctx.state.pool.acquire().await?;
            let spec = billing_core::service::gateway_accounts::spec(&mut conn, ctx.tenant.id, account).await?;
            drop(conn);
            ctx.state
                .gateways
                .gateway(&spec)
                .map_err(|e| billing_core::Error::GatewayConfig { detail: e.to_string() })?;
            if let Some(sandbox) = ctx.state.gateways.sandbox(spec.id)
                && let Err(e) = sandbox.complete_action(payment, success).await
            {
                tracing::info!(error = %e, "sandbox payment already decided");
            }
        }
        Ok(redirect(&back))
    })
    .await;
    ctx.finish(result)
}

/// `GET /assets/stripe.js`: the portal's few lines around Stripe.js (`assets/portal-stripe.js`).
pub async fn stripe_asset() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/portal-stripe.js"),
    )
        .into_response()
}
