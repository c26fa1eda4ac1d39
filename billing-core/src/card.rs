//! What a customer recognises a stored card by: its brand (from the number's first digits, the
//! issuer identification ranges the networks publish) and its expiry month. Pure.

use chrono::{Datelike, NaiveDate};

/// The card network of a card number (digits only), or `None` when it is not one of the ranges
/// known here.
pub fn brand(number: &str) -> Option<&'static str> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
    let in_range = |n: usize, lo: u32, hi: u32| prefix(n).is_some_and(|p| (lo..=hi).contains(&p));
    if number.starts_with('4') {
        Some("visa")
    } else if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
        Some("mastercard")
    } else if in_range(2, 34, 34) || in_range(2, 37, 37) {
        Some("amex")
    } else if number.starts_with("6011") || number.starts_with("65") || in_range(3, 644, 649) {
        Some("discover")
    } else if in_range(4, 3528, 3589) {
        Some("jcb")
    } else if number.starts_with("62") {
        Some("unionpay")
    } else if in_range(2, 36, 36) || in_range(3, 300, 305) || in_range(2, 38, 39) {
        Some("diners")
    } else {
        None
    }
}

/// A card's expiry: valid through the last day of `month` of `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expiry {
    pub year: u16,
    pub month: u8,
}

impl Expiry {
    /// Reads `MM/YY`, `MM/YYYY`, `MM-YY` or `MMYY` as typed; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (m, y) = match t.split_once(['/', '-']) {
            Some((m, y)) => (m.to_string(), y.to_string()),
            None if t.len() == 4 => (t[..2].to_string(), t[2..].to_string()),
            None => return None,
        };
        if m.is_empty() || m.len() > 2 || !(y.len() == 2 || y.len() == 4) {
            return None;
        }
        let month: u8 = m.parse().ok()?;
        let year: u16 = y.parse().ok()?;
        let year = if y.len() == 2 { 2000 + year } else { year };
        ((1..=12).contains(&month) && (2000..=2200).contains(&year)).then_some(Self { year, month })
    }

    /// Still usable on `today` (a card is valid through its expiry month).
    pub fn valid_on(&self, today: NaiveDate) -> bool {
        (i32::from(self.year), u32::from(self.month)) >= (today.year(), today.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_come_from_the_first_digits() {
        assert_eq!(brand("4242424242424242"), Some("visa"));
        assert_eq!(brand("5555555555554444"), Some("mastercard"));
        assert_eq!(brand("2223003122003222"), Some("mastercard"));
        assert_eq!(brand("378282246310005"), Some("amex"));
        assert_eq!(brand("6011111111111117"), Some("discover"));
        assert_eq!(brand("3566002020360505"), Some("jcb"));
        assert_eq!(brand("6200000000000005"), Some("unionpay"));
        assert_eq!(brand("9999999999999999"), None);
        assert_eq!(brand("42x"), None);
        assert_eq!(brand(""), None);
    }

    #[test]
    fn expiry_reads_as_typed_and_is_valid_through_its_month() {
        assert_eq!(Expiry::parse("12/29"), Some(Expiry { year: 2029, month: 12 }));
        assert_eq!(Expiry::parse(" 3 / 2031 "), Some(Expiry { year: 2031, month: 3 }));
        assert_eq!(Expiry::parse("0728"), Some(Expiry { year: 2028, month: 7 }));
        assert_eq!(Expiry::parse("13/29"), None);
        assert_eq!(Expiry::parse("00/29"), None);
        assert_eq!(Expiry::parse("12/2"), None);
        assert_eq!(Expiry::parse("soon"), None);
        let e = Expiry { year: 2026, month: 3 };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert!(e.valid_on(day(3, 31)));
        assert!(e.valid_on(day(1, 1)));
        assert!(!e.valid_on(day(4, 1)));
    }
}
