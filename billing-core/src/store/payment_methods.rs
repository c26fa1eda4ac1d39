//! Stored payment methods and the setups that wait for the customer before a method exists
//! (`payment_methods`, `payment_method_setups`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{CustomerId, GatewayAccountId, TenantId};
use crate::ports::PaymentMethodRef;

#[derive(Debug, Clone, Serialize)]
pub struct PaymentMethod {
    pub id: Uuid,
    pub gateway: String,
    pub gateway_account: GatewayAccountId,
    pub kind: String,
    pub last4: Option<String>,
    pub is_default: bool,
    /// The card network (`visa`, `mastercard`, ...), when known.
    pub brand: Option<String>,
    /// The card's expiry month and year, when known.
    pub exp_month: Option<i16>,
    pub exp_year: Option<i16>,
}

/// A method about to be stored: who it belongs to and where.
#[derive(Debug, Clone)]
pub struct NewMethod {
    pub customer: CustomerId,
    pub account: Uuid,
    pub gateway: String,
    pub provider_customer: String,
    pub kind: String,
    pub last4: Option<String>,
    pub brand: Option<String>,
}

/// The provider-side customer an earlier method or setup of `customer` created on `account`:
/// there is one per (customer, account).
pub async fn known_provider_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    account: Uuid,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT provider_customer FROM payment_methods WHERE tenant_id = $1 AND customer_id = $2 AND gateway_account_id = $3
         UNION ALL
         SELECT provider_customer FROM payment_method_setups WHERE tenant_id = $1 AND customer_id = $2 AND gateway_account_id = $3
         LIMIT 1",
    )
    .bind(tenant)
    .bind(customer)
    .bind(account)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Stores a usable method as the customer's new default, inside the caller's transaction.
pub async fn insert(
    tx: &mut PgConnection,
    tenant: TenantId,
    m: &NewMethod,
    method: &PaymentMethodRef,
    now: DateTime<Utc>,
) -> Result<PaymentMethod> {
    let id = Uuid::now_v7();
    sqlx::query(
        "UPDATE payment_methods SET is_default = FALSE WHERE tenant_id = $1 AND customer_id = $2 AND is_default",
    )
    .bind(tenant)
    .bind(m.customer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO payment_methods (tenant_id, id, customer_id, gateway, provider_customer, provider_method, kind, last4, created_at,
             gateway_account_id, brand)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(tenant)
    .bind(id)
    .bind(m.customer)
    .bind(&m.gateway)
    .bind(&m.provider_customer)
    .bind(&method.0)
    .bind(&m.kind)
    .bind(&m.last4)
    .bind(now)
    .bind(m.account)
    .bind(&m.brand)
    .execute(&mut *tx)
    .await?;
    Ok(PaymentMethod {
        id,
        gateway: m.gateway.clone(),
        gateway_account: GatewayAccountId(m.account),
        kind: m.kind.clone(),
        last4: m.last4.clone(),
        is_default: true,
        brand: m.brand.clone(),
        exp_month: None,
        exp_year: None,
    })
}

#[derive(sqlx::FromRow)]
struct MethodListRow {
    id: Uuid,
    gateway: String,
    gateway_account_id: Option<Uuid>,
    kind: String,
    last4: Option<String>,
    is_default: bool,
    brand: Option<String>,
    exp_month: Option<i16>,
    exp_year: Option<i16>,
}

impl From<MethodListRow> for PaymentMethod {
    fn from(r: MethodListRow) -> Self {
        PaymentMethod {
            id: r.id,
            gateway: r.gateway,
            gateway_account: GatewayAccountId(r.gateway_account_id.unwrap_or_default()),
            kind: r.kind,
            last4: r.last4,
            is_default: r.is_default,
            brand: r.brand,
            exp_month: r.exp_month,
            exp_year: r.exp_year,
        }
    }
}

const METHOD_COLUMNS: &str = "id, gateway, gateway_account_id, kind, last4, is_default, brand, exp_month, exp_year";

/// The customer's stored payment methods, the default first, then newest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<PaymentMethod>> {
    let rows: Vec<MethodListRow> = sqlx::query_as(&format!(
        "SELECT {METHOD_COLUMNS} FROM payment_methods
         WHERE tenant_id = $1 AND customer_id = $2 AND removed_at IS NULL ORDER BY is_default DESC, id DESC"
    ))
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(PaymentMethod::from).collect())
}

/// One stored payment method by id (a removed one is not there).
pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Option<PaymentMethod>> {
    let row: Option<MethodListRow> = sqlx::query_as(&format!(
        "SELECT {METHOD_COLUMNS} FROM payment_methods WHERE tenant_id = $1 AND id = $2 AND removed_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(PaymentMethod::from))
}

/// The customer's usable methods, locked for a change of the default or a removal (the
/// caller's transaction), the default first, then newest first.
pub async fn lock_for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Vec<PaymentMethod>> {
    let rows: Vec<MethodListRow> = sqlx::query_as(&format!(
        "SELECT {METHOD_COLUMNS} FROM payment_methods
         WHERE tenant_id = $1 AND customer_id = $2 AND removed_at IS NULL
         ORDER BY is_default DESC, created_at DESC, id DESC FOR UPDATE"
    ))
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(PaymentMethod::from).collect())
}

/// Makes `id` the customer's only default (inside the caller's transaction).
pub async fn set_default(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId, id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE payment_methods SET is_default = FALSE WHERE tenant_id = $1 AND customer_id = $2 AND is_default",
    )
    .bind(tenant)
    .bind(customer)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE payment_methods SET is_default = TRUE
          WHERE tenant_id = $1 AND customer_id = $2 AND id = $3 AND removed_at IS NULL",
    )
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks a method removed: never charged again, never the default.
pub async fn mark_removed(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_methods SET removed_at = $4, is_default = FALSE
          WHERE tenant_id = $1 AND customer_id = $2 AND id = $3 AND removed_at IS NULL",
    )
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a card's expiry month as the customer typed it (or the provider reported it).
pub async fn set_expiry(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
    month: i16,
    year: i16,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_methods SET exp_month = $4, exp_year = $5
          WHERE tenant_id = $1 AND customer_id = $2 AND id = $3 AND kind = 'card'",
    )
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .bind(month)
    .bind(year)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A stored payment-method setup, as its row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SetupRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub gateway_account_id: Uuid,
    pub gateway: String,
    pub provider_customer: String,
    pub provider_setup_id: String,
    pub client_secret: String,
    pub redirect_url: Option<String>,
    pub kind: String,
    pub last4: Option<String>,
    pub status: String,
    pub decline_code: Option<String>,
    pub payment_method_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

const SETUP_COLUMNS: &str =
    "id, customer_id, gateway_account_id, gateway, provider_customer, provider_setup_id, client_secret,
     redirect_url, kind, last4, status, decline_code, payment_method_id, created_at";

/// Records a setup waiting for the customer (`requires_action`); a repeat of the same provider
/// setup only refreshes its client secret.
pub async fn insert_setup(
    conn: &mut PgConnection,
    tenant: TenantId,
    m: &NewMethod,
    provider_setup_id: &str,
    client_secret: &str,
    redirect_url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SetupRow> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO payment_method_setups (tenant_id, id, customer_id, gateway_account_id, gateway, provider_customer,
             provider_setup_id, client_secret, redirect_url, kind, last4, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'requires_action', $12)
         ON CONFLICT (tenant_id, gateway_account_id, provider_setup_id) DO UPDATE SET client_secret = EXCLUDED.client_secret
         RETURNING {SETUP_COLUMNS}"
    ))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(m.customer)
    .bind(m.account)
    .bind(&m.gateway)
    .bind(&m.provider_customer)
    .bind(provider_setup_id)
    .bind(client_secret)
    .bind(redirect_url)
    .bind(&m.kind)
    .bind(&m.last4)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// One setup of the customer's.
pub async fn get_setup(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
) -> Result<Option<SetupRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SETUP_COLUMNS} FROM payment_method_setups WHERE tenant_id = $1 AND customer_id = $2 AND id = $3"
    ))
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The setup the provider knows as `provider_setup_id`, locked for the caller's transaction.
pub async fn lock_setup_by_provider_id(
    tx: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_setup_id: &str,
) -> Result<Option<SetupRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SETUP_COLUMNS} FROM payment_method_setups
         WHERE tenant_id = $1 AND gateway_account_id = $2 AND provider_setup_id = $3 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(account)
    .bind(provider_setup_id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Marks a setup succeeded with the method it stored.
pub async fn mark_setup_succeeded(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    method: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_method_setups SET status = 'succeeded', payment_method_id = $3, finished_at = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(method)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Marks a setup failed with the decline code the provider gave.
pub async fn mark_setup_failed(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    decline_code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_method_setups SET status = 'failed', decline_code = $3, finished_at = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(decline_code)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A stored method as collection routes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChargeableMethod {
    pub id: Uuid,
    pub gateway_account_id: Option<Uuid>,
    pub kind: String,
}

/// The customer's methods for collection: the default first, then newest first.
pub async fn chargeable(conn: &mut PgConnection, tenant: TenantId, customer: Uuid) -> Result<Vec<ChargeableMethod>> {
    Ok(sqlx::query_as(
        "SELECT id, gateway_account_id, kind FROM payment_methods
         WHERE tenant_id = $1 AND customer_id = $2 AND removed_at IS NULL ORDER BY is_default DESC, created_at DESC, id DESC",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether the customer has a default payment method.
pub async fn has_default(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payment_methods WHERE tenant_id = $1 AND customer_id = $2 AND is_default)",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_one(&mut *conn)
    .await?)
}

/// A removed method's account and provider id, for detaching it at the provider; `None` while it
/// is not removed (or is another customer's).
pub async fn removed_provider_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
) -> Result<Option<(Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT gateway_account_id, provider_method FROM payment_methods
          WHERE tenant_id = $1 AND customer_id = $2 AND id = $3 AND removed_at IS NOT NULL AND gateway_account_id IS NOT NULL",
    )
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Records what the provider says of the method it calls `provider_method` on `account`: brand,
/// last four and expiry (each kept when the provider does not say).
pub async fn apply_provider_info(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_method: &str,
    info: &crate::ports::MethodInfo,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_methods SET brand = COALESCE($4, brand), last4 = COALESCE($5, last4),
                exp_month = COALESCE($6, exp_month), exp_year = COALESCE($7, exp_year)
          WHERE tenant_id = $1 AND gateway_account_id = $2 AND provider_method = $3",
    )
    .bind(tenant)
    .bind(account)
    .bind(provider_method)
    .bind(&info.brand)
    .bind(&info.last4)
    .bind(info.exp_month.map(i16::from))
    .bind(info.exp_year.and_then(|y| i16::try_from(y).ok()))
    .execute(conn)
    .await?;
    Ok(())
}
