//! Gateway accounts per tenant (`gateway_accounts`) and the tenant's routing rules
//! (`routing_rules`). The config is stored as the service prepared it (secrets sealed).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;
use crate::ports::GatewayAccountSpec;

/// An account as stored, secrets sealed but not redacted.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub provider: String,
    pub name: String,
    pub config: serde_json::Value,
    pub active: bool,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
}

impl AccountRow {
    /// What the gateway directory builds a gateway from.
    pub fn spec(&self) -> GatewayAccountSpec {
        GatewayAccountSpec {
            tenant: TenantId(self.tenant_id),
            id: self.id,
            provider: self.provider.clone(),
            name: self.name.clone(),
            config: self.config.clone(),
            active: self.active,
        }
    }
}

const SELECT: &str =
    "SELECT tenant_id, id, provider, name, config, active, is_default, created_at FROM gateway_accounts";

/// The id of the tenant's account named `name`.
pub async fn id_by_name(conn: &mut PgConnection, tenant: TenantId, name: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM gateway_accounts WHERE tenant_id = $1 AND name = $2")
        .bind(tenant)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?)
}

/// No account of the tenant is the default any more.
pub async fn clear_default(conn: &mut PgConnection, tenant: TenantId) -> Result<()> {
    sqlx::query("UPDATE gateway_accounts SET is_default = FALSE WHERE tenant_id = $1 AND is_default")
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An account about to be stored (its config already prepared).
pub struct NewAccount<'a> {
    pub provider: &'a str,
    pub name: &'a str,
    pub config: &'a serde_json::Value,
    pub active: bool,
    pub is_default: bool,
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: &NewAccount<'_>,
    now: DateTime<Utc>,
) -> Result<AccountRow> {
    Ok(sqlx::query_as(
        "INSERT INTO gateway_accounts (tenant_id, id, provider, name, config, active, is_default, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING tenant_id, id, provider, name, config, active, is_default, created_at",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(new.provider)
    .bind(new.name)
    .bind(new.config)
    .bind(new.active)
    .bind(new.is_default)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

/// The tenant's accounts, oldest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<AccountRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 ORDER BY created_at, id"))
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?)
}

/// Whether the tenant has any account at all.
pub async fn any(conn: &mut PgConnection, tenant: TenantId) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM gateway_accounts WHERE tenant_id = $1)")
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?)
}

/// Stores the default sandbox account unless the tenant has an account already (a race between
/// two first uses is harmless: the unique default index makes the second do nothing).
pub async fn insert_sandbox_default(
    conn: &mut PgConnection,
    tenant: TenantId,
    config: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO gateway_accounts (tenant_id, id, provider, name, config, is_default, created_at)
         SELECT $1, $2, 'sandbox', 'sandbox', $4, TRUE, $3
         WHERE NOT EXISTS (SELECT 1 FROM gateway_accounts WHERE tenant_id = $1)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(now)
    .bind(config)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One account by id.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Option<AccountRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// One account by id, locked for the caller's transaction.
pub async fn lock(tx: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Option<AccountRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2 FOR UPDATE"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?)
}

/// Replaces an account's (prepared) config.
pub async fn update_config(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    config: &serde_json::Value,
) -> Result<()> {
    sqlx::query("UPDATE gateway_accounts SET config = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(config)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets an account's name, active flag and default flag (the caller cleared another default).
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    name: &str,
    active: bool,
    is_default: bool,
) -> Result<AccountRow> {
    Ok(sqlx::query_as(
        "UPDATE gateway_accounts SET name = $3, active = $4, is_default = $5 WHERE tenant_id = $1 AND id = $2
         RETURNING tenant_id, id, provider, name, config, active, is_default, created_at",
    )
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(active)
    .bind(is_default)
    .fetch_one(&mut *conn)
    .await?)
}

/// The tenant's default active account (else its oldest active one).
pub async fn default_active(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<AccountRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE tenant_id = $1 AND active ORDER BY is_default DESC, created_at, id LIMIT 1"
    ))
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?)
}

/// All active accounts of the tenant, oldest first.
pub async fn active(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<AccountRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND active ORDER BY created_at, id"))
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?)
}

/// The tenant an account belongs to, by the account's id alone.
pub async fn tenant_of(conn: &mut PgConnection, id: Uuid) -> Result<Option<TenantId>> {
    let tenant: Option<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM gateway_accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(tenant.map(TenantId))
}

/// The ids of all the tenant's accounts.
pub async fn ids(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM gateway_accounts WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?)
}

/// The provider of one account.
pub async fn provider(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT provider FROM gateway_accounts WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The tenant's routing rules, if any were set.
pub async fn rules(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<serde_json::Value>> {
    Ok(sqlx::query_scalar("SELECT rules FROM routing_rules WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Replaces the tenant's routing rules.
pub async fn put_rules(
    conn: &mut PgConnection,
    tenant: TenantId,
    rules: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO routing_rules (tenant_id, rules, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(rules)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
