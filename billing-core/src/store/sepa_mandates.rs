//! SEPA mandates (`sepa_mandates`) and the merchant's creditor identifier (`tenants.sepa_creditor_id`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{CustomerId, TenantId};

/// A mandate as the customer confirmed it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Mandate {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub payment_method_id: Uuid,
    pub reference: String,
    pub creditor_id: String,
    pub creditor_name: String,
    pub account_holder: String,
    pub iban: String,
    pub text_version: String,
    pub text_locale: String,
    pub mandate_text: String,
    pub signed_at: DateTime<Utc>,
    pub client_address: Option<String>,
}

const COLUMNS: &str = "id, customer_id, payment_method_id, reference, creditor_id, creditor_name, account_holder, iban,
    text_version, text_locale, mandate_text, signed_at, client_address";

pub async fn creditor_id(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT sepa_creditor_id FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?
        .flatten())
}

pub async fn set_creditor_id(conn: &mut PgConnection, tenant: TenantId, id: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE tenants SET sepa_creditor_id = $2 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn reference_taken(conn: &mut PgConnection, tenant: TenantId, reference: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sepa_mandates WHERE tenant_id = $1 AND reference = $2)")
        .bind(tenant)
        .bind(reference)
        .fetch_one(conn)
        .await?)
}

pub async fn insert(conn: &mut PgConnection, tenant: TenantId, m: &Mandate) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO sepa_mandates (tenant_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(tenant)
    .bind(m.id)
    .bind(m.customer_id)
    .bind(m.payment_method_id)
    .bind(&m.reference)
    .bind(&m.creditor_id)
    .bind(&m.creditor_name)
    .bind(&m.account_holder)
    .bind(&m.iban)
    .bind(&m.text_version)
    .bind(&m.text_locale)
    .bind(&m.mandate_text)
    .bind(m.signed_at)
    .bind(&m.client_address)
    .execute(conn)
    .await?;
    Ok(())
}

/// The customer's mandates, newest first.
pub async fn for_customer(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<Mandate>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sepa_mandates WHERE tenant_id = $1 AND customer_id = $2 ORDER BY signed_at DESC, id DESC"
    ))
    .bind(tenant)
    .bind(customer)
    .fetch_all(conn)
    .await?)
}
