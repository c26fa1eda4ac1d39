//! Payment-method setups that wait for the customer: a card whose issuer asks for 3-D Secure when
//! it is saved (Stripe's SetupIntent in `requires_action`), or a card mandate that only Mollie's
//! checkout can create.
//!
//! Adding such a method stores a pending setup and hands the customer's browser what the
//! provider's SDK needs (`client_secret`, or a `redirect_url`). Nothing is usable until the
//! provider says the customer passed: either the portal calls [`complete`] when the customer is
//! back, or the provider's webhook ([`GatewayEvent::SetupSucceeded`](crate::ports::GatewayEvent))
//! arrives. Both go through [`finish`], which locks the setup row, so the one that comes second
//! changes nothing and the method is stored once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, GatewayAccountId, TenantId};
use crate::ports::{GatewayCustomerRef, Gateways, PaymentMethodRef, SetupOutcome};
use crate::service::gateway_accounts;
use crate::service::payments::{self, NewMethod, PaymentMethod};

/// What the customer's browser must do to finish a setup.
#[derive(Debug, Clone, Serialize)]
pub struct SetupNextAction {
    /// Always `authenticate`: pass 3-D Secure or the provider's checkout.
    pub kind: &'static str,
    /// For the provider's browser SDK (Stripe.js `confirmCardSetup`). Valid for this setup only.
    pub client_secret: String,
    /// Where to send the customer instead, for providers that authenticate on their own page.
    pub redirect_url: Option<String>,
}

/// A pending, succeeded or failed setup.
#[derive(Debug, Clone, Serialize)]
pub struct MethodSetup {
    pub id: Uuid,
    pub object: &'static str,
    /// `requires_action`, `succeeded` or `failed`.
    pub status: String,
    pub customer: CustomerId,
    pub gateway: String,
    pub gateway_account: GatewayAccountId,
    pub kind: String,
    pub last4: Option<String>,
    /// The provider's id of the setup (Stripe `seti_…`, Mollie `tr_…`), for support staff.
    pub provider_setup_id: String,
    /// Present while the customer has to act.
    pub next_action: Option<SetupNextAction>,
    /// The stored method, once the setup succeeded.
    pub payment_method: Option<PaymentMethod>,
    /// Why it failed, in the decline vocabulary.
    pub decline_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    customer_id: Uuid,
    gateway_account_id: Uuid,
    gateway: String,
    provider_customer: String,
    provider_setup_id: String,
    client_secret: String,
    redirect_url: Option<String>,
    kind: String,
    last4: Option<String>,
    status: String,
    decline_code: Option<String>,
    payment_method_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, customer_id, gateway_account_id, gateway, provider_customer, provider_setup_id, client_secret,
     redirect_url, kind, last4, status, decline_code, payment_method_id, created_at";

/// Records a setup that answered "requires action" (called by `payments::add_method`).
pub(crate) async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    m: &NewMethod,
    provider_setup_id: &str,
    client_secret: &str,
    redirect_url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<MethodSetup> {
    let row: Row = sqlx::query_as(&format!(
        "INSERT INTO payment_method_setups (tenant_id, id, customer_id, gateway_account_id, gateway, provider_customer,
             provider_setup_id, client_secret, redirect_url, kind, last4, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'requires_action', $12)
         ON CONFLICT (tenant_id, gateway_account_id, provider_setup_id) DO UPDATE SET client_secret = EXCLUDED.client_secret
         RETURNING {COLUMNS}"
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
    .await?;
    view(conn, tenant, row).await
}

async fn view(conn: &mut PgConnection, tenant: TenantId, row: Row) -> Result<MethodSetup> {
    let payment_method = match row.payment_method_id {
        Some(id) => payments::get_method(conn, tenant, id).await?,
        None => None,
    };
    let next_action = (row.status == "requires_action").then(|| SetupNextAction {
        kind: "authenticate",
        client_secret: row.client_secret.clone(),
        redirect_url: row.redirect_url.clone(),
    });
    Ok(MethodSetup {
        id: row.id,
        object: "payment_method_setup",
        status: row.status,
        customer: CustomerId(row.customer_id),
        gateway: row.gateway,
        gateway_account: GatewayAccountId(row.gateway_account_id),
        kind: row.kind,
        last4: row.last4,
        provider_setup_id: row.provider_setup_id,
        next_action,
        payment_method,
        decline_code: row.decline_code,
        created_at: row.created_at,
    })
}

async fn load(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId, id: Uuid) -> Result<Row> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payment_method_setups WHERE tenant_id = $1 AND customer_id = $2 AND id = $3"
    ))
    .bind(tenant)
    .bind(customer)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("payment method setup", id))
}

/// One setup of the customer's.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId, id: Uuid) -> Result<MethodSetup> {
    let row = load(conn, tenant, customer, id).await?;
    view(conn, tenant, row).await
}

/// Asks the provider how a setup ended, once the customer is back from authenticating, and stores
/// the method if they passed. Safe to repeat: a finished setup is answered from our record.
///
/// Errors: [`Error::SetupPending`] while the customer has not finished;
/// [`Error::SetupAuthenticationFailed`] when they failed or abandoned it (the setup stays failed;
/// add the card again to retry).
pub async fn complete(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    id: Uuid,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<MethodSetup> {
    let (row, spec) = {
        let mut conn = pool.acquire().await?;
        let row = load(&mut conn, tenant, customer, id).await?;
        let spec = match row.status.as_str() {
            "requires_action" => Some(gateway_accounts::spec(&mut conn, tenant, row.gateway_account_id).await?),
            _ => None,
        };
        (row, spec)
    };
    if let Some(spec) = spec {
        // No connection is held while the provider answers.
        let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
        let outcome = gateway
            .complete_setup(&GatewayCustomerRef(row.provider_customer.clone()), &row.provider_setup_id)
            .await
            .map_err(|e| Error::Gateway { detail: e.to_string() })?;
        if matches!(outcome, SetupOutcome::RequiresAction { .. }) {
            return Err(Error::SetupPending);
        }
        let mut tx = pool.begin().await?;
        finish(&mut tx, tenant, row.gateway_account_id, &row.provider_setup_id, &outcome, now).await?;
        tx.commit().await?;
    }
    let mut conn = pool.acquire().await?;
    let setup = get(&mut conn, tenant, customer, id).await?;
    match setup.status.as_str() {
        "failed" => Err(Error::SetupAuthenticationFailed {
            code: setup.decline_code.unwrap_or_else(|| "authentication_required".into()),
        }),
        _ => Ok(setup),
    }
}

/// Applies a setup's final outcome inside the caller's transaction, once: the row is locked and
/// only a setup still waiting changes. Returns what happened, for the webhook log.
pub(crate) async fn finish(
    tx: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_setup_id: &str,
    outcome: &SetupOutcome,
    now: DateTime<Utc>,
) -> Result<String> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payment_method_setups
         WHERE tenant_id = $1 AND gateway_account_id = $2 AND provider_setup_id = $3 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(account)
    .bind(provider_setup_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(format!("no setup {provider_setup_id}"));
    };
    if row.status != "requires_action" {
        return Ok(format!("setup already {}", row.status));
    }
    match outcome {
        SetupOutcome::Ready(method) => {
            let stored = store_method(tx, tenant, &row, method, now).await?;
            sqlx::query(
                "UPDATE payment_method_setups SET status = 'succeeded', payment_method_id = $3, finished_at = $4
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(row.id)
            .bind(stored.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok("setup succeeded".into())
        }
        SetupOutcome::Failed { decline_code, .. } => {
            sqlx::query(
                "UPDATE payment_method_setups SET status = 'failed', decline_code = $3, finished_at = $4
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(row.id)
            .bind(decline_code)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok("setup failed".into())
        }
        SetupOutcome::RequiresAction { .. } => Ok("setup still waiting".into()),
    }
}

async fn store_method(
    tx: &mut PgConnection,
    tenant: TenantId,
    row: &Row,
    method: &PaymentMethodRef,
    now: DateTime<Utc>,
) -> Result<PaymentMethod> {
    let m = NewMethod {
        customer: CustomerId(row.customer_id),
        account: row.gateway_account_id,
        gateway: row.gateway.clone(),
        provider_customer: row.provider_customer.clone(),
        kind: row.kind.clone(),
        last4: row.last4.clone(),
    };
    payments::insert_method(tx, tenant, &m, method, now).await
}
