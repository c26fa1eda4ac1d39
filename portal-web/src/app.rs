//! The axum application: state, routes and the middleware every request passes.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use billing_core::clock::Clock;
use sqlx::PgPool;

use crate::api::error::{ApiError, REQUEST_LANG};
use crate::i18n::negotiate_accept_language;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// Where customers' EU VAT IDs are confirmed (VIES).
    pub vat_verifier: Arc<dyn billing_core::tax::vies::VatIdVerifier>,
    /// The tenants' gateway accounts, built on first use and cached; sandbox accounts keep their
    /// records in the database.
    pub gateways: Arc<gateway_adapters::directory::Directory>,
}

impl AppState {
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            metrics: Arc::new(Metrics::default()),
            vat_verifier: Arc::new(crate::vies::HttpVies::new(&crate::config::ViesConfig::default())),
            gateways: Arc::new(gateways(&pool)),
            pool,
        }
    }

    /// The same state with another VIES client (the configured one, or a test peer).
    pub fn with_vat_verifier(mut self, verifier: Arc<dyn billing_core::tax::vies::VatIdVerifier>) -> Self {
        self.vat_verifier = verifier;
        self
    }
}

/// The gateway directory of a `billing` process: sandbox accounts keep their records in the
/// database, so every process on it sees one sandbox provider.
pub fn gateways(pool: &PgPool) -> gateway_adapters::directory::Directory {
    gateway_adapters::directory::Directory::with_sandbox_stores(Arc::new(crate::sandbox_store::PgSandboxStores::new(
        pool.clone(),
    )))
}

pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest("/api/v1", crate::api::router(state.clone(), max_body_bytes))
        .route("/webhooks/{id}", axum::routing::post(crate::api::webhooks::receive))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
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
    if let Ok(v) = lang.parse() {
        response.headers_mut().insert(header::CONTENT_LANGUAGE, v);
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

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
