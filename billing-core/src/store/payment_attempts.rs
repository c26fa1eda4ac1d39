//! The ledger of payment attempts (`payment_attempts`): one row per charge call, at most one
//! pending per invoice (a unique index).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{GatewayAccountId, InvoiceId, TenantId};

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
    /// The card network's advice on a decline (a Mastercard MAC such as `02`).
    pub network_advice_code: Option<String>,
    /// The earliest time an automatic retry of the same method is allowed (MAC 02: 72 h later).
    pub retry_after: Option<DateTime<Utc>>,
    /// The retry decisions taken after this attempt (docs/adr/0032); filled by the ledger's reader.
    #[sqlx(skip)]
    pub decisions: Vec<crate::store::retry_decisions::Decision>,
}

fn public_account_id<S: serde::Serializer>(id: &Option<Uuid>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.collect_str(&GatewayAccountId(*id)),
        None => s.serialize_none(),
    }
}

const ATTEMPT_SELECT: &str =
    "SELECT id, status, amount, currency::text AS currency, gateway, gateway_account_id AS gateway_account,
        provider_payment_id, decline_code, decline_class, gateway_error, routing_reason, latency_ms, created_at,
        network_advice_code, retry_after FROM payment_attempts";

/// One attempt by id.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Attempt> {
    Ok(sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The ledger of one invoice, oldest first.
pub async fn list_for_invoice(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Vec<Attempt>> {
    Ok(sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY id"))
        .bind(tenant)
        .bind(invoice)
        .fetch_all(conn)
        .await?)
}

/// The invoice's pending attempt, if one is under way.
pub async fn pending_for_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'pending'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The invoice's pending attempt with the invoice's currency code, for a re-drive.
pub async fn pending_with_currency(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
) -> Result<Option<(Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.id, i.currency::text FROM payment_attempts a JOIN invoices i ON i.tenant_id = a.tenant_id AND i.id = a.invoice_id
         WHERE a.tenant_id = $1 AND a.invoice_id = $2 AND a.status = 'pending'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The finished attempts on `account` since `since`: when each was made and its gateway error, if
/// any (what the circuit breaker reads).
pub async fn recent_on_account(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT created_at, gateway_error FROM payment_attempts
         WHERE tenant_id = $1 AND gateway_account_id = $2 AND created_at > $3 AND status <> 'pending'",
    )
    .bind(tenant)
    .bind(account)
    .bind(since)
    .fetch_all(&mut *conn)
    .await?)
}

/// A pending attempt about to be recorded.
pub struct NewAttempt<'a> {
    pub id: Uuid,
    pub invoice: InvoiceId,
    pub method: Uuid,
    pub provider: &'a str,
    pub account: Uuid,
    pub amount: i64,
    pub currency: &'a str,
    pub reason: &'a str,
    pub now: DateTime<Utc>,
}

/// Records a pending attempt.
pub async fn insert_pending(conn: &mut PgConnection, tenant: TenantId, a: &NewAttempt<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO payment_attempts (tenant_id, id, invoice_id, payment_method_id, gateway, gateway_account_id, amount, currency,
             status, routing_reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10)",
    )
    .bind(tenant)
    .bind(a.id)
    .bind(a.invoice)
    .bind(a.method)
    .bind(a.provider)
    .bind(a.account)
    .bind(a.amount)
    .bind(a.currency)
    .bind(a.reason)
    .bind(a.now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a charge of the attempt needs: its account, amount, currency and the provider's references
/// of the customer and the method.
pub async fn charge_parts(
    conn: &mut PgConnection,
    tenant: TenantId,
    attempt: Uuid,
) -> Result<(Uuid, i64, String, String, String)> {
    Ok(sqlx::query_as(
        "SELECT a.gateway_account_id, a.amount, a.currency::text, m.provider_customer, m.provider_method
         FROM payment_attempts a JOIN payment_methods m ON m.tenant_id = a.tenant_id AND m.id = a.payment_method_id
         WHERE a.tenant_id = $1 AND a.id = $2",
    )
    .bind(tenant)
    .bind(attempt)
    .fetch_one(&mut *conn)
    .await?)
}

/// The outcome of a charge call, as the ledger stores it.
pub struct AttemptOutcome<'a> {
    pub status: &'a str,
    pub provider_payment_id: Option<&'a str>,
    pub decline_code: Option<&'a str>,
    pub decline_class: Option<&'a str>,
    pub latency_ms: i32,
    pub gateway_error: Option<&'a str>,
    pub client_secret: Option<&'a str>,
    /// The card network's advice on a decline, and the retry-after time it sets.
    pub network_advice_code: Option<&'a str>,
    pub retry_after: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Writes the outcome onto the attempt if it is still pending; returns its amount and currency
/// code, or `None` when it was already final (a webhook or a re-drive came first).
pub async fn record_outcome(
    tx: &mut PgConnection,
    tenant: TenantId,
    attempt: Uuid,
    o: &AttemptOutcome<'_>,
) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "UPDATE payment_attempts SET status = $3, provider_payment_id = COALESCE($4, provider_payment_id), decline_code = $5,
             decline_class = $6, latency_ms = $7, gateway_error = $8, client_secret = $9,
             finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $10 END,
             network_advice_code = $11, retry_after = $12
         WHERE tenant_id = $1 AND id = $2 AND status = 'pending' RETURNING amount, currency::text",
    )
    .bind(tenant)
    .bind(attempt)
    .bind(o.status)
    .bind(o.provider_payment_id)
    .bind(o.decline_code)
    .bind(o.decline_class)
    .bind(o.latency_ms)
    .bind(o.gateway_error)
    .bind(o.client_secret)
    .bind(o.now)
    .bind(o.network_advice_code)
    .bind(o.retry_after)
    .fetch_optional(&mut *tx)
    .await?)
}

/// A payment attempt as a provider's webhook finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventAttempt {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    /// Written while the sandbox's ids still repeated across processes: never matched by id.
    pub provider_id_shared: bool,
    pub provider_payment_id: Option<String>,
}

const EVENT_ATTEMPT: &str =
    "SELECT id, invoice_id, status, amount, currency, provider_id_shared, provider_payment_id FROM payment_attempts";

/// Up to two attempts of the account carrying this provider payment id, locked (two means the id
/// does not name one attempt).
pub async fn lock_by_provider_id(
    tx: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_payment_id: &str,
) -> Result<Vec<EventAttempt>> {
    Ok(sqlx::query_as(&format!(
        "{EVENT_ATTEMPT} WHERE tenant_id = $1 AND gateway_account_id = $2 AND provider_payment_id = $3 ORDER BY id LIMIT 2 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(account)
    .bind(provider_payment_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// The account's attempt with our own id, locked.
pub async fn lock_by_id(
    tx: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    id: Uuid,
) -> Result<Option<EventAttempt>> {
    Ok(sqlx::query_as(&format!(
        "{EVENT_ATTEMPT} WHERE tenant_id = $1 AND gateway_account_id = $2 AND id = $3 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(account)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// The provider reports the attempt succeeded (whatever we recorded before).
pub async fn mark_succeeded(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    provider_payment_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_attempts SET status = 'succeeded', decline_code = NULL, decline_class = NULL,
             provider_payment_id = COALESCE(provider_payment_id, $4), finished_at = $3
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .bind(provider_payment_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The provider reports the attempt failed.
pub async fn mark_failed(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    decline_code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE payment_attempts SET status = 'failed', decline_code = $3, finished_at = $4
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

/// The collection run's work list across tenants, as (tenant, invoice, has a pending attempt):
/// invoices with a pending attempt (to re-drive), and open invoices due on `as_of` that were never
/// attempted and whose customer holds a method (when the default is a SEPA debit: once the
/// pre-notification's debit date has come). Declined invoices are left to dunning.
pub async fn collection_work(conn: &mut PgConnection, as_of: chrono::NaiveDate) -> Result<Vec<(Uuid, Uuid, bool)>> {
    Ok(sqlx::query_as(
        "SELECT i.tenant_id, i.id, EXISTS (SELECT 1 FROM payment_attempts p
                    WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.id AND p.status = 'pending')
         FROM invoices i
         WHERE EXISTS (SELECT 1 FROM payment_attempts p
                       WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.id AND p.status = 'pending')
            OR (i.status = 'open' AND i.total > i.amount_paid AND COALESCE(i.due_date, i.issue_date) <= $1
                AND EXISTS (SELECT 1 FROM payment_methods m WHERE m.tenant_id = i.tenant_id AND m.customer_id = i.customer_id
                            AND m.removed_at IS NULL)
                AND NOT EXISTS (SELECT 1 FROM payment_attempts p WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.id)
                -- A SEPA debit waits for its pre-notification's debit date (docs/adr/0048).
                AND (NOT EXISTS (SELECT 1 FROM payment_methods d WHERE d.tenant_id = i.tenant_id
                                  AND d.customer_id = i.customer_id AND d.is_default AND d.removed_at IS NULL
                                  AND d.kind = 'sepa_debit')
                     OR EXISTS (SELECT 1 FROM sepa_debit_notices n WHERE n.tenant_id = i.tenant_id
                                  AND n.invoice_id = i.id AND n.debit_on <= $1)))
         ORDER BY i.tenant_id, i.id",
    )
    .bind(as_of)
    .fetch_all(&mut *conn)
    .await?)
}

/// Payments the provider holds that are still waiting on our side (3-D Secure, a pending debit) on
/// an invoice not yet settled, as (tenant, account, attempt, provider payment id). Attempts whose
/// provider id is not unique are left out: an answer about that id may be about another's payment.
pub async fn waiting_at_provider(conn: &mut PgConnection) -> Result<Vec<(Uuid, Uuid, Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.tenant_id, a.gateway_account_id, a.id, a.provider_payment_id
         FROM payment_attempts a JOIN invoices i ON i.tenant_id = a.tenant_id AND i.id = a.invoice_id
         WHERE a.status IN ('requires_action', 'pending') AND a.provider_payment_id IS NOT NULL
           AND NOT a.provider_id_shared AND a.gateway_account_id IS NOT NULL AND i.status IN ('open', 'uncollectible')
         ORDER BY a.tenant_id, a.id",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// A payment attempt on one of the customer's invoices, with what the customer's page of it shows
/// (docs/adr/0044).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerAttempt {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub gateway: String,
    pub gateway_account_id: Option<Uuid>,
    pub provider_payment_id: Option<String>,
    pub client_secret: Option<String>,
    pub decline_code: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_status: String,
    pub invoice_total: i64,
    pub invoice_paid: i64,
}

/// The attempt `id` when its invoice is `customer`'s; `None` for anyone else's.
pub async fn for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: crate::ids::CustomerId,
    id: Uuid,
) -> Result<Option<CustomerAttempt>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.invoice_id, a.status, a.amount, a.currency::text AS currency, a.gateway, a.gateway_account_id,
                CASE WHEN a.provider_id_shared THEN NULL ELSE a.provider_payment_id END AS provider_payment_id,
                a.client_secret, a.decline_code, i.number AS invoice_number, i.status AS invoice_status,
                i.total AS invoice_total, i.amount_paid AS invoice_paid
         FROM payment_attempts a JOIN invoices i ON i.tenant_id = a.tenant_id AND i.id = a.invoice_id
         WHERE a.tenant_id = $1 AND a.id = $2 AND i.customer_id = $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(customer)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The customer's open invoices whose newest attempt waits for the customer's authentication, as
/// (attempt, invoice), oldest invoice first.
pub async fn awaiting_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: crate::ids::CustomerId,
) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT a.id, i.id FROM invoices i
         JOIN LATERAL (SELECT p.id, p.status FROM payment_attempts p
                       WHERE p.tenant_id = i.tenant_id AND p.invoice_id = i.id ORDER BY p.id DESC LIMIT 1) a ON true
         WHERE i.tenant_id = $1 AND i.customer_id = $2 AND i.status = 'open' AND i.total > i.amount_paid
           AND a.status = 'requires_action'
         ORDER BY i.id",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(&mut *conn)
    .await?)
}
