//! Recovered revenue (docs/adr/0032): when an invoice that had a failed payment attempt becomes
//! paid, whatever paid it, the recovery is recorded once per invoice with how it came in.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::currency::Currency;
use crate::error::Result;
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::invoice::PaymentSource;
use crate::store;
pub use crate::store::recovery::Recovery;

/// How the money came in: `retry` (the declined method paid later), `new_method` (another method),
/// `transfer`, `manual` or `credit_balance`.
async fn how(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    declined_method: uuid::Uuid,
    source: PaymentSource,
    reference: &str,
) -> Result<&'static str> {
    Ok(match source {
        PaymentSource::BankTransfer => "transfer",
        PaymentSource::Manual => "manual",
        PaymentSource::CreditBalance => "credit_balance",
        PaymentSource::Card | PaymentSource::SepaDebit => {
            // A provider payment's reference is the attempt id.
            let method = match uuid::Uuid::parse_str(reference) {
                Ok(attempt) => store::recovery::attempt_method(conn, tenant, invoice, attempt).await?,
                Err(_) => None,
            };
            if method == Some(declined_method) { "retry" } else { "new_method" }
        }
    })
}

/// Called in the transaction that settles the invoice in full: records the recovery when the
/// invoice had a failed attempt (and not already, for a second payment path racing the first).
#[allow(clippy::too_many_arguments)]
pub async fn on_paid(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    customer: CustomerId,
    currency: Currency,
    source: PaymentSource,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some((declined_method, amount)) = store::recovery::first_failed(conn, tenant, invoice).await? else {
        return Ok(false);
    };
    let how = how(conn, tenant, invoice, declined_method, source, reference).await?;
    let r = store::recovery::NewRecovery { invoice, customer: customer.0, amount, currency: currency.code(), how };
    store::recovery::insert(conn, tenant, &r, now).await
}

/// The invoice's recovery, if it was recovered after a failed payment.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Option<Recovery>> {
    store::recovery::get(conn, tenant, invoice).await
}

/// What was recovered in `[from, until)` per currency (the dunning board's "recovered this
/// month"): currency, invoices and amount in minor units, by recovery time.
pub async fn totals(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>> {
    store::recovery::totals(conn, tenant, from, until).await
}
