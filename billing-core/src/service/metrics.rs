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
