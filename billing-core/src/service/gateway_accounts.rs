//! Gateway accounts per tenant (a provider, a name, its credentials, an active flag) and the
//! tenant's routing rules. Credentials are stored sealed (`crate::secrets`, through
//! [`Gateways::prepare_config`]), shown only redacted, and webhook signing secrets are random per
//! account and rotatable with an overlap.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{GatewayAccountId, TenantId};
use crate::ports::{GatewayAccountSpec, Gateways};
use crate::secrets;
use crate::store;
use crate::store::gateway_accounts::AccountRow;

/// Providers an account may name. `mollie` is accepted by the schema for the adapter built alongside.
pub const PROVIDERS: &[&str] = &["sandbox", "stripe", "mollie"];

/// An account as the API shows it: the config with every secret redacted.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayAccount {
    pub id: GatewayAccountId,
    pub provider: String,
    pub name: String,
    pub config: serde_json::Value,
    pub active: bool,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    /// Live (`Some(true)`) or test credentials (`Some(false)`), `None` when the provider's key
    /// does not say ([`Gateways::live_mode`]).
    pub live: Option<bool>,
}

fn public(row: AccountRow, gateways: &dyn Gateways) -> GatewayAccount {
    GatewayAccount {
        id: GatewayAccountId(row.id),
        live: gateways.live_mode(&row.provider, &row.config),
        config: redact(&row.config),
        provider: row.provider,
        name: row.name,
        active: row.active,
        is_default: row.is_default,
        created_at: row.created_at,
    }
}

/// Replaces secret values by their last four characters, enough to tell two keys apart; a sealed
/// value shows the hint sealed with it.
pub fn redact(config: &serde_json::Value) -> serde_json::Value {
    match config {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if secrets::is_secret_key(k) {
                        let text = v.as_str().unwrap_or_default();
                        let tail: String = match secrets::hint(text) {
                            Some(hint) => hint.to_owned(),
                            // Short secrets would be mostly revealed by their tail.
                            None if text.chars().count() >= 16 => {
                                text.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()
                            }
                            None => String::new(),
                        };
                        serde_json::Value::String(format!("…{tail}"))
                    } else {
                        redact(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

pub struct NewGatewayAccount {
    pub provider: String,
    pub name: String,
    pub config: serde_json::Value,
    pub active: bool,
    pub is_default: bool,
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    new: NewGatewayAccount,
    now: DateTime<Utc>,
) -> Result<GatewayAccount> {
    if !PROVIDERS.contains(&new.provider.as_str()) {
        return Err(Error::invalid("provider", format!("unknown provider `{}`", new.provider)));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "a name of 1 to 100 characters is required"));
    }
    if !new.config.is_object() {
        return Err(Error::GatewayConfig { detail: "config must be an object".into() });
    }
    let config =
        gateways.prepare_config(&new.provider, &new.config).map_err(|detail| Error::GatewayConfig { detail })?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    if store::gateway_accounts::id_by_name(&mut tx, tenant, name).await?.is_some() {
        return Err(Error::invalid("name", format!("an account named `{name}` exists already")));
    }
    if new.is_default {
        store::gateway_accounts::clear_default(&mut tx, tenant).await?;
    }
    let stored = store::gateway_accounts::NewAccount {
        provider: &new.provider,
        name,
        config: &config,
        active: new.active,
        is_default: new.is_default,
    };
    let row = store::gateway_accounts::insert(&mut tx, tenant, &stored, now).await?;
    tx.commit().await?;
    Ok(public(row, gateways))
}

/// The tenant's accounts, oldest first; a tenant without any gets its sandbox default first.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<Vec<GatewayAccount>> {
    ensure_default(conn, tenant, gateways, now).await?;
    Ok(store::gateway_accounts::list(conn, tenant).await?.into_iter().map(|row| public(row, gateways)).collect())
}

/// Every tenant collects with the built-in sandbox until it configures a provider: created on first
/// use (tenants created after the migration have none yet), with its own random webhook secret,
/// sealed. The unique default index makes a race between two first uses harmless.
pub async fn ensure_default(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<()> {
    if store::gateway_accounts::any(conn, tenant).await? {
        return Ok(());
    }
    let config =
        gateways.prepare_config("sandbox", &serde_json::json!({})).map_err(|detail| Error::GatewayConfig { detail })?;
    store::gateway_accounts::insert_sandbox_default(conn, tenant, &config, now).await
}

/// One account as the API shows it (secrets redacted); 404 for another tenant's id.
pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    id: Uuid,
) -> Result<GatewayAccount> {
    let row = store::gateway_accounts::get(conn, tenant, id).await?;
    Ok(public(row.ok_or_else(|| Error::not_found("gateway account", GatewayAccountId(id)))?, gateways))
}

/// What an edit of an account may change; `None` keeps the value. Credentials are not edited:
/// a new key is a new account, which routing rules can shift payments to by weight.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub is_default: Option<bool>,
}

/// Renames an account, disables or enables it, or makes it the default. The tenant always keeps
/// exactly one default, and it is active: the default cannot be disabled or stop being the
/// default (another account is made the default instead), and a disabled account cannot become
/// it. Returns the account before and after.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    id: Uuid,
    change: &AccountUpdate,
) -> Result<(GatewayAccount, GatewayAccount)> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let row = store::gateway_accounts::lock(&mut tx, tenant, id).await?;
    let row = row.ok_or_else(|| Error::not_found("gateway account", GatewayAccountId(id)))?;
    let name = match &change.name {
        Some(n) => n.trim().to_string(),
        None => row.name.clone(),
    };
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "a name of 1 to 100 characters is required"));
    }
    if name != row.name
        && store::gateway_accounts::id_by_name(&mut tx, tenant, &name).await?.is_some_and(|other| other != id)
    {
        return Err(Error::invalid("name", format!("an account named `{name}` exists already")));
    }
    let active = change.active.unwrap_or(row.active);
    let is_default = change.is_default.unwrap_or(row.is_default);
    if row.is_default && !is_default {
        return Err(Error::invalid("is_default", "make another account the default instead"));
    }
    if is_default && !active {
        return Err(Error::invalid(
            "active",
            "the default account cannot be disabled; make another account the default first",
        ));
    }
    if is_default && !row.is_default {
        store::gateway_accounts::clear_default(&mut tx, tenant).await?;
    }
    let after = store::gateway_accounts::update(&mut tx, tenant, id, &name, active, is_default).await?;
    tx.commit().await?;
    Ok((public(row, gateways), public(after, gateways)))
}

/// A rotated webhook secret: the new one in clear (shown once) and until when the old one verifies.
/// `Debug` leaves the secret out, so that it cannot reach a log line.
#[derive(Clone, Serialize)]
pub struct RotatedSecret {
    pub gateway_account: GatewayAccountId,
    pub webhook_secret: String,
    pub previous_secret_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for RotatedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatedSecret")
            .field("gateway_account", &self.gateway_account)
            .field("previous_secret_expires_at", &self.previous_secret_expires_at)
            .finish_non_exhaustive()
    }
}

/// The longest overlap in which a rotated-out secret still verifies (Stripe allows 7 days too).
pub const MAX_ROTATION_OVERLAP_HOURS: i64 = 7 * 24;

/// Gives the account a new webhook signing secret; the old one keeps verifying for `overlap`
/// (0 ends it at once, as after a leak). `now` is wall-clock time, as signature freshness is.
pub async fn rotate_webhook_secret(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    id: Uuid,
    new_secret: Option<&str>,
    overlap: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<RotatedSecret> {
    if overlap < chrono::Duration::zero() || overlap > chrono::Duration::hours(MAX_ROTATION_OVERLAP_HOURS) {
        return Err(Error::invalid(
            "expire_previous_in_hours",
            format!("must be from 0 to {MAX_ROTATION_OVERLAP_HOURS}"),
        ));
    }
    if let Some(secret) = new_secret
        && !(16..=256).contains(&secret.chars().count())
    {
        return Err(Error::invalid("webhook_secret", "must be 16 to 256 characters"));
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // FOR UPDATE: two rotations at once would otherwise both keep the same "previous" secret.
    let row = store::gateway_accounts::lock(&mut tx, tenant, id).await?;
    let row = row.ok_or_else(|| Error::not_found("gateway account", GatewayAccountId(id)))?;
    let until = now + overlap;
    let (config, secret) = gateways
        .rotate_webhook_secret(&row.provider, &row.config, new_secret, until)
        .map_err(|detail| Error::GatewayConfig { detail })?;
    store::gateway_accounts::update_config(&mut tx, tenant, id, &config).await?;
    tx.commit().await?;
    Ok(RotatedSecret {
        gateway_account: GatewayAccountId(id),
        webhook_secret: secret,
        previous_secret_expires_at: until,
    })
}

/// The account (with its secrets, for building the gateway).
pub async fn spec(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<GatewayAccountSpec> {
    let row = store::gateway_accounts::get(conn, tenant, id).await?;
    Ok(row.ok_or_else(|| Error::not_found("gateway account", GatewayAccountId(id)))?.spec())
}

/// The tenant's default account (the sandbox unless another was made default).
pub async fn default_spec(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<GatewayAccountSpec> {
    ensure_default(conn, tenant, gateways, now).await?;
    let row = store::gateway_accounts::default_active(conn, tenant).await?;
    Ok(row.ok_or_else(|| Error::not_found("gateway account", "default"))?.spec())
}

/// All active accounts of the tenant.
pub async fn active_specs(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<GatewayAccountSpec>> {
    Ok(store::gateway_accounts::active(conn, tenant).await?.iter().map(AccountRow::spec).collect())
}

/// Finds the account of an incoming webhook by its id alone (the URL carries no tenant key).
pub async fn for_webhook(conn: &mut PgConnection, id: Uuid) -> Result<Option<(TenantId, GatewayAccountSpec)>> {
    let Some(tenant) = store::gateway_accounts::tenant_of(conn, id).await? else { return Ok(None) };
    Ok(Some((tenant, spec(conn, tenant, id).await?)))
}

/// The tenant's routing rules (an empty list when none are set).
pub async fn rules(conn: &mut PgConnection, tenant: TenantId) -> Result<serde_json::Value> {
    let rules = store::gateway_accounts::rules(conn, tenant).await?;
    Ok(rules.unwrap_or_else(|| serde_json::json!([])))
}

/// Replaces the routing rules. Every target must be one of the tenant's accounts.
pub async fn put_rules(
    conn: &mut PgConnection,
    tenant: TenantId,
    gateways: &dyn Gateways,
    rules: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<serde_json::Value> {
    gateways.validate_rules(&rules).map_err(|detail| Error::GatewayConfig { detail })?;
    let known = store::gateway_accounts::ids(conn, tenant).await?;
    for rule in rules.as_array().into_iter().flatten() {
        for target in rule["targets"].as_array().into_iter().flatten() {
            let text = target["gateway"].as_str().unwrap_or_default();
            let id: GatewayAccountId = text
                .parse()
                .map_err(|_| Error::GatewayConfig { detail: format!("target `{text}` is not a gateway account id") })?;
            if !known.contains(&id.as_uuid()) {
                return Err(Error::GatewayConfig { detail: format!("no gateway account {id}") });
            }
        }
    }
    store::gateway_accounts::put_rules(conn, tenant, &rules, now).await?;
    Ok(rules)
}
