//! Finding invoice references in remittance text and matching statement entries to open invoices.
//!
//! Payers and banks mangle references: they wrap lines in the middle of a number, drop the dashes, change
//! case or glue words together. So text and references are compared in a normalized form, upper-case
//! letters and digits only, with a note of where the original text had a break (a separator, or a change
//! between digits and letters). A reference whose both ends sit on such a break is a clean hit; one found
//! only inside a longer run of characters is a loose hit, used only when there is no clean one.

use billing_core::money::Money;
use serde::{Deserialize, Serialize};

use super::BankError;
use super::epc_qr::validate_rf;
use super::statement::StatementEntry;

/// Loose hits need at least this many characters: shorter references (e.g. a bare "42") occur by chance
/// inside longer numbers.
pub const MIN_LOOSE_LEN: usize = 8;

/// Upper-case letters and digits of `text`, everything else dropped: the form in which references compare.
pub fn normalize_reference(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

/// Text in normalized form plus where the original had breaks.
struct Normalized {
    chars: Vec<char>,
    /// `separated[i]`: something that is not a letter or digit stood before `chars[i]`.
    separated: Vec<bool>,
}

impl Normalized {
    fn new(text: &str) -> Normalized {
        let mut chars = Vec::new();
        let mut separated = Vec::new();
        let mut gap = false;
        for c in text.chars() {
            if c.is_alphanumeric() {
                for upper in c.to_uppercase() {
                    chars.push(upper);
                    separated.push(gap);
                    gap = false;
                }
            } else {
                gap = true;
            }
        }
        Normalized { chars, separated }
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether position `at` (between `chars[at - 1]` and `chars[at]`) is a break.
    fn is_break(&self, at: usize) -> bool {
        at == 0
            || at >= self.chars.len()
            || self.separated[at]
            || self.chars[at - 1].is_ascii_digit() != self.chars[at].is_ascii_digit()
    }

    fn slice(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    /// Where `needle` (already normalized) occurs: `Some(true)` clean, `Some(false)` only loose.
    fn find(&self, needle: &[char]) -> Option<bool> {
        if needle.is_empty() || needle.len() > self.len() {
            return None;
        }
        let mut loose = false;
        for start in 0..=self.len() - needle.len() {
            if self.chars[start..start + needle.len()] == *needle {
                if self.is_break(start) && self.is_break(start + needle.len()) {
                    return Some(true);
                }
                loose = true;
            }
        }
        (loose && needle.len() >= MIN_LOOSE_LEN).then_some(false)
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Segment {
    Literal(Vec<char>),
    Letters { min: usize, max: usize },
    Digits { min: usize, max: usize },
}

/// The shape of invoice numbers to look for, in normalized form (separators do not count).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReferencePattern {
    segments: Vec<Segment>,
}

impl ReferencePattern {
    /// Anything invoice-number-like: up to six letters followed by 3 to 19 digits ("RE-2026-000042",
    /// "INV 42-2026", "000042"). Broad on purpose, since the `known` check decides.
    pub fn generic() -> ReferencePattern {
        ReferencePattern { segments: vec![Segment::Letters { min: 0, max: 6 }, Segment::Digits { min: 3, max: 19 }] }
    }

    /// The pattern of a tenant's invoice number format, in billing-core's syntax: `RE-{YYYY}-{seq:06}`
    /// looks for "RE", four digits and at least six more. `{YY}` and `{MM}` are two digits, `{seq}` one or
    /// more (the counter can outgrow its padding).
    pub fn from_number_format(format: &str) -> Result<ReferencePattern, BankError> {
        let bad = |reason| BankError::InvalidPattern { pattern: format.to_owned(), reason };
        let mut segments: Vec<Segment> = Vec::new();
        let mut push = |segment: Segment| match (segments.last_mut(), segment) {
            // Separators vanish in normalized text, so adjacent parts of one kind fuse.
            (Some(Segment::Digits { min, max }), Segment::Digits { min: more_min, max: more_max }) => {
                *min += more_min;
                *max += more_max;
            }
            (Some(Segment::Literal(chars)), Segment::Literal(more)) => chars.extend(more),
            (_, segment) => segments.push(segment),
        };
        let mut rest = format;
        while let Some(open) = rest.find('{') {
            push(Segment::Literal(normalize_reference(&rest[..open]).chars().collect()));
            let close = rest[open..].find('}').ok_or_else(|| bad("unclosed `{`"))? + open;
            let token = &rest[open + 1..close];
            let digits = match token {
                "YYYY" => (4, 4),
                "YY" | "MM" => (2, 2),
                "seq" => (1, 19),
                _ => match token.strip_prefix("seq:0").and_then(|w| w.parse::<usize>().ok()) {
                    Some(width @ 1..=19) => (width, 19),
                    _ => return Err(bad("unknown token; use {YYYY}, {YY}, {MM}, {seq} or {seq:0N}")),
                },
            };
            push(Segment::Digits { min: digits.0, max: digits.1 });
            rest = &rest[close + 1..];
        }
        push(Segment::Literal(normalize_reference(rest).chars().collect()));
        segments.retain(|s| !matches!(s, Segment::Literal(chars) if chars.is_empty()));
        if segments.is_empty() {
            return Err(bad("matches nothing"));
        }
        Ok(ReferencePattern { segments })
    }

    /// Every end position of a match starting at `start`.
    fn ends(&self, text: &Normalized, start: usize) -> Vec<usize> {
        let mut positions = vec![start];
        for segment in &self.segments {
            let mut next = Vec::new();
            for &at in &positions {
                match segment {
                    Segment::Literal(chars) => {
                        if text.chars.get(at..at + chars.len()) == Some(chars.as_slice()) {
                            next.push(at + chars.len());
                        }
                    }
                    Segment::Letters { min, max } => run(text, at, *min, *max, |c| c.is_alphabetic(), &mut next),
                    Segment::Digits { min, max } => run(text, at, *min, *max, |c| c.is_ascii_digit(), &mut next),
                }
            }
            next.sort_unstable();
            next.dedup();
            positions = next;
        }
        positions
    }
}

/// Pushes `at + n` for every n in `min..=max` such that the n characters from `at` all satisfy `class`.
fn run(text: &Normalized, at: usize, min: usize, max: usize, class: impl Fn(char) -> bool, out: &mut Vec<usize>) {
    let available = text.chars[at.min(text.len())..].iter().take(max).take_while(|&&c| class(c)).count();
    out.extend((min..=available).map(|n| at + n));
}

/// Candidate references in `remittance` that `known` accepts, in normalized form, in order of appearance.
///
/// Candidates are valid RF creditor references and tokens of the generic invoice-number shape
/// ([`ReferencePattern::generic`]); `known` receives them normalized (see [`normalize_reference`]) and should
/// compare against normalized invoice numbers and RF references.
pub fn find_invoice_references(remittance: &str, known: &dyn Fn(&str) -> bool) -> Vec<String> {
    find_references_with(remittance, &[ReferencePattern::generic()], known)
}

/// Like [`find_invoice_references`], with the tenant's own number patterns.
///
/// Clean hits (both ends on a break) are tried first; only if `known` accepts none of them are loose hits
/// of at least [`MIN_LOOSE_LEN`] characters tried, so that a number glued to other text is still found
/// without letting chance substrings win over a proper hit.
pub fn find_references_with(
    remittance: &str,
    patterns: &[ReferencePattern],
    known: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let text = Normalized::new(remittance);
    let mut clean = Vec::new();
    let mut loose = Vec::new();
    let mut consider = |start: usize, end: usize| {
        let candidate = text.slice(start, end);
        if text.is_break(start) && text.is_break(end) {
            clean.push(candidate);
        } else if end - start >= MIN_LOOSE_LEN {
            loose.push(candidate);
        }
    };
    for start in 0..text.len() {
        // RF references: "RF", two check digits, 1 to 21 characters, validated by their check digits.
        if text.chars[start..].starts_with(&['R', 'F']) {
            for end in start + 5..=(start + 25).min(text.len()) {
                let candidate = text.slice(start, end);
                if validate_rf(&candidate) {
                    consider(start, end);
                }
            }
        }
        for pattern in patterns {
            for end in pattern.ends(&text, start) {
                if end > start {
                    consider(start, end);
                }
            }
        }
    }
    let accept = |candidates: Vec<String>| {
        let mut found: Vec<String> = Vec::new();
        for candidate in candidates {
            if !found.contains(&candidate) && known(&candidate) {
                found.push(candidate);
            }
        }
        found
    };
    let found = accept(clean);
    if found.is_empty() { accept(loose) } else { found }
}

/// An invoice waiting for payment, as far as matching needs it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OpenInvoice {
    pub id: String,
    /// The invoice number as printed, e.g. "RE-2026-000042".
    pub number: String,
    /// The RF creditor reference printed on the invoice and in its EPC QR code; empty if none.
    pub rf_reference: String,
    pub amount_due: Money,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum MatchResult {
    /// Paid in full.
    Exact {
        invoice: String,
    },
    /// `paid` is less than due; the invoice stays open for the rest.
    Partial {
        invoice: String,
        paid: Money,
    },
    /// More than due arrived; `excess` is to be refunded or credited.
    Overpaid {
        invoice: String,
        excess: Money,
    },
    /// Several invoices are referenced with equal confidence: a person must decide (ids in invoice order).
    Ambiguous(Vec<String>),
    Unmatched,
}

/// Matches one statement entry against the open invoices by reference, then compares the amount.
///
/// Only credits can pay an invoice; debits and zero amounts are `Unmatched`. Only invoices in the entry's
/// currency are considered: there is no conversion here. References are searched in the remittance text in
/// tiers, and the first tier with a hit decides:
/// 1. the invoice's RF reference, cleanly: it carries check digits and was made for exactly this invoice;
/// 2. the invoice number, cleanly;
/// 3. RF reference or number, loosely (at least [`MIN_LOOSE_LEN`] characters).
///
/// One invoice in the tier gives `Exact`, `Partial` or `Overpaid`; more than one is `Ambiguous`.
pub fn match_entry(entry: &StatementEntry, open_invoices: &[OpenInvoice]) -> MatchResult {
    let paid = entry.amount;
    if !paid.is_positive() {
        return MatchResult::Unmatched;
    }
    let text = Normalized::new(&entry.remittance);
    let same_currency: Vec<&OpenInvoice> =
        open_invoices.iter().filter(|invoice| invoice.amount_due.currency() == paid.currency()).collect();
    // `rf` picks the invoice's RF reference or its number; `clean` demands a clean hit.
    let hits = |rf: bool, clean: bool| -> Vec<&OpenInvoice> {
        same_currency
            .iter()
            .copied()
            .filter(|invoice| {
                let reference = if rf { &invoice.rf_reference } else { &invoice.number };
                let needle: Vec<char> = normalize_reference(reference).chars().collect();
                text.find(&needle).is_some_and(|is_clean| is_clean || !clean)
            })
            .collect()
    };

    let mut tier = hits(true, true);
    if tier.is_empty() {
        tier = hits(false, true);
    }
    if tier.is_empty() {
        tier = hits(true, false);
        for invoice in hits(false, false) {
            if !tier.iter().any(|t| t.id == invoice.id) {
                tier.push(invoice);
            }
        }
    }
    let mut ids: Vec<String> = Vec::new();
    for invoice in &tier {
        if !ids.contains(&invoice.id) {
            ids.push(invoice.id.clone());
        }
    }
    match ids.len() {
        0 => MatchResult::Unmatched,
        1 => {
            let invoice = tier[0];
            let id = invoice.id.clone();
            // Same currency by construction; a difference that overflows i64 cannot be a real payment.
            match paid.checked_sub(invoice.amount_due) {
                Ok(difference) if difference.is_zero() => MatchResult::Exact { invoice: id },
                Ok(difference) if difference.is_negative() => MatchResult::Partial { invoice: id, paid },
                Ok(excess) => MatchResult::Overpaid { invoice: id, excess },
                Err(_) => MatchResult::Unmatched,
            }
        }
        _ => MatchResult::Ambiguous(ids),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::epc_qr::rf_creditor_reference;
    use crate::bank::statement::{CsvFormat, parse_camt053, parse_csv};
    use billing_core::currency::Currency;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rstest::rstest;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn invoice(seq: u32, minor: i64) -> OpenInvoice {
        let number = format!("RE-2026-{seq:06}");
        OpenInvoice {
            id: format!("inv_{seq}"),
            rf_reference: rf_creditor_reference(&number).unwrap(),
            number,
            amount_due: eur(minor),
        }
    }

    fn open_invoices() -> Vec<OpenInvoice> {
        vec![
            invoice(40, 5_950),
            invoice(42, 11_900),
            invoice(43, 4_990),
            invoice(44, 20_000),
            invoice(45, 15_000),
            invoice(46, 100_000),
            invoice(48, 123_456),
            OpenInvoice { amount_due: Money::from_minor(8_000, Currency::CHF), ..invoice(47, 0) },
        ]
    }

    fn entry(minor: i64, remittance: &str) -> StatementEntry {
        StatementEntry {
            booking_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            value_date: None,
            amount: eur(minor),
            counterparty_name: None,
            counterparty_iban: None,
            remittance: remittance.to_owned(),
            bank_reference: None,
        }
    }

    fn known_numbers(numbers: &[&str]) -> impl Fn(&str) -> bool {
        let normalized: Vec<String> = numbers.iter().map(|n| normalize_reference(n)).collect();
        move |candidate: &str| normalized.iter().any(|n| n == candidate)
    }

    #[rstest]
    #[case("Rechnung RE-2026-000042", &["RE2026000042"])]
    #[case("Rechnung RE-2026-0000\n42 danke", &["RE2026000042"])]
    #[case("re 2026 000042", &["RE2026000042"])]
    #[case("RE2026000042,RE2026000043", &["RE2026000042", "RE2026000043"])]
    #[case("Rg.Nr.RE/2026/000043 vom 01.03.2026", &["RE2026000043"])]
    // The RF reference carries the invoice number as its base, so both are found.
    #[case("RF29 RE20 2600 0042", &["RF29RE2026000042", "RE2026000042"])]
    #[case("rf29re2026000042 und RE-2026-000043", &["RF29RE2026000042", "RE2026000042", "RE2026000043"])]
    // Glued to the date by the bank: found only as a loose hit.
    #[case("RE202600004201.03.2026", &["RE2026000042"])]
    #[case("RE-2026-000099", &[])]
    #[case("", &[])]
    fn finds_known_references(#[case] text: &str, #[case] expected: &[&str]) {
        let known = known_numbers(&["RE-2026-000042", "RE-2026-000043", "RF29RE2026000042"]);
        assert_eq!(find_invoice_references(text, &known), expected);
    }

    #[test]
    fn clean_hits_win_over_chance_substrings() {
        // "000042" and "000043" are both known; the merged run also contains "000420" etc.
        let known = known_numbers(&["000042", "000043", "420000", "200004"]);
        assert_eq!(find_invoice_references("Rechnungen 000042 000043", &known), ["000042", "000043"]);
    }

    #[test]
    fn tenant_number_format_patterns() {
        let pattern = ReferencePattern::from_number_format("INV/{YY}{MM}/{seq:04}").unwrap();
        let known = known_numbers(&["INV/2603/0007", "INV/2603/12345"]);
        let found = find_references_with("payment inv 2603 0007 and INV-2603-12345", &[pattern], &known);
        assert_eq!(found, ["INV26030007", "INV260312345"]);
        // The generic pattern does not see a literal after the digits, the tenant pattern does.
        let odd = ReferencePattern::from_number_format("{YYYY}-K{seq:03}").unwrap();
        let known = known_numbers(&["2026-K017"]);
        assert_eq!(find_references_with("Ref 2026-K017", &[odd], &known), ["2026K017"]);
        assert!(find_invoice_references("Ref 2026-K017", &known).is_empty());
    }

    #[rstest]
    #[case("RE-{YYYY}-{seq")]
    #[case("RE-{DD}-{seq}")]
    #[case("{seq:00}")]
    #[case("---")]
    fn bad_patterns(#[case] format: &str) {
        assert!(matches!(ReferencePattern::from_number_format(format), Err(BankError::InvalidPattern { .. })));
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize_reference(" re-2026/000042\n"), "RE2026000042");
        assert_eq!(normalize_reference("straße"), "STRASSE");
    }

    #[rstest]
    #[case(entry(11_900, "RF29RE2026000042"), MatchResult::Exact { invoice: "inv_42".into() })]
    #[case(entry(11_900, "Zahlung rf29 re20 2600 0042 danke"), MatchResult::Exact { invoice: "inv_42".into() })]
    #[case(entry(4_990, "Rechnung RE-2026-0000\n43 Kd-Nr. 1007"), MatchResult::Exact { invoice: "inv_43".into() })]
    #[case(entry(4_990, "Rechnung RE-2026-\r\n000043"), MatchResult::Exact { invoice: "inv_43".into() })]
    #[case(entry(10_000, "RE-2026-000044 Teilzahlung"), MatchResult::Partial { invoice: "inv_44".into(), paid: eur(10_000) })]
    #[case(entry(16_000, "RF45RE2026000045"), MatchResult::Overpaid { invoice: "inv_45".into(), excess: eur(1_000) })]
    #[case(entry(11_900, "RE-2026-000042 und RE-2026-000043"), MatchResult::Ambiguous(vec!["inv_42".into(), "inv_43".into()]))]
    // The RF reference outranks an invoice number in the same text.
    #[case(entry(11_900, "RF29RE2026000042 statt RE-2026-000043"), MatchResult::Exact { invoice: "inv_42".into() })]
    #[case(entry(11_900, "RE-2026-000042 RE-2026-000042 RF29RE2026000042"), MatchResult::Exact { invoice: "inv_42".into() })]
    #[case(entry(11_900, "RE202600004201.03.2026"), MatchResult::Exact { invoice: "inv_42".into() })]
    #[case(entry(11_900, "Miete Maerz"), MatchResult::Unmatched)]
    #[case(entry(-11_900, "RF29RE2026000042"), MatchResult::Unmatched)]
    #[case(entry(0, "RF29RE2026000042"), MatchResult::Unmatched)]
    // inv_47 is in CHF: a EUR payment never matches it.
    #[case(entry(8_000, "RE-2026-000047"), MatchResult::Unmatched)]
    fn matching(#[case] entry: StatementEntry, #[case] expected: MatchResult) {
        assert_eq!(match_entry(&entry, &open_invoices()), expected);
    }

    #[test]
    fn wrong_currency_never_matches() {
        let mut usd = entry(11_900, "RF29RE2026000042");
        usd.amount = Money::from_minor(11_900, Currency::USD);
        assert_eq!(match_entry(&usd, &open_invoices()), MatchResult::Unmatched);
        let mut chf = entry(8_000, "RE-2026-000047");
        chf.amount = Money::from_minor(8_000, Currency::CHF);
        assert_eq!(match_entry(&chf, &open_invoices()), MatchResult::Exact { invoice: "inv_47".into() });
    }

    #[test]
    fn short_numbers_only_match_cleanly() {
        let short =
            OpenInvoice { id: "short".into(), number: "42".into(), rf_reference: String::new(), amount_due: eur(100) };
        assert_eq!(
            match_entry(&entry(100, "Rechnung 42"), std::slice::from_ref(&short)),
            MatchResult::Exact { invoice: "short".into() }
        );
        assert_eq!(match_entry(&entry(100, "Kunde 1042"), std::slice::from_ref(&short)), MatchResult::Unmatched);
    }

    #[test]
    fn camt_fixture_matches_end_to_end() {
        let entries = parse_camt053(include_bytes!("../../tests/fixtures/camt053_v08.xml")).unwrap();
        let results: Vec<MatchResult> = entries.iter().map(|e| match_entry(e, &open_invoices())).collect();
        assert_eq!(
            results,
            [
                MatchResult::Exact { invoice: "inv_42".into() },
                MatchResult::Exact { invoice: "inv_43".into() },
                // The debit mentions RE-2026-000042 but money going out pays nothing.
                MatchResult::Unmatched,
                MatchResult::Partial { invoice: "inv_44".into(), paid: eur(10_000) },
                MatchResult::Exact { invoice: "inv_45".into() },
            ]
        );
        let v02 = parse_camt053(include_bytes!("../../tests/fixtures/camt053_v02_prefixed.xml")).unwrap();
        let results: Vec<MatchResult> = v02.iter().map(|e| match_entry(e, &open_invoices())).collect();
        assert_eq!(
            results,
            [
                MatchResult::Overpaid { invoice: "inv_46".into(), excess: eur(23_450) },
                MatchResult::Unmatched,
                MatchResult::Exact { invoice: "inv_47".into() },
            ]
        );
    }

    #[test]
    fn csv_fixture_matches_end_to_end() {
        let text = include_str!("../../tests/fixtures/german_bank.csv");
        let entries = parse_csv(text, &CsvFormat::german_bank()).unwrap();
        let results: Vec<MatchResult> = entries.iter().map(|e| match_entry(e, &open_invoices())).collect();
        assert_eq!(
            results,
            [
                MatchResult::Exact { invoice: "inv_42".into() },
                MatchResult::Exact { invoice: "inv_43".into() },
                MatchResult::Unmatched,
                MatchResult::Exact { invoice: "inv_48".into() },
                MatchResult::Unmatched,
            ]
        );
    }

    proptest! {
        #[test]
        fn a_number_survives_wrapping_dashes_and_case(
            seq in 0_u32..1_000_000,
            gaps in proptest::collection::vec(0_usize..6, 12),
            lower in proptest::collection::vec(any::<bool>(), 12),
        ) {
            let wanted = invoice(seq, 5_000);
            let other = invoice((seq + 1) % 1_000_000, 5_000);
            let mut mangled = String::from("Rechnung ");
            for ((c, gap), lower) in normalize_reference(&wanted.number).chars().zip(&gaps).zip(&lower) {
                mangled.push_str(["", "", " ", "\n", "-", "/"][*gap]);
                mangled.push(if *lower { c.to_ascii_lowercase() } else { c });
            }
            mangled.push_str(" danke");
            let result = match_entry(&entry(5_000, &mangled), &[other, wanted.clone()]);
            prop_assert_eq!(result, MatchResult::Exact { invoice: wanted.id });
        }

        #[test]
        fn matching_never_panics(text in "\\PC{0,120}", minor in -1_000_i64..1_000) {
            let _ = match_entry(&entry(minor, &text), &open_invoices());
            let _ = find_invoice_references(&text, &|_: &str| true);
        }
    }
}
