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

/// `from` and `to` of a range query, both required.
pub(crate) fn required_days(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> billing_core::Result<(NaiveDate, NaiveDate)> {
    let from = from.ok_or_else(|| billing_core::Error::invalid("from", "is required (YYYY-MM-DD)"))?;
    let to = to.ok_or_else(|| billing_core::Error::invalid("to", "is required (YYYY-MM-DD)"))?;
    Ok((from, to))
}

pub(crate) fn range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> billing_core::Result<Range> {
    let (from, to) = required_days(from, to)?;
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

impl RangeQuery {
    /// The range and whether CSV was asked for.
    fn read(&self, headers: &HeaderMap) -> billing_core::Result<(Range, bool)> {
        Ok((range(self.from, self.to)?, wants_csv(self.format.as_deref(), headers)?))
    }
}

/// A report as CSV when it was asked for, otherwise as its JSON body `B`.
fn answer<'r, R, B: Serialize + From<&'r R>>(
    csv: bool,
    name: &str,
    report: &'r R,
    to_csv: fn(&R) -> String,
) -> Response {
    if csv {
        return csv_response(name, to_csv(report));
    }
    axum::Json(B::from(report)).into_response()
}

/// Declares the API body of a billing-core report struct, field by field in the body's order,
/// and its `From<&core>`: each field is converted from the core field of the same name by the
/// function named after `=` ([`copy`], [`dec`] for a ratio, [`one`], [`opt`], [`list`] for nested
/// bodies). `Name("…")` adds the constant `object` field first.
macro_rules! mirror {
    (
        $(#[$attr:meta])*
        $name:ident from $core:ty {
            $($(#[$field_attr:meta])* $field:ident: $ty:ty = $how:ident,)*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Serialize, utoipa::ToSchema)]
        pub struct $name {
            $($(#[$field_attr])* pub $field: $ty,)*
        }

        impl From<&$core> for $name {
            fn from(c: &$core) -> Self {
                Self { $($field: $how(&c.$field),)* }
            }
        }
    };
    (
        $(#[$attr:meta])*
        $name:ident($object:literal) from $core:ty {
            $($(#[$field_attr:meta])* $field:ident: $ty:ty = $how:ident,)*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The report's kind: `metrics.` and its name (`metrics.mrr`, ...).
            pub object: &'static str,
            $($(#[$field_attr])* pub $field: $ty,)*
        }

        impl From<&$core> for $name {
            fn from(c: &$core) -> Self {
                Self { object: $object, $($field: $how(&c.$field),)* }
            }
        }
    };
}

fn copy<T: Clone>(v: &T) -> T {
    v.clone()
}

/// A ratio as the API shows it: the decimal string (`"0.2500"`).
fn dec(d: &Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn one<'c, C, B: From<&'c C>>(c: &'c C) -> B {
    B::from(c)
}

fn opt<'c, C, B: From<&'c C>>(c: &'c Option<C>) -> Option<B> {
    c.as_ref().map(B::from)
}

fn list<'c, C, B: From<&'c C>>(c: &'c [C]) -> Vec<B> {
    c.iter().map(B::from).collect()
}

fn interval_name(i: &Interval) -> &'static str {
    match i {
        Interval::Day => "day",
        Interval::Month => "month",
    }
}

mirror! {
    /// One period of one series: minor units, contraction and churn negative.
    MrrPeriodBody from MrrPeriod {
        start: NaiveDate = copy,
        /// The period's last day (included).
        end: NaiveDate = copy,
        mrr_start: i64 = copy,
        mrr: i64 = copy,
        arr: i64 = copy,
        new: i64 = copy,
        expansion: i64 = copy,
        contraction: i64 = copy,
        churn: i64 = copy,
        reactivation: i64 = copy,
        net_new: i64 = copy,
        /// Reporting currency only: the change from exchange rates.
        #[serde(skip_serializing_if = "Option::is_none")]
        fx_effect: Option<i64> = copy,
        /// Metered revenue invoiced in the period (not in MRR).
        metered: i64 = copy,
        customers_start: i64 = copy,
        customers: i64 = copy,
        new_customers: i64 = copy,
        churned_customers: i64 = copy,
        reactivated_customers: i64 = copy,
        logo_churn_rate: Option<String> = dec,
        revenue_churn_rate: Option<String> = dec,
        nrr: Option<String> = dec,
        grr: Option<String> = dec,
        arpu: Option<i64> = copy,
    }
}

mirror! {
    MrrSeriesBody from MrrSeries {
        currency: String = copy,
        periods: Vec<MrrPeriodBody> = list,
    }
}

mirror! {
    MrrBody("metrics.mrr") from MrrReport {
        from: NaiveDate = copy,
        to: NaiveDate = copy,
        interval: &'static str = interval_name,
        currencies: Vec<MrrSeriesBody> = list,
        reporting: Option<MrrSeriesBody> = opt,
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
        (status = 400, description = "A malformed query, a missing or invalid range, interval or currency, or no ECB rate for the reporting currency (`invalid_request`; `param` names the field)"),
        (status = 401, description = "No or a wrong API key")
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
    Ok(answer::<_, MrrBody>(csv, "mrr.csv", &report, crate::ops::exports::mrr_csv))
}

mirror! {
    ActionBody from metrics::ActionStat {
        action: String = copy,
        started: i64 = copy,
        completed: i64 = copy,
        completion_rate: Option<String> = dec,
        median_duration_ms: Option<i64> = copy,
    }
}

mirror! {
    PortalDayBody from metrics::PortalDay {
        day: NaiveDate = copy,
        sessions: i64 = copy,
        actions_completed: i64 = copy,
    }
}

mirror! {
    PortalBody("metrics.portal") from PortalReport {
        from: NaiveDate = copy,
        to: NaiveDate = copy,
        customers: i64 = copy,
        registered: i64 = copy,
        active: i64 = copy,
        /// active / customers.
        adoption: Option<String> = dec,
        registration_rate: Option<String> = dec,
        returning: i64 = copy,
        sign_ins: i64 = copy,
        sessions: i64 = copy,
        page_views: i64 = copy,
        pages_per_session: Option<String> = dec,
        /// Sessions started in the range with a page view (a view counts in its customer's latest live session).
        sessions_with_views: i64 = copy,
        /// Of those, the ones with exactly one page view.
        bounced_sessions: i64 = copy,
        /// bounced_sessions / sessions_with_views.
        bounce_rate: Option<String> = dec,
        /// Lower median of the seconds from a session's start to its last page view.
        median_session_seconds: Option<i64> = copy,
        actions: Vec<ActionBody> = list,
        self_service_actions: i64 = copy,
        failed_sign_ins: i64 = copy,
        lockouts: i64 = copy,
        revoked_sessions: i64 = copy,
        links_requested: i64 = copy,
        daily: Vec<PortalDayBody> = list,
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
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn portal(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let (range, csv) = q.read(&headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::portal(&mut conn, tenant, range).await?;
    Ok(answer::<_, PortalBody>(csv, "portal.csv", &report, crate::ops::exports::portal_csv))
}

mirror! {
    RecoveryBody from metrics::Recovery {
        currency: String = copy,
        failed_invoices: i64 = copy,
        recovered_invoices: i64 = copy,
        recovery_rate: Option<String> = dec,
        recovered_revenue: i64 = copy,
    }
}

mirror! {
    DsoBody from metrics::Dso {
        currency: String = copy,
        receivables: i64 = copy,
        invoiced: i64 = copy,
        days_sales_outstanding: Option<String> = dec,
    }
}

mirror! {
    ReasonBody from metrics::ReasonCount {
        reason: String = copy,
        count: i64 = copy,
        share: Option<String> = dec,
    }
}

mirror! {
    RetentionBody from metrics::Retention {
        shown: i64 = copy,
        accepted: i64 = copy,
        saved: i64 = copy,
        save_rate: Option<String> = dec,
    }
}

mirror! {
    TrialsBody from metrics::Trials {
        ended: i64 = copy,
        converted: i64 = copy,
        conversion_rate: Option<String> = dec,
    }
}

mirror! {
    RevenueBody("metrics.revenue") from RevenueReport {
        from: NaiveDate = copy,
        to: NaiveDate = copy,
        recovery: Vec<RecoveryBody> = list,
        dso: Vec<DsoBody> = list,
        cancellation_reasons: Vec<ReasonBody> = list,
        retention: RetentionBody = one,
        trials: TrialsBody = one,
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
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn revenue(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let (range, csv) = q.read(&headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::revenue(&mut conn, tenant, range, state.clock.now()).await?;
    Ok(answer::<_, RevenueBody>(csv, "revenue.csv", &report, crate::ops::exports::revenue_csv))
}

mirror! {
    /// Customer value of one currency in one period (minor units; ratios four places).
    ValuePeriodBody from ValuePeriod {
        start: NaiveDate = copy,
        end: NaiveDate = copy,
        new_customers: i64 = copy,
        acquisition_spend: i64 = copy,
        /// acquisition spend / new customers.
        cac: Option<i64> = copy,
        arpu: Option<i64> = copy,
        customers_start: i64 = copy,
        churned_customers: i64 = copy,
        logo_churn_rate: Option<String> = dec,
        /// ARPU / logo churn rate (simple, undiscounted, revenue-based).
        ltv: Option<i64> = copy,
        ltv_cac: Option<String> = dec,
        paid_invoices: i64 = copy,
        paid_total: i64 = copy,
        /// Average order value: paid invoices' totals / their count.
        aov: Option<i64> = copy,
    }
}

mirror! {
    ValueSeriesBody from metrics::ValueSeries {
        currency: String = copy,
        periods: Vec<ValuePeriodBody> = list,
        /// The whole range.
        total: ValuePeriodBody = one,
    }
}

mirror! {
    ValueBody("metrics.customer_value") from ValueReport {
        from: NaiveDate = copy,
        to: NaiveDate = copy,
        currencies: Vec<ValueSeriesBody> = list,
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
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn customer_value(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let (range, csv) = q.read(&headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::customer_value(&mut conn, tenant, range, state.clock.now()).await?;
    Ok(answer::<_, ValueBody>(csv, "customer_value.csv", &report, crate::ops::exports::value_csv))
}

mirror! {
    SurveyMonthBody from metrics::SurveyMonth {
        start: NaiveDate = copy,
        responses: i64 = copy,
        score: Option<String> = dec,
    }
}

mirror! {
    SurveyBody from metrics::SurveyStat {
        /// `nps`, `csat` or `ces`.
        kind: String = copy,
        responses: i64 = copy,
        dismissed: i64 = copy,
        /// NPS: promoters % − detractors % (one place); CSAT: share of 4 and 5 (four places); CES:
        /// mean of 1–7 (two places).
        score: Option<String> = dec,
        average: Option<String> = dec,
        promoters: i64 = copy,
        passives: i64 = copy,
        detractors: i64 = copy,
        satisfied: i64 = copy,
        months: Vec<SurveyMonthBody> = list,
    }
}

mirror! {
    CommentBody from metrics::SurveyComment {
        kind: String = copy,
        score: i16 = copy,
        comment: String = copy,
        at: chrono::DateTime<chrono::Utc> = copy,
    }
}

mirror! {
    QueryCountBody from metrics::QueryCount {
        query: String = copy,
        count: i64 = copy,
    }
}

mirror! {
    HelpBody from metrics::HelpStat {
        searches: i64 = copy,
        zero_result_searches: i64 = copy,
        zero_result_rate: Option<String> = dec,
        top_zero_result_queries: Vec<QueryCountBody> = list,
    }
}

mirror! {
    QuestionsBody from metrics::QuestionStat {
        asked: i64 = copy,
        answered: i64 = copy,
        resolved: i64 = copy,
        median_first_response_seconds: Option<i64> = copy,
        median_resolution_seconds: Option<i64> = copy,
        customers: i64 = copy,
        per_100_customers: Option<String> = dec,
        self_service_actions: i64 = copy,
        /// Self-service actions per question.
        deflection: Option<String> = dec,
    }
}

mirror! {
    FunnelStepBody from metrics::FunnelStep {
        step: String = copy,
        visitors: i64 = copy,
        conversion: Option<String> = dec,
        overall: Option<String> = dec,
    }
}

mirror! {
    FunnelBody from metrics::Funnel {
        funnel: String = copy,
        steps: Vec<FunnelStepBody> = list,
    }
}

mirror! {
    SavingsBody from metrics::Savings {
        self_service_actions: i64 = copy,
        staff_minutes_per_action: i32 = copy,
        minutes_saved: i64 = copy,
        currency: String = copy,
        cost_per_action: i64 = copy,
        cost_saved: i64 = copy,
        invoices: i64 = copy,
        paperless_invoices: i64 = copy,
        paperless_share: Option<String> = dec,
        postage_cost: i64 = copy,
        postage_saved: i64 = copy,
        total_saved: i64 = copy,
    }
}

mirror! {
    ChangesBody from metrics::Changes {
        by_customers: i64 = copy,
        by_staff: i64 = copy,
        customer_share: Option<String> = dec,
    }
}

mirror! {
    StaffSecurityBody from metrics::StaffSecurity {
        active_staff: i64 = copy,
        with_two_factor: i64 = copy,
        two_factor_adoption: Option<String> = dec,
    }
}

mirror! {
    SuccessBody("metrics.success") from SuccessReport {
        from: NaiveDate = copy,
        to: NaiveDate = copy,
        surveys: Vec<SurveyBody> = list,
        comments: Vec<CommentBody> = list,
        help: HelpBody = one,
        questions: QuestionsBody = one,
        funnels: Vec<FunnelBody> = list,
        savings: SavingsBody = one,
        changes: ChangesBody = one,
        staff_security: StaffSecurityBody = one,
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
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn success(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Response> {
    let (range, csv) = q.read(&headers)?;
    let mut conn = state.pool.acquire().await?;
    let report = metrics::success(&mut conn, tenant, range).await?;
    Ok(answer::<_, SuccessBody>(csv, "success.csv", &report, crate::ops::exports::success_csv))
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
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
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
        (status = 400, description = "Malformed JSON, a body that is not the schema's, or a bad month, currency or amount (`param` names it)"),
        (status = 401, description = "No or a wrong API key")
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
        (status = 400, description = "Malformed JSON, a body that is not the schema's, or a value out of range or an unknown currency (`param` names it)"),
        (status = 401, description = "No or a wrong API key")
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
