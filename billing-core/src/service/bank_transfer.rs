//! Bank transfer: the tenant's receiving account, staff marking an invoice paid, and reconciling an
//! imported bank statement against open invoices.
//!
//! Statement parsing and reference matching are provider-side knowledge and live in
//! gateway-adapters; the web layer parses, and hands the entries and a matcher in here, where the
//! receipts are settled in the caller's transaction. Every receipt goes through
//! [`settlement::apply_payment`] under the entry's reference, so a statement imported twice (or
//! two overlapping statements) settles each transfer once.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{BankStatementId, InvoiceId, TenantId};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::service::settlement::{self, PaymentSource, Settlement};
use crate::store;
pub use crate::store::bank::{BankAccount, EntryRow, OpenInvoice};

/// Stores the tenant's receiving account. The caller has validated IBAN and BIC (their check
/// digits are bank knowledge that lives with the statement parsers).
pub async fn set_account(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: BankAccount,
    now: DateTime<Utc>,
) -> Result<BankAccount> {
    let holder = account.holder.trim().to_owned();
    if holder.is_empty() || holder.chars().count() > 70 {
        return Err(Error::invalid("holder", "the account holder must have 1 to 70 characters"));
    }
    let account = BankAccount { holder, ..account };
    store::bank::upsert_account(conn, tenant, &account, now).await?;
    Ok(account)
}

pub async fn account(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<BankAccount>> {
    store::bank::account(conn, tenant).await
}

pub async fn open_invoices(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<OpenInvoice>> {
    store::bank::open_invoices(conn, tenant).await
}

/// A staff member records money received outside the system (partial amounts allowed). Without a
/// reference every call is a new receipt; with one, repeating the call records nothing new.
pub async fn mark_paid(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    amount: Money,
    reference: Option<&str>,
    paid_at: DateTime<Utc>,
) -> Result<Settlement> {
    let reference = match reference.map(str::trim) {
        Some(r) if !r.is_empty() => r.to_owned(),
        _ => format!("manual-{}", Uuid::now_v7()),
    };
    settlement::apply_payment(conn, tenant, invoice, amount, PaymentSource::Manual, &reference, paid_at).await
}

/// One statement entry, parsed by the caller.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub booking_date: NaiveDate,
    /// Signed: positive is money in.
    pub amount: Money,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub remittance: String,
    /// The reference the receipt is recorded under: stable for the same booking across imports.
    pub reference: String,
}

/// What the caller's matcher made of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryMatch {
    Invoice(InvoiceId),
    /// Several invoices fit equally well: a person must decide.
    Ambiguous(Vec<InvoiceId>),
    Unmatched,
}

/// An import and what happened to each of its entries.
#[derive(Debug, Clone, Serialize)]
pub struct StatementImport {
    pub id: BankStatementId,
    pub format: String,
    pub sha256: String,
    pub imported_at: DateTime<Utc>,
    pub matched: usize,
    pub unmatched: usize,
    pub ambiguous: usize,
    pub entries: Vec<EntryRow>,
}

impl StatementImport {
    fn new(
        id: BankStatementId,
        format: String,
        sha256: String,
        imported_at: DateTime<Utc>,
        entries: Vec<EntryRow>,
    ) -> Self {
        let count = |pred: &dyn Fn(&str) -> bool| entries.iter().filter(|e| pred(&e.outcome)).count();
        StatementImport {
            id,
            format,
            sha256,
            imported_at,
            matched: count(&|o| matches!(o, "paid" | "partially_paid" | "overpaid" | "already_recorded")),
            unmatched: count(&|o| o == "unmatched"),
            ambiguous: count(&|o| o == "ambiguous"),
            entries,
        }
    }
}

/// Reconciles a parsed statement: each credit is matched by `matcher` against the open invoices
/// and settled as a bank transfer under its reference; the import and every entry's outcome are
/// stored. Run it in a transaction: a failure leaves neither payments nor the import behind.
pub async fn import_statement(
    conn: &mut PgConnection,
    tenant: TenantId,
    format: &str,
    sha256: &str,
    entries: Vec<NewEntry>,
    matcher: &(dyn Fn(&NewEntry, &[OpenInvoice]) -> EntryMatch + Sync),
    now: DateTime<Utc>,
) -> Result<StatementImport> {
    let id = BankStatementId::new();
    store::bank::insert_import(conn, tenant, id, format, sha256, now).await?;
    let mut open = store::bank::open_invoices(conn, tenant).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let line_no = i32::try_from(index + 1).map_err(|_| Error::invalid("statement", "too many entries"))?;
        let mut row = EntryRow {
            line_no,
            booking_date: entry.booking_date,
            amount: entry.amount,
            counterparty_name: entry.counterparty_name.clone(),
            counterparty_iban: entry.counterparty_iban.clone(),
            remittance: entry.remittance.clone(),
            reference: entry.reference.clone(),
            outcome: String::new(),
            invoice_id: None,
            candidates: Vec::new(),
            to_balance: Money::zero(entry.amount.currency()),
            assigned_at: None,
        };
        if !entry.amount.is_positive() {
            row.outcome = "not_a_credit".into();
        } else if let Some(invoice) = store::bank::recorded_transfer(conn, tenant, &entry.reference).await? {
            // Settled by an earlier import: the invoice is no longer open, so matching would now
            // call it unmatched. Say what really happened to it.
            row.outcome = "already_recorded".into();
            row.invoice_id = Some(invoice);
        } else {
            match matcher(&entry, &open) {
                EntryMatch::Invoice(invoice) => {
                    let result = settlement::apply_payment(
                        conn,
                        tenant,
                        invoice,
                        entry.amount,
                        PaymentSource::BankTransfer,
                        &entry.reference,
                        now,
                    )
                    .await;
                    match result {
                        Ok(s) => {
                            row.outcome = outcome(&s).into();
                            row.invoice_id = Some(invoice);
                            row.to_balance = s.to_balance;
                            // Later entries of this statement see what is left to pay.
                            open.iter_mut().filter(|o| o.id == invoice).for_each(|o| o.amount_due = s.amount_due);
                        }
                        // The invoice was voided or is a draft: money for it needs a person.
                        Err(Error::InvoiceNotPayable { .. }) => row.outcome = "unmatched".into(),
                        Err(e) => return Err(e),
                    }
                }
                EntryMatch::Ambiguous(candidates) => {
                    row.outcome = "ambiguous".into();
                    row.candidates = candidates;
                }
                EntryMatch::Unmatched => row.outcome = "unmatched".into(),
            }
        }
        store::bank::insert_entry(conn, tenant, id, &row).await?;
        rows.push(row);
    }
    Ok(StatementImport::new(id, format.to_owned(), sha256.to_owned(), now, rows))
}

fn outcome(s: &Settlement) -> &'static str {
    if s.replayed {
        "already_recorded"
    } else if s.to_balance.is_positive() {
        "overpaid"
    } else if s.status == InvoiceStatus::Paid {
        "paid"
    } else {
        "partially_paid"
    }
}

/// Settles a credit the import could not place (unmatched, or ambiguous between invoices) against
/// the invoice a person chose, under the entry's own reference, so that re-importing the statement
/// later finds it recorded. Anything else (already matched, a debit) is refused and changes nothing.
pub async fn assign_entry(
    conn: &mut PgConnection,
    tenant: TenantId,
    import: BankStatementId,
    line_no: i32,
    invoice: InvoiceId,
    now: DateTime<Utc>,
) -> Result<StatementImport> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let (current, amount, reference) = store::bank::lock_entry(&mut tx, tenant, import, line_no)
        .await?
        .ok_or_else(|| Error::not_found("bank statement entry", format!("{import}/{line_no}")))?;
    if !matches!(current.as_str(), "unmatched" | "ambiguous") || !amount.is_positive() {
        return Err(Error::StatementEntrySettled { outcome: current });
    }
    let s = settlement::apply_payment(&mut tx, tenant, invoice, amount, PaymentSource::BankTransfer, &reference, now)
        .await?;
    let assignment = store::bank::Assignment { outcome: outcome(&s), invoice, to_balance: s.to_balance, at: now };
    store::bank::record_assignment(&mut tx, tenant, import, line_no, &assignment).await?;
    tx.commit().await?;
    get_import(conn, tenant, import).await
}

pub async fn get_import(conn: &mut PgConnection, tenant: TenantId, id: BankStatementId) -> Result<StatementImport> {
    let (format, sha256, imported_at) =
        store::bank::import_header(conn, tenant, id).await?.ok_or_else(|| Error::not_found("bank statement", id))?;
    let entries = store::bank::entries(conn, tenant, id).await?;
    Ok(StatementImport::new(id, format, sha256, imported_at, entries))
}

pub use crate::store::bank::ImportSummary;

/// The tenant's 50 newest statement imports with their entries still to assign.
pub async fn recent_imports(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<ImportSummary>> {
    store::bank::imports(conn, tenant, 50).await
}
