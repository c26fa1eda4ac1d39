//! Revenue metrics, the pure part (docs/metrics.md, docs/adr/0028-metrics.md): a subscription's
//! monthly recurring revenue on a day, the schedule of its MRR from a day on, the kinds of MRR
//! movement, and the ratios built from them.
//!
//! MRR follows ChartMogul and Stripe (docs/metrics.md): the recurring price of the period
//! normalized to one month (annual / 12, quarterly / 3, weekly × 52 / 12, daily × 365 / 12),
//! with the coupon deducted for the periods it applies to; tax (prices are net; see the note on
//! tax-inclusive prices in docs/metrics.md), one-time charges (setup fees, one-time add-ons),
//! trials (MRR 0 until the trial ends) and metered usage (shown apart) are excluded; a paused
//! subscription counts 0; a canceled one 0 from its end.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::coupon::CouponDuration;
use crate::error::Result;
use crate::period::{BillingInterval, IntervalUnit, period_start};
use crate::rounding::RoundingPolicy;
use crate::subscription::{AppliedCoupon, Subscription, SubscriptionStatus};

/// A period price normalized to one month, in minor units, rounded half away from zero once.
pub fn monthly(amount_minor: i64, interval: BillingInterval) -> i64 {
    let count = i128::from(interval.count.max(1));
    let (num, den): (i128, i128) = match interval.unit {
        IntervalUnit::Day => (365, 12 * count),
        IntervalUnit::Week => (52, 12 * count),
        IntervalUnit::Month => (1, count),
        IntervalUnit::Year => (1, 12 * count),
    };
    let n = i128::from(amount_minor) * num;
    let q = (2 * n.abs() + den) / (2 * den);
    let q = if n < 0 { -q } else { q };
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// The first day a coupon discounts and the first day it no longer does (None: forever).
fn coupon_window(sub: &Subscription, c: &AppliedCoupon) -> Result<(NaiveDate, Option<NaiveDate>)> {
    let start = period_start(sub.anchor_date, sub.interval, c.from_period_index)?;
    let periods = match c.coupon.duration {
        CouponDuration::Once => Some(1),
        CouponDuration::Repeating { periods } => Some(periods),
        CouponDuration::Forever => None,
    };
    let end = match periods {
        Some(n) => Some(period_start(sub.anchor_date, sub.interval, c.from_period_index.saturating_add(n))?),
        None => None,
    };
    Ok((start, end))
}

/// The subscription's MRR on `day` as its present state describes that day.
pub fn mrr_on(sub: &Subscription, coupon: Option<&AppliedCoupon>, day: NaiveDate) -> Result<i64> {
    if day < sub.start_date
        || sub.metering.is_some()
        || sub.trial_end.is_some_and(|t| day < t)
        || sub.cancel_at.is_some_and(|c| c <= day)
        || (sub.status == SubscriptionStatus::Canceled && sub.ended_on.is_none_or(|e| e <= day))
        || (sub.status == SubscriptionStatus::Paused
            && sub.paused_on.is_some_and(|p| p <= day)
            && sub.resume_on.is_none_or(|r| day < r))
    {
        return Ok(0);
    }
    let terms = match &sub.pending_change {
        Some(p) if p.effective <= day => crate::subscription::Terms {
            plan_id: p.plan_id,
            plan_name: p.plan_name.clone(),
            price: p.price.clone(),
            quantity: p.quantity,
        },
        _ => sub.terms(),
    };
    let amount = terms.period_amount(RoundingPolicy::default())?;
    let mut net = amount.minor();
    if let Some(c) = coupon {
        let (from, until) = coupon_window(sub, c)?;
        if from <= day && until.is_none_or(|u| day < u) {
            let discount = c.coupon.discount_lines(&[amount], RoundingPolicy::default())?;
            net -= discount.iter().map(|d| d.minor()).sum::<i64>();
        }
    }
    Ok(monthly(net.max(0), sub.interval))
}

/// The subscription's MRR schedule from `from` on: the MRR on `from` and on every later day the
/// present state changes it (trial end, scheduled cancellation, end, pause, resume, scheduled
/// plan change, coupon start and end). Consecutive equal values are merged.
pub fn schedule(sub: &Subscription, coupon: Option<&AppliedCoupon>, from: NaiveDate) -> Result<Vec<(NaiveDate, i64)>> {
    let mut days = vec![from, sub.start_date];
    days.extend(sub.trial_end);
    days.extend(sub.cancel_at);
    days.extend(sub.ended_on);
    days.extend(sub.paused_on);
    days.extend(sub.resume_on);
    days.extend(sub.pending_change.as_ref().map(|p| p.effective));
    if let Some(c) = coupon {
        let (start, end) = coupon_window(sub, c)?;
        days.push(start);
        days.extend(end);
    }
    days.retain(|d| *d >= from);
    days.sort();
    days.dedup();
    let mut out: Vec<(NaiveDate, i64)> = Vec::with_capacity(days.len());
    for day in days {
        let mrr = mrr_on(sub, coupon, day)?;
        if out.last().is_none_or(|(_, last)| *last != mrr) {
            out.push((day, mrr));
        }
    }
    Ok(out)
}

/// The kind of an MRR movement of one customer on one day (ChartMogul's definitions): `new` when
/// a customer's MRR first rises above 0, `reactivation` when it rises above 0 again after having
/// been 0, `churn` when it falls to 0 (only when the customer's last subscription stops paying),
/// `expansion` / `contraction` when it rises / falls and stays above 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    New,
    Expansion,
    Contraction,
    Churn,
    Reactivation,
}

impl MovementKind {
    pub const ALL: [MovementKind; 5] = [
        MovementKind::New,
        MovementKind::Expansion,
        MovementKind::Contraction,
        MovementKind::Churn,
        MovementKind::Reactivation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::New => "new",
            MovementKind::Expansion => "expansion",
            MovementKind::Contraction => "contraction",
            MovementKind::Churn => "churn",
            MovementKind::Reactivation => "reactivation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        MovementKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Classifies a customer's change from `before` to `after` (`had_mrr_before`: the customer
    /// had MRR above 0 at some earlier time). None when nothing changed.
    pub fn classify(before: i64, after: i64, had_mrr_before: bool) -> Option<Self> {
        Some(match (before, after) {
            _ if before == after => return None,
            (0, _) if had_mrr_before => MovementKind::Reactivation,
            (0, _) => MovementKind::New,
            (_, 0) => MovementKind::Churn,
            _ if after > before => MovementKind::Expansion,
            _ => MovementKind::Contraction,
        })
    }
}

/// `num / den` to four decimal places (half away from zero); None when `den` is 0.
pub fn ratio(num: i64, den: i64) -> Option<Decimal> {
    if den == 0 {
        return None;
    }
    let q = Decimal::from(num).checked_div(Decimal::from(den))?;
    let mut q = q.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    q.rescale(4);
    Some(q)
}

/// Integer division rounded half away from zero (ARPU in minor units).
pub fn div_round(num: i64, den: i64) -> Option<i64> {
    if den == 0 {
        return None;
    }
    let (n, d) = (i128::from(num), i128::from(den));
    let q = (2 * n.abs() + d.abs()) / (2 * d.abs());
    let negative = (n < 0) != (d < 0);
    i64::try_from(if negative { -q } else { q }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(unit: IntervalUnit, count: u32) -> BillingInterval {
        BillingInterval { unit, count }
    }

    #[test]
    fn periods_are_normalized_to_a_month_and_rounded_once() {
        assert_eq!(monthly(29000, iv(IntervalUnit::Year, 1)), 2417); // 2416.67
        assert_eq!(monthly(9000, iv(IntervalUnit::Month, 3)), 3000);
        assert_eq!(monthly(1000, iv(IntervalUnit::Week, 1)), 4333); // 4333.33
        assert_eq!(monthly(100, iv(IntervalUnit::Day, 1)), 3042); // 3041.67
        assert_eq!(monthly(2900, iv(IntervalUnit::Month, 1)), 2900);
        assert_eq!(monthly(5, iv(IntervalUnit::Month, 2)), 3); // 2.5 rounds away from zero
    }

    #[test]
    fn movements_are_classified_per_customer() {
        use MovementKind::*;
        assert_eq!(MovementKind::classify(0, 100, false), Some(New));
        assert_eq!(MovementKind::classify(0, 100, true), Some(Reactivation));
        assert_eq!(MovementKind::classify(100, 0, true), Some(Churn));
        assert_eq!(MovementKind::classify(100, 150, true), Some(Expansion));
        assert_eq!(MovementKind::classify(150, 100, true), Some(Contraction));
        assert_eq!(MovementKind::classify(100, 100, true), None);
    }

    #[test]
    fn ratios_have_four_places_and_no_division_by_zero() {
        assert_eq!(ratio(1, 3), Some(Decimal::new(3333, 4)));
        assert_eq!(ratio(2, 3), Some(Decimal::new(6667, 4)));
        assert_eq!(ratio(1, 0), None);
        assert_eq!(ratio(1, 2).map(|r| r.to_string()).as_deref(), Some("0.5000"), "always four places");
        assert_eq!(div_round(5, 2), Some(3));
        assert_eq!(div_round(-5, 2), Some(-3));
    }
}
