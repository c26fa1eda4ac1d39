//! The statements that move one invoice through its life: a staff draft and its lines, the VAT
//! and totals written at finalization, the number and frozen details, void and uncollectible,
//! credit notes. Reads and the invoice run's batch writes are in [`super::invoices`].

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::fx::Conversion;
use crate::ids::{CustomerId, InvoiceId, SubscriptionId, TenantId};
use crate::invoice::InvoiceStatus;

/// The row of an invoice that a transition needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransitionRow {
    pub customer_id: Uuid,
    pub status: String,
    pub kind: String,
    pub currency: String,
    pub total: i64,
    pub amount_paid: i64,
    pub amount_credited: i64,
    pub number: Option<String>,
}

/// The invoice's [`TransitionRow`], locked: the FOR UPDATE serializes racing transitions.
pub async fn lock_for_transition(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
) -> Result<Option<TransitionRow>> {
    Ok(sqlx::query_as(
        "SELECT customer_id, status, kind, currency::text AS currency, total, amount_paid, amount_credited, number
         FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// A staff draft about to be stored (its lines follow with [`insert_one_off_line`]).
pub struct NewDraft<'a> {
    pub id: InvoiceId,
    pub customer: CustomerId,
    pub currency: &'a str,
    pub customer_name: &'a str,
    pub customer_email: &'a str,
    pub customer_country: &'a str,
    pub customer_vat_id: Option<String>,
    pub memo: &'a str,
    pub auto_finalize_at: Option<DateTime<Utc>>,
    pub tax_behavior: &'a str,
    /// Half-open `[start, end)`.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub now: DateTime<Utc>,
}

pub async fn insert_draft(conn: &mut PgConnection, tenant: TenantId, d: &NewDraft<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO invoices (tenant_id, id, customer_id, status, kind, currency, subtotal, tax, total,
             customer_name, customer_email, customer_country, customer_vat_id, created_at, memo, auto_finalize_at, tax_behavior,
             period_start, period_end)
         VALUES ($1, $2, $3, 'draft', 'manual', $4, 0, 0, 0, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant)
    .bind(d.id)
    .bind(d.customer)
    .bind(d.currency)
    .bind(d.customer_name)
    .bind(d.customer_email)
    .bind(d.customer_country)
    .bind(&d.customer_vat_id)
    .bind(d.now)
    .bind(d.memo)
    .bind(d.auto_finalize_at)
    .bind(d.tax_behavior)
    .bind(d.period.map(|p| p.0))
    .bind(d.period.map(|p| p.1))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A one-off line of a staff draft.
pub struct NewOneOffLine<'a> {
    pub line_no: i32,
    pub description: &'a str,
    pub quantity: i64,
    pub unit: i64,
    pub amount: i64,
    pub tax_category: &'a str,
    /// Half-open `[start, end)`.
    pub period: Option<(NaiveDate, NaiveDate)>,
}

pub async fn insert_one_off_line(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    l: &NewOneOffLine<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO invoice_lines (tenant_id, invoice_id, line_no, kind, description, quantity, unit_amount, amount, tax_category,
             period_start, period_end)
         VALUES ($1, $2, $3, 'one_off', $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(l.line_no)
    .bind(l.description)
    .bind(Decimal::from(l.quantity))
    .bind(l.unit)
    .bind(l.amount)
    .bind(l.tax_category)
    .bind(l.period.map(|p| p.0))
    .bind(l.period.map(|p| p.1))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The draft's tax behaviour as stored (`exclusive` or `inclusive`).
pub async fn tax_behavior(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT tax_behavior FROM invoices WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The highest line number of an invoice, if it has lines.
pub async fn last_line_no(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<i32>> {
    Ok(sqlx::query_scalar("SELECT max(line_no) FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Removes one line; false when there was no such line.
pub async fn delete_line(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, line_no: i32) -> Result<bool> {
    let removed = sqlx::query("DELETE FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2 AND line_no = $3")
        .bind(tenant)
        .bind(id)
        .bind(line_no)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(removed > 0)
}

/// Deletes a draft with its lines (a finalized invoice is never deleted).
pub async fn delete_draft(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<()> {
    sqlx::query("DELETE FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM invoices WHERE tenant_id = $1 AND id = $2 AND status = 'draft'")
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What deciding a draft's VAT reads of the invoice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VatHead {
    pub customer_id: Uuid,
    pub currency: String,
    pub tax_behavior: String,
    pub kind: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

pub async fn vat_head(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<VatHead> {
    Ok(sqlx::query_as(
        "SELECT customer_id, currency::text AS currency, tax_behavior, kind, period_start, period_end
         FROM invoices WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}

/// A line as deciding its VAT reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VatLine {
    pub line_no: i32,
    /// The amount after the line's discount.
    pub net: i64,
    pub tax_category: Option<String>,
    pub kind: String,
    pub period_end: Option<NaiveDate>,
}

pub async fn vat_lines(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Vec<VatLine>> {
    Ok(sqlx::query_as(
        "SELECT line_no, amount - discount AS net, tax_category, kind, period_end FROM invoice_lines
         WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY line_no",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The invoice's tax rule (that of its largest line).
pub async fn set_tax_rule(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, rule: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE invoices SET tax_rule = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(rule)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A line's VAT category code and rate.
pub async fn set_line_vat(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    line_no: i32,
    category: &str,
    rate: Decimal,
) -> Result<()> {
    sqlx::query(
        "UPDATE invoice_lines SET vat_category = $4, vat_rate = $5 WHERE tenant_id = $1 AND invoice_id = $2 AND line_no = $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(line_no)
    .bind(category)
    .bind(rate)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A draft's totals from its net, its tax, the VAT groups and notices; the discount and subtotal
/// follow from the lines (the subtotal is before discounts, as entered: net on an exclusive draft,
/// VAT included on an inclusive one; see the invoices_total CHECK).
pub async fn set_totals(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    net: i64,
    tax: i64,
    groups: &serde_json::Value,
    notices: &[String],
) -> Result<()> {
    sqlx::query(
        "UPDATE invoices i SET discount = l.discount, tax = $4, total = $3 + $4, tax_groups = $5, tax_notices = $6,
             subtotal = CASE WHEN i.tax_behavior = 'inclusive' THEN $3 + $4 ELSE $3 END + l.discount
         FROM (SELECT COALESCE(SUM(discount), 0)::bigint AS discount FROM invoice_lines
               WHERE tenant_id = $1 AND invoice_id = $2) l
         WHERE i.tenant_id = $1 AND i.id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(net)
    .bind(tax)
    .bind(groups)
    .bind(notices)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// States the supply on the issue date where the draft named none: the invoice's span when neither
/// it nor any line names one; else each undated one-off line's, so the document's span does not
/// claim them for the dated lines' period.
pub async fn default_supply_dates(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    issue_date: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "UPDATE invoices i SET period_start = $3, period_end = $3 + 1 WHERE i.tenant_id = $1 AND i.id = $2
           AND i.period_start IS NULL AND i.kind <> 'subscription'
           AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice_id = i.id
                           AND l.period_start IS NOT NULL)",
    )
    .bind(tenant)
    .bind(id)
    .bind(issue_date)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE invoice_lines l SET period_start = $3, period_end = $3 + 1
         WHERE l.tenant_id = $1 AND l.invoice_id = $2 AND l.period_start IS NULL AND l.kind = 'one_off'
           AND EXISTS (SELECT 1 FROM invoices i WHERE i.tenant_id = $1 AND i.id = $2
                       AND i.period_start IS NULL AND i.kind <> 'subscription')
           AND EXISTS (SELECT 1 FROM invoice_lines o WHERE o.tenant_id = $1 AND o.invoice_id = $2
                       AND o.period_start IS NOT NULL)",
    )
    .bind(tenant)
    .bind(id)
    .bind(issue_date)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What finalization writes onto a draft: its number, dates, the frozen buyer and seller details
/// and the Art. 230 statement.
pub struct Finalized<'a> {
    pub series: &'a str,
    pub sequence: i64,
    pub number: &'a str,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub payment_terms_days: i32,
    pub customer_name: &'a str,
    pub customer_email: &'a str,
    pub customer_country: &'a str,
    pub customer_vat_id: Option<String>,
    pub seller_vat_id: Option<String>,
    pub national: Option<&'a Conversion>,
    pub now: DateTime<Utc>,
}

pub async fn mark_finalized(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, f: &Finalized<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE invoices SET status = 'open', series = $3, sequence = $4, number = $5, issue_date = $6, due_date = $7,
             payment_terms_days = $8, customer_name = $9, customer_email = $10, customer_country = $11,
             customer_vat_id = $12, seller_vat_id = $13, finalized_at = $14, auto_finalize_at = NULL,
             vat_national_currency = $15, vat_national_amount = $16, fx_rate = $17, fx_rate_date = $18,
             fx_invoice_per_eur = $19, fx_national_per_eur = $20
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(f.series)
    .bind(f.sequence)
    .bind(f.number)
    .bind(f.issue_date)
    .bind(f.due_date)
    .bind(f.payment_terms_days)
    .bind(f.customer_name)
    .bind(f.customer_email)
    .bind(f.customer_country)
    .bind(&f.customer_vat_id)
    .bind(&f.seller_vat_id)
    .bind(f.now)
    .bind(f.national.map(|c| c.amount.currency().code()))
    .bind(f.national.map(|c| c.amount.minor()))
    .bind(f.national.map(|c| c.rate))
    .bind(f.national.map(|c| c.rate_date))
    .bind(f.national.map(|c| c.from_per_eur))
    .bind(f.national.map(|c| c.to_per_eur))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Claims the next draft (any tenant) whose grace period is over, locked and skipped by other
/// claimers, as (tenant, id).
pub async fn claim_due_draft(tx: &mut PgConnection, now: DateTime<Utc>) -> Result<Option<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id FROM invoices WHERE status = 'draft' AND auto_finalize_at <= $1
         ORDER BY auto_finalize_at LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?)
}

/// When a draft is finalized automatically next (`None`: only by a person).
pub async fn set_auto_finalize_at(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    at: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("UPDATE invoices SET auto_finalize_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'draft'")
        .bind(tenant)
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Open invoices (tenant, id) with something due whose customer has credit balance in the
/// invoice's currency and that no balance was applied to yet.
pub async fn open_with_credit_available(conn: &mut PgConnection) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT i.tenant_id, i.id FROM invoices i
         WHERE i.status = 'open' AND i.total - i.amount_paid - i.amount_credited > 0
           AND NOT EXISTS (SELECT 1 FROM customer_balance_transactions b
                           WHERE b.tenant_id = i.tenant_id AND b.kind = 'applied_to_invoice' AND b.reference_id = i.id)
           AND (SELECT COALESCE(SUM(b.amount), 0) FROM customer_balance_transactions b
                WHERE b.tenant_id = i.tenant_id AND b.customer_id = i.customer_id AND b.currency = i.currency) > 0
         ORDER BY i.tenant_id, i.customer_id, i.id",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Closes an invoice as void or uncollectible, stamping when.
pub async fn close(
    tx: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    status: InvoiceStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = match status {
        InvoiceStatus::Void => "UPDATE invoices SET status = 'void', voided_at = $3 WHERE tenant_id = $1 AND id = $2",
        InvoiceStatus::Uncollectible => {
            "UPDATE invoices SET status = 'uncollectible', uncollectible_at = $3 WHERE tenant_id = $1 AND id = $2"
        }
        other => {
            return Err(crate::error::Error::invalid(
                "status",
                format!("an invoice is not closed as {}", other.as_str()),
            ));
        }
    };
    sqlx::query(sql).bind(tenant).bind(id).bind(now).execute(&mut *tx).await?;
    Ok(())
}

/// A settled document is paid (a credit note once its credit went to the balance).
pub async fn mark_paid(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<()> {
    sqlx::query("UPDATE invoices SET status = 'paid' WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The gross amount already credited on an invoice by its credit notes.
pub async fn credited_so_far(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(SUM(-total), 0)::BIGINT FROM invoices WHERE tenant_id = $1 AND credit_note_for = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}

/// A credit note about to be stored, settled at once (`paid`).
pub struct NewCreditNote<'a> {
    pub id: InvoiceId,
    pub customer: CustomerId,
    pub subscription: Option<SubscriptionId>,
    pub series: &'a str,
    pub sequence: i64,
    pub number: &'a str,
    pub currency: &'a str,
    pub subtotal: i64,
    pub tax: i64,
    /// Gross, negative is not used: stored as given.
    pub total: i64,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub issue_date: NaiveDate,
    pub customer_name: &'a str,
    pub customer_email: &'a str,
    pub customer_country: &'a str,
    pub tax_groups: serde_json::Value,
    pub tax_notices: &'a [String],
    pub customer_vat_id: Option<&'a str>,
    pub seller_vat_id: Option<&'a str>,
    pub memo: &'a str,
    pub credit_note_for: InvoiceId,
    pub tax_behavior: &'a str,
    pub now: DateTime<Utc>,
}

pub async fn insert_credit_note(conn: &mut PgConnection, tenant: TenantId, n: &NewCreditNote<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO invoices (tenant_id, id, customer_id, subscription_id, status, kind, series, sequence, number, currency,
             subtotal, discount, tax, total, period_start, period_end, issue_date, due_date, customer_name, customer_email,
             customer_country, created_at, finalized_at, tax_groups, tax_notices, tax_rule, customer_vat_id, seller_vat_id,
             memo, credit_note_for, tax_behavior)
         VALUES ($1, $2, $3, $4, 'paid', 'credit_note', $5, $6, $7, $8, $9, 0, $10, $24, $11, $12, $13, $13, $14, $15,
             $16, $17, $17, $18, $19, 'credit_note', $20, $21, $22, $23, $25)",
    )
    .bind(tenant)
    .bind(n.id)
    .bind(n.customer)
    .bind(n.subscription)
    .bind(n.series)
    .bind(n.sequence)
    .bind(n.number)
    .bind(n.currency)
    .bind(n.subtotal)
    .bind(n.tax)
    .bind(n.period_start)
    .bind(n.period_end)
    .bind(n.issue_date)
    .bind(n.customer_name)
    .bind(n.customer_email)
    .bind(n.customer_country)
    .bind(n.now)
    .bind(&n.tax_groups)
    .bind(n.tax_notices)
    .bind(n.customer_vat_id)
    .bind(n.seller_vat_id)
    .bind(n.memo)
    .bind(n.credit_note_for)
    .bind(n.total)
    .bind(n.tax_behavior)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One line of a credit note (one per VAT group credited).
#[allow(clippy::too_many_arguments)]
pub async fn insert_credit_line(
    conn: &mut PgConnection,
    tenant: TenantId,
    note: InvoiceId,
    line_no: i32,
    description: &str,
    amount: i64,
    vat_category: &str,
    vat_rate: Decimal,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO invoice_lines (tenant_id, invoice_id, line_no, kind, description, quantity, unit_amount, amount,
             vat_category, vat_rate)
         VALUES ($1, $2, $3, 'credit', $4, 1, $5, $5, $6, $7)",
    )
    .bind(tenant)
    .bind(note)
    .bind(line_no)
    .bind(description)
    .bind(amount)
    .bind(vat_category)
    .bind(vat_rate)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Names the invoice a credit note corrects (as the e-invoice's preceding invoice).
pub async fn set_original(
    conn: &mut PgConnection,
    tenant: TenantId,
    note: InvoiceId,
    original: InvoiceId,
) -> Result<()> {
    sqlx::query("UPDATE invoices SET original_invoice_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(note)
        .bind(original)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes `amount` off what is due on an invoice by a credit note; paid once nothing is due.
pub async fn add_credited(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId, amount: i64) -> Result<()> {
    sqlx::query(
        "UPDATE invoices SET amount_credited = amount_credited + $3,
             status = CASE WHEN amount_paid + amount_credited + $3 >= total THEN 'paid' ELSE status END
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(amount)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
