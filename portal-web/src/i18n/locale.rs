//! The shipped languages as a type, and choosing one: the customer's preference, then the
//! browser's Accept-Language, then the merchant's default, then English.

use std::fmt;

/// A language the portal, emails, documents and API messages ship in (`locales/<tag>/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    En,
    De,
    Fr,
    ZhCn,
    Es,
    It,
    Nl,
    Pl,
    PtBr,
    Ja,
}

impl Locale {
    /// Every shipped language; the first is the fallback. Same order as
    /// `billing_core::customer::SUPPORTED_LOCALES`, which stores customers' and merchants' choices.
    pub const ALL: [Locale; 10] = [
        Locale::En,
        Locale::De,
        Locale::Fr,
        Locale::ZhCn,
        Locale::Es,
        Locale::It,
        Locale::Nl,
        Locale::Pl,
        Locale::PtBr,
        Locale::Ja,
    ];

    /// The fallback language when nothing else matches.
    pub const FALLBACK: Locale = Locale::En;

    /// The BCP 47 tag, which is also the folder under `locales/` and what the database stores.
    pub const fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::ZhCn => "zh-CN",
            Locale::Es => "es",
            Locale::It => "it",
            Locale::Nl => "nl",
            Locale::Pl => "pl",
            Locale::PtBr => "pt-BR",
            Locale::Ja => "ja",
        }
    }

    /// A shipped language by its exact tag (`zh-CN`, not `zh`); see [`Locale::negotiate_tag`]
    /// for matching what users and browsers send.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The best shipped language for one requested tag (`de-AT` -> de, `zh-Hans` -> zh-CN,
    /// `pt` -> pt-BR). billing-core owns the matching rule, since it validates stored locales.
    pub fn negotiate_tag(tag: &str) -> Option<Locale> {
        billing_core::customer::match_locale(tag).and_then(Locale::from_tag)
    }

    /// The best shipped language for an Accept-Language header (`de-AT,de;q=0.9,en;q=0.5`), or
    /// `None` when it names none of them.
    pub fn negotiate_accept_language(header: &str) -> Option<Locale> {
        Self::negotiate_accept_language_among(header, &Locale::ALL)
    }

    /// As [`Locale::negotiate_accept_language`], choosing only among `offered` (the languages a
    /// tenant's portal offers): the best-ranked tag that matches one of them.
    pub fn negotiate_accept_language_among(header: &str, offered: &[Locale]) -> Option<Locale> {
        let mut ranked: Vec<(u32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).map(parse_quality).unwrap_or(1000);
                (!tag.is_empty() && tag != "*" && q > 0).then_some((q, i, tag))
            })
            .collect();
        // Highest quality first; equal qualities keep the order the client wrote them in.
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.iter().find_map(|(_, _, tag)| Locale::negotiate_tag(tag).filter(|l| offered.contains(l)))
    }

    /// The language for a customer-facing page, email or document: the customer's stored
    /// preference, else what their browser asks for, else the merchant's default, else English.
    pub fn negotiate(customer: Option<&str>, accept_language: Option<&str>, tenant_default: Option<&str>) -> Locale {
        customer
            .and_then(Locale::negotiate_tag)
            .or_else(|| accept_language.and_then(Locale::negotiate_accept_language))
            .or_else(|| tenant_default.and_then(Locale::negotiate_tag))
            .unwrap_or(Locale::FALLBACK)
    }

    /// The ICU4X locale whose CLDR data formats numbers and dates for this language. The bare
    /// language tags resolve to CLDR's default region (en -> US, de -> DE, pt -> BR, ja -> JP).
    pub fn icu(self) -> icu_locale_core::Locale {
        use icu_locale_core::locale;
        match self {
            Locale::En => locale!("en"),
            Locale::De => locale!("de"),
            Locale::Fr => locale!("fr"),
            Locale::ZhCn => locale!("zh-CN"),
            Locale::Es => locale!("es"),
            Locale::It => locale!("it"),
            Locale::Nl => locale!("nl"),
            Locale::Pl => locale!("pl"),
            Locale::PtBr => locale!("pt-BR"),
            Locale::Ja => locale!("ja"),
        }
    }

    /// Position in [`Locale::ALL`] (for per-language tables).
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// An Accept-Language quality value in thousandths ("0.8" -> 800), without floats.
fn parse_quality(q: &str) -> u32 {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let int: u32 = int.parse().unwrap_or(0);
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    (int.saturating_mul(1000).saturating_add(frac.parse::<u32>().unwrap_or(0))).min(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_languages_are_the_ones_billing_core_stores() {
        let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
        assert_eq!(tags, billing_core::customer::SUPPORTED_LOCALES);
        for (i, l) in Locale::ALL.iter().enumerate() {
            assert_eq!(l.index(), i);
            assert_eq!(Locale::from_tag(l.tag()), Some(*l));
        }
    }

    #[test]
    fn accept_language_is_negotiated_by_quality_across_all_ten() {
        let n = |h: &str| Locale::negotiate_accept_language(h);
        assert_eq!(n("de-AT,de;q=0.9,en;q=0.5"), Some(Locale::De));
        assert_eq!(n("ko,fr;q=0.8,en;q=0.7"), Some(Locale::Fr));
        assert_eq!(n("en;q=0.2,zh-CN;q=0.9"), Some(Locale::ZhCn));
        assert_eq!(n("ja-JP,ja;q=0.9"), Some(Locale::Ja));
        assert_eq!(n("pt-PT;q=0.4,nl-BE;q=0.5"), Some(Locale::Nl));
        assert_eq!(n("pt"), Some(Locale::PtBr));
        assert_eq!(n("es-419"), Some(Locale::Es));
        assert_eq!(n("it-CH, pl;q=1.0"), Some(Locale::It));
        assert_eq!(n("pl;q=0.3, *;q=0.5"), Some(Locale::Pl));
        assert_eq!(n("ko"), None);
        assert_eq!(n("de;q=0"), None);
        assert_eq!(n(""), None);
        assert_eq!(n(";;;,q=,de;q=abc,fr;q=0.5"), Some(Locale::Fr), "a malformed quality excludes only its entry");
    }

    #[test]
    fn the_customer_comes_first_then_the_browser_then_the_merchant() {
        assert_eq!(Locale::negotiate(Some("ja"), Some("de"), Some("fr")), Locale::Ja);
        assert_eq!(Locale::negotiate(Some("tlh"), Some("de"), Some("fr")), Locale::De);
        assert_eq!(Locale::negotiate(None, Some("ko,it;q=0.1"), Some("fr")), Locale::It);
        assert_eq!(Locale::negotiate(None, Some("ko"), Some("pl")), Locale::Pl);
        assert_eq!(Locale::negotiate(None, None, Some("pt-BR")), Locale::PtBr);
        assert_eq!(Locale::negotiate(None, None, None), Locale::En);
    }
}
