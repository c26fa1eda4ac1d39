//! The request log (docs/adr/0026): a middleware around the API router records each
//! authenticated request (method, route template, status, key name, idempotency key, duration,
//! error code; never a body, a secret or a query string), and `GET /api/v1/request_logs` lists
//! them with filters. `full` keys only. Entries older than `[api] request_log_days` are pruned by
//! the `prune-request-log` job.

use std::time::Instant;

use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use billing_core::store::request_log::{RequestLogEntry, RequestLogFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiResult, ErrorCode};
use super::extract::{ApiQuery, AuthTenant, KeySlot};
use super::pagination::ListResponse;
use super::{Route, get};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![get("/request_logs", list)]
}

/// The middleware: see the module documentation. The entry is queued after the answer went out
/// and written by the state's [`crate::request_log_writer::RequestLogWriter`]; a failure to write it is logged and changes
/// nothing for the client.
pub async fn layer(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let slot = KeySlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().to_string();
    let path = template(req.method(), req.uri().path());
    let idempotency_key = super::idempotency::key_from(req.headers()).ok().flatten().map(str::to_owned);
    let response = next.run(req).await;
    let (Some(used), Some(path)) = (slot.0.get().cloned(), path) else {
        return response;
    };
    let entry = RequestLogEntry {
        id: uuid::Uuid::now_v7(),
        at: app.clock.now(),
        method,
        path,
        status: i16::try_from(response.status().as_u16()).unwrap_or(i16::MAX),
        key_name: Some(used.name),
        idempotency_key,
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        error_code: response.extensions().get::<ErrorCode>().map(|c| c.0.to_string()),
    };
    app.request_log.send(&app.pool, used.tenant, entry);
    response
}

/// The route template a request's path matches (`/api/v1/invoices/{id}/pay`): the log never keeps
/// the ids of a path. (axum's `MatchedPath` needs a feature this workspace does not enable.)
fn template(method: &Method, path: &str) -> Option<String> {
    static TABLE: OnceLock<Vec<(Method, Vec<&'static str>, &'static str)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        super::routes()
            .into_iter()
            .map(|r| (r.method.clone(), r.path.split('/').filter(|s| !s.is_empty()).collect(), r.path))
            .collect()
    });
    let path = path.strip_prefix(super::BASE).unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    table
        .iter()
        .filter(|(m, pattern, _)| m == method && pattern.len() == segments.len())
        // A fixed segment beats a parameter: the most fixed segments that match wins.
        .filter(|(_, pattern, _)| pattern.iter().zip(&segments).all(|(p, s)| p.starts_with('{') || p == s))
        .max_by_key(|(_, pattern, _)| pattern.iter().filter(|p| !p.starts_with('{')).count())
        .map(|(_, _, template)| format!("{}{template}", super::BASE))
}

/// Filters of `GET /api/v1/request_logs`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestLogQuery {
    /// How many entries (1-100, default 20), newest first.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub starting_after: Option<String>,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: Option<String>,
    /// A route template as the entries show it, e.g. `/api/v1/invoices/{id}/pay`.
    pub path: Option<String>,
    /// One HTTP status.
    #[param(minimum = 100, maximum = 599)]
    pub status: Option<i16>,
    /// `true`: only refused or failed requests (status 400 and above); `false`: only the others.
    pub failed: Option<bool>,
    pub key_name: Option<String>,
    pub error_code: Option<String>,
    pub idempotency_key: Option<String>,
    /// Entries at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// One API request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestLogBody {
    pub id: String,
    /// Always `request_log`.
    pub object: &'static str,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The route's template.
    pub path: String,
    pub status: i16,
    pub key_name: Option<String>,
    pub idempotency_key: Option<String>,
    pub duration_ms: i32,
    pub error_code: Option<String>,
}

impl From<RequestLogEntry> for RequestLogBody {
    fn from(e: RequestLogEntry) -> Self {
        Self {
            id: format!("req_{}", e.id.simple()),
            object: "request_log",
            at: e.at,
            method: e.method,
            path: e.path,
            status: e.status,
            key_name: e.key_name,
            idempotency_key: e.idempotency_key,
            duration_ms: e.duration_ms,
            error_code: e.error_code,
        }
    }
}

fn cursor(text: &str) -> ApiResult<uuid::Uuid> {
    text.strip_prefix("req_")
        .and_then(|u| uuid::Uuid::parse_str(u).ok())
        .ok_or_else(|| billing_core::Error::invalid("starting_after", "a request log id (`req_…`)").into())
}

#[utoipa::path(
    get,
    path = "/api/v1/request_logs",
    tag = "api keys",
    params(RequestLogQuery),
    responses((status = 200, description = "A page of the merchant's API requests, newest first.", body = ListResponse<RequestLogBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<RequestLogQuery>,
) -> ApiResult<axum::Json<ListResponse<RequestLogBody>>> {
    let after = q.starting_after.as_deref().map(cursor).transpose()?;
    let page = billing_core::store::PageRequest::new(q.limit, after)?;
    let filter = RequestLogFilter {
        method: q.method.map(|m| m.to_ascii_uppercase()),
        path: q.path,
        status: q.status,
        failed: q.failed,
        key_name: q.key_name,
        error_code: q.error_code,
        idempotency_key: q.idempotency_key,
        since: q.since,
        until: q.until,
    };
    let mut conn = state.pool.acquire().await?;
    let found = billing_core::service::request_log::list(&mut conn, tenant, &filter, page).await?;
    Ok(axum::Json(ListResponse::from_page(found, |e| format!("req_{}", e.id.simple()), RequestLogBody::from)))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
pub struct Doc;
