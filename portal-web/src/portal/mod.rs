//! The customer self-service portal (issue 13; docs/adr/0021 and 0023): server-rendered pages
//! below `/p/{tenant}` (or at the root of a tenant's own domain, see `web::tenant`), plain forms
//! and redirects that work without JavaScript.

pub mod auth;
pub mod ctx;
pub mod help;
pub mod logo;
pub mod methods;
pub mod pages;
pub mod payments;
pub mod sepa;
pub mod signup;
pub mod surveys;

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sqlx::{Connection, PgConnection};

use crate::state::AppState;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;
use ctx::Portal;

/// The portal's routes, relative to the portal's root.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::overview))
        .route("/subscriptions", get(pages::overview))
        .route("/sign-in", get(auth::sign_in_page).post(auth::request_link))
        .route("/sign-in/link", get(auth::link_page).post(auth::use_link))
        .route("/sign-in/password", post(auth::password_sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/account", get(auth::account_page))
        .route("/account/password", post(auth::set_password))
        .route("/account/sign-out-everywhere", post(auth::sign_out_everywhere))
        .route("/invoices", get(pages::invoices))
        .route("/invoices/{id}", get(pages::invoice))
        .route("/invoices/{id}/pdf", get(pages::invoice_pdf))
        .route("/invoices/{id}/pay", post(pages::pay))
        .route("/payments/{id}", get(payments::payment_page).post(payments::answer))
        .route("/assets/stripe.js", get(payments::stripe_asset))
        .route("/subscriptions/{id}/change", get(pages::change_page).post(pages::change))
        .route("/subscriptions/{id}/cancel", get(pages::cancel_page).post(pages::cancel))
        .route("/subscriptions/{id}/retention", post(pages::accept_retention))
        .route("/subscriptions/{id}/{verb}", post(pages::act))
        .route("/billing-details", get(pages::billing_details).post(pages::save_billing_details))
        .route("/payment-methods", get(methods::payment_methods).post(methods::add_card))
        .route("/payment-methods/sepa", post(methods::add_mandate))
        .route("/payment-methods/card", post(methods::start_card))
        .route("/payment-methods/setups/{id}", get(methods::setup_page).post(methods::authenticate))
        .route("/payment-methods/{id}/default", post(methods::set_default))
        .route("/payment-methods/{id}/remove", post(methods::remove))
        .route("/help", get(help::help))
        .route("/help/questions", post(help::ask))
        .route("/help/questions/new", get(help::new_question))
        .route("/help/questions/{id}", get(help::question))
        .route("/help/questions/{id}/reply", post(help::reply))
        .route("/surveys", post(surveys::submit))
        .route("/logo", get(logo::serve))
        .route("/pricing", get(signup::pricing))
        .route("/checkout", get(signup::checkout).post(signup::details))
        .route("/checkout/pay", post(signup::pay))
        .fallback(not_found)
}

/// A path below the portal that is no page: `/p/{slug}/invoices/` (typed or pasted with a
/// trailing slash) leads to the page; anything else is the portal's own 404 page in the visitor's
/// language, not the API's JSON.
async fn not_found(uri: axum::http::Uri, method: axum::http::Method, ctx: Result<Portal, Response>) -> Response {
    let ctx = match ctx {
        Ok(ctx) => ctx,
        Err(page) => return page,
    };
    // Below the nest the path is the portal's own (`/invoices/`, or `/` for `/p/{slug}/`).
    let path = uri.path();
    if path.ends_with('/') && method == axum::http::Method::GET {
        let trimmed = path.trim_end_matches('/');
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        let target = ctx.chrome.href(if trimmed.is_empty() { "/" } else { trimmed });
        return axum::response::Redirect::permanent(&format!("{target}{query}")).into_response();
    }
    ctx.finish(Err(PageError::not_found()))
}

/// Runs a handler's body; the bound fixes the body's error type for `?`.
pub async fn page<F>(body: F) -> PageResult<Response>
where
    F: Future<Output = PageResult<Response>>,
{
    body.await
}

/// Work done once for a form: runs in the transaction that claims the form's nonce.
pub type Work<'c> = Pin<Box<dyn Future<Output = PageResult<()>> + Send + 'c>>;

/// Runs `work` for a form submission at most once: the nonce is claimed in the same transaction
/// as the change, so a second submission (double click, reload, back and resend) changes nothing
/// and is sent to where the first one led. A failed change claims nothing.
pub async fn once<F>(ctx: &Portal, nonce: Option<&str>, outcome: String, work: F) -> PageResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> Work<'c> + Send,
{
    let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
    let nonce = nonce.filter(|n| n.len() == 64).ok_or_else(PageError::csrf)?;
    let mut conn = ctx.state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if let Some(previous) = billing_core::store::portal::claim_form(&mut tx, hash, nonce, &outcome, ctx.now).await? {
        tx.rollback().await?;
        return Ok(redirect(&previous));
    }
    work(&mut tx).await?;
    tx.commit().await?;
    Ok(redirect(&outcome))
}

/// The fallback of the public router: a tenant's own domain gets its portal, anything else the
/// API's 404.
pub async fn custom_domain(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    mut req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::ServiceExt;

    // `/p/{slug}/` is not below the nest (the portal's own fallback takes `/p/{slug}/invoices/`):
    // the overview, not the API's 404.
    let path = req.uri().path();
    if path.starts_with("/p/") && path.len() > 3 && path.ends_with('/') && req.method() == axum::http::Method::GET {
        let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        return axum::response::Redirect::permanent(&format!("{}{query}", path.trim_end_matches('/'))).into_response();
    }

    let found = match (crate::web::tenant::request_host(req.headers()), state.pool.acquire().await) {
        (Some(host), Ok(mut conn)) => crate::web::tenant::by_host(&mut conn, &host).await.ok().flatten(),
        _ => None,
    };
    let Some(tenant) = found else {
        return crate::api::error::ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "route_not_found",
            "error-route-not-found",
        )
        .into_response();
    };
    // The portal's root is `/p/{slug}` itself, without a trailing slash.
    let path = match req.uri().path() {
        "/" => "",
        p => p,
    };
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let Ok(uri) = format!("/p/{}{path}{query}", tenant.slug).parse::<axum::http::Uri>() else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    *req.uri_mut() = uri;
    req.extensions_mut().insert(crate::web::tenant::PortalBase(String::new()));
    let portal = axum::Router::new().nest("/p/{tenant}", router()).with_state(state);
    match portal.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}
