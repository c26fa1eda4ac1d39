//! Subscriptions: status, billing schedule and the pure planning of which periods to invoice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{CustomerId, PlanId, SubscriptionId};
use crate::money::Money;
use crate::period::{BillingInterval, Period, period_at};

/// The largest quantity one subscription may carry; keeps `unit × quantity` far from overflow.
pub const MAX_QUANTITY: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Active,
    Canceled,
}

impl SubscriptionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(SubscriptionStatus::Active),
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

/// What the invoice run needs to know about one subscription.
#[derive(Debug, Clone)]
pub struct BillableSubscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    pub plan_id: PlanId,
    pub plan_name: String,
    /// The price per unit, snapshotted when the subscription was created.
    pub unit_price: Money,
    pub quantity: u32,
    pub anchor: NaiveDate,
    pub interval: BillingInterval,
    /// Index of the first period that has not been invoiced yet.
    pub next_period_index: u32,
}

/// One invoice the run will create for one subscription period (billing in advance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedInvoice {
    pub subscription_id: SubscriptionId,
    pub customer_id: CustomerId,
    pub period_index: u32,
    pub period: Period,
    pub description: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub amount: Money,
}

/// A safety cap: a subscription far in arrears is caught up at most this many periods per run,
/// so one bad start date cannot make a run produce thousands of invoices.
pub const MAX_CATCH_UP_PERIODS: u32 = 60;

/// Every period of `sub` that has started on or before `as_of` and is not yet invoiced, in order.
/// Billing is in advance: a period is due on its first day.
pub fn plan_due_invoices(sub: &BillableSubscription, as_of: NaiveDate) -> Result<Vec<PlannedInvoice>> {
    let mut out = Vec::new();
    let mut index = sub.next_period_index;
    while out.len() < MAX_CATCH_UP_PERIODS as usize {
        let period = period_at(sub.anchor, sub.interval, index)?;
        if period.start > as_of {
            break;
        }
        let amount = sub.unit_price.checked_mul(i64::from(sub.quantity))?;
        out.push(PlannedInvoice {
            subscription_id: sub.id,
            customer_id: sub.customer_id,
            period_index: index,
            period,
            description: sub.plan_name.clone(),
            quantity: sub.quantity,
            unit_price: sub.unit_price,
            amount,
        });
        index += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn sub(anchor: &str, interval: BillingInterval, next: u32) -> BillableSubscription {
        BillableSubscription {
            id: SubscriptionId::new(),
            customer_id: CustomerId::new(),
            plan_id: PlanId::new(),
            plan_name: "Pro".into(),
            unit_price: Money::from_minor(2900, Currency::EUR),
            quantity: 2,
            anchor: d(anchor),
            interval,
            next_period_index: next,
        }
    }

    #[test]
    fn a_period_is_due_on_its_first_day() {
        let s = sub("2026-01-31", BillingInterval::monthly(), 0);
        let due = plan_due_invoices(&s, d("2026-01-30")).unwrap();
        assert!(due.is_empty());
        let due = plan_due_invoices(&s, d("2026-01-31")).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].period.start, d("2026-01-31"));
        assert_eq!(due[0].period.end, d("2026-02-28"));
        assert_eq!(due[0].amount.minor(), 5800);
    }

    #[test]
    fn month_end_anchor_catches_up_keeping_its_day() {
        let s = sub("2024-01-31", BillingInterval::monthly(), 0);
        let due = plan_due_invoices(&s, d("2024-03-31")).unwrap();
        let starts: Vec<_> = due.iter().map(|p| p.period.start).collect();
        assert_eq!(starts, vec![d("2024-01-31"), d("2024-02-29"), d("2024-03-31")]);
        assert_eq!(due[2].period.end, d("2024-04-30"));
    }

    #[test]
    fn already_invoiced_periods_are_skipped() {
        let s = sub("2026-01-15", BillingInterval::monthly(), 2);
        let due = plan_due_invoices(&s, d("2026-03-20")).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].period_index, 2);
        assert_eq!(due[0].period.start, d("2026-03-15"));
    }

    #[test]
    fn yearly_plans_bill_once_a_year() {
        let s = sub("2024-02-29", BillingInterval::yearly(), 0);
        let due = plan_due_invoices(&s, d("2026-03-01")).unwrap();
        let starts: Vec<_> = due.iter().map(|p| p.period.start).collect();
        assert_eq!(starts, vec![d("2024-02-29"), d("2025-02-28"), d("2026-02-28")]);
    }

    #[test]
    fn catch_up_is_capped() {
        let s = sub("1990-01-01", BillingInterval::monthly(), 0);
        let due = plan_due_invoices(&s, d("2026-01-01")).unwrap();
        assert_eq!(due.len(), MAX_CATCH_UP_PERIODS as usize);
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(validate_quantity(0).is_err());
        assert!(validate_quantity(-3).is_err());
        assert!(validate_quantity(MAX_QUANTITY + 1).is_err());
        assert_eq!(validate_quantity(5).unwrap(), 5);
    }
}
