//! Draft invoices: made by finance staff for one-off charges, edited freely until finalized,
//! finalized by hand or by the `finalize-drafts` job once their grace period is over. A draft
//! has no number, so deleting it leaves no gap. A draft and each of its lines may say when the
//! charge was supplied (a day or a service period); VAT is decided for that date.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::PgConnection;

use super::{LockedInvoice, finalize::refresh_draft_totals, load_tenant, lock};
use crate::catalog::parse_tax_category;
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::invoice::{InvoiceAction, InvoiceStatus};
use crate::money::Money;
use crate::store;
use crate::store::invoices::Invoice;

/// The largest quantity of a one-off line.
const MAX_QUANTITY: i64 = 1_000_000;

#[derive(Debug, Clone, Deserialize)]
pub struct DraftLineInput {
    pub description: String,
    #[serde(default = "one")]
    pub quantity: i64,
    /// Price of one unit in minor units of the invoice currency: net on a tax-exclusive draft,
    /// VAT included on a tax-inclusive one.
    pub unit_amount: i64,
    /// `digital_service` (default), `e_book`, `physical_goods`, `exempt`, or `not_subject` (damages
    /// such as default interest and dunning fees: outside the scope of VAT).
    #[serde(default)]
    pub tax_category: Option<String>,
    /// When this line was supplied, if not when the invoice says (EN 16931 BT-134/BT-135).
    #[serde(default, flatten)]
    pub supply: SupplyInput,
}

fn one() -> i64 {
    1
}

/// When a charge was supplied: one day (`supply_date`: the Leistungsdatum, EN 16931 BT-72) or a
/// service period (`period_start` to `period_end`, both days included: BT-73/BT-74). Without one
/// the charge is supplied on the issue date. VAT is decided for the day the supply is completed
/// (Art. 63 and 64(1) VAT Directive): the supply date, or a period's last day.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct SupplyInput {
    #[serde(default)]
    pub supply_date: Option<NaiveDate>,
    #[serde(default)]
    pub period_start: Option<NaiveDate>,
    #[serde(default)]
    pub period_end: Option<NaiveDate>,
}

impl SupplyInput {
    /// The supply as a stored half-open period `[start, end)` (a supply date is one day long).
    fn check(&self) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let (start, last) = match (self.supply_date, self.period_start, self.period_end) {
            (None, None, None) => return Ok(None),
            (Some(day), None, None) => (day, day),
            (None, Some(start), Some(last)) => (start, last),
            (Some(_), _, _) => {
                return Err(Error::invalid(
                    "supply_date",
                    "give either a supply_date or a period_start and period_end, not both",
                ));
            }
            (None, Some(_), None) => return Err(Error::invalid("period_end", "give period_end with period_start")),
            (None, None, Some(_)) => return Err(Error::invalid("period_start", "give period_start with period_end")),
        };
        if last < start {
            return Err(Error::invalid("period_end", "must not be before period_start"));
        }
        // Rates and rules exist for this century only; anything else is a typo.
        let field = if self.supply_date.is_some() { "supply_date" } else { "period_start" };
        if ![start, last].iter().all(|d| (2000..=2099).contains(&d.year())) {
            return Err(Error::invalid(field, "must be a date from 2000 to 2099"));
        }
        Ok(Some((start, last + Duration::days(1))))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DraftInput {
    pub customer: CustomerId,
    /// Defaults to the customer's currency.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub lines: Vec<DraftLineInput>,
    #[serde(default)]
    pub memo: Option<String>,
    /// `false`: only finalized by hand. Default: after the tenant's grace period.
    #[serde(default)]
    pub auto_finalize: Option<bool>,
    /// An explicit instant for the automatic finalization.
    #[serde(default)]
    pub auto_finalize_at: Option<DateTime<Utc>>,
    /// `exclusive` (default: line amounts are net) or `inclusive` (they include the VAT that
    /// applies to the customer, which finalization carves out). Fixed for the draft's lifetime.
    #[serde(default)]
    pub tax_behavior: Option<String>,
    /// When the invoice's charges were supplied (lines may say otherwise for themselves).
    #[serde(default, flatten)]
    pub supply: SupplyInput,
}

struct CheckedLine {
    description: String,
    quantity: i64,
    unit: i64,
    amount: i64,
    tax_category: &'static str,
    /// Half-open `[start, end)`.
    period: Option<(NaiveDate, NaiveDate)>,
}

fn check_line(l: &DraftLineInput, currency: Currency) -> Result<CheckedLine> {
    let description = l.description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        return Err(Error::invalid("description", "must be 1 to 500 characters"));
    }
    if !(1..=MAX_QUANTITY).contains(&l.quantity) {
        return Err(Error::InvalidQuantity { got: l.quantity, max: MAX_QUANTITY });
    }
    if l.unit_amount < 0 {
        return Err(Error::NegativeAmount);
    }
    let amount = Money::bounded(l.unit_amount, currency)?.checked_mul(l.quantity)?;
    let category = match l.tax_category.as_deref() {
        None => crate::tax::TaxCategory::DigitalService,
        Some(c) => parse_tax_category(c).ok_or_else(|| {
            Error::invalid("tax_category", "must be digital_service, e_book, physical_goods, exempt or not_subject")
        })?,
    };
    Ok(CheckedLine {
        description: description.to_string(),
        quantity: l.quantity,
        unit: l.unit_amount,
        amount: amount.minor(),
        tax_category: crate::catalog::tax_category_str(category),
        period: l.supply.check()?,
    })
}

fn check_memo(memo: Option<&str>) -> Result<String> {
    let memo = memo.unwrap_or("").trim();
    if memo.chars().count() > 1000 {
        return Err(Error::invalid("memo", "must be at most 1000 characters"));
    }
    Ok(memo.to_string())
}

async fn insert_lines(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    first_no: i32,
    lines: &[CheckedLine],
) -> Result<()> {
    for (i, l) in lines.iter().enumerate() {
        let line = store::invoice_lifecycle::NewOneOffLine {
            line_no: first_no + i as i32,
            description: &l.description,
            quantity: l.quantity,
            unit: l.unit,
            amount: l.amount,
            tax_category: l.tax_category,
            period: l.period,
        };
        store::invoice_lifecycle::insert_one_off_line(conn, tenant, invoice, &line).await?;
    }
    Ok(())
}

/// Creates a draft invoice for a customer, with its first one-off lines (possibly none yet).
pub async fn create_draft(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let t = load_tenant(conn, tenant).await?;
    let customer = store::customers::get(conn, tenant, input.customer)
        .await?
        .ok_or_else(|| Error::not_found("customer", input.customer))?;
    let currency = match &input.currency {
        Some(code) => Currency::from_code(code)?,
        None => customer.currency,
    };
    let behavior = crate::catalog::TaxBehavior::from_field(input.tax_behavior.as_deref())?;
    let lines: Vec<CheckedLine> = input.lines.iter().map(|l| check_line(l, currency)).collect::<Result<_>>()?;
    let memo = check_memo(input.memo.as_deref())?;
    let period = input.supply.check()?;
    let (grace, _) = store::tenants::draft_hours(conn, tenant).await?;
    let auto_finalize_at = match (input.auto_finalize, input.auto_finalize_at) {
        (Some(false), _) => None,
        (_, Some(at)) if at < now => return Err(Error::invalid("auto_finalize_at", "must not be in the past")),
        (_, Some(at)) => Some(at),
        (_, None) if grace > 0 => Some(now + Duration::hours(i64::from(grace))),
        (_, None) => None,
    };
    let id = InvoiceId::new();
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let draft = store::invoice_lifecycle::NewDraft {
        id,
        customer: customer.id,
        currency: currency.code(),
        customer_name: &customer.name,
        customer_email: customer.email.as_str(),
        customer_country: customer.country.code(),
        customer_vat_id: customer.vat_id.as_ref().map(|v| v.to_string()),
        memo: &memo,
        auto_finalize_at,
        tax_behavior: behavior.as_str(),
        period,
        now,
    };
    store::invoice_lifecycle::insert_draft(&mut tx, tenant, &draft).await?;
    insert_lines(&mut tx, tenant, id, 1, &lines).await?;
    refresh_draft_totals(&mut tx, &t, id, now).await?;
    tx.commit().await?;
    super::get(conn, tenant, id).await
}

async fn locked_draft(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<LockedInvoice> {
    let inv = lock(conn, tenant, id).await?;
    inv.status.guard(InvoiceAction::Edit)?;
    Ok(inv)
}

/// Adds one-off lines to a draft (a subscription draft too). Their amounts are read in the
/// draft's tax behaviour; `tax_behavior`, when the caller states one, must be that behaviour
/// ([`Error::TaxBehaviorMixed`] otherwise): an invoice never mixes net and gross amounts.
pub async fn add_line(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    lines: &[DraftLineInput],
    tax_behavior: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let stated = tax_behavior.map(|b| crate::catalog::TaxBehavior::from_field(Some(b))).transpose()?;
    let t = load_tenant(conn, tenant).await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let inv = locked_draft(&mut tx, tenant, id).await?;
    if let Some(stated) = stated {
        let current = store::invoice_lifecycle::tax_behavior(&mut tx, tenant, id).await?;
        let current = store::catalog::tax_behavior_from_row(&current)?;
        crate::catalog::TaxBehavior::of_document([current, stated])?;
    }
    let checked: Vec<CheckedLine> = lines.iter().map(|l| check_line(l, inv.currency)).collect::<Result<_>>()?;
    if checked.is_empty() {
        return Err(Error::invalid("lines", "give at least one line"));
    }
    let last = store::invoice_lifecycle::last_line_no(&mut tx, tenant, id).await?;
    insert_lines(&mut tx, tenant, id, last.unwrap_or(0) + 1, &checked).await?;
    refresh_draft_totals(&mut tx, &t, id, now).await?;
    tx.commit().await?;
    super::get(conn, tenant, id).await
}

/// Removes a line from a draft.
pub async fn remove_line(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceId,
    line_no: i32,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let t = load_tenant(conn, tenant).await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    locked_draft(&mut tx, tenant, id).await?;
    let removed = store::invoice_lifecycle::delete_line(&mut tx, tenant, id, line_no).await?;
    if !removed {
        return Err(Error::not_found("invoice line", line_no));
    }
    refresh_draft_totals(&mut tx, &t, id, now).await?;
    tx.commit().await?;
    super::get(conn, tenant, id).await
}

/// Deletes a draft (it has no number yet, so nothing is lost from the series).
pub async fn delete_draft(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let inv = lock(&mut tx, tenant, id).await?;
    inv.status.guard(InvoiceAction::Delete)?;
    debug_assert_eq!(inv.status, InvoiceStatus::Draft);
    store::invoice_lifecycle::delete_draft(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(())
}
