//! Payment methods and collection through the `PaymentGateway` port, with a ledger of attempts.
//!
//! Collecting an invoice: (1) in one transaction, lock the invoice and record a `pending` attempt
//! (or pick up the one a crashed run left); (2) outside any transaction, charge through the
//! gateway with the attempt's id as idempotency key, retrying transport failures with the same
//! key; (3) in a second transaction, record the outcome and, on success, the payment on the
//! invoice. A process killed between (2) and (3) leaves the attempt pending; the next collection
//! re-drives it with the same key, and the provider answers with the payment it already made.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, GatewayAccountId, InvoiceId, TenantId};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::ports::{
    AttemptHealth, ChargeOutcome, ChargeRequest, GatewayCustomerRef, GatewayError, Gateways, MethodDetails,
    PaymentMethodKind, PaymentMethodRef, RoutableAccount, RoutedAccount, RoutingInput, SetupOutcome,
};
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
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    gateways: &dyn Gateways,
    account: Option<GatewayAccountId>,
    details: MethodDetails,
    now: DateTime<Utc>,
) -> Result<AddedMethod> {
    let c =
        store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    let spec = match account {
        Some(id) => gateway_accounts::spec(conn, tenant, id.as_uuid()).await?,
        None => gateway_accounts::default_spec(conn, tenant, now).await?,
    };
    if !spec.active {
        return Err(Error::invalid("gateway_account", "the gateway account is not active"));
    }
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    let gateway = gateway.as_ref();
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
            let mut tx = conn.begin().await?;
            let method = insert_method(&mut tx, tenant, &stored, &m, now).await?;
            tx.commit().await?;
            Ok(AddedMethod::Ready(method))
        }
        Ok(SetupOutcome::Failed { decline_code, .. }) => Err(Error::PaymentDeclined { code: decline_code }),
        Ok(SetupOutcome::RequiresAction { provider_setup_id, client_secret, redirect_hint }) => {
            let setup = method_setups::record(
                conn,
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

/// Transport failures are retried this often with the same idempotency key.
const RETRIES: u32 = 2;

/// How far back the ledger feeds the circuit breaker (its window plus its cool-down, generously).
const HEALTH_LOOKBACK_MINUTES: i64 = 15;

#[derive(sqlx::FromRow)]
struct MethodRow {
    id: Uuid,
    gateway_account_id: Option<Uuid>,
    kind: String,
}

fn method_kind(kind: &str) -> PaymentMethodKind {
    if kind == "sepa_debit" { PaymentMethodKind::SepaDebit } else { PaymentMethodKind::Card }
}

/// The result of one charge call, reduced to what the ledger stores.
struct Recorded {
    status: &'static str,
    class: Option<&'static str>,
    action: Option<(String, String)>,
}

/// Collects what is due on an open invoice. The tenant's routing rules choose the accounts (in
/// order); a timeout, a transport failure or an open circuit fails over to the next account, a soft
/// decline cascades to the next account where the customer has a usable method, a hard decline
/// stops. A pending attempt left by a crashed run is re-driven first, on its own account, with its
/// own id as idempotency key, so the provider replays instead of charging again.
pub async fn collect(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<Collection> {
    let mut made = Vec::new();
    let mut next_action = None;
    let mut last_error = None;

    // (1) Lock the invoice; a pending attempt is re-driven before anything new is tried.
    let mut tx = conn.begin().await?;
    let row: Option<(Uuid, String, String, i64, i64)> = sqlx::query_as(
        "SELECT customer_id, status, currency::text, total, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *tx)
    .await?;
    let (customer, status, currency, total, paid) = row.ok_or_else(|| Error::not_found("invoice", invoice))?;
    let currency = crate::currency::Currency::from_code(currency.trim())?;
    let pending: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT a.id, m.id FROM payment_attempts a JOIN payment_methods m ON m.tenant_id = a.tenant_id AND m.id = a.payment_method_id
         WHERE a.tenant_id = $1 AND a.invoice_id = $2 AND a.status = 'pending'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some((attempt_id, _)) = pending {
        let outcome = drive(conn, tenant, invoice, attempt_id, gateways, now).await?;
        made.push(attempt_id);
        if let Some(a) = outcome.action {
            next_action = Some(a);
        }
        return finish(conn, tenant, invoice, currency, made, next_action, None).await;
    }
    if status != InvoiceStatus::Open.as_str() || total - paid <= 0 {
        return Err(Error::InvoiceNotPayable { status });
    }

    // (2) Route.
    let methods: Vec<MethodRow> = sqlx::query_as(
        "SELECT id, gateway_account_id, kind FROM payment_methods
         WHERE tenant_id = $1 AND customer_id = $2 ORDER BY is_default DESC, created_at DESC, id DESC",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?;
    let Some(default) = methods.first() else { return Err(Error::NoPaymentMethod) };
    let kind = method_kind(&default.kind);
    let c = store::customers::get(conn, tenant, CustomerId(customer))
        .await?
        .ok_or_else(|| Error::not_found("customer", CustomerId(customer)))?;
    let specs = gateway_accounts::active_specs(conn, tenant).await?;
    let rules = gateway_accounts::rules(conn, tenant).await?;
    let mut accounts = Vec::new();
    for spec in specs {
        let usable: Vec<PaymentMethodKind> =
            methods.iter().filter(|m| m.gateway_account_id == Some(spec.id)).map(|m| method_kind(&m.kind)).collect();
        let recent: Vec<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
            "SELECT created_at, gateway_error FROM payment_attempts
             WHERE tenant_id = $1 AND gateway_account_id = $2 AND created_at > $3 AND status <> 'pending'",
        )
        .bind(tenant)
        .bind(spec.id)
        .bind(now - chrono::TimeDelta::minutes(HEALTH_LOOKBACK_MINUTES))
        .fetch_all(&mut *conn)
        .await?;
        accounts.push(RoutableAccount {
            account: spec,
            usable_methods: usable,
            recent_attempts: recent
                .into_iter()
                .map(|(at, gateway_error)| AttemptHealth { at, gateway_error })
                .collect(),
        });
    }
    let input = RoutingInput {
        amount: Money::from_minor(total - paid, currency),
        customer_country: c.country,
        method: kind,
        segment: c.segment.clone(),
        routing_key: invoice.to_string(),
        accounts,
    };
    let plan = if rules.as_array().is_none_or(|r| r.is_empty()) {
        // No rules: the account of the customer's default method, as before routing existed.
        let account = default.gateway_account_id.ok_or(Error::NoPaymentMethod)?;
        let name = input.accounts.iter().find(|a| a.account.id == account).map(|a| a.account.name.clone());
        let Some(name) = name else {
            return Err(Error::NoRoute { reason: "the default payment method's account is not active".into() });
        };
        vec![RoutedAccount { account, reason: format!("no routing rules: default payment method on {name}") }]
    } else {
        gateways.route(&rules, &input, now).map_err(|reason| Error::NoRoute { reason })?
    };

    // (3) Try the accounts in order.
    let mut why_next = String::new();
    for routed in plan {
        let Some(method) =
            methods.iter().find(|m| m.gateway_account_id == Some(routed.account) && method_kind(&m.kind) == kind)
        else {
            continue;
        };
        let reason = format!("{}{why_next}", routed.reason);
        let attempt_id = match start_attempt(conn, tenant, invoice, method, routed.account, &reason, now).await? {
            Some(id) => id,
            // Paid (or being collected) in the meantime by someone else: stop.
            None => break,
        };
        made.push(attempt_id);
        match drive(conn, tenant, invoice, attempt_id, gateways, now).await {
            Ok(r) => {
                if let Some(a) = r.action {
                    next_action = Some(a);
                }
                match (r.status, r.class) {
                    ("failed", Some("soft")) => {
                        why_next = format!(" (cascade after a soft decline on {})", GatewayAccountId(routed.account));
                        continue;
                    }
                    ("error", _) => {
                        why_next = format!(" (failover: {} did not answer)", GatewayAccountId(routed.account));
                        continue;
                    }
                    _ => break,
                }
            }
            Err(e @ Error::Gateway { .. }) => {
                why_next = format!(" (failover: {} did not answer)", GatewayAccountId(routed.account));
                last_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    if made.is_empty() {
        return Err(Error::NoRoute { reason: "no routed account holds a usable payment method".into() });
    }
    finish(conn, tenant, invoice, currency, made, next_action, last_error).await
}

async fn finish(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    currency: crate::currency::Currency,
    made: Vec<Uuid>,
    next_action: Option<NextAction>,
    last_error: Option<Error>,
) -> Result<Collection> {
    let mut attempts = Vec::new();
    for id in &made {
        attempts.push(get_attempt(conn, tenant, *id).await?);
    }
    let attempt = attempts.last().cloned().ok_or(Error::NoPaymentMethod)?;
    if attempt.status == "error" {
        // No account answered: the caller sees the gateway failure (502), the ledger keeps why.
        return Err(last_error.unwrap_or_else(|| Error::Gateway {
            detail: format!("no gateway account answered ({})", attempt.gateway_error.clone().unwrap_or_default()),
        }));
    }
    let (status, total, paid): (String, i64, i64) =
        sqlx::query_as("SELECT status, total, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(invoice)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Collection {
        attempt,
        attempts,
        invoice_status: InvoiceStatus::parse(&status).map(|s| s.as_str()).unwrap_or("open"),
        amount_paid: Money::from_minor(paid, currency),
        amount_due: Money::from_minor((total - paid).max(0), currency),
        next_action,
    })
}

/// Records a pending attempt under the invoice lock, or `None` when nothing is due any more.
async fn start_attempt(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    method: &MethodRow,
    account: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    let mut tx = conn.begin().await?;
    let (status, currency, total, paid): (String, String, i64, i64) = sqlx::query_as(
        "SELECT status, currency::text, total, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_one(&mut *tx)
    .await?;
    let pending: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'pending'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *tx)
    .await?;
    if status != InvoiceStatus::Open.as_str() || total - paid <= 0 || pending.is_some() {
        return Ok(None);
    }
    let provider: String = sqlx::query_scalar("SELECT provider FROM gateway_accounts WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(account)
        .fetch_one(&mut *tx)
        .await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO payment_attempts (tenant_id, id, invoice_id, payment_method_id, gateway, gateway_account_id, amount, currency,
             status, routing_reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)",
    )
    .bind(tenant)
    .bind(id)
    .bind(invoice)
    .bind(method.id)
    .bind(&provider)
    .bind(account)
    .bind(total - paid)
    .bind(currency.trim())
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Charges a pending attempt (outside any transaction, retrying transport failures with the same
/// key) and records the outcome, settling the invoice on success. Used for fresh attempts and to
/// re-drive one a crashed process left pending.
pub async fn drive(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    attempt_id: Uuid,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<RecordedOutcome> {
    let (account, amount, currency, provider_customer, provider_method): (Uuid, i64, String, String, String) =
        sqlx::query_as(
            "SELECT a.gateway_account_id, a.amount, a.currency::text, m.provider_customer, m.provider_method
             FROM payment_attempts a JOIN payment_methods m ON m.tenant_id = a.tenant_id AND m.id = a.payment_method_id
             WHERE a.tenant_id = $1 AND a.id = $2",
        )
        .bind(tenant)
        .bind(attempt_id)
        .fetch_one(&mut *conn)
        .await?;
    let currency = crate::currency::Currency::from_code(currency.trim())?;
    let spec = gateway_accounts::spec(conn, tenant, account).await?;
    let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
    let request = ChargeRequest {
        idempotency_key: attempt_id.to_string(),
        customer: GatewayCustomerRef(provider_customer),
        method: PaymentMethodRef(provider_method),
        amount: Money::from_minor(amount, currency),
        description: format!("Invoice {invoice}"),
        metadata: BTreeMap::from([("invoice".to_string(), invoice.to_string())]),
    };
    let started = Instant::now();
    let mut outcome = gateway.charge(&request).await;
    let mut tries = 0;
    while let Err(e) = &outcome {
        if !e.is_retryable() || tries >= RETRIES {
            break;
        }
        tries += 1;
        outcome = gateway.charge(&request).await;
    }
    let latency = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let recorded = record_outcome(conn, tenant, invoice, attempt_id, &outcome, gateways, latency, now).await?;
    let action = recorded.action.clone().map(|(provider_payment_id, client_secret)| NextAction {
        kind: "three_d_secure",
        gateway_account: GatewayAccountId(account),
        provider_payment_id,
        client_secret,
    });
    if let Err(e) = &outcome
        && recorded.status != "error"
    {
        return Err(Error::Gateway { detail: e.to_string() });
    }
    Ok(RecordedOutcome { status: recorded.status, class: recorded.class, action })
}

/// What became of one driven attempt.
pub struct RecordedOutcome {
    pub status: &'static str,
    pub class: Option<&'static str>,
    pub action: Option<NextAction>,
}

#[allow(clippy::too_many_arguments)]
async fn record_outcome(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    attempt_id: Uuid,
    outcome: &std::result::Result<ChargeOutcome, GatewayError>,
    gateways: &dyn Gateways,
    latency: i32,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    let (status, provider_id, code, class, gateway_error, action) = match outcome {
        Ok(ChargeOutcome::Succeeded { provider_payment_id, .. }) => {
            ("succeeded", Some(provider_payment_id.clone()), None, None, None, None)
        }
        Ok(ChargeOutcome::RequiresAction { provider_payment_id, client_secret }) => (
            "requires_action",
            Some(provider_payment_id.clone()),
            None,
            None,
            None,
            Some((provider_payment_id.clone(), client_secret.clone())),
        ),
        Ok(ChargeOutcome::Pending { provider_payment_id }) => {
            ("pending", Some(provider_payment_id.clone()), None, None, None, None)
        }
        Ok(ChargeOutcome::Failed { provider_payment_id, decline_code, advice_code, .. }) => (
            "failed",
            provider_payment_id.clone(),
            Some(decline_code.clone()),
            Some(gateways.classify(decline_code, advice_code.as_deref())),
            None,
            None,
        ),
        // No answer after the retries: the attempt is abandoned and collection fails over. Should the
        // money have moved after all, the provider's webhook still settles this attempt (its surplus
        // becomes credit balance), so nothing is lost.
        Err(GatewayError::Timeout) => ("error", None, None, None, Some("timeout"), None),
        Err(GatewayError::Transport(_)) => ("error", None, None, None, Some("transport"), None),
        Err(GatewayError::Misconfigured(_)) => ("error", None, None, None, Some("misconfigured"), None),
        Err(GatewayError::Rejected { code, .. }) => {
            ("failed", None, Some(code.clone()), Some("hard"), Some("rejected"), None)
        }
    };
    let mut tx = conn.begin().await?;
    let (amount, currency): (i64, String) = sqlx::query_as(
        "UPDATE payment_attempts SET status = $3, provider_payment_id = COALESCE($4, provider_payment_id), decline_code = $5,
             decline_class = $6, latency_ms = $7, gateway_error = $8, client_secret = $9,
             finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $10 END
         WHERE tenant_id = $1 AND id = $2 RETURNING amount, currency::text",
    )
    .bind(tenant)
    .bind(attempt_id)
    .bind(status)
    .bind(&provider_id)
    .bind(&code)
    .bind(class)
    .bind(latency)
    .bind(gateway_error)
    .bind(action.as_ref().map(|(_, secret)| secret.clone()))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if status == "succeeded" {
        // The attempt id is the receipt's reference: a re-driven attempt and the provider's
        // webhook for it record the money once.
        crate::service::settlement::apply_payment(
            &mut tx,
            tenant,
            invoice,
            Money::from_minor(amount, crate::currency::Currency::from_code(currency.trim())?),
            crate::service::settlement::PaymentSource::Card,
            &attempt_id.to_string(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Recorded { status, class, action })
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
