//! `GET /p/{tenant}/logo`: the merchant's uploaded logo (docs/adr/0039), at a stable URL per
//! tenant with an ETag (its SHA-256) and a short public cache, so that the portal header, the
//! console and the mails all show the same file. `If-None-Match` answers 304. An SVG is served
//! with a policy that lets nothing in it run or load.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn serve(
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let found = async {
        let mut conn = state.pool.acquire().await?;
        let Some(tenant) = crate::web::tenant::by_slug(&mut conn, &slug).await? else { return Ok(None) };
        billing_core::service::portal_options::logo(&mut conn, tenant.id).await
    }
    .await;
    let (content_type, data, sha) = match found {
        Ok(Some(logo)) => logo,
        Ok(None) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "logo: lookup failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response();
        }
    };
    let etag = format!("\"{sha}\"");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*"));
    let mut response = if matches { StatusCode::NOT_MODIFIED.into_response() } else { data.into_response() };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300, must-revalidate"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    if !matches && let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    response
}
