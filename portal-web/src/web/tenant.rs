//! Which tenant a portal request is for: the request's host name when a tenant has made it its
//! own (a CNAME to the server, table `portal_domains`), else the path prefix `/p/{slug}/…` that
//! the shared host, the demo and the tests use.
//!
//! The portal's routes live once, below `/p/{tenant}`. A request on a tenant's own domain (`/`,
//! `/invoices`, …) matches no other route and reaches `portal::custom_domain` (the router's fallback),
//! which looks the host up and hands the request on below `/p/{slug}` with [`PortalBase`] empty,
//! so that the pages link without the prefix.

use axum::http::header;
use billing_core::ids::TenantId;
use billing_core::tenant::Tenant;
use sqlx::PgConnection;

/// The portal's root as the browser sees it, when it is not `/p/{slug}`.
#[derive(Debug, Clone)]
pub struct PortalBase(pub String);

/// The host name of the request, lower case and without the port.
pub fn request_host(req_headers: &axum::http::HeaderMap) -> Option<String> {
    let host = req_headers.get(header::HOST)?.to_str().ok()?;
    let name =
        if host.starts_with('[') { host.split(']').next()?.trim_start_matches('[') } else { host.split(':').next()? };
    Some(name.to_ascii_lowercase())
}

pub async fn by_slug(conn: &mut PgConnection, slug: &str) -> billing_core::Result<Option<Tenant>> {
    billing_core::store::tenants::get_by_slug(conn, slug).await
}

pub async fn by_host(conn: &mut PgConnection, host: &str) -> billing_core::Result<Option<Tenant>> {
    let Some(id): Option<TenantId> = billing_core::store::portal::tenant_for_host(conn, host).await? else {
        return Ok(None);
    };
    billing_core::store::tenants::get(conn, id).await
}
