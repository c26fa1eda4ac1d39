//! The analytics dashboard's body (docs/metrics.md): the date-range form, an MRR line chart, a
//! net-new-MRR bar chart and a portal-sessions chart, each with a table of the same figures,
//! and the portal and revenue figures as tables. Server-rendered SVG (`web::charts`), every
//! string from `locales/<lang>/analytics.ftl`, every amount, number, percentage and date through
//! `i18n::format`. A front (the staff console) mounts [`dashboard`] inside its own layout.

use askama::Template;
use billing_core::currency::Currency;
use billing_core::ids::TenantId;
use billing_core::money::Money;
use billing_core::service::metrics::{self, Interval, MrrSeries, Range};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::i18n::{I18n, Locale, format};
use crate::web::charts::{self, Chart, Series};

/// What the dashboard shows: the range, the bucket size, an optional reporting currency, and
/// where its form submits to.
#[derive(Debug, Clone)]
pub struct DashboardRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: Interval,
    pub reporting: Option<Currency>,
    /// The URL the date-range form is sent to (GET).
    pub action: String,
}

impl DashboardRequest {
    /// From the form's query values; the last twelve whole months up to `today` by default.
    pub fn from_query(
        from: Option<&str>,
        to: Option<&str>,
        interval: Option<&str>,
        currency: Option<&str>,
        today: NaiveDate,
        action: String,
    ) -> billing_core::Result<Self> {
        let day = |field: &'static str, v: Option<&str>| -> billing_core::Result<Option<NaiveDate>> {
            match v.map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .parse::<NaiveDate>()
                    .map(Some)
                    .map_err(|_| billing_core::Error::invalid(field, "must be a date (YYYY-MM-DD)")),
            }
        };
        let to = day("to", to)?.unwrap_or(today);
        let first = NaiveDate::from_ymd_opt(to.year() - 1, to.month(), 1).unwrap_or(to);
        let from = day("from", from)?.unwrap_or(first);
        let interval = Interval::parse(interval.filter(|i| !i.is_empty()))?;
        let reporting = currency
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| Currency::from_code(&c.to_uppercase()))
            .transpose()
            .map_err(billing_core::Error::from)?;
        Range::new(from, to)?;
        Ok(Self { from, to, interval, reporting, action })
    }
}

/// Fluent text in one language, for the template.
struct Tx(Locale);

impl Tx {
    fn t(&self, id: &str) -> String {
        I18n::global().text(self.0, id, &[])
    }
}

struct MrrRow {
    period: String,
    mrr: String,
    new: String,
    expansion: String,
    contraction: String,
    churn: String,
    reactivation: String,
    fx: String,
    net_new: String,
    customers: String,
    arpu: String,
    nrr: String,
    /// Metered revenue invoiced in the period, shown apart (not in MRR).
    metered: String,
}

#[derive(Template)]
#[template(path = "analytics/dashboard.html")]
struct Dashboard {
    tx: Tx,
    action: String,
    from: String,
    to: String,
    daily: bool,
    currency: String,
    series_currency: String,
    mrr_svg: String,
    net_svg: String,
    mrr_rows: Vec<MrrRow>,
    show_fx: bool,
    portal_svg: String,
    portal_days: Vec<(String, String, String)>,
    portal_figures: Vec<(String, String)>,
    actions: Vec<(String, String, String, String)>,
    revenue_figures: Vec<(String, String)>,
    value_currency: String,
    value_rows: Vec<ValueRow>,
    value_total: Option<ValueRow>,
    survey_svg: String,
    survey_rows: Vec<(String, String, String, String, String)>,
    survey_total: (String, String, String, String),
    comments: Vec<(String, String, String, String)>,
    help_figures: Vec<(String, String)>,
    zero_queries: Vec<(String, String)>,
    funnels: Vec<FunnelView>,
    saved_figures: Vec<(String, String)>,
    change_figures: Vec<(String, String)>,
    security_figures: Vec<(String, String)>,
}

struct ValueRow {
    period: String,
    new_customers: String,
    spend: String,
    cac: String,
    arpu: String,
    churn: String,
    ltv: String,
    ltv_cac: String,
    aov: String,
}

struct FunnelView {
    id: String,
    title: String,
    svg: String,
    /// (step, visitors, conversion from the previous step, from the first step)
    rows: Vec<(String, String, String, String)>,
}

fn count(n: i64, l: Locale) -> String {
    format::decimal(Decimal::from(n), l)
}

fn pct(r: Option<Decimal>, l: Locale) -> String {
    r.map(|r| format::percent(r * Decimal::ONE_HUNDRED, l)).unwrap_or_else(|| "–".into())
}

/// Seconds as minutes and seconds in the page's language (`4 min 30 s`); `–` for none.
fn duration(seconds: Option<i64>, l: Locale) -> String {
    let Some(s) = seconds else { return "–".into() };
    let args = [("minutes", count(s / 60, l)), ("seconds", count(s % 60, l))];
    I18n::global().text(l, "console-gap-analytics-duration", &args)
}

fn money(minor: i64, c: Currency, l: Locale) -> String {
    format::money(Money::from_minor(minor, c), l)
}

fn feature(action: &str, l: Locale) -> String {
    let id = format!("analytics-feature-{}", action.replace('_', "-"));
    I18n::global().message_strict(l.tag(), &id, &[]).unwrap_or_else(|_| action.to_string())
}

/// The series the charts draw: the reporting currency when one was asked for, else the currency
/// with the most customers at the end of the range (the merchant's main market), ties by code.
fn chart_series(report: &metrics::MrrReport) -> Option<&MrrSeries> {
    let customers = |s: &MrrSeries| s.periods.last().map_or(0, |p| p.customers);
    report.reporting.as_ref().or_else(|| {
        report
            .currencies
            .iter()
            .max_by(|a, b| customers(a).cmp(&customers(b)).then_with(|| b.currency.cmp(&a.currency)))
    })
}

/// Renders the dashboard body for `tenant` in `locale`.
pub async fn dashboard(
    conn: &mut PgConnection,
    tenant: TenantId,
    locale: Locale,
    req: &DashboardRequest,
    now: DateTime<Utc>,
) -> billing_core::Result<String> {
    let l = locale;
    let range = Range::new(req.from, req.to)?;
    let report = metrics::mrr(conn, tenant, range, req.interval, req.reporting, now).await?;
    let portal = metrics::portal(conn, tenant, range).await?;
    let revenue = metrics::revenue(conn, tenant, range, now).await?;
    let tx = Tx(l);

    let (mut mrr_rows, mut mrr_svg, mut net_svg, mut series_currency, mut show_fx) =
        (Vec::new(), String::new(), String::new(), String::new(), false);
    if let Some(s) = chart_series(&report)
        && let Ok(c) = Currency::from_code(&s.currency)
    {
        series_currency = s.currency.clone();
        show_fx = report.reporting.is_some();
        let labels: Vec<String> = s.periods.iter().map(|p| format::date(p.start, l)).collect();
        let fmt = move |v: i64| money(v, c, l);
        let title = tx.t("analytics-mrr-title");
        let desc = I18n::global().text(l, "analytics-mrr-desc", &[("currency", s.currency.clone())]);
        mrr_svg = charts::line_chart(
            &Chart { id: "analytics-mrr", title: &title, desc: &desc, x_labels: &labels, y_format: &fmt },
            &[Series { label: s.currency.clone(), values: s.periods.iter().map(|p| p.mrr).collect() }],
        );
        let title = tx.t("analytics-movements-title");
        let desc = tx.t("analytics-movements-desc");
        net_svg = charts::bar_chart(
            &Chart { id: "analytics-net", title: &title, desc: &desc, x_labels: &labels, y_format: &fmt },
            &s.periods.iter().map(|p| p.net_new).collect::<Vec<_>>(),
        );
        mrr_rows = s
            .periods
            .iter()
            .map(|p| MrrRow {
                period: if p.start == p.end { format::date(p.start, l) } else { format::date_range(p.start, p.end, l) },
                mrr: money(p.mrr, c, l),
                new: money(p.new, c, l),
                expansion: money(p.expansion, c, l),
                contraction: money(p.contraction, c, l),
                churn: money(p.churn, c, l),
                reactivation: money(p.reactivation, c, l),
                fx: p.fx_effect.map(|v| money(v, c, l)).unwrap_or_default(),
                net_new: money(p.net_new, c, l),
                customers: count(p.customers, l),
                arpu: p.arpu.map(|v| money(v, c, l)).unwrap_or_else(|| "–".into()),
                nrr: pct(p.nrr, l),
                metered: money(p.metered, c, l),
            })
            .collect();
    }

    let mut portal_svg = String::new();
    if !portal.daily.is_empty() {
        let labels: Vec<String> = portal.daily.iter().map(|d| format::date(d.day, l)).collect();
        let fmt = move |v: i64| count(v, l);
        let title = tx.t("analytics-portal-chart-title");
        let desc = tx.t("analytics-portal-desc");
        portal_svg = charts::bar_chart(
            &Chart { id: "analytics-portal", title: &title, desc: &desc, x_labels: &labels, y_format: &fmt },
            &portal.daily.iter().map(|d| d.sessions).collect::<Vec<_>>(),
        );
    }
    let portal_days = portal
        .daily
        .iter()
        .filter(|d| d.sessions > 0 || d.actions_completed > 0)
        .map(|d| (format::date(d.day, l), count(d.sessions, l), count(d.actions_completed, l)))
        .collect();
    let portal_figures = vec![
        (tx.t("analytics-adoption"), pct(portal.adoption, l)),
        (tx.t("analytics-active"), count(portal.active, l)),
        (tx.t("analytics-registered"), count(portal.registered, l)),
        (tx.t("analytics-all-customers"), count(portal.customers, l)),
        (tx.t("analytics-sign-ins"), count(portal.sign_ins, l)),
        (tx.t("analytics-sessions"), count(portal.sessions, l)),
        (
            tx.t("console-gap-analytics-pages-per-session"),
            portal.pages_per_session.map(|d| format::decimal(d, l)).unwrap_or_else(|| "–".into()),
        ),
        (tx.t("console-gap-analytics-returning"), count(portal.returning, l)),
        (tx.t("console-gap-analytics-session-median"), duration(portal.median_session_seconds, l)),
        (tx.t("console-gap-analytics-bounce-rate"), pct(portal.bounce_rate, l)),
        (tx.t("analytics-actions-completed"), count(portal.self_service_actions, l)),
        (tx.t("analytics-failed-sign-ins"), count(portal.failed_sign_ins, l)),
        (tx.t("analytics-lockouts"), count(portal.lockouts, l)),
    ];
    let actions = portal
        .actions
        .iter()
        .map(|a| (feature(&a.action, l), count(a.started, l), count(a.completed, l), pct(a.completion_rate, l)))
        .collect();
    let mut revenue_figures = Vec::new();
    for r in &revenue.recovery {
        if let Ok(c) = Currency::from_code(&r.currency) {
            revenue_figures
                .push((format!("{} ({})", tx.t("analytics-recovery-rate"), r.currency), pct(r.recovery_rate, l)));
            revenue_figures.push((tx.t("analytics-recovered-revenue"), money(r.recovered_revenue, c, l)));
        }
    }
    for d in &revenue.dso {
        let v = d.days_sales_outstanding.map(|v| format::decimal(v, l)).unwrap_or_else(|| "–".into());
        revenue_figures.push((format!("{} ({})", tx.t("analytics-dso"), d.currency), v));
    }
    revenue_figures.push((tx.t("analytics-trial-conversion"), pct(revenue.trials.conversion_rate, l)));
    revenue_figures.push((tx.t("analytics-save-rate"), pct(revenue.retention.save_rate, l)));
    for c in &revenue.cancellation_reasons {
        revenue_figures.push((format!("{}: {}", tx.t("analytics-cancellation-reason"), c.reason), count(c.count, l)));
    }

    let value = metrics::customer_value(conn, tenant, range, now).await?;
    let success = metrics::success(conn, tenant, range).await?;
    let dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    let (mut value_currency, mut value_rows, mut value_total) = (String::new(), Vec::new(), None);
    // The currency the MRR charts show, else the first one with figures.
    let pick = value.currencies.iter().find(|v| v.currency == series_currency).or_else(|| value.currencies.first());
    if let Some(v) = pick
        && let Ok(c) = Currency::from_code(&v.currency)
    {
        value_currency = v.currency.clone();
        let row = |p: &metrics::ValuePeriod, period: String| ValueRow {
            period,
            new_customers: count(p.new_customers, l),
            spend: money(p.acquisition_spend, c, l),
            cac: dash(p.cac.map(|x| money(x, c, l))),
            arpu: dash(p.arpu.map(|x| money(x, c, l))),
            churn: pct(p.logo_churn_rate, l),
            ltv: dash(p.ltv.map(|x| money(x, c, l))),
            ltv_cac: dash(p.ltv_cac.map(|x| format::decimal(x.round_dp(2), l))),
            aov: dash(p.aov.map(|x| money(x, c, l))),
        };
        // A month by its first day in the range (as the survey table): keeps the wide table narrow.
        value_rows = v.periods.iter().map(|p| row(p, format::date(p.start, l))).collect();
        value_total = Some(row(&v.total, tx.t("analytics-whole-range")));
    }

    let score_text = |kind: &str, d: Option<Decimal>| match (kind, d) {
        (_, None) => "–".to_string(),
        ("csat", Some(d)) => pct(Some(d), l),
        (_, Some(d)) => format::decimal(d, l),
    };
    let kind_of = |k: &str| success.surveys.iter().find(|s| s.kind == k);
    let mut survey_rows = Vec::new();
    if let (Some(nps), Some(csat), Some(ces)) = (kind_of("nps"), kind_of("csat"), kind_of("ces")) {
        for (k, m) in nps.months.iter().enumerate() {
            let responses = m.responses
                + csat.months.get(k).map_or(0, |x| x.responses)
                + ces.months.get(k).map_or(0, |x| x.responses);
            survey_rows.push((
                format::date(m.start, l),
                score_text("nps", m.score),
                score_text("csat", csat.months.get(k).and_then(|x| x.score)),
                score_text("ces", ces.months.get(k).and_then(|x| x.score)),
                count(responses, l),
            ));
        }
    }
    let survey_total = (
        score_text("nps", kind_of("nps").and_then(|s| s.score)),
        score_text("csat", kind_of("csat").and_then(|s| s.score)),
        score_text("ces", kind_of("ces").and_then(|s| s.score)),
        count(success.surveys.iter().map(|s| s.responses).sum(), l),
    );
    let mut survey_svg = String::new();
    if let Some(nps) = kind_of("nps")
        && nps.responses > 0
    {
        // Only the months with answers: a month without any has no score (not a score of 0).
        let answered: Vec<&metrics::SurveyMonth> = nps.months.iter().filter(|m| m.score.is_some()).collect();
        let labels: Vec<String> = answered.iter().map(|m| format::date(m.start, l)).collect();
        // Tenths of a point, so that the integer chart keeps NPS's one decimal.
        let tenths = |d: Option<Decimal>| {
            d.and_then(|d| rust_decimal::prelude::ToPrimitive::to_i64(&(d * Decimal::TEN).round())).unwrap_or(0)
        };
        let fmt = move |v: i64| format::decimal(Decimal::new(v, 1), l);
        let title = tx.t("analytics-nps-chart-title");
        let desc = tx.t("analytics-nps-chart-desc");
        survey_svg = charts::line_chart(
            &Chart { id: "analytics-nps", title: &title, desc: &desc, x_labels: &labels, y_format: &fmt },
            &[Series { label: "NPS".into(), values: answered.iter().map(|m| tenths(m.score)).collect() }],
        );
    }
    let comments = success
        .comments
        .iter()
        .map(|c| {
            (
                format::date(c.at.date_naive(), l),
                tx.t(&format!("analytics-survey-{}", c.kind)),
                count(i64::from(c.score), l),
                c.comment.clone(),
            )
        })
        .collect();
    let hours = |secs: Option<i64>| match secs {
        None => "–".to_string(),
        Some(s) => {
            let h = (Decimal::from(s) / Decimal::from(3600)).round_dp(1);
            I18n::global().text(l, "analytics-hours", &[("hours", format::decimal(h, l))])
        }
    };
    let two = |d: Option<Decimal>| d.map(|d| format::decimal(d, l)).unwrap_or_else(|| "–".into());
    let q = &success.questions;
    let help_figures = vec![
        (tx.t("analytics-help-searches"), count(success.help.searches, l)),
        (tx.t("analytics-zero-result-searches"), count(success.help.zero_result_searches, l)),
        (tx.t("analytics-zero-result-rate"), pct(success.help.zero_result_rate, l)),
        (tx.t("analytics-questions-asked"), count(q.asked, l)),
        (tx.t("analytics-median-first-response"), hours(q.median_first_response_seconds)),
        (tx.t("analytics-median-resolution"), hours(q.median_resolution_seconds)),
        (tx.t("analytics-questions-per-100"), two(q.per_100_customers)),
        (tx.t("analytics-deflection"), two(q.deflection)),
    ];
    let zero_queries =
        success.help.top_zero_result_queries.iter().map(|z| (z.query.clone(), count(z.count, l))).collect();
    let funnels = success
        .funnels
        .iter()
        .map(|f| {
            let id = format!("analytics-funnel-{}", f.funnel.replace('_', "-"));
            let title = tx.t(&id);
            let labels: Vec<String> =
                f.steps.iter().map(|s| tx.t(&format!("{id}-{}", s.step.replace('_', "-")))).collect();
            let fmt = move |v: i64| count(v, l);
            let desc = tx.t("analytics-funnel-desc");
            let svg = if f.steps.iter().any(|s| s.visitors > 0) {
                charts::bar_chart(
                    &Chart { id: &id, title: &title, desc: &desc, x_labels: &labels, y_format: &fmt },
                    &f.steps.iter().map(|s| s.visitors).collect::<Vec<_>>(),
                )
            } else {
                String::new()
            };
            let rows = f
                .steps
                .iter()
                .zip(labels)
                .map(|(s, label)| (label, count(s.visitors, l), pct(s.conversion, l), pct(s.overall, l)))
                .collect();
            FunnelView { id, title, svg, rows }
        })
        .collect();
    let v = &success.savings;
    let saved_money = |minor: i64| match Currency::from_code(&v.currency) {
        Ok(c) => money(minor, c, l),
        Err(_) => count(minor, l),
    };
    let saved_figures = vec![
        (tx.t("analytics-actions-completed"), count(v.self_service_actions, l)),
        (tx.t("analytics-minutes-per-action"), count(i64::from(v.staff_minutes_per_action), l)),
        (
            tx.t("analytics-time-saved"),
            I18n::global().text(
                l,
                "analytics-hours",
                &[("hours", format::decimal((Decimal::from(v.minutes_saved) / Decimal::from(60)).round_dp(1), l))],
            ),
        ),
        (tx.t("analytics-cost-saved"), saved_money(v.cost_saved)),
        (tx.t("analytics-paperless-share"), pct(v.paperless_share, l)),
        (tx.t("analytics-postage-saved"), saved_money(v.postage_saved)),
        (tx.t("analytics-total-saved"), saved_money(v.total_saved)),
    ];
    let change_figures = vec![
        (tx.t("analytics-changes-customers"), count(success.changes.by_customers, l)),
        (tx.t("analytics-changes-staff"), count(success.changes.by_staff, l)),
        (tx.t("analytics-customer-share"), pct(success.changes.customer_share, l)),
    ];
    let security_figures = vec![
        (tx.t("analytics-failed-sign-ins"), count(portal.failed_sign_ins, l)),
        (tx.t("analytics-lockouts"), count(portal.lockouts, l)),
        (tx.t("analytics-revoked-sessions"), count(portal.revoked_sessions, l)),
        (tx.t("analytics-active-staff"), count(success.staff_security.active_staff, l)),
        (tx.t("analytics-staff-2fa"), count(success.staff_security.with_two_factor, l)),
        (tx.t("analytics-staff-2fa-adoption"), pct(success.staff_security.two_factor_adoption, l)),
    ];

    let page = Dashboard {
        tx,
        value_currency,
        value_rows,
        value_total,
        survey_svg,
        survey_rows,
        survey_total,
        comments,
        help_figures,
        zero_queries,
        funnels,
        saved_figures,
        change_figures,
        security_figures,
        action: req.action.clone(),
        from: req.from.to_string(),
        to: req.to.to_string(),
        daily: req.interval == Interval::Day,
        currency: req.reporting.map(|c| c.code().to_string()).unwrap_or_default(),
        series_currency,
        mrr_svg,
        net_svg,
        mrr_rows,
        show_fx,
        portal_svg,
        portal_days,
        portal_figures,
        actions,
        revenue_figures,
    };
    page.render().map_err(|e| billing_core::Error::invalid("dashboard", e.to_string()))
}
