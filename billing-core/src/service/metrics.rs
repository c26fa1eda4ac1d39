//! Revenue and portal metrics (docs/metrics.md, docs/adr/0028-metrics.md).
//!
//! MRR: every lifecycle change of a subscription rewrites its MRR schedule from the change's day
//! on ([`record`], called by the subscription service in the same transaction); the movements
//! per customer come from the schedule by set-based SQL (`store::metrics::daily_movements`), are
//! bucketed per day or month here and, on request, converted to a reporting currency at the ECB
//! rate of each day, with the effect of rate changes as its own figure.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::fx::{Fallback, RateTable};
use crate::ids::TenantId;
use crate::metrics::{div_round, ratio};
use crate::money::Money;
use crate::rounding::RoundingPolicy;
use crate::store;
use crate::store::metrics::DayMovements;
use crate::subscription::Subscription;

/// Rewrites the subscription's MRR schedule from `from` on, from its present state.
pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    sub: &Subscription,
    from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let coupon = store::metrics::applied_coupon(conn, tenant, sub.id).await?;
    let points = crate::metrics::schedule(sub, coupon.as_ref(), from)?;
    store::metrics::replace_schedule(conn, tenant, sub, from, &points, now).await
}

/// Gives every subscription without a schedule one from its start, as its present state implies
/// (history before this feature is not known beyond that state). Returns how many.
pub async fn backfill(conn: &mut PgConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<usize> {
    let ids = store::metrics::unscheduled(conn, tenant).await?;
    for id in &ids {
        if let Some(sub) = store::subscriptions::get(conn, tenant, *id).await? {
            record(conn, tenant, &sub, sub.start_date, now).await?;
        }
    }
    Ok(ids.len())
}

/// Bucket size of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Day,
    #[default]
    Month,
}

impl Interval {
    /// `month` (also when absent) or `day`.
    pub fn parse(s: Option<&str>) -> Result<Interval> {
        match s {
            None | Some("month") => Ok(Interval::Month),
            Some("day") => Ok(Interval::Day),
            Some(_) => Err(Error::invalid("interval", "must be `day` or `month`")),
        }
    }
}

/// A date range, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// Checks `from <= to` and a span of at most ten years.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Range> {
        if from > to {
            return Err(Error::invalid("from", "must not be after `to`"));
        }
        if (to - from).num_days() > 3660 {
            return Err(Error::invalid("to", "the range must not exceed ten years"));
        }
        Ok(Range { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The periods of `interval` that cover the range: whole calendar months (cut at the range's
    /// ends) or days.
    pub fn buckets(&self, interval: Interval) -> Result<Vec<(NaiveDate, NaiveDate)>> {
        let mut out = Vec::new();
        let mut start = self.from;
        match interval {
            Interval::Day => {
                if self.days() > 400 {
                    return Err(Error::invalid("interval", "days: the range must not exceed 400 days"));
                }
                while start <= self.to {
                    out.push((start, start));
                    start += Duration::days(1);
                }
            }
            Interval::Month => {
                while start <= self.to {
                    let next = if start.month() == 12 {
                        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                    } else {
                        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                    }
                    .ok_or_else(|| Error::invalid("to", "out of range"))?;
                    let end = (next - Duration::days(1)).min(self.to);
                    out.push((start, end));
                    start = next;
                }
            }
        }
        Ok(out)
    }
}

/// One period of an MRR report in one currency (minor units; contraction and churn negative, so
/// `mrr = mrr_start + new + expansion + contraction + churn + reactivation (+ fx_effect)`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct MrrPeriod {
    pub start: NaiveDate,
    /// The period's last day (included).
    pub end: NaiveDate,
    pub mrr_start: i64,
    /// MRR in effect at the end of the period's last day.
    pub mrr: i64,
    pub arr: i64,
    pub new: i64,
    pub expansion: i64,
    pub contraction: i64,
    pub churn: i64,
    pub reactivation: i64,
    pub net_new: i64,
    /// Only in the reporting currency: the change of the converted MRR that comes from rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fx_effect: Option<i64>,
    /// Metered revenue invoiced in the period (not part of MRR).
    pub metered: i64,
    pub customers_start: i64,
    pub customers: i64,
    pub new_customers: i64,
    pub churned_customers: i64,
    pub reactivated_customers: i64,
    /// churned customers / customers at start.
    pub logo_churn_rate: Option<Decimal>,
    /// -(contraction + churn) / MRR at start (gross MRR churn).
    pub revenue_churn_rate: Option<Decimal>,
    /// (MRR at start + expansion + contraction + churn) / MRR at start.
    pub nrr: Option<Decimal>,
    /// (MRR at start + contraction + churn) / MRR at start.
    pub grr: Option<Decimal>,
    /// MRR / paying customers, minor units.
    pub arpu: Option<i64>,
}

impl MrrPeriod {
    fn finish(&mut self) {
        self.net_new = self.new + self.expansion + self.contraction + self.churn + self.reactivation;
        self.mrr = self.mrr_start + self.net_new + self.fx_effect.unwrap_or(0);
        self.arr = self.mrr * 12;
        self.logo_churn_rate = ratio(self.churned_customers, self.customers_start);
        self.revenue_churn_rate = ratio(-(self.contraction + self.churn), self.mrr_start);
        self.nrr = ratio(self.mrr_start + self.expansion + self.contraction + self.churn, self.mrr_start);
        self.grr = ratio(self.mrr_start + self.contraction + self.churn, self.mrr_start);
        self.arpu = div_round(self.mrr, self.customers);
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MrrSeries {
    pub currency: String,
    pub periods: Vec<MrrPeriod>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MrrReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: Interval,
    /// One series per currency the tenant has subscriptions in.
    pub currencies: Vec<MrrSeries>,
    /// Every currency converted into the reporting currency, when one was asked for.
    pub reporting: Option<MrrSeries>,
}

fn add(p: &mut MrrPeriod, d: &DayMovements) {
    p.new += d.new;
    p.expansion += d.expansion;
    p.contraction += d.contraction;
    p.churn += d.churn;
    p.reactivation += d.reactivation;
    p.new_customers += d.new_customers;
    p.churned_customers += d.churned_customers;
    p.reactivated_customers += d.reactivated_customers;
}

fn series(
    currency: &str,
    rows: &[&DayMovements],
    metered: &BTreeMap<(String, NaiveDate), i64>,
    buckets: &[(NaiveDate, NaiveDate)],
) -> MrrSeries {
    let mut mrr = 0;
    let mut customers = 0;
    let mut it = rows.iter().peekable();
    if let Some(open) = it.next_if(|r| r.day.is_none()) {
        mrr = open.new + open.expansion + open.contraction + open.churn + open.reactivation;
        customers = open.new_customers + open.reactivated_customers - open.churned_customers;
    }
    let mut periods = Vec::with_capacity(buckets.len());
    for &(start, end) in buckets {
        let mut p = MrrPeriod { start, end, mrr_start: mrr, customers_start: customers, ..Default::default() };
        while let Some(d) = it.next_if(|r| r.day.is_some_and(|day| day <= end)) {
            add(&mut p, d);
        }
        p.customers = customers + p.new_customers + p.reactivated_customers - p.churned_customers;
        p.metered = metered.range((currency.to_string(), start)..=(currency.to_string(), end)).map(|(_, v)| *v).sum();
        p.finish();
        mrr = p.mrr;
        customers = p.customers;
        periods.push(p);
    }
    MrrSeries { currency: currency.to_string(), periods }
}

fn convert(rates: &RateTable, minor: i64, from: Currency, to: Currency, day: NaiveDate) -> Result<i64> {
    if minor == 0 || from == to {
        return Ok(minor);
    }
    rates
        .convert(Money::from_minor(minor, from), to, day, Fallback::Previous, RoundingPolicy::default())
        .map(|c| c.amount.minor())
        .map_err(|_| {
            Error::invalid("currency", format!("no ECB reference rate for {from}/{to} on {day} or shortly before"))
        })
}

/// The MRR report for a range: per currency, and in `reporting` when given.
pub async fn mrr(
    conn: &mut PgConnection,
    tenant: TenantId,
    range: Range,
    interval: Interval,
    reporting: Option<Currency>,
    now: DateTime<Utc>,
) -> Result<MrrReport> {
    let buckets = range.buckets(interval)?;
    backfill(conn, tenant, now).await?;
    let rows = store::metrics::daily_movements(conn, tenant, range.from, range.to, None).await?;
    let metered: BTreeMap<(String, NaiveDate), i64> = store::metrics::metered(conn, tenant, range.from, range.to)
        .await?
        .into_iter()
        .map(|(c, d, v)| ((c, d), v))
        .collect();
    let mut by_currency: BTreeMap<&str, Vec<&DayMovements>> = BTreeMap::new();
    for r in &rows {
        by_currency.entry(r.currency.as_str()).or_default().push(r);
    }
    // A currency whose only revenue is metered has no MRR movement; it still gets its series, so
    // that its metered revenue is shown (beside an MRR of 0) and converted.
    for (currency, _) in metered.keys() {
        by_currency.entry(currency.as_str()).or_default();
    }
    let currencies: Vec<MrrSeries> = by_currency.iter().map(|(c, rows)| series(c, rows, &metered, &buckets)).collect();
    let reporting = match reporting {
        None => None,
        Some(to) => {
            let rates = store::fx::table_between(conn, range.from - Duration::days(15), range.to).await?;
            let mut total: Vec<MrrPeriod> = buckets
                .iter()
                .map(|&(start, end)| MrrPeriod { start, end, fx_effect: Some(0), ..Default::default() })
                .collect();
            for s in &currencies {
                let from = Currency::from_code(&s.currency).map_err(|_| Error::invalid("currency", "unknown"))?;
                let days: Vec<&&DayMovements> = by_currency
                    .get(s.currency.as_str())
                    .map(|v| v.iter().filter(|d| d.day.is_some()).collect())
                    .unwrap_or_default();
                for (p, t) in s.periods.iter().zip(total.iter_mut()) {
                    let start = convert(&rates, p.mrr_start, from, to, p.start - Duration::days(1))?;
                    let end = convert(&rates, p.mrr, from, to, p.end)?;
                    let mut moved = 0;
                    for d in days.iter().filter(|d| d.day.is_some_and(|day| p.start <= day && day <= p.end)) {
                        let day = d.day.unwrap_or(p.start);
                        let c = |v: i64| convert(&rates, v, from, to, day);
                        let (n, e, k, ch, r) =
                            (c(d.new)?, c(d.expansion)?, c(d.contraction)?, c(d.churn)?, c(d.reactivation)?);
                        t.new += n;
                        t.expansion += e;
                        t.contraction += k;
                        t.churn += ch;
                        t.reactivation += r;
                        moved += n + e + k + ch + r;
                    }
                    t.mrr_start += start;
                    t.fx_effect = Some(t.fx_effect.unwrap_or(0) + end - start - moved);
                    t.metered += convert(&rates, p.metered, from, to, p.end)?;
                    t.customers_start += p.customers_start;
                    t.new_customers += p.new_customers;
                    t.churned_customers += p.churned_customers;
                    t.reactivated_customers += p.reactivated_customers;
                    t.customers += p.customers;
                }
            }
            for t in &mut total {
                t.finish();
            }
            Some(MrrSeries { currency: to.code().to_string(), periods: total })
        }
    };
    Ok(MrrReport { from: range.from, to: range.to, interval, currencies, reporting })
}

fn tenant_bounds(tz: chrono_tz::Tz, range: Range) -> (DateTime<Utc>, DateTime<Utc>) {
    (crate::tenant::start_of_day(tz, range.from), crate::tenant::start_of_day(tz, range.to + Duration::days(1)))
}

async fn timezone(conn: &mut PgConnection, tenant: TenantId) -> Result<chrono_tz::Tz> {
    Ok(store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?.timezone)
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionStat {
    pub action: String,
    /// Every start of the action (started, abandoned or completed).
    pub started: i64,
    pub completed: i64,
    pub completion_rate: Option<Decimal>,
    pub median_duration_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortalDay {
    pub day: NaiveDate,
    pub sessions: i64,
    pub actions_completed: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortalReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Customers that existed at the end of the range.
    pub customers: i64,
    /// Customers that ever had a portal session by the end of the range.
    pub registered: i64,
    /// Customers with a portal session in the range.
    pub active: i64,
    /// active / customers.
    pub adoption: Option<Decimal>,
    /// registered / customers.
    pub registration_rate: Option<Decimal>,
    /// Active customers with more than one session in the range.
    pub returning: i64,
    pub sign_ins: i64,
    pub sessions: i64,
    pub page_views: i64,
    pub pages_per_session: Option<Decimal>,
    /// Sessions started in the range with at least one page view (each view counted in the
    /// customer's latest live session).
    pub sessions_with_views: i64,
    /// Of those, the ones with exactly one page view.
    pub bounced_sessions: i64,
    /// bounced_sessions / sessions_with_views.
    pub bounce_rate: Option<Decimal>,
    /// The lower median of the seconds from a session's start to its last page view.
    pub median_session_seconds: Option<i64>,
    pub actions: Vec<ActionStat>,
    /// Completed self-service actions: the changes customers made themselves.
    pub self_service_actions: i64,
    pub failed_sign_ins: i64,
    pub lockouts: i64,
    pub revoked_sessions: i64,
    pub links_requested: i64,
    pub daily: Vec<PortalDay>,
}

pub async fn portal(conn: &mut PgConnection, tenant: TenantId, range: Range) -> Result<PortalReport> {
    let tz = timezone(conn, tenant).await?;
    let (from, until) = tenant_bounds(tz, range);
    let f = store::metrics::portal_facts(conn, tenant, from, until).await?;
    let (with_views, bounced, median_seconds) = store::metrics::portal_session_depth(conn, tenant, from, until).await?;
    let actions: Vec<ActionStat> = store::metrics::portal_actions(conn, tenant, from, until)
        .await?
        .into_iter()
        .map(|(action, started, completed, median)| ActionStat {
            completion_rate: ratio(completed, started),
            action,
            started,
            completed,
            median_duration_ms: median,
        })
        .collect();
    let daily = if range.days() <= 400 {
        store::metrics::portal_daily(conn, tenant, tz.name(), range.from, range.to, from, until)
            .await?
            .into_iter()
            .map(|(day, sessions, actions_completed)| PortalDay { day, sessions, actions_completed })
            .collect()
    } else {
        Vec::new()
    };
    Ok(PortalReport {
        from: range.from,
        to: range.to,
        adoption: ratio(f.active, f.customers),
        registration_rate: ratio(f.registered, f.customers),
        pages_per_session: ratio(f.page_views, f.sessions),
        sessions_with_views: with_views,
        bounced_sessions: bounced,
        bounce_rate: ratio(bounced, with_views),
        median_session_seconds: median_seconds,
        self_service_actions: actions.iter().map(|a| a.completed).sum(),
        customers: f.customers,
        registered: f.registered,
        active: f.active,
        returning: f.returning,
        sign_ins: f.sign_ins,
        sessions: f.sessions,
        page_views: f.page_views,
        actions,
        failed_sign_ins: f.failed_sign_ins,
        lockouts: f.lockouts,
        revoked_sessions: f.revoked_sessions,
        links_requested: f.links_requested,
        daily,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Recovery {
    pub currency: String,
    /// Invoices with a failed payment attempt in the range.
    pub failed_invoices: i64,
    /// Of those, the ones paid by now.
    pub recovered_invoices: i64,
    pub recovery_rate: Option<Decimal>,
    /// Their totals, minor units.
    pub recovered_revenue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dso {
    pub currency: String,
    /// Open receivables at the end of the range, minor units.
    pub receivables: i64,
    /// Invoiced in the range, minor units.
    pub invoiced: i64,
    /// receivables / invoiced × days in the range, one decimal.
    pub days_sales_outstanding: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
    pub share: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Retention {
    pub shown: i64,
    pub accepted: i64,
    /// Shown and no cancellation within 30 days.
    pub saved: i64,
    pub save_rate: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trials {
    /// Trials that ended in the range.
    pub ended: i64,
    /// Of those, the ones that went on paying.
    pub converted: i64,
    pub conversion_rate: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevenueReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub recovery: Vec<Recovery>,
    pub dso: Vec<Dso>,
    pub cancellation_reasons: Vec<ReasonCount>,
    pub retention: Retention,
    pub trials: Trials,
}

/// `now` caps the trials counted: a trial that ends after today has not converted yet.
pub async fn revenue(
    conn: &mut PgConnection,
    tenant: TenantId,
    range: Range,
    now: DateTime<Utc>,
) -> Result<RevenueReport> {
    let tz = timezone(conn, tenant).await?;
    let today = now.with_timezone(&tz).date_naive();
    let (from, until) = tenant_bounds(tz, range);
    let recovery = store::metrics::recovery(conn, tenant, from, until)
        .await?
        .into_iter()
        .map(|(currency, failed, recovered, amount)| Recovery {
            currency,
            failed_invoices: failed,
            recovered_invoices: recovered,
            recovery_rate: ratio(recovered, failed),
            recovered_revenue: amount,
        })
        .collect();
    let days = Decimal::from(range.days());
    let dso = store::metrics::receivables(conn, tenant, range.from, range.to, until)
        .await?
        .into_iter()
        .map(|(currency, receivables, invoiced)| Dso {
            days_sales_outstanding: (invoiced != 0).then(|| {
                let mut d = (Decimal::from(receivables) * days / Decimal::from(invoiced))
                    .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
                d.rescale(1);
                d
            }),
            currency,
            receivables,
            invoiced,
        })
        .collect();
    let reasons = store::metrics::cancellation_reasons(conn, tenant, from, until).await?;
    let all: i64 = reasons.iter().map(|r| r.1).sum();
    let cancellation_reasons =
        reasons.into_iter().map(|(reason, count)| ReasonCount { share: ratio(count, all), reason, count }).collect();
    let (shown, accepted, saved) = store::metrics::retention(conn, tenant, from, until).await?;
    let (ended, converted) = if range.from <= today {
        store::metrics::trials(conn, tenant, range.from, range.to.min(today)).await?
    } else {
        (0, 0)
    };
    Ok(RevenueReport {
        from: range.from,
        to: range.to,
        recovery,
        dso,
        cancellation_reasons,
        retention: Retention { shown, accepted, saved, save_rate: ratio(saved, shown) },
        trials: Trials { ended, converted, conversion_rate: ratio(converted, ended) },
    })
}

/// `num / den` rounded half away from zero to `dp` places (shown with exactly `dp`), `None` when
/// `den` is 0.
fn places(num: i64, den: i64, dp: u32) -> Option<Decimal> {
    if den == 0 {
        return None;
    }
    let q = Decimal::from(num).checked_div(Decimal::from(den))?;
    let mut q = q.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    q.rescale(dp);
    Some(q)
}

/// The first day of the month of `d`.
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The merchant's acquisition spend of one month in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spend {
    /// The month's first day.
    pub month: NaiveDate,
    pub currency: String,
    /// Minor units.
    pub amount: i64,
}

/// Sets the spend of a month (any day of it) and currency; 0 is a valid amount.
pub async fn set_acquisition_spend(
    conn: &mut PgConnection,
    tenant: TenantId,
    month: NaiveDate,
    currency: Currency,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<Spend> {
    if amount < 0 {
        return Err(Error::invalid("amount", "must not be negative"));
    }
    if amount > 100_000_000_000_000 {
        return Err(Error::invalid("amount", "is too large"));
    }
    let month = month_of(month);
    store::metrics::put_acquisition_spend(conn, tenant, month, currency.code(), amount, now).await?;
    Ok(Spend { month, currency: currency.code().to_string(), amount })
}

/// The spend of every month that overlaps the range.
pub async fn acquisition_spend(conn: &mut PgConnection, tenant: TenantId, range: Range) -> Result<Vec<Spend>> {
    Ok(store::metrics::acquisition_spend(conn, tenant, range.from, range.to)
        .await?
        .into_iter()
        .map(|(month, currency, amount)| Spend { month, currency, amount })
        .collect())
}

/// What one completed self-service action and one paperless invoice save (docs/metrics.md
/// "Time and cost saved").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsSettings {
    pub currency: String,
    pub staff_minutes_per_action: i32,
    /// Minor units of `currency`.
    pub cost_per_action: i64,
    /// Minor units of `currency`: postage and printing of one letter.
    pub postage_cost: i64,
}

impl Default for SavingsSettings {
    fn default() -> Self {
        Self { currency: "EUR".into(), staff_minutes_per_action: 5, cost_per_action: 0, postage_cost: 0 }
    }
}

pub async fn savings_settings(conn: &mut PgConnection, tenant: TenantId) -> Result<SavingsSettings> {
    Ok(store::metrics::metrics_settings(conn, tenant)
        .await?
        .map(|r| SavingsSettings {
            currency: r.currency,
            staff_minutes_per_action: r.staff_minutes_per_action,
            cost_per_action: r.cost_per_action,
            postage_cost: r.postage_cost,
        })
        .unwrap_or_default())
}

pub async fn set_savings_settings(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &SavingsSettings,
    now: DateTime<Utc>,
) -> Result<SavingsSettings> {
    let currency = Currency::from_code(&s.currency).map_err(|_| Error::invalid("currency", "unknown currency"))?;
    if !(0..=1440).contains(&s.staff_minutes_per_action) {
        return Err(Error::invalid("staff_minutes_per_action", "must be between 0 and 1440"));
    }
    if !(0..=100_000_000).contains(&s.cost_per_action) {
        return Err(Error::invalid("cost_per_action", "must be between 0 and 100000000"));
    }
    if !(0..=100_000_000).contains(&s.postage_cost) {
        return Err(Error::invalid("postage_cost", "must be between 0 and 100000000"));
    }
    let row = store::metrics::MetricsSettingsRow {
        currency: currency.code().to_string(),
        staff_minutes_per_action: s.staff_minutes_per_action,
        cost_per_action: s.cost_per_action,
        postage_cost: s.postage_cost,
    };
    store::metrics::put_metrics_settings(conn, tenant, &row, now).await?;
    Ok(SavingsSettings { currency: row.currency, ..s.clone() })
}

/// Customer value of one currency in one period (docs/metrics.md "Customer value").
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ValuePeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// First-time paying customers (`new` movements).
    pub new_customers: i64,
    /// The spend entered for the period's months, minor units (a cut month counts whole).
    pub acquisition_spend: i64,
    /// spend / new customers, minor units.
    pub cac: Option<i64>,
    /// MRR / paying customers at the end, minor units.
    pub arpu: Option<i64>,
    pub customers_start: i64,
    pub churned_customers: i64,
    /// churned / customers at the start (of the months summed).
    pub logo_churn_rate: Option<Decimal>,
    /// ARPU / logo churn rate = ARPU × customers_start / churned, minor units.
    pub ltv: Option<i64>,
    /// LTV / CAC.
    pub ltv_cac: Option<Decimal>,
    /// Paid invoices issued in the period and the sum of their totals (tax included).
    pub paid_invoices: i64,
    pub paid_total: i64,
    /// paid_total / paid_invoices, minor units.
    pub aov: Option<i64>,
}

impl ValuePeriod {
    /// `cac_base`: (spend, new customers) of the months with spend entered, `None` when no
    /// spend was entered (no CAC, rather than a CAC of 0).
    fn finish(&mut self, cac_base: Option<(i64, i64)>) {
        self.cac = cac_base.and_then(|(spend, new)| div_round(spend, new));
        self.logo_churn_rate = ratio(self.churned_customers, self.customers_start);
        self.ltv = match (self.arpu, self.churned_customers) {
            (Some(arpu), churned) if churned > 0 => div_round(arpu * self.customers_start, churned),
            _ => None,
        };
        self.ltv_cac = match (self.ltv, self.cac) {
            (Some(ltv), Some(cac)) => ratio(ltv, cac),
            _ => None,
        };
        self.aov = div_round(self.paid_total, self.paid_invoices);
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ValueSeries {
    pub currency: String,
    /// Calendar months (cut at the range's ends).
    pub periods: Vec<ValuePeriod>,
    /// The whole range: sums of the months, churn rate = Σ churned / Σ customers at the months'
    /// starts (the average monthly rate), ARPU at the end.
    pub total: ValuePeriod,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValueReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currencies: Vec<ValueSeries>,
}

/// LTV, CAC, LTV:CAC and AOV per currency and month.
pub async fn customer_value(
    conn: &mut PgConnection,
    tenant: TenantId,
    range: Range,
    now: DateTime<Utc>,
) -> Result<ValueReport> {
    let buckets = range.buckets(Interval::Month)?;
    let mrr = mrr(conn, tenant, range, Interval::Month, None, now).await?;
    let spend = acquisition_spend(conn, tenant, range).await?;
    let paid = store::metrics::paid_invoices(conn, tenant, range.from, range.to).await?;
    let mut codes: Vec<String> = mrr.currencies.iter().map(|s| s.currency.clone()).collect();
    codes.extend(spend.iter().filter(|s| s.amount > 0).map(|s| s.currency.clone()));
    codes.extend(paid.iter().map(|p| p.0.clone()));
    codes.sort();
    codes.dedup();
    let mut currencies = Vec::new();
    for code in codes {
        let series = mrr.currencies.iter().find(|s| s.currency == code);
        let mut periods = Vec::with_capacity(buckets.len());
        let mut total = ValuePeriod { start: range.from, end: range.to, ..Default::default() };
        let mut cac_base: Option<(i64, i64)> = None;
        for (k, &(start, end)) in buckets.iter().enumerate() {
            let mut p = ValuePeriod { start, end, ..Default::default() };
            if let Some(m) = series.and_then(|s| s.periods.get(k)) {
                p.new_customers = m.new_customers;
                p.arpu = m.arpu;
                p.customers_start = m.customers_start;
                p.churned_customers = m.churned_customers;
            }
            let entered: Vec<&Spend> =
                spend.iter().filter(|s| s.currency == code && s.month == month_of(start)).collect();
            p.acquisition_spend = entered.iter().map(|s| s.amount).sum();
            for (_, _, n, sum) in paid.iter().filter(|(c, d, _, _)| *c == code && start <= *d && *d <= end) {
                p.paid_invoices += n;
                p.paid_total += sum;
            }
            let base = (!entered.is_empty()).then_some((p.acquisition_spend, p.new_customers));
            if let Some((spend, new)) = base {
                let (s0, n0) = cac_base.unwrap_or((0, 0));
                cac_base = Some((s0 + spend, n0 + new));
            }
            p.finish(base);
            total.new_customers += p.new_customers;
            total.acquisition_spend += p.acquisition_spend;
            total.customers_start += p.customers_start;
            total.churned_customers += p.churned_customers;
            total.paid_invoices += p.paid_invoices;
            total.paid_total += p.paid_total;
            total.arpu = p.arpu;
            periods.push(p);
        }
        total.finish(cac_base);
        currencies.push(ValueSeries { currency: code, periods, total });
    }
    Ok(ValueReport { from: range.from, to: range.to, currencies })
}

/// One month of a survey kind.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SurveyMonth {
    /// The month's first day in the range (the range's first day for a cut first month).
    pub start: NaiveDate,
    pub responses: i64,
    pub score: Option<Decimal>,
}

/// NPS, CSAT or CES over the range (docs/metrics.md "Surveys").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SurveyStat {
    /// `nps`, `csat` or `ces`.
    pub kind: String,
    /// Answers with a score.
    pub responses: i64,
    pub dismissed: i64,
    /// NPS: (promoters − detractors) / responses × 100, one place; CSAT: share of 4 and 5, four
    /// places; CES: mean score (1–7), two places.
    pub score: Option<Decimal>,
    /// Mean score, two places.
    pub average: Option<Decimal>,
    /// NPS only: 9–10, 7–8, 0–6.
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// CSAT only: answers of 4 or 5.
    pub satisfied: i64,
    /// One entry per month of the range.
    pub months: Vec<SurveyMonth>,
}

fn survey_score(
    kind: &str,
    responses: i64,
    promoters: i64,
    detractors: i64,
    satisfied: i64,
    sum: i64,
) -> Option<Decimal> {
    match kind {
        "nps" => places((promoters - detractors) * 100, responses, 1),
        "csat" => ratio(satisfied, responses),
        _ => places(sum, responses, 2),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SurveyComment {
    pub kind: String,
    pub score: i16,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HelpStat {
    pub searches: i64,
    pub zero_result_searches: i64,
    /// zero-result searches / searches.
    pub zero_result_rate: Option<Decimal>,
    /// The ten most frequent searches without a result (lower-cased).
    pub top_zero_result_queries: Vec<QueryCount>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct QueryCount {
    pub query: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct QuestionStat {
    /// Questions asked in the range.
    pub asked: i64,
    /// Of those, answered by staff (by now) and closed (by now).
    pub answered: i64,
    pub resolved: i64,
    /// Lower median of the seconds from asking to the first staff reply / to the close.
    pub median_first_response_seconds: Option<i64>,
    pub median_resolution_seconds: Option<i64>,
    /// Customers that existed at the end of the range.
    pub customers: i64,
    /// asked × 100 / customers, two places.
    pub per_100_customers: Option<Decimal>,
    /// Completed self-service actions in the range.
    pub self_service_actions: i64,
    /// self-service actions / questions asked, two places.
    pub deflection: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FunnelStep {
    pub step: String,
    /// Distinct visitors with the step in the range.
    pub visitors: i64,
    /// visitors / the previous step's visitors (none for the first step).
    pub conversion: Option<Decimal>,
    /// visitors / the first step's visitors.
    pub overall: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Funnel {
    /// `signup` or `plan_change`.
    pub funnel: String,
    pub steps: Vec<FunnelStep>,
}

/// The funnels and their steps in order (docs/shared contract: portal-signup writes them).
pub const FUNNELS: [(&str, &[&str]); 2] = [
    ("signup", &["pricing_viewed", "checkout_started", "details_entered", "paid"]),
    ("plan_change", &["viewed", "previewed", "confirmed"]),
];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Savings {
    pub self_service_actions: i64,
    pub staff_minutes_per_action: i32,
    /// self-service actions × minutes per action.
    pub minutes_saved: i64,
    pub currency: String,
    pub cost_per_action: i64,
    /// self-service actions × cost per action, minor units.
    pub cost_saved: i64,
    /// Finalized invoices issued in the range.
    pub invoices: i64,
    /// Of those, sent by e-mail or the portal: all (the engine sends no letters).
    pub paperless_invoices: i64,
    pub paperless_share: Option<Decimal>,
    pub postage_cost: i64,
    /// paperless invoices × postage cost, minor units.
    pub postage_saved: i64,
    /// cost_saved + postage_saved.
    pub total_saved: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Changes {
    /// Completed self-service actions in the portal.
    pub by_customers: i64,
    /// Console actions on a customer done by staff.
    pub by_staff: i64,
    /// by_customers / (by_customers + by_staff).
    pub customer_share: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StaffSecurity {
    /// Staff now: not disabled, invitation accepted.
    pub active_staff: i64,
    pub with_two_factor: i64,
    /// with_two_factor / active_staff.
    pub two_factor_adoption: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuccessReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub surveys: Vec<SurveyStat>,
    /// The ten newest answers with a comment.
    pub comments: Vec<SurveyComment>,
    pub help: HelpStat,
    pub questions: QuestionStat,
    pub funnels: Vec<Funnel>,
    pub savings: Savings,
    pub changes: Changes,
    pub staff_security: StaffSecurity,
}

/// Feedback, help, billing questions, funnels, time and cost saved, who made changes and the
/// staff's second factor, for a range (docs/metrics.md "Portal success").
pub async fn success(conn: &mut PgConnection, tenant: TenantId, range: Range) -> Result<SuccessReport> {
    let tz = timezone(conn, tenant).await?;
    let (from, until) = tenant_bounds(tz, range);
    let buckets = range.buckets(Interval::Month)?;
    let rows = store::metrics::survey_months(conn, tenant, tz.name(), from, until).await?;
    let surveys = ["nps", "csat", "ces"]
        .into_iter()
        .map(|kind| {
            let mine: Vec<&store::metrics::SurveyMonthRow> = rows.iter().filter(|r| r.kind == kind).collect();
            let sum = |f: fn(&store::metrics::SurveyMonthRow) -> i64| mine.iter().map(|r| f(r)).sum::<i64>();
            let (responses, promoters, detractors, satisfied, total) = (
                sum(|r| r.responses),
                sum(|r| r.promoters),
                sum(|r| r.detractors),
                sum(|r| r.satisfied),
                sum(|r| r.score_sum),
            );
            let months = buckets
                .iter()
                .map(|&(start, _)| {
                    let m = mine.iter().find(|r| r.month == month_of(start));
                    SurveyMonth {
                        start,
                        responses: m.map_or(0, |r| r.responses),
                        score: m.and_then(|r| {
                            survey_score(kind, r.responses, r.promoters, r.detractors, r.satisfied, r.score_sum)
                        }),
                    }
                })
                .collect();
            SurveyStat {
                kind: kind.to_string(),
                responses,
                dismissed: sum(|r| r.dismissed),
                score: survey_score(kind, responses, promoters, detractors, satisfied, total),
                average: places(total, responses, 2),
                promoters,
                passives: if kind == "nps" { responses - promoters - detractors } else { 0 },
                detractors,
                satisfied,
                months,
            }
        })
        .collect();
    let comments = store::metrics::survey_comments(conn, tenant, from, until, 10)
        .await?
        .into_iter()
        .map(|(kind, score, comment, at)| SurveyComment { kind, score, comment, at })
        .collect();
    let (searches, zero) = store::metrics::help_searches(conn, tenant, from, until).await?;
    let top = store::metrics::zero_result_queries(conn, tenant, from, until, 10).await?;
    let help = HelpStat {
        searches,
        zero_result_searches: zero,
        zero_result_rate: ratio(zero, searches),
        top_zero_result_queries: top.into_iter().map(|(query, count)| QueryCount { query, count }).collect(),
    };
    let q = store::metrics::question_facts(conn, tenant, from, until).await?;
    let customers = store::metrics::customers_before(conn, tenant, until).await?;
    let (by_customers, by_staff) = store::metrics::change_makers(conn, tenant, from, until).await?;
    let questions = QuestionStat {
        asked: q.asked,
        answered: q.answered,
        resolved: q.resolved,
        median_first_response_seconds: q.median_first_response,
        median_resolution_seconds: q.median_resolution,
        customers,
        per_100_customers: places(q.asked * 100, customers, 2),
        self_service_actions: by_customers,
        deflection: places(by_customers, q.asked, 2),
    };
    let steps = store::metrics::funnel_steps(conn, tenant, from, until).await?;
    let funnels = FUNNELS
        .iter()
        .map(|(funnel, names)| {
            let count = |step: &str| {
                let action = format!("{funnel}:{step}");
                steps.iter().find(|(a, _)| *a == action).map_or(0, |(_, n)| *n)
            };
            let first = count(names[0]);
            let mut previous: Option<i64> = None;
            let steps = names
                .iter()
                .map(|step| {
                    let visitors = count(step);
                    let s = FunnelStep {
                        step: step.to_string(),
                        visitors,
                        conversion: previous.and_then(|p| ratio(visitors, p)),
                        overall: ratio(visitors, first),
                    };
                    previous = Some(visitors);
                    s
                })
                .collect();
            Funnel { funnel: funnel.to_string(), steps }
        })
        .collect();
    let settings = savings_settings(conn, tenant).await?;
    let invoices = store::metrics::issued_invoices(conn, tenant, range.from, range.to).await?;
    let minutes = i64::from(settings.staff_minutes_per_action);
    let cost_saved = by_customers * settings.cost_per_action;
    let postage_saved = invoices * settings.postage_cost;
    let savings = Savings {
        self_service_actions: by_customers,
        staff_minutes_per_action: settings.staff_minutes_per_action,
        minutes_saved: by_customers * minutes,
        currency: settings.currency.clone(),
        cost_per_action: settings.cost_per_action,
        cost_saved,
        invoices,
        paperless_invoices: invoices,
        paperless_share: ratio(invoices, invoices),
        postage_cost: settings.postage_cost,
        postage_saved,
        total_saved: cost_saved + postage_saved,
    };
    let (active_staff, with_two_factor) = store::metrics::staff_two_factor(conn, tenant).await?;
    Ok(SuccessReport {
        from: range.from,
        to: range.to,
        surveys,
        comments,
        help,
        questions,
        funnels,
        savings,
        changes: Changes { by_customers, by_staff, customer_share: ratio(by_customers, by_customers + by_staff) },
        staff_security: StaffSecurity {
            active_staff,
            with_two_factor,
            two_factor_adoption: ratio(with_two_factor, active_staff),
        },
    })
}
