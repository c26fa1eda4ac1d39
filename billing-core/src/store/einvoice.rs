//! E-invoice settings (the seller's contact and Peppol id on the tenant; each customer's format,
//! buyer reference and Peppol id), the facts frozen on an invoice, and the lookups an e-invoice
//! needs besides the invoice row (card on file, credit applied, the corrected invoice's date).

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;

use super::corrupt;
use crate::einvoice::{BuyerFacts, Preference, SellerFacts};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};

pub async fn seller_facts(conn: &mut PgConnection, tenant: TenantId) -> Result<SellerFacts> {
    type Row = (Option<String>, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT einvoice_contact_name, einvoice_contact_phone, einvoice_contact_email, peppol_id
         FROM tenants WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?;
    let (contact_name, contact_phone, contact_email, peppol_id) =
        row.ok_or_else(|| Error::not_found("tenant", tenant))?;
    Ok(SellerFacts { contact_name, contact_phone, contact_email, peppol_id })
}

pub async fn set_seller_facts(conn: &mut PgConnection, tenant: TenantId, f: &SellerFacts) -> Result<()> {
    sqlx::query(
        "UPDATE tenants SET einvoice_contact_name = $2, einvoice_contact_phone = $3, einvoice_contact_email = $4,
             peppol_id = $5 WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(&f.contact_name)
    .bind(&f.contact_phone)
    .bind(&f.contact_email)
    .bind(&f.peppol_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A customer's e-invoice settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CustomerSettings {
    pub preference: Preference,
    pub buyer: BuyerFacts,
}

type SettingsRow = (Uuid, String, Option<String>, bool, Option<String>);

fn settings(row: SettingsRow) -> Result<(CustomerId, CustomerSettings)> {
    let (id, format, buyer_reference, public_buyer, peppol_id) = row;
    let preference = Preference::parse(&format).ok_or_else(|| corrupt("e-invoice format", &format))?;
    Ok((
        CustomerId(id),
        CustomerSettings { preference, buyer: BuyerFacts { buyer_reference, public_buyer, peppol_id } },
    ))
}

pub async fn customer_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<CustomerSettings> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT id, einvoice_format, buyer_reference, public_buyer, peppol_id FROM customers
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_optional(conn)
    .await?;
    Ok(settings(row.ok_or_else(|| Error::not_found("customer", customer))?)?.1)
}

/// Settings of many customers at once (the invoice run reads them per chunk).
pub async fn customers_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    customers: &[Uuid],
) -> Result<HashMap<CustomerId, CustomerSettings>> {
    let rows: Vec<SettingsRow> = sqlx::query_as(
        "SELECT id, einvoice_format, buyer_reference, public_buyer, peppol_id FROM customers
         WHERE tenant_id = $1 AND id = ANY($2) AND einvoice_format <> 'pdf'",
    )
    .bind(tenant)
    .bind(customers)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(settings).collect()
}

pub async fn set_customer_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    s: &CustomerSettings,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE customers SET einvoice_format = $3, buyer_reference = $4, public_buyer = $5, peppol_id = $6
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(customer)
    .bind(s.preference.as_str())
    .bind(&s.buyer.buyer_reference)
    .bind(s.buyer.public_buyer)
    .bind(&s.buyer.peppol_id)
    .execute(conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(Error::not_found("customer", customer));
    }
    Ok(())
}

/// What an e-invoice reads besides the invoice row.
#[derive(Debug, Clone, Default)]
pub struct InvoiceExtras {
    /// Frozen at finalization; `None` for invoices finalized before e-invoices existed.
    pub seller: Option<SellerFacts>,
    pub buyer: Option<BuyerFacts>,
    /// The last digits of the customer's default card, if that is how they pay.
    pub card_last4: Option<String>,
    /// What the customer's credit balance paid of the invoice (minor units).
    pub credit_applied: i64,
    /// The issue date of the invoice a credit note corrects.
    pub preceding_issue_date: Option<NaiveDate>,
}

pub async fn invoice_extras(conn: &mut PgConnection, tenant: TenantId, id: InvoiceId) -> Result<InvoiceExtras> {
    type Row = (Option<serde_json::Value>, Option<serde_json::Value>, Option<String>, i64, Option<NaiveDate>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT i.einvoice_seller, i.einvoice_buyer,
             (SELECT pm.last4 FROM payment_methods pm WHERE pm.tenant_id = i.tenant_id
                AND pm.customer_id = i.customer_id AND pm.is_default AND pm.kind = 'card'),
             (SELECT COALESCE(-SUM(b.amount), 0)::bigint FROM customer_balance_transactions b
                WHERE b.tenant_id = i.tenant_id AND b.kind = 'applied_to_invoice' AND b.reference_id = i.id),
             (SELECT o.issue_date FROM invoices o WHERE o.tenant_id = i.tenant_id
                AND o.id = COALESCE(i.original_invoice_id, i.credit_note_for))
         FROM invoices i WHERE i.tenant_id = $1 AND i.id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let (seller, buyer, card_last4, credit_applied, preceding_issue_date) =
        row.ok_or_else(|| Error::not_found("invoice", id))?;
    Ok(InvoiceExtras {
        seller: seller.map(serde_json::from_value).transpose().map_err(|e| corrupt("e-invoice seller facts", e))?,
        buyer: buyer.map(serde_json::from_value).transpose().map_err(|e| corrupt("e-invoice buyer facts", e))?,
        card_last4,
        credit_applied,
        preceding_issue_date,
    })
}

/// Customers with a default card, among `customers`.
pub async fn customers_with_card(conn: &mut PgConnection, tenant: TenantId, customers: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT customer_id FROM payment_methods WHERE tenant_id = $1 AND customer_id = ANY($2)
           AND is_default AND kind = 'card'",
    )
    .bind(tenant)
    .bind(customers)
    .fetch_all(conn)
    .await?)
}

/// Issued documents (invoices and credit notes, neither drafts nor voided) with an issue date
/// in `from..=to`, oldest number first, for the bulk export.
pub async fn issued_between(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<InvoiceId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM invoices WHERE tenant_id = $1 AND status NOT IN ('draft', 'void')
           AND issue_date BETWEEN $2 AND $3 AND number IS NOT NULL ORDER BY issue_date, series, sequence, id",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(InvoiceId).collect())
}
