//! The revenue and portal metrics (docs/metrics.md): `GET /metrics/mrr`, `/metrics/portal` and
//! `/metrics/revenue`, each as JSON or, with `Accept: text/csv` or `format=csv`, as CSV. Ratios
//! are decimal strings with four places (`"0.2500"`), money integer minor units.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use billing_core::currency::Currency;
use billing_core::service::metrics::{
    self, Interval, MrrPeriod, MrrReport, MrrSeries, PortalReport, Range, RevenueReport,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiQuery, AuthTenant};
use super::{Route, get};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(mrr, portal, revenue))]
pub struct Doc;

pub fn routes() -> Vec<Route> {
    vec![get("/metrics/mrr", mrr), get("/metrics/portal", portal), get("/metrics/revenue", revenue)]
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MrrQuery {
    /// First day (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    /// `month` (default) or `day`.
    pub interval: Option<String>,
    /// A reporting currency: every currency converted at the ECB rate of each day.
    pub currency: Option<String>,
    /// `csv` for CSV (as `Accept: text/csv`).
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    /// `csv` for CSV (as `Accept: text/csv`).
    pub format: Option<String>,
}

pub(crate) fn range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> billing_core::Result<Range> {
    let from = from.ok_or_else(|| billing_core::Error::invalid("from", "is required (YYYY-MM-DD)"))?;
    let to = to.ok_or_else(|| billing_core::Error::invalid("to", "is required (YYYY-MM-DD)"))?;
    Range::new(from, to)
}

/// CSV when `format=csv` or the Accept header asks for `text/csv`; `format` other than `csv` or
/// `json` is refused.
pub(crate) fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> billing_core::Result<bool> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(billing_core::Error::invalid("format", "must be `json` or `csv`")),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.split(',').any(|p| p.trim().starts_with("text/csv")))),
    }
}

pub(crate) fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

fn dec(d: &Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// One period of one series: minor units, contraction and churn negative.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MrrPeriodBody {
    pub start: NaiveDate,
    /// The period's last day (included).
    pub end: NaiveDate,
    pub mrr_start: i64,
    pub mrr: i64,
    pub arr: i64,
    pub new: i64,
    pub expansion: i64,
    pub contraction: i64,
    pub churn: i64,
    pub reactivation: i64,
    pub net_new: i64,
    /// Reporting currency only: the change from exchange rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fx_effect: Option<i64>,
    /// Metered revenue invoiced in the period (not in MRR).
    pub metered: i64,
    pub customers_start: i64,
    pub customers: i64,
    pub new_customers: i64,
    pub churned_customers: i64,
    pub reactivated_customers: i64,
    pub logo_churn_rate: Option<String>,
    pub revenue_churn_rate: Option<String>,
    pub nrr: Option<String>,
    pub grr: Option<String>,
    pub arpu: Option<i64>,
}

impl From<&MrrPeriod> for MrrPeriodBody {
    fn from(p: &MrrPeriod) -> Self {
        Self {
            start: p.start,
            end: p.end,
            mrr_start: p.mrr_start,
            mrr: p.mrr,
            arr: p.arr,
            new: p.new,
            expansion: p.expansion,
            contraction: p.contraction,
            churn: p.churn,
            reactivation: p.reactivation,
            net_new: p.net_new,
            fx_effect: p.fx_effect,
            metered: p.metered,
            customers_start: p.customers_start,
            customers: p.customers,
            new_customers: p.new_customers,
            churned_customers: p.churned_customers,
            reactivated_customers: p.reactivated_customers,
            logo_churn_rate: dec(&p.logo_churn_rate),
            revenue_churn_rate: dec(&p.revenue_churn_rate),
            nrr: dec(&p.nrr),
            grr: dec(&p.grr),
            arpu: p.arpu,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MrrSeriesBody {
    pub currency: String,
    pub periods: Vec<MrrPeriodBody>,
}

impl From<&MrrSeries> for MrrSeriesBody {
    fn from(s: &MrrSeries) -> Self {
        Self { currency: s.currency.clone(), periods: s.periods.iter().map(MrrPeriodBody::from).collect() }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MrrBody {
    pub object: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: &'static str,
    pub currencies: Vec<MrrSeriesBody>,
    pub reporting: Option<MrrSeriesBody>,
}

impl From<&MrrReport> for MrrBody {
    fn from(r: &MrrReport) -> Self {
        Self {
            object: "metrics.mrr",
            from: r.from,
            to: r.to,
            interval: match r.interval {
                Interval::Day => "day",
                Interval::Month => "month",
            },
            currencies: r.currencies.iter().map(MrrSeriesBody::from).collect(),
            reporting: r.reporting.as_ref().map(MrrSeriesBody::from),
        }
    }
}

/// MRR and its movements per period, per currency and in a reporting currency.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/mrr",
    tag = "metrics",
    params(MrrQuery),
    responses(
        (status = 200, description = "MRR, ARR and movements per period (JSON, or CSV when asked)", body = MrrBody),
        (status = 400, description = "A malformed query"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "An invalid range, interval or currency, or no ECB rate")
    )
)]
pub async fn mrr(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<MrrQuery>,
) -> ApiResult<Response> {
    let range = range(q.from, q.to)?;
    let interval = Interval::parse(q.interval.as_deref())?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let reporting = q.currency.as_deref().map(Currency::from_code).transpose().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::mrr(&mut conn, tenant, range, interval, reporting, state.clock.now()).await?;
    if csv {
        return Ok(csv_response("mrr.csv", crate::ops::exports::mrr_csv(&report)));
    }
    Ok(axum::Json(MrrBody::from(&report)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionBody {
    pub action: String,
    pub started: i64,
    pub completed: i64,
    pub completion_rate: Option<String>,
    pub median_duration_ms: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortalDayBody {
    pub day: NaiveDate,
    pub sessions: i64,
    pub actions_completed: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortalBody {
    pub object: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub customers: i64,
    pub registered: i64,
    pub active: i64,
    /// active / customers.
    pub adoption: Option<String>,
    pub registration_rate: Option<String>,
    pub returning: i64,
    pub sign_ins: i64,
    pub sessions: i64,
    pub page_views: i64,
    pub pages_per_session: Option<String>,
    pub actions: Vec<ActionBody>,
    pub self_service_actions: i64,
    pub failed_sign_ins: i64,
    pub lockouts: i64,
    pub revoked_sessions: i64,
    pub links_requested: i64,
    pub daily: Vec<PortalDayBody>,
}

impl From<&PortalReport> for PortalBody {
    fn from(r: &PortalReport) -> Self {
        Self {
            object: "metrics.portal",
            from: r.from,
            to: r.to,
            customers: r.customers,
            registered: r.registered,
            active: r.active,
            adoption: dec(&r.adoption),
            registration_rate: dec(&r.registration_rate),
            returning: r.returning,
            sign_ins: r.sign_ins,
            sessions: r.sessions,
            page_views: r.page_views,
            pages_per_session: dec(&r.pages_per_session),
            actions: r
                .actions
                .iter()
                .map(|a| ActionBody {
                    action: a.action.clone(),
                    started: a.started,
                    completed: a.completed,
                    completion_rate: dec(&a.completion_rate),
                    median_duration_ms: a.median_duration_ms,
                })
                .collect(),
            self_service_actions: r.self_service_actions,
            failed_sign_ins: r.failed_sign_ins,
            lockouts: r.lockouts,
            revoked_sessions: r.revoked_sessions,
            links_requested: r.links_requested,
            daily: r
                .daily
                .iter()
                .map(|d| PortalDayBody { day: d.day, sessions: d.sessions, actions_completed: d.actions_completed })
                .collect(),
        }
    }
}

/// Portal success: adoption, sessions, self-service per feature, security events.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/portal",
    tag = "metrics",
    params(RangeQuery),
    responses(
        (status = 200, description = "Portal figures for the range (JSON, or CSV when asked)", body = PortalBody),
        (status = 400, description = "A malformed query"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "An invalid range")
    )
)]
pub async fn portal(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let range = range(q.from, q.to)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::portal(&mut conn, tenant, range).await?;
    if csv {
        return Ok(csv_response("portal.csv", crate::ops::exports::portal_csv(&report)));
    }
    Ok(axum::Json(PortalBody::from(&report)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryBody {
    pub currency: String,
    pub failed_invoices: i64,
    pub recovered_invoices: i64,
    pub recovery_rate: Option<String>,
    pub recovered_revenue: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DsoBody {
    pub currency: String,
    pub receivables: i64,
    pub invoiced: i64,
    pub days_sales_outstanding: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReasonBody {
    pub reason: String,
    pub count: i64,
    pub share: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetentionBody {
    pub shown: i64,
    pub accepted: i64,
    pub saved: i64,
    pub save_rate: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrialsBody {
    pub ended: i64,
    pub converted: i64,
    pub conversion_rate: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevenueBody {
    pub object: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub recovery: Vec<RecoveryBody>,
    pub dso: Vec<DsoBody>,
    pub cancellation_reasons: Vec<ReasonBody>,
    pub retention: RetentionBody,
    pub trials: TrialsBody,
}

impl From<&RevenueReport> for RevenueBody {
    fn from(r: &RevenueReport) -> Self {
        Self {
            object: "metrics.revenue",
            from: r.from,
            to: r.to,
            recovery: r
                .recovery
                .iter()
                .map(|x| RecoveryBody {
                    currency: x.currency.clone(),
                    failed_invoices: x.failed_invoices,
                    recovered_invoices: x.recovered_invoices,
                    recovery_rate: dec(&x.recovery_rate),
                    recovered_revenue: x.recovered_revenue,
                })
                .collect(),
            dso: r
                .dso
                .iter()
                .map(|d| DsoBody {
                    currency: d.currency.clone(),
                    receivables: d.receivables,
                    invoiced: d.invoiced,
                    days_sales_outstanding: dec(&d.days_sales_outstanding),
                })
                .collect(),
            cancellation_reasons: r
                .cancellation_reasons
                .iter()
                .map(|c| ReasonBody { reason: c.reason.clone(), count: c.count, share: dec(&c.share) })
                .collect(),
            retention: RetentionBody {
                shown: r.retention.shown,
                accepted: r.retention.accepted,
                saved: r.retention.saved,
                save_rate: dec(&r.retention.save_rate),
            },
            trials: TrialsBody {
                ended: r.trials.ended,
                converted: r.trials.converted,
                conversion_rate: dec(&r.trials.conversion_rate),
            },
        }
    }
}

/// Failed-payment recovery, DSO, cancellation reasons, retention-offer saves, trial conversion.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/revenue",
    tag = "metrics",
    params(RangeQuery),
    responses(
        (status = 200, description = "Revenue figures for the range (JSON, or CSV when asked)", body = RevenueBody),
        (status = 400, description = "A malformed query"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "An invalid range")
    )
)]
pub async fn revenue(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let range = range(q.from, q.to)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::revenue(&mut conn, tenant, range, state.clock.now()).await?;
    if csv {
        return Ok(csv_response("revenue.csv", crate::ops::exports::revenue_csv(&report)));
    }
    Ok(axum::Json(RevenueBody::from(&report)).into_response())
}
