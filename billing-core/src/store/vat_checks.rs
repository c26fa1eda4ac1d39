//! Stored VIES checks of customers' VAT IDs (`vat_id_checks`) and the customer's latest status.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{CustomerId, TenantId};
use crate::tax::VatIdStatus;

/// One stored check.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VatIdCheck {
    pub id: Uuid,
    pub vat_id: String,
    pub outcome: String,
    pub error_code: Option<String>,
    pub consultation_number: Option<String>,
    pub trader_name: Option<String>,
    pub trader_address: Option<String>,
    pub request_date: Option<NaiveDate>,
    pub checked_at: DateTime<Utc>,
}

/// A check about to be stored.
pub struct NewCheck<'a> {
    pub customer: CustomerId,
    pub vat_id: String,
    pub outcome: &'a str,
    pub error_code: Option<String>,
    pub consultation_number: Option<String>,
    pub trader_name: Option<String>,
    pub trader_address: Option<String>,
    pub request_date: Option<NaiveDate>,
    pub checked_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PgConnection, tenant: TenantId, c: NewCheck<'_>) -> Result<VatIdCheck> {
    Ok(sqlx::query_as(
        "INSERT INTO vat_id_checks (tenant_id, id, customer_id, vat_id, outcome, error_code, consultation_number,
             trader_name, trader_address, request_date, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id, vat_id, outcome, error_code, consultation_number, trader_name, trader_address, request_date, checked_at",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(c.customer)
    .bind(c.vat_id)
    .bind(c.outcome)
    .bind(c.error_code)
    .bind(c.consultation_number)
    .bind(c.trader_name)
    .bind(c.trader_address)
    .bind(c.request_date)
    .bind(c.checked_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// Stores the customer's latest VAT ID status.
pub async fn set_customer_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    status: &VatIdStatus,
) -> Result<()> {
    sqlx::query("UPDATE customers SET vat_id_status = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(customer)
        .bind(serde_json::to_value(status).unwrap_or_default())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The stored checks of a customer, oldest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<VatIdCheck>> {
    Ok(sqlx::query_as(
        "SELECT id, vat_id, outcome, error_code, consultation_number, trader_name, trader_address, request_date, checked_at
         FROM vat_id_checks WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(conn)
    .await?)
}

/// Customers (tenant, id) across tenants whose EU VAT ID is neither confirmed nor refuted yet.
pub async fn unverified_customers(conn: &mut PgConnection, limit: i64) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id FROM customers
         WHERE vat_id IS NOT NULL AND (vat_id_status IS NULL OR vat_id_status->>'status' = 'unverified')
           AND substr(vat_id, 1, 2) NOT IN ('GB', 'CH', 'NO')
         ORDER BY tenant_id, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}
