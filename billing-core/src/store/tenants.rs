//! Tenants and API keys.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::country::Country;
use crate::error::Result;
use crate::ids::{ApiKeyId, TenantId};
use crate::party::{BankAccount, PostalAddress, SellerProfile};
use crate::tenant::{NewApiKey, SellerTax, Tenant, parse_timezone};

#[derive(sqlx::FromRow)]
struct TenantRow {
    tenant_id: Uuid,
    slug: String,
    name: String,
    country: String,
    timezone: String,
    default_locale: String,
    invoice_number_format: String,
    credit_note_number_format: String,
    payment_terms_days: i32,
    vat_id: Option<String>,
    oss_registered: bool,
    vat_registrations: Vec<String>,
    small_business_exempt: bool,
    b2c_threshold_opt: bool,
    vat_id_policy: String,
    proration_unit: String,
    legal_name: Option<String>,
    address_line1: Option<String>,
    address_line2: Option<String>,
    address_postal_code: Option<String>,
    address_city: Option<String>,
    tax_number: Option<String>,
    bank_account_holder: Option<String>,
    bank_iban: Option<String>,
    bank_bic: Option<String>,
    brand_color: String,
    logo_url: Option<String>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = crate::error::Error;
    fn try_from(r: TenantRow) -> Result<Self> {
        let country = Country::parse(&r.country).map_err(|e| corrupt("tenant country", e))?;
        let profile = SellerProfile {
            legal_name: r.legal_name,
            address: match (r.address_line1, r.address_postal_code, r.address_city) {
                (Some(line1), Some(postal_code), Some(city)) => {
                    Some(PostalAddress { line1, line2: r.address_line2, postal_code, city, country })
                }
                _ => None,
            },
            tax_number: r.tax_number,
            bank: match (r.bank_account_holder, r.bank_iban) {
                (Some(account_holder), Some(iban)) => Some(BankAccount { account_holder, iban, bic: r.bank_bic }),
                _ => None,
            },
            brand_color: r.brand_color,
            logo_url: r.logo_url,
        };
        Ok(Tenant {
            profile,
            id: TenantId(r.tenant_id),
            slug: r.slug,
            name: r.name,
            country,
            timezone: parse_timezone(&r.timezone).map_err(|e| corrupt("tenant timezone", e))?,
            default_locale: r.default_locale,
            invoice_number_format: r.invoice_number_format,
            credit_note_number_format: r.credit_note_number_format,
            payment_terms_days: u32::try_from(r.payment_terms_days).map_err(|e| corrupt("payment terms", e))?,
            tax: SellerTax {
                vat_id: r
                    .vat_id
                    .as_deref()
                    .map(crate::tax::VatId::parse)
                    .transpose()
                    .map_err(|e| corrupt("tenant VAT id", e))?,
                oss_registered: r.oss_registered,
                registrations: r
                    .vat_registrations
                    .iter()
                    .map(|c| Country::parse(c).map_err(|e| corrupt("VAT registration", e)))
                    .collect::<Result<_>>()?,
                small_business_exempt: r.small_business_exempt,
                b2c_threshold_opt: r.b2c_threshold_opt,
                trust_check_digits: r.vat_id_policy == "check_digits",
            },
            proration_unit: if r.proration_unit == "second" {
                crate::proration::ProrationUnit::Second
            } else {
                crate::proration::ProrationUnit::Day
            },
        })
    }
}

const SELECT: &str = "SELECT tenant_id, slug, name, country, timezone, default_locale, invoice_number_format, credit_note_number_format, payment_terms_days,
    vat_id, oss_registered, vat_registrations, small_business_exempt, b2c_threshold_opt, vat_id_policy, proration_unit,
    legal_name, address_line1, address_line2, address_postal_code, address_city, tax_number, bank_account_holder, bank_iban,
    bank_bic, brand_color, logo_url FROM tenants";

pub async fn insert(conn: &mut PgConnection, t: &Tenant, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenants (tenant_id, slug, name, country, timezone, default_locale, invoice_number_format,
             payment_terms_days, created_at, credit_note_number_format, vat_id, oss_registered, vat_registrations,
             small_business_exempt, b2c_threshold_opt, vat_id_policy, proration_unit)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(t.id)
    .bind(&t.slug)
    .bind(&t.name)
    .bind(t.country.code())
    .bind(t.timezone.name())
    .bind(&t.default_locale)
    .bind(&t.invoice_number_format)
    .bind(t.payment_terms_days as i32)
    .bind(now)
    .bind(&t.credit_note_number_format)
    .bind(t.tax.vat_id.as_ref().map(|v| v.to_string()))
    .bind(t.tax.oss_registered)
    .bind(t.tax.registrations.iter().map(|c| c.code().to_string()).collect::<Vec<_>>())
    .bind(t.tax.small_business_exempt)
    .bind(t.tax.b2c_threshold_opt)
    .bind(if t.tax.trust_check_digits { "check_digits" } else { "vies_required" })
    .bind(match t.proration_unit {
        crate::proration::ProrationUnit::Second => "second",
        crate::proration::ProrationUnit::Day => "day",
    })
    .execute(&mut *conn)
    .await?;
    update_profile(conn, t.id, &t.profile).await
}

/// The tenant's draft periods in hours: (grace period of staff drafts, how long the invoice run's
/// invoices stay drafts).
pub async fn draft_hours(conn: &mut PgConnection, tenant: TenantId) -> Result<(i32, i32)> {
    Ok(sqlx::query_as("SELECT draft_grace_hours, subscription_draft_hours FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(conn)
        .await?)
}

/// How many days ahead pre-dunning tells customers: (trial ending, annual renewal).
pub async fn notice_days(conn: &mut PgConnection, tenant: TenantId) -> Result<(i32, i32)> {
    Ok(sqlx::query_as("SELECT trial_notice_days, renewal_notice_days FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(conn)
        .await?)
}

/// Changes either notice period; each must be 1 to 90 days.
pub async fn set_notice_days(
    conn: &mut PgConnection,
    tenant: TenantId,
    trial: Option<i32>,
    renewal: Option<i32>,
) -> Result<()> {
    for (field, v) in [("trial_notice_days", trial), ("renewal_notice_days", renewal)] {
        if v.is_some_and(|d| !(1..=90).contains(&d)) {
            return Err(crate::error::Error::invalid(field, "give 1 to 90 days"));
        }
    }
    sqlx::query(
        "UPDATE tenants SET trial_notice_days = COALESCE($2, trial_notice_days),
             renewal_notice_days = COALESCE($3, renewal_notice_days) WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(trial)
    .bind(renewal)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes either grace period; each must be 0 to 720 hours (30 days).
pub async fn set_draft_hours(
    conn: &mut PgConnection,
    tenant: TenantId,
    staff: Option<i32>,
    subscription: Option<i32>,
) -> Result<()> {
    for (field, v) in [("draft_grace_hours", staff), ("subscription_draft_hours", subscription)] {
        if v.is_some_and(|h| !(0..=720).contains(&h)) {
            return Err(crate::error::Error::invalid(field, "give 0 to 720 hours"));
        }
    }
    sqlx::query(
        "UPDATE tenants SET draft_grace_hours = COALESCE($2, draft_grace_hours),
             subscription_draft_hours = COALESCE($3, subscription_draft_hours) WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(staff)
    .bind(subscription)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the seller's VAT registration (OSS, other registrations, § 19, Art. 59c, VAT ID policy).
pub async fn update_tax(conn: &mut PgConnection, tenant: TenantId, t: &crate::tenant::SellerTax) -> Result<()> {
    sqlx::query(
        "UPDATE tenants SET oss_registered = $2, vat_registrations = $3, small_business_exempt = $4,
             b2c_threshold_opt = $5, vat_id_policy = $6
         WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(t.oss_registered)
    .bind(t.registrations.iter().map(|c| c.code().to_string()).collect::<Vec<_>>())
    .bind(t.small_business_exempt)
    .bind(t.b2c_threshold_opt)
    .bind(if t.trust_check_digits { "check_digits" } else { "vies_required" })
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the seller profile (legal name, address, tax number, bank, branding).
pub async fn update_profile(conn: &mut PgConnection, tenant: TenantId, p: &SellerProfile) -> Result<()> {
    let a = p.address.as_ref();
    let b = p.bank.as_ref();
    sqlx::query(
        "UPDATE tenants SET legal_name = $2, address_line1 = $3, address_line2 = $4, address_postal_code = $5,
             address_city = $6, tax_number = $7, bank_account_holder = $8, bank_iban = $9, bank_bic = $10,
             brand_color = $11, logo_url = $12
         WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(&p.legal_name)
    .bind(a.map(|a| &a.line1))
    .bind(a.and_then(|a| a.line2.as_ref()))
    .bind(a.map(|a| &a.postal_code))
    .bind(a.map(|a| &a.city))
    .bind(&p.tax_number)
    .bind(b.map(|b| &b.account_holder))
    .bind(b.map(|b| &b.iban))
    .bind(b.and_then(|b| b.bic.as_ref()))
    .bind(&p.brand_color)
    .bind(&p.logo_url)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, id: TenantId) -> Result<Option<Tenant>> {
    let row: Option<TenantRow> =
        sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1")).bind(id).fetch_optional(conn).await?;
    row.map(Tenant::try_from).transpose()
}

pub async fn get_by_slug(conn: &mut PgConnection, slug: &str) -> Result<Option<Tenant>> {
    let row: Option<TenantRow> =
        sqlx::query_as(&format!("{SELECT} WHERE slug = $1")).bind(slug).fetch_optional(conn).await?;
    row.map(Tenant::try_from).transpose()
}

/// A tenant as the portal loads it: with its offered languages and its uploaded logo's digest
/// (docs/adr/0039), and the counter that every change of these moves (`settings_version`, docs/adr/0055).
#[derive(Debug, Clone)]
pub struct PortalTenant {
    pub tenant: Tenant,
    pub offered_locales: Option<Vec<String>>,
    pub logo_sha256: Option<String>,
    pub settings_version: i64,
}

/// A tenant by its portal slug with its portal page settings, in one statement (the portal's
/// request context; issue 15, docs/adr/0043): the offered languages (`portal_settings`) and the
/// uploaded logo's SHA-256 (`tenant_logos`), as `console_settings::page_settings` reads them, and
/// its `settings_version`.
pub async fn get_by_slug_with_page_settings(conn: &mut PgConnection, slug: &str) -> Result<Option<PortalTenant>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        tenant: TenantRow,
        offered_locales: Option<Vec<String>>,
        logo_sha256: Option<String>,
        settings_version: i64,
    }
    let columns = SELECT.strip_suffix("FROM tenants").unwrap_or(SELECT).trim_end();
    let row: Option<Row> = sqlx::query_as(&format!(
        "{columns}, settings_version,
            (SELECT s.offered_locales FROM portal_settings s WHERE s.tenant_id = tenants.tenant_id) AS offered_locales,
            (SELECT l.sha256 FROM tenant_logos l WHERE l.tenant_id = tenants.tenant_id) AS logo_sha256
         FROM tenants WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(PortalTenant {
            tenant: Tenant::try_from(r.tenant)?,
            offered_locales: r.offered_locales,
            logo_sha256: r.logo_sha256,
            settings_version: r.settings_version,
        })
    })
    .transpose()
}

pub async fn list_ids(conn: &mut PgConnection) -> Result<Vec<TenantId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM tenants ORDER BY tenant_id").fetch_all(conn).await?;
    Ok(ids.into_iter().map(TenantId).collect())
}

pub async fn insert_api_key(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    key: &NewApiKey,
    now: DateTime<Utc>,
) -> Result<ApiKeyId> {
    let id = ApiKeyId::new();
    sqlx::query(
        "INSERT INTO api_keys (tenant_id, id, name, prefix, digest, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (digest) DO NOTHING",
    )
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(&key.prefix)
    .bind(&key.digest)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// The tenant owning the (unrevoked) key with this digest.
/// The counter every change to `api_keys` bumps (migration 20261208000610).
pub async fn api_key_version(conn: &mut PgConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT version FROM api_key_versions").fetch_one(conn).await?)
}

pub async fn tenant_for_key(conn: &mut PgConnection, digest: &[u8]) -> Result<Option<TenantId>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM api_keys WHERE digest = $1 AND revoked_at IS NULL")
            .bind(digest)
            .fetch_optional(conn)
            .await?;
    Ok(id.map(TenantId))
}

/// The tenant's sender identity in mails: `From` display name and reply-to address.
pub async fn mail_identity(conn: &mut PgConnection, tenant: TenantId) -> Result<(Option<String>, Option<String>)> {
    Ok(sqlx::query_as("SELECT mail_sender_name, mail_reply_to FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(conn)
        .await?)
}

pub async fn set_mail_identity(
    conn: &mut PgConnection,
    tenant: TenantId,
    sender_name: Option<&str>,
    reply_to: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE tenants SET mail_sender_name = $2, mail_reply_to = $3 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(sender_name)
        .bind(reply_to)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_default_locale(conn: &mut PgConnection, tenant: TenantId, locale: &str) -> Result<()> {
    sqlx::query("UPDATE tenants SET default_locale = $2 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(locale)
        .execute(conn)
        .await?;
    Ok(())
}
