//! Invoices as finance staff handle them: queries, drafts with one-off lines, finalization
//! (legal number, frozen details, VAT), void, uncollectible and credit notes. One module per
//! transition; the guards are `InvoiceStatus::allows` in the pure `invoice` module.

mod correct;
mod draft;
mod finalize;
pub mod threshold;

pub(crate) use correct::credit_balance_for_note;
pub use correct::{CreditNoteInput, credit_note, mark_uncollectible, void};
pub use draft::{DraftInput, DraftLineInput, SupplyInput, add_line, create_draft, delete_draft, remove_line};
pub use finalize::{apply_balances_to_open_invoices, apply_credit_balance, finalize, finalize_due_drafts};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::invoice::InvoiceStatus;
use crate::store::invoices::{Invoice, InvoiceFilter};
use crate::store::{self, Page, PageRequest};
use crate::tenant::Tenant;

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<Invoice> {
    store::invoices::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("invoice", id))
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: InvoiceFilter,
    page: PageRequest,
) -> Result<Page<Invoice>> {
    store::invoices::list(conn, tenant, filter, page).await
}

async fn load_tenant(conn: &mut PgConnection, id: TenantId) -> Result<Tenant> {
    store::tenants::get(conn, id).await?.ok_or_else(|| Error::not_found("tenant", id))
}

fn today(t: &Tenant, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&t.timezone).date_naive()
}

/// The row of an invoice that a transition needs, locked: the FOR UPDATE serializes racing
/// transitions (two staff members finalizing, a payment arriving while someone voids), and each
/// transition re-checks the status under the lock.
struct LockedInvoice {
    customer: CustomerId,
    status: InvoiceStatus,
    kind: String,
    currency: Currency,
    total: i64,
    paid: i64,
    credited: i64,
    number: Option<String>,
}

async fn lock(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<LockedInvoice> {
    let row = store::invoice_lifecycle::lock_for_transition(conn, tenant, id).await?;
    let store::invoice_lifecycle::TransitionRow {
        customer_id: customer,
        status,
        kind,
        currency,
        total,
        amount_paid: paid,
        amount_credited: credited,
        number,
    } = row.ok_or_else(|| Error::not_found("invoice", id))?;
    Ok(LockedInvoice {
        customer: CustomerId(customer),
        status: InvoiceStatus::parse(&status)
            .ok_or_else(|| Error::invalid("status", format!("stored invoice status `{status}` is unknown")))?,
        kind,
        currency: Currency::from_code(currency.trim())?,
        total,
        paid,
        credited,
        number,
    })
}

/// The payment terms for a customer: their own, else the tenant's default.
/// The payment terms for a customer (for documents issued outside this module).
pub(crate) async fn terms_for(conn: &mut PgConnection, t: &Tenant, customer: CustomerId) -> Result<u32> {
    payment_terms(conn, t, customer).await
}

async fn payment_terms(conn: &mut PgConnection, t: &Tenant, customer: CustomerId) -> Result<u32> {
    let own = store::customers::payment_terms_days(conn, t.id, customer).await?;
    Ok(own.flatten().and_then(|d| u32::try_from(d).ok()).unwrap_or(t.payment_terms_days))
}

/// Sets a customer's own payment terms (`None`: back to the tenant's default).
pub async fn set_payment_terms(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    days: Option<i64>,
) -> Result<()> {
    if let Some(d) = days
        && !(0..=365).contains(&d)
    {
        return Err(Error::invalid("payment_terms_days", "must be from 0 to 365 days"));
    }
    let updated = store::customers::set_payment_terms_days(conn, tenant, customer, days.map(|d| d as i32)).await?;
    if !updated {
        return Err(Error::not_found("customer", customer));
    }
    Ok(())
}
