//! Tenants and API keys.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::country::Country;
use crate::error::Result;
use crate::ids::{ApiKeyId, TenantId};
use crate::tenant::{NewApiKey, Tenant, parse_timezone};

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
}

impl TryFrom<TenantRow> for Tenant {
    type Error = crate::error::Error;
    fn try_from(r: TenantRow) -> Result<Self> {
        Ok(Tenant {
            id: TenantId(r.tenant_id),
            slug: r.slug,
            name: r.name,
            country: Country::parse(&r.country).map_err(|e| corrupt("tenant country", e))?,
            timezone: parse_timezone(&r.timezone).map_err(|e| corrupt("tenant timezone", e))?,
            default_locale: r.default_locale,
            invoice_number_format: r.invoice_number_format,
            credit_note_number_format: r.credit_note_number_format,
            payment_terms_days: u32::try_from(r.payment_terms_days).map_err(|e| corrupt("payment terms", e))?,
        })
    }
}

const SELECT: &str = "SELECT tenant_id, slug, name, country, timezone, default_locale, invoice_number_format, credit_note_number_format, payment_terms_days FROM tenants";

pub async fn insert(conn: &mut PgConnection, t: &Tenant, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenants (tenant_id, slug, name, country, timezone, default_locale, invoice_number_format,
             payment_terms_days, created_at, credit_note_number_format)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
pub async fn tenant_for_key(conn: &mut PgConnection, digest: &[u8]) -> Result<Option<TenantId>> {
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM api_keys WHERE digest = $1 AND revoked_at IS NULL")
            .bind(digest)
            .fetch_optional(conn)
            .await?;
    Ok(id.map(TenantId))
}
