//! Subscriptions: the lifecycle state machine (change, pause, resume, cancel, reactivate), and
//! the pure planning of which periods to invoice and what a change costs.
//!
//! Billing is in advance: a period is invoiced on its first day. A change of plan or quantity
//! "now" inside a period that is already invoiced produces a proration document (credit for the
//! old price's unused time, charge for the new price's remaining time, rounded once each through
//! the rounding policy); a change "at period end" is stored and takes effect at the next period
//! boundary. Pausing stops invoicing; resuming bills again from the next period boundary (the
//! period the customer resumes in is not charged). Canceling at period end stops invoicing at
//! that boundary; canceling now can credit the unused part of the current period.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::catalog::{BillingTiming, Metering, PlanPrice};
use crate::coupon::Coupon;
use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, PlanId, SubscriptionId};
use crate::money::Money;
use crate::period::{BillingInterval, Period, day_ratio, index_of, period_at};
use crate::proration::{change_lines, split};
use crate::rounding::RoundingPolicy;

/// The largest quantity one subscription may carry; keeps `unit × quantity` far from overflow.
pub const MAX_QUANTITY: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Active,
    Paused,
    Canceled,
}

impl SubscriptionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Paused => "paused",
            SubscriptionStatus::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(SubscriptionStatus::Active),
            "paused" => Some(SubscriptionStatus::Paused),
            "canceled" => Some(SubscriptionStatus::Canceled),
            _ => None,
        }
    }
}

/// Checks a requested quantity before anything is written.
pub fn validate_quantity(quantity: i64) -> Result<u32> {
    if (1..=MAX_QUANTITY).contains(&quantity) {
        Ok(quantity as u32)
    } else {
        Err(Error::InvalidQuantity { got: quantity, max: MAX_QUANTITY })
    }
}

/// A plan or quantity change that waits for a period boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    /// First day of the first period billed on the new terms.
    pub effective: NaiveDate,
    pub plan_id: PlanId,
    pub plan_name: String,
    pub price: PlanPrice,
    pub quantity: u32,
}

/// What a subscription is billed for: plan, its price snapshot and the quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub plan_id: PlanId,
    pub plan_name: String,
    pub price: PlanPrice,
    pub quantity: u32,
}

impl Terms {
    pub fn period_amount(&self, policy: RoundingPolicy) -> Result<Money> {
        self.price.period_amount(self.quantity, policy)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    pub plan_id: PlanId,
    pub plan_name: String,
    pub status: SubscriptionStatus,
    /// The price snapshot taken at creation or at the last change (grandfathered).
    pub price: PlanPrice,
    pub quantity: u32,
    pub start_date: NaiveDate,
    /// The day the first paid period starts when the subscription began with a free trial.
    pub trial_end: Option<NaiveDate>,
    pub anchor_date: NaiveDate,
    pub interval: BillingInterval,
    pub timing: BillingTiming,
    pub metering: Option<Metering>,
    /// The plan's tax category (for VAT on documents a change issues).
    pub tax_category: crate::tax::TaxCategory,
    /// Index of the first period that has not been invoiced yet.
    pub next_period_index: u32,
    /// Its first day.
    pub next_period_start: NaiveDate,
    /// The day it falls due: its first day (advance) or the day after its last (arrears).
    pub next_billing_date: NaiveDate,
    /// Scheduled end: no period starting on or after this date is invoiced.
    pub cancel_at: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub paused_on: Option<NaiveDate>,
    pub resume_on: Option<NaiveDate>,
    pub pending_change: Option<PendingChange>,
    pub created_at: DateTime<Utc>,
}

/// When a change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    Now,
    PeriodEnd,
}

/// One line of a proration document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProrationLine {
    pub kind: &'static str,
    pub description: String,
    pub quantity: u32,
    pub amount: Money,
    pub period: Period,
}

/// An invoice (net charge) or credit note (net credit) that a change issues at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProrationDocument {
    pub lines: Vec<ProrationLine>,
    pub net: Money,
    /// Remaining units of the period over all units ("20 of 30 days").
    pub remaining: i64,
    pub of: i64,
}

impl ProrationDocument {
    pub fn is_credit(&self) -> bool {
        self.net.is_negative()
    }
}

/// The outcome of a change, computed without writing anything: the preview *is* this value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangePlan {
    pub effective: NaiveDate,
    pub timing: Timing,
    pub document: Option<ProrationDocument>,
    pub new_terms_now: bool,
}

impl Subscription {
    pub fn currency(&self) -> Currency {
        self.price.currency
    }

    /// Points the subscription at period `index` as the next one to invoice.
    pub fn set_next_period(&mut self, index: u32) -> Result<()> {
        let period = period_at(self.anchor_date, self.interval, index)?;
        self.next_period_index = index;
        self.next_period_start = period.start;
        self.next_billing_date = due_date(self.timing, period);
        Ok(())
    }

    pub fn terms(&self) -> Terms {
        Terms {
            plan_id: self.plan_id,
            plan_name: self.plan_name.clone(),
            price: self.price.clone(),
            quantity: self.quantity,
        }
    }

    fn refuse(&self, action: &'static str) -> Error {
        Error::InvalidTransition { status: self.status.as_str(), action }
    }

    /// The period containing `on`, with its index (None before the anchor).
    pub fn period_containing(&self, on: NaiveDate) -> Result<Option<(u32, Period)>> {
        match index_of(self.anchor_date, self.interval, on)? {
            Some(i) => Ok(Some((i, period_at(self.anchor_date, self.interval, i)?))),
            None => Ok(None),
        }
    }

    /// The boundary at or after `on` at which a period-end change or cancellation takes effect.
    pub fn boundary_after(&self, on: NaiveDate) -> Result<NaiveDate> {
        Ok(match self.period_containing(on)? {
            Some((_, p)) => p.end,
            None => self.anchor_date,
        })
    }

    /// Plans a change to `new` terms on day `on`, prorated by day; writes nothing.
    pub fn plan_change(
        &self,
        new: &Terms,
        timing: Timing,
        on: NaiveDate,
        policy: RoundingPolicy,
    ) -> Result<ChangePlan> {
        self.plan_change_with(new, timing, on, None, policy)
    }

    /// Like [`Subscription::plan_change`]; with `by_second = Some((at, tz))` the proration counts
    /// the seconds from `at` to the end of the period (periods run from midnight to midnight in
    /// the tenant's time zone `tz`) instead of whole days.
    pub fn plan_change_with(
        &self,
        new: &Terms,
        timing: Timing,
        on: NaiveDate,
        by_second: Option<(DateTime<Utc>, chrono_tz::Tz)>,
        policy: RoundingPolicy,
    ) -> Result<ChangePlan> {
        if self.status != SubscriptionStatus::Active {
            return Err(self.refuse("change plan or quantity"));
        }
        if new.price.currency != self.currency() {
            return Err(Error::PlanNotPricedInCurrency { plan: new.plan_name.clone(), currency: self.currency() });
        }
        match timing {
            Timing::PeriodEnd => {
                Ok(ChangePlan { effective: self.boundary_after(on)?, timing, document: None, new_terms_now: false })
            }
            Timing::Now => {
                let document = match self.period_containing(on)? {
                    Some((index, period)) if index < self.next_period_index => {
                        let old_amount = self.terms().period_amount(policy)?;
                        let new_amount = new.period_amount(policy)?;
                        let lines = match by_second {
                            Some((at, tz)) => crate::proration::change_lines_at(
                                crate::tenant::start_of_day(tz, period.start),
                                crate::tenant::start_of_day(tz, period.end),
                                at,
                                old_amount,
                                new_amount,
                                policy,
                            )?,
                            None => change_lines(period, on, old_amount, new_amount, policy)?,
                        };
                        let rest = Period::new(on, period.end)?;
                        Some(ProrationDocument {
                            lines: vec![
                                ProrationLine {
                                    kind: "proration_credit",
                                    description: self.plan_name.clone(),
                                    quantity: self.quantity,
                                    amount: lines.credit,
                                    period: rest,
                                },
                                ProrationLine {
                                    kind: "proration_charge",
                                    description: new.plan_name.clone(),
                                    quantity: new.quantity,
                                    amount: lines.charge,
                                    period: rest,
                                },
                            ],
                            net: lines.net,
                            remaining: lines.ratio.numerator,
                            of: lines.ratio.denominator,
                        })
                    }
                    // The period is not invoiced yet (or has not started): the next invoice
                    // simply uses the new terms.
                    _ => None,
                };
                Ok(ChangePlan { effective: on, timing, document, new_terms_now: true })
            }
        }
    }

    /// Applies a planned change to this value (the store then persists it).
    pub fn apply_change(&mut self, new: Terms, plan: &ChangePlan) {
        if plan.new_terms_now {
            self.plan_id = new.plan_id;
            self.plan_name = new.plan_name;
            self.price = new.price;
            self.quantity = new.quantity;
            self.pending_change = None;
        } else {
            self.pending_change = Some(PendingChange {
                effective: plan.effective,
                plan_id: new.plan_id,
                plan_name: new.plan_name,
                price: new.price,
                quantity: new.quantity,
            });
        }
    }

    /// Cancels now (optionally crediting the unused part of the current, invoiced period) or at
    /// the end of the current period. Returns the credit document, if any.
    pub fn cancel(
        &mut self,
        timing: Timing,
        on: NaiveDate,
        prorate: bool,
        policy: RoundingPolicy,
    ) -> Result<Option<ProrationDocument>> {
        if self.status == SubscriptionStatus::Canceled {
            return Err(self.refuse("cancel"));
        }
        match timing {
            Timing::PeriodEnd => {
                if self.status == SubscriptionStatus::Paused {
                    return Err(self.refuse("cancel at period end"));
                }
                self.cancel_at = Some(self.boundary_after(on)?);
                Ok(None)
            }
            Timing::Now => {
                let credit = match self.period_containing(on)? {
                    Some((index, period)) if prorate && index < self.next_period_index && on > period.start => {
                        let amount = self.terms().period_amount(policy)?;
                        let remaining = day_ratio(period, on, period.end)?;
                        let (_, unused) = split(amount, remaining, policy)?;
                        let credit = unused.checked_neg()?;
                        Some(ProrationDocument {
                            lines: vec![ProrationLine {
                                kind: "proration_credit",
                                description: self.plan_name.clone(),
                                quantity: self.quantity,
                                amount: credit,
                                period: Period::new(on, period.end)?,
                            }],
                            net: credit,
                            remaining: remaining.numerator,
                            of: remaining.denominator,
                        })
                        .filter(|d| !d.net.is_zero())
                    }
                    _ => None,
                };
                self.status = SubscriptionStatus::Canceled;
                self.ended_on = Some(on);
                self.cancel_at = None;
                self.pending_change = None;
                Ok(credit)
            }
        }
    }

    /// Withdraws a scheduled cancellation.
    pub fn undo_cancel(&mut self) -> Result<()> {
        if self.status != SubscriptionStatus::Active || self.cancel_at.is_none() {
            return Err(self.refuse("undo a cancellation (none is scheduled)"));
        }
        self.cancel_at = None;
        Ok(())
    }

    /// Stops invoicing from `on`; optionally resumes by itself on `resume_on`.
    pub fn pause(&mut self, on: NaiveDate, resume_on: Option<NaiveDate>) -> Result<()> {
        if self.status != SubscriptionStatus::Active {
            return Err(self.refuse("pause"));
        }
        if resume_on.is_some_and(|r| r <= on) {
            return Err(Error::invalid("resume_on", "must be after the day of the pause"));
        }
        self.status = SubscriptionStatus::Paused;
        self.paused_on = Some(on);
        self.resume_on = resume_on;
        Ok(())
    }

    /// Resumes on `on`: billing starts again with the first period that starts on or after it
    /// (periods that started while paused are skipped, never billed).
    pub fn resume(&mut self, on: NaiveDate) -> Result<()> {
        if self.status != SubscriptionStatus::Paused {
            return Err(self.refuse("resume"));
        }
        let next = match self.period_containing(on)? {
            Some((i, p)) if i >= self.next_period_index => {
                if p.start == on {
                    i
                } else {
                    i + 1
                }
            }
            _ => self.next_period_index,
        };
        self.set_next_period(next)?;
        self.status = SubscriptionStatus::Active;
        self.paused_on = None;
        self.resume_on = None;
        Ok(())
    }

    /// Brings a canceled subscription back with a new billing cycle anchored on `on`.
    pub fn reactivate(&mut self, on: NaiveDate) -> Result<()> {
        if self.status != SubscriptionStatus::Canceled {
            return Err(self.refuse("reactivate"));
        }
        self.status = SubscriptionStatus::Active;
        self.anchor_date = on;
        self.set_next_period(0)?;
        self.ended_on = None;
        self.cancel_at = None;
        Ok(())
    }
}

/// A coupon redeemed on a subscription from a period index on.
#[derive(Debug, Clone)]
pub struct AppliedCoupon {
    pub coupon: Coupon,
    pub from_period_index: u32,
}

/// What the invoice run needs to know about one subscription.
#[derive(Debug, Clone)]
pub struct BillableSubscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    pub terms: Terms,
    pub anchor: NaiveDate,
    pub interval: BillingInterval,
    pub timing: BillingTiming,
    pub metering: Option<Metering>,
    /// Index of the first period that has not been invoiced yet.
    pub next_period_index: u32,
    pub cancel_at: Option<NaiveDate>,
    pub pending: Option<PendingChange>,
    pub coupon: Option<AppliedCoupon>,
}

/// One invoice the run will create for one subscription period (billing in advance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedInvoice {
    pub subscription_id: SubscriptionId,
    pub customer_id: CustomerId,
    pub period_index: u32,
    pub period: Period,
    pub description: String,
    /// Units billed: the subscription's quantity, or the period's aggregated usage.
    pub quantity: Decimal,
    /// The period's charge before discount.
    pub amount: Money,
    pub discount: Money,
    /// `amount - discount`.
    pub total: Money,
    /// The period was billed on a pending change's terms.
    pub used_pending: bool,
    /// The behaviour of the price the period was rated at: `amount`, `discount` and `total` are
    /// net for exclusive prices and what the customer pays for inclusive ones.
    pub tax_behavior: crate::catalog::TaxBehavior,
}

/// A safety cap: a subscription far in arrears is caught up at most this many periods per run,
/// so one bad start date cannot make a run produce thousands of invoices.
pub const MAX_CATCH_UP_PERIODS: u32 = 60;

/// The day a period falls due for invoicing.
pub fn due_date(timing: BillingTiming, period: Period) -> NaiveDate {
    match timing {
        BillingTiming::Advance => period.start,
        BillingTiming::Arrears => period.end,
    }
}

/// The periods of `sub` that are due by `as_of` (started, in advance; ended, in arrears), not
/// yet invoiced and starting before a scheduled cancellation, in order, with their indexes.
pub fn due_periods(sub: &BillableSubscription, as_of: NaiveDate) -> Result<Vec<(u32, Period)>> {
    let mut out = Vec::new();
    let mut index = sub.next_period_index;
    while out.len() < MAX_CATCH_UP_PERIODS as usize {
        let period = period_at(sub.anchor, sub.interval, index)?;
        if due_date(sub.timing, period) > as_of || sub.cancel_at.is_some_and(|c| period.start >= c) {
            break;
        }
        out.push((index, period));
        index += 1;
    }
    Ok(out)
}

/// Every due period of `sub` (see [`due_periods`]) as a planned invoice, with pending changes
/// and coupons applied. Metered subscriptions are rated on `usage[period index]` (zero when
/// absent); others on their quantity.
pub fn plan_due_invoices(
    sub: &BillableSubscription,
    as_of: NaiveDate,
    policy: RoundingPolicy,
    usage: &BTreeMap<u32, Decimal>,
) -> Result<Vec<PlannedInvoice>> {
    let mut out = Vec::new();
    for (index, period) in due_periods(sub, as_of)? {
        let pending = sub.pending.as_ref().filter(|p| p.effective <= period.start);
        let (description, price, seats) = match pending {
            Some(p) => (p.plan_name.clone(), &p.price, p.quantity),
            None => (sub.terms.plan_name.clone(), &sub.terms.price, sub.terms.quantity),
        };
        let (quantity, amount) = if sub.metering.is_some() {
            let used = usage.get(&index).copied().unwrap_or_default();
            (used, price.pricing.rate(used, policy)?.total)
        } else {
            (Decimal::from(seats), price.period_amount(seats, policy)?)
        };
        let discount = match &sub.coupon {
            Some(c) if c.coupon.applies_to_period(c.from_period_index, index) && amount.is_positive() => {
                c.coupon.discount_lines(&[amount], policy)?.into_iter().next().unwrap_or(Money::zero(amount.currency()))
            }
            _ => Money::zero(amount.currency()),
        };
        out.push(PlannedInvoice {
            subscription_id: sub.id,
            customer_id: sub.customer_id,
            period_index: index,
            period,
            description,
            quantity,
            amount,
            discount,
            total: amount.checked_sub(discount)?,
            used_pending: pending.is_some(),
            tax_behavior: price.tax_behavior,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coupon::{CouponDuration, CouponValue};
    use crate::currency::Currency;
    use crate::period::period_start;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn terms(name: &str, price: i64, quantity: u32) -> Terms {
        Terms {
            plan_id: PlanId::new(),
            plan_name: name.into(),
            price: PlanPrice::per_unit(eur(price)).unwrap(),
            quantity,
        }
    }

    fn billable(anchor: &str, interval: BillingInterval, next: u32) -> BillableSubscription {
        BillableSubscription {
            id: SubscriptionId::new(),
            customer_id: CustomerId::new(),
            terms: terms("Pro", 2900, 2),
            anchor: d(anchor),
            interval,
            timing: BillingTiming::Advance,
            metering: None,
            next_period_index: next,
            cancel_at: None,
            pending: None,
            coupon: None,
        }
    }

    fn sub(anchor: &str, price: i64, invoiced_through: u32) -> Subscription {
        let anchor = d(anchor);
        let interval = BillingInterval::monthly();
        Subscription {
            id: SubscriptionId::new(),
            customer_id: CustomerId::new(),
            plan_id: PlanId::new(),
            plan_name: "Basic".into(),
            status: SubscriptionStatus::Active,
            price: PlanPrice::per_unit(eur(price)).unwrap(),
            quantity: 1,
            start_date: anchor,
            trial_end: None,
            anchor_date: anchor,
            interval,
            timing: BillingTiming::Advance,
            metering: None,
            tax_category: crate::tax::TaxCategory::DigitalService,
            next_period_index: invoiced_through,
            next_period_start: period_start(anchor, interval, invoiced_through).unwrap(),
            next_billing_date: period_start(anchor, interval, invoiced_through).unwrap(),
            cancel_at: None,
            ended_on: None,
            paused_on: None,
            resume_on: None,
            pending_change: None,
            created_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    const P: RoundingPolicy = RoundingPolicy::COMMERCIAL;

    fn plan(as_of: &str, s: &BillableSubscription) -> Vec<PlannedInvoice> {
        plan_due_invoices(s, d(as_of), P, &BTreeMap::new()).unwrap()
    }

    #[test]
    fn a_period_is_due_on_its_first_day() {
        let s = billable("2026-01-31", BillingInterval::monthly(), 0);
        assert!(plan("2026-01-30", &s).is_empty());
        let due = plan("2026-01-31", &s);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].period.start, d("2026-01-31"));
        assert_eq!(due[0].period.end, d("2026-02-28"));
        assert_eq!(due[0].amount.minor(), 5800);
        assert_eq!(due[0].total.minor(), 5800);
    }

    #[test]
    fn month_end_anchor_catches_up_keeping_its_day() {
        let s = billable("2024-01-31", BillingInterval::monthly(), 0);
        let starts: Vec<_> = plan("2024-03-31", &s).iter().map(|p| p.period.start).collect();
        assert_eq!(starts, vec![d("2024-01-31"), d("2024-02-29"), d("2024-03-31")]);
    }

    #[test]
    fn already_invoiced_periods_are_skipped() {
        let s = billable("2026-01-15", BillingInterval::monthly(), 2);
        let due = plan("2026-03-20", &s);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].period_index, 2);
    }

    #[test]
    fn yearly_plans_bill_once_a_year() {
        let s = billable("2024-02-29", BillingInterval::yearly(), 0);
        let starts: Vec<_> = plan("2026-03-01", &s).iter().map(|p| p.period.start).collect();
        assert_eq!(starts, vec![d("2024-02-29"), d("2025-02-28"), d("2026-02-28")]);
    }

    #[test]
    fn catch_up_is_capped() {
        let s = billable("1990-01-01", BillingInterval::monthly(), 0);
        assert_eq!(plan("2026-01-01", &s).len(), MAX_CATCH_UP_PERIODS as usize);
    }

    #[test]
    fn nothing_is_invoiced_from_a_scheduled_cancellation_on() {
        let mut s = billable("2026-01-10", BillingInterval::monthly(), 0);
        s.cancel_at = Some(d("2026-03-10"));
        let due = plan("2026-06-01", &s);
        assert_eq!(due.iter().map(|p| p.period.start).collect::<Vec<_>>(), vec![d("2026-01-10"), d("2026-02-10")]);
    }

    #[test]
    fn a_pending_change_applies_from_its_boundary() {
        let mut s = billable("2026-01-01", BillingInterval::monthly(), 0);
        s.pending = Some(PendingChange {
            effective: d("2026-02-01"),
            plan_id: PlanId::new(),
            plan_name: "Team".into(),
            price: PlanPrice::per_unit(eur(1000)).unwrap(),
            quantity: 5,
        });
        let due = plan("2026-03-01", &s);
        assert_eq!(due.iter().map(|p| p.amount.minor()).collect::<Vec<_>>(), vec![5800, 5000, 5000]);
        assert_eq!(due.iter().map(|p| p.used_pending).collect::<Vec<_>>(), vec![false, true, true]);
        assert_eq!(due[1].description, "Team");
    }

    #[test]
    fn each_period_carries_the_tax_behavior_of_the_price_it_was_rated_at() {
        use crate::catalog::TaxBehavior;
        let mut s = billable("2026-01-01", BillingInterval::monthly(), 0);
        let mut gross = PlanPrice::per_unit(eur(11900)).unwrap();
        gross.tax_behavior = TaxBehavior::Inclusive;
        s.pending = Some(PendingChange {
            effective: d("2026-02-01"),
            plan_id: PlanId::new(),
            plan_name: "Pro".into(),
            price: gross,
            quantity: 1,
        });
        let due = plan("2026-02-01", &s);
        let behaviors: Vec<TaxBehavior> = due.iter().map(|p| p.tax_behavior).collect();
        assert_eq!(behaviors, vec![TaxBehavior::Exclusive, TaxBehavior::Inclusive]);
        // Together they cannot be one document; each alone can.
        assert!(TaxBehavior::of_document(behaviors.clone()).is_err());
        assert_eq!(TaxBehavior::of_document(behaviors[1..].to_vec()).unwrap(), Some(TaxBehavior::Inclusive));
        assert_eq!(due[1].total, eur(11900), "an inclusive amount is rated like any other");
    }

    #[test]
    fn a_repeating_coupon_discounts_its_periods_only() {
        let mut s = billable("2026-01-01", BillingInterval::monthly(), 0);
        s.coupon = Some(AppliedCoupon {
            coupon: Coupon {
                code: "WELCOME".into(),
                value: CouponValue::Percent(Decimal::from(25)),
                duration: CouponDuration::Repeating { periods: 2 },
                expires_at: None,
                max_redemptions: None,
                times_redeemed: 1,
            },
            from_period_index: 0,
        });
        let due = plan("2026-03-01", &s);
        assert_eq!(due.iter().map(|p| p.discount.minor()).collect::<Vec<_>>(), vec![1450, 1450, 0]);
        assert!(due.iter().all(|p| p.total.minor() == p.amount.minor() - p.discount.minor()));
    }

    #[test]
    fn the_april_upgrade_example_credits_20_and_charges_60() {
        // 30.00 monthly, period 1-30 April, upgraded at the start of 11 April to 90.00.
        let s = sub("2026-04-01", 3000, 1);
        let change = s.plan_change(&terms("Premium", 9000, 1), Timing::Now, d("2026-04-11"), P).unwrap();
        let doc = change.document.unwrap();
        assert_eq!(doc.lines[0].amount.minor(), -2000);
        assert_eq!(doc.lines[1].amount.minor(), 6000);
        assert_eq!(doc.net.minor(), 4000);
        assert_eq!((doc.remaining, doc.of), (20, 30));
        assert_eq!(doc.lines[0].period, Period::new(d("2026-04-11"), d("2026-05-01")).unwrap());
    }

    #[test]
    fn a_change_in_a_period_not_yet_invoiced_needs_no_proration() {
        let s = sub("2026-04-01", 3000, 0);
        let change = s.plan_change(&terms("Premium", 9000, 1), Timing::Now, d("2026-04-11"), P).unwrap();
        assert!(change.document.is_none());
        assert!(change.new_terms_now);
    }

    #[test]
    fn a_period_end_change_waits_for_the_boundary() {
        let mut s = sub("2026-01-31", 3000, 2);
        let new = terms("Premium", 9000, 1);
        let change = s.plan_change(&new, Timing::PeriodEnd, d("2026-03-05"), P).unwrap();
        assert_eq!(change.effective, d("2026-03-31"));
        s.apply_change(new, &change);
        assert_eq!(s.plan_name, "Basic");
        assert_eq!(s.pending_change.as_ref().unwrap().effective, d("2026-03-31"));
    }

    #[test]
    fn an_upgrade_and_the_reverse_downgrade_on_the_same_day_net_to_zero() {
        let s = sub("2026-02-01", 2900, 1);
        let up = s.plan_change(&terms("Pro", 9900, 1), Timing::Now, d("2026-02-10"), P).unwrap().document.unwrap();
        let mut upgraded = s.clone();
        upgraded.apply_change(
            terms("Pro", 9900, 1),
            &ChangePlan { effective: d("2026-02-10"), timing: Timing::Now, document: None, new_terms_now: true },
        );
        let down =
            upgraded.plan_change(&terms("Basic", 2900, 1), Timing::Now, d("2026-02-10"), P).unwrap().document.unwrap();
        assert_eq!(up.net.checked_add(down.net).unwrap().minor(), 0);
        assert!(down.is_credit());
    }

    #[test]
    fn lifecycle_transitions_are_guarded() {
        let mut s = sub("2026-01-01", 3000, 1);
        s.pause(d("2026-01-10"), Some(d("2026-03-15"))).unwrap();
        assert!(s.pause(d("2026-01-11"), None).is_err());
        assert!(s.plan_change(&terms("X", 1, 1), Timing::Now, d("2026-01-12"), P).is_err());
        s.resume(d("2026-03-15")).unwrap();
        // Periods of Feb and Mar 1 started while paused: the next invoice is April's.
        assert_eq!(s.next_billing_date, d("2026-04-01"));
        s.cancel(Timing::PeriodEnd, d("2026-04-05"), false, P).unwrap();
        assert_eq!(s.cancel_at, Some(d("2026-05-01")));
        s.undo_cancel().unwrap();
        assert!(s.undo_cancel().is_err());
        let credit = s.cancel(Timing::Now, d("2026-01-16"), true, P).unwrap().unwrap();
        // January is invoiced; 16 of 31 days unused of 30.00 -> 15.48 credited.
        assert_eq!(credit.net.minor(), -1548);
        assert_eq!(s.status, SubscriptionStatus::Canceled);
        let err = s.plan_change(&terms("X", 1, 1), Timing::Now, d("2026-01-20"), P).unwrap_err();
        assert!(matches!(err, Error::InvalidTransition { status: "canceled", .. }));
        assert!(s.cancel(Timing::Now, d("2026-01-20"), false, P).is_err());
        s.reactivate(d("2026-02-03")).unwrap();
        assert_eq!((s.anchor_date, s.next_period_index), (d("2026-02-03"), 0));
    }

    #[test]
    fn resuming_at_a_boundary_bills_that_period() {
        let mut s = sub("2026-01-01", 3000, 1);
        s.pause(d("2026-01-20"), None).unwrap();
        s.resume(d("2026-03-01")).unwrap();
        assert_eq!(s.next_billing_date, d("2026-03-01"));
    }

    #[test]
    fn a_metered_plan_bills_each_ended_period_on_its_usage() {
        use crate::usage::Aggregation;
        let mut s = billable("2026-01-01", BillingInterval::monthly(), 0);
        s.timing = BillingTiming::Arrears;
        s.metering = Some(Metering { metric: "api_calls".into(), aggregation: Aggregation::Sum });
        s.terms.price = PlanPrice::new(
            serde_json::from_value(serde_json::json!({
                "model": { "type": "package", "block_size": "100", "block_price": { "amount": 1000, "currency": "EUR" } },
                "minimum_charge": null
            }))
            .unwrap(),
        )
        .unwrap();
        // January has not ended on Jan 31; it is due on Feb 1.
        assert!(plan_due_invoices(&s, d("2026-01-31"), P, &BTreeMap::new()).unwrap().is_empty());
        let usage = BTreeMap::from([(0, Decimal::from(250)), (1, Decimal::from(99))]);
        let due = plan_due_invoices(&s, d("2026-03-01"), P, &usage).unwrap();
        assert_eq!(due.iter().map(|p| p.amount.minor()).collect::<Vec<_>>(), vec![3000, 1000]);
        assert_eq!(due[0].quantity, Decimal::from(250));
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(validate_quantity(0).is_err());
        assert!(validate_quantity(-3).is_err());
        assert!(validate_quantity(MAX_QUANTITY + 1).is_err());
        assert_eq!(validate_quantity(5).unwrap(), 5);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn upgrade_then_reverse_downgrade_nets_to_zero(
                old in 0i64..1_000_000, new in 0i64..1_000_000, day in 0i64..30, anchor_day in 1u32..=28,
            ) {
                let anchor = NaiveDate::from_ymd_opt(2026, 4, anchor_day).unwrap();
                let s = sub(&anchor.to_string(), old, 1);
                let on = anchor + chrono::Duration::days(day);
                let up = s.plan_change(&terms("B", new, 1), Timing::Now, on, P).unwrap();
                let mut changed = s.clone();
                changed.apply_change(terms("B", new, 1), &up);
                let down = changed.plan_change(&terms("A", old, 1), Timing::Now, on, P).unwrap();
                let (a, b) = (up.document.unwrap().net, down.document.unwrap().net);
                prop_assert_eq!(a.checked_add(b).unwrap().minor(), 0);
            }

            #[test]
            fn invoice_total_is_amount_minus_discount(percent in 1u32..=100, price in 0i64..10_000_000) {
                let mut s = billable("2026-01-01", BillingInterval::monthly(), 0);
                s.terms = terms("P", price, 1);
                s.coupon = Some(AppliedCoupon {
                    coupon: Coupon { code: "C".into(), value: CouponValue::Percent(Decimal::from(percent)), duration: CouponDuration::Forever, expires_at: None, max_redemptions: None, times_redeemed: 1 },
                    from_period_index: 0,
                });
                for p in plan_due_invoices(&s, d("2026-06-01"), P, &BTreeMap::new()).unwrap() {
                    prop_assert_eq!(p.total.minor(), p.amount.minor() - p.discount.minor());
                    prop_assert!(!p.total.is_negative());
                    prop_assert_eq!(p.total.currency(), Currency::EUR);
                }
            }
        }
    }
}
