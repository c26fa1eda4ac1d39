//! Customers: who pays, where they are (for tax) and which currency they are billed in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::validate_name;
use crate::country::Country;
use crate::currency::Currency;
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::ids::CustomerId;
use crate::tax::{CustomerKind, CustomerProfile, VatId, VatIdStatus};

/// Languages the portal, emails and documents ship in (see `locales/`); the first is the fallback.
/// portal-web's `i18n::Locale` mirrors this list (a test there keeps them equal).
pub const SUPPORTED_LOCALES: &[&str] = &["en", "de", "fr", "zh-CN", "es", "it", "nl", "pl", "pt-BR", "ja"];

/// Matches a requested locale tag to a supported one (`de-AT` -> `de`, `zh` -> `zh-CN`).
pub fn match_locale(tag: &str) -> Option<&'static str> {
    let lower = tag.trim().to_ascii_lowercase();
    if let Some(exact) = SUPPORTED_LOCALES.iter().find(|l| l.to_ascii_lowercase() == lower) {
        return Some(exact);
    }
    let primary = lower.split(['-', '_']).next().unwrap_or_default();
    SUPPORTED_LOCALES.iter().find(|l| l.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(primary))).copied()
}

/// The language a customer's mails and documents are written in: their stored language when the
/// merchant's portal offers it, otherwise the merchant's default language, as the portal's page
/// language falls back (docs/adr/0039, 0045). `offered` is the merchant's list (`None` or empty:
/// every shipped language); tags are compared after [`match_locale`] (`de-AT` is `de`).
pub fn locale_within(customer: &str, offered: Option<&[String]>, default: &str) -> String {
    let fallback = match_locale(default).unwrap_or(SUPPORTED_LOCALES[0]);
    let Some(wanted) = match_locale(customer) else { return fallback.to_string() };
    let offered: Vec<&str> = offered.unwrap_or_default().iter().filter_map(|t| match_locale(t)).collect();
    if offered.is_empty() || offered.contains(&wanted) { wanted.to_string() } else { fallback.to_string() }
}

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    pub email: EmailAddress,
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    pub locale: String,
    pub kind: CustomerKind,
    pub vat_id: Option<VatId>,
    /// The VAT ID's validation result and evidence.
    pub vat_id_status: Option<VatIdStatus>,
    pub tax_exempt: bool,
    /// The price list the customer buys from (e.g. `schools`); the default one when absent.
    pub segment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The company the invoice is addressed to, when it differs from `name` (the contact).
    pub company_name: Option<String>,
    /// The billing address printed on documents.
    pub address: Option<crate::party::PostalAddress>,
}

impl Customer {
    /// The customer as the tax engine sees it. With `trust_check_digits`, a VAT ID whose check
    /// digits are right counts as confirmed until VIES says otherwise (docs/adr/0006).
    pub fn tax_profile(&self, trust_check_digits: bool) -> CustomerProfile {
        CustomerProfile {
            country: self.country,
            kind: self.kind,
            vat_id: self.vat_id.clone().map(|id| {
                let status = match &self.vat_id_status {
                    Some(VatIdStatus::Unverified { .. }) | None if trust_check_digits => VatIdStatus::Valid {
                        checked_at: self.created_at,
                        consultation_number: None,
                        name: None,
                        address: None,
                    },
                    Some(s) => s.clone(),
                    None => VatIdStatus::Unverified { reason: "not checked".into(), since: self.created_at },
                };
                (id, status)
            }),
            exempt: self.tax_exempt,
        }
    }
}

/// A request to create a customer, as raw text from any edge (API, CLI, seed).
#[derive(Debug, Clone, Default)]
pub struct NewCustomerInput {
    pub email: String,
    pub name: String,
    pub country: String,
    pub currency: String,
    pub locale: Option<String>,
    /// `consumer` (default) or `business`.
    pub kind: Option<String>,
    pub vat_id: Option<String>,
    pub segment: Option<String>,
    pub company_name: Option<String>,
    pub address: crate::party::AddressInput,
}

/// The validated form of [`NewCustomerInput`]; nothing is written until this exists.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub email: EmailAddress,
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    pub locale: &'static str,
    pub kind: CustomerKind,
    pub vat_id: Option<VatId>,
    pub segment: Option<String>,
    pub company_name: Option<String>,
    pub address: Option<crate::party::PostalAddress>,
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
        let vat_id = match input.vat_id.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(text) => {
                let id = VatId::parse(text)?;
                if id.country() != country {
                    return Err(Error::invalid(
                        "vat_id",
                        format!("the VAT ID is from {}, the customer is in {country}", id.country()),
                    ));
                }
                Some(id)
            }
            None => None,
        };
        let kind = match input.kind.as_deref() {
            None if vat_id.is_some() => CustomerKind::Business,
            None | Some("consumer") => CustomerKind::Consumer,
            Some("business") => CustomerKind::Business,
            Some(_) => return Err(Error::invalid("kind", "use consumer or business")),
        };
        let segment = input.segment.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(s) = &segment {
            crate::catalog::validate_code("segment", s)?;
        }
        let company_name = parse_company_name(input.company_name.as_deref())?;
        let address = input.address.parse(country)?;
        Ok(Self { email, name, country, currency, locale, kind, vat_id, segment, company_name, address })
    }
}

fn parse_company_name(text: Option<&str>) -> Result<Option<String>> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(|t| validate_name("company_name", t)).transpose()
}

/// Changes to a customer's billing details: an absent field keeps its value, an empty
/// `company_name` clears it, an `address` with every field empty removes the address.
#[derive(Debug, Clone, Default)]
pub struct CustomerUpdateInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub company_name: Option<String>,
    pub address: Option<crate::party::AddressInput>,
}

impl CustomerUpdateInput {
    /// The customer after these changes; nothing is half-applied on an error.
    pub fn apply(&self, current: &Customer) -> Result<Customer> {
        let mut c = current.clone();
        if let Some(name) = &self.name {
            c.name = validate_name("name", name)?;
        }
        if let Some(email) = &self.email {
            c.email = EmailAddress::parse(email)?;
        }
        if let Some(tag) = &self.locale {
            c.locale = match_locale(tag)
                .ok_or_else(|| {
                    Error::invalid(
                        "locale",
                        format!("`{tag}` is not supported; use one of {}", SUPPORTED_LOCALES.join(", ")),
                    )
                })?
                .to_string();
        }
        if self.company_name.is_some() {
            c.company_name = parse_company_name(self.company_name.as_deref())?;
        }
        if let Some(a) = &self.address {
            c.address = a.parse(c.country)?;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_and_documents_fall_back_to_the_default_outside_the_offered_languages() {
        let offered = ["de".to_string(), "en".to_string()];
        assert_eq!(locale_within("de", Some(&offered), "en"), "de", "offered: kept");
        assert_eq!(locale_within("de-AT", Some(&offered), "en"), "de", "a regional tag matches its language");
        assert_eq!(locale_within("ja", Some(&offered), "de"), "de", "not offered: the merchant's default");
        assert_eq!(locale_within("ja", None, "de"), "ja", "nothing chosen: every language is offered");
        assert_eq!(locale_within("ja", Some(&[]), "de"), "ja");
        assert_eq!(locale_within("xx", Some(&offered), "de"), "de", "an unknown tag: the default");
        assert_eq!(locale_within("fr", Some(&offered), "xx"), "en", "a broken default: the first shipped language");
    }

    fn input() -> NewCustomerInput {
        NewCustomerInput {
            email: "anna@example.de".into(),
            name: "Anna Schmidt".into(),
            country: "de".into(),
            currency: "eur".into(),
            locale: None,
            kind: None,
            vat_id: None,
            segment: None,
            company_name: None,
            address: Default::default(),
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
    fn a_vat_id_is_checked_at_entry_and_makes_a_business() {
        let mut i = input();
        i.country = "FR".into();
        i.vat_id = Some("FR40303265045".into());
        let c = NewCustomer::parse(&i, "en").unwrap();
        assert_eq!(c.kind, CustomerKind::Business);
        i.vat_id = Some("FR41303265045".into());
        assert!(matches!(
            NewCustomer::parse(&i, "en"),
            Err(Error::VatId(crate::tax::VatIdError::BadCheckDigits { .. }))
        ));
        i.vat_id = Some("DE136695976".into());
        assert!(matches!(NewCustomer::parse(&i, "en"), Err(Error::InvalidField { field: "vat_id", .. })));
    }

    #[test]
    fn locale_tags_are_matched_to_shipped_languages() {
        assert_eq!(match_locale("de-AT"), Some("de"));
        assert_eq!(match_locale("zh"), Some("zh-CN"));
        assert_eq!(match_locale("zh-cn"), Some("zh-CN"));
        assert_eq!(match_locale("FR_ch"), Some("fr"));
        assert_eq!(match_locale("ja-JP"), Some("ja"));
        assert_eq!(match_locale("pt"), Some("pt-BR"));
        assert_eq!(match_locale("pt_br"), Some("pt-BR"));
        assert_eq!(match_locale("nl-BE"), Some("nl"));
        assert_eq!(match_locale("ko"), None);
        assert_eq!(match_locale(""), None);
    }
}
