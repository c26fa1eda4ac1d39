//! Localization: the Fluent catalog built from `locales/` for the ten shipped languages, language
//! negotiation ([`Locale`]), and CLDR formatting of amounts, numbers, percentages and dates
//! through ICU4X ([`format`]).

pub mod format;
mod locale;
mod provider;

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use locale::Locale;

/// Shipped language tags, the first is the fallback (the string form of [`Locale::ALL`]).
pub const LANGUAGES: &[&str] = billing_core::customer::SUPPORTED_LOCALES;

/// The Fluent areas every language has: one file `locales/<lang>/<area>.ftl` each.
pub const AREAS: &[&str] = &["common", "errors", "cli", "documents", "portal", "mail", "console", "analytics"];

/// The Fluent sources of one language, compiled into the binary so a deployment is one file.
macro_rules! language {
    ($lang:literal) => {
        (
            $lang,
            [
                ("common", include_str!(concat!("../../../locales/", $lang, "/common.ftl"))),
                ("errors", include_str!(concat!("../../../locales/", $lang, "/errors.ftl"))),
                ("cli", include_str!(concat!("../../../locales/", $lang, "/cli.ftl"))),
                ("documents", include_str!(concat!("../../../locales/", $lang, "/documents.ftl"))),
                ("portal", include_str!(concat!("../../../locales/", $lang, "/portal.ftl"))),
                ("mail", include_str!(concat!("../../../locales/", $lang, "/mail.ftl"))),
                ("console", include_str!(concat!("../../../locales/", $lang, "/console.ftl"))),
                ("analytics", include_str!(concat!("../../../locales/", $lang, "/analytics.ftl"))),
            ],
        )
    };
}

type Sources = (&'static str, [(&'static str, &'static str); 8]);

const SOURCES: [Sources; 10] = [
    language!("en"),
    language!("de"),
    language!("fr"),
    language!("zh-CN"),
    language!("es"),
    language!("it"),
    language!("nl"),
    language!("pl"),
    language!("pt-BR"),
    language!("ja"),
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
        for (lang, areas) in SOURCES {
            let id: LanguageIdentifier = lang.parse().map_err(|e| format!("{lang}: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks: messages end up in JSON and terminals, not mixed-direction UI.
            bundle.set_use_isolating(false);
            for (area, text) in areas {
                let res = FluentResource::try_new(text.to_string())
                    .map_err(|(_, errs)| format!("locales/{lang}/{area}.ftl: {errs:?}"))?;
                bundle.add_resource(res).map_err(|errs| format!("locales/{lang}/{area}.ftl: {errs:?}"))?;
            }
            bundles.insert(lang, bundle);
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

    /// [`I18n::message`] for a typed language.
    pub fn text(&self, locale: Locale, id: &str, args: &[(&str, String)]) -> String {
        self.message(locale.tag(), id, args)
    }

    /// Formats message `id` in exactly `lang`, returning Fluent's errors instead of falling back
    /// (for the catalog tests: a translation that drops or misnames a variable shows here).
    pub fn message_strict(&self, lang: &str, id: &str, args: &[(&str, String)]) -> Result<String, String> {
        let bundle = self.bundles.get(lang).ok_or_else(|| format!("no language {lang}"))?;
        let pattern = bundle.get_message(id).and_then(|m| m.value()).ok_or_else(|| format!("{lang} lacks {id}"))?;
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, FluentValue::from(v.clone()));
        }
        let mut errors = vec![];
        let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors).into_owned();
        if errors.is_empty() { Ok(text) } else { Err(format!("{lang} {id}: {errors:?}")) }
    }

    /// The Fluent source files of one language as `(area, text)`, for tests that read them.
    pub fn sources(lang: &str) -> impl Iterator<Item = (&'static str, &'static str)> {
        SOURCES.iter().filter(move |(l, _)| *l == lang).flat_map(|(_, areas)| areas.iter().copied())
    }
}

impl Locale {
    /// The language's name in itself (`Deutsch`, `日本語`), as a language switcher lists it.
    pub fn native_name(self) -> String {
        I18n::global().text(self, "language-name", &[])
    }
}

/// Picks the best shipped language for an Accept-Language header (`de-AT,de;q=0.9,en;q=0.5`),
/// English when it names none.
pub fn negotiate_accept_language(header: Option<&str>) -> &'static str {
    header.and_then(Locale::negotiate_accept_language).unwrap_or(Locale::FALLBACK).tag()
}

/// Maps one language tag to a shipped language (`de-CH` -> `de`, `zh-Hans` -> `zh-CN`).
pub fn negotiate_tag(tag: &str) -> Option<&'static str> {
    Locale::negotiate_tag(tag).map(Locale::tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_format_with_arguments_in_each_language() {
        let i18n = I18n::load().unwrap();
        let args = [("value", "XYZ".to_string())];
        assert!(i18n.message("en", "error-unknown-currency", &args).contains("“XYZ” is not a known currency"));
        assert!(i18n.message("de", "error-unknown-currency", &args).contains("keine bekannte Währung"));
        assert!(i18n.message("fr", "error-unknown-currency", &args).contains("devise"));
        assert!(i18n.message("zh-CN", "error-unknown-currency", &args).contains("货币"));
        assert!(i18n.message("ja", "error-unknown-currency", &args).contains("通貨"));
        assert!(i18n.message("pl", "error-unknown-currency", &args).contains("walut"));
        let nf = [("resource", "invoice".to_string()), ("id", "in_1".to_string())];
        assert_eq!(i18n.message("de", "error-not-found", &nf), "Es gibt keine Rechnung mit der ID „in_1“.");
        assert_eq!(i18n.message("ko", "error-not-found", &nf), "No invoice exists with the id “in_1”.");
    }

    #[test]
    fn a_language_switcher_lists_each_language_in_itself() {
        let names: Vec<String> = Locale::ALL.iter().map(|l| l.native_name()).collect();
        assert_eq!(
            names,
            [
                "English",
                "Deutsch",
                "Français",
                "简体中文",
                "Español",
                "Italiano",
                "Nederlands",
                "Polski",
                "Português (Brasil)",
                "日本語"
            ]
        );
    }

    #[test]
    fn accept_language_falls_back_to_english() {
        assert_eq!(negotiate_accept_language(None), "en");
        assert_eq!(negotiate_accept_language(Some("de-AT,de;q=0.9,en;q=0.5")), "de");
        assert_eq!(negotiate_accept_language(Some("ja")), "ja");
        assert_eq!(negotiate_accept_language(Some("pt-BR")), "pt-BR");
        assert_eq!(negotiate_accept_language(Some("ko")), "en");
        assert_eq!(negotiate_accept_language(Some("de;q=0")), "en");
        assert_eq!(negotiate_tag("zh-Hans"), Some("zh-CN"));
    }
}
