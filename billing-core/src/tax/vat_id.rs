//! VAT identification numbers: normalization, format and check-digit validation, and VIES evidence types.
//!
//! Why check digits locally: every EU Member State's VAT number carries a check digit (or letter),
//! so a typo can be rejected in the sign-up form before VIES (Art. 31 Regulation (EU) 904/2010) is
//! asked. VIES stays the authority on whether a number is *registered*; this module only says
//! whether it is *well-formed*. Formats follow domain.md §3.1; the check algorithms are the national
//! ones as documented by python-stdnum (`stdnum/<cc>/<module>.py`, named per country below), which
//! was also used as an oracle for the test vectors. The code here is an independent implementation.
//!
//! Canonical form ([`fmt::Display`]): the prefix immediately followed by the normalized number, no
//! separators: `DE136695976`, `ATU13585627`, `EL094259216`, `CHE123456789`, `NO123456789`. It is
//! the form VIES and most registries use, it is unique per number, and it parses back to the same
//! value, so it is what the store persists. Swiss and Norwegian invoices want a decorated form
//! (`CHE-123.456.789 MWST`, Art. 26 Abs. 2 MWSTG; `NO 123 456 789 MVA`, bokføringsforskriften
//! § 5-1-1), which [`VatId::invoice_form`] gives.

use core::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::country::Country;

/// A syntactically valid VAT identification number (format and check digits verified).
///
/// Fields are private so that every value went through [`VatId::parse`].
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VatId {
    /// `DE`, `EL`, `XI`, `GB`, `CHE`, `NO`, ...
    country_prefix: String,
    /// Normalized: upper case, no spaces, dots or dashes, no prefix, no CH/NO suffix.
    number: String,
    country: Country,
}

/// Why a text is not a VAT ID. Distinct variants so that the UI can say "unknown country prefix",
/// "wrong length or characters for a German VAT ID" or "check digit does not match (typo?)".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatIdError {
    #[error("unknown VAT ID prefix {prefix:?}")]
    UnknownPrefix { prefix: String },
    #[error("not a valid {country} VAT ID format")]
    BadFormat { country: Country },
    #[error("the check digits of this {country} VAT ID do not match")]
    BadCheckDigits { country: Country },
}

/// Outcome of checking a VAT ID with VIES (or a national service such as eVatR), persisted as
/// evidence for the B2B treatment (Art. 18(1) Regulation (EU) 282/2011).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VatIdStatus {
    /// Confirmed. `consultation_number` is VIES's `requestIdentifier`, issued only when the requester's
    /// own VAT ID was sent; name and address are returned by some Member States only (not DE, ES).
    Valid {
        checked_at: DateTime<Utc>,
        consultation_number: Option<String>,
        name: Option<String>,
        address: Option<String>,
    },
    /// VIES answered that the number is not registered.
    Invalid { checked_at: DateTime<Utc> },
    /// No answer yet (service or Member State unavailable, timeout, not yet checked). Never to be
    /// read as invalid: "no answer" is "unchecked".
    Unverified { reason: String, since: DateTime<Utc> },
}

impl VatIdStatus {
    pub fn is_valid(&self) -> bool {
        matches!(self, VatIdStatus::Valid { .. })
    }
}

/// Prefix → ISO country. `EL` is Greece's VAT prefix (ISO `GR`); `XI` is Northern Ireland for goods
/// under the Windsor Framework (ISO `GB`); Swiss UIDs start with `CHE`.
const PREFIXES: &[(&str, &str)] = &[
    ("AT", "AT"),
    ("BE", "BE"),
    ("BG", "BG"),
    ("CHE", "CH"),
    ("CY", "CY"),
    ("CZ", "CZ"),
    ("DE", "DE"),
    ("DK", "DK"),
    ("EE", "EE"),
    ("EL", "GR"),
    ("ES", "ES"),
    ("FI", "FI"),
    ("FR", "FR"),
    ("GB", "GB"),
    ("HR", "HR"),
    ("HU", "HU"),
    ("IE", "IE"),
    ("IT", "IT"),
    ("LT", "LT"),
    ("LU", "LU"),
    ("LV", "LV"),
    ("MT", "MT"),
    ("NL", "NL"),
    ("NO", "NO"),
    ("PL", "PL"),
    ("PT", "PT"),
    ("RO", "RO"),
    ("SE", "SE"),
    ("SI", "SI"),
    ("SK", "SK"),
    ("XI", "GB"),
];

/// Language suffixes of a Swiss VAT number (MWST German, TVA French, IVA Italian, TPV Romansh).
const CH_SUFFIXES: &[&str] = &["MWST", "TVA", "IVA", "TPV"];

/// What a per-country check found wrong.
enum Fault {
    Format,
    Check,
}

type Check = Result<(), Fault>;

impl VatId {
    /// Normalizes and validates `text`.
    ///
    /// Normalization: upper-case; drop whitespace, dots and dashes. `GR` is accepted as an alias of
    /// `EL` (people type the ISO code) and stored as `EL`. Swiss numbers may carry a language suffix
    /// (`CHE-123.456.789 MWST`/`TVA`/`IVA`/`TPV`), Norwegian ones the `MVA` suffix (`NO 123456789 MVA`);
    /// both suffixes are optional and not stored. Old 9-digit Belgian and 8-digit Greek numbers get
    /// their leading 0.
    pub fn parse(text: &str) -> Result<VatId, VatIdError> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();

        let (prefix, rest) = split_prefix(&compact)?;
        let country = PREFIXES
            .iter()
            .find(|(p, _)| *p == prefix)
            .and_then(|(_, iso)| Country::parse(iso).ok())
            .ok_or_else(|| VatIdError::UnknownPrefix { prefix: prefix.to_owned() })?;

        let mut number = rest.to_owned();
        match prefix {
            "CHE" => {
                if let Some(suffix) = CH_SUFFIXES.iter().find(|s| number.ends_with(**s)) {
                    number.truncate(number.len() - suffix.len());
                }
            }
            "NO" => {
                if let Some(stripped) = number.strip_suffix("MVA") {
                    number = stripped.to_owned();
                }
            }
            // Old Belgian (9 digits) and Greek (8 digits) numbers are padded with a leading 0, the
            // form VIES expects.
            "BE" if number.len() == 9 => number.insert(0, '0'),
            "EL" if number.len() == 8 => number.insert(0, '0'),
            _ => {}
        }

        // Every national format is ASCII letters and digits (plus `+`/`*` in old Irish numbers), and
        // the checks below slice by byte, so anything else is rejected here.
        if !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'*') {
            return Err(VatIdError::BadFormat { country });
        }
        let checked = match prefix {
            "AT" => check_at(&number),
            "BE" => check_be(&number),
            "BG" => check_bg(&number),
            "CY" => check_cy(&number),
            "CZ" => check_cz(&number),
            "DE" => check_de(&number),
            "DK" => check_dk(&number),
            "EE" => check_ee(&number),
            "EL" => check_el(&number),
            "ES" => check_es(&number),
            "FI" => check_fi(&number),
            "FR" => check_fr(&number),
            "HR" => check_hr(&number),
            "HU" => check_hu(&number),
            "IE" => check_ie(&number),
            "IT" => check_it(&number),
            "LT" => check_lt(&number),
            "LU" => check_lu(&number),
            "LV" => check_lv(&number),
            "MT" => check_mt(&number),
            "NL" => check_nl(&number),
            "PL" => check_pl(&number),
            "PT" => check_pt(&number),
            "RO" => check_ro(&number),
            "SE" => check_se(&number),
            "SI" => check_si(&number),
            "SK" => check_sk(&number),
            "GB" | "XI" => check_gb(&number),
            "CHE" => check_ch(&number),
            "NO" => check_no(&number),
            _ => Err(Fault::Format),
        };
        match checked {
            Ok(()) => Ok(VatId { country_prefix: prefix.to_owned(), number, country }),
            Err(Fault::Format) => Err(VatIdError::BadFormat { country }),
            Err(Fault::Check) => Err(VatIdError::BadCheckDigits { country }),
        }
    }

    /// The VAT prefix: `DE`, `EL`, `XI`, `GB`, `CHE`, `NO`, ...
    pub fn prefix(&self) -> &str {
        &self.country_prefix
    }

    /// The normalized number without prefix (`136695976`; Austria keeps its `U`: `U13585627`). This is
    /// the `vatNumber` VIES expects.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The ISO country: `EL` → `GR`, `XI` → `GB`, `CHE` → `CH`.
    pub fn country(&self) -> Country {
        self.country
    }

    /// Whether VIES can check this number (EU prefixes and XI; not GB, CH, NO).
    pub fn in_vies(&self) -> bool {
        self.country.is_eu() || self.country_prefix == "XI"
    }

    /// The form to print on an invoice: the canonical form, except `CHE-123.456.789 MWST` for
    /// Switzerland (Art. 26 Abs. 2 lit. a MWSTG: the UID with the MWST suffix) and
    /// `NO 123 456 789 MVA` for Norway (bokføringsforskriften § 5-1-1: organisation number + "MVA").
    pub fn invoice_form(&self) -> String {
        let n = &self.number;
        match self.country_prefix.as_str() {
            "CHE" if n.len() == 9 => format!("CHE-{}.{}.{} MWST", &n[..3], &n[3..6], &n[6..]),
            "NO" if n.len() == 9 => format!("NO {} {} {} MVA", &n[..3], &n[3..6], &n[6..]),
            _ => self.to_string(),
        }
    }
}

impl fmt::Display for VatId {
    /// Canonical form: prefix + normalized number (`DE136695976`, `CHE123456789`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.country_prefix, self.number)
    }
}

impl core::str::FromStr for VatId {
    type Err = VatIdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        VatId::parse(text)
    }
}

impl Serialize for VatId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VatId {
    /// Re-validates on the way in, so a stored value can never bypass [`VatId::parse`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        VatId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Splits the compact text into its prefix and the rest.
fn split_prefix(compact: &str) -> Result<(&str, &str), VatIdError> {
    if let Some(rest) = compact.strip_prefix("CHE") {
        return Ok(("CHE", rest));
    }
    let Some(prefix) = compact.get(..2) else {
        return Err(VatIdError::UnknownPrefix { prefix: compact.chars().take(3).collect() });
    };
    let rest = &compact[2..];
    match prefix {
        // Greek VAT numbers use EL; GR is the ISO code people type.
        "GR" => Ok(("EL", rest)),
        // A Swiss number without the E of CHE: the country is clear, the format is not.
        "CH" => match Country::parse("CH") {
            Ok(country) => Err(VatIdError::BadFormat { country }),
            Err(_) => Err(VatIdError::UnknownPrefix { prefix: prefix.to_owned() }),
        },
        _ => Ok((prefix, rest)),
    }
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/// The digit values of `s`, or `Fault::Format` if `s` has any non-digit (or is empty).
fn digits(s: &str) -> Result<Vec<u32>, Fault> {
    if s.is_empty() {
        return Err(Fault::Format);
    }
    s.chars().map(|c| c.to_digit(10).ok_or(Fault::Format)).collect()
}

/// `len` digits exactly.
fn digits_n(s: &str, len: usize) -> Result<Vec<u32>, Fault> {
    let d = digits(s)?;
    if d.len() == len { Ok(d) } else { Err(Fault::Format) }
}

/// Σ weight × digit (weights may be negative, as in the Polish NIP).
fn weighted(d: &[u32], weights: &[i64]) -> i64 {
    d.iter().zip(weights).map(|(&digit, &w)| i64::from(digit) * w).sum()
}

/// The number the digits spell, for at most 18 digits (callers bound the length).
fn value(d: &[u32]) -> u64 {
    d.iter().fold(0, |acc, &digit| acc * 10 + u64::from(digit))
}

fn ok_if(condition: bool) -> Check {
    if condition { Ok(()) } else { Err(Fault::Check) }
}

fn format_if(condition: bool) -> Check {
    if condition { Ok(()) } else { Err(Fault::Format) }
}

/// Luhn (ISO/IEC 7812-1) checksum: 0 for a valid number. Every second digit from the right is
/// doubled and its digit sum taken.
fn luhn_checksum(d: &[u32]) -> u32 {
    d.iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| if i % 2 == 1 { (digit * 2) / 10 + (digit * 2) % 10 } else { digit })
        .sum::<u32>()
        % 10
}

/// ISO 7064 MOD 11,10 (pure system, used by DE and the Croatian OIB): the check digit the first
/// `n - 1` digits call for equals the last one.
fn iso7064_mod_11_10(d: &[u32]) -> bool {
    let Some((&check, body)) = d.split_last() else { return false };
    let mut product = 10;
    for &digit in body {
        let mut sum = (digit + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    (11 - product) % 10 == check
}

/// ISO 7064 MOD 97-10 over alphanumerics (letters count as 10..35), valid when the remainder is 1.
fn iso7064_mod_97_10(text: &str) -> bool {
    let mut remainder: u32 = 0;
    for c in text.chars() {
        let Some(v) = c.to_digit(36) else { return false };
        remainder = if v >= 10 { (remainder * 100 + v) % 97 } else { (remainder * 10 + v) % 97 };
    }
    remainder == 1
}

fn valid_date(year: i32, month: u32, day: u32) -> bool {
    NaiveDate::from_ymd_opt(year, month, day).is_some()
}

/// Two decimal digits at `at` as a number.
fn pair(d: &[u32], at: usize) -> u32 {
    d[at] * 10 + d[at + 1]
}

// ---------------------------------------------------------------------------------------------
// Per-country checks. Each names its python-stdnum module, where the algorithm is documented.

/// AT, UID (`at/uid.py`): `U` + 8 digits; check = (6 − Luhn checksum of digits 1–7) mod 10.
fn check_at(n: &str) -> Check {
    let body = n.strip_prefix('U').ok_or(Fault::Format)?;
    let d = digits_n(body, 8)?;
    ok_if((16 - luhn_checksum(&d[..7])) % 10 == d[7])
}

/// BE, numéro d'entreprise (`be/vat.py`): 10 digits starting with 0 or 1; the first 8 plus the last
/// 2 are divisible by 97.
fn check_be(n: &str) -> Check {
    let d = digits_n(n, 10)?;
    format_if(d[0] <= 1 && value(&d) > 0)?;
    ok_if((value(&d[..8]) + value(&d[8..])).is_multiple_of(97))
}

/// BG, ЕИК/БУЛСТАТ (`bg/vat.py`, `bg/egn.py`, `bg/pnf.py`): 9 digits for legal entities, 10 digits for
/// natural persons (a personal number ЕГН, a foreigner's number ЛНЧ, or another 10-digit number).
fn check_bg(n: &str) -> Check {
    let d = digits(n)?;
    match d.len() {
        9 => {
            let mut sum = weighted(&d[..8], &[1, 2, 3, 4, 5, 6, 7, 8]) % 11;
            if sum == 10 {
                sum = weighted(&d[..8], &[3, 4, 5, 6, 7, 8, 9, 10]) % 11;
            }
            ok_if(sum % 10 == i64::from(d[8]))
        }
        10 => ok_if(bg_egn(&d) || bg_pnf(&d) || bg_other(&d)),
        _ => Err(Fault::Format),
    }
}

/// ЕГН: YYMMDD (month + 20 for 1800s, + 40 for 2000s), weights 2,4,8,5,10,9,7,3,6, mod 11 mod 10.
fn bg_egn(d: &[u32]) -> bool {
    let (mut year, mut month, day) = (1900 + pair(d, 0) as i32, pair(d, 2), pair(d, 4));
    if month > 40 {
        year += 100;
        month -= 40;
    } else if month > 20 {
        year -= 100;
        month -= 20;
    }
    valid_date(year, month, day) && weighted(&d[..9], &[2, 4, 8, 5, 10, 9, 7, 3, 6]) % 11 % 10 == i64::from(d[9])
}

/// ЛНЧ: weights 21,19,17,13,11,9,7,3,1, mod 10.
fn bg_pnf(d: &[u32]) -> bool {
    weighted(&d[..9], &[21, 19, 17, 13, 11, 9, 7, 3, 1]) % 10 == i64::from(d[9])
}

/// Other 10-digit numbers: weights 4,3,2,7,6,5,4,3,2 plus the check digit ≡ 0 (mod 11).
fn bg_other(d: &[u32]) -> bool {
    (weighted(&d[..9], &[4, 3, 2, 7, 6, 5, 4, 3, 2]) + i64::from(d[9])) % 11 == 0
}

/// CY (`cy/vat.py`): 8 digits + check letter; numbers starting with 12 are not issued. Digits in even
/// positions are recoded (0→1, 1→0, 2→5, 3→7, 4→9, 5→13, 6→15, 7→17, 8→19, 9→21), odd ones kept; the
/// sum mod 26 is the letter (A = 0).
fn check_cy(n: &str) -> Check {
    let (body, letter) = n.split_at_checked(8).ok_or(Fault::Format)?;
    let d = digits_n(body, 8)?;
    let letter = match letter.as_bytes() {
        [c] if c.is_ascii_uppercase() => u32::from(*c - b'A'),
        _ => return Err(Fault::Format),
    };
    format_if(pair(&d, 0) != 12)?;
    const RECODE: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
    let sum: u32 =
        d.iter().enumerate().map(|(i, &digit)| if i % 2 == 0 { RECODE[digit as usize] } else { digit }).sum();
    ok_if(sum % 26 == letter)
}

/// CZ, DIČ (`cz/dic.py`, `cz/rc.py`): 8 digits for legal entities (weights 8..2, mod 11); 9 digits
/// starting with 6 for special cases; otherwise 9 or 10 digits are a birth number (rodné číslo).
fn check_cz(n: &str) -> Check {
    let d = digits(n)?;
    match d.len() {
        8 => {
            format_if(d[0] != 9)?;
            let check = (11 - weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11) % 11;
            let check = if check == 0 { 1 } else { check % 10 };
            ok_if(check == i64::from(d[7]))
        }
        9 if d[0] == 6 => {
            let sum = weighted(&d[1..8], &[8, 7, 6, 5, 4, 3, 2]) % 11;
            ok_if((8 - (10 - sum) % 11).rem_euclid(10) == i64::from(d[8]))
        }
        9 | 10 => birth_number(&d),
        _ => Err(Fault::Format),
    }
}

/// Czech/Slovak birth number (rodné číslo, `cz/rc.py`): YYMMDD with 50 added to the month for women
/// and 20 for serial overflow (since 2004). 9-digit numbers were issued until 1953; 10-digit ones
/// have the first 9 digits mod 11 mod 10 as check digit.
fn birth_number(d: &[u32]) -> Check {
    let mut year = 1900 + pair(d, 0) as i32;
    let month = pair(d, 2) % 50 % 20;
    let day = pair(d, 4);
    if d.len() == 9 {
        if year >= 1980 {
            year -= 100;
        }
        format_if(year <= 1953)?;
    } else if year < 1954 {
        year += 100;
    }
    format_if(valid_date(year, month, day))?;
    if d.len() == 10 { ok_if(value(&d[..9]) % 11 % 10 == u64::from(d[9])) } else { Ok(()) }
}

/// DE, USt-IdNr. (`de/vat.py`): 9 digits, first not 0, ISO 7064 MOD 11,10.
fn check_de(n: &str) -> Check {
    let d = digits_n(n, 9)?;
    format_if(d[0] != 0)?;
    ok_if(iso7064_mod_11_10(&d))
}

/// DK, CVR (`dk/cvr.py`): 8 digits, first not 0, weights 2,7,6,5,4,3,2,1, sum ≡ 0 (mod 11).
fn check_dk(n: &str) -> Check {
    let d = digits_n(n, 8)?;
    format_if(d[0] != 0)?;
    ok_if(weighted(&d, &[2, 7, 6, 5, 4, 3, 2, 1]) % 11 == 0)
}

/// EE, KMKR (`ee/kmkr.py`): 9 digits, weights 3,7,1 repeated, sum ≡ 0 (mod 10).
fn check_ee(n: &str) -> Check {
    let d = digits_n(n, 9)?;
    ok_if(weighted(&d, &[3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 == 0)
}

/// EL, ΑΦΜ (`gr/vat.py`): 9 digits; the first 8 weighted by 2^8..2^1, mod 11, mod 10.
fn check_el(n: &str) -> Check {
    let d = digits_n(n, 9)?;
    let sum = d[..8].iter().fold(0_u32, |acc, &digit| acc * 2 + digit) * 2;
    ok_if(sum % 11 % 10 == d[8])
}

/// ES, NIF (`es/nif.py`, `es/dni.py`, `es/nie.py`, `es/cif.py`): 9 characters, the middle 7 digits.
/// DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter) use the mod-23 letter; K/L/M numbers
/// too; CIF (organisation letter + 7 digits + check) uses a Luhn digit or its letter J,A..I.
fn check_es(n: &str) -> Check {
    let chars: Vec<char> = n.chars().collect();
    format_if(chars.len() == 9)?;
    let middle = digits_n(&n[1..8], 7)?;
    let (first, last) = (chars[0], chars[8]);
    format_if(first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric())?;
    const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let dni_letter = |number: u64| char::from(DNI_LETTERS[(number % 23) as usize]);
    match first {
        'K' | 'L' | 'M' => ok_if(last == dni_letter(value(&middle))),
        '0'..='9' => ok_if(last == dni_letter(u64::from(first as u32 - '0' as u32) * 10_000_000 + value(&middle))),
        'X' | 'Y' | 'Z' => {
            let lead = u64::from(first as u32 - 'X' as u32);
            ok_if(last == dni_letter(lead * 10_000_000 + value(&middle)))
        }
        'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'J' | 'N' | 'P' | 'Q' | 'R' | 'S' | 'U' | 'V' | 'W' => {
            // The Luhn check digit that completes the 7 digits: (10 − checksum(digits + 0)) mod 10.
            let mut padded = middle.clone();
            padded.push(0);
            let check = (10 - luhn_checksum(&padded)) % 10;
            let as_digit = char::from_digit(check, 10).ok_or(Fault::Check)?;
            let as_letter = char::from(b"JABCDEFGHI"[check as usize]);
            ok_if(last == as_digit || last == as_letter)
        }
        _ => Err(Fault::Format),
    }
}

/// FI, ALV (`fi/alv.py`): 8 digits, weights 7,9,10,5,8,4,2,1, sum ≡ 0 (mod 11).
fn check_fi(n: &str) -> Check {
    let d = digits_n(n, 8)?;
    ok_if(weighted(&d, &[7, 9, 10, 5, 8, 4, 2, 1]) % 11 == 0)
}

/// FR, numéro de TVA (`fr/tva.py`, `fr/siren.py`): a 2-character key + the 9-digit SIREN. The SIREN
/// has a Luhn digit (not for the special `000...` numbers). A numeric key is
/// (12 + 3 × (SIREN mod 97)) mod 97; alphanumeric keys (alphabet without I and O) follow the newer
/// formula checked below.
fn check_fr(n: &str) -> Check {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let (key, siren) = n.split_at_checked(2).ok_or(Fault::Format)?;
    let key_index: Vec<u32> =
        key.chars().map(|c| ALPHABET.find(c).map(|i| i as u32).ok_or(Fault::Format)).collect::<Result<_, _>>()?;
    let d = digits_n(siren, 9)?;
    if !siren.starts_with("000") {
        ok_if(luhn_checksum(&d) == 0)?;
    }
    let siren = value(&d);
    if key_index.iter().all(|&i| i < 10) {
        let key = u64::from(key_index[0] * 10 + key_index[1]);
        ok_if(key == (12 + 3 * (siren % 97)) % 97)
    } else {
        let check = if key_index[0] < 10 {
            u64::from(key_index[0] * 24 + key_index[1]) - 10
        } else {
            u64::from(key_index[0] * 34 + key_index[1]) - 100
        };
        ok_if((siren + 1 + check / 11) % 11 == check % 11)
    }
}

/// HR, OIB (`hr/oib.py`): 11 digits, ISO 7064 MOD 11,10.
fn check_hr(n: &str) -> Check {
    let d = digits_n(n, 11)?;
    ok_if(iso7064_mod_11_10(&d))
}

/// HU, adószám (`hu/anum.py`): 8 digits, weights 9,7,3,1 repeated, sum ≡ 0 (mod 10).
fn check_hu(n: &str) -> Check {
    let d = digits_n(n, 8)?;
    ok_if(weighted(&d, &[9, 7, 3, 1, 9, 7, 3, 1]) % 10 == 0)
}

/// IE (`ie/vat.py`): 7 digits + check letter + optional second letter (A–I or W), or the old form
/// digit, letter/`+`/`*`, 5 digits, check letter. The check letter is W,A,B,...,V indexed by
/// Σ weights 8..2 over the 7 digits (+ 9 × the second letter's index) mod 23.
fn check_ie(n: &str) -> Check {
    const ALPHABET: &str = "WABCDEFGHIJKLMNOPQRSTUV";
    let chars: Vec<char> = n.chars().collect();
    let letter_index = |c: char| ALPHABET.find(c).map(|i| i as i64);
    format_if(chars.len() == 8 || chars.len() == 9)?;
    let check = letter_index(chars[7]).ok_or(Fault::Format)?;
    if let Ok(d) = digits_n(&n[..7], 7) {
        let second = match chars.get(8) {
            None => 0,
            Some(&c) if matches!(c, 'A'..='I' | 'W') => letter_index(c).ok_or(Fault::Format)?,
            Some(_) => return Err(Fault::Format),
        };
        let sum = weighted(&d, &[8, 7, 6, 5, 4, 3, 2]) + 9 * second;
        ok_if(sum % 23 == check)
    } else {
        // Old format: the digits are reordered to 0 + digits 3–7 + digit 1.
        format_if(chars.len() == 8 && (chars[1].is_ascii_uppercase() || chars[1] == '+' || chars[1] == '*'))?;
        let first = digits_n(&n[..1], 1)?;
        let rest = digits_n(&n[2..7], 5)?;
        let sum = weighted(&rest, &[7, 6, 5, 4, 3]) + 2 * i64::from(first[0]);
        ok_if(sum % 23 == check)
    }
}

/// IT, partita IVA (`it/iva.py`): 11 digits; digits 1–7 the company number (not all 0), 8–10 the
/// province office (001–100, 120, 121, 888, 999), the last a Luhn digit.
fn check_it(n: &str) -> Check {
    let d = digits_n(n, 11)?;
    let office = value(&d[7..10]);
    format_if(value(&d[..7]) != 0 && ((1..=100).contains(&office) || [120, 121, 888, 999].contains(&office)))?;
    ok_if(luhn_checksum(&d) == 0)
}

/// LT, PVM mokėtojo kodas (`lt/pvm.py`): 9 digits (8th is 1) or 12 digits (11th is 1); weights
/// 1..9,1,2 mod 11, and if that gives 10 a second pass with weights 3..9,1..4; then mod 10.
fn check_lt(n: &str) -> Check {
    let d = digits(n)?;
    match d.len() {
        9 => format_if(d[7] == 1)?,
        12 => format_if(d[10] == 1)?,
        _ => return Err(Fault::Format),
    }
    let body = &d[..d.len() - 1];
    let pass = |shift: usize| -> i64 {
        body.iter().enumerate().map(|(i, &digit)| (1 + (i + shift) % 9) as i64 * i64::from(digit)).sum()
    };
    let mut check = pass(0) % 11;
    if check == 10 {
        check = pass(2) % 11;
    }
    ok_if(check % 10 == i64::from(d[d.len() - 1]))
}

/// LU, numéro TVA (`lu/tva.py`): 8 digits; the last two are the first six mod 89.
fn check_lu(n: &str) -> Check {
    let d = digits_n(n, 8)?;
    ok_if(value(&d[..6]) % 89 == value(&d[6..]))
}

/// LV, PVN (`lv/pvn.py`): 11 digits. Legal entities (first digit > 3): weights
/// 9,1,4,8,3,10,2,5,7,6,1 give 3 mod 11. Natural persons: old personal codes DDMMYY + century digit,
/// new ones start with 32; check = (1 + Σ weights 10,5,8,4,2,1,6,3,7,9) mod 11 mod 10.
fn check_lv(n: &str) -> Check {
    let d = digits_n(n, 11)?;
    if d[0] > 3 {
        return ok_if(weighted(&d, &[9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1]) % 11 == 3);
    }
    if pair(&d, 0) != 32 {
        let year = 1800 + 100 * d[6] as i32 + pair(&d, 4) as i32;
        format_if(valid_date(year, pair(&d, 2), pair(&d, 0)))?;
    }
    ok_if((1 + weighted(&d[..10], &[10, 5, 8, 4, 2, 1, 6, 3, 7, 9])) % 11 % 10 == i64::from(d[10]))
}

/// MT (`mt/vat.py`): 8 digits, first not 0, weights 3,4,6,7,8,9,10,1, sum ≡ 0 (mod 37).
fn check_mt(n: &str) -> Check {
    let d = digits_n(n, 8)?;
    format_if(d[0] != 0)?;
    ok_if(weighted(&d, &[3, 4, 6, 7, 8, 9, 10, 1]) % 37 == 0)
}

/// NL, btw-id (`nl/btw.py`, `nl/bsn.py`): 9 digits + `B` + 2 digits (not 00). Either the 9 digits
/// pass the BSN 11-test, or (numbers issued since 2020-01-01) `NL` + the number passes ISO 7064
/// MOD 97-10.
fn check_nl(n: &str) -> Check {
    format_if(n.len() == 12 && n.as_bytes()[9] == b'B')?;
    let d = digits_n(&n[..9], 9)?;
    let branch = digits_n(&n[10..], 2)?;
    format_if(value(&d) > 0 && value(&branch) > 0)?;
    let bsn = (weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) - i64::from(d[8])) % 11 == 0;
    ok_if(bsn || iso7064_mod_97_10(&format!("NL{n}")))
}

/// PL, NIP (`pl/nip.py`): 10 digits, weights 6,5,7,2,3,4,5,6,7,−1, sum ≡ 0 (mod 11).
fn check_pl(n: &str) -> Check {
    let d = digits_n(n, 10)?;
    ok_if(weighted(&d, &[6, 5, 7, 2, 3, 4, 5, 6, 7, -1]) % 11 == 0)
}

/// PT, NIF (`pt/nif.py`): 9 digits, first not 0; check = (11 − Σ weights 9..2) mod 11 mod 10.
fn check_pt(n: &str) -> Check {
    let d = digits_n(n, 9)?;
    format_if(d[0] != 0)?;
    let sum = weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]);
    ok_if((11 - sum).rem_euclid(11) % 10 == i64::from(d[8]))
}

/// RO, cod de înregistrare în scopuri de TVA (`ro/cf.py`, which `stdnum.ro.vat` aliases): either
/// the CUI/CIF of a business or the 13-digit CNP of a natural person, as python-stdnum accepts.
///
/// Why the CNP form is accepted: for a natural person the fiscal identification code *is* the CNP
/// (Codul de procedură fiscală, art. 82), and python-stdnum takes it as a VAT number ("not all
/// sources agree"). This module only says whether a number is well-formed; whether it is
/// registered for VAT is VIES's answer (docs/adr/0015). Refusing a well-formed number would keep
/// such a customer from even asking VIES.
fn check_ro(n: &str) -> Check {
    let d = digits(n)?;
    if d.len() == 13 {
        return check_ro_cnp(&d);
    }
    check_ro_cui(&d)
}

/// RO CUI/CIF (`ro/cui.py`): 2–10 digits, first not 0; the digits before the check, right-aligned
/// to 9, weighted 7,5,3,2,1,7,5,3,2; check = 10 × sum mod 11 mod 10.
fn check_ro_cui(d: &[u32]) -> Check {
    format_if((2..=10).contains(&d.len()) && d[0] != 0)?;
    let (body, check) = d.split_at(d.len() - 1);
    let mut padded = vec![0; 9 - body.len()];
    padded.extend_from_slice(body);
    ok_if(10 * weighted(&padded, &[7, 5, 3, 2, 1, 7, 5, 3, 2]) % 11 % 10 == i64::from(check[0]))
}

/// RO CNP (`ro/cnp.py`): 13 digits `S YY MM DD JJ NNN C`. S (1–9) is sex and century (1/2: 19xx,
/// 3/4: 18xx, 5/6: 20xx, 7–9 residents and foreigners, read as 19xx); the birth date must exist;
/// JJ is a county code (01–48, 51, 52, 70, 80–83); check = Σ digits × 2,7,9,1,4,6,3,5,8,2,7,9 mod
/// 11, with 10 written as 1.
fn check_ro_cnp(d: &[u32]) -> Check {
    format_if(d[0] != 0)?;
    let century = match d[0] {
        3 | 4 => 1800,
        5 | 6 => 2000,
        _ => 1900,
    };
    let year = century + i32::try_from(pair(d, 1)).map_err(|_| Fault::Format)?;
    format_if(valid_date(year, pair(d, 3), pair(d, 5)))?;
    let county = pair(d, 7);
    format_if(matches!(county, 1..=48 | 51 | 52 | 70 | 80..=83))?;
    let sum = weighted(&d[..12], &[2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]) % 11;
    ok_if((if sum == 10 { 1 } else { sum }) == i64::from(d[12]))
}

/// SE, momsregistreringsnummer (`se/vat.py`, `se/orgnr.py`): the 10-digit organisation number (Luhn)
/// followed by `01`.
fn check_se(n: &str) -> Check {
    let d = digits_n(n, 12)?;
    format_if(d[10] == 0 && d[11] == 1)?;
    ok_if(luhn_checksum(&d[..10]) == 0)
}

/// SI, davčna številka (`si/ddv.py`): 8 digits, first not 0; check = 11 − (Σ weights 8..2 mod 11),
/// 10 → 0, 11 never issued.
fn check_si(n: &str) -> Check {
    let d = digits_n(n, 8)?;
    format_if(d[0] != 0)?;
    let check = 11 - weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if check == 10 { 0 } else { check };
    ok_if(check == i64::from(d[7]))
}

/// SK, IČ DPH (`sk/dph.py`): 10 digits; a birth number, or: first digit not 0, third digit one of
/// 2,3,4,7,8,9, and the number divisible by 11.
fn check_sk(n: &str) -> Check {
    let d = digits_n(n, 10)?;
    if birth_number(&d).is_ok() {
        return Ok(());
    }
    format_if(d[0] != 0 && [2, 3, 4, 7, 8, 9].contains(&d[2]))?;
    ok_if(value(&d).is_multiple_of(11))
}

/// GB and XI (`gb/vat.py`): 9 digits (12 with a 3-digit branch suffix), weights 8,7,6,5,4,3,2 on the
/// first 7 and the last two read as a number: the total mod 97 is 0 (the original scheme) or 42 / 55
/// (the "9755" scheme for numbers issued since 2010, total + 55 ≡ 0 mod 97, and its mirror). Numbers
/// below 100 0000 00 only use the original scheme. Government departments (GD000–GD499) and health
/// authorities (HA500–HA999) have no check digit: format only.
fn check_gb(n: &str) -> Check {
    if let Some(code) = n.strip_prefix("GD") {
        return format_if(value(&digits_n(code, 3)?) < 500);
    }
    if let Some(code) = n.strip_prefix("HA") {
        return format_if(value(&digits_n(code, 3)?) >= 500);
    }
    let d = digits(n)?;
    format_if(d.len() == 9 || d.len() == 12)?;
    let total = weighted(&d[..9], &[8, 7, 6, 5, 4, 3, 2, 10, 1]) % 97;
    if value(&d[..3]) >= 100 { ok_if([0, 42, 55].contains(&total)) } else { ok_if(total == 0) }
}

/// CH, UID (`ch/uid.py`, `ch/vat.py`): `CHE` + 9 digits; weights 5,4,3,2,7,6,5,4 over the first 8,
/// check = (11 − sum mod 11) mod 11, where 10 is never issued.
fn check_ch(n: &str) -> Check {
    let d = digits_n(n, 9)?;
    let check = (11 - weighted(&d[..8], &[5, 4, 3, 2, 7, 6, 5, 4]) % 11) % 11;
    ok_if(check == i64::from(d[8]))
}

/// NO, organisasjonsnummer (`no/orgnr.py`, `no/mva.py`): 9 digits, weights 3,2,7,6,5,4,3,2,1,
/// sum ≡ 0 (mod 11). The `MVA` suffix marks registration in the VAT register.
fn check_no(n: &str) -> Check {
    let d = digits_n(n, 9)?;
    ok_if(weighted(&d, &[3, 2, 7, 6, 5, 4, 3, 2, 1]) % 11 == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    // Test vectors: synthetic numbers built for each national algorithm (plus a few published ones
    // such as DE136695976 from the e-invoice reference), every one cross-checked against
    // python-stdnum 2.2 as an oracle: it accepts the valid ones and rejects the invalid ones.

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    #[rstest]
    // AT: U + 8 digits, Luhn-based check.
    #[case("ATU15881393")]
    #[case("ATU86987976")]
    #[case("ATU13585627")]
    // BE: 10 digits, mod 97.
    #[case("BE0317784866")]
    #[case("BE1029787533")]
    #[case("BE0403170701")]
    // BG: 9-digit legal entity; 10-digit personal number (ЕГН, born 1979-02-15).
    #[case("BG778768047")]
    #[case("BG7902158475")]
    // CY: 8 digits + check letter.
    #[case("CY18714751E")]
    #[case("CY33627010S")]
    // CZ: 8-digit legal entity, 9-digit special (6…), 10-digit birth number.
    #[case("CZ59819332")]
    #[case("CZ690845209")]
    #[case("CZ9760257287")]
    // DE: ISO 7064 MOD 11,10; DE136695976 is the seller in the e-invoice reference.
    #[case("DE136695976")]
    #[case("DE892984161")]
    #[case("DE394866281")]
    #[case("DK70161052")]
    #[case("DK10875471")]
    #[case("EE101779926")]
    #[case("EE109836955")]
    #[case("EL093186037")]
    #[case("EL808073707")]
    #[case("EL094259216")]
    // ES: DNI, NIE, CIF with digit, CIF with letter, CIF.
    #[case("ES83822264Y")]
    #[case("ESX6861642Y")]
    #[case("ESB52477643")]
    #[case("ESQ7258771J")]
    #[case("ESA28015865")]
    #[case("FI88413300")]
    #[case("FI75682050")]
    // FR: numeric key (12 + 3 × (SIREN mod 97)) mod 97 = 40 for SIREN 303265045; two alphanumeric keys.
    #[case("FR40303265045")]
    #[case("FRK7399859412")]
    #[case("FR7Y399859412")]
    #[case("HR58983194893")]
    #[case("HR94948214169")]
    #[case("HU10521854")]
    #[case("HU91452447")]
    // IE: new 8-character, new 9-character, old format (letter in 2nd place), new.
    #[case("IE0646001F")]
    #[case("IE3041189JH")]
    #[case("IE5L79906O")]
    #[case("IE6388047V")]
    #[case("IT59397610888")]
    #[case("IT58464500956")]
    #[case("LT604541411")]
    #[case("LT659085380113")]
    // LV: legal entity, new personal code (32…), old personal code (born 1912-11-09).
    #[case("LV49415771881")]
    #[case("LV32579511172")]
    #[case("LV09112812566")]
    #[case("LU94069251")]
    #[case("LU21571164")]
    #[case("MT83556966")]
    #[case("MT72048428")]
    // NL: BSN 11-test (×3) and the 2020 MOD 97-10 scheme (123456789 fails the 11-test).
    #[case("NL996775006B01")]
    #[case("NL145037848B03")]
    #[case("NL004495445B01")]
    #[case("NL123456789B13")]
    #[case("PL1838012535")]
    #[case("PL3924196891")]
    #[case("PT210460288")]
    #[case("PT537555595")]
    #[case("RO55405")]
    #[case("RO3075473540")]
    // RO: the 13-digit CNP of a natural person (python-stdnum's own example, and a 2000s birth).
    #[case("RO1630615123457")]
    #[case("RO5000229123453")]
    #[case("SE564390618201")]
    #[case("SE547918895401")]
    #[case("SI65521820")]
    #[case("SI98619306")]
    // SK: legal entity (divisible by 11) and a birth number.
    #[case("SK4378828344")]
    #[case("SK6261126894")]
    // GB: mod 97 = 0 (×2), 55 and 42 (the 9755 scheme, 12-digit branch form), a number below 100 0000 00,
    // and the government department / health authority forms.
    #[case("GB980780684")]
    #[case("GB434031494")]
    #[case("GB429822291")]
    #[case("GB122697802385")]
    #[case("GB089341834")]
    #[case("GBGD001")]
    #[case("GBHA500")]
    #[case("XI473528668")]
    #[case("XI411592125")]
    #[case("CHE636082441")]
    #[case("CHE607874575")]
    #[case("CHE116281710")]
    #[case("NO828357697")]
    #[case("NO885417752")]
    #[case("NO974760673")]
    fn valid_numbers_parse_to_their_canonical_form(#[case] text: &str) {
        let id = VatId::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(id.to_string(), text);
        assert_eq!(format!("{}{}", id.prefix(), id.number()), text);
        assert_eq!(VatId::parse(&id.to_string()), Ok(id));
    }

    #[rstest]
    #[case("ATU15881390", "AT")]
    #[case("ATU86987970", "AT")]
    #[case("BE0317784860", "BE")]
    #[case("BE1029787530", "BE")]
    #[case("BG778768040", "BG")]
    #[case("BG7902158470", "BG")]
    #[case("CY18714751A", "CY")]
    #[case("CY33627010A", "CY")]
    #[case("CZ59819330", "CZ")]
    #[case("CZ690845200", "CZ")]
    #[case("CZ9760257280", "CZ")]
    #[case("DE136695975", "DE")]
    #[case("DE892984160", "DE")]
    #[case("DK70161050", "DK")]
    #[case("DK10875470", "DK")]
    #[case("EE101779920", "EE")]
    #[case("EE109836950", "EE")]
    #[case("EL093186030", "GR")]
    #[case("EL808073700", "GR")]
    #[case("ES83822264T", "ES")]
    #[case("ESX6861642T", "ES")]
    #[case("ESB52477640", "ES")]
    #[case("ESQ7258771A", "ES")]
    #[case("FI88413301", "FI")]
    #[case("FI75682051", "FI")]
    // FR: wrong key for a valid SIREN; valid key shape but the SIREN's own Luhn digit is wrong.
    #[case("FR41303265045", "FR")]
    #[case("FR40303265046", "FR")]
    #[case("HR58983194890", "HR")]
    #[case("HR94948214160", "HR")]
    #[case("HU10521850", "HU")]
    #[case("HU91452440", "HU")]
    #[case("IE0646001W", "IE")]
    #[case("IE3041189WH", "IE")]
    #[case("IE5L79906W", "IE")]
    #[case("IT59397610880", "IT")]
    #[case("IT58464500950", "IT")]
    #[case("LT604541410", "LT")]
    #[case("LT659085380110", "LT")]
    #[case("LU94069250", "LU")]
    #[case("LU21571160", "LU")]
    #[case("LV49415771880", "LV")]
    #[case("LV32579511170", "LV")]
    #[case("LV09112812560", "LV")]
    #[case("MT83556960", "MT")]
    #[case("MT72048420", "MT")]
    #[case("NL996775000B01", "NL")]
    #[case("NL145037840B03", "NL")]
    #[case("NL123456789B14", "NL")]
    #[case("PL1838012530", "PL")]
    #[case("PL3924196890", "PL")]
    #[case("PT210460280", "PT")]
    #[case("PT537555590", "PT")]
    #[case("RO55400", "RO")]
    #[case("RO3075473541", "RO")]
    #[case("RO1630615123458", "RO")]
    #[case("SE564390618001", "SE")]
    #[case("SE547918895001", "SE")]
    #[case("SI65521821", "SI")]
    #[case("SI98619300", "SI")]
    #[case("SK4378828340", "SK")]
    #[case("SK4378828345", "SK")]
    #[case("GB429822290", "GB")]
    #[case("GB122697800385", "GB")]
    #[case("GB980780685", "GB")]
    // Below 100 0000 00 only the original scheme counts: mod 97 = 42 is rejected.
    #[case("GB077891360", "GB")]
    #[case("XI473528660", "GB")]
    #[case("XI411592120", "GB")]
    #[case("CHE636082440", "CH")]
    #[case("CHE607874570", "CH")]
    #[case("NO828357690", "NO")]
    #[case("NO885417750", "NO")]
    fn wrong_check_digits_are_bad_check_digits(#[case] text: &str, #[case] country: &str) {
        assert_eq!(VatId::parse(text), Err(VatIdError::BadCheckDigits { country: c(country) }), "{text}");
    }

    #[rstest]
    #[case("AT15881393", "AT")] // no U
    #[case("ATU1588139", "AT")]
    #[case("BE2317784866", "BE")] // must start with 0 or 1
    #[case("BE03177848", "BE")]
    #[case("BG12345678", "BG")]
    #[case("BG77876804A", "BG")]
    #[case("CY12000001A", "CY")] // 12… is not issued
    #[case("CY187147511", "CY")]
    #[case("CZ91234567", "CZ")] // 8 digits starting with 9
    #[case("CZ1234567", "CZ")]
    #[case("DE036695976", "DE")] // leading 0
    #[case("DE13669597", "DE")]
    #[case("DK01234567", "DK")]
    #[case("DK1087547", "DK")]
    #[case("EE10177992", "EE")]
    #[case("EE10177992A", "EE")]
    #[case("EL9318603", "GR")]
    #[case("ELGR094259216", "GR")]
    #[case("ESI1234567A", "ES")] // I is no organisation letter
    #[case("ES8382226Y", "ES")]
    #[case("FI8841330", "FI")]
    #[case("FI884133001", "FI")]
    #[case("FRI0303265045", "FR")] // I and O are not key characters
    #[case("FR4030326504", "FR")]
    #[case("HR5898319489", "HR")]
    #[case("HR5898319489A", "HR")]
    #[case("HU1052185", "HU")]
    #[case("HU105218540", "HU")]
    #[case("IE3041189JZ", "IE")] // second letter only A–I or W
    #[case("IE1234567", "IE")]
    #[case("IT00000001234", "IT")] // company number 0
    #[case("IT12345672001", "IT")] // office 200 does not exist
    #[case("IT5939761088", "IT")]
    #[case("LT604541421", "LT")] // 8th digit must be 1
    #[case("LT6045414111", "LT")]
    #[case("LU9406925", "LU")]
    #[case("LU9406925A", "LU")]
    #[case("LV31132812566", "LV")] // personal code with month 13
    #[case("LV4941577188", "LV")]
    #[case("MT03556966", "MT")]
    #[case("MT8355696", "MT")]
    #[case("NL996775006A01", "NL")]
    #[case("NL996775006B00", "NL")]
    #[case("PL183801253", "PL")]
    #[case("PL183801253A", "PL")]
    #[case("PT010460288", "PT")]
    #[case("PT21046028", "PT")]
    #[case("RO1", "RO")]
    #[case("RO12345678901", "RO")]
    #[case("RO123456789012", "RO")] // 12 digits: neither a CUI nor a CNP
    #[case("RO0123", "RO")]
    #[case("RO0800101221142", "RO")] // CNP: no sex/century digit 0
    #[case("RO1632215123457", "RO")] // CNP: month 22
    #[case("RO2990229401237", "RO")] // CNP: 29 February 1999
    #[case("RO1630615993454", "RO")] // CNP: county 99
    #[case("SE564390618202", "SE")] // must end in 01
    #[case("SE5643906182", "SE")]
    #[case("SI05521820", "SI")]
    #[case("SI6552182", "SI")]
    #[case("SK0378828344", "SK")]
    #[case("SK437882834", "SK")]
    // A birth-number-shaped SK number with a wrong check digit is not a legal-entity number either.
    #[case("SK6261126890", "SK")]
    #[case("GBGD500", "GB")] // GD is 000–499
    #[case("GBHA499", "GB")] // HA is 500–999
    #[case("GB98078068", "GB")]
    #[case("XI47352866", "GB")]
    #[case("XIGD500", "GB")]
    #[case("CHE63608244", "CH")]
    #[case("CH636082441", "CH")] // CHE, not CH
    #[case("CHE636082441XYZ", "CH")]
    #[case("NO82835769", "NO")]
    #[case("NO828357697MVX", "NO")]
    #[case("DE13669597€", "DE")]
    fn malformed_numbers_are_bad_format(#[case] text: &str, #[case] country: &str) {
        assert_eq!(VatId::parse(text), Err(VatIdError::BadFormat { country: c(country) }), "{text}");
    }

    #[rstest]
    #[case("US123456789", "US")]
    #[case("EU372009975", "EU")] // OSS non-Union numbers are not VAT IDs of a country
    #[case("XX123", "XX")]
    #[case("123456789", "12")]
    #[case("", "")]
    #[case("D", "D")]
    fn unknown_prefixes(#[case] text: &str, #[case] prefix: &str) {
        assert_eq!(VatId::parse(text), Err(VatIdError::UnknownPrefix { prefix: prefix.into() }));
    }

    #[rstest]
    #[case(" de 136 695 976 ", "DE136695976")]
    #[case("DE-136.695.976", "DE136695976")]
    #[case("atu13585627", "ATU13585627")]
    #[case("BE 403.170.701", "BE0403170701")] // old 9-digit form
    #[case("EL93186037", "EL093186037")] // old 8-digit form
    #[case("GR094259216", "EL094259216")] // ISO code typed instead of EL
    #[case("FR 40 303 265 045", "FR40303265045")]
    #[case("NL0044.95.445.B.01", "NL004495445B01")]
    #[case("CHE-636.082.441 MWST", "CHE636082441")]
    #[case("CHE-636.082.441 TVA", "CHE636082441")]
    #[case("CHE-636.082.441 IVA", "CHE636082441")]
    #[case("che636082441tpv", "CHE636082441")]
    #[case("NO 828 357 697 MVA", "NO828357697")]
    #[case("NO 828357697MVA", "NO828357697")]
    #[case("gb 980 7806 84", "GB980780684")]
    #[case("ES\u{a0}A28015865", "ESA28015865")] // non-breaking space from a copied PDF
    fn normalization(#[case] text: &str, #[case] canonical: &str) {
        assert_eq!(VatId::parse(text).unwrap().to_string(), canonical);
    }

    #[rstest]
    #[case("DE136695976", "DE", "DE")]
    #[case("EL094259216", "EL", "GR")]
    #[case("XI473528668", "XI", "GB")]
    #[case("GB980780684", "GB", "GB")]
    #[case("CHE636082441", "CHE", "CH")]
    #[case("NO828357697", "NO", "NO")]
    #[case("ATU13585627", "AT", "AT")]
    fn prefix_maps_to_iso_country(#[case] text: &str, #[case] prefix: &str, #[case] country: &str) {
        let id = VatId::parse(text).unwrap();
        assert_eq!(id.prefix(), prefix);
        assert_eq!(id.country(), c(country));
    }

    #[test]
    fn number_is_what_vies_expects() {
        assert_eq!(VatId::parse("ATU13585627").unwrap().number(), "U13585627");
        assert_eq!(VatId::parse("EL094259216").unwrap().number(), "094259216");
        assert!(VatId::parse("EL094259216").unwrap().in_vies());
        assert!(VatId::parse("XI473528668").unwrap().in_vies());
        assert!(!VatId::parse("GB980780684").unwrap().in_vies());
        assert!(!VatId::parse("CHE636082441").unwrap().in_vies());
    }

    #[test]
    fn invoice_form() {
        assert_eq!(VatId::parse("CHE636082441 TVA").unwrap().invoice_form(), "CHE-636.082.441 MWST");
        assert_eq!(VatId::parse("NO828357697").unwrap().invoice_form(), "NO 828 357 697 MVA");
        assert_eq!(VatId::parse("de 136695976").unwrap().invoice_form(), "DE136695976");
    }

    #[test]
    fn every_prefix_maps_to_an_iso_country() {
        for (prefix, iso) in PREFIXES {
            assert!(Country::parse(iso).is_ok(), "{prefix} -> {iso}");
        }
        let eu = PREFIXES.iter().filter(|(_, iso)| Country::parse(iso).unwrap().is_eu()).count();
        assert_eq!(eu, 27);
    }

    #[test]
    fn serde_is_the_canonical_string_and_revalidates() {
        let id = VatId::parse("DE 136 695 976").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"DE136695976\"");
        assert_eq!(serde_json::from_str::<VatId>("\"de136695976\"").unwrap(), id);
        assert!(serde_json::from_str::<VatId>("\"DE136695975\"").is_err());
    }

    #[test]
    fn status_serde_round_trip() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 30, 0).unwrap();
        let statuses = [
            VatIdStatus::Valid {
                checked_at: at,
                consultation_number: Some("WAPIAAAAW1234567".into()),
                name: Some("Example SARL".into()),
                address: None,
            },
            VatIdStatus::Invalid { checked_at: at },
            VatIdStatus::Unverified { reason: "MS_UNAVAILABLE".into(), since: at },
        ];
        for status in statuses {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<VatIdStatus>(&json).unwrap(), status);
        }
        let json = serde_json::to_value(VatIdStatus::Invalid { checked_at: at }).unwrap();
        assert_eq!(json["status"], "invalid");
        assert!(!VatIdStatus::Unverified { reason: "TIMEOUT".into(), since: at }.is_valid());
    }

    proptest::proptest! {
        /// Arbitrary user input never panics, and whatever parses is canonical and stable.
        #[test]
        fn parse_is_total_and_idempotent(text in "(AT|BE|BG|CY|CZ|DE|DK|EE|EL|GR|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|GB|XI|CHE|CH|NO|)[0-9A-Z +*.\\-]{0,16}") {
            if let Ok(id) = VatId::parse(&text) {
                proptest::prop_assert_eq!(VatId::parse(&id.to_string()), Ok(id));
            }
        }

        #[test]
        fn parse_never_panics_on_any_text(text in "\\PC{0,24}") {
            let _ = VatId::parse(&text);
        }
    }

    #[test]
    fn error_messages_name_the_country() {
        assert_eq!(
            VatId::parse("DE136695975").unwrap_err().to_string(),
            "the check digits of this DE VAT ID do not match"
        );
        assert_eq!(VatId::parse("EL1").unwrap_err().to_string(), "not a valid GR VAT ID format");
    }
}
