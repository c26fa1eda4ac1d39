//! Tenants (merchants) and their API keys.
//!
//! API keys are shown once when made; only their SHA-256 digest is stored. A key is 32 random
//! bytes, so a fast digest is enough (no password stretching needed: there is nothing to guess).

use chrono_tz::Tz;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::country::Country;
use crate::error::{Error, Result};
use crate::ids::TenantId;

#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub country: Country,
    pub timezone: Tz,
    pub default_locale: String,
    pub invoice_number_format: String,
    pub credit_note_number_format: String,
    pub payment_terms_days: u32,
    pub tax: SellerTax,
    /// How mid-period changes are prorated: by day (default) or by second.
    pub proration_unit: crate::proration::ProrationUnit,
    /// Legal name, address, tax number, bank account and branding for documents.
    pub profile: crate::party::SellerProfile,
}

/// The tenant's VAT registration, as the tax engine needs it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SellerTax {
    pub vat_id: Option<crate::tax::VatId>,
    pub oss_registered: bool,
    pub registrations: Vec<Country>,
    pub small_business_exempt: bool,
    pub b2c_threshold_opt: bool,
    /// Whether a customer VAT ID with valid check digits counts as confirmed until VIES says
    /// otherwise (`false`: only a VIES-confirmed ID gives reverse charge).
    pub trust_check_digits: bool,
}

impl Tenant {
    pub fn seller_profile(&self) -> crate::tax::SellerProfile {
        crate::tax::SellerProfile {
            country: self.country,
            vat_id: self.tax.vat_id.clone(),
            oss_registered: self.tax.oss_registered,
            registrations: self.tax.registrations.clone(),
            small_business_exempt: self.tax.small_business_exempt,
            eu_b2c_below_threshold_opt: self.tax.b2c_threshold_opt,
        }
    }
}

/// The instant a civil day starts in a time zone (the earliest one on a DST fold; on a gap,
/// the first valid local time after midnight).
pub fn start_of_day(tz: Tz, day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let mut t = day.and_time(chrono::NaiveTime::MIN);
    for _ in 0..48 {
        if let Some(local) = tz.from_local_datetime(&t).earliest() {
            return local.with_timezone(&chrono::Utc);
        }
        t += chrono::Duration::minutes(30);
    }
    t.and_utc()
}

/// Parses an IANA time zone name (`Europe/Berlin`).
pub fn parse_timezone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| Error::invalid("timezone", format!("`{name}` is not an IANA time zone")))
}

/// A freshly made API key: the secret is only ever in this value.
#[derive(Debug)]
pub struct NewApiKey {
    pub secret: String,
    pub prefix: String,
    pub digest: Vec<u8>,
}

const KEY_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Makes a new secret key `sk_<mode>_<43 base62 chars>`.
pub fn generate_api_key(mode: &str) -> NewApiKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    // 43 base62 characters carry > 256 bits; modulo bias on 62 is irrelevant at this length.
    let body: String = bytes
        .iter()
        .chain(bytes.iter().take(11))
        .enumerate()
        .map(|(i, b)| KEY_ALPHABET[(usize::from(*b) + i * 7) % KEY_ALPHABET.len()] as char)
        .collect();
    api_key_from_secret(format!("sk_{mode}_{body}"))
}

/// Wraps a known secret (the demo's documented key, or one read back in a test).
pub fn api_key_from_secret(secret: String) -> NewApiKey {
    let prefix: String = secret.chars().take(12).collect();
    let digest = digest_api_key(&secret);
    NewApiKey { secret, prefix, digest }
}

pub fn digest_api_key(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A tenant slug: lower-case letters, digits and hyphens, used in URLs.
pub fn validate_slug(slug: &str) -> Result<()> {
    let ok = (2..=48).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok { Ok(()) } else { Err(Error::invalid("slug", "use 2-48 lower-case letters, digits or '-'")) }
}

impl crate::party::SellerSnapshot {
    /// The seller as the tenant's documents show it now: its profile and VAT registration.
    pub fn of(tenant: &Tenant) -> Self {
        let p = &tenant.profile;
        crate::party::SellerSnapshot {
            name: p.legal_name.clone().unwrap_or_else(|| tenant.name.clone()),
            address: p.address.clone(),
            vat_id: tenant.tax.vat_id.as_ref().map(|v| v.to_string()),
            tax_number: p.tax_number.clone(),
            bank: p.bank.clone(),
            brand_color: p.brand_color.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_only_the_digest_matches() {
        let a = generate_api_key("live");
        let b = generate_api_key("live");
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with("sk_live_"));
        assert_eq!(a.secret.len(), "sk_live_".len() + 43);
        assert_eq!(digest_api_key(&a.secret), a.digest);
        assert_ne!(digest_api_key(&b.secret), a.digest);
    }

    #[test]
    fn slugs_and_zones_are_checked() {
        assert!(validate_slug("demo-gmbh").is_ok());
        assert!(validate_slug("Demo").is_err());
        assert!(validate_slug("-x").is_err());
        assert!(parse_timezone("Europe/Berlin").is_ok());
        assert!(parse_timezone("Mars/Olympus").is_err());
    }
}
