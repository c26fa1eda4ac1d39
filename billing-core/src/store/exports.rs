//! Exports for accountants: the DATEV settings of a tenant, the VAT groups of the documents a
//! Buchungsstapel books, and the rows of the invoice, credit note and payment CSV exports.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::corrupt;
use crate::datev::{DatevSettings, RevenueAccounts, Skr};
use crate::error::Result;
use crate::ids::TenantId;

pub async fn datev_settings(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<DatevSettings>> {
    let row: Option<(i32, i32, i32, i32, String, serde_json::Value, String)> = sqlx::query_as(
        "SELECT consultant_number, client_number, fiscal_year_start_month, account_length, receivables_account, revenue_accounts, skr
           FROM datev_settings WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?;
    row.map(|(consultant, client, fy, len, receivables, revenue, skr)| {
        Ok(DatevSettings {
            consultant_number: consultant.max(0) as u32,
            client_number: client.max(0) as u32,
            fiscal_year_start_month: fy.max(1) as u32,
            account_length: len.max(4) as u32,
            receivables_account: receivables,
            revenue_accounts: serde_json::from_value::<RevenueAccounts>(revenue)
                .map_err(|e| corrupt("DATEV revenue accounts", e))?,
            skr: Skr::parse(&skr).map_err(|e| corrupt("DATEV chart of accounts", e))?,
        })
    })
    .transpose()
}

pub async fn put_datev_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &DatevSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    let accounts = serde_json::to_value(&s.revenue_accounts).map_err(|e| corrupt("DATEV revenue accounts", e))?;
    sqlx::query(
        "INSERT INTO datev_settings (tenant_id, consultant_number, client_number, fiscal_year_start_month, account_length,
                                     receivables_account, revenue_accounts, updated_at, skr)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id) DO UPDATE SET consultant_number = EXCLUDED.consultant_number,
             client_number = EXCLUDED.client_number, fiscal_year_start_month = EXCLUDED.fiscal_year_start_month,
             account_length = EXCLUDED.account_length, receivables_account = EXCLUDED.receivables_account,
             revenue_accounts = EXCLUDED.revenue_accounts, updated_at = EXCLUDED.updated_at, skr = EXCLUDED.skr",
    )
    .bind(tenant)
    .bind(s.consultant_number as i32)
    .bind(s.client_number as i32)
    .bind(s.fiscal_year_start_month as i32)
    .bind(s.account_length as i32)
    .bind(&s.receivables_account)
    .bind(accounts)
    .bind(now)
    .bind(s.skr.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// One VAT group of a finalized document issued in the range (an invoice or credit note without
/// groups yields one group for its whole total).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentGroup {
    pub number: String,
    pub kind: String,
    pub issue_date: NaiveDate,
    pub currency: String,
    pub customer_name: String,
    pub customer_country: String,
    pub customer_vat_id: Option<String>,
    pub category: Option<String>,
    pub rate: Option<Decimal>,
    pub vat_country: Option<String>,
    /// Net and VAT of the group in minor units (negative on a credit note).
    pub taxable: i64,
    pub tax: i64,
    /// Units of the document's currency per EUR, when it was converted at issue.
    pub per_eur: Option<Decimal>,
}

pub async fn document_groups(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DocumentGroup>> {
    Ok(sqlx::query_as(
        "SELECT i.number, i.kind, i.issue_date, i.currency::text AS currency, i.customer_name,
                i.customer_country::text AS customer_country, i.customer_vat_id,
                g->>'category_code' AS category, (g->>'rate')::numeric AS rate, g->>'country' AS vat_country,
                COALESCE((g->'taxable'->>'amount')::bigint, i.total - i.tax) AS taxable,
                COALESCE((g->'tax'->>'amount')::bigint, i.tax) AS tax,
                i.fx_invoice_per_eur AS per_eur
           FROM invoices i
           LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_array_length(i.tax_groups) > 0 THEN i.tax_groups END) g ON true
          WHERE i.tenant_id = $1 AND i.status NOT IN ('draft', 'void') AND i.number IS NOT NULL
            AND i.issue_date BETWEEN $2 AND $3
          ORDER BY i.issue_date, i.series, i.sequence, g->>'category_code', (g->>'rate')::numeric DESC",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// A row of the invoice and credit note CSV exports.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub number: String,
    pub kind: String,
    pub status: String,
    pub issue_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub customer_id: uuid::Uuid,
    pub customer_name: String,
    pub customer_country: String,
    pub customer_vat_id: Option<String>,
    pub currency: String,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub amount_paid: i64,
    pub credit_note_for: Option<String>,
}

/// Finalized documents issued in `[from, to]`; `credit_notes` picks credit notes or the rest.
pub async fn documents(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
    credit_notes: bool,
) -> Result<Vec<DocumentRow>> {
    Ok(sqlx::query_as(
        "SELECT i.number, i.kind, i.status, i.issue_date, i.due_date, i.customer_id, i.customer_name,
                i.customer_country::text AS customer_country, i.customer_vat_id, i.currency::text AS currency,
                i.subtotal, i.discount, i.tax, i.total, i.amount_paid, o.number AS credit_note_for
           FROM invoices i
           LEFT JOIN invoices o ON o.tenant_id = i.tenant_id AND o.id = i.credit_note_for
          WHERE i.tenant_id = $1 AND i.status <> 'draft' AND i.number IS NOT NULL
            AND i.issue_date BETWEEN $2 AND $3 AND ((i.kind = 'credit_note') = $4)
          ORDER BY i.issue_date, i.series, i.sequence",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(credit_notes)
    .fetch_all(conn)
    .await?)
}

/// A row of the payment CSV export: money received on (or refunded from) an invoice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub received_at: DateTime<Utc>,
    pub invoice_number: Option<String>,
    pub customer_id: uuid::Uuid,
    pub source: String,
    pub reference: String,
    pub currency: String,
    pub amount: i64,
    pub to_balance: i64,
}

pub async fn payments(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<PaymentRow>> {
    Ok(sqlx::query_as(
        "SELECT p.received_at, i.number AS invoice_number, i.customer_id, p.source, p.reference,
                p.currency::text AS currency, p.amount, p.to_balance
           FROM invoice_payments p JOIN invoices i ON i.tenant_id = p.tenant_id AND i.id = p.invoice_id
          WHERE p.tenant_id = $1 AND p.received_at >= $2 AND p.received_at < $3
          ORDER BY p.received_at, p.id",
    )
    .bind(tenant)
    .bind(from)
    .bind(until)
    .fetch_all(conn)
    .await?)
}
