//! Amounts, dates, percentages and quantities as each shipped language writes them.
//!
//! The patterns follow CLDR for the four shipped locales (de `1.234,56 €`, en `€1,234.56`,
//! fr `1 234,56 €`, zh-CN `€1,234.56`; dates de `02.12.2026`, en `Dec 2, 2026`, fr `02/12/2026`,
//! zh-CN `2026年12月2日`). Amounts are formatted from integer minor units with integer arithmetic
//! only, so what is printed is exactly what is stored.

use billing_core::currency::Currency;
use billing_core::money::Money;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// No-break space: keeps "1.234,56 €" and "19 %" together on one line.
const NBSP: char = '\u{a0}';

struct Symbols {
    group: char,
    decimal: char,
    /// The currency sign after the number (de, fr) or before it (en, zh-CN).
    suffix: bool,
}

fn symbols(lang: &str) -> Symbols {
    match lang {
        "de" => Symbols { group: '.', decimal: ',', suffix: true },
        // CLDR fr groups with U+202F; the no-break space renders in every font we embed.
        "fr" => Symbols { group: NBSP, decimal: ',', suffix: true },
        _ => Symbols { group: ',', decimal: '.', suffix: false },
    }
}

/// The sign printed for a currency; codes where no unambiguous sign is customary.
fn currency_sign(currency: Currency, lang: &str) -> &'static str {
    match (currency.code(), lang) {
        ("EUR", _) => "€",
        ("USD", "en") => "$",
        ("USD", "zh-CN") => "US$",
        ("GBP", _) => "£",
        ("CNY", "zh-CN") => "¥",
        ("JPY", _) => "JP¥",
        (code, _) => code,
    }
}

fn group_digits(digits: &str, sep: char) -> String {
    let mut out = String::new();
    let n = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The number of a money amount without currency (`1.234,56`).
pub fn amount_number(m: Money, lang: &str) -> String {
    let s = symbols(lang);
    let exp = m.currency().exponent();
    let minor = m.minor();
    let abs = minor.unsigned_abs();
    let scale = 10u64.pow(exp);
    let int = group_digits(&(abs / scale).to_string(), s.group);
    let mut out = String::new();
    if minor < 0 {
        out.push('-');
    }
    out.push_str(&int);
    if exp > 0 {
        out.push(s.decimal);
        out.push_str(&format!("{:0width$}", abs % scale, width = exp as usize));
    }
    out
}

/// A money amount with its currency sign in the locale's position.
pub fn money(m: Money, lang: &str) -> String {
    let number = amount_number(m, lang);
    let sign = currency_sign(m.currency(), lang);
    let word = sign.chars().all(|c| c.is_ascii_uppercase());
    if symbols(lang).suffix {
        format!("{number}{NBSP}{sign}")
    } else if word {
        // "CHF 1,234.56": a code before the number is separated by a space.
        match number.strip_prefix('-') {
            Some(n) => format!("-{sign}{NBSP}{n}"),
            None => format!("{sign}{NBSP}{number}"),
        }
    } else {
        match number.strip_prefix('-') {
            Some(n) => format!("-{sign}{n}"),
            None => format!("{sign}{number}"),
        }
    }
}

const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A civil date in the locale's customary numeric or medium form.
pub fn date(d: NaiveDate, lang: &str) -> String {
    match lang {
        "de" => format!("{:02}.{:02}.{}", d.day(), d.month(), d.year()),
        "fr" => format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()),
        "zh-CN" => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        _ => format!("{} {}, {}", EN_MONTHS[d.month0() as usize], d.day(), d.year()),
    }
}

/// A decimal (quantity, rate) with the locale's decimal separator and no trailing zeros.
pub fn decimal(v: Decimal, lang: &str) -> String {
    digits(v.normalize(), lang)
}

/// A decimal with the locale's separators and exactly the digits it carries (`395.30` stays so).
fn digits(v: Decimal, lang: &str) -> String {
    let text = v.to_string();
    let s = symbols(lang);
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (neg, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", int),
    };
    let mut out = format!("{neg}{}", group_digits(digits, s.group));
    if !frac.is_empty() {
        out.push(s.decimal);
        out.push_str(frac);
    }
    out
}

/// ECB reference rates the way the ECB quotes them, units per one euro with the digits as
/// published: `1 EUR = 163.03 JPY` (de `1 EUR = 163,03 JPY`). For a conversion between two
/// other currencies both quotes of the day: `1 EUR = 163.03 JPY = 4.2675 PLN`. Each entry is a
/// currency and its rate per euro; the euro itself is left out.
pub fn ecb_rates(quotes: &[(Currency, Decimal)], lang: &str) -> String {
    let mut out = format!("1{NBSP}EUR");
    for (currency, per_eur) in quotes.iter().filter(|(c, _)| *c != Currency::EUR) {
        out.push_str(&format!(" = {}{NBSP}{}", digits(*per_eur, lang), currency.code()));
    }
    out
}

/// A VAT rate in percent (`19 %` in de and fr, `19%` in en and zh-CN).
pub fn percent(rate: Decimal, lang: &str) -> String {
    match lang {
        "de" | "fr" => format!("{}{NBSP}%", decimal(rate, lang)),
        _ => format!("{}%", decimal(rate, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    #[rstest]
    #[case("de", 123456, "1.234,56\u{a0}€")]
    #[case("en", 123456, "€1,234.56")]
    #[case("fr", 123456, "1\u{a0}234,56\u{a0}€")]
    #[case("zh-CN", 123456, "€1,234.56")]
    #[case("de", -5, "-0,05\u{a0}€")]
    #[case("en", -123456789, "-€1,234,567.89")]
    #[case("de", 100000000, "1.000.000,00\u{a0}€")]
    fn euro_amounts_are_written_per_locale(#[case] lang: &str, #[case] minor: i64, #[case] text: &str) {
        assert_eq!(money(eur(minor), lang), text);
    }

    #[test]
    fn other_currencies_use_their_sign_or_code_and_exponent() {
        assert_eq!(money(Money::from_minor(123456, Currency::from_code("CHF").unwrap()), "en"), "CHF\u{a0}1,234.56");
        assert_eq!(money(Money::from_minor(99900, Currency::from_code("CNY").unwrap()), "zh-CN"), "¥999.00");
        assert_eq!(money(Money::from_minor(1234, Currency::from_code("JPY").unwrap()), "de"), "1.234\u{a0}JP¥");
        assert_eq!(money(Money::from_minor(1234567, Currency::from_code("KWD").unwrap()), "en"), "KWD\u{a0}1,234.567");
    }

    #[rstest]
    #[case("de", "02.12.2026")]
    #[case("fr", "02/12/2026")]
    #[case("en", "Dec 2, 2026")]
    #[case("zh-CN", "2026年12月2日")]
    fn dates_are_written_per_locale(#[case] lang: &str, #[case] text: &str) {
        assert_eq!(date(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), lang), text);
    }

    #[rstest]
    #[case("en", "1\u{a0}EUR = 163.03\u{a0}JPY")]
    #[case("de", "1\u{a0}EUR = 163,03\u{a0}JPY")]
    #[case("fr", "1\u{a0}EUR = 163,03\u{a0}JPY")]
    #[case("zh-CN", "1\u{a0}EUR = 163.03\u{a0}JPY")]
    fn an_ecb_rate_is_written_as_the_ecb_quotes_it(#[case] lang: &str, #[case] text: &str) {
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(ecb_rates(&[(jpy, Decimal::new(16303, 2)), (Currency::EUR, Decimal::ONE)], lang), text);
    }

    #[test]
    fn ecb_rates_keep_the_published_digits_and_show_both_quotes_of_a_cross_rate() {
        let (huf, pln) = (Currency::from_code("HUF").unwrap(), Currency::from_code("PLN").unwrap());
        assert_eq!(ecb_rates(&[(huf, Decimal::new(39530, 2))], "en"), "1\u{a0}EUR = 395.30\u{a0}HUF");
        assert_eq!(
            ecb_rates(&[(Currency::USD, Decimal::new(10800, 4)), (pln, Decimal::new(42675, 4))], "de"),
            "1\u{a0}EUR = 1,0800\u{a0}USD = 4,2675\u{a0}PLN"
        );
        assert_eq!(
            ecb_rates(&[(Currency::EUR, Decimal::ONE), (pln, Decimal::new(42675, 4))], "en"),
            "1\u{a0}EUR = 4.2675\u{a0}PLN"
        );
    }

    #[test]
    fn rates_and_quantities_use_the_decimal_separator() {
        assert_eq!(percent(Decimal::new(1900, 2), "de"), "19\u{a0}%");
        assert_eq!(percent(Decimal::new(77, 1), "de"), "7,7\u{a0}%");
        assert_eq!(percent(Decimal::new(77, 1), "en"), "7.7%");
        assert_eq!(decimal(Decimal::new(12345, 1), "de"), "1.234,5");
    }
}
