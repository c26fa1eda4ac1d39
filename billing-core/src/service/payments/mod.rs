//! Payment methods and the ledger of payment attempts; collecting an invoice is [`collect`].
//!
//! Everything here that calls a provider takes the pool, not a connection: no connection is held
//! while a provider answers (the embedded database has only one, and the sandbox provider keeps its
//! own records in the database too), so each step takes a connection and gives it back.

mod collect;

pub use collect::{collect, redrive_pending};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, GatewayAccountId, InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{GatewayCustomerRef, Gateways, MethodDetails, PaymentMethodKind, PaymentMethodRef, SetupOutcome};
use crate::service::gateway_accounts;
use crate::service::method_setups::{self, MethodSetup};
use crate::store;

#[derive(Debug, Clone, Serialize)]
pub struct PaymentMethod {
    pub id: Uuid,
    pub gateway: String,
    pub gateway_account: GatewayAccountId,
    pub kind: String,
    pub last4: Option<String>,
    pub is_default: bool,
}

/// What adding a payment method led to.
#[derive(Debug, Clone)]
pub enum AddedMethod {
    /// Stored, usable and now the customer's default.
    Ready(PaymentMethod),
    /// The customer must first authenticate it (3-D Secure, the provider's checkout): see
    /// [`method_setups`](crate::service::method_setups).
    RequiresAction(Box<MethodSetup>),
}

/// Sets up a reusable payment method for a customer. A method the provider accepts at once is
/// stored and made the default; one that needs the customer's authentication is kept as a pending
/// setup, finished by [`method_setups::complete`] or the provider's webhook.
pub async fn add_method(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    account: Option<GatewayAccountId>,
    details: MethodDetails,
    now: DateTime<Utc>,
) -> Result<AddedMethod> {
    let (c, spec, known) = {
        let mut conn = pool.acquire().await?;
        let c = store::customers::get(&mut conn, tenant, customer)
            .await?
            .ok_or_else(|| Error::not_found("customer", customer))?;
        let spec = match account {
            Some(id) => gateway_accounts::spec(&mut conn, tenant, id.as_uuid()).await?,
            None => gateway_accounts::default_spec(&mut conn, tenant, gateways, now).await?,
        };
        // One provider-side customer per (customer, account): reuse the one an earlier method or
        // setup created.
        let known: Option<String> = sqlx::query_scalar(
            "SELECT provider_customer FROM payment_methods WHERE tenant_id = $1 AND customer_id = $2 AND gateway_account_id = $3
             UNION ALL
             SELECT provider_customer FROM payment_method_setups WHERE tenant_id = $1 AND customer_id = $2 AND gateway_account_id = $3
             LIMIT 1",
        )
        .bind(tenant)
        .bind(customer)
        .bind(spec.id)
        .fetch_optional(&mut *conn)
        .await?;
        (c, spec, known)
    };
    if !spec.active {
        return Err(Error::invalid("gateway_account", "the gateway account is not active"));
    }
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    let gateway = gateway.as_ref();
    let provider_customer = match known {
        Some(p) => GatewayCustomerRef(p),
        None => gateway
            .ensure_customer(&c.id.to_string(), c.email.as_str(), &c.name)
            .await
            .map_err(|e| Error::Gateway { detail: e.to_string() })?,
    };
    let tail = |s: &str| -> String { s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect() };
    let last4: Option<String> = match &details {
        MethodDetails::TestCard { number } => Some(tail(number)),
        // The IBAN itself is the "token" of a SEPA mandate.
        MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token } => Some(tail(token)),
        MethodDetails::ProviderToken { .. } => None,
    };
    let kind = details.kind().as_str();
    let stored = NewMethod {
        customer,
        account: spec.id,
        gateway: gateway.kind().to_owned(),
        provider_customer: provider_customer.0.clone(),
        kind: kind.to_owned(),
        last4,
    };
    match gateway.setup_payment_method(&provider_customer, &details).await {
        Ok(SetupOutcome::Ready(m)) => {
            let mut tx = pool.begin().await?;
            let method = insert_method(&mut tx, tenant, &stored, &m, now).await?;
            tx.commit().await?;
            Ok(AddedMethod::Ready(method))
        }
        Ok(SetupOutcome::Failed { decline_code, .. }) => Err(Error::PaymentDeclined { code: decline_code }),
        Ok(SetupOutcome::RequiresAction { provider_setup_id, client_secret, redirect_hint }) => {
            let mut conn = pool.acquire().await?;
            let setup = method_setups::record(
                &mut conn,
                tenant,
                &stored,
                &provider_setup_id,
                &client_secret,
                redirect_hint.as_deref(),
                now,
            )
            .await?;
            Ok(AddedMethod::RequiresAction(Box::new(setup)))
        }
        Err(e) => Err(Error::Gateway { detail: e.to_string() }),
    }
}

/// A method about to be stored: who it belongs to and where.
#[derive(Debug, Clone)]
pub(crate) struct NewMethod {
    pub customer: CustomerId,
    pub account: Uuid,
    pub gateway: String,
    pub provider_customer: String,
    pub kind: String,
    pub last4: Option<String>,
}

/// Stores a usable method as the customer's new default, inside the caller's transaction.
pub(crate) async fn insert_method(
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
             gateway_account_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
    .execute(&mut *tx)
    .await?;
    Ok(PaymentMethod {
        id,
        gateway: m.gateway.clone(),
        gateway_account: GatewayAccountId(m.account),
        kind: m.kind.clone(),
        last4: m.last4.clone(),
        is_default: true,
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
        }
    }
}

const METHOD_COLUMNS: &str = "id, gateway, gateway_account_id, kind, last4, is_default";

/// The customer's stored payment methods, the default first, then newest first.
pub async fn list_methods(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Vec<PaymentMethod>> {
    store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    let rows: Vec<MethodListRow> = sqlx::query_as(&format!(
        "SELECT {METHOD_COLUMNS} FROM payment_methods
         WHERE tenant_id = $1 AND customer_id = $2 ORDER BY is_default DESC, id DESC"
    ))
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(PaymentMethod::from).collect())
}

/// One stored payment method by id.
pub(crate) async fn get_method(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Option<PaymentMethod>> {
    let row: Option<MethodListRow> =
        sqlx::query_as(&format!("SELECT {METHOD_COLUMNS} FROM payment_methods WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(PaymentMethod::from))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attempt {
    pub id: Uuid,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub gateway: String,
    #[serde(serialize_with = "public_account_id")]
    pub gateway_account: Option<Uuid>,
    pub provider_payment_id: Option<String>,
    pub decline_code: Option<String>,
    pub decline_class: Option<String>,
    pub gateway_error: Option<String>,
    pub routing_reason: String,
    pub latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
}

fn public_account_id<S: serde::Serializer>(id: &Option<Uuid>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.collect_str(&GatewayAccountId(*id)),
        None => s.serialize_none(),
    }
}

/// What the customer's browser needs to finish a 3-D Secure challenge in the portal: the
/// provider's SDK takes the client secret; the invoice is paid when the provider reports success
/// (webhook) or the next collection re-checks.
#[derive(Debug, Clone, Serialize)]
pub struct NextAction {
    pub kind: &'static str,
    pub gateway_account: GatewayAccountId,
    pub provider_payment_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Collection {
    /// The last attempt of this collection.
    pub attempt: Attempt,
    /// Every attempt this collection made, in order (more than one after a failover or cascade).
    pub attempts: Vec<Attempt>,
    pub invoice_status: &'static str,
    pub amount_paid: Money,
    pub amount_due: Money,
    pub next_action: Option<NextAction>,
}

const ATTEMPT_SELECT: &str = "SELECT id, status, amount, currency::text AS currency, gateway, gateway_account_id AS gateway_account,
        provider_payment_id, decline_code, decline_class, gateway_error, routing_reason, latency_ms, created_at FROM payment_attempts";

async fn get_attempt(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Attempt> {
    Ok(sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The ledger of one invoice, oldest first.
pub async fn attempts(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Vec<Attempt>> {
    Ok(sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY id"))
        .bind(tenant)
        .bind(invoice)
        .fetch_all(conn)
        .await?)
}
