//! Customers.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Page, PageRequest, corrupt};
use crate::country::Country;
use crate::currency::Currency;
use crate::customer::{Customer, NewCustomer};
use crate::email::EmailAddress;
use crate::error::Result;
use crate::ids::{CustomerId, TenantId};
use crate::party::PostalAddress;
use crate::tax::{CustomerKind, VatId, VatIdStatus};

#[derive(sqlx::FromRow)]
pub(super) struct CustomerRow {
    id: Uuid,
    email: String,
    name: String,
    country: String,
    currency: String,
    locale: String,
    kind: String,
    vat_id: Option<String>,
    vat_id_status: Option<serde_json::Value>,
    tax_exempt: bool,
    segment: Option<String>,
    created_at: DateTime<Utc>,
    company_name: Option<String>,
    address_line1: Option<String>,
    address_line2: Option<String>,
    address_postal_code: Option<String>,
    address_city: Option<String>,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = crate::error::Error;
    fn try_from(r: CustomerRow) -> Result<Self> {
        let country = Country::parse(&r.country).map_err(|e| corrupt("customer country", e))?;
        let address = match (r.address_line1, r.address_postal_code, r.address_city) {
            (Some(line1), Some(postal_code), Some(city)) => {
                Some(PostalAddress { line1, line2: r.address_line2, postal_code, city, country })
            }
            _ => None,
        };
        Ok(Customer {
            company_name: r.company_name,
            address,
            id: CustomerId(r.id),
            email: EmailAddress::parse(&r.email).map_err(|e| corrupt("customer email", e))?,
            name: r.name,
            country,
            currency: Currency::from_code(&r.currency).map_err(|e| corrupt("customer currency", e))?,
            locale: r.locale,
            kind: kind_from_row(&r.kind),
            vat_id: vat_id_from_row(r.vat_id.as_deref())?,
            vat_id_status: vat_status_from_row(r.vat_id_status)?,
            tax_exempt: r.tax_exempt,
            segment: r.segment,
            created_at: r.created_at,
        })
    }
}

/// The stored customer kind (`business` or `consumer`).
pub(crate) fn kind_from_row(kind: &str) -> CustomerKind {
    if kind == "business" { CustomerKind::Business } else { CustomerKind::Consumer }
}

/// A stored VAT ID, parsed again (it was checked when stored; a failure means corrupt data).
pub(crate) fn vat_id_from_row(vat_id: Option<&str>) -> Result<Option<VatId>> {
    vat_id.map(VatId::parse).transpose().map_err(|e| corrupt("customer VAT id", e))
}

/// The stored VAT ID validation result and its evidence.
pub(crate) fn vat_status_from_row(status: Option<serde_json::Value>) -> Result<Option<VatIdStatus>> {
    status.map(serde_json::from_value::<VatIdStatus>).transpose().map_err(|e| corrupt("VAT id status", e))
}

pub(super) const SELECT: &str =
    "SELECT id, email, name, country, currency, locale, kind, vat_id, vat_id_status, tax_exempt, segment, created_at,
    company_name, address_line1, address_line2, address_postal_code, address_city FROM customers";

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    c: &NewCustomer,
    now: DateTime<Utc>,
) -> Result<Customer> {
    let id = CustomerId::new();
    // VIES is not consulted at entry (docs/adr/0006): the status records that only the format and
    // check digits were verified, and when.
    let status = c
        .vat_id
        .as_ref()
        .map(|_| VatIdStatus::Unverified { reason: "check digits valid; VIES not consulted".into(), since: now });
    let kind = match c.kind {
        CustomerKind::Business => "business",
        CustomerKind::Consumer => "consumer",
    };
    sqlx::query(
        "INSERT INTO customers (tenant_id, id, email, name, country, currency, locale, created_at, kind, vat_id, vat_id_status, segment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant)
    .bind(id)
    .bind(c.email.as_str())
    .bind(&c.name)
    .bind(c.country.code())
    .bind(c.currency.code())
    .bind(c.locale)
    .bind(now)
    .bind(kind)
    .bind(c.vat_id.as_ref().map(|v| v.to_string()))
    .bind(status.as_ref().map(|s| serde_json::to_value(s).unwrap_or_default()))
    .bind(&c.segment)
    .execute(&mut *conn)
    .await?;
    let customer = Customer {
        id,
        email: c.email.clone(),
        name: c.name.clone(),
        country: c.country,
        currency: c.currency,
        locale: c.locale.to_string(),
        kind: c.kind,
        vat_id: c.vat_id.clone(),
        vat_id_status: status,
        tax_exempt: false,
        segment: c.segment.clone(),
        created_at: now,
        company_name: c.company_name.clone(),
        address: c.address.clone(),
    };
    update_billing_details(conn, tenant, &customer).await?;
    Ok(customer)
}

/// Stores the customer's name, email, locale, company name and billing address.
pub async fn update_billing_details(conn: &mut PgConnection, tenant: TenantId, c: &Customer) -> Result<()> {
    let a = c.address.as_ref();
    sqlx::query(
        "UPDATE customers SET name = $3, email = $4, locale = $5, company_name = $6, address_line1 = $7,
             address_line2 = $8, address_postal_code = $9, address_city = $10
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(c.id)
    .bind(&c.name)
    .bind(c.email.as_str())
    .bind(&c.locale)
    .bind(&c.company_name)
    .bind(a.map(|a| &a.line1))
    .bind(a.and_then(|a| a.line2.as_ref()))
    .bind(a.map(|a| &a.postal_code))
    .bind(a.map(|a| &a.city))
    .execute(conn)
    .await?;
    Ok(())
}

/// The customer, locked until the transaction ends (the caller re-checks and updates it).
pub async fn get_for_update(conn: &mut PgConnection, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>> {
    let row: Option<CustomerRow> = sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2 FOR UPDATE"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Customer::try_from).transpose()
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: CustomerId) -> Result<Option<Customer>> {
    let row: Option<CustomerRow> = sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(Customer::try_from).transpose()
}

#[derive(sqlx::FromRow)]
struct CustomerWithFlags {
    #[sqlx(flatten)]
    customer: CustomerRow,
    may_be_in_dunning: bool,
    restricted: bool,
}

/// A customer read with one statement together with two flags: `may_be_in_dunning` (an open
/// invoice with an amount due whose latest payment attempt failed, or that was never charged, is
/// past its due date and will not be charged: the merchant sends invoices or the customer has no
/// method — the rule of `store::dunning::for_customer`'s work list (ADR 0047) without its charges
/// exclusion, so a superset: when it is false the customer has no dunning state) and `restricted`
/// (`store::dunning::is_restricted`).
pub async fn get_with_dunning_flags(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: CustomerId,
    today: chrono::NaiveDate,
) -> Result<Option<(Customer, bool, bool)>> {
    use super::dunning::{LATEST_ATTEMPT_FAILED, NEVER_CHARGED_OVERDUE};
    let select = SELECT.replacen(" FROM customers", ", f.may_be_in_dunning, f.restricted FROM customers", 1);
    let row: Option<CustomerWithFlags> = sqlx::query_as(&format!(
        "{select} c,
           LATERAL (SELECT EXISTS (SELECT 1 FROM invoices i
                                    WHERE i.tenant_id = c.tenant_id AND i.customer_id = c.id
                                      AND i.status = 'open' AND i.total > i.amount_paid
                                      -- its latest attempt failed, or never charged, past its due
                                      -- date on `today` and nothing will charge it (ADR 0047)
                                      AND ({LATEST_ATTEMPT_FAILED}
                                           OR ({NEVER_CHARGED_OVERDUE}
                                               AND (EXISTS (SELECT 1 FROM tenants t
                                                             WHERE t.tenant_id = c.tenant_id
                                                               AND t.collection_method = 'send_invoice')
                                                    OR NOT EXISTS (SELECT 1 FROM payment_methods pm
                                                                    WHERE pm.tenant_id = c.tenant_id
                                                                      AND pm.customer_id = c.id
                                                                      AND pm.removed_at IS NULL)))))
                  -- a pause staff made shows on the customer even without an invoice in dunning
                  OR EXISTS (SELECT 1 FROM dunning_pauses p
                              WHERE p.tenant_id = c.tenant_id AND p.customer_id = c.id
                                AND p.resumed_at IS NULL) AS may_be_in_dunning,
                           EXISTS (SELECT 1 FROM invoices i
                                     JOIN dunning_steps s ON s.tenant_id = i.tenant_id AND s.invoice_id = i.id
                                    WHERE i.tenant_id = c.tenant_id AND i.customer_id = c.id
                                      AND i.status IN ('open', 'uncollectible')
                                      AND s.action = 'restrict' AND s.outcome = 'done') AS restricted) f
         WHERE c.tenant_id = $1 AND c.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(today)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((Customer::try_from(r.customer)?, r.may_be_in_dunning, r.restricted))).transpose()
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId, page: PageRequest) -> Result<Page<Customer>> {
    let rows: Vec<CustomerRow> =
        sqlx::query_as(&format!("{SELECT} WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"))
            .bind(tenant)
            .bind(page.cursor())
            .bind(page.fetch_limit())
            .fetch_all(conn)
            .await?;
    Page::from_rows(rows, page).try_map(Customer::try_from)
}

pub async fn count(conn: &mut PgConnection, tenant: TenantId) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM customers WHERE tenant_id = $1").bind(tenant).fetch_one(conn).await?)
}

/// The customer's own payment terms in days (`Some(None)`: the customer exists and has none).
pub async fn payment_terms_days(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Option<Option<i32>>> {
    Ok(sqlx::query_scalar("SELECT payment_terms_days FROM customers WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(customer)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Sets the customer's own payment terms (`None`: the tenant's default); false when there is no
/// such customer.
pub async fn set_payment_terms_days(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    days: Option<i32>,
) -> Result<bool> {
    let updated = sqlx::query("UPDATE customers SET payment_terms_days = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(customer)
        .bind(days)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(updated > 0)
}

/// Stores a customer's VAT ID (already validated by `VatId::parse`) as not yet confirmed by
/// VIES, or clears it; the `vies-recheck` job confirms it.
pub async fn set_vat_id(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: CustomerId,
    vat_id: Option<&crate::tax::VatId>,
    status: Option<&crate::tax::VatIdStatus>,
) -> Result<()> {
    sqlx::query("UPDATE customers SET vat_id = $3, vat_id_status = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(vat_id.map(|v| v.to_string()))
        .bind(status.map(|s| serde_json::to_value(s).unwrap_or_default()))
        .execute(conn)
        .await?;
    Ok(())
}

/// The customer's name (for mails that name the customer without a document).
pub async fn name(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT name FROM customers WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(customer)
        .fetch_optional(conn)
        .await?)
}

/// Where the customer's mail goes and in which language: (email, locale).
pub async fn mail_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Option<MailContact>> {
    Ok(sqlx::query_as(
        "SELECT c.email, c.locale, t.default_locale, s.offered_locales
           FROM customers c
           JOIN tenants t ON t.tenant_id = c.tenant_id
           LEFT JOIN portal_settings s ON s.tenant_id = c.tenant_id
          WHERE c.tenant_id = $1 AND c.id = $2",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_optional(conn)
    .await?)
}

/// A customer's address and language, with the merchant's default and offered languages (the
/// mail's language falls back within them).
#[derive(Debug, sqlx::FromRow)]
pub struct MailContact {
    pub email: String,
    pub locale: String,
    pub default_locale: String,
    pub offered_locales: Option<Vec<String>>,
}
