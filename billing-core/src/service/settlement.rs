//! Settling invoices: every receipt of money (card, SEPA, bank transfer, staff marking it paid,
//! credit balance) and every refund goes through here, so partial payments, overpayments and
//! refunds follow one set of rules whatever the source:
//!
//! - a receipt raises `amount_paid` up to the total; the invoice is `paid` when nothing is due
//!   and stays `open` (partially paid) otherwise;
//! - the part beyond what was due goes to the customer's credit balance (an overpayment);
//! - a refund never exceeds what was received net of earlier refunds;
//! - each (source, reference) is recorded once: a replayed webhook or a re-imported bank
//!   statement changes nothing the second time (`Settlement::replayed`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::invoice::InvoiceStatus;
pub use crate::invoice::{PaymentSource, RefundSource};
use crate::money::Money;
use crate::outbox::OutboxMessage;
use crate::store;
use crate::store::balance::{BalanceKind, NewBalanceTransaction};
use crate::store::invoice_payments::NewInvoicePayment;

/// The invoice after a receipt or refund.
#[derive(Debug, Clone, Serialize)]
pub struct Settlement {
    pub invoice_id: InvoiceId,
    pub status: InvoiceStatus,
    pub amount_paid: Money,
    pub amount_due: Money,
    pub amount_refunded: Money,
    /// What this receipt added to the customer's credit balance.
    pub to_balance: Money,
    /// True when this (source, reference) had been recorded before and nothing changed.
    pub replayed: bool,
}

struct Locked {
    customer: CustomerId,
    status: InvoiceStatus,
    currency: Currency,
    total: i64,
    paid: i64,
    refunded: i64,
    /// What credit notes took off the amount due.
    credited: i64,
}

async fn lock_invoice(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Locked> {
    // FOR UPDATE serializes racing receipts for one invoice (a webhook and a collection run).
    let row = store::invoices::lock_settlement(conn, tenant, invoice).await?;
    let store::invoices::SettlementRow {
        customer_id: customer,
        status,
        currency,
        total,
        amount_paid: paid,
        amount_refunded: refunded,
        amount_credited: credited,
    } = row.ok_or_else(|| Error::not_found("invoice", invoice))?;
    Ok(Locked {
        customer: CustomerId(customer),
        status: InvoiceStatus::parse(&status)
            .ok_or_else(|| Error::invalid("status", format!("stored invoice status `{status}` is unknown")))?,
        currency: Currency::from_code(currency.trim())?,
        total,
        paid,
        refunded,
        credited,
    })
}

fn settlement(invoice: InvoiceId, l: &Locked, status: InvoiceStatus, to_balance: i64, replayed: bool) -> Settlement {
    Settlement {
        invoice_id: invoice,
        status,
        amount_paid: Money::from_minor(l.paid, l.currency),
        amount_due: Money::from_minor((l.total - l.paid - l.credited).max(0), l.currency),
        amount_refunded: Money::from_minor(l.refunded, l.currency),
        to_balance: Money::from_minor(to_balance, l.currency),
        replayed,
    }
}

/// Current figures of an invoice, without changing anything.
pub async fn current(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Settlement> {
    let l = lock_invoice(conn, tenant, invoice).await?;
    Ok(settlement(invoice, &l, l.status, 0, false))
}

/// Records money received for an invoice. Run it inside the caller's transaction. An open,
/// uncollectible or paid invoice accepts money (money arriving for a paid invoice becomes credit
/// balance); a draft or void one refuses it.
pub async fn apply_payment(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    amount: Money,
    source: PaymentSource,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<Settlement> {
    if !amount.is_positive() {
        return Err(Error::invalid("amount", "a payment must be greater than zero"));
    }
    if reference.trim().is_empty() {
        return Err(Error::invalid("reference", "a payment needs a reference"));
    }
    let mut l = lock_invoice(conn, tenant, invoice).await?;
    if amount.currency() != l.currency {
        return Err(crate::money::MoneyError::CurrencyMismatch { left: l.currency, right: amount.currency() }.into());
    }
    if matches!(l.status, InvoiceStatus::Draft | InvoiceStatus::Void) {
        return Err(Error::InvoiceNotPayable { status: l.status.as_str().to_string() });
    }
    let due = (l.total - l.paid - l.credited).max(0);
    let applied = amount.minor().min(due);
    let to_balance = amount.minor() - applied;
    let id = Uuid::now_v7();
    let receipt = NewInvoicePayment {
        id,
        invoice,
        amount: amount.minor(),
        currency: l.currency.code(),
        source: source.as_str(),
        reference,
        to_balance,
        received_at: now,
    };
    if !store::invoice_payments::insert_once(conn, tenant, &receipt).await? {
        return Ok(settlement(invoice, &l, l.status, 0, true));
    }
    l.paid += applied;
    let status = if l.paid + l.credited >= l.total { InvoiceStatus::Paid } else { l.status };
    store::invoices::set_paid(conn, tenant, invoice, l.paid, status).await?;
    if status == InvoiceStatus::Paid && l.status != InvoiceStatus::Paid {
        // Money that came in after a failed attempt is recovered revenue (docs/adr/0032).
        let (customer, currency) = (l.customer, l.currency);
        crate::service::recovery::on_paid(conn, tenant, invoice, customer, currency, source, reference, now).await?;
    }
    if to_balance > 0 {
        store::balance::lock_customer(conn, tenant, l.customer).await?;
        store::balance::record(
            conn,
            tenant,
            NewBalanceTransaction {
                customer_id: l.customer,
                amount: Money::from_minor(to_balance, l.currency),
                kind: BalanceKind::Overpayment,
                reference_id: Some(id),
                description: "overpayment",
                now,
            },
        )
        .await?;
    }
    let message = if status == InvoiceStatus::Paid {
        OutboxMessage::InvoicePaid { invoice, amount, source }
    } else {
        OutboxMessage::InvoicePaymentReceived { invoice, amount, source }
    };
    store::outbox::enqueue(conn, tenant, &[message], now).await?;
    Ok(settlement(invoice, &l, status, to_balance, false))
}

/// Records money paid back for an invoice (a refund or a lost dispute). Refuses more than was
/// received net of earlier refunds. The invoice's `amount_paid` goes down and, if something is
/// due again, a paid invoice is open again; `reference` (the refund's or dispute's id) makes a
/// repeat a no-op.
pub async fn record_refund(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    amount: Money,
    source: RefundSource,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<Settlement> {
    if !amount.is_positive() {
        return Err(Error::invalid("amount", "a refund must be greater than zero"));
    }
    let mut l = lock_invoice(conn, tenant, invoice).await?;
    if amount.currency() != l.currency {
        return Err(crate::money::MoneyError::CurrencyMismatch { left: l.currency, right: amount.currency() }.into());
    }
    let id = Uuid::now_v7();
    if store::invoice_payments::exists(conn, tenant, source.as_str(), reference).await? {
        return Ok(settlement(invoice, &l, l.status, 0, true));
    }
    if amount.minor() > l.paid {
        return Err(Error::RefundTooLarge { refundable: l.paid, currency: l.currency });
    }
    let refund = NewInvoicePayment {
        id,
        invoice,
        amount: -amount.minor(),
        currency: l.currency.code(),
        source: source.as_str(),
        reference,
        to_balance: 0,
        received_at: now,
    };
    store::invoice_payments::insert_refund(conn, tenant, &refund).await?;
    l.paid -= amount.minor();
    l.refunded += amount.minor();
    let status = if l.status == InvoiceStatus::Paid && l.paid + l.credited < l.total && source == RefundSource::Dispute
    {
        // A lost dispute leaves the money owed again; a refund the merchant chose to give does not.
        InvoiceStatus::Open
    } else {
        l.status
    };
    store::invoices::set_refunded(conn, tenant, invoice, l.paid, l.refunded, status).await?;
    store::outbox::enqueue(conn, tenant, &[OutboxMessage::InvoiceRefunded { invoice, amount, source }], now).await?;
    Ok(settlement(invoice, &l, status, 0, false))
}
