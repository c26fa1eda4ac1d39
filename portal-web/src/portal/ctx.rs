//! The portal request: tenant, page language, session and customer, resolved with one
//! connection that is given back before the handler runs (the embedded database has one).

use askama::Template;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::customer::Customer;
use billing_core::store::portal::{self as store, Session};
use billing_core::tenant::Tenant;
use chrono::{DateTime, Utc};

use crate::i18n::Locale;
use crate::state::AppState;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, error_page, html, text_on};
use crate::web::session::{ANON_CSRF_COOKIE, anonymous_csrf, check_csrf};
use crate::web::tenant::PortalBase;
use crate::web::{CookiePolicy, client_addr, lang};

pub struct Portal {
    pub state: AppState,
    pub tenant: Tenant,
    pub chrome: Chrome,
    /// The session's digest and row, when signed in.
    pub session: Option<(Vec<u8>, Session)>,
    pub customer: Option<Customer>,
    pub client: String,
    pub headers: HeaderMap,
    pub cookies: CookiePolicy,
    /// `Set-Cookie` values every response of this request carries.
    pub set_cookies: Vec<String>,
    /// When the request arrived (the app's clock).
    pub now: DateTime<Utc>,
    /// The request's `Host` header, port included (links on a tenant's own domain).
    pub host: Option<String>,
    pub custom_domain: bool,
}

impl FromRequestParts<AppState> for Portal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let slug = params.iter().find(|(k, _)| *k == "tenant").map(|(_, v)| v.to_string()).unwrap_or_default();
        let custom = parts.extensions.get::<PortalBase>().cloned();
        let now = state.clock.now();
        let headers = parts.headers.clone();
        let not_found = || {
            let lang =
                Locale::negotiate(None, headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()), None);
            let chrome = bare_chrome(lang);
            error_page(&chrome, PageError::not_found())
        };
        let internal = |e: billing_core::Error| {
            let chrome = bare_chrome(Locale::FALLBACK);
            error_page(&chrome, e.into())
        };
        // One connection for the lookups, returned before the handler runs. A signed-in visitor
        // of a tenant this process remembers costs one statement: the session with its customer
        // and the tenant's settings version, which must equal the remembered one (docs/adr/0055).
        // Otherwise two, as before the cache: the tenant with its page settings (offered languages,
        // the uploaded logo's digest; docs/adr/0039), then the session with its customer (issue
        // 15, docs/adr/0043).
        let digest = crate::web::session::session_digest(&headers);
        let (entry, signed_in) = {
            let mut conn = state.pool.acquire().await.map_err(|e| internal(e.into()))?;
            // The session as looked up with the remembered tenant's id, when it was.
            let mut looked_up = None;
            if let (Some(entry), Some(digest)) = (state.portal_tenants.get(&slug), digest.as_deref()) {
                let found =
                    store::session_with_customer(&mut conn, entry.tenant.id, digest, now).await.map_err(internal)?;
                looked_up = Some((entry, found));
            }
            match looked_up {
                Some((entry, Some((session, customer, version)))) if version == entry.settings_version => {
                    (entry, Some((session, customer)))
                }
                looked_up => {
                    let Some(loaded) = billing_core::store::tenants::get_by_slug_with_page_settings(&mut conn, &slug)
                        .await
                        .map_err(internal)?
                    else {
                        state.portal_tenants.forget(&slug);
                        return Err(not_found());
                    };
                    let entry = std::sync::Arc::new(loaded);
                    state.portal_tenants.put(&slug, entry.clone());
                    // A session looked up with the same tenant's id stays what it was (only the
                    // tenant's settings moved); else it is looked up now.
                    let signed_in = match (looked_up, digest.as_deref()) {
                        (Some((old, found)), _) if old.tenant.id == entry.tenant.id => found,
                        (_, Some(d)) => {
                            store::session_with_customer(&mut conn, entry.tenant.id, d, now).await.map_err(internal)?
                        }
                        (_, None) => None,
                    };
                    (entry, signed_in.map(|(session, customer, _)| (session, customer)))
                }
            }
        };
        let tenant = entry.tenant.clone();
        let (offered, logo) = (entry.offered_locales.clone(), entry.logo_sha256.clone());
        let (session, customer) = match (signed_in, digest) {
            (Some((session, customer)), Some(hash)) => (Some((hash, session)), Some(customer)),
            _ => (None, None),
        };
        let offered = lang::offered(offered.as_deref());
        let query_lang = lang::query_lang(parts.uri.query());
        let (lang, switched) = lang::choose(
            query_lang.as_deref(),
            &headers,
            customer.as_ref().map(|c| c.locale.as_str()),
            &tenant.default_locale,
            &offered,
        );
        let cookies = CookiePolicy { secure: state.portal.secure_cookies };
        let mut set_cookies = Vec::new();
        if switched {
            set_cookies.push(cookies.set(lang::LANG_COOKIE, lang.tag(), Some(365 * 24 * 3600)));
        }
        let csrf = match &session {
            Some((_, s)) => s.csrf_token.clone(),
            None => {
                let (token, new) = anonymous_csrf(&headers);
                if new {
                    set_cookies.push(cookies.set(ANON_CSRF_COOKIE, &token, None));
                }
                token
            }
        };
        let base = custom.as_ref().map_or_else(|| format!("/p/{}", tenant.slug), |b| b.0.clone());
        // An uploaded logo is served by the binary (`portal::logo`); else the https URL, if any.
        let logo_url = match &logo {
            Some(sha) => Some(format!("{base}/logo?v={}", sha.get(..12).unwrap_or(sha))),
            None => tenant.profile.logo_url.clone(),
        };
        let full_path = parts.uri.path();
        let prefix = format!("/p/{}", tenant.slug);
        let path = full_path.strip_prefix(&prefix).unwrap_or(full_path);
        let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        let signed_in = session.is_some() && customer.is_some();
        let chrome = Chrome {
            lang,
            base,
            path,
            tenant_name: tenant.name.clone(),
            brand_color: tenant.profile.brand_color.clone(),
            brand_text: text_on(&tenant.profile.brand_color),
            logo_url,
            offered,
            csrf,
            signed_in,
            flow: session.as_ref().and_then(|(_, s)| s.flow.clone()),
            return_url: session.as_ref().and_then(|(_, s)| s.return_url.clone()),
            title: String::new(),
            section: "",
        };
        Ok(Portal {
            state: state.clone(),
            client: client_addr(&parts.extensions),
            host: headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string),
            custom_domain: custom.is_some(),
            tenant,
            chrome,
            session: if signed_in { session } else { None },
            customer,
            headers,
            cookies,
            set_cookies,
            now,
        })
    }
}

/// A layout for errors before a tenant is known.
fn bare_chrome(lang: Locale) -> Chrome {
    Chrome {
        lang,
        base: String::new(),
        path: "/".into(),
        tenant_name: String::new(),
        brand_color: "#1a56db".into(),
        brand_text: "#ffffff",
        logo_url: None,
        offered: Vec::new(),
        csrf: String::new(),
        signed_in: false,
        flow: None,
        return_url: None,
        title: String::new(),
        section: "",
    }
}

impl Portal {
    /// The signed-in customer, or a redirect to the sign-in page.
    pub fn customer(&self) -> PageResult<&Customer> {
        self.customer
            .as_ref()
            .filter(|_| self.session.is_some())
            .ok_or_else(|| PageError::Redirect(self.chrome.href("/sign-in")))
    }

    /// Inside a merchant's single flow, only that flow's pages are open.
    pub fn allow(&self, flow_area: &str) -> PageResult<()> {
        match &self.chrome.flow {
            Some(f) if flow_root(f) != flow_area => Err(PageError::Redirect(self.chrome.href(flow_root(f)))),
            _ => Ok(()),
        }
    }

    pub fn lang(&self) -> Locale {
        self.chrome.lang
    }

    /// The chrome with a page title and the current navigation section.
    pub fn chrome(&self, title_id: &str, section: &'static str) -> Chrome {
        let mut c = self.chrome.clone();
        c.title = c.t(title_id);
        c.section = section;
        c
    }

    /// Checks a form's CSRF token.
    pub fn check_csrf(&self, given: Option<&str>) -> PageResult<()> {
        check_csrf(&self.chrome.csrf, given)
    }

    pub fn t(&self, id: &str) -> String {
        self.chrome.t(id)
    }

    /// A page with the request's cookies.
    pub fn page(&self, template: &impl Template) -> Response {
        self.with_cookies(html(StatusCode::OK, self.lang(), template))
    }

    /// The outcome of a handler: the response, or the error rendered as a page.
    pub fn finish(&self, result: PageResult<Response>) -> Response {
        let r = match result {
            Ok(r) => r,
            Err(e) => error_page(&self.chrome, e),
        };
        self.with_cookies(r)
    }

    fn with_cookies(&self, mut r: Response) -> Response {
        for c in &self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        r
    }

    /// Records a page view (best effort: analytics never fail a page). Queued for the batching
    /// writer (`page_view_writer`): the page spends no connection or round trip on it.
    pub fn viewed(&self, page: &str) {
        let view = store::PageView {
            tenant: self.tenant.id,
            customer: self.customer.as_ref().map(|c| c.id),
            page: page.to_string(),
            at: self.now,
        };
        self.state.page_views.send(&self.state.pool, view);
    }

    /// The absolute root of this tenant's portal, for links in mails and signed URLs.
    pub fn public_root(&self) -> String {
        portal_root(
            &self.state,
            &self.tenant.slug,
            if self.custom_domain { self.host.as_deref() } else { None },
            self.host.as_deref(),
        )
    }
}

/// The absolute root of a tenant's portal: its own domain when the request came on it, else the
/// configured public URL (or the request's host) and `/p/{slug}`.
pub fn portal_root(state: &AppState, slug: &str, custom_host: Option<&str>, request_host: Option<&str>) -> String {
    let scheme = if state.portal.secure_cookies { "https" } else { "http" };
    if let Some(h) = custom_host {
        return format!("{scheme}://{h}");
    }
    let server = state
        .portal
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("{scheme}://{}", request_host.unwrap_or("localhost")));
    format!("{server}/p/{slug}")
}

/// The flows a merchant's app can open, and the page each starts on.
pub const FLOWS: &[(&str, &str)] = &[
    ("payment_method_update", "/payment-methods"),
    ("subscription_update", "/subscriptions"),
    ("subscription_cancel", "/subscriptions"),
    ("invoice_pay", "/invoices"),
    ("billing_details", "/billing-details"),
];

pub fn flow_root(flow: &str) -> &'static str {
    FLOWS.iter().find(|(f, _)| *f == flow).map_or("/", |(_, p)| p)
}

/// A path id that may name nothing of this customer's: anything unparsable is simply not there.
#[derive(serde::Deserialize)]
pub struct IdPath {
    pub(super) id: String,
}

/// `?done=…` after a form: what the page confirms.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    pub(super) done: Option<String>,
}

/// Whether the tenant's cards are collected with the provider's browser SDK (a Stripe account
/// with a publishable key). A gateway that cannot be built leaves the typed form (and a log line).
pub(super) async fn browser_cards(ctx: &Portal) -> bool {
    let (pool, gateways) = (&ctx.state.pool, ctx.state.gateways.as_ref());
    match billing_core::service::method_setups::browser_account(pool, ctx.tenant.id, gateways, ctx.now).await {
        Ok(account) => account.is_some(),
        Err(e) => {
            tracing::warn!(error = %e, "the default gateway account could not be asked for its card form");
            false
        }
    }
}
