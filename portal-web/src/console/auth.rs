//! Getting into the console: email and password (argon2id), then the TOTP code when the staff
//! member has set up a second factor; lock-out after failed attempts and a sign-in rate limit in
//! PostgreSQL (the portal's rules); invitations to set the first password; sign out; the account
//! page where the second factor is set up (secret as `otpauth://` URI and QR code).

use askama::Template;
use axum::extract::{Form, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use billing_core::service::staff::{self, Staff};
use billing_core::staff::Permission;
use chrono::Duration;
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::ctx::{Chrome, Console, SESSION_COOKIE};
use crate::ops::staff as ops;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;
use crate::web::{random_token, token_hash};

/// Wrong passwords or codes before the account locks for [`LOCK_MINUTES`].
pub const FAILURES: i32 = 5;
pub const LOCK_MINUTES: i64 = 15;
/// Sign-in attempts per client address and per address typed, within [`WINDOW_MINUTES`].
pub const PER_CLIENT: i64 = 30;
pub const PER_EMAIL: i64 = 10;
pub const WINDOW_MINUTES: i64 = 15;
/// A console session lasts this long.
pub const SESSION_HOURS: i64 = 12;

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    c: &'a Chrome,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/code.html")]
struct CodePage<'a> {
    c: &'a Chrome,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/invite.html")]
struct InvitePage<'a> {
    c: &'a Chrome,
    token: String,
    email: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage<'a> {
    c: &'a Chrome,
    staff: &'a Staff,
    /// While setting up: the secret, its URI and the QR code (SVG).
    pending: Option<(String, String, String)>,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: Option<String>,
    code: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn sign_in_page(ctx: Console) -> Response {
    if ctx.signed_in().is_ok() {
        return ctx.finish(Ok(redirect(&ctx.chrome.href("/dashboard"))));
    }
    let c = ctx.chrome("console-sign-in-title", "");
    ctx.page(&SignInPage { c: &c, email: String::new(), error: None })
}

/// Counts one attempt in a bucket; 429 (and an audit line) once the window holds more than `limit`.
async fn limit(ctx: &Console, conn: &mut PgConnection, bucket: &str, limit: i64) -> PageResult<()> {
    let since = ctx.now - Duration::minutes(WINDOW_MINUTES);
    let n = staff::hit_rate_bucket(conn, ctx.tenant.id, bucket, since, ctx.now).await?;
    if n > limit {
        ctx.audit(
            conn,
            "sign_in",
            "refused",
            None,
            None,
            None,
            None,
            Some(serde_json::json!({ "rate_limited": bucket })),
        )
        .await?;
        return Err(PageError::rate_limited((WINDOW_MINUTES * 60) as u64));
    }
    Ok(())
}

/// Counts a failure against the account; locks it at [`FAILURES`].
async fn failed(ctx: &Console, conn: &mut PgConnection, who: Option<&Staff>, method: &str) -> PageResult<()> {
    let mut locked = false;
    if let Some(s) = who {
        locked = staff::record_failure(
            conn,
            ctx.tenant.id,
            s.id,
            FAILURES,
            ctx.now + Duration::minutes(LOCK_MINUTES),
            ctx.now,
        )
        .await?;
    }
    let actor = who.map_or_else(|| "anonymous".to_string(), |s| format!("staff:{}", s.email));
    staff::audit(
        conn,
        ctx.tenant.id,
        &staff::AuditEntry {
            staff: who.map(|s| s.id),
            actor: &actor,
            action: if locked { "sign_in.locked_out" } else { "sign_in" },
            outcome: "failed",
            client: Some(&ctx.client),
            after: Some(serde_json::json!({ "method": method })),
            ..Default::default()
        },
        ctx.now,
    )
    .await?;
    Ok(())
}

/// `POST /sign-in`: the same answer for an unknown address, a wrong password, a disabled and a
/// locked account.
pub async fn sign_in(ctx: Console, Form(form): Form<SignInForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        let email = form.email.as_deref().unwrap_or_default().trim().to_lowercase();
        let password = form.password.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        limit(&ctx, &mut conn, &format!("client:{}", ctx.client), PER_CLIENT).await?;
        limit(&ctx, &mut conn, &format!("email:{email}"), PER_EMAIL).await?;
        let creds = staff::credentials_by_email(&mut conn, ctx.tenant.id, &email).await?;
        drop(conn);
        let usable = creds.as_ref().filter(|c| !c.staff.disabled && c.staff.locked_until.is_none_or(|l| l <= ctx.now));
        let ok = match usable.and_then(|c| c.password_hash.clone()) {
            Some(phc) => ops::verify_password(phc, password).await,
            None => false,
        };
        let known = usable.map(|c| c.staff.clone());
        let mut conn = ctx.state.pool.acquire().await?;
        let Some(creds) = creds.filter(|_| ok) else {
            failed(&ctx, &mut conn, known.as_ref(), "password").await?;
            drop(conn);
            let c = ctx.chrome("console-sign-in-title", "");
            let error = Some(ctx.chrome.t1("console-sign-in-failed", "minutes", &LOCK_MINUTES.to_string()));
            return Ok(ctx.page_with(StatusCode::UNAUTHORIZED, &SignInPage { c: &c, email, error }));
        };
        staff::clear_failures(&mut conn, ctx.tenant.id, creds.staff.id).await?;
        let token = random_token();
        let csrf = random_token();
        let second = creds.staff.totp_enabled;
        staff::start_session(
            &mut conn,
            ctx.tenant.id,
            creds.staff.id,
            &token_hash(&token),
            &csrf,
            second,
            ctx.now,
            ctx.now + Duration::hours(SESSION_HOURS),
        )
        .await?;
        staff::audit(
            &mut conn,
            ctx.tenant.id,
            &staff::AuditEntry {
                staff: Some(creds.staff.id),
                actor: &format!("staff:{}", creds.staff.email),
                action: "sign_in",
                outcome: "done",
                client: Some(&ctx.client),
                after: Some(serde_json::json!({ "method": "password", "second_factor_due": second })),
                ..Default::default()
            },
            ctx.now,
        )
        .await?;
        let mut r = redirect(&ctx.chrome.href(if second { "/sign-in/code" } else { "/dashboard" }));
        set_cookie(&mut r, &ctx.cookies.set(SESSION_COOKIE, &token, Some(SESSION_HOURS * 3600)));
        Ok(r)
    })
    .await;
    ctx.finish(result)
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub async fn code_page(ctx: Console) -> Response {
    let result = super::page(async {
        match &ctx.session {
            Some((_, s)) if s.second_factor_due => {}
            Some(_) => return Ok(redirect(&ctx.chrome.href("/dashboard"))),
            None => return Ok(redirect(&ctx.chrome.href("/sign-in"))),
        }
        let c = ctx.chrome("console-code-title", "");
        Ok(ctx.page(&CodePage { c: &c, error: None }))
    })
    .await;
    ctx.finish(result)
}

/// `POST /sign-in/code`: the TOTP code completes the sign-in; each code is good once; wrong codes
/// count towards the lock-out, which also ends this half-open session.
pub async fn code(ctx: Console, Form(form): Form<CodeForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        let (Some((hash, session)), Some(who)) = (&ctx.session, &ctx.staff) else {
            return Ok(redirect(&ctx.chrome.href("/sign-in")));
        };
        if !session.second_factor_due {
            return Ok(redirect(&ctx.chrome.href("/dashboard")));
        }
        let mut conn = ctx.state.pool.acquire().await?;
        limit(&ctx, &mut conn, &format!("client:{}", ctx.client), PER_CLIENT).await?;
        let creds = staff::credentials_by_id(&mut conn, ctx.tenant.id, who.id).await?;
        let locked = who.locked_until.is_some_and(|l| l > ctx.now);
        let step = creds
            .as_ref()
            .and_then(|c| c.totp_secret.as_deref())
            .filter(|_| !locked)
            .and_then(|secret| ops::totp_step(secret, form.code.as_deref().unwrap_or_default(), ctx.now));
        let fresh = match step {
            Some(step) => staff::claim_totp_step(&mut conn, ctx.tenant.id, who.id, step).await?,
            None => false,
        };
        if !fresh {
            failed(&ctx, &mut conn, Some(who), "totp").await?;
            let now_locked =
                staff::get(&mut conn, ctx.tenant.id, who.id).await?.locked_until.is_some_and(|l| l > ctx.now);
            if now_locked {
                staff::end_session(&mut conn, ctx.tenant.id, hash, ctx.now).await?;
            }
            drop(conn);
            let c = ctx.chrome("console-code-title", "");
            let error = Some(ctx.chrome.t1("console-code-failed", "minutes", &LOCK_MINUTES.to_string()));
            return Ok(ctx.page_with(StatusCode::UNAUTHORIZED, &CodePage { c: &c, error }));
        }
        staff::clear_failures(&mut conn, ctx.tenant.id, who.id).await?;
        staff::second_factor_done(&mut conn, ctx.tenant.id, hash).await?;
        ctx.audit(&mut conn, "sign_in.second_factor", "done", None, None, None, None, None).await?;
        Ok(redirect(&ctx.chrome.href("/dashboard")))
    })
    .await;
    ctx.finish(result)
}

/// `POST /sign-out`.
pub async fn sign_out(ctx: Console, Form(form): Form<CsrfForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        if let Some((hash, _)) = &ctx.session {
            let mut conn = ctx.state.pool.acquire().await?;
            staff::end_session(&mut conn, ctx.tenant.id, hash, ctx.now).await?;
            ctx.audit(&mut conn, "sign_out", "done", None, None, None, None, None).await?;
        }
        let mut r = redirect(&ctx.chrome.href("/sign-in"));
        set_cookie(&mut r, &ctx.cookies.set(SESSION_COOKIE, "", Some(0)));
        Ok(r)
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct InviteQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf: Option<String>,
    token: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

/// `GET /invite?token=…`: the form to set the first password (opening the link changes nothing).
pub async fn invite_page(ctx: Console, Query(q): Query<InviteQuery>) -> Response {
    let result = super::page(async {
        let token = q.token.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        let found = if token.len() == 64 {
            staff::by_invite(&mut conn, ctx.tenant.id, &token_hash(&token), ctx.now).await?
        } else {
            None
        };
        drop(conn);
        let c = ctx.chrome("console-invite-title", "");
        let error = found.is_none().then(|| ctx.t("console-invite-invalid"));
        Ok(ctx.page(&InvitePage { c: &c, token, email: found.map(|s| s.email), error }))
    })
    .await;
    ctx.finish(result)
}

/// `POST /invite`: sets the password and uses the invitation up; then the sign-in page.
pub async fn accept_invite(ctx: Console, Form(form): Form<InviteForm>) -> Response {
    let result = super::page(async {
        ctx.check_csrf(form.csrf.as_deref())?;
        let token = form.token.unwrap_or_default();
        let mut conn = ctx.state.pool.acquire().await?;
        limit(&ctx, &mut conn, &format!("client:{}", ctx.client), PER_CLIENT).await?;
        let found = if token.len() == 64 {
            staff::by_invite(&mut conn, ctx.tenant.id, &token_hash(&token), ctx.now).await?
        } else {
            None
        };
        drop(conn);
        let Some(who) = found else {
            return Err(PageError::bad_request("console-invite-invalid"));
        };
        let password = form.password.unwrap_or_default();
        let problem = ops::password_problem(&password)
            .or_else(|| (Some(&password) != form.confirm.as_ref()).then_some("console-password-mismatch"));
        if let Some(id) = problem {
            let c = ctx.chrome("console-invite-title", "");
            let error = Some(ctx.chrome.t1(id, "min", &ops::MIN_PASSWORD.to_string()));
            return Ok(
                ctx.page_with(StatusCode::BAD_REQUEST, &InvitePage { c: &c, token, email: Some(who.email), error })
            );
        }
        let phc = ops::hash_password(password).await?;
        let mut conn = ctx.state.pool.acquire().await?;
        staff::set_password(&mut conn, ctx.tenant.id, who.id, &phc, ctx.now).await?;
        staff::audit(
            &mut conn,
            ctx.tenant.id,
            &staff::AuditEntry {
                staff: Some(who.id),
                actor: &format!("staff:{}", who.email),
                action: "staff.password_set",
                outcome: "done",
                target: Some(format!("staff:{}", who.email)),
                client: Some(&ctx.client),
                ..Default::default()
            },
            ctx.now,
        )
        .await?;
        Ok(redirect(&ctx.chrome.href("/sign-in")))
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// `GET /account`: who is signed in, and the second factor (set up, or being set up).
pub async fn account(ctx: Console, Query(q): Query<AccountQuery>) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::Dashboard, "account.view", None, None).await?;
        let mut conn = ctx.state.pool.acquire().await?;
        let creds = staff::credentials_by_id(&mut conn, ctx.tenant.id, me.id).await?;
        drop(conn);
        let pending = creds
            .and_then(|c| c.totp_secret.filter(|_| !c.staff.totp_enabled))
            .map(|secret| pending_view(&ctx, me, secret));
        let c = ctx.chrome("console-account-title", "account");
        let message = q.done.filter(|d| d == "totp").map(|_| ctx.t("console-totp-enabled"));
        Ok(ctx.page(&AccountPage { c: &c, staff: me, pending, message, error: None }))
    })
    .await;
    ctx.finish(result)
}

fn pending_view(ctx: &Console, me: &Staff, secret: String) -> (String, String, String) {
    let uri = ops::otpauth_uri(&ctx.tenant.name, &me.email, &secret);
    let svg = ops::qr_svg(&uri).unwrap_or_default();
    // Inline in the page: without the XML declaration.
    let svg = svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_string());
    // Spaced in groups of four for typing by hand.
    let spaced =
        secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
    (spaced, uri, svg)
}

/// `POST /account/totp`: a new secret to set up (replaces a pending one; not yet required).
pub async fn totp_start(ctx: Console, Form(form): Form<CsrfForm>) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::Dashboard, "account.totp_start", None, None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        if me.totp_enabled {
            return Ok(redirect(&ctx.chrome.href("/account")));
        }
        let secret = ops::new_totp_secret();
        let mut conn = ctx.state.pool.acquire().await?;
        staff::set_totp(&mut conn, ctx.tenant.id, me.id, Some(&secret), false, ctx.now).await?;
        Ok(redirect(&ctx.chrome.href("/account")))
    })
    .await;
    ctx.finish(result)
}

/// `POST /account/totp/confirm`: a code from the app proves the secret arrived; from now on
/// sign-in asks for a code.
pub async fn totp_confirm(ctx: Console, Form(form): Form<CodeForm>) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::Dashboard, "account.totp_confirm", None, None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let mut conn = ctx.state.pool.acquire().await?;
        let secret = staff::credentials_by_id(&mut conn, ctx.tenant.id, me.id)
            .await?
            .and_then(|c| c.totp_secret)
            .ok_or_else(|| PageError::Redirect(ctx.chrome.href("/account")))?;
        let step = ops::totp_step(&secret, form.code.as_deref().unwrap_or_default(), ctx.now);
        let fresh = match step {
            Some(s) => staff::claim_totp_step(&mut conn, ctx.tenant.id, me.id, s).await?,
            None => false,
        };
        if !fresh {
            drop(conn);
            let c = ctx.chrome("console-account-title", "account");
            let pending = Some(pending_view(&ctx, me, secret));
            let error = Some(ctx.t("console-totp-wrong"));
            return Ok(ctx
                .page_with(StatusCode::BAD_REQUEST, &AccountPage { c: &c, staff: me, pending, message: None, error }));
        }
        staff::set_totp(&mut conn, ctx.tenant.id, me.id, Some(&secret), true, ctx.now).await?;
        let target = Some(format!("staff:{}", me.email));
        ctx.audit(
            &mut conn,
            "staff.totp_enabled",
            "done",
            target,
            None,
            None,
            Some(serde_json::json!({ "totp_enabled": false })),
            Some(serde_json::json!({ "totp_enabled": true })),
        )
        .await?;
        Ok(redirect(&ctx.chrome.href("/account?done=totp")))
    })
    .await;
    ctx.finish(result)
}

/// Staff ids in paths: anything unparsable is simply not there.
pub fn parse_staff_id(id: &str) -> PageResult<Uuid> {
    id.parse().map_err(|_| PageError::not_found())
}
