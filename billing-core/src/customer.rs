//! Customers: who pays, where they are (for tax) and which currency they are billed in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::validate_name;
use crate::country::Country;
use crate::currency::Currency;
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::ids::CustomerId;

/// Languages the portal, emails and documents ship in (see `locales/`).
pub const SUPPORTED_LOCALES: &[&str] = &["en", "de", "fr", "zh-CN"];

/// Matches a requested locale tag to a supported one (`de-AT` -> `de`, `zh` -> `zh-CN`).
pub fn match_locale(tag: &str) -> Option<&'static str> {
    let lower = tag.trim().to_ascii_lowercase();
    if let Some(exact) = SUPPORTED_LOCALES.iter().find(|l| l.to_ascii_lowercase() == lower) {
        return Some(exact);
    }
    let primary = lower.split(['-', '_']).next().unwrap_or_default();
    SUPPORTED_LOCALES.iter().find(|l| l.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(primary))).copied()
}

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    pub email: EmailAddress,
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    pub locale: String,
    pub created_at: DateTime<Utc>,
}

/// A request to create a customer, as raw text from any edge (API, CLI, seed).
#[derive(Debug, Clone, Default)]
pub struct NewCustomerInput {
    pub email: String,
    pub name: String,
    pub country: String,
    pub currency: String,
    pub locale: Option<String>,
}

/// The validated form of [`NewCustomerInput`]; nothing is written until this exists.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub email: EmailAddress,
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    pub locale: &'static str,
}

impl NewCustomer {
    pub fn parse(input: &NewCustomerInput, default_locale: &str) -> Result<Self> {
        let email = EmailAddress::parse(&input.email)?;
        let name = validate_name("name", &input.name)?;
        let country = Country::parse(&input.country)?;
        let currency = Currency::from_code(&input.currency)?;
        let requested = input.locale.as_deref().unwrap_or(default_locale);
        let locale = match_locale(requested).ok_or_else(|| {
            Error::invalid(
                "locale",
                format!("`{requested}` is not supported; use one of {}", SUPPORTED_LOCALES.join(", ")),
            )
        })?;
        Ok(Self { email, name, country, currency, locale })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewCustomerInput {
        NewCustomerInput {
            email: "anna@example.de".into(),
            name: "Anna Schmidt".into(),
            country: "de".into(),
            currency: "eur".into(),
            locale: None,
        }
    }

    #[test]
    fn a_valid_request_parses_with_the_tenant_default_locale() {
        let c = NewCustomer::parse(&input(), "de").unwrap();
        assert_eq!(c.country.code(), "DE");
        assert_eq!(c.currency, Currency::EUR);
        assert_eq!(c.locale, "de");
    }

    #[test]
    fn each_bad_field_gives_its_own_error() {
        let mut i = input();
        i.email = "nope".into();
        assert!(matches!(NewCustomer::parse(&i, "en"), Err(Error::Email(_))));
        let mut i = input();
        i.currency = "XYZ".into();
        assert!(matches!(NewCustomer::parse(&i, "en"), Err(Error::Currency(_))));
        let mut i = input();
        i.country = "XX".into();
        assert!(matches!(NewCustomer::parse(&i, "en"), Err(Error::Country(_))));
        let mut i = input();
        i.locale = Some("tlh".into());
        assert!(matches!(NewCustomer::parse(&i, "en"), Err(Error::InvalidField { field: "locale", .. })));
    }

    #[test]
    fn locale_tags_are_matched_to_shipped_languages() {
        assert_eq!(match_locale("de-AT"), Some("de"));
        assert_eq!(match_locale("zh"), Some("zh-CN"));
        assert_eq!(match_locale("zh-cn"), Some("zh-CN"));
        assert_eq!(match_locale("FR_ch"), Some("fr"));
        assert_eq!(match_locale("ja"), None);
    }
}
