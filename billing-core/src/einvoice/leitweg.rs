//! The Leitweg-ID: the routing id German public buyers (B2G) give their suppliers, sent as buyer
//! reference (BT-10). Shape (KoSIT "Format der Leitweg-ID" 2.0): a coarse address of 2 to 12
//! digits, an optional fine address of up to 30 letters or digits, and two check digits, joined
//! by hyphens (`04011000-1234512345-06`). The check digits follow ISO/IEC 7064 MOD 97-10 over the
//! whole id with letters read as 10..35, as for an IBAN: the number mod 97 is 1.

use crate::error::{Error, Result};

/// The Leitweg-ID in its canonical form (upper case, trimmed), or why it is not one.
pub fn parse_leitweg_id(text: &str) -> Result<String> {
    let id = text.trim().to_ascii_uppercase();
    let parts: Vec<&str> = id.split('-').collect();
    let shape = match parts.as_slice() {
        [coarse, check] => coarse_ok(coarse) && check_ok(check),
        [coarse, fine, check] => {
            coarse_ok(coarse)
                && (1..=30).contains(&fine.len())
                && fine.chars().all(|c| c.is_ascii_alphanumeric())
                && check_ok(check)
        }
        _ => false,
    };
    if !shape {
        return Err(Error::invalid(
            "buyer_reference",
            "a Leitweg-ID is 2-12 digits, an optional part of up to 30 letters or digits, and 2 check digits, joined by hyphens",
        ));
    }
    let mut rem: u32 = 0;
    for c in id.chars().filter(|c| *c != '-') {
        let v = c.to_digit(36).unwrap_or(0);
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    if rem != 1 {
        return Err(Error::invalid("buyer_reference", "the Leitweg-ID's check digits do not match"));
    }
    Ok(id)
}

fn coarse_ok(s: &str) -> bool {
    (2..=12).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
}

fn check_ok(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("04011000-12345-03")]
    #[case("991-33333TEST-33")]
    #[case("04011000-1234512345-06")]
    #[case(" 991-33333test-33 ")]
    fn published_example_ids_are_accepted(#[case] id: &str) {
        assert_eq!(parse_leitweg_id(id).unwrap(), id.trim().to_ascii_uppercase());
    }

    #[rstest]
    #[case::wrong_check_digits("04011000-12345-04")]
    #[case::no_check_digits("04011000-12345")]
    #[case::letters_in_coarse("0401A000-12345-03")]
    #[case::too_many_parts("1-2-3-45")]
    #[case::empty("")]
    fn malformed_ids_are_refused(#[case] id: &str) {
        assert!(parse_leitweg_id(id).is_err());
    }
}
