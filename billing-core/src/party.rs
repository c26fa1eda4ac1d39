//! The parties on a document: postal addresses, the seller's legal profile (name, address, tax
//! number, bank account, branding) and the copies frozen on an invoice at finalization.
//!
//! § 14 Abs. 4 Nr. 1–2 UStG and Art. 226 (3), (5) VAT Directive require the full name and address
//! of both parties and the seller's VAT id or tax number on every full invoice.

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::error::{Error, Result};

/// A postal address. The country is the party's country (for a customer, its tax country).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub country: Country,
}

/// An address as raw text from an edge; all of line1, postal code and city, or none.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddressInput {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
}

fn field(name: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(Error::invalid(name, format!("at most {max} characters"))),
        Some(v) if v.chars().any(char::is_control) => Err(Error::invalid(name, "no line breaks or control characters")),
        Some(v) => Ok(Some(v.to_string())),
    }
}

impl AddressInput {
    /// `None` when every field is empty; an error when only some of the required ones are given.
    pub fn parse(&self, country: Country) -> Result<Option<PostalAddress>> {
        let line1 = field("address.line1", self.line1.as_deref(), 100)?;
        let line2 = field("address.line2", self.line2.as_deref(), 100)?;
        let postal_code = field("address.postal_code", self.postal_code.as_deref(), 16)?;
        let city = field("address.city", self.city.as_deref(), 64)?;
        match (line1, postal_code, city) {
            (None, None, None) if line2.is_none() => Ok(None),
            (Some(line1), Some(postal_code), Some(city)) => {
                if country == Country::parse("DE")?
                    && !(postal_code.len() == 5 && postal_code.chars().all(|c| c.is_ascii_digit()))
                {
                    return Err(Error::invalid("address.postal_code", "a German postal code has five digits"));
                }
                Ok(Some(PostalAddress { line1, line2, postal_code, city, country }))
            }
            (None, _, _) => Err(Error::invalid("address.line1", "the street and number are required")),
            (_, None, _) => Err(Error::invalid("address.postal_code", "the postal code is required")),
            (_, _, None) => Err(Error::invalid("address.city", "the city is required")),
        }
    }
}

/// An IBAN (ISO 13616), stored compact and upper-case, with its mod-97 check verified.
pub fn parse_iban(text: &str) -> Result<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let shape_ok = (15..=34).contains(&compact.len())
        && compact.chars().all(|c| c.is_ascii_alphanumeric())
        && compact[..2].chars().all(|c| c.is_ascii_alphabetic())
        && compact[2..4].chars().all(|c| c.is_ascii_digit());
    if !shape_ok {
        return Err(Error::invalid(
            "iban",
            "an IBAN is a country code, two check digits and up to 30 letters or digits",
        ));
    }
    // Move the first four characters to the end, read letters as 10..35, and take the remainder
    // digit by digit so no big integers are needed.
    let rearranged = compact[4..].chars().chain(compact[..4].chars());
    let mut rem: u32 = 0;
    for c in rearranged {
        let v = c.to_digit(36).unwrap_or(0);
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    if rem != 1 {
        return Err(Error::invalid("iban", "the check digits do not match"));
    }
    Ok(compact)
}

/// A BIC (ISO 9362): 8 or 11 characters, the country part letters.
pub fn parse_bic(text: &str) -> Result<String> {
    let b = text.trim().to_ascii_uppercase();
    let ok = (b.len() == 8 || b.len() == 11)
        && b.chars().all(|c| c.is_ascii_alphanumeric())
        && b[..6].chars().all(|c| c.is_ascii_alphabetic());
    if ok { Ok(b) } else { Err(Error::invalid("bic", "a BIC has 8 or 11 letters and digits, e.g. COBADEFFXXX")) }
}

/// Where customers transfer money to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub account_holder: String,
    pub iban: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
}

/// The seller's side of every document, beyond its VAT registration (`tenant::SellerTax`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerProfile {
    /// The full legal name (`Demo Software GmbH`); the tenant's display name when absent.
    pub legal_name: Option<String>,
    pub address: Option<PostalAddress>,
    /// The German Steuernummer, for sellers without a VAT id (§ 14 Abs. 4 Nr. 2 UStG).
    pub tax_number: Option<String>,
    pub bank: Option<BankAccount>,
    /// `#rrggbb`, lower-case.
    pub brand_color: String,
    pub logo_url: Option<String>,
}

/// A brand colour as `#rrggbb`.
pub fn parse_brand_color(text: &str) -> Result<String> {
    let c = text.trim().to_ascii_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok { Ok(c) } else { Err(Error::invalid("brand_color", "use a colour like #1f4e79")) }
}

/// A logo reference; only https URLs (the document never fetches it, the portal shows it).
pub fn parse_logo_url(text: &str) -> Result<String> {
    let t = text.trim();
    if t.starts_with("https://") && t.len() <= 500 && !t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(t.to_string())
    } else {
        Err(Error::invalid("logo_url", "use an https:// URL of at most 500 characters"))
    }
}

/// A German Steuernummer as printed (`12/345/67890` or the 13-digit form): 10 to 13 digits with
/// optional `/` or spaces.
pub fn parse_tax_number(text: &str) -> Result<String> {
    let t = text.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if (10..=13).contains(&digits) && t.chars().all(|c| c.is_ascii_digit() || c == '/' || c == ' ') {
        Ok(t.to_string())
    } else {
        Err(Error::invalid("tax_number", "a tax number has 10 to 13 digits, e.g. 12/345/67890"))
    }
}

/// Changes to a seller profile as raw text: an absent field keeps its value, an empty one clears it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SellerProfileInput {
    pub legal_name: Option<String>,
    pub address: Option<AddressInput>,
    pub tax_number: Option<String>,
    pub bank_account_holder: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub brand_color: Option<String>,
    pub logo_url: Option<String>,
}

/// `Some(None)` for "clear", `Some(Some(v))` for "set", `None` for "keep".
fn change(value: &Option<String>) -> Option<Option<&str>> {
    value.as_deref().map(|v| Some(v.trim()).filter(|v| !v.is_empty()))
}

impl SellerProfileInput {
    /// The profile after these changes; nothing is half-applied on an error.
    pub fn apply(&self, current: &SellerProfile, country: Country) -> Result<SellerProfile> {
        let mut p = current.clone();
        if let Some(v) = change(&self.legal_name) {
            p.legal_name = v.map(|n| crate::catalog::validate_name("legal_name", n)).transpose()?;
        }
        if let Some(a) = &self.address {
            p.address = a.parse(country)?;
        }
        if let Some(v) = change(&self.tax_number) {
            p.tax_number = v.map(parse_tax_number).transpose()?;
        }
        if let Some(v) = change(&self.brand_color) {
            p.brand_color = v.map(parse_brand_color).transpose()?.unwrap_or_else(|| DEFAULT_BRAND_COLOR.into());
        }
        if let Some(v) = change(&self.logo_url) {
            p.logo_url = v.map(parse_logo_url).transpose()?;
        }
        let bank_touched = self.iban.is_some() || self.bic.is_some() || self.bank_account_holder.is_some();
        if bank_touched {
            let cur = p.bank.clone();
            let pick = |input: &Option<String>, old: Option<String>| match change(input) {
                Some(v) => v.map(str::to_string),
                None => old,
            };
            let holder = pick(&self.bank_account_holder, cur.as_ref().map(|b| b.account_holder.clone()));
            let iban = pick(&self.iban, cur.as_ref().map(|b| b.iban.clone()));
            let bic = pick(&self.bic, cur.as_ref().and_then(|b| b.bic.clone()));
            p.bank = match (holder, iban) {
                (None, None) if bic.is_none() => None,
                (Some(holder), Some(iban)) => Some(BankAccount {
                    account_holder: crate::catalog::validate_name("bank_account_holder", &holder)?,
                    iban: parse_iban(&iban)?,
                    bic: bic.as_deref().map(parse_bic).transpose()?,
                }),
                (None, _) => {
                    return Err(Error::invalid("bank_account_holder", "the account holder is required with an IBAN"));
                }
                (_, None) => return Err(Error::invalid("iban", "the IBAN is required with an account holder")),
            };
        }
        Ok(p)
    }
}

/// The colour documents use when a tenant has chosen none.
pub const DEFAULT_BRAND_COLOR: &str = "#1f4e79";

/// The seller as printed on one invoice, frozen at finalization (ARCHITECTURE §5); taken from the
/// tenant by `SellerSnapshot::of` (in `tenant`, which owns both halves of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerSnapshot {
    pub name: String,
    pub address: Option<PostalAddress>,
    pub vat_id: Option<String>,
    pub tax_number: Option<String>,
    pub bank: Option<BankAccount>,
    pub brand_color: String,
}

/// The buyer's billing address as printed on one invoice, frozen at finalization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    pub address: PostalAddress,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> Country {
        Country::parse("DE").unwrap()
    }

    #[test]
    fn ibans_are_checked_by_mod_97() {
        assert_eq!(parse_iban("DE89 3704 0044 0532 0130 00").unwrap(), "DE89370400440532013000");
        assert!(parse_iban("DE88370400440532013000").is_err());
        assert!(parse_iban("FR1420041010050500013M02606").is_ok());
        assert!(parse_iban("1234").is_err());
    }

    #[test]
    fn an_address_needs_street_postal_code_and_city_together() {
        let full = AddressInput {
            line1: Some("Hauptstraße 1".into()),
            line2: None,
            postal_code: Some("10115".into()),
            city: Some("Berlin".into()),
        };
        assert_eq!(full.parse(de()).unwrap().unwrap().city, "Berlin");
        assert_eq!(AddressInput::default().parse(de()).unwrap(), None);
        let no_city = AddressInput { city: None, ..full.clone() };
        assert!(matches!(no_city.parse(de()), Err(Error::InvalidField { field: "address.city", .. })));
        let bad_plz = AddressInput { postal_code: Some("1011".into()), ..full };
        assert!(matches!(bad_plz.parse(de()), Err(Error::InvalidField { field: "address.postal_code", .. })));
    }

    #[test]
    fn bic_colour_and_tax_number_are_checked() {
        assert_eq!(parse_bic("cobadeffxxx").unwrap(), "COBADEFFXXX");
        assert!(parse_bic("COBA1EFF").is_err());
        assert_eq!(parse_brand_color("#1F4E79").unwrap(), "#1f4e79");
        assert!(parse_brand_color("blue").is_err());
        assert!(parse_tax_number("12/345/67890").is_ok());
        assert!(parse_tax_number("12-345").is_err());
        assert!(parse_logo_url("http://x.example/logo.png").is_err());
    }
}
