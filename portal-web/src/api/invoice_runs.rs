//! `/api/v1/invoice_runs`: start a run for the calling merchant (dry or real), list and read the
//! recorded runs, download a run's CSV report.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::ids::{InvoiceRunId, TenantId};
use billing_core::jobs::invoice_run::{self, NoProgress, RunOptions};
use billing_core::run_report::RunTotals;
use billing_core::service::invoice_runs::{self, RunReport};
use billing_core::store::runs::InvoiceRunRecord;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::error::{ApiError, ApiResult, REQUEST_LANG};
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::pagination::{ListQuery, ListResponse};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRunRequest {
    /// The run date; today in the merchant's time zone when absent.
    pub as_of: Option<NaiveDate>,
    #[serde(default)]
    pub dry_run: bool,
    /// A real run for a date after today is refused (`invoice_run_date_in_future`) unless this is
    /// true; a dry run may always look ahead.
    #[serde(default)]
    pub allow_future: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExceptionBody {
    pub subscription: String,
    pub customer: String,
    pub code: &'static str,
    pub blocking: bool,
    pub message: String,
}

/// Invoices and amounts of a run in one currency (minor units).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunCurrencyTotal {
    /// ISO 4217.
    pub currency: String,
    pub invoices: u64,
    pub net: i64,
    pub vat: i64,
    pub total: i64,
}

/// Amounts of one VAT rate group in one currency (minor units); `invoices` counts the invoices
/// that have a group at this rate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunRateTotal {
    pub currency: String,
    /// The VAT category code (`S` standard, `AE` reverse charge, `Z`, `E`, ...).
    #[schema(example = "S")]
    pub vat_category: String,
    /// The rate in percent, a decimal number as a string.
    #[schema(value_type = String, example = "19")]
    pub vat_rate: rust_decimal::Decimal,
    pub invoices: u64,
    pub net: i64,
    pub vat: i64,
    pub total: i64,
}

/// The totals of a run, per currency and per (currency, VAT category, rate); amounts in
/// different currencies are never added together.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunTotalsBody {
    pub by_currency: Vec<RunCurrencyTotal>,
    pub by_rate: Vec<RunRateTotal>,
}

impl From<RunTotals> for RunTotalsBody {
    fn from(t: RunTotals) -> Self {
        Self {
            by_currency: t
                .by_currency
                .into_iter()
                .map(|c| RunCurrencyTotal {
                    currency: c.currency,
                    invoices: c.invoices,
                    net: c.net,
                    vat: c.vat,
                    total: c.total,
                })
                .collect(),
            by_rate: t
                .by_rate
                .into_iter()
                .map(|r| RunRateTotal {
                    currency: r.currency,
                    vat_category: r.vat_category,
                    vat_rate: r.vat_rate,
                    invoices: r.invoices,
                    net: r.net,
                    vat: r.vat,
                    total: r.total,
                })
                .collect(),
        }
    }
}

/// The ECB rate one currency was converted at.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportingRateBody {
    pub currency: String,
    /// The conversion rate from `currency` into the reporting currency, a decimal number as a string.
    #[schema(value_type = String, example = "0.8571")]
    pub rate: rust_decimal::Decimal,
    /// The ECB publication the rate is from.
    pub rate_date: NaiveDate,
}

/// A run's totals in one reporting currency (minor units): each currency's net and VAT converted
/// at the ECB reference rate of the run's date, rounded once per amount; `total` is net + VAT.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportingTotalsBody {
    pub currency: String,
    pub net: i64,
    pub vat: i64,
    pub total: i64,
    /// The rate used per converted currency.
    pub rates: Vec<ReportingRateBody>,
    /// Currencies without an ECB rate near the date: left out of the sums above.
    pub unconverted: Vec<String>,
}

impl From<billing_core::run_report::ReportingTotals> for ReportingTotalsBody {
    fn from(t: billing_core::run_report::ReportingTotals) -> Self {
        Self {
            currency: t.currency,
            net: t.net,
            vat: t.vat,
            total: t.total,
            rates: t
                .rates
                .into_iter()
                .map(|r| ReportingRateBody { currency: r.currency, rate: r.rate, rate_date: r.rate_date })
                .collect(),
            unconverted: t.unconverted,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunBody {
    pub id: String,
    pub object: &'static str,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub status: String,
    pub triggered_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: i64,
    pub resumed_count: i32,
    pub subscriptions_considered: i64,
    pub invoices_created: i64,
    pub subscriptions_skipped: i64,
    pub exceptions_count: i64,
    /// Minor units per currency and per (currency, VAT category, rate).
    pub totals: RunTotalsBody,
    /// Only on a single run (POST, GET by id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<Vec<ExceptionBody>>,
    /// On a single run: the totals in the merchant's national currency (or `?reporting_currency=`),
    /// converted at the ECB rates of the run's as-of date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting: Option<ReportingTotalsBody>,
}

fn lang() -> &'static str {
    REQUEST_LANG.try_with(|l| *l).unwrap_or("en")
}

impl RunBody {
    fn from_record(r: InvoiceRunRecord) -> billing_core::Result<Self> {
        Ok(Self {
            id: r.run_id().to_string(),
            object: "invoice_run",
            totals: r.run_totals()?.into(),
            as_of: r.as_of,
            dry_run: r.dry_run,
            status: r.status,
            triggered_by: r.triggered_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            resumed_count: r.resumed_count,
            subscriptions_considered: r.subscriptions_considered,
            invoices_created: r.invoices_created,
            subscriptions_skipped: r.subscriptions_skipped,
            exceptions_count: r.exceptions_count,
            exceptions: None,
            reporting: None,
        })
    }

    /// A single run with its exceptions (in the request's language) and reporting totals.
    fn from_report(report: RunReport, reporting: Option<billing_core::run_report::ReportingTotals>) -> Self {
        let lang = lang();
        let exceptions = report
            .exceptions
            .iter()
            .map(|e| ExceptionBody {
                subscription: e.subscription_id.to_string(),
                customer: e.customer_id.to_string(),
                code: e.code.as_str(),
                blocking: e.blocking,
                message: crate::ops::run_report::exception_message(lang, e),
            })
            .collect();
        let r = report.record;
        Self {
            id: r.run_id().to_string(),
            object: "invoice_run",
            totals: report.totals.into(),
            as_of: r.as_of,
            dry_run: r.dry_run,
            status: r.status,
            triggered_by: r.triggered_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            resumed_count: r.resumed_count,
            subscriptions_considered: r.subscriptions_considered,
            invoices_created: r.invoices_created,
            subscriptions_skipped: r.subscriptions_skipped,
            exceptions_count: r.exceptions_count,
            exceptions: Some(exceptions),
            reporting: reporting.map(Into::into),
        }
    }
}

async fn load(conn: &mut PgConnection, tenant: TenantId, id: InvoiceRunId) -> ApiResult<RunBody> {
    load_in(conn, tenant, id, None).await
}

async fn load_in(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    reporting_currency: Option<&str>,
) -> ApiResult<RunBody> {
    let report = invoice_runs::report(conn, tenant, id).await?;
    let reporting =
        invoice_runs::reporting_totals(conn, tenant, report.record.as_of, &report.totals, reporting_currency).await?;
    Ok(RunBody::from_report(report, reporting))
}

/// Who called: `api:<API key id>`, or `cli:<os user>` for `billing api` on the command line.
async fn caller(conn: &mut PgConnection, tenant: TenantId, headers: &HeaderMap) -> ApiResult<String> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    Ok(match secret {
        Some(s) => match invoice_runs::api_key_id(conn, tenant, s).await? {
            Some(id) => format!("api:{id}"),
            None => "api".into(),
        },
        None => format!(
            "cli:{}",
            std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into())
        ),
    })
}

/// Runs synchronously and answers the recorded run. The run commits chunk by chunk on its own
/// connection; under an Idempotency-Key the API's idempotency layer claims the key first (a
/// duplicate arriving meanwhile gets 409), stores the answer afterwards, and gives the key back
/// when the run fails. The run itself is idempotent: a repeat without a key invoices nothing new.
#[utoipa::path(
    post,
    path = "/api/v1/invoice_runs",
    tag = "invoice runs",
    request_body = StartRunRequest,
    responses((status = 201, description = "The run's report.", body = RunBody), (status = 422, description = "A real run for a day after today (`invoice_run_date_in_future`).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartRunRequest>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let as_of = match req.as_of {
        Some(d) => d,
        None => invoice_run::tenant_today(&mut conn, tenant, now).await?,
    };
    let mut opts = RunOptions::new(as_of);
    opts.dry_run = req.dry_run;
    opts.allow_future = req.allow_future;
    opts.tenant = Some(tenant);
    opts.triggered_by = caller(&mut conn, tenant, &headers).await?;
    // The run takes its own connection (one at a time on the embedded database).
    drop(conn);
    let summary = invoice_run::run(&state.pool, &opts, now, &NoProgress).await?;
    let run = summary.tenants.first().and_then(|t| t.run_id).ok_or_else(ApiError::internal)?;
    let mut conn = state.pool.acquire().await?;
    let body = serde_json::to_value(load(&mut conn, tenant, run).await?).map_err(|_| ApiError::internal())?;
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/invoice_runs",
    tag = "invoice runs",
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "How many items (1-100, default 20)."), ("starting_after" = Option<String>, Query, description = "The `next_cursor` of the previous page.")),
    responses((status = 200, description = "A page of runs.", body = ListResponse<RunBody>))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<ListResponse<RunBody>>> {
    let page = q.page::<InvoiceRunId>(|id| id.as_uuid())?;
    let mut conn = state.pool.acquire().await?;
    let found = invoice_runs::list_page(&mut conn, tenant, page).await?;
    let mut data = Vec::with_capacity(found.items.len());
    for r in found.items {
        data.push(RunBody::from_record(r)?);
    }
    let next_cursor = if found.has_more { data.last().map(|r: &RunBody| r.id.clone()) } else { None };
    Ok(axum::Json(ListResponse { object: "list", has_more: found.has_more, next_cursor, data }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GetRunQuery {
    /// Convert the totals into this currency instead of the merchant's national one.
    pub reporting_currency: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/invoice_runs/{id}",
    tag = "invoice runs",
    params(("id" = String, Path, description = "The run."), GetRunQuery),
    responses((status = 200, description = "The run's report with its exceptions.", body = RunBody))
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<GetRunQuery>,
) -> ApiResult<axum::Json<RunBody>> {
    let id: InvoiceRunId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(load_in(&mut conn, tenant, id, q.reporting_currency.as_deref()).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/invoice_runs/{id}/report.csv",
    tag = "invoice runs",
    params(("id" = String, Path, description = "The run.")),
    responses((status = 200, description = "The run's report as CSV.", body = String, content_type = "text/csv"))
)]
pub async fn report(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id: InvoiceRunId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let run = invoice_runs::report(&mut conn, tenant, id).await?;
    let (csv, _) = crate::ops::run_report::run_csv(&mut conn, &run, lang()).await?;
    let disposition = format!("attachment; filename=\"invoice-run-{id}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        csv,
    )
        .into_response())
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get_one, report))]
pub struct Doc;
