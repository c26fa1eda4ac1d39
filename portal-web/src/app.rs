//! The axum application: routes and the middleware every request passes: the edge's input
//! rules (control characters in the URL, the body deadline), one JSON error shape for every
//! error whoever produced it, request metrics and security headers. `/metrics` is served on its
//! own listener (`metrics_router`), or on the public one only behind a token.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::error::{ApiError, REQUEST_LANG};
use crate::api::input::{BodyDeadline, check_uri};
use crate::i18n::negotiate_accept_language;
pub use crate::server::{ServeLimits, serve, serve_with};

pub use crate::server::HttpOptions;
pub use crate::state::{AppState, gateways, gateways_with_key};

/// The public router with the default options and `max_body_bytes`.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    router_with(state, &HttpOptions { max_body_bytes, ..HttpOptions::default() })
}

pub fn router_with(state: AppState, options: &HttpOptions) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest(crate::api::BASE, crate::api::router(state.clone(), options.max_body_bytes))
        .route("/api/docs", get(crate::api::reference::page))
        .route("/webhooks/{id}", axum::routing::post(crate::api::webhooks::receive))
        .nest("/p/{tenant}", crate::portal::router())
        .nest("/c/{tenant}", crate::console::router());
    if let Some(token) = options.metrics_token.clone() {
        app = app.route(
            "/metrics",
            get(metrics).layer(middleware::from_fn(move |req: Request, next: Next| {
                let token = token.clone();
                async move { metrics_guard(&token, req, next).await }
            })),
        );
    }
    let body_timeout = options.body_timeout;
    // A tenant's own domain serves its portal at the root; anything else unmatched is a 404.
    app.fallback(crate::portal::custom_domain)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(middleware::from_fn(move |req: Request, next: Next| edge(body_timeout, req, next)))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// `/metrics` alone, for the metrics listener (`metrics.bind`): merchants', customers' and
/// invoices' counts are not for the public port.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).fallback(not_found).with_state(state)
}

/// Lets a `/metrics` request through only with the configured bearer token.
async fn metrics_guard(token: &str, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests, every byte folded in: the time taken says nothing about how much of
    // the token was right.
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(token.as_bytes()));
    if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 {
        next.run(req).await
    } else {
        // As if there were no such route: the public port does not advertise it.
        not_found().await.into_response()
    }
}

/// The input rules that come before any route: control characters in the decoded path or query
/// are refused, and the body gets its deadline.
async fn edge(body_timeout: Duration, mut req: Request, next: Next) -> Response {
    if let Err(e) = check_uri(req.uri()) {
        return e.into_response();
    }
    req.extensions_mut().insert(BodyDeadline(Instant::now() + body_timeout));
    next.run(req).await
}

/// Every error answer in the JSON error shape: axum's and tower's own rejections (a path segment
/// that is not a number, a missing content type, a limit) answer in plain text; they are rewritten
/// here with a stable code and a localized message, the plain text kept as the detail.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    // Pages render their own errors (`web::layout::error_page`).
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json || is_html {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(),
        StatusCode::REQUEST_TIMEOUT => ApiError::request_timeout(),
        StatusCode::NOT_FOUND => ApiError::new(status, "route_not_found", "error-route-not-found"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(status, "method_not_allowed", "error-method-not-allowed"),
        s if s.is_server_error() => ApiError::new(s, "internal_error", "error-internal"),
        s => ApiError::new(s, "invalid_request", "error-bad-request").arg("detail", detail),
    };
    let mut rewritten = error.into_response();
    // Keep what the original answer said beyond its body (Retry-After, Allow).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    rewritten
}

/// Negotiates the response language, times the request and counts its status.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = negotiate_accept_language(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut response = REQUEST_LANG.scope(lang, next.run(req)).await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    state.metrics.record(response.status().as_u16(), micros);
    tracing::info!(%method, %path, status = response.status().as_u16(), micros, "request");
    // A page that chose its language (the portal's, within the tenant's offered languages) keeps it.
    if let Ok(v) = lang.parse() {
        response.headers_mut().entry(header::CONTENT_LANGUAGE).or_insert(v);
    }
    response
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, "nosniff".parse().expect("static"));
    h.insert(header::X_FRAME_OPTIONS, "DENY".parse().expect("static"));
    h.insert(header::REFERRER_POLICY, "no-referrer".parse().expect("static"));
    h.entry(header::CACHE_CONTROL).or_insert("no-store".parse().expect("static"));
    response
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let gauges: Result<(i64, i64, i64, i64), sqlx::Error> = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM customers),
                (SELECT count(*) FROM subscriptions WHERE status = 'active'), (SELECT count(*) FROM invoices)",
    )
    .fetch_one(&state.pool)
    .await;
    let gauges = match gauges {
        Ok((t, c, s, i)) => vec![
            ("billing_tenants", "Merchants.", t),
            ("billing_customers", "Customers of all merchants.", c),
            ("billing_active_subscriptions", "Active subscriptions.", s),
            ("billing_invoices", "Invoices stored.", i),
        ],
        Err(_) => vec![("billing_database_up", "Whether the database answered.", 0)],
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render(&gauges))
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "error-route-not-found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "error-method-not-allowed")
}
