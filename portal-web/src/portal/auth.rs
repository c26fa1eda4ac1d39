//! Getting in: sign-in links by email (single use, 15 minutes, stored hashed, opened through a
//! page with a button so that mail scanners that fetch links do not use them up), the optional
//! password (argon2id), sign out, sign out everywhere, rate limits and lock-out in PostgreSQL,
//! and the security audit log.

use askama::Template;
use axum::extract::{Form, Query};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use billing_core::ids::{CustomerId, TenantId};
use billing_core::store::portal::{self as store, LinkClaims};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sqlx::PgConnection;

use super::ctx::{Portal, flow_root};
use crate::state::AppState;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, redirect};
use crate::web::session::{self, SESSION_COOKIE};
use crate::web::{random_token, token_hash};

/// A sign-in link is good for this long.
pub const LINK_MINUTES: i64 = 15;
/// Sign-in requests per address, per client address, and link or password attempts per client,
/// each within [`WINDOW_MINUTES`].
pub const PER_ADDRESS: i64 = 5;
pub const PER_CLIENT: i64 = 20;
pub const ATTEMPTS_PER_CLIENT: i64 = 30;
pub const WINDOW_MINUTES: i64 = 15;
/// Wrong passwords before password sign-in locks for [`LOCK_MINUTES`].
pub const PASSWORD_FAILURES: i32 = 5;
pub const LOCK_MINUTES: i64 = 15;

#[derive(Template)]
#[template(path = "portal/sign_in.html")]
struct SignInPage<'a> {
    c: &'a Chrome,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/link_sent.html")]
struct LinkSentPage<'a> {
    c: &'a Chrome,
    email: String,
}

#[derive(Template)]
#[template(path = "portal/link_confirm.html")]
struct LinkConfirmPage<'a> {
    c: &'a Chrome,
    token: String,
    usable: bool,
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
pub struct LinkForm {
    csrf: Option<String>,
    token: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn sign_in_page(ctx: Portal) -> Response {
    if ctx.customer().is_ok() {
        return ctx.finish(Err(PageError::Redirect(ctx.chrome.href("/"))));
    }
    ctx.viewed("sign_in");
    let c = ctx.chrome("portal-sign-in-title", "");
    ctx.page(&SignInPage { c: &c, email: String::new(), error: None })
}

/// Counts one attempt in a bucket; `Err` (429) once the window holds more than `limit`.
pub(super) async fn limit(ctx: &Portal, conn: &mut PgConnection, bucket: &str, limit: i64) -> PageResult<()> {
    let since = ctx.now - Duration::minutes(WINDOW_MINUTES);
    let n = store::hit_rate_bucket(conn, ctx.tenant.id, bucket, since, ctx.now).await?;
    if n > limit {
        store::audit(
            conn,
            ctx.tenant.id,
            None,
            "rate_limited",
            Some(&ctx.client),
            serde_json::json!({ "bucket": bucket }),
            ctx.now,
        )
        .await?;
        return Err(PageError::rate_limited((WINDOW_MINUTES * 60) as u64));
    }
    Ok(())
}

/// `POST /sign-in`: mails a link when the address belongs to a customer; the answer is the same
/// page either way.
pub async fn request_link(ctx: Portal, Form(form): Form<SignInForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        let email = form.email.as_deref().unwrap_or_default().trim().to_lowercase();
        let c = ctx.chrome("portal-sign-in-title", "");
        if billing_core::email::EmailAddress::parse(&email).is_err() {
            let error = Some(ctx.t("portal-sign-in-email-invalid"));
            return Ok(crate::web::layout::html(
                axum::http::StatusCode::BAD_REQUEST,
                ctx.lang(),
                &SignInPage { c: &c, email, error },
            ));
        }
        let mut conn = ctx.state.pool.acquire().await?;
        limit(&ctx, &mut conn, &format!("client:{}", ctx.client), PER_CLIENT).await?;
        limit(&ctx, &mut conn, &format!("email:{email}"), PER_ADDRESS).await?;
        let found = store::customers_by_email(&mut conn, ctx.tenant.id, &email).await?.into_iter().next();
        let customer = found.as_ref().map(|(id, _)| *id);
        if let Some((customer, stored_email)) = &found {
            let claims = LinkClaims { locale: Some(ctx.lang().tag().to_string()), ..LinkClaims::default() };
            let url = issue_link(
                &mut conn,
                &ctx.state,
                ctx.tenant.id,
                *customer,
                "email",
                &claims,
                &ctx.public_root(),
                ctx.now,
            )
            .await?;
            // To the address on file, whatever case it was typed in.
            enqueue_sign_in_mail(&mut conn, ctx.tenant.id, *customer, stored_email, ctx.lang().tag(), &url, ctx.now)
                .await?;
        }
        store::audit(
            &mut conn,
            ctx.tenant.id,
            customer,
            "link_requested",
            Some(&ctx.client),
            serde_json::json!({ "known": customer.is_some() }),
            ctx.now,
        )
        .await?;
        drop(conn);
        Ok(link_sent_page(&ctx, &email))
    })
    .await;
    ctx.finish(result)
}

/// "Check your mail": the same page whether the address is known or not.
pub(super) fn link_sent_page(ctx: &Portal, email: &str) -> Response {
    let c = ctx.chrome("portal-link-sent-title", "");
    crate::web::layout::html(axum::http::StatusCode::OK, ctx.lang(), &LinkSentPage { c: &c, email: email.to_string() })
}

/// Makes a single-use link and returns its URL (the token appears nowhere else).
#[allow(clippy::too_many_arguments)]
pub async fn issue_link(
    conn: &mut PgConnection,
    _state: &AppState,
    tenant: TenantId,
    customer: CustomerId,
    source: &str,
    claims: &LinkClaims,
    root: &str,
    now: DateTime<Utc>,
) -> billing_core::Result<String> {
    let token = random_token();
    let expires = now + Duration::minutes(LINK_MINUTES);
    store::insert_sign_in_token(conn, tenant, customer, &token_hash(&token), source, claims, now, expires).await?;
    Ok(format!("{root}/sign-in/link?token={token}"))
}

/// The sign-in mail, through the typed outbox (the mail worker sends it).
pub(super) async fn enqueue_sign_in_mail(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    to: &str,
    locale: &str,
    url: &str,
    now: DateTime<Utc>,
) -> billing_core::Result<()> {
    let message = billing_core::outbox::OutboxMessage::SignInLink {
        customer_id: customer,
        to: billing_core::email::EmailAddress::parse(to)?,
        locale: locale.to_string(),
        url: url.to_string(),
        expires_at: now + Duration::minutes(LINK_MINUTES),
    };
    billing_core::store::outbox::enqueue(conn, tenant, &[message], now).await?;
    Ok(())
}

/// `GET /sign-in/link?token=…`: a page with a button; opening the link changes nothing.
pub async fn link_page(ctx: Portal, Query(q): Query<LinkQuery>) -> Response {
    let result = super::page(async {
        let token = q.token.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        let usable = token.len() == 64
            && store::sign_in_token_usable(&mut conn, ctx.tenant.id, &token_hash(&token), ctx.now).await?;
        drop(conn);
        let c = ctx.chrome("portal-link-confirm-title", "");
        Ok(ctx.page(&LinkConfirmPage { c: &c, token, usable }))
    })
    .await;
    ctx.finish(result)
}

/// `POST /sign-in/link`: uses the link up and starts a session.
pub async fn use_link(ctx: Portal, Form(form): Form<LinkForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        let token = form.token.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        limit(&ctx, &mut conn, &format!("attempt:{}", ctx.client), ATTEMPTS_PER_CLIENT).await?;
        let used = store::consume_sign_in_token(&mut conn, ctx.tenant.id, &token_hash(&token), ctx.now).await?;
        let Some((customer, claims)) = used else {
            store::audit(
                &mut conn,
                ctx.tenant.id,
                None,
                "sign_in_failed",
                Some(&ctx.client),
                serde_json::json!({ "method": "link" }),
                ctx.now,
            )
            .await?;
            return Err(PageError::bad_request("portal-link-invalid"));
        };
        start_session(&ctx, &mut conn, customer, &claims, "link").await
    })
    .await;
    ctx.finish(result)
}

/// Starts a session, remembers it in the cookie and goes to the flow's page or the overview.
pub(super) async fn start_session(
    ctx: &Portal,
    conn: &mut PgConnection,
    customer: CustomerId,
    claims: &LinkClaims,
    method: &str,
) -> PageResult<Response> {
    let token = session::start(conn, ctx.tenant.id, customer, claims, ctx.state.portal.session_hours, ctx.now).await?;
    store::audit(
        conn,
        ctx.tenant.id,
        Some(customer),
        "signed_in",
        Some(&ctx.client),
        serde_json::json!({ "method": method }),
        ctx.now,
    )
    .await?;
    let to = claims.flow.as_deref().map_or_else(|| ctx.chrome.href("/"), |f| ctx.chrome.href(flow_root(f)));
    let mut r = redirect(&to);
    let max_age = i64::from(ctx.state.portal.session_hours.max(1)) * 3600;
    let mut cookies = vec![ctx.cookies.set(SESSION_COOKIE, &token, Some(max_age))];
    if let Some(l) = claims.locale.as_deref().and_then(crate::i18n::Locale::negotiate_tag) {
        cookies.push(ctx.cookies.set(crate::web::lang::LANG_COOKIE, l.tag(), Some(365 * 24 * 3600)));
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// `POST /sign-in/password`: the same answer for an unknown address, a wrong password and a
/// locked account.
pub async fn password_sign_in(ctx: Portal, Form(form): Form<SignInForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        let email = form.email.as_deref().unwrap_or_default().trim().to_lowercase();
        let password = form.password.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        limit(&ctx, &mut conn, &format!("attempt:{}", ctx.client), ATTEMPTS_PER_CLIENT).await?;
        let customer = store::customers_by_email(&mut conn, ctx.tenant.id, &email).await?.first().map(|(id, _)| *id);
        let stored = match customer {
            Some(c) => Some((c, store::credentials(&mut conn, ctx.tenant.id, c).await?)),
            None => None,
        };
        drop(conn);
        let ok = match &stored {
            Some((_, (Some(phc), _, locked))) if locked.is_none_or(|l| l <= ctx.now) => {
                verify_password(phc.clone(), password).await
            }
            _ => false,
        };
        let mut conn = ctx.state.pool.acquire().await?;
        match (ok, stored) {
            (true, Some((customer, _))) => {
                store::clear_password_failures(&mut conn, ctx.tenant.id, customer).await?;
                let claims = LinkClaims { locale: None, ..LinkClaims::default() };
                start_session(&ctx, &mut conn, customer, &claims, "password").await
            }
            (_, stored) => {
                let customer = stored.map(|(c, _)| c);
                if let Some(c) = customer {
                    let (_, locked) = store::record_password_failure(
                        &mut conn,
                        ctx.tenant.id,
                        c,
                        PASSWORD_FAILURES,
                        ctx.now + Duration::minutes(LOCK_MINUTES),
                        ctx.now,
                    )
                    .await?;
                    if locked {
                        store::audit(
                            &mut conn,
                            ctx.tenant.id,
                            Some(c),
                            "locked_out",
                            Some(&ctx.client),
                            serde_json::json!({}),
                            ctx.now,
                        )
                        .await?;
                    }
                }
                store::audit(
                    &mut conn,
                    ctx.tenant.id,
                    customer,
                    "sign_in_failed",
                    Some(&ctx.client),
                    serde_json::json!({ "method": "password" }),
                    ctx.now,
                )
                .await?;
                drop(conn);
                let c = ctx.chrome("portal-sign-in-title", "");
                let error = Some(ctx.chrome.t1("portal-password-failed", "minutes", &LOCK_MINUTES.to_string()));
                Ok(crate::web::layout::html(
                    axum::http::StatusCode::UNAUTHORIZED,
                    ctx.lang(),
                    &SignInPage { c: &c, email, error },
                ))
            }
        }
    })
    .await;
    ctx.finish(result)
}

/// argon2id, the one code path for customer and staff passwords (`ops::staff`).
pub async fn hash_password(password: String) -> billing_core::Result<String> {
    crate::ops::staff::hash_password(password).await
}

async fn verify_password(phc: String, password: String) -> bool {
    crate::ops::staff::verify_password(phc, password).await
}

/// `POST /sign-out`.
pub async fn sign_out(ctx: Portal, Form(form): Form<CsrfForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        if let Some((hash, s)) = &ctx.session {
            let mut conn = ctx.state.pool.acquire().await?;
            store::revoke_session(&mut conn, ctx.tenant.id, hash, ctx.now).await?;
            store::audit(
                &mut conn,
                ctx.tenant.id,
                Some(s.customer),
                "session_revoked",
                Some(&ctx.client),
                serde_json::json!({ "scope": "this" }),
                ctx.now,
            )
            .await?;
        }
        Ok(signed_out(&ctx))
    })
    .await;
    ctx.finish(result)
}

/// `POST /account/sign-out-everywhere`: ends every session of the customer, this one included.
pub async fn sign_out_everywhere(ctx: Portal, Form(form): Form<CsrfForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let n = store::revoke_all_sessions(&mut conn, ctx.tenant.id, customer, ctx.now).await?;
        store::audit(
            &mut conn,
            ctx.tenant.id,
            Some(customer),
            "session_revoked",
            Some(&ctx.client),
            serde_json::json!({ "scope": "all", "sessions": n }),
            ctx.now,
        )
        .await?;
        Ok(signed_out(&ctx))
    })
    .await;
    ctx.finish(result)
}

fn signed_out(ctx: &Portal) -> Response {
    let mut r = redirect(&ctx.chrome.href("/sign-in"));
    if let Ok(v) = HeaderValue::from_str(&ctx.cookies.set(SESSION_COOKIE, "", Some(0))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "portal/account.html")]
struct AccountPage<'a> {
    c: &'a Chrome,
    has_password: bool,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

pub async fn account_page(ctx: Portal, Query(q): Query<AccountQuery>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/account")?;
        let mut conn = ctx.state.pool.acquire().await?;
        let (phc, _, _) = store::credentials(&mut conn, ctx.tenant.id, customer).await?;
        drop(conn);
        ctx.viewed("account");
        let c = ctx.chrome("portal-account-title", "account");
        let message = q.done.filter(|d| d == "password").map(|_| ctx.t("portal-password-saved"));
        Ok(ctx.page(&AccountPage { c: &c, has_password: phc.is_some(), message, error: None }))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

/// `POST /account/password`: sets or changes the password (at least 10 characters).
pub async fn set_password(ctx: Portal, Form(form): Form<PasswordForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let password = form.password.unwrap_or_default();
        let error = if password.chars().count() < 10 || password.len() > 1024 {
            Some(ctx.t("portal-password-too-short"))
        } else if Some(&password) != form.confirm.as_ref() {
            Some(ctx.t("portal-password-mismatch"))
        } else {
            None
        };
        if let Some(error) = error {
            let c = ctx.chrome("portal-account-title", "account");
            let mut conn = ctx.state.pool.acquire().await?;
            let (phc, _, _) = store::credentials(&mut conn, ctx.tenant.id, customer).await?;
            return Ok(crate::web::layout::html(
                axum::http::StatusCode::BAD_REQUEST,
                ctx.lang(),
                &AccountPage { c: &c, has_password: phc.is_some(), message: None, error: Some(error) },
            ));
        }
        let phc = hash_password(password).await?;
        let mut conn = ctx.state.pool.acquire().await?;
        store::set_password(&mut conn, ctx.tenant.id, customer, &phc, ctx.now).await?;
        store::audit(
            &mut conn,
            ctx.tenant.id,
            Some(customer),
            "password_changed",
            Some(&ctx.client),
            serde_json::json!({}),
            ctx.now,
        )
        .await?;
        Ok(redirect(&ctx.chrome.href("/account?done=password")))
    })
    .await;
    ctx.finish(result)
}
