//! The language of a page: the `?lang=` switcher (remembered in the `portal_lang` cookie), then
//! the customer's stored preference, then `Accept-Language`, then the tenant's default language.

use axum::http::HeaderMap;

use crate::i18n::Locale;

pub const LANG_COOKIE: &str = "portal_lang";

/// The page language and whether the switcher asked for it (then the caller remembers it).
pub fn choose(
    query: Option<&str>,
    headers: &HeaderMap,
    customer_preference: Option<&str>,
    tenant_default: &str,
) -> (Locale, bool) {
    if let Some(l) = query.and_then(Locale::negotiate_tag) {
        return (l, true);
    }
    if let Some(l) = super::cookie(headers, LANG_COOKIE).and_then(Locale::from_tag) {
        return (l, false);
    }
    let accept = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    (Locale::negotiate(customer_preference, accept, Some(tenant_default)), false)
}

/// `lang=` from a query string.
pub fn query_lang(query: Option<&str>) -> Option<String> {
    query?.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == "lang").map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: Option<&str>, cookie: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = accept {
            h.insert(axum::http::header::ACCEPT_LANGUAGE, a.parse().unwrap());
        }
        if let Some(c) = cookie {
            h.insert(axum::http::header::COOKIE, format!("{LANG_COOKIE}={c}").parse().unwrap());
        }
        h
    }

    #[test]
    fn the_switcher_beats_the_preference_which_beats_the_browser_and_the_tenant() {
        assert_eq!(choose(Some("zh-CN"), &headers(Some("de"), None), Some("fr"), "en"), (Locale::ZhCn, true));
        assert_eq!(choose(None, &headers(Some("de"), Some("ja")), Some("fr"), "en").0, Locale::Ja);
        assert_eq!(choose(None, &headers(Some("de"), None), Some("fr"), "en").0, Locale::Fr);
        assert_eq!(choose(None, &headers(Some("de-AT"), None), None, "en").0, Locale::De);
        assert_eq!(choose(None, &headers(None, None), None, "pl").0, Locale::Pl);
        assert_eq!(choose(Some("xx"), &headers(None, None), None, "it").0, Locale::It);
        assert_eq!(query_lang(Some("a=1&lang=de")), Some("de".into()));
    }
}
