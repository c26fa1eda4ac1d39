//! Amounts, numbers, percentages, dates and currency names as CLDR writes them for each shipped
//! language, through ICU4X and its compiled CLDR data (docs/adr/0017).
//!
//! Money is formatted from its integer minor units: ICU4X gets a fixed decimal built from the
//! integer and the ISO exponent (no float anywhere), and prints exactly the ISO number of decimals
//! (see `provider`). Formatters are built once per language (and per currency) and shared.
//! Nothing here panics: should ICU4X refuse a value, the plain form is printed and a warning logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use billing_core::currency::Currency;
use billing_core::money::Money;
use chrono::{Datelike, NaiveDate};
use fixed_decimal::Decimal as FixedDecimal;
use icu_calendar::{Date, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::dimension::percent::formatter::PercentFormatter;
use icu_experimental::dimension::provider::currency::displayname::CurrencyDisplaynameV1;
use icu_experimental::dimension::provider::currency::symbols::CurrencySymbolsV1;
use icu_provider::prelude::*;
use rust_decimal::Decimal;
use writeable::Writeable;

use super::Locale;
use super::provider::ExactDigits;

/// The formatters of one language that do not depend on a currency.
struct LocaleFormats {
    decimal: DecimalFormatter,
    percent: PercentFormatter<DecimalFormatter>,
    date_medium: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    date_long: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
}

impl LocaleFormats {
    fn load(locale: Locale) -> Result<Self, String> {
        let icu = locale.icu();
        Ok(Self {
            decimal: DecimalFormatter::try_new((&icu).into(), Default::default()).map_err(|e| e.to_string())?,
            percent: PercentFormatter::try_new((&icu).into(), Default::default()).map_err(|e| e.to_string())?,
            date_medium: FixedCalendarDateTimeFormatter::try_new((&icu).into(), YMD::medium())
                .map_err(|e| e.to_string())?,
            date_long: FixedCalendarDateTimeFormatter::try_new((&icu).into(), YMD::long())
                .map_err(|e| e.to_string())?,
        })
    }
}

fn formats(locale: Locale) -> Option<&'static LocaleFormats> {
    static FORMATS: [OnceLock<Option<LocaleFormats>>; 10] = [const { OnceLock::new() }; 10];
    FORMATS[locale.index()]
        .get_or_init(|| {
            LocaleFormats::load(locale)
                .inspect_err(|e| tracing::warn!(%locale, error = %e, "ICU4X formatters unavailable"))
                .ok()
        })
        .as_ref()
}

type MoneyFormatter = CurrencyFormatter<DecimalFormatter>;

/// How the currency is named next to the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Sign {
    /// The locale's sign (`€`, `US$`), the ISO code where CLDR has none.
    Symbol,
    /// Always the ISO code, placed as the locale places a sign (`EUR 1,234.56`, `1.234,56 EUR`).
    Code,
}

/// The currency formatter for one (language, currency, sign), built on first use.
fn currency_formatter(locale: Locale, currency: Currency, sign: Sign) -> Option<Arc<MoneyFormatter>> {
    type Cache = Mutex<HashMap<(Locale, &'static str, Sign), Arc<MoneyFormatter>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (locale, currency.code(), sign);
    // A poisoned lock only means another thread panicked while inserting; the map is still whole.
    if let Some(f) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Some(f.clone());
    }
    let built = CurrencyType::try_from_str(currency.code()).map_err(|e| format!("{e:?}")).and_then(|code| {
        let exact = ExactDigits { digits: u8::try_from(currency.exponent()).unwrap_or(u8::MAX) };
        let prefs = (&locale.icu()).into();
        match sign {
            Sign::Symbol => CurrencyFormatter::try_new_symbol_unstable(&exact, prefs, code, Default::default()),
            Sign::Code => CurrencyFormatter::try_new_code_unstable(&exact, prefs, code, Default::default()),
        }
        .map_err(|e| e.to_string())
    });
    match built {
        Ok(f) => {
            let f = Arc::new(f);
            cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, f.clone());
            Some(f)
        }
        Err(e) => {
            tracing::warn!(%locale, currency = currency.code(), error = %e, "no ICU4X currency formatter");
            None
        }
    }
}

/// Minor units as the exact decimal they stand for (12345 EUR cents -> 123.45).
fn fixed_from_minor(minor: i64, exponent: u32) -> FixedDecimal {
    let mut d = FixedDecimal::from(minor);
    d.multiply_pow10(-i16::try_from(exponent).unwrap_or(i16::MAX));
    d
}

/// A `rust_decimal` as the same exact fixed decimal, without trailing fraction zeros.
fn fixed_from_decimal(v: Decimal) -> FixedDecimal {
    let v = v.normalize();
    let mut d = FixedDecimal::from(v.mantissa());
    d.multiply_pow10(-i16::try_from(v.scale()).unwrap_or(i16::MAX));
    d
}

/// A money amount with its currency sign where CLDR puts it (`1.234,56 €`, `€1,234.56`,
/// `CHF 1,234.56`, `￥1,234`), with exactly the currency's ISO decimals.
pub fn money(m: Money, locale: Locale) -> String {
    money_with(m, locale, Sign::Symbol)
}

/// A money amount with the ISO code in the place of the sign (`KRW 123,456`, `1.234,56 ILS`):
/// for a medium that cannot draw the sign (the PDF font has no ₩, ₪ or ₹).
pub fn money_with_code(m: Money, locale: Locale) -> String {
    money_with(m, locale, Sign::Code)
}

fn money_with(m: Money, locale: Locale, sign: Sign) -> String {
    match currency_formatter(locale, m.currency(), sign) {
        Some(f) => f.format_fixed_decimal(&fixed_from_minor(m.minor(), m.currency().exponent())).to_string(),
        // "12.34 EUR": exact, unambiguous, if not localized.
        None => m.to_string(),
    }
}

/// A plain decimal (a quantity, an exchange rate) with the locale's separators and grouping, no
/// trailing zeros (`1.234,5`).
pub fn decimal(v: Decimal, locale: Locale) -> String {
    match formats(locale) {
        Some(f) => f.decimal.format(&fixed_from_decimal(v)).to_string(),
        None => v.normalize().to_string(),
    }
}

/// ECB reference rates the way the ECB quotes them, units per one euro with the digits as
/// published: `1 EUR = 163.03 JPY` (de `1 EUR = 163,03 JPY`). For a conversion between two other
/// currencies both quotes of the day: `1 EUR = 1.0800 USD = 4.2675 PLN`. Each entry is a currency
/// and its rate per euro; the euro itself is left out.
pub fn ecb_rates(quotes: &[(Currency, Decimal)], locale: Locale) -> String {
    let mut out = "1\u{a0}EUR".to_string();
    for (currency, per_eur) in quotes.iter().filter(|(c, _)| *c != Currency::EUR) {
        out.push_str(&format!(" = {}\u{a0}{}", decimal_as_published(*per_eur, locale), currency.code()));
    }
    out
}

/// A decimal with exactly the fraction digits it carries (`395.30` keeps its zero).
fn decimal_as_published(v: Decimal, locale: Locale) -> String {
    let mut d = FixedDecimal::from(v.mantissa());
    let scale = i16::try_from(v.scale()).unwrap_or(i16::MAX);
    d.multiply_pow10(-scale);
    d.pad_end(-scale);
    match formats(locale) {
        Some(f) => f.decimal.format(&d).to_string(),
        None => v.to_string(),
    }
}

/// A rate given in percent (19, 7.7) as CLDR writes percentages (`19 %`, `7,7 %`, `19%`).
pub fn percent(rate: Decimal, locale: Locale) -> String {
    match formats(locale) {
        Some(f) => f.percent.format(&fixed_from_decimal(rate)).write_to_string().into_owned(),
        None => format!("{}%", rate.normalize()),
    }
}

/// The ICU date of a civil date, when the Gregorian calendar can hold it.
fn icu_date(d: NaiveDate) -> Option<Date<Gregorian>> {
    let month = u8::try_from(d.month()).ok()?;
    let day = u8::try_from(d.day()).ok()?;
    Date::try_new_gregorian(d.year(), month, day).ok()
}

/// A civil date in CLDR's medium form (`01.03.2026`, `Mar 1, 2026`, `1 mars 2026`, `2026年3月1日`).
pub fn date(d: NaiveDate, locale: Locale) -> String {
    match (formats(locale), icu_date(d)) {
        (Some(f), Some(icu)) => f.date_medium.format(&icu).to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// A civil date in CLDR's long form (`1. März 2026`, `March 1, 2026`, `1 de marzo de 2026`).
pub fn date_long(d: NaiveDate, locale: Locale) -> String {
    match (formats(locale), icu_date(d)) {
        (Some(f), Some(icu)) => f.date_long.format(&icu).to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// A period of two civil dates, each in medium form, joined by an en dash. ICU4X 2.4's range
/// formatter would shorten shared fields (`Mar 1 – 31, 2026`), but it is unstable API and failed
/// for zh-CN when tried (docs/adr/0017), so both ends are written out.
pub fn date_range(start: NaiveDate, end: NaiveDate, locale: Locale) -> String {
    format!("{} – {}", date(start, locale), date(end, locale))
}

/// One piece of currency data for one language, `None` when CLDR has none.
fn currency_data<M>(locale: Locale, attributes: &str) -> Option<DataPayload<M>>
where
    M: DataMarker,
    icu_experimental::provider::Baked: DataProvider<M>,
{
    let attributes = DataMarkerAttributes::try_from_str(attributes).ok()?;
    let icu = locale.icu();
    let data_locale = (&icu).into();
    let mut metadata = DataRequestMetadata::default();
    // A currency without a localized name or sign is expected; do not log it as an error.
    metadata.silent = true;
    let req = DataRequest {
        id: DataIdentifierBorrowed::for_marker_attributes_and_locale(attributes, &data_locale),
        metadata,
    };
    icu_experimental::provider::Baked.load(req).ok().map(|r| r.payload)
}

/// The currency's name in the language (`Euro`, `euro`, `欧元`), its ISO code where CLDR has none.
pub fn currency_name(c: Currency, locale: Locale) -> String {
    currency_data::<CurrencyDisplaynameV1>(locale, c.code())
        .map(|p| p.get().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| c.code().to_string())
}

/// The sign the language writes for the currency (`€`, `US$`, `￥`), its ISO code where it has
/// none (`CHF`): the same sign [`money`] prints.
pub fn currency_symbol(c: Currency, locale: Locale) -> String {
    let Ok(code) = CurrencyType::try_from_str(c.code()) else {
        return c.code().to_string();
    };
    let mut buf = Default::default();
    let attributes = CurrencySymbolsV1::make_attributes(code, CurrencySymbolsV1::SHORT, &mut buf).as_str().to_string();
    currency_data::<CurrencySymbolsV1>(locale, &attributes)
        .map(|p| p.get().as_str().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| c.code().to_string())
}

/// The country's name in the language (`Deutschland`, `Germany`, `德国`) from CLDR through
/// ICU4X's display names; the ISO code where CLDR has none. Built once per language.
pub fn country_name(code: &str, locale: Locale) -> String {
    use icu_experimental::displaynames::{DisplayNamesOptions, multi::RegionDisplayNames};
    static NAMES: [OnceLock<Option<RegionDisplayNames>>; 10] = [const { OnceLock::new() }; 10];
    let names = NAMES[locale.index()].get_or_init(|| {
        let icu = locale.icu();
        RegionDisplayNames::try_new((&icu).into(), DisplayNamesOptions::default())
            .inspect_err(|e| tracing::warn!(%locale, error = %e, "ICU4X region names unavailable"))
            .ok()
    });
    icu_locale_core::subtags::Region::try_from_str(code)
        .ok()
        .and_then(|r| names.as_ref().and_then(|n| n.of(r)).map(str::to_string))
        .unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Locale::En, "1\u{a0}EUR = 163.03\u{a0}JPY")]
    #[case(Locale::De, "1\u{a0}EUR = 163,03\u{a0}JPY")]
    #[case(Locale::ZhCn, "1\u{a0}EUR = 163.03\u{a0}JPY")]
    fn an_ecb_rate_is_written_as_the_ecb_quotes_it(#[case] locale: Locale, #[case] text: &str) {
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(ecb_rates(&[(jpy, Decimal::new(16303, 2)), (Currency::EUR, Decimal::ONE)], locale), text);
    }

    #[test]
    fn ecb_rates_keep_the_published_digits_and_show_both_quotes_of_a_cross_rate() {
        let (huf, pln) = (Currency::from_code("HUF").unwrap(), Currency::from_code("PLN").unwrap());
        assert_eq!(ecb_rates(&[(huf, Decimal::new(39530, 2))], Locale::En), "1\u{a0}EUR = 395.30\u{a0}HUF");
        assert_eq!(
            ecb_rates(&[(Currency::USD, Decimal::new(10800, 4)), (pln, Decimal::new(42675, 4))], Locale::De),
            "1\u{a0}EUR = 1,0800\u{a0}USD = 4,2675\u{a0}PLN"
        );
    }

    fn money_in(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::from_code(code).unwrap())
    }

    #[rstest]
    #[case(Locale::De, 123456, "EUR", "1.234,56\u{a0}€")]
    #[case(Locale::En, 123456, "EUR", "€1,234.56")]
    #[case(Locale::Fr, 123456, "EUR", "1\u{202f}234,56\u{a0}€")]
    #[case(Locale::ZhCn, 99900, "CNY", "¥999.00")]
    #[case(Locale::De, -5, "EUR", "-0,05\u{a0}€")]
    #[case(Locale::En, -123456789, "USD", "-$1,234,567.89")]
    #[case(Locale::En, 123456, "CHF", "CHF\u{a0}1,234.56")]
    #[case(Locale::Ja, 1234, "JPY", "￥1,234")]
    #[case(Locale::En, 1234567, "KWD", "KWD\u{a0}1,234.567")]
    #[case(Locale::Nl, -150, "EUR", "€\u{a0}-1,50")]
    #[case(Locale::PtBr, 100, "BRL", "R$\u{a0}1,00")]
    fn amounts_follow_cldr(#[case] locale: Locale, #[case] minor: i64, #[case] code: &str, #[case] text: &str) {
        assert_eq!(money(money_in(minor, code), locale), text);
    }

    #[test]
    fn the_code_form_puts_the_iso_code_where_the_locale_puts_its_sign() {
        assert_eq!(money_with_code(money_in(123456, "KRW"), Locale::En), "KRW\u{a0}123,456");
        assert_eq!(money_with_code(money_in(-123456, "ILS"), Locale::De), "-1.234,56\u{a0}ILS");
        assert_eq!(money_with_code(money_in(100, "EUR"), Locale::Ja), "EUR\u{a0}1.00");
    }

    #[test]
    fn amounts_print_every_iso_decimal_even_where_cldr_shows_fewer() {
        // IQD has 3 decimals in ISO 4217 and 0 in CLDR: the stored fils must not be rounded away.
        assert_eq!(money(money_in(1234567, "IQD"), Locale::En), "IQD\u{a0}1,234.567");
        // Beyond 2^53 a float would already have lost the last digit.
        assert_eq!(money(money_in(9_007_199_254_740_993, "EUR"), Locale::De), "90.071.992.547.409,93\u{a0}€");
        assert_eq!(money(money_in(i64::MIN, "JPY"), Locale::En), "-¥9,223,372,036,854,775,808");
    }

    #[test]
    fn rates_quantities_and_dates_follow_cldr() {
        assert_eq!(percent(Decimal::new(1900, 2), Locale::De), "19\u{a0}%");
        assert_eq!(percent(Decimal::new(77, 1), Locale::Fr), "7,7\u{a0}%");
        assert_eq!(percent(Decimal::new(77, 1), Locale::En), "7.7%");
        assert_eq!(decimal(Decimal::new(12345, 1), Locale::De), "1.234,5");
        assert_eq!(decimal(Decimal::new(-2500, 3), Locale::En), "-2.5");
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(date(d, Locale::De), "02.12.2026");
        assert_eq!(date(d, Locale::En), "Dec 2, 2026");
        assert_eq!(date(d, Locale::ZhCn), "2026年12月2日");
        assert_eq!(date(d, Locale::Ja), "2026/12/02");
        assert_eq!(date_long(d, Locale::De), "2. Dezember 2026");
        let e = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(date_range(d, e, Locale::De), "02.12.2026 – 31.12.2026");
    }

    #[test]
    fn currency_names_and_signs_come_from_cldr() {
        let eur = Currency::EUR;
        assert_eq!(currency_name(eur, Locale::De), "Euro");
        assert_eq!(currency_name(eur, Locale::ZhCn), "欧元");
        assert_eq!(currency_symbol(Currency::USD, Locale::ZhCn), "US$");
        assert_eq!(currency_symbol(Currency::CHF, Locale::En), "CHF");
        assert_eq!(currency_symbol(Currency::JPY, Locale::Ja), "￥");
    }
}
