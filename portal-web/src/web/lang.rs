//! The language of a page: the `?lang=` switcher (remembered in the `portal_lang` cookie), then
//! the customer's stored preference, then `Accept-Language`, then the tenant's default language;
//! each only among the languages the tenant's portal offers (docs/adr/0039).

use axum::http::HeaderMap;

use crate::i18n::Locale;

pub const LANG_COOKIE: &str = "portal_lang";

/// The page language and whether the switcher asked for it (then the caller remembers it).
/// `offered` are the tenant's portal languages (empty: all); a choice outside them falls
/// through to the next source, and finally to the tenant's default.
pub fn choose(
    query: Option<&str>,
    headers: &HeaderMap,
    customer_preference: Option<&str>,
    tenant_default: &str,
    offered: &[Locale],
) -> (Locale, bool) {
    let offered = if offered.is_empty() { &Locale::ALL[..] } else { offered };
    let ok = |l: &Locale| offered.contains(l);
    if let Some(l) = query.and_then(Locale::negotiate_tag).filter(ok) {
        return (l, true);
    }
    if let Some(l) = super::cookie(headers, LANG_COOKIE).and_then(Locale::from_tag).filter(ok) {
        return (l, false);
    }
    if let Some(l) = customer_preference.and_then(Locale::negotiate_tag).filter(ok) {
        return (l, false);
    }
    let accept = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    if let Some(l) = accept.and_then(|a| Locale::negotiate_accept_language_among(a, offered)) {
        return (l, false);
    }
    (Locale::negotiate_tag(tenant_default).unwrap_or(Locale::FALLBACK), false)
}

/// The offered languages from their stored tags (`None` or nothing known: all).
pub fn offered(tags: Option<&[String]>) -> Vec<Locale> {
    let list: Vec<Locale> = tags.unwrap_or_default().iter().filter_map(|t| Locale::from_tag(t)).collect();
    if list.is_empty() { Locale::ALL.to_vec() } else { list }
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
        let all = &Locale::ALL;
        assert_eq!(choose(Some("zh-CN"), &headers(Some("de"), None), Some("fr"), "en", all), (Locale::ZhCn, true));
        assert_eq!(choose(None, &headers(Some("de"), Some("ja")), Some("fr"), "en", all).0, Locale::Ja);
        assert_eq!(choose(None, &headers(Some("de"), None), Some("fr"), "en", all).0, Locale::Fr);
        assert_eq!(choose(None, &headers(Some("de-AT"), None), None, "en", all).0, Locale::De);
        assert_eq!(choose(None, &headers(None, None), None, "pl", all).0, Locale::Pl);
        assert_eq!(choose(Some("xx"), &headers(None, None), None, "it", all).0, Locale::It);
        assert_eq!(query_lang(Some("a=1&lang=de")), Some("de".into()));
    }

    #[test]
    fn every_source_stays_within_the_offered_languages() {
        let offered = [Locale::En, Locale::De];
        // ?lang=fr, a ja cookie, a fr preference: none offered; the browser's second choice is.
        let h = headers(Some("fr-FR,fr;q=0.9,de;q=0.8"), Some("ja"));
        assert_eq!(choose(Some("fr"), &h, Some("fr"), "en", &offered), (Locale::De, false));
        // Nothing offered asked for: the tenant's default.
        assert_eq!(choose(None, &headers(Some("zh-CN"), None), Some("pl"), "en", &offered).0, Locale::En);
        assert_eq!(choose(Some("de"), &headers(None, None), None, "en", &offered), (Locale::De, true));
        assert_eq!(offered_from(None), Locale::ALL.to_vec());
        assert_eq!(offered_from(Some(&["de".to_string(), "en".to_string()][..])), vec![Locale::De, Locale::En]);
    }

    fn offered_from(tags: Option<&[String]>) -> Vec<Locale> {
        offered(tags)
    }
}
