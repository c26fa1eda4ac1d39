//! Which tenant a portal request is for: the request's host name when a tenant has made it its
//! own (a CNAME to the server, table `portal_domains`), else the path prefix `/p/{slug}/…` that
//! the shared host, the demo and the tests use.
//!
//! The portal's routes live once, below `/p/{tenant}`. A request on a tenant's own domain (`/`,
//! `/invoices`, …) matches no other route and reaches [`custom_domain`] (the router's fallback),
//! which looks the host up and hands the request on below `/p/{slug}` with [`PortalBase`] empty,
//! so that the pages link without the prefix.

use axum::extract::{Request, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use billing_core::ids::TenantId;
use billing_core::tenant::Tenant;
use sqlx::PgConnection;
use tower::ServiceExt;

use crate::app::AppState;

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

/// The fallback of the public router: a tenant's own domain gets its portal, anything else the
/// API's 404.
pub async fn custom_domain(State(state): State<AppState>, mut req: Request) -> Response {
    let found = match (request_host(req.headers()), state.pool.acquire().await) {
        (Some(host), Ok(mut conn)) => by_host(&mut conn, &host).await.ok().flatten(),
        _ => None,
    };
    let Some(tenant) = found else {
        return crate::api::error::ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "route_not_found",
            "error-route-not-found",
        )
        .into_response();
    };
    // The portal's root is `/p/{slug}` itself, without a trailing slash.
    let path = match req.uri().path() {
        "/" => "",
        p => p,
    };
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let Ok(uri) = format!("/p/{}{path}{query}", tenant.slug).parse::<Uri>() else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    *req.uri_mut() = uri;
    req.extensions_mut().insert(PortalBase(String::new()));
    let portal = axum::Router::new().nest("/p/{tenant}", crate::portal::router()).with_state(state);
    match portal.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}
