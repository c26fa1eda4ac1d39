//! Invoices, their lines and the gapless number counters.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Page, PageRequest, corrupt};
use crate::currency::Currency;
use crate::error::Result;
use crate::ids::{CustomerId, InvoiceId, InvoiceRunId, SubscriptionId, TenantId};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::profile::{self, Phase};

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    pub line_no: u32,
    /// `subscription`, `proration_credit`, `proration_charge` or `discount`.
    pub kind: String,
    pub description: String,
    pub quantity: rust_decimal::Decimal,
    pub unit_price: Money,
    pub amount: Money,
    /// The part of the invoice's discount allocated to this line.
    pub discount: Money,
    /// EN 16931 VAT category code (S, Z, E, AE, K, G, O) and rate in percent.
    pub vat_category: Option<String>,
    pub vat_rate: Option<rust_decimal::Decimal>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Invoice {
    pub id: InvoiceId,
    pub customer_id: CustomerId,
    pub subscription_id: Option<SubscriptionId>,
    pub status: InvoiceStatus,
    /// `subscription` (a period), `proration` (a mid-period change) or `credit_note`.
    pub kind: String,
    pub number: Option<String>,
    pub currency: Currency,
    /// `Exclusive`: line amounts, `subtotal` and `discount` are net and `total = subtotal -
    /// discount + tax`. `Inclusive`: they are what the customer pays, `tax` is the VAT they
    /// contain and `total = subtotal - discount`. Either way `tax_groups` holds the net per group.
    pub tax_behavior: crate::catalog::TaxBehavior,
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
    pub total: Money,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_country: String,
    pub customer_vat_id: Option<String>,
    pub seller_vat_id: Option<String>,
    /// VAT per rate group, frozen at finalization (JSON of `tax::TaxGroup`).
    pub tax_groups: serde_json::Value,
    /// Keys of the notices the document must carry (e.g. `reverse_charge`).
    pub tax_notices: Vec<String>,
    /// Art. 230: the VAT in the seller's national currency, the rate and its publication date.
    pub vat_national: Option<(Money, rust_decimal::Decimal, NaiveDate)>,
    /// The ECB rates behind `vat_national` as published on its date: units of the invoice currency
    /// and of the national currency per 1 EUR (1 for EUR). What documents print.
    pub fx_per_eur: Option<(rust_decimal::Decimal, rust_decimal::Decimal)>,
    pub created_at: DateTime<Utc>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub lines: Vec<InvoiceLine>,
    /// Settlement: received (net of refunds), taken off by credit notes, paid back.
    pub amount_paid: Money,
    pub amount_credited: Money,
    pub amount_refunded: Money,
    pub memo: String,
    /// For a credit note: the invoice it corrects.
    pub credit_note_for: Option<InvoiceId>,
    /// For a draft: when it finalizes itself.
    pub auto_finalize_at: Option<DateTime<Utc>>,
    pub payment_terms_days: Option<i32>,
    /// The seller and the buyer's billing address as frozen at finalization (`freeze_parties`).
    pub seller: Option<crate::party::SellerSnapshot>,
    pub buyer_address: Option<crate::party::BuyerAddress>,
    /// For a credit note: the number of the invoice it corrects.
    pub original_invoice_number: Option<String>,
}

impl Invoice {
    /// The total without VAT (Stripe's `total_excluding_tax`): the sum of the groups' net amounts.
    pub fn total_excluding_tax(&self) -> Money {
        Money::from_minor(self.total.minor() - self.tax.minor(), self.currency)
    }

    /// What is still to be paid: total less payments and credit notes (never negative); nothing
    /// on a voided invoice (it is cancelled: no claim is left to pay).
    pub fn amount_due(&self) -> Money {
        if self.status == InvoiceStatus::Void {
            return Money::from_minor(0, self.currency);
        }
        let due = self.total.minor() - self.amount_paid.minor() - self.amount_credited.minor();
        Money::from_minor(due.max(0), self.currency)
    }
}

/// Reserves `count` consecutive numbers in `series` and returns the first.
///
/// The UPDATE takes the counter row's lock until the caller's transaction ends, which serializes
/// racing finalizers; a transaction that rolls back (or a process that dies) releases the numbers
/// unused, so the committed numbers have no gaps.
pub async fn reserve_numbers(conn: &mut PgConnection, tenant: TenantId, series: &str, count: i64) -> Result<i64> {
    sqlx::query("INSERT INTO invoice_number_series (tenant_id, series) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(tenant)
        .bind(series)
        .execute(&mut *conn)
        .await?;
    let last: i64 = sqlx::query_scalar(
        "UPDATE invoice_number_series SET last_value = last_value + $3 WHERE tenant_id = $1 AND series = $2 RETURNING last_value",
    )
    .bind(tenant)
    .bind(series)
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(last - count + 1)
}

/// Column arrays for a batch of finalized subscription invoices with one line each.
#[derive(Debug, Default)]
pub struct InvoiceBatch {
    pub ids: Vec<Uuid>,
    pub customer_ids: Vec<Uuid>,
    pub subscription_ids: Vec<Uuid>,
    /// `None` for an invoice the run leaves a draft (the tenant's `subscription_draft_hours`): it
    /// gets its number when it is finalized.
    pub series: Vec<Option<String>>,
    pub sequences: Vec<Option<i64>>,
    pub numbers: Vec<Option<String>>,
    pub currencies: Vec<String>,
    pub amounts: Vec<i64>,
    pub discounts: Vec<i64>,
    pub taxes: Vec<i64>,
    pub tax_groups: Vec<serde_json::Value>,
    /// Notice keys per invoice, comma-separated (PostgreSQL cannot unnest ragged arrays).
    pub notices: Vec<String>,
    pub tax_rules: Vec<String>,
    pub customer_vat_ids: Vec<Option<String>>,
    pub vat_categories: Vec<String>,
    pub vat_rates: Vec<rust_decimal::Decimal>,
    /// Art. 230: the VAT in the seller's national currency, and the rate used.
    pub national_currencies: Vec<Option<String>>,
    pub national_amounts: Vec<Option<i64>>,
    pub fx_rates: Vec<Option<rust_decimal::Decimal>>,
    pub fx_rate_dates: Vec<Option<NaiveDate>>,
    /// The published rates per EUR of the invoice and the national currency on that date.
    pub fx_invoice_per_eur: Vec<Option<rust_decimal::Decimal>>,
    pub fx_national_per_eur: Vec<Option<rust_decimal::Decimal>>,
    pub period_starts: Vec<NaiveDate>,
    pub period_ends: Vec<NaiveDate>,
    pub customer_names: Vec<String>,
    pub customer_emails: Vec<String>,
    pub customer_countries: Vec<String>,
    pub descriptions: Vec<String>,
    pub quantities: Vec<rust_decimal::Decimal>,
    pub unit_amounts: Vec<i64>,
    pub tax_behaviors: Vec<String>,
    /// The product tax category of each line, for a draft's finalization to decide VAT again.
    pub tax_categories: Vec<String>,
}

impl InvoiceBatch {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Inserts a batch of finalized (open) invoices and their single lines in two statements.
/// What every invoice of one batch shares.
#[derive(Debug, Clone, Copy)]
pub struct BatchContext<'a> {
    pub run: Option<InvoiceRunId>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub seller_vat_id: Option<&'a str>,
    /// When the batch's drafts (invoices without a number) finalize themselves.
    pub auto_finalize_at: Option<DateTime<Utc>>,
}

/// Refreshes the planner's statistics of the tables an invoice run fills (`ANALYZE`, a sample:
/// milliseconds while they are small). Statements prepared while a table was empty keep a plan
/// that reads the whole table (a customer's invoices by a sequential scan), and autovacuum only
/// looks once a minute: a first large run would slow every portal page that reads invoices for
/// as long as it runs (docs/performance.md, "The portal during a large run"). A role that does not
/// own the tables gets a warning from the server, not an error.
pub async fn refresh_statistics(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("ANALYZE invoices, invoice_lines, outbox").execute(&mut *conn).await?;
    Ok(())
}

pub async fn insert_finalized_batch(
    conn: &mut PgConnection,
    tenant: TenantId,
    ctx: BatchContext<'_>,
    b: &InvoiceBatch,
    now: DateTime<Utc>,
) -> Result<()> {
    let BatchContext { run, issue_date, due_date, seller_vat_id, auto_finalize_at } = ctx;
    if b.is_empty() {
        return Ok(());
    }
    let lap = std::time::Instant::now();
    // The parties are frozen in the same statement (a numbered invoice is final): each invoice
    // is written once, not inserted and then updated.
    let [seller, buyer, einvoice_seller, einvoice_buyer] = party_snapshots("$25::text");
    sqlx::query(&format!(
        "INSERT INTO invoices (tenant_id, id, customer_id, subscription_id, invoice_run_id, status, series, sequence, number,
             currency, subtotal, discount, tax, total, period_start, period_end, issue_date, due_date,
             customer_name, customer_email, customer_country, created_at, finalized_at,
             tax_groups, tax_notices, tax_rule, customer_vat_id, seller_vat_id,
             vat_national_currency, vat_national_amount, fx_rate, fx_rate_date, tax_behavior, auto_finalize_at,
             fx_invoice_per_eur, fx_national_per_eur, seller_snapshot, buyer_address, einvoice_seller, einvoice_buyer)
         SELECT $1, u.id, u.customer_id, u.subscription_id, $2,
             CASE WHEN u.number IS NULL THEN 'draft' ELSE 'open' END, u.series, u.seq, u.number,
             u.currency, u.amount, u.discount, u.tax,
             u.amount - u.discount + CASE WHEN u.tax_behavior = 'inclusive' THEN 0 ELSE u.tax END,
             u.period_start, u.period_end, $3, $4,
             u.customer_name, u.customer_email, u.customer_country, $5,
             CASE WHEN u.number IS NULL THEN NULL ELSE $5 END,
             u.tax_groups, COALESCE(string_to_array(NULLIF(u.notices, ''), ','), '{{}}'), u.tax_rule, u.customer_vat_id, $25,
             u.nat_currency, u.nat_amount, u.fx_rate, u.fx_date, u.tax_behavior,
             CASE WHEN u.number IS NULL THEN $31::timestamptz END,
             u.fx_invoice_per_eur, u.fx_national_per_eur,
             CASE WHEN u.number IS NOT NULL THEN {seller} END, CASE WHEN u.number IS NOT NULL THEN {buyer} END,
             CASE WHEN u.number IS NOT NULL THEN {einvoice_seller} END,
             CASE WHEN u.number IS NOT NULL THEN {einvoice_buyer} END
         FROM UNNEST($6::uuid[], $7::uuid[], $8::uuid[], $9::text[], $10::bigint[], $11::text[], $12::text[],
                     $13::bigint[], $14::date[], $15::date[], $16::text[], $17::text[], $18::text[], $19::bigint[],
                     $20::bigint[], $21::jsonb[], $22::text[], $23::text[], $24::text[],
                     $26::text[], $27::bigint[], $28::numeric[], $29::date[], $30::text[], $32::numeric[], $33::numeric[])
           AS u(id, customer_id, subscription_id, series, seq, number, currency, amount, period_start, period_end,
                customer_name, customer_email, customer_country, discount, tax, tax_groups, notices, tax_rule, customer_vat_id,
                nat_currency, nat_amount, fx_rate, fx_date, tax_behavior, fx_invoice_per_eur, fx_national_per_eur)
         LEFT JOIN tenants t ON t.tenant_id = $1
         -- LEFT: a missing customer must fail the foreign key, never drop the invoice silently.
         LEFT JOIN customers c ON c.tenant_id = $1 AND c.id = u.customer_id"
    ))
    .bind(tenant)
    .bind(run)
    .bind(issue_date)
    .bind(due_date)
    .bind(now)
    .bind(&b.ids)
    .bind(&b.customer_ids)
    .bind(&b.subscription_ids)
    .bind(&b.series)
    .bind(&b.sequences)
    .bind(&b.numbers)
    .bind(&b.currencies)
    .bind(&b.amounts)
    .bind(&b.period_starts)
    .bind(&b.period_ends)
    .bind(&b.customer_names)
    .bind(&b.customer_emails)
    .bind(&b.customer_countries)
    .bind(&b.discounts)
    .bind(&b.taxes)
    .bind(&b.tax_groups)
    .bind(&b.notices)
    .bind(&b.tax_rules)
    .bind(&b.customer_vat_ids)
    .bind(seller_vat_id)
    .bind(&b.national_currencies)
    .bind(&b.national_amounts)
    .bind(&b.fx_rates)
    .bind(&b.fx_rate_dates)
    .bind(&b.tax_behaviors)
    .bind(auto_finalize_at)
    .bind(&b.fx_invoice_per_eur)
    .bind(&b.fx_national_per_eur)
    .execute(&mut *conn)
    .await?;
    let lap = profile::lap(Phase::InsertInvoices, lap);
    sqlx::query(
        "INSERT INTO invoice_lines (tenant_id, invoice_id, line_no, description, quantity, unit_amount, amount, period_start,
             period_end, discount, vat_category, vat_rate, tax_category)
         SELECT $1, u.id, 1, u.description, u.quantity, u.unit_amount, u.amount, u.period_start, u.period_end, u.discount,
             u.vat_category, u.vat_rate, u.tax_category
         FROM UNNEST($2::uuid[], $3::text[], $4::numeric[], $5::bigint[], $6::bigint[], $7::date[], $8::date[], $9::bigint[],
                     $10::text[], $11::numeric[], $12::text[])
           AS u(id, description, quantity, unit_amount, amount, period_start, period_end, discount, vat_category, vat_rate,
                tax_category)",
    )
    .bind(tenant)
    .bind(&b.ids)
    .bind(&b.descriptions)
    .bind(&b.quantities)
    .bind(&b.unit_amounts)
    .bind(&b.amounts)
    .bind(&b.period_starts)
    .bind(&b.period_ends)
    .bind(&b.discounts)
    .bind(&b.vat_categories)
    .bind(&b.vat_rates)
    .bind(&b.tax_categories)
    .execute(&mut *conn)
    .await?;
    profile::lap(Phase::InsertLines, lap);
    Ok(())
}

/// A one-off document (a proration invoice or a credit note) with its lines, finalized.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub id: InvoiceId,
    pub kind: &'static str,
    pub customer_id: CustomerId,
    pub subscription_id: Option<SubscriptionId>,
    pub series: String,
    pub sequence: i64,
    pub number: String,
    pub currency: Currency,
    /// (kind, description, quantity, amount, period start, period end exclusive)
    pub lines: Vec<(&'static str, String, i64, Money, NaiveDate, NaiveDate)>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_country: String,
    pub customer_vat_id: Option<String>,
    pub seller_vat_id: Option<String>,
    /// What the line amounts are (net, or what the customer pays); `vat` was computed so.
    pub tax_behavior: crate::catalog::TaxBehavior,
    pub vat: (crate::tax::TaxDecision, crate::tax::TaxSummary),
}

pub async fn insert_document(
    conn: &mut PgConnection,
    tenant: TenantId,
    d: &NewDocument,
    now: DateTime<Utc>,
) -> Result<()> {
    let subtotal = Money::sum(d.currency, d.lines.iter().map(|l| l.3))?;
    let (decision, vat) = &d.vat;
    sqlx::query(
        "INSERT INTO invoices (tenant_id, id, customer_id, subscription_id, status, kind, series, sequence, number, currency,
             subtotal, discount, tax, total, issue_date, due_date, customer_name, customer_email, customer_country, created_at,
             finalized_at, tax_groups, tax_notices, tax_rule, customer_vat_id, seller_vat_id, tax_behavior)
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, 0, $17, $24, $11, $12, $13, $14, $15, $16, $16,
             $18, $19, $20, $21, $22, $23)",
    )
    .bind(tenant)
    .bind(d.id)
    .bind(d.customer_id)
    .bind(d.subscription_id)
    .bind(d.kind)
    .bind(&d.series)
    .bind(d.sequence)
    .bind(&d.number)
    .bind(d.currency.code())
    .bind(subtotal.minor())
    .bind(d.issue_date)
    .bind(d.due_date)
    .bind(&d.customer_name)
    .bind(&d.customer_email)
    .bind(&d.customer_country)
    .bind(now)
    .bind(vat.tax_total.minor())
    .bind(serde_json::to_value(&vat.groups).unwrap_or_default())
    .bind(vat.notices.iter().map(|n| n.key().to_string()).collect::<Vec<_>>())
    .bind(decision.rule)
    .bind(&d.customer_vat_id)
    .bind(&d.seller_vat_id)
    .bind(d.tax_behavior.as_str())
    .bind(vat.gross_total.minor())
    .execute(&mut *conn)
    .await?;
    for (i, (kind, description, quantity, amount, start, end)) in d.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO invoice_lines (tenant_id, invoice_id, line_no, kind, description, quantity, unit_amount, amount,
                 period_start, period_end, vat_category, vat_rate)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11)",
        )
        .bind(tenant)
        .bind(d.id)
        .bind(i as i32 + 1)
        .bind(*kind)
        .bind(description)
        .bind(*quantity)
        .bind(amount.minor())
        .bind(*start)
        .bind(*end)
        .bind(decision.category_code.code())
        .bind(decision.rate)
        .execute(&mut *conn)
        .await?;
    }
    freeze_parties(conn, tenant, &[d.id.as_uuid()]).await?;
    if d.kind == "credit_note" {
        link_credit_note(conn, tenant, d.id).await?;
    }
    Ok(())
}

// ---- Document parties (issue 4, PDF documents) ----------------------------------------------

/// Freezes the seller's profile and the buyer's billing address on finalized invoices, so a later
/// change of either never alters an issued document (§ 14 Abs. 4 Nr. 1 UStG needs both), and
/// with them the e-invoice facts (seller contact, buyer reference, Peppol ids). Call it
/// in the finalizing transaction; invoices that already carry a snapshot keep it.
///
/// Built in SQL from the current tenant and customer rows, so callers need not load either; the
/// JSON has the shape of `party::SellerSnapshot` and `party::BuyerAddress`.
pub async fn freeze_parties(conn: &mut PgConnection, tenant: TenantId, ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let [seller, buyer, einvoice_seller, einvoice_buyer] = party_snapshots("i.seller_vat_id");
    sqlx::query(&format!(
        "UPDATE invoices i SET seller_snapshot = {seller}, buyer_address = {buyer},
             einvoice_seller = {einvoice_seller}, einvoice_buyer = {einvoice_buyer}
         FROM tenants t, customers c
         WHERE i.tenant_id = $1 AND i.id = ANY($2) AND i.seller_snapshot IS NULL AND i.status <> 'draft'
           AND t.tenant_id = i.tenant_id AND c.tenant_id = i.tenant_id AND c.id = i.customer_id"
    ))
    .bind(tenant)
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// The four frozen party columns (`seller_snapshot`, `buyer_address`, `einvoice_seller`,
/// `einvoice_buyer`) as SQL expressions over the tenant row `t` and the customer row `c`, with
/// `seller_vat_id` the expression of the invoice's seller VAT id: one definition for the
/// invoice run's insert (which writes them with the invoice) and [`freeze_parties`] (which
/// writes them onto an invoice finalized later).
fn party_snapshots(seller_vat_id: &str) -> [String; 4] {
    [
        format!(
            "jsonb_build_object(
                 'name', COALESCE(t.legal_name, t.name),
                 'address', CASE WHEN t.address_line1 IS NULL THEN NULL ELSE jsonb_build_object(
                     'line1', t.address_line1, 'line2', t.address_line2, 'postal_code', t.address_postal_code,
                     'city', t.address_city, 'country', t.country) END,
                 'vat_id', {seller_vat_id},
                 'tax_number', t.tax_number,
                 'bank', CASE WHEN t.bank_iban IS NULL THEN NULL ELSE jsonb_build_object(
                     'account_holder', t.bank_account_holder, 'iban', t.bank_iban, 'bic', t.bank_bic) END,
                 'brand_color', t.brand_color)"
        ),
        "CASE WHEN c.address_line1 IS NULL THEN NULL ELSE jsonb_build_object(
                 'company_name', c.company_name,
                 'address', jsonb_build_object('line1', c.address_line1, 'line2', c.address_line2,
                     'postal_code', c.address_postal_code, 'city', c.address_city, 'country', c.country)) END"
            .to_string(),
        "jsonb_build_object(
                 'contact_name', t.einvoice_contact_name, 'contact_phone', t.einvoice_contact_phone,
                 'contact_email', t.einvoice_contact_email, 'peppol_id', t.peppol_id)"
            .to_string(),
        "jsonb_build_object('buyer_reference', c.buyer_reference, 'public_buyer', c.public_buyer, 'peppol_id', c.peppol_id)"
            .to_string(),
    ]
}

/// Links a credit note to the invoice it corrects (Art. 219 VAT Directive) when none is set yet:
/// the latest finalized invoice of the same subscription whose period holds the first credited day.
pub async fn link_credit_note(conn: &mut PgConnection, tenant: TenantId, credit_note: InvoiceId) -> Result<()> {
    sqlx::query(
        "UPDATE invoices cn SET original_invoice_id = (
             SELECT o.id FROM invoices o
             JOIN invoice_lines l ON l.tenant_id = cn.tenant_id AND l.invoice_id = cn.id AND l.line_no = 1
             WHERE o.tenant_id = cn.tenant_id AND o.subscription_id = cn.subscription_id AND o.kind <> 'credit_note'
               AND o.status <> 'draft' AND o.period_start <= l.period_start
             ORDER BY o.period_start DESC, o.finalized_at DESC LIMIT 1)
         WHERE cn.tenant_id = $1 AND cn.id = $2 AND cn.original_invoice_id IS NULL AND cn.subscription_id IS NOT NULL",
    )
    .bind(tenant)
    .bind(credit_note)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: Uuid,
    customer_id: Uuid,
    subscription_id: Option<Uuid>,
    status: String,
    kind: String,
    number: Option<String>,
    currency: String,
    tax_behavior: String,
    subtotal: i64,
    discount: i64,
    tax: i64,
    total: i64,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    issue_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    customer_name: String,
    customer_email: String,
    customer_country: String,
    customer_vat_id: Option<String>,
    seller_vat_id: Option<String>,
    tax_groups: serde_json::Value,
    tax_notices: Vec<String>,
    vat_national_currency: Option<String>,
    vat_national_amount: Option<i64>,
    fx_rate: Option<rust_decimal::Decimal>,
    fx_rate_date: Option<NaiveDate>,
    fx_invoice_per_eur: Option<rust_decimal::Decimal>,
    fx_national_per_eur: Option<rust_decimal::Decimal>,
    created_at: DateTime<Utc>,
    finalized_at: Option<DateTime<Utc>>,
    amount_paid: i64,
    amount_credited: i64,
    amount_refunded: i64,
    memo: String,
    credit_note_for: Option<Uuid>,
    auto_finalize_at: Option<DateTime<Utc>>,
    payment_terms_days: Option<i32>,
    seller_snapshot: Option<serde_json::Value>,
    buyer_address: Option<serde_json::Value>,
    original_invoice_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    invoice_id: Uuid,
    line_no: i32,
    kind: String,
    description: String,
    quantity: rust_decimal::Decimal,
    unit_amount: i64,
    amount: i64,
    discount: i64,
    vat_category: Option<String>,
    vat_rate: Option<rust_decimal::Decimal>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
}

fn assemble(r: InvoiceRow, lines: Vec<LineRow>) -> Result<Invoice> {
    let currency = Currency::from_code(&r.currency).map_err(|e| corrupt("invoice currency", e))?;
    let m = |minor| Money::from_minor(minor, currency);
    Ok(Invoice {
        id: InvoiceId(r.id),
        customer_id: CustomerId(r.customer_id),
        subscription_id: r.subscription_id.map(SubscriptionId),
        status: InvoiceStatus::parse(&r.status).ok_or_else(|| corrupt("invoice status", &r.status))?,
        kind: r.kind,
        number: r.number,
        currency,
        tax_behavior: crate::store::catalog::tax_behavior_from_row(&r.tax_behavior)?,
        subtotal: m(r.subtotal),
        discount: m(r.discount),
        tax: m(r.tax),
        total: m(r.total),
        period_start: r.period_start,
        period_end: r.period_end,
        issue_date: r.issue_date,
        due_date: r.due_date,
        customer_name: r.customer_name,
        customer_email: r.customer_email,
        customer_country: r.customer_country,
        customer_vat_id: r.customer_vat_id,
        seller_vat_id: r.seller_vat_id,
        tax_groups: r.tax_groups,
        tax_notices: r.tax_notices,
        vat_national: match (r.vat_national_currency, r.vat_national_amount, r.fx_rate, r.fx_rate_date) {
            (Some(c), Some(a), Some(rate), Some(date)) => {
                let cur = Currency::from_code(&c).map_err(|e| corrupt("national currency", e))?;
                Some((Money::from_minor(a, cur), rate, date))
            }
            _ => None,
        },
        fx_per_eur: r.fx_invoice_per_eur.zip(r.fx_national_per_eur),
        created_at: r.created_at,
        finalized_at: r.finalized_at,
        amount_paid: m(r.amount_paid),
        amount_credited: m(r.amount_credited),
        amount_refunded: m(r.amount_refunded),
        memo: r.memo,
        credit_note_for: r.credit_note_for.map(InvoiceId),
        auto_finalize_at: r.auto_finalize_at,
        payment_terms_days: r.payment_terms_days,
        seller: r.seller_snapshot.map(serde_json::from_value).transpose().map_err(|e| corrupt("seller snapshot", e))?,
        buyer_address: r
            .buyer_address
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| corrupt("buyer address", e))?,
        original_invoice_number: r.original_invoice_number,
        lines: lines
            .into_iter()
            .map(|l| {
                Ok(InvoiceLine {
                    line_no: u32::try_from(l.line_no).map_err(|e| corrupt("line number", e))?,
                    kind: l.kind,
                    description: l.description,
                    quantity: l.quantity,
                    unit_price: m(l.unit_amount),
                    amount: m(l.amount),
                    discount: m(l.discount),
                    vat_category: l.vat_category,
                    vat_rate: l.vat_rate,
                    period_start: l.period_start,
                    period_end: l.period_end,
                })
            })
            .collect::<Result<_>>()?,
    })
}

const SELECT: &str = "SELECT id, customer_id, subscription_id, status, kind, number, currency, tax_behavior, subtotal, discount, tax, total,
        period_start, period_end, issue_date, due_date, customer_name, customer_email, customer_country::text AS customer_country,
        customer_vat_id, seller_vat_id, tax_groups, tax_notices, vat_national_currency::text AS vat_national_currency,
        vat_national_amount, fx_rate, fx_rate_date, fx_invoice_per_eur, fx_national_per_eur, created_at, finalized_at,
        amount_paid, amount_credited, amount_refunded, memo, credit_note_for, auto_finalize_at, payment_terms_days,
        seller_snapshot, buyer_address,
        (SELECT o.number FROM invoices o WHERE o.tenant_id = invoices.tenant_id
            AND o.id = COALESCE(invoices.original_invoice_id, invoices.credit_note_for)) AS original_invoice_number
        FROM invoices";

/// An invoice's lines as one JSON array in line order (numbers as text, so that no decimal goes
/// through a float), for statements that read invoices with their lines in one round trip.
const LINES: &str =
    "(SELECT jsonb_agg(jsonb_build_object('line_no', l.line_no, 'kind', l.kind, 'description', l.description,
            'quantity', l.quantity::text, 'unit_amount', l.unit_amount, 'amount', l.amount, 'discount', l.discount,
            'vat_category', l.vat_category, 'vat_rate', l.vat_rate::text, 'period_start', l.period_start,
            'period_end', l.period_end) ORDER BY l.line_no)
        FROM invoice_lines l WHERE l.tenant_id = invoices.tenant_id AND l.invoice_id = invoices.id)";

#[derive(sqlx::FromRow)]
struct InvoiceRowWithLines {
    #[sqlx(flatten)]
    row: InvoiceRow,
    lines_json: Option<serde_json::Value>,
}

/// One line of [`LINES`].
#[derive(serde::Deserialize)]
struct LineJson {
    line_no: i32,
    kind: String,
    description: String,
    quantity: String,
    unit_amount: i64,
    amount: i64,
    discount: i64,
    vat_category: Option<String>,
    vat_rate: Option<String>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
}

impl LineJson {
    fn into_row(self, invoice_id: Uuid) -> Result<LineRow> {
        let decimal = |v: &str| v.parse::<rust_decimal::Decimal>().map_err(|e| corrupt("line number value", e));
        Ok(LineRow {
            invoice_id,
            line_no: self.line_no,
            kind: self.kind,
            description: self.description,
            quantity: decimal(&self.quantity)?,
            unit_amount: self.unit_amount,
            amount: self.amount,
            discount: self.discount,
            vat_category: self.vat_category,
            vat_rate: self.vat_rate.as_deref().map(decimal).transpose()?,
            period_start: self.period_start,
            period_end: self.period_end,
        })
    }
}

async fn lines_for(conn: &mut PgConnection, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<LineRow>> {
    Ok(sqlx::query_as(
        "SELECT invoice_id, line_no, kind, description, quantity, unit_amount, amount, discount, vat_category, vat_rate, period_start, period_end
         FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = ANY($2) ORDER BY invoice_id, line_no",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

async fn with_lines(conn: &mut PgConnection, tenant: TenantId, rows: Vec<InvoiceRow>) -> Result<Vec<Invoice>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut lines = lines_for(conn, tenant, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let mine: Vec<LineRow> = lines.extract_if(.., |l| l.invoice_id == r.id).collect();
            assemble(r, mine)
        })
        .collect()
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<Invoice>> {
    let row: Option<InvoiceRow> = sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_lines(conn, tenant, vec![r]).await?.pop()),
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct InvoiceFilter {
    pub customer: Option<CustomerId>,
    pub subscription: Option<SubscriptionId>,
    pub status: Option<InvoiceStatus>,
    /// Credit notes of this invoice.
    pub credit_note_for: Option<InvoiceId>,
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: InvoiceFilter,
    page: PageRequest,
) -> Result<Page<Invoice>> {
    // Only the filters given are in the statement: each combination is a statement of its own
    // whose plan uses its index (`invoices_customer`, `invoices_subscription`, …). One statement
    // with `($3 IS NULL OR customer_id = $3)` for all of them got a generic plan after five
    // executions that walked the tenant's invoices by id and filtered them: a customer's first
    // page read most of the table (issue 15, `billing bench api`, docs/adr/0041).
    // The lines come in the same statement, as one JSON array per invoice (`LINES`): a page is
    // one round trip (issue 15, docs/adr/0043).
    let columns = SELECT.strip_suffix("FROM invoices").unwrap_or(SELECT).trim_end();
    let select_with_lines = format!("{columns}, {LINES} AS lines_json FROM invoices");
    let mut sql = format!("{select_with_lines} WHERE tenant_id = $1 AND id > $2");
    let mut n = 3;
    let mut clause = |column: &str, cast: &str, given: bool| {
        if given {
            sql.push_str(&format!(" AND {column} = ${n}{cast}"));
            n += 1;
        }
    };
    clause("customer_id", "", filter.customer.is_some());
    clause("subscription_id", "", filter.subscription.is_some());
    clause("status", "::text", filter.status.is_some());
    clause("credit_note_for", "", filter.credit_note_for.is_some());
    sql.push_str(&format!(" ORDER BY id LIMIT ${n}"));
    let mut query = sqlx::query_as::<_, InvoiceRowWithLines>(&sql).bind(tenant).bind(page.cursor());
    if let Some(c) = filter.customer {
        query = query.bind(c);
    }
    if let Some(s) = filter.subscription {
        query = query.bind(s);
    }
    if let Some(s) = filter.status {
        query = query.bind(s.as_str());
    }
    if let Some(i) = filter.credit_note_for {
        query = query.bind(i);
    }
    let rows: Vec<InvoiceRowWithLines> = query.bind(page.fetch_limit()).fetch_all(&mut *conn).await?;
    let page_rows = Page::from_rows(rows, page);
    let items = page_rows
        .items
        .into_iter()
        .map(|r| {
            let lines = match r.lines_json {
                Some(json) => serde_json::from_value::<Vec<LineJson>>(json)
                    .map_err(|e| corrupt("invoice lines", e))?
                    .into_iter()
                    .map(|l| l.into_row(r.row.id))
                    .collect::<Result<Vec<_>>>()?,
                None => Vec::new(),
            };
            assemble(r.row, lines)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page_rows.has_more })
}

/// Checks the numbering invariant of a series: numbers 1..=n with no gap and no duplicate.
pub async fn series_is_gapless(conn: &mut PgConnection, tenant: TenantId, series: &str) -> Result<bool> {
    let (count, max): (i64, Option<i64>) = sqlx::query_as(
        "SELECT count(DISTINCT sequence), max(sequence) FROM invoices WHERE tenant_id = $1 AND series = $2",
    )
    .bind(tenant)
    .bind(series)
    .fetch_one(conn)
    .await?;
    Ok(max.unwrap_or(0) == count)
}

/// EU cross-border B2C net amounts (Art. 59c) of issued documents with an issue date in
/// `from..=to`, per currency and issue date: invoices count positive, credit notes (under their
/// invoice's rule) negative; drafts and voided invoices not at all.
pub async fn art59c_turnover(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Currency, NaiveDate, i64)>> {
    let rows: Vec<(String, NaiveDate, i64)> = sqlx::query_as(
        "SELECT i.currency::text, i.issue_date, SUM(i.total - i.tax)::bigint
         FROM invoices i LEFT JOIN invoices o ON o.tenant_id = i.tenant_id AND o.id = i.credit_note_for
         WHERE i.tenant_id = $1 AND i.status NOT IN ('draft', 'void') AND i.issue_date BETWEEN $2 AND $3
           AND (starts_with(COALESCE(o.tax_rule, i.tax_rule), 'eu_b2c_art')
                OR starts_with(COALESCE(o.tax_rule, i.tax_rule), 'eu_b2b_unconfirmed_vat_id_as_b2c_'))
         GROUP BY 1, 2",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(code, date, net)| {
            let currency = Currency::from_code(code.trim()).map_err(|e| corrupt("invoice currency", e))?;
            Ok((currency, date, net))
        })
        .collect()
}

/// What collecting an invoice reads of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub customer_id: Uuid,
    pub status: String,
    /// The currency code as stored (may carry padding).
    pub currency: String,
    pub total: i64,
    pub amount_paid: i64,
}

const DUE_SELECT: &str = "SELECT customer_id, status, currency::text AS currency, total, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2";

/// The invoice's status, total and what was paid of it.
pub async fn due(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<Due>> {
    Ok(sqlx::query_as(DUE_SELECT).bind(tenant).bind(id).fetch_optional(&mut *conn).await?)
}

/// [`due`], locking the invoice row for the caller's transaction.
pub async fn lock_due(tx: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<Due>> {
    Ok(sqlx::query_as(&format!("{DUE_SELECT} FOR UPDATE")).bind(tenant).bind(id).fetch_optional(&mut *tx).await?)
}

/// The invoice's currency code and what was paid of it, locking the row for the caller's
/// transaction.
pub async fn lock_paid(tx: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as("SELECT currency::text, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?)
}

/// The invoice's currency and amount paid, without a lock (a read before a form's confirm step).
pub async fn paid(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as("SELECT currency::text, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The settlement figures of an invoice, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SettlementRow {
    pub customer_id: Uuid,
    pub status: String,
    pub currency: String,
    pub total: i64,
    pub amount_paid: i64,
    pub amount_refunded: i64,
    pub amount_credited: i64,
}

/// The invoice's settlement figures, locking the row for the caller's transaction (racing
/// receipts for one invoice, a webhook and a collection run, are serialized by it).
pub async fn lock_settlement(tx: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<SettlementRow>> {
    Ok(sqlx::query_as(
        "SELECT customer_id, status, currency::text AS currency, total, amount_paid, amount_refunded, amount_credited
         FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Stores what was paid and the status that follows.
pub async fn set_paid(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    amount_paid: i64,
    status: InvoiceStatus,
) -> Result<()> {
    sqlx::query("UPDATE invoices SET amount_paid = $3, status = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(amount_paid)
        .bind(status.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores what was paid and refunded and the status that follows.
pub async fn set_refunded(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    amount_paid: i64,
    amount_refunded: i64,
    status: InvoiceStatus,
) -> Result<()> {
    sqlx::query(
        "UPDATE invoices SET amount_paid = $3, amount_refunded = $4, status = $5 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(amount_paid)
    .bind(amount_refunded)
    .bind(status.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The customer an invoice is for.
pub async fn customer_of(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Option<CustomerId>> {
    Ok(sqlx::query_scalar("SELECT customer_id FROM invoices WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}
