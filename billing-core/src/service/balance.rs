//! Customers' credit balances as staff handle them: read the balance and its ledger, pay (part
//! of) it out, correct it. What fills and consumes it (overpayments, credit notes, invoices paid
//! from it) is settlement's and finalization's.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::money::Money;
use crate::store;
use crate::store::balance::NewBalanceTransaction;
pub use crate::store::balance::{BalanceKind, BalanceTransaction};

/// The customer's balance per currency and every movement, oldest first. `Error::NotFound` for a
/// customer of another tenant.
pub async fn ledger(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<(Vec<Money>, Vec<BalanceTransaction>)> {
    super::customers::get(conn, tenant, customer).await?;
    let balances = store::balance::balances(conn, tenant, customer).await?;
    let transactions = store::balance::list(conn, tenant, customer).await?;
    Ok((balances, transactions))
}

/// Records a movement staff make (a payout, `BalanceKind::Refund`, with a negative amount; or an
/// adjustment of either sign) under the customer's balance lock, inside the caller's transaction.
/// Returns it with the balance left in its currency.
pub async fn record_manual(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    kind: BalanceKind,
    amount: Money,
    description: &str,
    now: DateTime<Utc>,
) -> Result<(BalanceTransaction, Money)> {
    store::balance::lock_customer(conn, tenant, customer).await?;
    let tx = store::balance::record(
        conn,
        tenant,
        NewBalanceTransaction { customer_id: customer, amount, kind, reference_id: None, description, now },
    )
    .await?
    .ok_or_else(|| Error::invalid("amount", "nothing recorded"))?;
    let left = store::balance::balance(conn, tenant, customer, amount.currency()).await?;
    Ok((tx, left))
}
