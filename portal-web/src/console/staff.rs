//! The admin's staff page: everyone with their role and second factor, the invitation form (the
//! one-time link to set a password is shown once, to pass on), disabling and enabling.

use askama::Template;
use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::service::staff::{self, Staff};
use billing_core::staff::{Permission, Role};
use serde::Deserialize;

use super::auth::parse_staff_id;
use super::ctx::{Chrome, Console};
use crate::web::error::{PageError, PageResult};
use crate::web::layout::redirect;

pub struct StaffRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub totp: bool,
    pub disabled: bool,
    pub invited: bool,
    pub me: bool,
}

#[derive(Template)]
#[template(path = "console/staff.html")]
struct StaffPage<'a> {
    c: &'a Chrome,
    rows: Vec<StaffRow>,
    roles: Vec<(&'static str, String)>,
    invite_link: Option<String>,
    error: Option<String>,
    email: String,
}

async fn render(
    ctx: &Console,
    me: &Staff,
    invite_link: Option<String>,
    error: Option<String>,
    email: String,
    status: StatusCode,
) -> PageResult<Response> {
    let mut conn = ctx.state.pool.acquire().await?;
    let all = staff::list(&mut conn, ctx.tenant.id).await?;
    drop(conn);
    let rows = all
        .into_iter()
        .map(|s| StaffRow {
            id: s.id.to_string(),
            role: ctx.t(&format!("console-role-{}", s.role)),
            totp: s.totp_enabled,
            disabled: s.disabled,
            invited: !s.has_password,
            me: s.id == me.id,
            email: s.email,
        })
        .collect();
    let roles = Role::ALL.iter().map(|r| (r.as_str(), ctx.t(&format!("console-role-{r}")))).collect();
    let c = ctx.chrome("console-staff-title", "staff");
    Ok(ctx.page_with(status, &StaffPage { c: &c, rows, roles, invite_link, error, email }))
}

/// `GET /staff` (admins).
pub async fn list(ctx: Console) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::ManageStaff, "staff.list", None, None).await?;
        render(&ctx, me, None, None, String::new(), StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf: Option<String>,
    nonce: Option<String>,
    email: Option<String>,
    role: Option<String>,
}

/// `POST /staff`: invites a staff member; the page shows the invitation link once.
pub async fn invite(ctx: Console, Form(form): Form<InviteForm>) -> Response {
    let result = super::page(async {
        let me = ctx.require(Permission::ManageStaff, "staff.create", None, None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let nonce = form.nonce.unwrap_or_default();
        if nonce.len() != 64 {
            return Err(PageError::csrf());
        }
        let outcome = ctx.chrome.href("/staff");
        if let Some(previous) = super::claimed(&ctx, &nonce).await? {
            return Ok(redirect(&previous));
        }
        let email = form.email.unwrap_or_default().trim().to_lowercase();
        let Ok(role) = form.role.as_deref().unwrap_or_default().parse::<Role>() else {
            return render(&ctx, me, None, Some(ctx.t("console-role-invalid")), email, StatusCode::BAD_REQUEST).await;
        };
        if billing_core::email::EmailAddress::parse(&email).is_err() {
            return render(&ctx, me, None, Some(ctx.t("console-email-invalid")), email, StatusCode::BAD_REQUEST).await;
        }
        let mut conn = ctx.state.pool.acquire().await?;
        let actor = ctx.actor();
        let added =
            match crate::ops::staff::add(&mut conn, ctx.tenant.id, &email, role, None, (&actor, Some(me.id)), ctx.now)
                .await
            {
                Ok(a) => a,
                Err(billing_core::Error::Duplicate { .. }) => {
                    drop(conn);
                    return render(&ctx, me, None, Some(ctx.t("console-staff-exists")), email, StatusCode::CONFLICT)
                        .await;
                }
                Err(e) => return Err(e.into()),
            };
        drop(conn);
        super::claim_after(&ctx, &nonce, &outcome).await?;
        let link = added.invite_token.map(|t| invite_url(&ctx, &t));
        render(&ctx, me, link, None, String::new(), StatusCode::OK).await
    })
    .await;
    ctx.finish(result)
}

/// The absolute invitation link (the configured public URL, or the request's host).
pub fn invite_url(ctx: &Console, token: &str) -> String {
    let scheme = if ctx.state.portal.secure_cookies { "https" } else { "http" };
    let server =
        ctx.state.portal.public_url.clone().map(|u| u.trim_end_matches('/').to_string()).unwrap_or_else(|| {
            let host = ctx.headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
            format!("{scheme}://{host}")
        });
    format!("{server}{}?token={token}", ctx.chrome.href("/invite"))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    csrf: Option<String>,
    reason: Option<String>,
}

/// `POST /staff/{id}/disable|enable`.
pub async fn set_disabled(
    ctx: Console,
    Path(super::Ids { id, verb, .. }): Path<super::Ids>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let result = super::page(async {
        let disable = match verb.as_str() {
            "disable" => true,
            "enable" => false,
            _ => return Err(PageError::not_found()),
        };
        let action = if disable { "staff.disable" } else { "staff.enable" };
        let me = ctx.require(Permission::ManageStaff, action, Some(format!("staff:{id}")), None).await?;
        ctx.check_csrf(form.csrf.as_deref())?;
        let id = parse_staff_id(&id)?;
        if id == me.id {
            return render(
                &ctx,
                me,
                None,
                Some(ctx.t("console-staff-not-self")),
                String::new(),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        let mut conn = ctx.state.pool.acquire().await?;
        let before = staff::get(&mut conn, ctx.tenant.id, id).await?;
        let after = staff::set_disabled(&mut conn, ctx.tenant.id, id, disable, ctx.now).await?;
        let reason = form.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        ctx.audit(
            &mut conn,
            action,
            "done",
            Some(format!("staff:{}", after.email)),
            None,
            reason,
            serde_json::to_value(&before).ok(),
            serde_json::to_value(&after).ok(),
        )
        .await?;
        Ok(redirect(&ctx.chrome.href("/staff")))
    })
    .await;
    ctx.finish(result)
}
