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
    /// The browser it was confirmed in, when known (docs/adr/0044).
    pub user_agent: Option<String>,
    /// `active`, `revoked` or `expired` (docs/adr/0044).
    pub status: String,
    pub ended_at: Option<DateTime<Utc>>,
    /// `payment_method_removed`, `cancelled_by_merchant` or `unused_36_months`.
    pub end_reason: Option<String>,
    /// The pre-notification period agreed with the customer, in calendar days; `None`: the SEPA
    /// rulebook's 14 days (docs/adr/0048).
    pub prenotification_days: Option<i16>,
}

/// What a new mandate stores.
const INSERT_COLUMNS: &str =
    "id, customer_id, payment_method_id, reference, creditor_id, creditor_name, account_holder, iban,
    text_version, text_locale, mandate_text, signed_at, client_address, user_agent, prenotification_days";

const COLUMNS: &str = "id, customer_id, payment_method_id, reference, creditor_id, creditor_name, account_holder, iban,
    text_version, text_locale, mandate_text, signed_at, client_address, user_agent, status, ended_at, end_reason,
    prenotification_days";

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

/// The merchant's pre-notification period for mandates signed in the portal (`None`: the
/// rulebook's 14 days).
pub async fn tenant_period(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<i16>> {
    Ok(sqlx::query_scalar("SELECT sepa_prenotification_days FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?
        .flatten())
}

pub async fn set_tenant_period(conn: &mut PgConnection, tenant: TenantId, days: Option<i16>) -> Result<()> {
    sqlx::query("UPDATE tenants SET sepa_prenotification_days = $2 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(days)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the agreed pre-notification period of the mandate `id` (`None`: back to the rulebook's
/// 14 days); the mandate as changed.
pub async fn set_period(conn: &mut PgConnection, tenant: TenantId, id: Uuid, days: Option<i16>) -> Result<Mandate> {
    Ok(sqlx::query_as(&format!(
        "UPDATE sepa_mandates SET prenotification_days = $3 WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(days)
    .fetch_one(conn)
    .await?)
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
        "INSERT INTO sepa_mandates (tenant_id, {INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
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
    .bind(&m.user_agent)
    .bind(m.prenotification_days)
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

/// The customer's mandate `id`, locked for the caller's transaction.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
) -> Result<Option<Mandate>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sepa_mandates WHERE tenant_id = $1 AND customer_id = $2 AND id = $3 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Ends the active mandate `id` (`revoked` or `expired`, with the reason); `None` when it had
/// ended already.
pub async fn end(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    status: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<Mandate>> {
    Ok(sqlx::query_as(&format!(
        "UPDATE sepa_mandates SET status = $3, end_reason = $4, ended_at = $5
         WHERE tenant_id = $1 AND id = $2 AND status = 'active' RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(status)
    .bind(reason)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// The active mandate of the customer's payment method, if any.
pub async fn active_for_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    payment_method: Uuid,
) -> Result<Option<Mandate>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sepa_mandates
         WHERE tenant_id = $1 AND customer_id = $2 AND payment_method_id = $3 AND status = 'active' FOR UPDATE"
    ))
    .bind(tenant)
    .bind(customer)
    .bind(payment_method)
    .fetch_optional(conn)
    .await?)
}

/// Active mandates, across tenants, with no debit since `cutoff`: signed before it and no payment
/// attempt with their method at or after it. As (tenant, customer, mandate).
pub async fn unused_since(conn: &mut PgConnection, cutoff: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT m.tenant_id, m.customer_id, m.id FROM sepa_mandates m
         WHERE m.status = 'active' AND m.signed_at < $1
           AND NOT EXISTS (SELECT 1 FROM payment_attempts p WHERE p.tenant_id = m.tenant_id
                             AND p.payment_method_id = m.payment_method_id AND p.created_at >= $1)
         ORDER BY m.tenant_id, m.id",
    )
    .bind(cutoff)
    .fetch_all(conn)
    .await?)
}
