//! Corrections of finalized invoices: void (cancel one nothing was paid on; its number stays
//! used), uncollectible (write it off, money still accepted) and credit notes (full or partial,
//! their own number series, naming the invoice they correct).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{Connection, PgConnection};

use super::{load_tenant, lock, today};
use crate::country::Country;
use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::invoice::{CreditBase, InvoiceAction, InvoiceStatus, NumberFormat, credit_note_vat};
use crate::money::Money;
use crate::outbox::OutboxMessage;
use crate::rounding::RoundingPolicy;
use crate::store;
use crate::store::balance::{BalanceKind, NewBalanceTransaction};
use crate::store::invoices::Invoice;

/// Voids a finalized invoice that nothing was paid on.
pub async fn void(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, now: DateTime<Utc>) -> Result<Invoice> {
    close(conn, tenant, id, Closing::Void, now).await
}

/// Marks an open invoice uncollectible (bad debt). Payments that still arrive are accepted.
pub async fn mark_uncollectible(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    close(conn, tenant, id, Closing::Uncollectible, now).await
}

/// The two ways a finalized invoice is closed without being paid.
#[derive(Clone, Copy)]
enum Closing {
    Void,
    Uncollectible,
}

impl Closing {
    fn action(self) -> InvoiceAction {
        match self {
            Closing::Void => InvoiceAction::Void,
            Closing::Uncollectible => InvoiceAction::MarkUncollectible,
        }
    }

    fn status(self) -> InvoiceStatus {
        match self {
            Closing::Void => InvoiceStatus::Void,
            Closing::Uncollectible => InvoiceStatus::Uncollectible,
        }
    }

    fn message(self, invoice: InvoiceId) -> OutboxMessage {
        match self {
            Closing::Void => OutboxMessage::InvoiceVoided { invoice },
            Closing::Uncollectible => OutboxMessage::InvoiceMarkedUncollectible { invoice },
        }
    }
}

/// Closes an invoice under its lock, if its status allows it: a void one must have had nothing
/// paid on it; an uncollectible one still accepts money.
async fn close(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    how: Closing,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let mut tx = conn.begin().await?;
    let inv = lock(&mut tx, tenant, id).await?;
    inv.status.guard(how.action())?;
    if matches!(how, Closing::Void) && inv.paid > 0 {
        return Err(Error::InvoiceHasPayments);
    }
    store::invoice_lifecycle::close(&mut tx, tenant, id, how.status(), now).await?;
    store::outbox::enqueue(&mut tx, tenant, &[how.message(id)], now).await?;
    tx.commit().await?;
    super::get(conn, tenant, id).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreditNoteInput {
    /// Gross amount to credit in minor units; default: all that is still creditable.
    #[serde(default)]
    pub amount: Option<i64>,
    /// Why (printed on the document), e.g. "service outage 3-5 March".
    #[serde(default)]
    pub reason: Option<String>,
}

/// A VAT group as stored on the invoice (JSON of `tax::TaxGroup`).
#[derive(Deserialize)]
struct StoredGroup {
    category_code: crate::tax::VatCategory,
    rate: rust_decimal::Decimal,
    country: Option<String>,
    taxable: Money,
    tax: Money,
}

/// Issues a credit note against a finalized invoice. What it credits first reduces what is still
/// due on the invoice; the rest (of a paid invoice, say) goes to the customer's credit balance,
/// which the next invoices consume or which is paid out. The sum of an invoice's credit notes
/// never exceeds its total.
pub async fn credit_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    input: &CreditNoteInput,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let t = load_tenant(conn, tenant).await?;
    let reason = input.reason.as_deref().unwrap_or("").trim().to_string();
    if reason.chars().count() > 500 {
        return Err(Error::invalid("reason", "must be at most 500 characters"));
    }
    let mut tx = conn.begin().await?;
    let inv = lock(&mut tx, tenant, id).await?;
    inv.status.guard(InvoiceAction::Credit)?;
    if inv.kind == "credit_note" || inv.total <= 0 {
        return Err(Error::invalid("invoice", "only an invoice with a positive total can be credited"));
    }
    let already = store::invoice_lifecycle::credited_so_far(&mut tx, tenant, id).await?;
    let creditable = inv.total - already;
    let amount = input.amount.unwrap_or(creditable);
    if amount <= 0 {
        return Err(Error::invalid("amount", "must be greater than zero"));
    }
    if amount > creditable {
        return Err(Error::CreditExceedsInvoice { creditable: creditable.max(0), currency: inv.currency });
    }
    let original = store::invoices::get(&mut tx, tenant, id).await?.ok_or_else(|| Error::not_found("invoice", id))?;
    let stored: Vec<StoredGroup> = serde_json::from_value(original.tax_groups.clone())
        .map_err(|e| Error::invalid("tax_groups", format!("stored VAT groups are unreadable: {e}")))?;
    let bases: Vec<CreditBase> = stored
        .into_iter()
        .map(|g| {
            Ok(CreditBase {
                decision: crate::tax::TaxDecision {
                    category_code: g.category_code,
                    rate: g.rate,
                    country: g.country.as_deref().map(Country::parse).transpose()?,
                    notice: None,
                    rule: "credit_note",
                },
                gross: g.taxable.checked_add(g.tax)?,
            })
        })
        .collect::<Result<_>>()?;
    let vat = credit_note_vat(Money::from_minor(amount, inv.currency), &bases, RoundingPolicy::default())?;
    // The note follows its invoice's behaviour: an inclusive invoice's lines showed VAT-inclusive
    // amounts, so its credit note's lines do too (the VAT split per group is the same either way).
    let inclusive = original.tax_behavior.includes_tax();

    let issue_date = today(&t, now);
    let format = NumberFormat::parse(&t.credit_note_number_format)?;
    let series = format.series(issue_date);
    let sequence = store::invoices::reserve_numbers(&mut tx, tenant, &series, 1).await?;
    let number = format.render(issue_date, sequence);
    let note = InvoiceId::new();
    let original_number = inv.number.clone().unwrap_or_default();
    // Settled at once: it reduces the invoice's due amount or credits the balance below.
    let credit_note = store::invoice_lifecycle::NewCreditNote {
        id: note,
        customer: inv.customer,
        subscription: original.subscription_id,
        series: &series,
        sequence,
        number: &number,
        currency: inv.currency.code(),
        subtotal: if inclusive { vat.gross_total.minor() } else { vat.net_total.minor() },
        tax: vat.tax_total.minor(),
        total: vat.gross_total.minor(),
        period_start: original.period_start,
        period_end: original.period_end,
        issue_date,
        customer_name: &original.customer_name,
        customer_email: &original.customer_email,
        customer_country: &original.customer_country,
        tax_groups: serde_json::to_value(&vat.groups).unwrap_or_default(),
        tax_notices: &original.tax_notices,
        customer_vat_id: original.customer_vat_id.as_deref(),
        seller_vat_id: original.seller_vat_id.as_deref(),
        memo: &reason,
        credit_note_for: id,
        tax_behavior: original.tax_behavior.as_str(),
        now,
    };
    store::invoice_lifecycle::insert_credit_note(&mut tx, tenant, &credit_note).await?;
    for (i, g) in vat.groups.iter().enumerate() {
        let description = if reason.is_empty() {
            format!("Credit for invoice {original_number}")
        } else {
            format!("Credit for invoice {original_number}: {reason}")
        };
        let amount = if inclusive { g.taxable.checked_add(g.tax)?.minor() } else { g.taxable.minor() };
        store::invoice_lifecycle::insert_credit_line(
            &mut tx,
            tenant,
            note,
            i as i32 + 1,
            &description,
            amount,
            g.category_code.code(),
            g.rate,
        )
        .await?;
    }
    store::invoices::freeze_parties(&mut tx, tenant, &[note.as_uuid()]).await?;
    store::invoice_lifecycle::set_original(&mut tx, tenant, note, id).await?;
    // First against what is still due on the invoice, the rest to the credit balance.
    let due = if matches!(inv.status, InvoiceStatus::Open | InvoiceStatus::Uncollectible) {
        (inv.total - inv.paid - inv.credited).max(0)
    } else {
        0
    };
    let to_invoice = amount.min(due);
    let to_balance = amount - to_invoice;
    if to_invoice > 0 {
        store::invoice_lifecycle::add_credited(&mut tx, tenant, id, to_invoice).await?;
    }
    if to_balance > 0 {
        credit_balance_for_note(
            &mut tx,
            tenant,
            inv.customer,
            Money::from_minor(to_balance, inv.currency),
            note,
            &number,
            now,
        )
        .await?;
    }
    let issued = OutboxMessage::CreditNoteIssued { invoice: note, number: number.clone(), credit_note_for: Some(id) };
    store::outbox::enqueue(&mut tx, tenant, &[issued], now).await?;
    tx.commit().await?;
    super::get(conn, tenant, note).await
}

/// Credits a credit note's amount to the customer's balance (once per credit note).
pub(crate) async fn credit_balance_for_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: crate::ids::CustomerId,
    amount: Money,
    note: InvoiceId,
    number: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    store::balance::lock_customer(conn, tenant, customer).await?;
    store::balance::record(
        conn,
        tenant,
        NewBalanceTransaction {
            customer_id: customer,
            amount,
            kind: BalanceKind::CreditNote,
            reference_id: Some(note.as_uuid()),
            description: number,
            now,
        },
    )
    .await?;
    Ok(())
}
