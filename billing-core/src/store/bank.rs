//! Bank transfer storage: the tenant's receiving account (`tenant_bank_accounts`) and imported
//! bank statements with the outcome of every entry (`bank_statement_imports`, `bank_statement_entries`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::currency::Currency;
use crate::error::Result;
use crate::ids::{BankStatementId, InvoiceId, TenantId};
use crate::money::Money;

/// The account customers pay into. Values are validated by the caller before they are stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BankAccount {
    pub iban: String,
    pub bic: Option<String>,
    pub holder: String,
}

pub async fn upsert_account(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: &BankAccount,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenant_bank_accounts (tenant_id, iban, bic, holder, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE SET iban = $2, bic = $3, holder = $4, updated_at = $5",
    )
    .bind(tenant)
    .bind(&account.iban)
    .bind(&account.bic)
    .bind(&account.holder)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn account(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<BankAccount>> {
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT iban, bic, holder FROM tenant_bank_accounts WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(iban, bic, holder)| BankAccount { iban, bic, holder }))
}

/// An invoice a transfer can pay: finalized, not a credit note, with something still due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    pub id: InvoiceId,
    pub number: String,
    pub amount_due: Money,
}

pub async fn open_invoices(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<OpenInvoice>> {
    let rows: Vec<(Uuid, String, String, i64)> = sqlx::query_as(
        "SELECT id, number, currency::text, total - amount_paid FROM invoices
         WHERE tenant_id = $1 AND status IN ('open', 'uncollectible') AND kind <> 'credit_note'
           AND number IS NOT NULL AND total > amount_paid
         ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, number, currency, due)| {
            let currency = Currency::from_code(currency.trim()).map_err(|e| corrupt("invoice currency", e))?;
            Ok(OpenInvoice { id: InvoiceId(id), number, amount_due: Money::from_minor(due, currency) })
        })
        .collect()
}

/// The invoice a bank-transfer receipt with `reference` was recorded for, if it was.
pub async fn recorded_transfer(
    conn: &mut PgConnection,
    tenant: TenantId,
    reference: &str,
) -> Result<Option<InvoiceId>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "SELECT invoice_id FROM invoice_payments WHERE tenant_id = $1 AND source = 'bank_transfer' AND reference = $2",
    )
    .bind(tenant)
    .bind(reference)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id.map(InvoiceId))
}

/// One statement entry as stored, with what the import did with it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EntryRow {
    pub line_no: i32,
    pub booking_date: NaiveDate,
    pub amount: Money,
    pub counterparty_name: Option<String>,
    pub counterparty_iban: Option<String>,
    pub remittance: String,
    pub reference: String,
    pub outcome: String,
    pub invoice_id: Option<InvoiceId>,
    pub candidates: Vec<InvoiceId>,
    pub to_balance: Money,
    /// When a person assigned this entry to its invoice (`None`: matched by the import).
    pub assigned_at: Option<DateTime<Utc>>,
}

pub async fn insert_import(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: BankStatementId,
    format: &str,
    sha256: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO bank_statement_imports (tenant_id, id, format, sha256, imported_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(id)
    .bind(format)
    .bind(sha256)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_entry(
    conn: &mut PgConnection,
    tenant: TenantId,
    import: BankStatementId,
    e: &EntryRow,
) -> Result<()> {
    let candidates: Vec<Uuid> = e.candidates.iter().map(|c| c.0).collect();
    sqlx::query(
        "INSERT INTO bank_statement_entries (tenant_id, import_id, line_no, booking_date, amount, currency,
             counterparty_name, counterparty_iban, remittance, reference, outcome, invoice_id, candidates, to_balance)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant)
    .bind(import)
    .bind(e.line_no)
    .bind(e.booking_date)
    .bind(e.amount.minor())
    .bind(e.amount.currency().code())
    .bind(&e.counterparty_name)
    .bind(&e.counterparty_iban)
    .bind(&e.remittance)
    .bind(&e.reference)
    .bind(&e.outcome)
    .bind(e.invoice_id)
    .bind(&candidates)
    .bind(e.to_balance.minor())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An import's header: format, file digest and when it happened.
pub async fn import_header(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: BankStatementId,
) -> Result<Option<(String, String, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT format, sha256, imported_at FROM bank_statement_imports WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

type EntryTuple = (
    i32,
    NaiveDate,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<Uuid>,
    Vec<Uuid>,
    i64,
    Option<DateTime<Utc>>,
);

pub async fn entries(conn: &mut PgConnection, tenant: TenantId, id: BankStatementId) -> Result<Vec<EntryRow>> {
    let rows: Vec<EntryTuple> = sqlx::query_as(
        "SELECT line_no, booking_date, amount, currency::text, counterparty_name, counterparty_iban, remittance,
                reference, outcome, invoice_id, candidates, to_balance, assigned_at
         FROM bank_statement_entries WHERE tenant_id = $1 AND import_id = $2 ORDER BY line_no",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(
            |(
                line_no,
                booking_date,
                amount,
                currency,
                name,
                iban,
                remittance,
                reference,
                outcome,
                invoice,
                cands,
                bal,
                assigned_at,
            )| {
                let currency = Currency::from_code(currency.trim()).map_err(|e| corrupt("statement currency", e))?;
                Ok(EntryRow {
                    line_no,
                    booking_date,
                    amount: Money::from_minor(amount, currency),
                    counterparty_name: name,
                    counterparty_iban: iban,
                    remittance,
                    reference,
                    outcome,
                    invoice_id: invoice.map(InvoiceId),
                    candidates: cands.into_iter().map(InvoiceId).collect(),
                    to_balance: Money::from_minor(bal, currency),
                    assigned_at,
                })
            },
        )
        .collect()
}

/// One entry, locked for the rest of the transaction: (outcome, signed amount, reference).
pub async fn lock_entry(
    conn: &mut PgConnection,
    tenant: TenantId,
    import: BankStatementId,
    line_no: i32,
) -> Result<Option<(String, Money, String)>> {
    let row: Option<(String, i64, String, String)> = sqlx::query_as(
        "SELECT outcome, amount, currency::text, reference FROM bank_statement_entries
         WHERE tenant_id = $1 AND import_id = $2 AND line_no = $3 FOR UPDATE",
    )
    .bind(tenant)
    .bind(import)
    .bind(line_no)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(outcome, amount, currency, reference)| {
        let currency = Currency::from_code(currency.trim()).map_err(|e| corrupt("statement currency", e))?;
        Ok((outcome, Money::from_minor(amount, currency), reference))
    })
    .transpose()
}

/// What a person's assignment of an entry did.
pub struct Assignment<'a> {
    pub outcome: &'a str,
    pub invoice: InvoiceId,
    pub to_balance: Money,
    pub at: DateTime<Utc>,
}

/// Records that a person settled an entry against an invoice.
pub async fn record_assignment(
    conn: &mut PgConnection,
    tenant: TenantId,
    import: BankStatementId,
    line_no: i32,
    a: &Assignment<'_>,
) -> Result<()> {
    sqlx::query(
        "UPDATE bank_statement_entries SET outcome = $4, invoice_id = $5, to_balance = $6, assigned_at = $7
         WHERE tenant_id = $1 AND import_id = $2 AND line_no = $3",
    )
    .bind(tenant)
    .bind(import)
    .bind(line_no)
    .bind(a.outcome)
    .bind(a.invoice)
    .bind(a.to_balance.minor())
    .bind(a.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A statement import as the console lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportSummary {
    pub id: BankStatementId,
    pub format: String,
    pub imported_at: DateTime<Utc>,
    pub entries: i64,
    /// Credits still waiting for a person (unmatched or ambiguous).
    pub open: i64,
}

/// The tenant's newest statement imports.
pub async fn imports(conn: &mut PgConnection, tenant: TenantId, limit: i64) -> Result<Vec<ImportSummary>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.format, i.imported_at,
                (SELECT count(*) FROM bank_statement_entries e WHERE e.tenant_id = i.tenant_id AND e.import_id = i.id)
                  AS entries,
                (SELECT count(*) FROM bank_statement_entries e WHERE e.tenant_id = i.tenant_id AND e.import_id = i.id
                    AND e.outcome IN ('unmatched', 'ambiguous')) AS open
           FROM bank_statement_imports i WHERE i.tenant_id = $1 ORDER BY i.imported_at DESC, i.id DESC LIMIT $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
