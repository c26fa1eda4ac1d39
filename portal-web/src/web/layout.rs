//! The askama base layout every page extends: the tenant's name, logo and brand colour, the
//! navigation (hidden inside a single flow), the language switcher and the sign-out form. Pages
//! get their text through [`Chrome::t`] (Fluent, in the page's language); amounts and dates come
//! formatted from `i18n::format` (ICU4X).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::PageError;
use crate::i18n::{I18n, Locale};

/// What the layout needs to know about the request.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Locale,
    /// The portal's root: `/p/{slug}` on the shared host, empty on the tenant's own domain.
    pub base: String,
    /// The current path below `base` (for the language switcher's links).
    pub path: String,
    pub tenant_name: String,
    pub brand_color: String,
    /// Black or white, whichever reads better on the brand colour (WCAG contrast).
    pub brand_text: &'static str,
    pub logo_url: Option<String>,
    /// The session's CSRF token (or the anonymous one from the `portal_csrf` cookie).
    pub csrf: String,
    pub signed_in: bool,
    /// Inside a flow opened by a merchant's app: no navigation, a way back to `return_url`.
    pub flow: Option<String>,
    pub return_url: Option<String>,
    pub title: String,
    /// Which navigation entry is current (`overview`, `invoices`, ...).
    pub section: &'static str,
    /// The languages the tenant's portal offers: the switcher shows only these (docs/adr/0039).
    pub offered: Vec<Locale>,
}

pub struct LanguageLink {
    pub tag: &'static str,
    pub name: String,
    pub current: bool,
}

impl Chrome {
    /// Message `id` in the page's language.
    pub fn t(&self, id: &str) -> String {
        I18n::global().text(self.lang, id, &[])
    }

    /// Message `id` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        I18n::global().text(self.lang, id, &[(name, value.to_string())])
    }

    /// Message `id` with two arguments.
    pub fn t2(&self, id: &str, n1: &str, v1: &str, n2: &str, v2: &str) -> String {
        I18n::global().text(self.lang, id, &[(n1, v1.to_string()), (n2, v2.to_string())])
    }

    /// A fresh once-only token for a form that changes something (see `web::session`).
    pub fn nonce(&self) -> String {
        super::session::form_nonce()
    }

    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// A link inside the portal.
    pub fn href(&self, path: &str) -> String {
        match (path, self.base.is_empty()) {
            ("/", false) => self.base.clone(),
            _ => format!("{}{path}", self.base),
        }
    }

    pub fn languages(&self) -> Vec<LanguageLink> {
        let offered = if self.offered.is_empty() { &Locale::ALL[..] } else { &self.offered[..] };
        offered.iter().map(|l| LanguageLink { tag: l.tag(), name: l.native_name(), current: *l == self.lang }).collect()
    }

    pub fn nav(&self) -> Vec<(String, String, bool)> {
        [
            ("overview", "/", "portal-nav-overview"),
            ("invoices", "/invoices", "portal-nav-invoices"),
            ("payment-methods", "/payment-methods", "portal-nav-payment-methods"),
            ("billing-details", "/billing-details", "portal-nav-billing-details"),
            ("help", "/help", "portal-nav-help"),
            ("account", "/account", "portal-nav-account"),
        ]
        .into_iter()
        .map(|(section, path, id)| (self.href(path), self.t(id), section == self.section))
        .collect()
    }
}

/// The text colour with the better contrast on `#rrggbb` (relative luminance, WCAG 2.x).
#[allow(clippy::float_arithmetic)] // colour contrast, not money
pub fn text_on(color: &str) -> &'static str {
    let channel = |i: usize| {
        let v = u8::from_str_radix(color.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    let l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with white: 1.05 / (l + 0.05); with black: (l + 0.05) / 0.05.
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 { "#ffffff" } else { "#111111" }
}

/// Renders a template as an HTML response in the page's language.
pub fn html(status: StatusCode, lang: Locale, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut r = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            if let Ok(v) = HeaderValue::from_str(lang.tag()) {
                r.headers_mut().insert(header::CONTENT_LANGUAGE, v);
            }
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; form-action 'self' https:; frame-ancestors 'none'",
                ),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "error")
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "portal/error.html")]
pub struct ErrorPage<'a> {
    pub c: &'a Chrome,
    pub message: String,
}

/// A page error as a page (or a redirect).
pub fn error_page(chrome: &Chrome, e: PageError) -> Response {
    match e {
        PageError::Redirect(to) => redirect(&to),
        PageError::Problem(e) => {
            if e.status.is_server_error() {
                tracing::error!(code = e.code, "portal request failed");
            }
            let message = I18n::global().text(chrome.lang, e.message_id, &e.args);
            let mut c = chrome.clone();
            c.title = c.t("portal-error-title");
            let mut r = html(e.status, chrome.lang, &ErrorPage { c: &c, message });
            if let Some(s) = e.retry_after {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        }
    }
}

/// 303 See Other: after a form, the browser fetches the result with GET.
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_the_brand_colour_keeps_contrast() {
        assert_eq!(text_on("#1a56db"), "#ffffff");
        assert_eq!(text_on("#ffd400"), "#111111");
        assert_eq!(text_on("#000000"), "#ffffff");
    }
}
