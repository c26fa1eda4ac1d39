//! Payment methods and the ledger of payment attempts; collecting an invoice is [`collect`].
//!
//! Everything here that calls a provider takes the pool, not a connection: no connection is held
//! while a provider answers (the embedded database has only one, and the sandbox provider keeps its
//! own records in the database too), so each step takes a connection and gives it back.

mod collect;

pub(crate) use collect::next_retry;
pub use collect::{collect, collect_in_dunning, redrive_pending};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::error::{Error, Result};
use crate::ids::{CustomerId, GatewayAccountId, InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{
    GatewayCustomerRef, Gateways, MandateAcceptance, MethodDetails, MethodInfo, PaymentMethodKind, PaymentMethodRef,
    SetupOutcome,
};
use crate::service::gateway_accounts;
use crate::service::method_setups::{self, MethodSetup};
use crate::store;
pub use crate::store::payment_attempts::Attempt;
use crate::store::payment_methods::NewMethod;
pub use crate::store::payment_methods::PaymentMethod;

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
    add(pool, tenant, customer, gateways, account, details, None, now).await
}

/// [`add_method`] for a SEPA mandate the customer accepted in the portal: the provider gets the
/// acceptance with it (Stripe's `mandate_data`; docs/adr/0044).
pub async fn add_sepa_mandate(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    iban: String,
    acceptance: Option<MandateAcceptance>,
    now: DateTime<Utc>,
) -> Result<AddedMethod> {
    let details = MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token: iban };
    add(pool, tenant, customer, gateways, None, details, acceptance.as_ref(), now).await
}

#[allow(clippy::too_many_arguments)]
async fn add(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    account: Option<GatewayAccountId>,
    details: MethodDetails,
    acceptance: Option<&MandateAcceptance>,
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
        let known = store::payment_methods::known_provider_customer(&mut conn, tenant, customer, spec.id).await?;
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
    let brand = match &details {
        MethodDetails::TestCard { number } => crate::card::brand(number).map(str::to_owned),
        MethodDetails::ProviderToken { .. } => None,
    };
    let stored = NewMethod {
        customer,
        account: spec.id,
        gateway: gateway.kind().to_owned(),
        provider_customer: provider_customer.0.clone(),
        kind: kind.to_owned(),
        last4,
        brand,
    };
    let setup = match (&details, acceptance) {
        (MethodDetails::ProviderToken { kind: PaymentMethodKind::SepaDebit, token }, Some(a)) => {
            gateway.setup_sepa_mandate(&provider_customer, token, a).await
        }
        _ => gateway.setup_payment_method(&provider_customer, &details).await,
    };
    match setup {
        Ok(SetupOutcome::Ready(m)) => {
            // What the provider says of the method wins over what was typed (brand, last four,
            // expiry); a provider that cannot be asked leaves the typed ones.
            let info = match gateway.method_info(&m).await {
                Ok(info) => info,
                Err(e) => {
                    tracing::warn!(error = %e, "the provider's payment method details could not be read");
                    None
                }
            };
            let mut stored = stored;
            if let Some(i) = &info {
                stored.last4 = i.last4.clone().or(stored.last4);
                stored.brand = i.brand.clone().or(stored.brand);
            }
            let mut tx = pool.begin().await?;
            let mut method = store::payment_methods::insert(&mut tx, tenant, &stored, &m, now).await?;
            if let Some(MethodInfo { exp_month: Some(month), exp_year: Some(year), .. }) = info
                && let Ok(year) = i16::try_from(year)
            {
                let month = i16::from(month);
                store::payment_methods::set_expiry(&mut tx, tenant, customer, method.id, month, year).await?;
                (method.exp_month, method.exp_year) = (Some(month), Some(year));
            }
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

/// The customer's stored payment methods, the default first, then newest first.
pub async fn list_methods(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Vec<PaymentMethod>> {
    store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    store::payment_methods::list(conn, tenant, customer).await
}

/// [`list_methods`] of a customer the caller has just read (the portal's signed-in customer),
/// without reading the customer again.
pub async fn methods_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: &crate::customer::Customer,
) -> Result<Vec<PaymentMethod>> {
    store::payment_methods::list(conn, tenant, customer.id).await
}

/// The customer's method `id`, or not found (another customer's, removed, or no such id).
fn own_method(methods: &[PaymentMethod], id: uuid::Uuid) -> Result<&PaymentMethod> {
    methods.iter().find(|m| m.id == id).ok_or_else(|| Error::not_found("payment_method", id))
}

/// Makes `id` the customer's default method: the one collection charges first. Runs on the
/// caller's transaction.
pub async fn set_default_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
) -> Result<PaymentMethod> {
    let methods = store::payment_methods::lock_for_customer(conn, tenant, customer).await?;
    let mut method = own_method(&methods, id)?.clone();
    if !method.is_default {
        store::payment_methods::set_default(conn, tenant, customer, id).await?;
        method.is_default = true;
    }
    Ok(method)
}

/// What removing a method led to.
#[derive(Debug, Clone)]
pub enum Removal {
    /// Removed.
    Removed(Box<RemovedMethod>),
    /// Refused: it is the customer's only method and an active subscription is charged
    /// automatically (the merchant collects by charging the method on file).
    OnlyMethodForActiveSubscription,
}

/// A removed method; when it was the default, `promoted` is the method that is the default now.
#[derive(Debug, Clone)]
pub struct RemovedMethod {
    pub removed: PaymentMethod,
    pub promoted: Option<PaymentMethod>,
}

/// Removes the customer's method `id`: it is never charged again. Removing the default makes
/// the newest remaining method the default. The only method of a customer with an active
/// subscription is kept while the merchant charges automatically (nothing could pay the next
/// invoice). Runs on the caller's transaction.
pub async fn remove_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Removal> {
    remove(conn, tenant, customer, id, true, now).await
}

/// Removes the customer's method `id` even when it is the only one of an active subscription: a
/// SEPA mandate cancelled or expired (docs/adr/0044) leaves nothing to debit. `None` when the
/// method was removed before. Runs on the caller's transaction.
pub async fn remove_method_anyway(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Option<RemovedMethod>> {
    match remove(conn, tenant, customer, id, false, now).await {
        Ok(Removal::Removed(r)) => Ok(Some(*r)),
        Ok(Removal::OnlyMethodForActiveSubscription) => Ok(None),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn remove(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    keep_last: bool,
    now: DateTime<Utc>,
) -> Result<Removal> {
    let methods = store::payment_methods::lock_for_customer(conn, tenant, customer).await?;
    let removed = own_method(&methods, id)?.clone();
    let rest: Vec<&PaymentMethod> = methods.iter().filter(|m| m.id != id).collect();
    if keep_last
        && rest.is_empty()
        && store::runs::collects_automatically(conn, tenant).await?
        && store::subscriptions::customer_has_active(conn, tenant, customer).await?
    {
        return Ok(Removal::OnlyMethodForActiveSubscription);
    }
    store::payment_methods::mark_removed(conn, tenant, customer, id, now).await?;
    let promoted = match (removed.is_default, rest.first()) {
        // Newest first after the (removed) default: the most recently added card.
        (true, Some(next)) => {
            store::payment_methods::set_default(conn, tenant, customer, next.id).await?;
            Some(PaymentMethod { is_default: true, ..(*next).clone() })
        }
        _ => None,
    };
    Ok(Removal::Removed(Box::new(RemovedMethod { removed, promoted })))
}

/// Detaches the customer's removed method `id` at its provider (Stripe's detach), after the
/// removal is committed; nothing for a method that is not removed. Safe to repeat. No connection
/// is held while the provider answers.
pub async fn detach_removed(
    pool: &PgPool,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    gateways: &dyn Gateways,
) -> Result<bool> {
    let (spec, provider_method) = {
        let mut conn = pool.acquire().await?;
        let Some((account, provider_method)) =
            store::payment_methods::removed_provider_method(&mut conn, tenant, customer, id).await?
        else {
            return Ok(false);
        };
        (gateway_accounts::spec(&mut conn, tenant, account).await?, provider_method)
    };
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    gateway
        .detach_method(&PaymentMethodRef(provider_method))
        .await
        .map_err(|e| Error::Gateway { detail: e.to_string() })?;
    Ok(true)
}

/// Records the expiry of the customer's card `id` (as typed when it was added).
pub async fn set_card_expiry(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: uuid::Uuid,
    expiry: crate::card::Expiry,
) -> Result<()> {
    let month = i16::from(expiry.month);
    let year = i16::try_from(expiry.year).map_err(|_| Error::invalid("expiry", "year out of range"))?;
    store::payment_methods::set_expiry(conn, tenant, customer, id, month, year).await
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

/// The ledger of one invoice, oldest first, each attempt with the retry decisions taken after it.
pub async fn attempts(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Vec<Attempt>> {
    let mut attempts = store::payment_attempts::list_for_invoice(conn, tenant, invoice).await?;
    for d in store::retry_decisions::for_invoice(conn, tenant, invoice).await? {
        if let Some(a) = attempts.iter_mut().find(|a| Some(a.id) == d.attempt) {
            a.decisions.push(d);
        }
    }
    Ok(attempts)
}
