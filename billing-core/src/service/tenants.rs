//! Creating tenants and their API keys.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::country::Country;
use crate::customer::match_locale;
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::invoice::NumberFormat;
use crate::store;
use crate::tenant::{NewApiKey, Tenant, generate_api_key, parse_timezone, validate_slug};

#[derive(Debug, Clone)]
pub struct NewTenantInput {
    pub slug: String,
    pub name: String,
    pub country: String,
    pub timezone: String,
    pub default_locale: String,
    pub invoice_number_format: String,
    pub payment_terms_days: u32,
    /// The merchant's own VAT ID (checked like a customer's).
    pub vat_id: Option<String>,
    /// Prorate mid-period changes by the second instead of by the day.
    pub prorate_by_second: bool,
    /// Legal name, address, tax number, bank account and branding (all optional).
    pub profile: crate::party::SellerProfileInput,
}

impl Default for NewTenantInput {
    fn default() -> Self {
        Self {
            slug: String::new(),
            name: String::new(),
            country: "DE".into(),
            timezone: "Europe/Berlin".into(),
            default_locale: "en".into(),
            invoice_number_format: "INV-{YYYY}-{seq:06}".into(),
            payment_terms_days: 14,
            vat_id: None,
            prorate_by_second: false,
            profile: Default::default(),
        }
    }
}

pub fn parse_tenant(input: &NewTenantInput) -> Result<Tenant> {
    validate_slug(&input.slug)?;
    NumberFormat::parse(&input.invoice_number_format)?;
    if input.payment_terms_days > 365 {
        return Err(Error::invalid("payment_terms_days", "must be at most 365"));
    }
    Ok(Tenant {
        id: TenantId::new(),
        slug: input.slug.clone(),
        name: crate::catalog::validate_name("name", &input.name)?,
        country: Country::parse(&input.country)?,
        timezone: parse_timezone(&input.timezone)?,
        default_locale: match_locale(&input.default_locale)
            .ok_or_else(|| Error::invalid("default_locale", "not a shipped language"))?
            .to_string(),
        invoice_number_format: input.invoice_number_format.clone(),
        credit_note_number_format: "CN-{YYYY}-{seq:06}".into(),
        payment_terms_days: input.payment_terms_days,
        tax: crate::tenant::SellerTax {
            vat_id: input.vat_id.as_deref().map(crate::tax::VatId::parse).transpose()?,
            oss_registered: true,
            registrations: vec![],
            small_business_exempt: false,
            b2c_threshold_opt: false,
            trust_check_digits: true,
        },
        proration_unit: if input.prorate_by_second {
            crate::proration::ProrationUnit::Second
        } else {
            crate::proration::ProrationUnit::Day
        },
        profile: input.profile.apply(
            &crate::party::SellerProfile {
                brand_color: crate::party::DEFAULT_BRAND_COLOR.into(),
                ..Default::default()
            },
            Country::parse(&input.country)?,
        )?,
    })
}

/// Creates a tenant; fails with `Duplicate` if the slug is taken.
pub async fn create(conn: &mut PgConnection, input: &NewTenantInput, now: DateTime<Utc>) -> Result<Tenant> {
    let tenant = parse_tenant(input)?;
    if store::tenants::get_by_slug(conn, &tenant.slug).await?.is_some() {
        return Err(Error::Duplicate { resource: "tenant", code: tenant.slug });
    }
    store::tenants::insert(conn, &tenant, now).await?;
    Ok(tenant)
}

/// Makes a new API key for `tenant` and returns it; its secret is not stored anywhere.
pub async fn create_api_key(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<NewApiKey> {
    let key = generate_api_key("live");
    store::tenants::insert_api_key(conn, tenant, name, &key, now).await?;
    Ok(key)
}

/// The tenant an API key belongs to, if it is a valid unrevoked key.
/// The channel on which PostgreSQL announces every change to the API keys (revocations
/// included), for caches of them (`portal_web::api_key_cache`).
pub const API_KEY_CHANNEL: &str = "billing_api_keys";

/// The counter every change to the API keys bumps: a cache that sees it move forgets its keys.
pub async fn api_key_version(conn: &mut PgConnection) -> Result<i64> {
    store::tenants::api_key_version(conn).await
}

pub async fn authenticate(conn: &mut PgConnection, secret: &str) -> Result<Option<TenantId>> {
    if !secret.starts_with("sk_") || secret.len() > 128 {
        return Ok(None);
    }
    store::tenants::tenant_for_key(conn, &crate::tenant::digest_api_key(secret)).await
}

/// Changes the seller profile that documents print; an invalid field changes nothing.
/// Changes to the seller's VAT registration; an absent field keeps its value.
#[derive(Debug, Clone, Default)]
pub struct TaxSettingsInput {
    pub oss_registered: Option<bool>,
    /// ISO country codes where the seller holds a VAT registration of its own.
    pub registrations: Option<Vec<String>>,
    pub small_business_exempt: Option<bool>,
    /// Keep cross-border B2C supplies at home below the Art. 59c EUR 10 000 threshold.
    pub b2c_threshold_opt: Option<bool>,
    pub trust_check_digits: Option<bool>,
}

/// Applies `input` to the tenant's VAT registration. A country code that is not one, or the
/// seller's own country among its foreign registrations, is refused and changes nothing.
pub async fn update_tax(conn: &mut PgConnection, tenant: TenantId, input: &TaxSettingsInput) -> Result<Tenant> {
    let mut t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    if let Some(codes) = &input.registrations {
        let mut registrations = Vec::with_capacity(codes.len());
        for code in codes {
            let country = crate::country::Country::parse(code)?;
            if country == t.country {
                return Err(Error::invalid("registrations", "list only registrations outside the home country"));
            }
            if !registrations.contains(&country) {
                registrations.push(country);
            }
        }
        t.tax.registrations = registrations;
    }
    if let Some(v) = input.oss_registered {
        t.tax.oss_registered = v;
    }
    if let Some(v) = input.small_business_exempt {
        t.tax.small_business_exempt = v;
    }
    if let Some(v) = input.b2c_threshold_opt {
        t.tax.b2c_threshold_opt = v;
    }
    if let Some(v) = input.trust_check_digits {
        t.tax.trust_check_digits = v;
    }
    store::tenants::update_tax(conn, tenant, &t.tax).await?;
    Ok(t)
}

pub async fn update_profile(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &crate::party::SellerProfileInput,
) -> Result<Tenant> {
    let mut t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    t.profile = input.apply(&t.profile, t.country)?;
    store::tenants::update_profile(conn, tenant, &t.profile).await?;
    Ok(t)
}

/// The tenant with this id.
pub async fn get(conn: &mut PgConnection, tenant: TenantId) -> Result<Tenant> {
    store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))
}

/// The tenant with this slug, if there is one.
pub async fn get_by_slug(conn: &mut PgConnection, slug: &str) -> Result<Option<Tenant>> {
    store::tenants::get_by_slug(conn, slug).await
}

/// Staff drafts' grace and subscription drafts' hours before they are finalized.
pub async fn draft_hours(conn: &mut PgConnection, tenant: TenantId) -> Result<(i32, i32)> {
    store::tenants::draft_hours(conn, tenant).await
}

/// Changes the draft hours (absent: unchanged), each from 0 to 720.
pub async fn set_draft_hours(
    conn: &mut PgConnection,
    tenant: TenantId,
    staff: Option<i32>,
    subscription: Option<i32>,
) -> Result<()> {
    store::tenants::set_draft_hours(conn, tenant, staff, subscription).await
}

/// How many days ahead pre-dunning tells customers: (trial ending, annual renewal).
pub async fn notice_days(conn: &mut PgConnection, tenant: TenantId) -> Result<(i32, i32)> {
    store::tenants::notice_days(conn, tenant).await
}

/// Changes the pre-dunning notice periods (absent: unchanged), each from 1 to 90 days.
pub async fn set_notice_days(
    conn: &mut PgConnection,
    tenant: TenantId,
    trial: Option<i32>,
    renewal: Option<i32>,
) -> Result<()> {
    store::tenants::set_notice_days(conn, tenant, trial, renewal).await
}

/// The sender identity in mails: (`From` display name, reply-to address); `None` for the
/// defaults (the tenant's name, replies to `mail.from`).
pub async fn mail_identity(conn: &mut PgConnection, tenant: TenantId) -> Result<(Option<String>, Option<String>)> {
    store::tenants::mail_identity(conn, tenant).await
}

/// Sets the sender identity (empty: the default), checked as `POST /api/v1/mail_settings` checks it.
pub async fn set_mail_identity(
    conn: &mut PgConnection,
    tenant: TenantId,
    sender_name: Option<&str>,
    reply_to: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    let sender_name = match sender_name.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(n) => Some(crate::catalog::validate_name("sender_name", n)?),
    };
    let reply_to = match reply_to.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => Some(crate::email::EmailAddress::parse(a)?.to_string()),
    };
    store::tenants::set_mail_identity(conn, tenant, sender_name.as_deref(), reply_to.as_deref()).await?;
    Ok((sender_name, reply_to))
}

/// Sets the merchant's default language (documents, mails and pages without another choice);
/// one of the shipped languages.
pub async fn set_default_locale(conn: &mut PgConnection, tenant: TenantId, locale: &str) -> Result<String> {
    let locale = match_locale(locale).ok_or_else(|| Error::invalid("default_locale", "not a shipped language"))?;
    // The default is always among the portal's offered languages (docs/adr/0039).
    if let Some(offered) = store::console_settings::portal_settings(conn, tenant).await?.0
        && !offered.iter().any(|o| o == locale)
    {
        return Err(Error::invalid("default_locale", "offer this language in the portal first"));
    }
    store::tenants::set_default_locale(conn, tenant, locale).await?;
    Ok(locale.to_string())
}
