//! Customer use cases.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::customer::{Customer, NewCustomer, NewCustomerInput};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::outbox::OutboxMessage;
use crate::store::{self, Page, PageRequest};

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &NewCustomerInput,
    now: DateTime<Utc>,
) -> Result<Customer> {
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let new = NewCustomer::parse(input, &t.default_locale)?;
    let customer = store::customers::insert(conn, tenant, &new, now).await?;
    let created = OutboxMessage::CustomerCreated {
        customer: customer.id,
        email: customer.email.to_string(),
        name: customer.name.clone(),
        country: customer.country.code().to_string(),
        currency: customer.currency.code().to_string(),
        locale: customer.locale.clone(),
    };
    store::outbox::enqueue(conn, tenant, &[created], now).await?;
    Ok(customer)
}

/// Changes a customer's billing details (name, email, locale, company, address); invoices already
/// finalized keep the details frozen on them.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: CustomerId,
    input: &crate::customer::CustomerUpdateInput,
    now: DateTime<Utc>,
) -> Result<Customer> {
    let current =
        store::customers::get_for_update(conn, tenant, id).await?.ok_or_else(|| Error::not_found("customer", id))?;
    let updated = input.apply(&current)?;
    store::customers::update_billing_details(conn, tenant, &updated).await?;
    let message = OutboxMessage::CustomerUpdated {
        customer: updated.id,
        email: updated.email.to_string(),
        name: updated.name.clone(),
        locale: updated.locale.clone(),
    };
    store::outbox::enqueue(conn, tenant, &[message], now).await?;
    Ok(updated)
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: CustomerId) -> Result<Customer> {
    store::customers::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("customer", id))
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId, page: PageRequest) -> Result<Page<Customer>> {
    store::customers::list(conn, tenant, page).await
}
