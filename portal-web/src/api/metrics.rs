//! The revenue and portal metrics (docs/metrics.md): `GET /metrics/mrr`, `/metrics/portal` and
//! `/metrics/revenue`, each as JSON or, with `Accept: text/csv` or `format=csv`, as CSV. Ratios
//! are decimal strings with four places (`"0.2500"`), money integer minor units.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use billing_core::currency::Currency;
use billing_core::service::metrics::{
    self, Interval, MrrPeriod, MrrReport, MrrSeries, PortalReport, Range, RevenueReport, SavingsSettings,
    SuccessReport, ValuePeriod, ValueReport,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::{Route, get, put};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    mrr,
    portal,
    revenue,
    customer_value,
    success,
    get_acquisition_spend,
    put_acquisition_spend,
    get_settings,
    put_settings,
    snapshots
))]
pub struct Doc;

pub fn routes() -> Vec<Route> {
    vec![
        get("/metrics/mrr", mrr),
        get("/metrics/portal", portal),
        get("/metrics/revenue", revenue),
        get("/metrics/customer_value", customer_value),
        get("/metrics/success", success),
        get("/metrics/acquisition_spend", get_acquisition_spend),
        put("/metrics/acquisition_spend", put_acquisition_spend),
        get("/metrics/settings", get_settings),
        put("/metrics/settings", put_settings),
        get("/metrics/snapshots", snapshots),
    ]
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

/// Customer value of one currency in one period (minor units; ratios four places).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValuePeriodBody {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub new_customers: i64,
    pub acquisition_spend: i64,
    /// acquisition spend / new customers.
    pub cac: Option<i64>,
    pub arpu: Option<i64>,
    pub customers_start: i64,
    pub churned_customers: i64,
    pub logo_churn_rate: Option<String>,
    /// ARPU / logo churn rate (simple, undiscounted, revenue-based).
    pub ltv: Option<i64>,
    pub ltv_cac: Option<String>,
    pub paid_invoices: i64,
    pub paid_total: i64,
    /// Average order value: paid invoices' totals / their count.
    pub aov: Option<i64>,
}

impl From<&ValuePeriod> for ValuePeriodBody {
    fn from(p: &ValuePeriod) -> Self {
        Self {
            start: p.start,
            end: p.end,
            new_customers: p.new_customers,
            acquisition_spend: p.acquisition_spend,
            cac: p.cac,
            arpu: p.arpu,
            customers_start: p.customers_start,
            churned_customers: p.churned_customers,
            logo_churn_rate: dec(&p.logo_churn_rate),
            ltv: p.ltv,
            ltv_cac: dec(&p.ltv_cac),
            paid_invoices: p.paid_invoices,
            paid_total: p.paid_total,
            aov: p.aov,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValueSeriesBody {
    pub currency: String,
    pub periods: Vec<ValuePeriodBody>,
    /// The whole range.
    pub total: ValuePeriodBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValueBody {
    pub object: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currencies: Vec<ValueSeriesBody>,
}

impl From<&ValueReport> for ValueBody {
    fn from(r: &ValueReport) -> Self {
        Self {
            object: "metrics.customer_value",
            from: r.from,
            to: r.to,
            currencies: r
                .currencies
                .iter()
                .map(|s| ValueSeriesBody {
                    currency: s.currency.clone(),
                    periods: s.periods.iter().map(ValuePeriodBody::from).collect(),
                    total: ValuePeriodBody::from(&s.total),
                })
                .collect(),
        }
    }
}

/// Customer lifetime value, average order value, customer acquisition cost and LTV:CAC per
/// currency and month.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/customer_value",
    tag = "metrics",
    params(RangeQuery),
    responses(
        (status = 200, description = "LTV, AOV, CAC and LTV:CAC per currency and month (JSON, or CSV when asked)", body = ValueBody),
        (status = 400, description = "A malformed query"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "An invalid range")
    )
)]
pub async fn customer_value(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let range = range(q.from, q.to)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::customer_value(&mut conn, tenant, range, state.clock.now()).await?;
    if csv {
        return Ok(csv_response("customer_value.csv", crate::ops::exports::value_csv(&report)));
    }
    Ok(axum::Json(ValueBody::from(&report)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyMonthBody {
    pub start: NaiveDate,
    pub responses: i64,
    pub score: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyBody {
    /// `nps`, `csat` or `ces`.
    pub kind: String,
    pub responses: i64,
    pub dismissed: i64,
    /// NPS: promoters % − detractors % (one place); CSAT: share of 4 and 5 (four places); CES:
    /// mean of 1–7 (two places).
    pub score: Option<String>,
    pub average: Option<String>,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    pub satisfied: i64,
    pub months: Vec<SurveyMonthBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentBody {
    pub kind: String,
    pub score: i16,
    pub comment: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueryCountBody {
    pub query: String,
    pub count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HelpBody {
    pub searches: i64,
    pub zero_result_searches: i64,
    pub zero_result_rate: Option<String>,
    pub top_zero_result_queries: Vec<QueryCountBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionsBody {
    pub asked: i64,
    pub answered: i64,
    pub resolved: i64,
    pub median_first_response_seconds: Option<i64>,
    pub median_resolution_seconds: Option<i64>,
    pub customers: i64,
    pub per_100_customers: Option<String>,
    pub self_service_actions: i64,
    /// Self-service actions per question.
    pub deflection: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FunnelStepBody {
    pub step: String,
    pub visitors: i64,
    pub conversion: Option<String>,
    pub overall: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FunnelBody {
    pub funnel: String,
    pub steps: Vec<FunnelStepBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavingsBody {
    pub self_service_actions: i64,
    pub staff_minutes_per_action: i32,
    pub minutes_saved: i64,
    pub currency: String,
    pub cost_per_action: i64,
    pub cost_saved: i64,
    pub invoices: i64,
    pub paperless_invoices: i64,
    pub paperless_share: Option<String>,
    pub postage_cost: i64,
    pub postage_saved: i64,
    pub total_saved: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChangesBody {
    pub by_customers: i64,
    pub by_staff: i64,
    pub customer_share: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffSecurityBody {
    pub active_staff: i64,
    pub with_two_factor: i64,
    pub two_factor_adoption: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuccessBody {
    pub object: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub surveys: Vec<SurveyBody>,
    pub comments: Vec<CommentBody>,
    pub help: HelpBody,
    pub questions: QuestionsBody,
    pub funnels: Vec<FunnelBody>,
    pub savings: SavingsBody,
    pub changes: ChangesBody,
    pub staff_security: StaffSecurityBody,
}

impl From<&SuccessReport> for SuccessBody {
    fn from(r: &SuccessReport) -> Self {
        let q = &r.questions;
        let v = &r.savings;
        Self {
            object: "metrics.success",
            from: r.from,
            to: r.to,
            surveys: r
                .surveys
                .iter()
                .map(|s| SurveyBody {
                    kind: s.kind.clone(),
                    responses: s.responses,
                    dismissed: s.dismissed,
                    score: dec(&s.score),
                    average: dec(&s.average),
                    promoters: s.promoters,
                    passives: s.passives,
                    detractors: s.detractors,
                    satisfied: s.satisfied,
                    months: s
                        .months
                        .iter()
                        .map(|m| SurveyMonthBody { start: m.start, responses: m.responses, score: dec(&m.score) })
                        .collect(),
                })
                .collect(),
            comments: r
                .comments
                .iter()
                .map(|c| CommentBody { kind: c.kind.clone(), score: c.score, comment: c.comment.clone(), at: c.at })
                .collect(),
            help: HelpBody {
                searches: r.help.searches,
                zero_result_searches: r.help.zero_result_searches,
                zero_result_rate: dec(&r.help.zero_result_rate),
                top_zero_result_queries: r
                    .help
                    .top_zero_result_queries
                    .iter()
                    .map(|q| QueryCountBody { query: q.query.clone(), count: q.count })
                    .collect(),
            },
            questions: QuestionsBody {
                asked: q.asked,
                answered: q.answered,
                resolved: q.resolved,
                median_first_response_seconds: q.median_first_response_seconds,
                median_resolution_seconds: q.median_resolution_seconds,
                customers: q.customers,
                per_100_customers: dec(&q.per_100_customers),
                self_service_actions: q.self_service_actions,
                deflection: dec(&q.deflection),
            },
            funnels: r
                .funnels
                .iter()
                .map(|f| FunnelBody {
                    funnel: f.funnel.clone(),
                    steps: f
                        .steps
                        .iter()
                        .map(|s| FunnelStepBody {
                            step: s.step.clone(),
                            visitors: s.visitors,
                            conversion: dec(&s.conversion),
                            overall: dec(&s.overall),
                        })
                        .collect(),
                })
                .collect(),
            savings: SavingsBody {
                self_service_actions: v.self_service_actions,
                staff_minutes_per_action: v.staff_minutes_per_action,
                minutes_saved: v.minutes_saved,
                currency: v.currency.clone(),
                cost_per_action: v.cost_per_action,
                cost_saved: v.cost_saved,
                invoices: v.invoices,
                paperless_invoices: v.paperless_invoices,
                paperless_share: dec(&v.paperless_share),
                postage_cost: v.postage_cost,
                postage_saved: v.postage_saved,
                total_saved: v.total_saved,
            },
            changes: ChangesBody {
                by_customers: r.changes.by_customers,
                by_staff: r.changes.by_staff,
                customer_share: dec(&r.changes.customer_share),
            },
            staff_security: StaffSecurityBody {
                active_staff: r.staff_security.active_staff,
                with_two_factor: r.staff_security.with_two_factor,
                two_factor_adoption: dec(&r.staff_security.two_factor_adoption),
            },
        }
    }
}

/// Portal success beyond adoption: NPS, CSAT, CES with their months and comments, help searches,
/// billing questions, funnels, time and cost saved, customers vs staff, staff 2FA adoption.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/success",
    tag = "metrics",
    params(RangeQuery),
    responses(
        (status = 200, description = "Portal-success figures for the range (JSON, or CSV when asked)", body = SuccessBody),
        (status = 400, description = "A malformed query"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "An invalid range")
    )
)]
pub async fn success(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let range = range(q.from, q.to)?;
    let csv = wants_csv(q.format.as_deref(), &headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::success(&mut conn, tenant, range).await?;
    if csv {
        return Ok(csv_response("success.csv", crate::ops::exports::success_csv(&report)));
    }
    Ok(axum::Json(SuccessBody::from(&report)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SpendQuery {
    /// First day (YYYY-MM-DD); the months that overlap the range are listed.
    pub from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
}

/// The acquisition spend of one month in one currency.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendBody {
    /// The month, `YYYY-MM`.
    #[schema(example = "2026-03")]
    pub month: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Minor units, at least 0 (0 clears the month).
    pub amount: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpendListBody {
    pub object: &'static str,
    pub data: Vec<SpendBody>,
}

fn spend_body(s: &metrics::Spend) -> SpendBody {
    SpendBody { month: s.month.format("%Y-%m").to_string(), currency: s.currency.clone(), amount: s.amount }
}

/// Parses `YYYY-MM` into the month's first day.
pub(crate) fn parse_month(s: &str) -> billing_core::Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .map_err(|_| billing_core::Error::invalid("month", "must be a month (YYYY-MM)"))
}

/// The acquisition spend entered for the months of a range.
#[utoipa::path(
    get,
    path = "/api/v1/metrics/acquisition_spend",
    tag = "metrics",
    params(SpendQuery),
    responses(
        (status = 200, description = "The spend per month and currency", body = SpendListBody),
        (status = 400, description = "A malformed query"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "An invalid range")
    )
)]
pub async fn get_acquisition_spend(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<SpendQuery>,
) -> ApiResult<axum::Json<SpendListBody>> {
    let range = range(q.from, q.to)?;
    let mut conn = state.pool.acquire().await?;
    let spend = metrics::acquisition_spend(&mut conn, tenant, range).await?;
    Ok(axum::Json(SpendListBody { object: "list", data: spend.iter().map(spend_body).collect() }))
}

/// Sets the acquisition spend of a month and currency (replacing what was entered).
#[utoipa::path(
    put,
    path = "/api/v1/metrics/acquisition_spend",
    tag = "metrics",
    request_body = SpendBody,
    responses(
        (status = 200, description = "The saved spend", body = SpendBody),
        (status = 400, description = "Malformed JSON, or a bad month, currency or amount (`param` names it)"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "A body that is not the schema's")
    )
)]
pub async fn put_acquisition_spend(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(b): ApiJson<SpendBody>,
) -> ApiResult<axum::Json<SpendBody>> {
    let month = parse_month(&b.month)?;
    let currency = Currency::from_code(&b.currency.trim().to_uppercase())
        .map_err(|_| billing_core::Error::invalid("currency", "must be an ISO 4217 code such as EUR"))?;
    let mut conn = state.pool.acquire().await?;
    let saved = metrics::set_acquisition_spend(&mut conn, tenant, month, currency, b.amount, state.clock.now()).await?;
    Ok(axum::Json(spend_body(&saved)))
}

/// What a completed self-service action and a paperless invoice save.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// ISO 4217 code of the costs.
    pub currency: String,
    /// Staff minutes one completed self-service action saves (0–1440).
    pub staff_minutes_per_action: i32,
    /// Staff cost one completed self-service action saves, minor units.
    pub cost_per_action: i64,
    /// Postage and printing of one invoice letter, minor units.
    pub postage_cost: i64,
}

fn settings_body(s: &SavingsSettings) -> SettingsBody {
    SettingsBody {
        currency: s.currency.clone(),
        staff_minutes_per_action: s.staff_minutes_per_action,
        cost_per_action: s.cost_per_action,
        postage_cost: s.postage_cost,
    }
}

/// The figures time and cost saved are computed with (defaults until saved: 5 minutes, 0 EUR).
#[utoipa::path(
    get,
    path = "/api/v1/metrics/settings",
    tag = "metrics",
    responses(
        (status = 200, description = "The settings", body = SettingsBody),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn get_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<SettingsBody>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(settings_body(&metrics::savings_settings(&mut conn, tenant).await?)))
}

/// Replaces the figures time and cost saved are computed with.
#[utoipa::path(
    put,
    path = "/api/v1/metrics/settings",
    tag = "metrics",
    request_body = SettingsBody,
    responses(
        (status = 200, description = "The saved settings", body = SettingsBody),
        (status = 400, description = "Malformed JSON, or a value out of range or an unknown currency (`param` names it)"),
        (status = 401, description = "No or a wrong API key"),
        (status = 422, description = "A body that is not the schema's")
    )
)]
pub async fn put_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(b): ApiJson<SettingsBody>,
) -> ApiResult<axum::Json<SettingsBody>> {
    let s = SavingsSettings {
        currency: b.currency.trim().to_uppercase(),
        staff_minutes_per_action: b.staff_minutes_per_action,
        cost_per_action: b.cost_per_action,
        postage_cost: b.postage_cost,
    };
    let mut conn = state.pool.acquire().await?;
    let saved = metrics::set_savings_settings(&mut conn, tenant, &s, state.clock.now()).await?;
    Ok(axum::Json(settings_body(&saved)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SnapshotsQuery {
    /// First day (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
}

/// One day's figures in one currency, as the nightly `metrics-snapshot` job kept them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SnapshotBody {
    pub day: NaiveDate,
    pub currency: String,
    /// MRR in effect at the end of the day, integer minor units.
    pub mrr: i64,
    /// Subscriptions contributing MRR at the end of the day.
    pub active_subscriptions: i64,
    /// Customers with MRR at the end of the day.
    pub customers: i64,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SnapshotsBody {
    pub object: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// By day, then currency; a day the job has not taken is absent.
    pub items: Vec<SnapshotBody>,
}

#[utoipa::path(
    get,
    path = "/api/v1/metrics/snapshots",
    tag = "metrics",
    params(SnapshotsQuery),
    responses(
        (status = 200, description = "The nightly snapshots of MRR, active subscriptions and customers per day and currency", body = SnapshotsBody),
        (status = 400, description = "A malformed query, or a missing or invalid range"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn snapshots(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<SnapshotsQuery>,
) -> ApiResult<axum::Json<SnapshotsBody>> {
    let range = range(q.from, q.to)?;
    let mut conn = state.pool.acquire().await?;
    let rows = billing_core::store::metrics_snapshots::list(&mut conn, tenant, range.from, range.to).await?;
    let items = rows
        .into_iter()
        .map(|r| SnapshotBody {
            day: r.day,
            currency: r.currency,
            mrr: r.mrr,
            active_subscriptions: r.active_subscriptions,
            customers: r.customers,
            recorded_at: r.recorded_at,
        })
        .collect();
    Ok(axum::Json(SnapshotsBody { object: "list", from: range.from, to: range.to, items }))
}
