//! EPC QR code ("GiroCode", EPC069-12) payloads for SEPA credit transfers, with IBAN and RF creditor reference checks.
//!
//! The payload is the text to encode in the QR symbol (the caller renders it, with error correction level M
//! as the guideline asks). Format, version 002: one element per line, separated by LF:
//!
//! | line | element | here |
//! |---|---|---|
//! | 1 | service tag | `BCD` |
//! | 2 | version | `002` (BIC optional inside the EEA) |
//! | 3 | character set | `1` = UTF-8 |
//! | 4 | identification | `SCT` |
//! | 5 | BIC of the beneficiary bank | 8 or 11 characters, or empty |
//! | 6 | beneficiary name | max 70 characters |
//! | 7 | beneficiary IBAN | max 34 characters |
//! | 8 | amount | `EUR` + amount with `.` as decimal separator, 0.01 to 999999999.99 |
//! | 9 | purpose code | empty |
//! | 10 | structured remittance (ISO 11649 RF creditor reference) | max 35, or empty |
//! | 11 | unstructured remittance | max 140, or empty; never together with line 10 |
//! | 12 | beneficiary-to-originator information | not used |
//!
//! The last populated element is not followed by a separator, and the whole payload is at most 331 bytes.

use billing_core::currency::Currency;
use billing_core::money::Money;
// The SEPA countries' IBAN lengths, one table with the mandate checks; other countries get the
// generic 15..=34 length and the check-digit test.
use billing_core::sepa::SEPA_IBAN_LENGTHS as IBAN_LENGTHS;

use super::{BankError, mod97};

/// Longest beneficiary name the EPC guideline allows.
pub const MAX_NAME_CHARS: usize = 70;
/// Longest unstructured remittance text.
pub const MAX_UNSTRUCTURED_CHARS: usize = 140;
/// Largest payload, in bytes of UTF-8.
pub const MAX_PAYLOAD_BYTES: usize = 331;
/// 999999999.99 EUR in cents: the largest amount an EPC QR code may carry.
const MAX_AMOUNT_MINOR: i64 = 99_999_999_999;
/// Longest base an RF reference can carry: 25 characters in all, minus "RF" and two check digits.
const MAX_RF_BASE: usize = 21;

/// Builds the EPC QR payload for a SEPA credit transfer of `amount` to `iban`.
///
/// `remittance_reference` goes into the structured field when it is a valid ISO 11649 RF reference (in any
/// spacing and case), because banks can then match it by machine; otherwise it is sent as unstructured text.
/// An empty reference leaves both empty.
pub fn epc_qr_payload(
    name: &str,
    iban: &str,
    bic: Option<&str>,
    amount: Money,
    remittance_reference: &str,
) -> Result<String, BankError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(BankError::Empty { field: "beneficiary name" });
    }
    check_text("beneficiary name", name, MAX_NAME_CHARS)?;
    let iban = validate_iban(iban)?;
    let bic = match bic.map(str::trim).filter(|b| !b.is_empty()) {
        Some(bic) => validate_bic(bic)?,
        None => String::new(),
    };
    let amount = format_amount(amount)?;

    let reference = remittance_reference.trim();
    let (structured, unstructured) = if validate_rf(reference) {
        (normalize_rf(reference), String::new())
    } else {
        check_text("remittance information", reference, MAX_UNSTRUCTURED_CHARS)?;
        (String::new(), reference.to_owned())
    };

    let mut fields = vec![
        "BCD".to_owned(),
        "002".to_owned(),
        "1".to_owned(),
        "SCT".to_owned(),
        bic,
        name.to_owned(),
        iban,
        amount,
        String::new(),
        structured,
        unstructured,
    ];
    // The guideline wants no separator after the last populated element.
    while fields.last().is_some_and(String::is_empty) {
        fields.pop();
    }
    let payload = fields.join("\n");
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(BankError::PayloadTooLong { len: payload.len() });
    }
    Ok(payload)
}

/// A field must fit in its line: no line breaks (they would shift every later element) and a maximum
/// length in characters.
fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), BankError> {
    if text.chars().any(char::is_control) {
        return Err(BankError::ControlCharacter { field });
    }
    let len = text.chars().count();
    if len > max {
        return Err(BankError::TooLong { field, len, max });
    }
    Ok(())
}

fn format_amount(amount: Money) -> Result<String, BankError> {
    if amount.currency() != Currency::EUR {
        return Err(BankError::UnsupportedCurrency(amount.currency()));
    }
    let cents = amount.minor();
    if !(1..=MAX_AMOUNT_MINOR).contains(&cents) {
        return Err(BankError::AmountOutOfRange(amount));
    }
    Ok(format!("EUR{}.{:02}", cents / 100, cents % 100))
}

/// Validates an IBAN and returns it in electronic form (no spaces, upper case).
///
/// Accepts the printed form with spaces. Checks: letters and digits only, country code letters, check
/// digits digits and within 02..=98, the country's length where known, and the ISO 13616 MOD 97-10 check
/// (the BBAN followed by country code and check digits, read as a number, leaves remainder 1).
pub fn validate_iban(input: &str) -> Result<String, BankError> {
    let iban: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let bad = |reason| Err(BankError::InvalidIban { iban: input.to_owned(), reason });
    if !iban.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return bad("only letters and digits are allowed");
    }
    if !(15..=34).contains(&iban.len()) {
        return bad("an IBAN has 15 to 34 characters");
    }
    let (country, rest) = iban.split_at(2);
    let check = &rest[..2];
    if !country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return bad("it must start with a two-letter country code");
    }
    if !check.bytes().all(|b| b.is_ascii_digit()) || ["00", "01", "99"].contains(&check) {
        return bad("the check digits must be 02 to 98");
    }
    if let Some(&(_, length)) = IBAN_LENGTHS.iter().find(|(code, _)| *code == country)
        && iban.len() != length
    {
        return bad("wrong length for its country");
    }
    let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
    if mod97(&rearranged) != 1 {
        return bad("the check digits do not match (typing error?)");
    }
    Ok(iban)
}

/// Validates a BIC (ISO 9362) and returns it without spaces, upper case: 4 characters institution code,
/// 2 letters country, 2 characters location, optionally 3 characters branch.
pub fn validate_bic(input: &str) -> Result<String, BankError> {
    let bic: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let shape_ok = matches!(bic.len(), 8 | 11)
        && bic.bytes().all(|b| b.is_ascii_alphanumeric())
        && bic.as_bytes()[4..6].iter().all(u8::is_ascii_alphabetic);
    if shape_ok { Ok(bic) } else { Err(BankError::InvalidBic(input.to_owned())) }
}

/// Builds an ISO 11649 creditor reference (`RF` + two check digits + base) from an invoice number.
///
/// Separators and spaces are dropped and letters upper-cased ("RE-2026-000042" gives base "RE2026000042"),
/// since an RF reference may contain only A-Z and 0-9. Fails when nothing is left, when the base would be
/// longer than 21 characters, or when it contains non-ASCII letters: a truncated or transliterated base would
/// no longer identify the invoice.
pub fn rf_creditor_reference(base: &str) -> Result<String, BankError> {
    let bad = |reason| Err(BankError::InvalidReference { base: base.to_owned(), reason });
    if !base.is_ascii() {
        return bad("only ASCII letters and digits can be carried");
    }
    let normalized: String = base.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    if normalized.is_empty() {
        return bad("no letters or digits");
    }
    if normalized.len() > MAX_RF_BASE {
        return bad("more than 21 letters and digits");
    }
    // Check digits are 98 minus the remainder of base + "RF00", so that base + "RF" + check leaves 1.
    let check = 98 - mod97(&format!("{normalized}RF00"));
    Ok(format!("RF{check:02}{normalized}"))
}

/// Whether `text` is a valid ISO 11649 creditor reference, in electronic or printed (grouped) form.
pub fn validate_rf(text: &str) -> bool {
    let rf = normalize_rf(text);
    let bytes = rf.as_bytes();
    (5..=4 + MAX_RF_BASE).contains(&bytes.len())
        && rf.starts_with("RF")
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && !["00", "01", "99"].contains(&&rf[2..4])
        && bytes[4..].iter().all(u8::is_ascii_alphanumeric)
        && mod97(&format!("{}{}", &rf[4..], &rf[..4])) == 1
}

/// Electronic form of a creditor reference: spaces removed, upper case.
fn normalize_rf(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    #[rstest]
    #[case("DE89370400440532013000")]
    #[case("DE89 3704 0044 0532 0130 00")]
    #[case("de89370400440532013000")]
    #[case("GB82WEST12345698765432")]
    #[case("FR1420041010050500013M02606")]
    #[case("NL91ABNA0417164300")]
    #[case("BE68539007547034")]
    #[case("AT611904300234573201")]
    #[case("CH9300762011623852957")]
    #[case("ES9121000418450200051332")]
    #[case("IT60X0542811101000000123456")]
    #[case("NO9386011117947")]
    #[case("PL61109010140000071219812874")]
    #[case("MT84MALT011000012345MTLCAST001S")]
    #[case("LU280019400644750000")]
    #[case("PT50000201231234567890154")]
    #[case("SE4550000000058398257466")]
    #[case("DK5000400440116243")]
    #[case("FI2112345600000785")]
    #[case("IE29AIBK93115212345678")]
    fn valid_ibans(#[case] iban: &str) {
        let normalized = validate_iban(iban).unwrap();
        assert_eq!(normalized, iban.replace(' ', "").to_ascii_uppercase());
    }

    #[rstest]
    // One digit changed.
    #[case("DE89370400440532013001", "the check digits do not match (typing error?)")]
    // Two adjacent digits swapped.
    #[case("DE89370400440532010300", "the check digits do not match (typing error?)")]
    #[case("DE8937040044053201300", "wrong length for its country")]
    #[case("DE00370400440532013000", "the check digits must be 02 to 98")]
    #[case("DEAB370400440532013000", "the check digits must be 02 to 98")]
    #[case("1289370400440532013000", "it must start with a two-letter country code")]
    #[case("DE89-3704-0044-0532-0130-00", "only letters and digits are allowed")]
    #[case("DE8937040044", "an IBAN has 15 to 34 characters")]
    #[case("", "an IBAN has 15 to 34 characters")]
    #[case("DÉ89370400440532013000", "only letters and digits are allowed")]
    fn invalid_ibans(#[case] iban: &str, #[case] reason: &'static str) {
        assert_eq!(validate_iban(iban), Err(BankError::InvalidIban { iban: iban.to_owned(), reason }));
    }

    #[rstest]
    #[case("COBADEFFXXX", Some("COBADEFFXXX"))]
    #[case("cobadeff", Some("COBADEFF"))]
    #[case("DEUT DE DB XXX", Some("DEUTDEDBXXX"))]
    #[case("COBA1EFF", None)]
    #[case("COBADEF", None)]
    #[case("COBADEFFXX", None)]
    #[case("COBA-DEFF", None)]
    fn bics(#[case] bic: &str, #[case] expected: Option<&str>) {
        assert_eq!(validate_bic(bic).ok().as_deref(), expected);
    }

    #[test]
    fn rf_reference_round_trip() {
        let rf = rf_creditor_reference("RE-2026-000042").unwrap();
        assert_eq!(rf, "RF29RE2026000042");
        assert!(validate_rf(&rf));
        assert!(validate_rf("rf29 re20 2600 0042"));
        // The ISO 11649 example.
        assert_eq!(rf_creditor_reference("5390 0754 7034").unwrap(), "RF18539007547034");
        assert!(validate_rf("RF18 5390 0754 7034"));
        // Small bases get a leading zero in the check digits when needed.
        for base in ["1", "A", "ZZZZZZZZZZZZZZZZZZZZZ", "000000000000000000000"] {
            let rf = rf_creditor_reference(base).unwrap();
            assert!(validate_rf(&rf), "{rf}");
            assert_eq!(rf.len(), 4 + base.len());
        }
    }

    #[rstest]
    #[case("RF18539007547035")]
    #[case("RF81539007547034")]
    #[case("RF18")]
    #[case("RF18-5390-0754-7034")]
    #[case("XX18539007547034")]
    #[case("RF1853900754703412345678901")]
    #[case("RE-2026-000042")]
    #[case("")]
    fn invalid_rf(#[case] text: &str) {
        assert!(!validate_rf(text));
    }

    #[rstest]
    #[case("")]
    #[case(" - / ")]
    #[case("RE-2026-0000000000000042")]
    #[case("RÉ-1")]
    fn rf_base_refused(#[case] base: &str) {
        assert!(matches!(rf_creditor_reference(base), Err(BankError::InvalidReference { .. })));
    }

    #[test]
    fn payload_with_rf_reference_line_by_line() {
        let payload = epc_qr_payload(
            "Musterfirma GmbH",
            "DE89 3704 0044 0532 0130 00",
            Some("COBADEFFXXX"),
            eur(1234),
            "RF29 RE20 2600 0042",
        )
        .unwrap();
        let lines: Vec<&str> = payload.split('\n').collect();
        assert_eq!(
            lines,
            [
                "BCD",
                "002",
                "1",
                "SCT",
                "COBADEFFXXX",
                "Musterfirma GmbH",
                "DE89370400440532013000",
                "EUR12.34",
                "",
                "RF29RE2026000042",
            ]
        );
        assert!(!payload.ends_with('\n'));
    }

    #[test]
    fn payload_with_free_text_and_no_bic() {
        let payload = epc_qr_payload(
            "Müller & Söhne",
            "DE89370400440532013000",
            None,
            eur(99_999_999_999),
            "Rechnung RE-2026-000042",
        )
        .unwrap();
        assert_eq!(
            payload,
            "BCD\n002\n1\nSCT\n\nMüller & Söhne\nDE89370400440532013000\nEUR999999999.99\n\n\nRechnung RE-2026-000042"
        );
    }

    #[test]
    fn payload_without_reference_ends_at_the_amount() {
        let payload = epc_qr_payload("A", "DE89370400440532013000", Some(""), eur(1), "  ").unwrap();
        assert_eq!(payload, "BCD\n002\n1\nSCT\n\nA\nDE89370400440532013000\nEUR0.01");
    }

    #[test]
    fn name_limits() {
        let iban = "DE89370400440532013000";
        let longest = "N".repeat(70);
        assert!(epc_qr_payload(&longest, iban, None, eur(100), "").is_ok());
        let too_long = "N".repeat(71);
        assert_eq!(
            epc_qr_payload(&too_long, iban, None, eur(100), ""),
            Err(BankError::TooLong { field: "beneficiary name", len: 71, max: 70 })
        );
        // Characters, not bytes, count for the name.
        assert!(epc_qr_payload(&"ä".repeat(70), iban, None, eur(100), "").is_ok());
        assert_eq!(epc_qr_payload("  ", iban, None, eur(100), ""), Err(BankError::Empty { field: "beneficiary name" }));
        assert_eq!(
            epc_qr_payload("Evil\nEUR1.00", iban, None, eur(100), ""),
            Err(BankError::ControlCharacter { field: "beneficiary name" })
        );
    }

    #[rstest]
    #[case(0)]
    #[case(-1)]
    #[case(100_000_000_000)]
    fn amount_out_of_range(#[case] minor: i64) {
        assert_eq!(
            epc_qr_payload("A", "DE89370400440532013000", None, eur(minor), ""),
            Err(BankError::AmountOutOfRange(eur(minor)))
        );
    }

    #[test]
    fn other_inputs_refused() {
        let iban = "DE89370400440532013000";
        let usd = Money::from_minor(100, Currency::USD);
        assert_eq!(epc_qr_payload("A", iban, None, usd, ""), Err(BankError::UnsupportedCurrency(Currency::USD)));
        assert!(matches!(
            epc_qr_payload("A", "DE89370400440532013001", None, eur(100), ""),
            Err(BankError::InvalidIban { .. })
        ));
        assert_eq!(epc_qr_payload("A", iban, Some("NOPE"), eur(100), ""), Err(BankError::InvalidBic("NOPE".into())));
        assert_eq!(
            epc_qr_payload("A", iban, None, eur(100), &"x".repeat(141)),
            Err(BankError::TooLong { field: "remittance information", len: 141, max: 140 })
        );
        // A reference that looks like RF but fails the check goes as free text.
        let payload = epc_qr_payload("A", iban, None, eur(100), "RF18539007547035").unwrap();
        assert!(payload.ends_with("\n\n\nRF18539007547035"));
    }

    #[test]
    fn payload_byte_limit() {
        // 70 + 140 three-byte characters fit every field limit but not the 331-byte total.
        let name = "€".repeat(70);
        let text = "€".repeat(140);
        assert!(matches!(
            epc_qr_payload(&name, "DE89370400440532013000", Some("COBADEFFXXX"), eur(100), &text),
            Err(BankError::PayloadTooLong { len }) if len > 331
        ));
    }

    proptest! {
        #[test]
        fn every_generated_rf_validates(base in "[A-Za-z0-9 -]{1,30}") {
            let kept = base.chars().filter(char::is_ascii_alphanumeric).count();
            match rf_creditor_reference(&base) {
                Ok(rf) => {
                    prop_assert!(validate_rf(&rf));
                    prop_assert!((1..=21).contains(&kept));
                    prop_assert_eq!(rf.len(), kept + 4);
                }
                Err(_) => prop_assert!(kept == 0 || kept > 21),
            }
        }

        #[test]
        fn any_single_digit_change_breaks_an_iban(position in 4_usize..22, delta in 1_u8..10) {
            let valid = b"DE89370400440532013000";
            let mut changed = valid.to_vec();
            changed[position] = b'0' + (changed[position] - b'0' + delta) % 10;
            let text = String::from_utf8(changed).unwrap();
            prop_assert!(validate_iban(&text).is_err());
        }
    }
}
