//! Localization with Fluent: bundles for every shipped language built from `locales/`, language
//! negotiation from Accept-Language or a locale tag, and message formatting.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// Shipped languages, the first is the fallback.
pub const LANGUAGES: &[&str] = &["en", "de", "fr", "zh-CN"];

/// The Fluent sources, compiled into the binary so a deployment is one file.
const SOURCES: &[(&str, &str, &str)] = &[
    ("en", "errors", include_str!("../../locales/en/errors.ftl")),
    ("en", "cli", include_str!("../../locales/en/cli.ftl")),
    ("de", "errors", include_str!("../../locales/de/errors.ftl")),
    ("de", "cli", include_str!("../../locales/de/cli.ftl")),
    ("fr", "errors", include_str!("../../locales/fr/errors.ftl")),
    ("fr", "cli", include_str!("../../locales/fr/cli.ftl")),
    ("zh-CN", "errors", include_str!("../../locales/zh-CN/errors.ftl")),
    ("zh-CN", "cli", include_str!("../../locales/zh-CN/cli.ftl")),
    ("en", "documents", include_str!("../../locales/en/documents.ftl")),
    ("de", "documents", include_str!("../../locales/de/documents.ftl")),
    ("fr", "documents", include_str!("../../locales/fr/documents.ftl")),
    ("zh-CN", "documents", include_str!("../../locales/zh-CN/documents.ftl")),
    ("en", "einvoice", include_str!("../../locales/en/einvoice.ftl")),
    ("de", "einvoice", include_str!("../../locales/de/einvoice.ftl")),
    ("fr", "einvoice", include_str!("../../locales/fr/einvoice.ftl")),
    ("zh-CN", "einvoice", include_str!("../../locales/zh-CN/einvoice.ftl")),
];

pub struct I18n {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n").field("languages", &LANGUAGES).finish()
    }
}

impl I18n {
    /// The process-wide catalog (parsed once).
    pub fn global() -> &'static I18n {
        static CATALOG: OnceLock<I18n> = OnceLock::new();
        CATALOG.get_or_init(|| I18n::load().expect("shipped Fluent files parse"))
    }

    pub fn load() -> Result<Self, String> {
        let mut bundles = HashMap::new();
        for lang in LANGUAGES {
            let id: LanguageIdentifier = lang.parse().map_err(|e| format!("{lang}: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks: messages end up in JSON and terminals, not mixed-direction UI.
            bundle.set_use_isolating(false);
            for (l, area, text) in SOURCES.iter().filter(|(l, _, _)| l == lang) {
                let res = FluentResource::try_new(text.to_string())
                    .map_err(|(_, errs)| format!("locales/{l}/{area}.ftl: {errs:?}"))?;
                bundle.add_resource(res).map_err(|errs| format!("locales/{l}/{area}.ftl: {errs:?}"))?;
            }
            bundles.insert(*lang, bundle);
        }
        Ok(Self { bundles })
    }

    /// Formats message `id` in `lang`, falling back to English, then to the id itself.
    pub fn message(&self, lang: &str, id: &str, args: &[(&str, String)]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, FluentValue::from(v.clone()));
        }
        for l in [lang, LANGUAGES[0]] {
            let Some(bundle) = self.bundles.get(l) else {
                continue;
            };
            let Some(msg) = bundle.get_message(id) else {
                continue;
            };
            let Some(pattern) = msg.value() else { continue };
            let mut errors = vec![];
            let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
            if errors.is_empty() {
                return text.into_owned();
            }
            tracing::warn!(id, lang = l, ?errors, "Fluent formatting error");
        }
        id.to_string()
    }

    /// Message ids of one language (for the completeness test).
    pub fn ids(&self, lang: &str) -> Vec<String> {
        SOURCES
            .iter()
            .filter(|(l, _, _)| *l == lang)
            .flat_map(|(_, _, text)| {
                text.lines()
                    .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
                    .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_string()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Picks the best shipped language for an Accept-Language header (`de-AT,de;q=0.9,en;q=0.5`).
pub fn negotiate_accept_language(header: Option<&str>) -> &'static str {
    let Some(header) = header else {
        return LANGUAGES[0];
    };
    let mut ranked: Vec<(u32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).map(parse_quality).unwrap_or(1000);
            (!tag.is_empty() && q > 0).then_some((q, i, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.iter().find_map(|(_, _, tag)| negotiate_tag(tag)).unwrap_or(LANGUAGES[0])
}

/// Maps one language tag to a shipped language (`de-CH` -> `de`, `zh-Hans` -> `zh-CN`).
pub fn negotiate_tag(tag: &str) -> Option<&'static str> {
    billing_core::customer::match_locale(tag)
}

/// An Accept-Language quality value in thousandths ("0.8" -> 800), without floats.
fn parse_quality(q: &str) -> u32 {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let int: u32 = int.parse().unwrap_or(0);
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    (int * 1000 + frac.parse::<u32>().unwrap_or(0)).min(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_english_message() {
        let i18n = I18n::load().unwrap();
        let en = i18n.ids("en");
        assert!(en.len() > 20);
        for lang in &LANGUAGES[1..] {
            let ids = i18n.ids(lang);
            for id in &en {
                assert!(ids.contains(id), "{lang} lacks {id}");
            }
        }
    }

    #[test]
    fn messages_format_with_arguments_in_each_language() {
        let i18n = I18n::load().unwrap();
        let args = [("value", "XYZ".to_string())];
        assert!(i18n.message("en", "error-unknown-currency", &args).contains("“XYZ” is not a known currency"));
        assert!(i18n.message("de", "error-unknown-currency", &args).contains("keine bekannte Währung"));
        assert!(i18n.message("fr", "error-unknown-currency", &args).contains("devise"));
        assert!(i18n.message("zh-CN", "error-unknown-currency", &args).contains("货币"));
        let nf = [("resource", "invoice".to_string()), ("id", "in_1".to_string())];
        assert_eq!(i18n.message("de", "error-not-found", &nf), "Es gibt keine Rechnung mit der ID „in_1“.");
    }

    #[test]
    fn accept_language_is_negotiated_by_quality() {
        assert_eq!(negotiate_accept_language(None), "en");
        assert_eq!(negotiate_accept_language(Some("de-AT,de;q=0.9,en;q=0.5")), "de");
        assert_eq!(negotiate_accept_language(Some("ja,fr;q=0.8,en;q=0.7")), "fr");
        assert_eq!(negotiate_accept_language(Some("en;q=0.2,zh-CN;q=0.9")), "zh-CN");
        assert_eq!(negotiate_accept_language(Some("ja")), "en");
        assert_eq!(negotiate_accept_language(Some("de;q=0")), "en");
    }
}
