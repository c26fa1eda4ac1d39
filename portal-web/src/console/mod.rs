//! The finance staff console (issue 14, docs/adr/0027): server-rendered pages below
//! `/c/{tenant}` for the merchant's staff (admin, finance, support, analyst), plain forms and
//! redirects that work without JavaScript. Every action checks the role on the server
//! ([`ctx::Console::require`]) and is written to the staff audit log; forms that move money go
//! through a confirm step and carry a once-only nonce ([`once`]).
//!
//! - `auth.rs`: sign-in (password, then the TOTP code when enrolled), invitation, sign out, the
//!   account page with TOTP enrolment.
//! - `customers.rs`: search, the customer page, the actions on behalf of a customer.
//! - `runs.rs`: invoice runs (dry run, review, post, CSV), job runs, the dunning board.
//! - `staff.rs`: the admin's staff page (invite, disable).
//! - `questions.rs`, `mails.rs`, `bank.rs`, `settings.rs` (with `confirm.rs`, their shared
//!   confirm step): the billing-questions inbox, resending a mail, bank statement upload and
//!   assignment, the merchant's settings (docs/adr/0034).
//! - `exports.rs`: the accountants' files (invoice, credit note and payment CSV, DATEV) for a
//!   date range (finance and admin).
//! - `api_keys.rs`, `webhooks.rs` (with `developers.rs`): the admin's API keys and webhook
//!   endpoints (issue 16).
//! - `gateways.rs`: the admin's payment gateway accounts and routing rules; `exports.rs` also
//!   edits the DATEV settings (docs/adr/0049).
//! - `dashboard`: the place the metrics dashboard goes (`/c/{tenant}/dashboard`).

pub mod api_keys;
pub mod auth;
pub mod bank;
pub mod confirm;
pub mod ctx;
pub mod customers;
pub mod developers;
pub mod exports;
pub mod gateways;
pub mod mails;
pub mod questions;
pub mod runs;
pub mod settings;
pub mod staff;
pub mod webhooks;

/// Path parameters below `/c/{tenant}` (the tenant is the extractor's; a struct ignores it).
#[derive(serde::Deserialize)]
pub struct Ids {
    pub id: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub verb: String,
}

use std::future::Future;
use std::pin::Pin;

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::{get, post};
use sqlx::{Connection, PgConnection};

use crate::state::AppState;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;
use ctx::{Chrome, Console};

/// The console's routes, relative to `/c/{tenant}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        // The metrics dashboard (issue 14, "Analytics") is glued in here.
        .route("/dashboard", get(dashboard))
        .route("/dashboard/acquisition-spend", post(acquisition_spend))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-in/code", get(auth::code_page).post(auth::code))
        .route("/sign-out", post(auth::sign_out))
        .route("/invite", get(auth::invite_page).post(auth::accept_invite))
        .route("/account", get(auth::account))
        .route("/account/totp", post(auth::totp_start))
        .route("/account/totp/confirm", post(auth::totp_confirm))
        .route("/customers", get(customers::search))
        .route("/customers/{id}", get(customers::detail))
        .route("/customers/{id}/actions/{action}", get(customers::action_page).post(customers::action))
        .route("/runs", get(runs::list).post(runs::start))
        .route("/runs/{id}", get(runs::show))
        .route("/runs/{id}/post", post(runs::post_run))
        .route("/runs/{id}/report.csv", get(runs::report))
        .route("/jobs", get(runs::jobs))
        .route("/dunning", get(runs::dunning))
        .route("/staff", get(staff::list).post(staff::invite))
        .route("/staff/{id}/{verb}", post(staff::set_disabled))
        // console-ops: billing questions, resending mails, bank statements, settings.
        .route("/questions", get(questions::inbox))
        .route("/questions/{id}", get(questions::detail))
        .route("/questions/{id}/{verb}", post(questions::act))
        .route("/customers/{id}/mails/{action}/resend", get(mails::resend_page).post(mails::resend))
        .route("/bank", get(bank::index).post(bank::upload))
        .route("/bank/{id}", get(bank::show))
        .route("/bank/{id}/lines/{action}/assign", get(bank::assign_page).post(bank::assign))
        .route("/exports", get(exports::index).post(exports::save_datev))
        .route("/exports/{id}", get(exports::download))
        .route("/settings", get(settings::index))
        .route("/settings/logo", post(settings::upload_logo))
        .route("/settings/{id}", post(settings::save))
        .route("/api-keys", get(api_keys::list).post(api_keys::create))
        .route("/api-keys/{id}/{verb}", get(api_keys::action_page).post(api_keys::action))
        .route("/webhooks", get(webhooks::list).post(webhooks::add))
        .route("/webhooks/{id}", get(webhooks::detail))
        .route("/webhooks/{id}/{verb}", get(webhooks::action_page).post(webhooks::action))
        .route("/webhooks/{id}/deliveries/{action}/retry", post(webhooks::retry))
        // Gateway accounts and routing rules (docs/adr/0049).
        .route("/gateways", get(gateways::index).post(gateways::create))
        .route("/gateways/new", get(gateways::new_page))
        .route("/gateways/rules", post(gateways::save_rules))
        .route("/gateways/{id}", get(gateways::edit_page).post(gateways::update))
        .fallback(not_found)
}

async fn not_found(ctx: Console) -> Response {
    ctx.finish(Err(PageError::not_found()))
}

/// Runs a handler's body; the bound fixes the body's error type for `?`.
pub async fn page<F>(body: F) -> PageResult<Response>
where
    F: Future<Output = PageResult<Response>>,
{
    body.await
}

/// `/c/{tenant}`: the dashboard when signed in, else the sign-in page.
async fn home(ctx: Console) -> Response {
    let to = match ctx.signed_in() {
        Ok(_) => ctx.chrome.href("/dashboard"),
        Err(PageError::Redirect(to)) => to,
        Err(_) => ctx.chrome.href("/sign-in"),
    };
    ctx.finish(Ok(redirect(&to)))
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage<'a> {
    c: &'a Chrome,
    /// The analytics body (`crate::analytics::dashboard`): charts, tables and the range form,
    /// rendered by askama from localized strings.
    body: &'a str,
    /// The acquisition-spend form (admin and finance).
    spend_form: bool,
    spend: SpendForm,
    /// A localized error about the spend form.
    error: Option<String>,
    saved: bool,
}

/// The dashboard's range form; every field optional (the last twelve months by default).
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    interval: Option<String>,
    currency: Option<String>,
    /// `1` after the spend form was saved.
    saved: Option<String>,
}

/// The acquisition-spend form: a month (`YYYY-MM`), a currency and an amount in major units.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SpendForm {
    csrf: Option<String>,
    nonce: Option<String>,
    #[serde(default)]
    month: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    amount: String,
}

async fn render_dashboard(
    ctx: &Console,
    q: &DashboardQuery,
    spend: SpendForm,
    error: Option<String>,
    status: axum::http::StatusCode,
) -> PageResult<Response> {
    let me = ctx.require(billing_core::staff::Permission::Dashboard, "dashboard.view", None, None).await?;
    let spend_form = me.role.allows(billing_core::staff::Permission::EnterFigures);
    let c = ctx.chrome("console-dashboard-title", "dashboard");
    let req = crate::analytics::DashboardRequest::from_query(
        q.from.as_deref(),
        q.to.as_deref(),
        q.interval.as_deref(),
        q.currency.as_deref(),
        ctx.tenant_today(),
        format!("{}/dashboard", c.base),
    )?;
    let mut conn = ctx.state.pool.acquire().await?;
    let body = crate::analytics::dashboard(&mut conn, ctx.tenant.id, ctx.lang(), &req, ctx.now).await?;
    drop(conn);
    let spend = SpendForm {
        month: if spend.month.is_empty() { ctx.tenant_today().format("%Y-%m").to_string() } else { spend.month },
        currency: if spend.currency.is_empty() { "EUR".to_string() } else { spend.currency },
        ..spend
    };
    let saved = q.saved.as_deref() == Some("1") && error.is_none();
    Ok(ctx.page_with(status, &DashboardPage { c: &c, body: &body, spend_form, spend, error, saved }))
}

/// `GET /dashboard`: every role. MRR with its movements, portal success and revenue figures for
/// a date range, as server-rendered SVG charts with a table under each (docs/metrics.md); admin
/// and finance also get the acquisition-spend form.
async fn dashboard(ctx: Console, Query(q): Query<DashboardQuery>) -> Response {
    let result = page(render_dashboard(&ctx, &q, SpendForm::default(), None, axum::http::StatusCode::OK)).await;
    ctx.finish(result)
}

/// `POST /dashboard/acquisition-spend` (admin, finance): sets a month's acquisition spend in one
/// currency (the customer acquisition cost divides it by the month's new customers), audited.
async fn acquisition_spend(ctx: Console, axum::extract::Form(form): axum::extract::Form<SpendForm>) -> Response {
    let result = page(async {
        let me =
            ctx.require(billing_core::staff::Permission::EnterFigures, "metrics.acquisition_spend", None, None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let nonce = form.nonce.clone().unwrap_or_default();
        if nonce.len() != 64 {
            return Err(PageError::csrf());
        }
        let outcome = format!("{}?saved=1#analytics-spend", ctx.chrome.href("/dashboard"));
        if let Some(previous) = claimed(&ctx, &nonce).await? {
            return Ok(redirect(&previous));
        }
        let bad = |key: &str| {
            let q = DashboardQuery::default();
            let error = Some(ctx.t(key));
            (q, error)
        };
        let month = crate::api::metrics::parse_month(&form.month);
        let currency = billing_core::currency::Currency::from_code(&form.currency.trim().to_uppercase());
        let (month, currency) = match (month, currency) {
            (Ok(m), Ok(c)) => (m, c),
            (Err(_), _) => {
                let (q, error) = bad("analytics-spend-month-invalid");
                return render_dashboard(&ctx, &q, form, error, axum::http::StatusCode::BAD_REQUEST).await;
            }
            (_, Err(_)) => {
                let (q, error) = bad("analytics-spend-currency-invalid");
                return render_dashboard(&ctx, &q, form, error, axum::http::StatusCode::BAD_REQUEST).await;
            }
        };
        let t = form.amount.trim();
        let normalized = if t.contains(',') && !t.contains('.') { t.replace(',', ".") } else { t.to_string() };
        let amount = match billing_core::money::Money::parse(&normalized, currency) {
            Ok(m) if m.minor() >= 0 => m.minor(),
            _ => {
                let (q, error) = bad("analytics-spend-amount-invalid");
                return render_dashboard(&ctx, &q, form, error, axum::http::StatusCode::BAD_REQUEST).await;
            }
        };
        let mut conn = ctx.state.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let before = billing_core::service::metrics::acquisition_spend(
            &mut tx,
            ctx.tenant.id,
            billing_core::service::metrics::Range::new(month, month)?,
        )
        .await?
        .into_iter()
        .find(|s| s.currency == currency.code())
        .map(|s| s.amount);
        let saved = billing_core::service::metrics::set_acquisition_spend(
            &mut tx,
            ctx.tenant.id,
            month,
            currency,
            amount,
            ctx.now,
        )
        .await?;
        let actor = ctx.actor();
        billing_core::service::staff::audit(
            &mut tx,
            ctx.tenant.id,
            &billing_core::service::staff::AuditEntry {
                staff: Some(me.id),
                actor: &actor,
                action: "metrics.acquisition_spend",
                outcome: "done",
                target: Some(format!("{} {}", saved.month.format("%Y-%m"), saved.currency)),
                before: before.map(|a| serde_json::json!({ "amount": a })),
                after: Some(serde_json::json!({ "amount": saved.amount })),
                client: Some(&ctx.client),
                ..Default::default()
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        drop(conn);
        claim_after(&ctx, &nonce, &outcome).await?;
        Ok(redirect(&outcome))
    })
    .await;
    ctx.finish(result)
}

/// Work done once for a form: runs in the transaction that claims the form's nonce.
pub type Work<'c> = Pin<Box<dyn Future<Output = PageResult<()>> + Send + 'c>>;

/// Runs `work` for a form submission at most once: the nonce is claimed in the same transaction
/// as the change, so a second submission (double click, reload, back and resend) changes nothing
/// and is sent to where the first one led. A failed change claims nothing.
pub async fn once<F>(ctx: &Console, nonce: Option<&str>, outcome: String, work: F) -> PageResult<Response>
where
    F: for<'c> FnOnce(&'c mut PgConnection) -> Work<'c> + Send,
{
    let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
    let nonce = nonce.filter(|n| n.len() == 64).ok_or_else(PageError::csrf)?;
    let mut conn = ctx.state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    if let Some(previous) = billing_core::service::staff::claim_form(&mut tx, hash, nonce, &outcome, ctx.now).await? {
        tx.rollback().await?;
        return Ok(redirect(&previous));
    }
    work(&mut tx).await?;
    tx.commit().await?;
    Ok(redirect(&outcome))
}

/// Claims a nonce after work that could not share its transaction (a refund talks to the
/// provider; an invoice run commits chunk by chunk): `Some(previous outcome)` for a repeat.
pub async fn claim_after(ctx: &Console, nonce: &str, outcome: &str) -> PageResult<Option<String>> {
    let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
    let mut conn = ctx.state.pool.acquire().await?;
    Ok(billing_core::service::staff::claim_form(&mut conn, hash, nonce, outcome, ctx.now).await?)
}

/// Whether a nonce was claimed already (its outcome), without claiming it.
pub async fn claimed(ctx: &Console, nonce: &str) -> PageResult<Option<String>> {
    let (hash, _) = ctx.session.as_ref().ok_or_else(PageError::csrf)?;
    let mut conn = ctx.state.pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let probe = billing_core::service::staff::claim_form(&mut tx, hash, nonce, "", ctx.now).await?;
    tx.rollback().await?;
    Ok(probe)
}
