//! SEPA Direct Debit, the pure part (docs/adr/0040): the IBAN as typed for a mandate (a SEPA
//! country, that country's length, ISO 7064 mod 97-10), the creditor identifier (ISO 13616 check
//! digits over the national part, the business code left out), and the mandate reference.

use sha2::{Digest, Sha256};

/// The version of the mandate text the portal shows and stores with each mandate (the Fluent
/// messages `portal-sepa-mandate-text` and `portal-sepa-mandate-rights`). Change it whenever
/// their wording changes in any language.
pub const MANDATE_TEXT_VERSION: &str = "sepa-core-2026-12";

/// IBAN lengths of the countries in the SEPA scheme (EPC list of countries, ISO 13616 registry).
pub const SEPA_IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// Why a typed IBAN is refused; each has its own localized message (`portal-sepa-iban-<code>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IbanError {
    /// Not two letters, two digits and letters or digits.
    Shape,
    /// A country outside the SEPA scheme.
    Country { country: String },
    /// The wrong number of characters for its country.
    Length { country: String, expected: usize, got: usize },
    /// The check digits do not match (a typing error).
    Checksum,
}

impl IbanError {
    /// The message key suffix: `shape`, `country`, `length`, `checksum`.
    pub fn code(&self) -> &'static str {
        match self {
            IbanError::Shape => "shape",
            IbanError::Country { .. } => "country",
            IbanError::Length { .. } => "length",
            IbanError::Checksum => "checksum",
        }
    }
}

/// ISO 7064 mod 97-10 of `text` read with letters as 10..35, digit by digit (no big integers).
fn mod97(text: &str) -> u32 {
    text.chars().fold(0_u32, |rem, c| {
        let v = c.to_digit(36).unwrap_or(0);
        if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 }
    })
}

/// An IBAN of a SEPA country as typed (spaces allowed, any case), in electronic form.
pub fn parse_iban(text: &str) -> Result<String, IbanError> {
    let iban: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let shape = iban.len() >= 5
        && iban.is_ascii()
        && iban.bytes().all(|b| b.is_ascii_alphanumeric())
        && iban[..2].bytes().all(|b| b.is_ascii_alphabetic())
        && iban[2..4].bytes().all(|b| b.is_ascii_digit());
    if !shape {
        return Err(IbanError::Shape);
    }
    let country = &iban[..2];
    let Some(&(_, expected)) = SEPA_IBAN_LENGTHS.iter().find(|(c, _)| *c == country) else {
        return Err(IbanError::Country { country: country.to_owned() });
    };
    if iban.len() != expected {
        return Err(IbanError::Length { country: country.to_owned(), expected, got: iban.len() });
    }
    if mod97(&format!("{}{}", &iban[4..], &iban[..4])) != 1 {
        return Err(IbanError::Checksum);
    }
    Ok(iban)
}

/// The last four characters (what the method's name shows).
pub fn last4(iban: &str) -> String {
    iban.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()
}

/// A SEPA creditor identifier as typed: country, two check digits, a three-character business
/// code (not part of the check, `ZZZ` by default) and the national identifier (up to 28 letters
/// or digits; 11 digits in Germany, 18 characters in all). The check digits are ISO 13616
/// mod 97-10 over the national identifier followed by the country and the check digits.
pub fn parse_creditor_id(text: &str) -> crate::Result<String> {
    let id: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let bad = |reason: &str| Err(crate::Error::invalid("sepa_creditor_id", reason.to_string()));
    let shape = (8..=35).contains(&id.len())
        && id.is_ascii()
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
        && id[..2].bytes().all(|b| b.is_ascii_alphabetic())
        && id[2..4].bytes().all(|b| b.is_ascii_digit());
    if !shape {
        return bad(
            "a creditor identifier is a country code, two check digits, a business code and the national id, e.g. DE98ZZZ09999999999",
        );
    }
    if !SEPA_IBAN_LENGTHS.iter().any(|(c, _)| *c == &id[..2]) {
        return bad("the country is not in the SEPA scheme");
    }
    if &id[..2] == "DE" && (id.len() != 18 || !id[7..].bytes().all(|b| b.is_ascii_digit())) {
        return bad("a German creditor identifier has 18 characters: DE, 2 check digits, 3 business code, 11 digits");
    }
    if mod97(&format!("{}{}", &id[7..], &id[..4])) != 1 {
        return bad("the check digits do not match");
    }
    Ok(id)
}

/// The SEPA Core rulebook's pre-notification period when nothing else is agreed: at least 14
/// calendar days before the debit (domain reference § 10.2).
pub const PRENOTIFICATION_DEFAULT_DAYS: i16 = 14;
/// The shortest period a mandate may agree (docs/adr/0048): the rulebook lets creditor and debtor
/// shorten it by contract, down to one business day before the debit.
pub const PRENOTIFICATION_MIN_DAYS: i16 = 1;
/// The longest period a mandate may agree (docs/adr/0048): a notice sent earlier than a month is
/// no longer about a debit at hand, and every debit of the mandate waits that long after its
/// invoice.
pub const PRENOTIFICATION_MAX_DAYS: i16 = 30;

/// An agreed pre-notification period in calendar days, checked against
/// [`PRENOTIFICATION_MIN_DAYS`]..=[`PRENOTIFICATION_MAX_DAYS`]; `None` when out of bounds.
pub fn prenotification_days(days: i64) -> Option<i16> {
    i16::try_from(days).ok().filter(|d| (PRENOTIFICATION_MIN_DAYS..=PRENOTIFICATION_MAX_DAYS).contains(d))
}

/// The period a debit under a mandate waits after its notice: the agreed one, else the
/// rulebook's 14 days.
pub fn effective_prenotification_days(agreed: Option<i16>) -> i16 {
    agreed.unwrap_or(PRENOTIFICATION_DEFAULT_DAYS)
}

/// A mandate reference given by the merchant (a mandate signed on paper or elsewhere): 1 to 35
/// characters of the SEPA character set (Latin letters, digits, space and `/ - ? : ( ) . , ' +`),
/// not starting or ending with a space.
pub fn parse_reference(text: &str) -> crate::Result<String> {
    let r = text.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || " /-?:().,'+".contains(c);
    if r.is_empty() || r.chars().count() > 35 || !r.chars().all(allowed) {
        return Err(crate::Error::invalid(
            "reference",
            "a mandate reference has 1 to 35 characters: letters, digits, spaces and / - ? : ( ) . , ' +",
        ));
    }
    Ok(r.to_owned())
}

/// The mandate reference for a mandate signed with the form `nonce` of `tenant`: `MDT-` and 16
/// upper-case hexadecimal digits of a digest, 20 characters (the rulebook allows 35). The form
/// shows it in the mandate text before the customer confirms, and the confirmation derives the
/// same one; it is unique per tenant (a constraint in the database).
pub fn mandate_reference(tenant: uuid::Uuid, nonce: &str) -> String {
    let digest = Sha256::digest(format!("sepa-mandate:{tenant}:{nonce}").as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02X}")).collect();
    format!("MDT-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_by_country_length_and_mod_97() {
        assert_eq!(parse_iban("de89 3704 0044 0532 0130 00").unwrap(), "DE89370400440532013000");
        assert_eq!(parse_iban("FR14 2004 1010 0505 0001 3M02 606").unwrap(), "FR1420041010050500013M02606");
        assert_eq!(parse_iban("DE89 3704 0044 0532 0130 01"), Err(IbanError::Checksum));
        assert_eq!(
            parse_iban("DE89 3704 0044 0532 0130"),
            Err(IbanError::Length { country: "DE".into(), expected: 22, got: 20 })
        );
        assert_eq!(parse_iban("US12 3456 7890"), Err(IbanError::Country { country: "US".into() }));
        assert_eq!(parse_iban("1234"), Err(IbanError::Shape));
        assert_eq!(parse_iban("DE89-3704"), Err(IbanError::Shape));
        assert_eq!(parse_iban("ÄÖ89370400440532013000"), Err(IbanError::Shape));
        assert_eq!(last4("DE89370400440532013000"), "3000");
    }

    #[test]
    fn an_agreed_prenotification_period_is_one_to_thirty_days_and_none_is_fourteen() {
        assert_eq!(prenotification_days(1), Some(1));
        assert_eq!(prenotification_days(30), Some(30));
        for bad in [0, -1, 31, 365, i64::from(i16::MAX) + 1] {
            assert_eq!(prenotification_days(bad), None, "{bad}");
        }
        assert_eq!(effective_prenotification_days(None), 14);
        assert_eq!(effective_prenotification_days(Some(5)), 5);
        assert_eq!(parse_reference(" MDT/2026-0001 ").unwrap(), "MDT/2026-0001");
        assert!(parse_reference("").is_err());
        assert!(parse_reference(&"A".repeat(36)).is_err());
        assert!(parse_reference("Mandat #1").is_err());
        assert!(parse_reference("Straße").is_err());
    }

    #[test]
    fn any_swapped_neighbours_are_caught() {
        let good = "DE89370400440532013000";
        for i in 4..good.len() - 1 {
            let mut b = good.as_bytes().to_vec();
            if b[i] == b[i + 1] {
                continue;
            }
            b.swap(i, i + 1);
            let swapped = String::from_utf8(b).unwrap();
            assert_eq!(parse_iban(&swapped), Err(IbanError::Checksum), "{swapped}");
        }
    }

    #[test]
    fn creditor_identifiers_are_checked_without_the_business_code() {
        assert_eq!(parse_creditor_id("DE98ZZZ09999999999").unwrap(), "DE98ZZZ09999999999");
        // The business code is free: another one keeps the same check digits.
        assert_eq!(parse_creditor_id("de98 abc 09999999999").unwrap(), "DE98ABC09999999999");
        assert!(parse_creditor_id("DE97ZZZ09999999999").is_err(), "check digits");
        assert!(parse_creditor_id("DE98ZZZ0999999999").is_err(), "German length");
        assert!(parse_creditor_id("US98ZZZ09999999999").is_err(), "not SEPA");
        assert!(parse_creditor_id("").is_err());
    }

    #[test]
    fn mandate_references_are_stable_per_form_and_short() {
        let t = uuid::Uuid::nil();
        let a = mandate_reference(t, "nonce-1");
        assert_eq!(a, mandate_reference(t, "nonce-1"));
        assert_ne!(a, mandate_reference(t, "nonce-2"));
        assert_ne!(a, mandate_reference(uuid::Uuid::max(), "nonce-1"));
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("MDT-") && a[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
