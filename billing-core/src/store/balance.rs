//! Customer credit balance: an append-only ledger per customer and currency
//! (table `customer_balance_transactions`). Credit notes and overpayments add to it; invoices
//! that consume it and refunds of it take from it. The balance never goes below zero.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::money::Money;

/// Why the balance moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceKind {
    /// A credit note credited to the balance instead of refunded (adds).
    CreditNote,
    /// A payment that was more than the invoice's amount due (adds).
    Overpayment,
    /// Consumed by an invoice at finalization or on payment (takes).
    AppliedToInvoice,
    /// Paid out to the customer (takes).
    Refund,
    /// A manual correction by finance staff (either sign).
    Adjustment,
}

impl BalanceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            BalanceKind::CreditNote => "credit_note",
            BalanceKind::Overpayment => "overpayment",
            BalanceKind::AppliedToInvoice => "applied_to_invoice",
            BalanceKind::Refund => "refund",
            BalanceKind::Adjustment => "adjustment",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "credit_note" => BalanceKind::CreditNote,
            "overpayment" => BalanceKind::Overpayment,
            "applied_to_invoice" => BalanceKind::AppliedToInvoice,
            "refund" => BalanceKind::Refund,
            "adjustment" => BalanceKind::Adjustment,
            _ => return None,
        })
    }
}

/// One movement of a customer's balance. `amount` is positive for a credit to the customer.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceTransaction {
    pub id: Uuid,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub kind: BalanceKind,
    pub reference_id: Option<Uuid>,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

/// What to record.
#[derive(Debug, Clone)]
pub struct NewBalanceTransaction<'a> {
    pub customer_id: CustomerId,
    /// Positive: credit to the customer; negative: taken from the balance.
    pub amount: Money,
    pub kind: BalanceKind,
    /// The document or payment that caused it. With a reference, a second call for the same
    /// (kind, reference) is a no-op that returns `None`: a replayed webhook credits once.
    pub reference_id: Option<Uuid>,
    pub description: &'a str,
    pub now: DateTime<Utc>,
}

/// Lock the customer row: balance changes of one customer are serialized by it, so two
/// concurrent invoices can never consume the same credit.
pub async fn lock_customer(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<()> {
    let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
        .bind(tenant.as_uuid())
        .bind(customer.as_uuid())
        .fetch_optional(&mut *conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| Error::NotFound { resource: "customer", id: customer.to_string() })
}

/// The customer's balance in `currency` (zero when there is none).
pub async fn balance(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    currency: Currency,
) -> Result<Money> {
    let (sum,): (Option<i64>,) = sqlx::query_as(
        "SELECT SUM(amount)::BIGINT FROM customer_balance_transactions
         WHERE tenant_id = $1 AND customer_id = $2 AND currency = $3",
    )
    .bind(tenant.as_uuid())
    .bind(customer.as_uuid())
    .bind(currency.code())
    .fetch_one(&mut *conn)
    .await?;
    Ok(Money::from_minor(sum.unwrap_or(0), currency))
}

/// Every non-zero balance of the customer, one per currency.
pub async fn balances(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<Money>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT currency, SUM(amount)::BIGINT FROM customer_balance_transactions
         WHERE tenant_id = $1 AND customer_id = $2 GROUP BY currency HAVING SUM(amount) <> 0 ORDER BY currency",
    )
    .bind(tenant.as_uuid())
    .bind(customer.as_uuid())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(code, minor)| {
            let currency = Currency::from_code(code.trim()).map_err(|e| corrupt("balance currency", e))?;
            Ok(Money::from_minor(minor, currency))
        })
        .collect()
}

/// Record a movement. The caller must hold [`lock_customer`] in the same transaction. A debit
/// larger than the balance is refused with `Error::InsufficientBalance`. Returns `None` when the
/// same (kind, reference) was recorded before (nothing changes).
pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    tx: NewBalanceTransaction<'_>,
) -> Result<Option<BalanceTransaction>> {
    if tx.amount.is_zero() {
        return Err(Error::invalid("amount", "must not be zero"));
    }
    if tx.amount.is_negative() {
        let available = balance(conn, tenant, tx.customer_id, tx.amount.currency()).await?;
        if available.minor() + tx.amount.minor() < 0 {
            return Err(Error::InsufficientBalance { available: available.minor(), currency: tx.amount.currency() });
        }
    }
    let id = Uuid::now_v7();
    let inserted = sqlx::query(
        "INSERT INTO customer_balance_transactions
            (tenant_id, id, customer_id, currency, amount, kind, reference_id, description, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, kind, reference_id) WHERE reference_id IS NOT NULL DO NOTHING",
    )
    .bind(tenant.as_uuid())
    .bind(id)
    .bind(tx.customer_id.as_uuid())
    .bind(tx.amount.currency().code())
    .bind(tx.amount.minor())
    .bind(tx.kind.as_str())
    .bind(tx.reference_id)
    .bind(tx.description)
    .bind(tx.now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    Ok(Some(BalanceTransaction {
        id,
        customer_id: tx.customer_id,
        amount: tx.amount,
        kind: tx.kind,
        reference_id: tx.reference_id,
        description: tx.description.to_string(),
        created_at: tx.now,
    }))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    customer_id: Uuid,
    currency: String,
    amount: i64,
    kind: String,
    reference_id: Option<Uuid>,
    description: String,
    created_at: DateTime<Utc>,
}

/// The customer's ledger, oldest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<BalanceTransaction>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, customer_id, currency, amount, kind, reference_id, description, created_at
         FROM customer_balance_transactions WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id",
    )
    .bind(tenant.as_uuid())
    .bind(customer.as_uuid())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let currency = Currency::from_code(r.currency.trim()).map_err(|e| corrupt("balance currency", e))?;
            Ok(BalanceTransaction {
                id: r.id,
                customer_id: CustomerId(r.customer_id),
                amount: Money::from_minor(r.amount, currency),
                kind: BalanceKind::parse(&r.kind).ok_or_else(|| corrupt("balance kind", &r.kind))?,
                reference_id: r.reference_id,
                description: r.description,
                created_at: r.created_at,
            })
        })
        .collect()
}
