//! Invoice queries.

use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::store::invoices::{Invoice, InvoiceFilter};
use crate::store::{self, Page, PageRequest};

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
