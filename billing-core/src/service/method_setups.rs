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
use crate::store;
use crate::store::payment_methods::{NewMethod, PaymentMethod, SetupRow as Row};

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
    let row =
        store::payment_methods::insert_setup(conn, tenant, m, provider_setup_id, client_secret, redirect_url, now)
            .await?;
    view(conn, tenant, row).await
}

async fn view(conn: &mut PgConnection, tenant: TenantId, row: Row) -> Result<MethodSetup> {
    let payment_method = match row.payment_method_id {
        Some(id) => store::payment_methods::get(conn, tenant, id).await?,
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
    store::payment_methods::get_setup(conn, tenant, customer, id)
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
        // The card as the provider knows it (brand, last four, expiry), read before the
        // transaction so that no connection waits on the provider.
        let info = match &outcome {
            SetupOutcome::Ready(m) => match gateway.method_info(m).await {
                Ok(info) => info.map(|i| (m.0.clone(), i)),
                Err(e) => {
                    tracing::warn!(error = %e, "the provider's payment method details could not be read");
                    None
                }
            },
            _ => None,
        };
        let mut tx = pool.begin().await?;
        finish(&mut tx, tenant, row.gateway_account_id, &row.provider_setup_id, &outcome, now).await?;
        if let Some((provider_method, info)) = &info {
            store::payment_methods::apply_provider_info(&mut tx, tenant, row.gateway_account_id, provider_method, info)
                .await?;
        }
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
    let row = store::payment_methods::lock_setup_by_provider_id(tx, tenant, account, provider_setup_id).await?;
    let Some(row) = row else {
        return Ok(format!("no setup {provider_setup_id}"));
    };
    if row.status != "requires_action" {
        return Ok(format!("setup already {}", row.status));
    }
    match outcome {
        SetupOutcome::Ready(method) => {
            let stored = store_method(tx, tenant, &row, method, now).await?;
            store::payment_methods::mark_setup_succeeded(tx, tenant, row.id, stored.id, now).await?;
            Ok("setup succeeded".into())
        }
        SetupOutcome::Failed { decline_code, .. } => {
            store::payment_methods::mark_setup_failed(tx, tenant, row.id, decline_code, now).await?;
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
        brand: None,
    };
    store::payment_methods::insert(tx, tenant, &m, method, now).await
}

/// The tenant's default account when its cards are collected with the provider's browser SDK
/// (Stripe.js; docs/adr/0044): its id and the SDK's key. `None` for every other provider, and for
/// a Stripe account without a publishable key (it keeps the typed test-card form).
pub async fn browser_account(
    pool: &PgPool,
    tenant: TenantId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>> {
    let spec = {
        let mut conn = pool.acquire().await?;
        gateway_accounts::default_spec(&mut conn, tenant, gateways, now).await?
    };
    if !spec.active {
        return Ok(None);
    }
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    Ok(gateway.browser_key().map(|key| (spec.id, key)))
}

/// Starts a card setup that the customer's browser finishes with the provider's SDK (a Stripe
/// SetupIntent that Stripe.js confirms with the card it collects): recorded as the customer's
/// pending setup, which [`complete`] finishes once the browser is done. No connection is held
/// while the provider answers.
pub async fn begin_browser(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<MethodSetup> {
    let (c, spec, known) = {
        let mut conn = pool.acquire().await?;
        let c = store::customers::get(&mut conn, tenant, customer)
            .await?
            .ok_or_else(|| Error::not_found("customer", customer))?;
        let spec = gateway_accounts::default_spec(&mut conn, tenant, gateways, now).await?;
        let known = store::payment_methods::known_provider_customer(&mut conn, tenant, customer, spec.id).await?;
        (c, spec, known)
    };
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    let provider_customer = match known {
        Some(p) => GatewayCustomerRef(p),
        None => gateway
            .ensure_customer(&c.id.to_string(), c.email.as_str(), &c.name)
            .await
            .map_err(|e| Error::Gateway { detail: e.to_string() })?,
    };
    let outcome =
        gateway.begin_card_setup(&provider_customer).await.map_err(|e| Error::Gateway { detail: e.to_string() })?;
    let SetupOutcome::RequiresAction { provider_setup_id, client_secret, redirect_hint } = outcome else {
        return Err(Error::Gateway { detail: "the provider started no card setup".into() });
    };
    let m = NewMethod {
        customer,
        account: spec.id,
        gateway: gateway.kind().to_owned(),
        provider_customer: provider_customer.0,
        kind: "card".into(),
        last4: None,
        brand: None,
    };
    let mut conn = pool.acquire().await?;
    record(&mut conn, tenant, &m, &provider_setup_id, &client_secret, redirect_hint.as_deref(), now).await
}
