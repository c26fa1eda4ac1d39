//! The console request: tenant, page language, staff session and staff member, resolved with one
//! connection that is given back before the handler runs; the role check every action passes
//! ([`Console::require`]: a refusal is a 403 page and a line in the audit log).

use askama::Template;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::ids::CustomerId;
use billing_core::service::staff::{self, AuditEntry, Staff, StaffSession};
use billing_core::staff::{Permission, Role};
use billing_core::tenant::Tenant;
use chrono::{DateTime, Utc};

use crate::api::error::ApiError;
use crate::i18n::{I18n, Locale};
use crate::state::AppState;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{LanguageLink, html, redirect};
use crate::web::session::check_csrf;
use crate::web::{CookiePolicy, client_addr, cookie, lang, random_token, token_hash};

pub const SESSION_COOKIE: &str = "console_session";
pub const ANON_CSRF_COOKIE: &str = "console_csrf";

/// What the console's layout needs to know about the request.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Locale,
    /// `/c/{slug}`.
    pub base: String,
    /// The current path below `base` (for the language switcher's links).
    pub path: String,
    pub tenant_name: String,
    /// The merchant's uploaded logo (`/p/{slug}/logo?v=…`) or logo URL, for the header.
    pub logo_url: Option<String>,
    pub csrf: String,
    /// Signed in with every factor.
    pub signed_in: bool,
    pub staff_email: String,
    pub role: Option<Role>,
    pub title: String,
    pub section: &'static str,
}

impl Chrome {
    pub fn t(&self, id: &str) -> String {
        I18n::global().text(self.lang, id, &[])
    }

    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        I18n::global().text(self.lang, id, &[(name, value.to_string())])
    }

    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// A fresh once-only token for a form that changes something.
    pub fn nonce(&self) -> String {
        random_token()
    }

    pub fn href(&self, path: &str) -> String {
        if path == "/" { self.base.clone() } else { format!("{}{path}", self.base) }
    }

    pub fn languages(&self) -> Vec<LanguageLink> {
        Locale::ALL
            .iter()
            .map(|l| LanguageLink { tag: l.tag(), name: l.native_name(), current: *l == self.lang })
            .collect()
    }

    pub fn role_name(&self) -> String {
        self.role.map(|r| self.t(&format!("console-role-{r}"))).unwrap_or_default()
    }

    /// The navigation entries the staff member's role opens: (href, label, current).
    pub fn nav(&self) -> Vec<(String, String, bool)> {
        let Some(role) = self.role else { return vec![] };
        [
            ("dashboard", "/dashboard", "console-nav-dashboard", Permission::Dashboard),
            ("customers", "/customers", "console-nav-customers", Permission::Read),
            ("runs", "/runs", "console-nav-runs", Permission::Read),
            ("dunning", "/dunning", "console-nav-dunning", Permission::Read),
            ("jobs", "/jobs", "console-nav-jobs", Permission::Read),
            ("questions", "/questions", "console-nav-questions", Permission::Read),
            ("bank", "/bank", "console-nav-bank", Permission::MoveMoney),
            ("exports", "/exports", "console-gap-nav-exports", Permission::Export),
            ("settings", "/settings", "console-nav-settings", Permission::Settings),
            ("gateways", "/gateways", "console-gateways-nav", Permission::Settings),
            ("staff", "/staff", "console-nav-staff", Permission::ManageStaff),
            ("api-keys", "/api-keys", "console-nav-api-keys", Permission::ManageStaff),
            ("webhooks", "/webhooks", "console-nav-webhooks", Permission::ManageStaff),
            ("account", "/account", "console-nav-account", Permission::Dashboard),
        ]
        .into_iter()
        .filter(|(_, _, _, p)| role.allows(*p))
        .map(|(section, path, id, _)| (self.href(path), self.t(id), section == self.section))
        .collect()
    }
}

pub struct Console {
    pub state: AppState,
    pub tenant: Tenant,
    pub chrome: Chrome,
    /// The session's digest and row (also while the second factor is owed).
    pub session: Option<(Vec<u8>, StaffSession)>,
    pub staff: Option<Staff>,
    pub client: String,
    pub headers: HeaderMap,
    pub cookies: CookiePolicy,
    pub set_cookies: Vec<String>,
    pub now: DateTime<Utc>,
}

fn bare_chrome(lang: Locale) -> Chrome {
    Chrome {
        lang,
        base: String::new(),
        path: "/".into(),
        tenant_name: String::new(),
        logo_url: None,
        csrf: String::new(),
        signed_in: false,
        staff_email: String::new(),
        role: None,
        title: String::new(),
        section: "",
    }
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let slug = params.iter().find(|(k, _)| *k == "tenant").map(|(_, v)| v.to_string()).unwrap_or_default();
        let now = state.clock.now();
        let headers = parts.headers.clone();
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let fail = |e: PageError| error_response(&bare_chrome(Locale::negotiate(None, accept.as_deref(), None)), e);
        let (tenant, session, staff, logo) = {
            let mut conn = state.pool.acquire().await.map_err(|e| fail(e.into()))?;
            let Some(tenant) = crate::web::tenant::by_slug(&mut conn, &slug).await.map_err(|e| fail(e.into()))? else {
                return Err(fail(PageError::not_found()));
            };
            let (_, logo) = billing_core::store::console_settings::page_settings(&mut conn, tenant.id)
                .await
                .map_err(|e| fail(e.into()))?;
            let session = match cookie(&headers, SESSION_COOKIE).filter(|t| t.len() == 64) {
                Some(token) => {
                    let hash = token_hash(token);
                    staff::session(&mut conn, tenant.id, &hash, now)
                        .await
                        .map_err(|e| fail(e.into()))?
                        .map(|s| (hash, s))
                }
                None => None,
            };
            let staff = match &session {
                Some((_, s)) => Some(staff::get(&mut conn, tenant.id, s.staff_id).await.map_err(|e| fail(e.into()))?),
                None => None,
            };
            (tenant, session, staff, logo)
        };
        let query_lang = lang::query_lang(parts.uri.query());
        // Staff read the console in any language, whatever the portal offers.
        let (lang, switched) =
            lang::choose(query_lang.as_deref(), &headers, None, &tenant.default_locale, &Locale::ALL);
        let cookies = CookiePolicy { secure: state.portal.secure_cookies };
        let mut set_cookies = Vec::new();
        if switched {
            set_cookies.push(cookies.set(lang::LANG_COOKIE, lang.tag(), Some(365 * 24 * 3600)));
        }
        let csrf = match &session {
            Some((_, s)) => s.csrf_token.clone(),
            None => match cookie(&headers, ANON_CSRF_COOKIE).filter(|t| t.len() == 64) {
                Some(t) => t.to_string(),
                None => {
                    let t = random_token();
                    set_cookies.push(cookies.set(ANON_CSRF_COOKIE, &t, None));
                    t
                }
            },
        };
        let base = format!("/c/{}", tenant.slug);
        // Below the nest the path may already be the console's own.
        let full = parts.uri.path();
        let path = full.strip_prefix(&base).unwrap_or(full);
        let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        let complete = session.as_ref().is_some_and(|(_, s)| !s.second_factor_due) && staff.is_some();
        let chrome = Chrome {
            lang,
            base,
            path,
            tenant_name: tenant.name.clone(),
            logo_url: match &logo {
                Some(sha) => Some(format!("/p/{}/logo?v={}", tenant.slug, sha.get(..12).unwrap_or(sha))),
                None => tenant.profile.logo_url.clone(),
            },
            csrf,
            signed_in: complete,
            staff_email: staff.as_ref().map(|s| s.email.clone()).unwrap_or_default(),
            role: staff.as_ref().filter(|_| complete).map(|s| s.role),
            title: String::new(),
            section: "",
        };
        Ok(Console {
            state: state.clone(),
            client: client_addr(&parts.extensions),
            tenant,
            chrome,
            session,
            staff,
            headers,
            cookies,
            set_cookies,
            now,
        })
    }
}

impl Console {
    pub fn lang(&self) -> Locale {
        self.chrome.lang
    }

    pub fn t(&self, id: &str) -> String {
        self.chrome.t(id)
    }

    pub fn chrome(&self, title_id: &str, section: &'static str) -> Chrome {
        let mut c = self.chrome.clone();
        c.title = c.t(title_id);
        c.section = section;
        c
    }

    pub fn check_csrf(&self, given: Option<&str>) -> PageResult<()> {
        check_csrf(&self.chrome.csrf, given)
    }

    /// The staff member signed in with every factor, or the way to the sign-in (or code) page.
    pub fn signed_in(&self) -> PageResult<&Staff> {
        match (&self.session, &self.staff) {
            (Some((_, s)), Some(staff)) if !s.second_factor_due => Ok(staff),
            (Some(_), Some(_)) => Err(PageError::Redirect(self.chrome.href("/sign-in/code"))),
            _ => Err(PageError::Redirect(self.chrome.href("/sign-in"))),
        }
    }

    /// The actor's name in the audit log.
    pub fn actor(&self) -> String {
        self.staff.as_ref().map_or_else(|| "anonymous".to_string(), |s| format!("staff:{}", s.email))
    }

    /// The staff member when their role allows `permission`; otherwise the refusal is written to
    /// the audit log and answered with a 403 page.
    pub async fn require(
        &self,
        permission: Permission,
        action: &str,
        target: Option<String>,
        customer: Option<CustomerId>,
    ) -> PageResult<&Staff> {
        let staff = self.signed_in()?;
        if staff.role.allows(permission) {
            return Ok(staff);
        }
        let mut conn = self.state.pool.acquire().await?;
        let actor = self.actor();
        staff::audit(
            &mut conn,
            self.tenant.id,
            &AuditEntry {
                staff: Some(staff.id),
                actor: &actor,
                action,
                outcome: "refused",
                target,
                customer,
                client: Some(&self.client),
                after: Some(serde_json::json!({ "role": staff.role })),
                ..AuditEntry::default()
            },
            self.now,
        )
        .await?;
        Err(forbidden())
    }

    /// Writes an audit line on `conn` (inside the action's transaction, so both commit together).
    #[allow(clippy::too_many_arguments)]
    pub async fn audit(
        &self,
        conn: &mut sqlx::PgConnection,
        action: &str,
        outcome: &str,
        target: Option<String>,
        customer: Option<CustomerId>,
        reason: Option<&str>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> PageResult<()> {
        let actor = self.actor();
        staff::audit(
            conn,
            self.tenant.id,
            &AuditEntry {
                staff: self.staff.as_ref().map(|s| s.id),
                actor: &actor,
                action,
                outcome,
                target,
                customer,
                reason,
                before,
                after,
                client: Some(&self.client),
            },
            self.now,
        )
        .await?;
        Ok(())
    }

    /// A page with the request's cookies.
    pub fn page(&self, template: &impl Template) -> Response {
        self.with_cookies(html(StatusCode::OK, self.lang(), template))
    }

    pub fn page_with(&self, status: StatusCode, template: &impl Template) -> Response {
        self.with_cookies(html(status, self.lang(), template))
    }

    pub fn finish(&self, result: PageResult<Response>) -> Response {
        let r = match result {
            Ok(r) => r,
            Err(e) => error_response(&self.chrome, e),
        };
        self.with_cookies(r)
    }

    pub fn with_cookies(&self, mut r: Response) -> Response {
        for c in &self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        r
    }

    /// Today in the merchant's time zone.
    pub fn tenant_today(&self) -> chrono::NaiveDate {
        self.now.with_timezone(&self.tenant.timezone).date_naive()
    }
}

/// 403: the role does not allow the action.
pub fn forbidden() -> PageError {
    PageError::Problem(Box::new(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "console-error-forbidden")))
}

#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage<'a> {
    pub c: &'a Chrome,
    pub message: String,
    pub status: u16,
}

/// A page error as a console page (or a redirect).
pub fn error_response(chrome: &Chrome, e: PageError) -> Response {
    match e {
        PageError::Redirect(to) => redirect(&to),
        PageError::Problem(e) => {
            if e.status.is_server_error() {
                tracing::error!(code = e.code, "console request failed");
            }
            let message = I18n::global().text(chrome.lang, e.message_id, &e.args);
            let mut c = chrome.clone();
            c.title = c.t(if e.status == StatusCode::FORBIDDEN {
                "console-error-forbidden-title"
            } else if e.status == StatusCode::NOT_FOUND {
                "console-error-not-found-title"
            } else {
                "console-error-title"
            });
            let mut r = html(e.status, chrome.lang, &ErrorPage { c: &c, message, status: e.status.as_u16() });
            if let Some(s) = e.retry_after {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        }
    }
}
