//! Coupons: percent and fixed discounts, redemption checks, the periods they cover, and per-line allocation.
//!
//! # Rounding
//!
//! A percent discount is computed on the SUM of the invoice lines and rounded once (with
//! [`Money::mul_decimal`], exact before its single rounding). Rounding per line instead would
//! make the discount depend on how the invoice happens to be split into lines (10 % of two
//! 0.05 lines would be 0.01 + 0.01 half-up, but 10 % of 0.10 is 0.01). The rounded discount is
//! then spread over the lines with [`Money::allocate`], which moves whole minor units only, so
//! the per-line discounts add up to exactly the discount and no further rounding happens.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::money::{Money, MoneyError};
use crate::rounding::RoundingPolicy;

/// The finest percent accepted (33.3333333333 %): enough for any real discount, and it keeps
/// `percent / 100` an exact `Decimal`.
pub const MAX_PERCENT_SCALE: u32 = 10;

/// Why a coupon definition, redemption or discount was refused.
/// The most redemptions a coupon may allow (what its column holds).
pub const MAX_REDEMPTIONS: u32 = i32::MAX as u32;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CouponError {
    #[error("coupon code must not be empty")]
    EmptyCode,
    #[error("percent discount must be above 0 and at most 100, got {0}")]
    PercentOutOfRange(Decimal),
    #[error("percent discount {0} has more than {MAX_PERCENT_SCALE} decimal places")]
    PercentTooPrecise(Decimal),
    #[error("a fixed discount needs an amount in at least one currency")]
    NoFixedAmounts,
    #[error("fixed discount has more than one amount in {0}")]
    DuplicateCurrency(Currency),
    #[error("fixed discount must not be negative, got {0}")]
    NegativeFixed(Money),
    #[error("a repeating coupon must repeat for at least one period")]
    ZeroRepeatingPeriods,
    #[error("max redemptions must be from 1 to 2147483647 when set")]
    ZeroMaxRedemptions,
    #[error("coupon has expired")]
    Expired,
    #[error("coupon has been redeemed the maximum number of times")]
    Exhausted,
    #[error("coupon has no amount in {0}")]
    NotInCurrency(Currency),
    #[error("invoice line must not be negative, got {0}")]
    NegativeLine(Money),
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("amount out of range")]
    Overflow,
}

impl From<MoneyError> for CouponError {
    fn from(error: MoneyError) -> Self {
        match error {
            MoneyError::CurrencyMismatch { left, right } => {
                CouponError::CurrencyMismatch { expected: left, found: right }
            }
            _ => CouponError::Overflow,
        }
    }
}

/// How much a coupon takes off.
///
/// Serialized as `{"type": "percent", "value": "25"}` or
/// `{"type": "fixed", "value": [{"amount": 500, "currency": "EUR"}, ...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum CouponValue {
    /// A percentage of the discounted lines, `0 < p <= 100`.
    Percent(Decimal),
    /// An amount off, one per currency the coupon can be used in; never converted.
    Fixed(Vec<Money>),
}

/// For how many billing periods, counted from the one it was redeemed in, a coupon applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CouponDuration {
    Once,
    Repeating { periods: u32 },
    Forever,
}

/// A discount code.
///
/// `expires_at` and `max_redemptions` limit redemption only: a subscription that redeemed the
/// coupon in time keeps its discount for the whole [`CouponDuration`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    pub code: String,
    pub value: CouponValue,
    pub duration: CouponDuration,
    /// The first instant at which the coupon can no longer be redeemed.
    pub expires_at: Option<DateTime<Utc>>,
    pub max_redemptions: Option<u32>,
    pub times_redeemed: u32,
}

impl Coupon {
    /// Checks the definition: a non-blank code, a percent in `(0, 100]` with at most
    /// [`MAX_PERCENT_SCALE`] places, fixed amounts non-empty, non-negative and at most one per
    /// currency, a repeating duration of at least one period, and a redemption limit of at least 1.
    pub fn validate(&self) -> Result<(), CouponError> {
        if self.code.trim().is_empty() {
            return Err(CouponError::EmptyCode);
        }
        match &self.value {
            CouponValue::Percent(percent) => {
                if *percent <= Decimal::ZERO || *percent > Decimal::ONE_HUNDRED {
                    return Err(CouponError::PercentOutOfRange(*percent));
                }
                if percent.normalize().scale() > MAX_PERCENT_SCALE {
                    return Err(CouponError::PercentTooPrecise(*percent));
                }
            }
            CouponValue::Fixed(amounts) => {
                if amounts.is_empty() {
                    return Err(CouponError::NoFixedAmounts);
                }
                for (index, amount) in amounts.iter().enumerate() {
                    if amount.is_negative() {
                        return Err(CouponError::NegativeFixed(*amount));
                    }
                    if amounts[..index].iter().any(|earlier| earlier.currency() == amount.currency()) {
                        return Err(CouponError::DuplicateCurrency(amount.currency()));
                    }
                }
            }
        }
        if self.duration == (CouponDuration::Repeating { periods: 0 }) {
            return Err(CouponError::ZeroRepeatingPeriods);
        }
        // Stored as a PostgreSQL INT: more than i32::MAX would not be a limit but a failed insert.
        if self.max_redemptions.is_some_and(|m| m == 0 || m > MAX_REDEMPTIONS) {
            return Err(CouponError::ZeroMaxRedemptions);
        }
        Ok(())
    }

    /// Whether the coupon can be redeemed at `now` for an invoice in `currency`. Checked in this
    /// order, so the reported reason is stable: expiry, then the redemption limit, then currency.
    pub fn check_redeemable(&self, now: DateTime<Utc>, currency: Currency) -> Result<(), CouponError> {
        if self.expires_at.is_some_and(|expiry| now >= expiry) {
            return Err(CouponError::Expired);
        }
        if self.max_redemptions.is_some_and(|max| self.times_redeemed >= max) {
            return Err(CouponError::Exhausted);
        }
        if let CouponValue::Fixed(_) = self.value {
            self.fixed_amount(currency)?;
        }
        Ok(())
    }

    /// Whether a coupon redeemed in period `redeemed_period_index` discounts period
    /// `period_index` (indexes as in [`crate::period::period_at`]). Periods before redemption
    /// are never discounted.
    pub fn applies_to_period(&self, redeemed_period_index: u32, period_index: u32) -> bool {
        let Some(offset) = period_index.checked_sub(redeemed_period_index) else {
            return false;
        };
        match self.duration {
            CouponDuration::Once => offset == 0,
            CouponDuration::Repeating { periods } => offset < periods,
            CouponDuration::Forever => true,
        }
    }

    /// The discount on each of `lines` (same order), as non-negative amounts.
    ///
    /// The lines must be non-negative and in one currency. The total discount is the percent of
    /// their sum, rounded once, or the fixed amount in their currency capped at their sum; it is
    /// allocated over the lines in proportion to their amounts, so the parts add up to exactly
    /// the total discount and no line is discounted by more than its amount (a part is within one
    /// minor unit of its exact share, which is at most the line). No lines, no discounts.
    pub fn discount_lines(&self, lines: &[Money], policy: RoundingPolicy) -> Result<Vec<Money>, CouponError> {
        self.validate()?;
        let Some(first) = lines.first() else {
            return Ok(Vec::new());
        };
        let currency = first.currency();
        for line in lines {
            if line.currency() != currency {
                return Err(CouponError::CurrencyMismatch { expected: currency, found: line.currency() });
            }
            if line.is_negative() {
                return Err(CouponError::NegativeLine(*line));
            }
        }
        let total = Money::sum(currency, lines.iter().copied())?;
        let discount = match &self.value {
            // p / 100 exactly: the scale grows by 2, and validate() keeps it at most 12.
            CouponValue::Percent(percent) => {
                let percent = percent.normalize();
                let factor = Decimal::try_from_i128_with_scale(percent.mantissa(), percent.scale() + 2)
                    .map_err(|_| CouponError::Overflow)?;
                total.mul_decimal(factor, policy)?
            }
            CouponValue::Fixed(_) => {
                let amount = self.fixed_amount(currency)?;
                if amount.minor() < total.minor() { amount } else { total }
            }
        };
        if total.is_zero() {
            // Nothing to discount, and allocate() needs a non-zero weight.
            return Ok(vec![Money::zero(currency); lines.len()]);
        }
        // Non-negative minor units, checked above, are the weights as they are.
        let weights: Vec<u64> = lines.iter().map(|line| line.minor().unsigned_abs()).collect();
        Ok(discount.allocate(&weights)?)
    }

    fn fixed_amount(&self, currency: Currency) -> Result<Money, CouponError> {
        match &self.value {
            CouponValue::Fixed(amounts) => amounts
                .iter()
                .find(|amount| amount.currency() == currency)
                .copied()
                .ok_or(CouponError::NotInCurrency(currency)),
            CouponValue::Percent(_) => Err(CouponError::NotInCurrency(currency)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    use crate::rounding::RoundingMode;

    const P: RoundingPolicy = RoundingPolicy::COMMERCIAL;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().expect("test instant")
    }

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    fn coupon(value: CouponValue) -> Coupon {
        Coupon {
            code: "WELCOME".to_owned(),
            value,
            duration: CouponDuration::Once,
            expires_at: None,
            max_redemptions: None,
            times_redeemed: 0,
        }
    }

    fn percent(p: Decimal) -> Coupon {
        coupon(CouponValue::Percent(p))
    }

    fn minors(parts: &[Money]) -> Vec<i64> {
        parts.iter().map(Money::minor).collect()
    }

    #[rstest]
    #[case(dec!(25), &[1000, 2000, 0], &[250, 500, 0])]
    #[case(dec!(100), &[1999, 1, 0], &[1999, 1, 0])]
    // 15 % of 0.33 is 0.0495 -> 0.05 once, then spread 2 + 2 + 1 cents.
    #[case(dec!(15), &[11, 11, 11], &[2, 2, 1])]
    // 10 % of the sum 0.10 is 0.01; per line it would be 0.005 + 0.005 -> 0.02.
    #[case(dec!(10), &[5, 5], &[1, 0])]
    #[case(dec!(33.3333333333), &[10000], &[3333])]
    #[case(dec!(0.5), &[100], &[1])]
    #[case(dec!(50), &[0, 0], &[0, 0])]
    fn percent_discounts(#[case] p: Decimal, #[case] lines: &[i64], #[case] expected: &[i64]) {
        let lines: Vec<Money> = lines.iter().map(|&m| eur(m)).collect();
        assert_eq!(minors(&percent(p).discount_lines(&lines, P).unwrap()), expected);
    }

    #[test]
    fn percent_rounding_follows_the_policy() {
        // 50 % of 0.05 is 2.5 cents.
        let half = percent(dec!(50));
        assert_eq!(half.discount_lines(&[eur(5)], P), Ok(vec![eur(3)]));
        assert_eq!(half.discount_lines(&[eur(5)], RoundingPolicy::new(RoundingMode::HalfEven)), Ok(vec![eur(2)]));
        assert_eq!(half.discount_lines(&[eur(5)], RoundingPolicy::new(RoundingMode::TowardZero)), Ok(vec![eur(2)]));
    }

    #[rstest]
    #[case(&[1000, 3000], 500, &[125, 375])]
    #[case(&[300, 100], 500, &[300, 100])]
    #[case(&[300, 200], 500, &[300, 200])]
    #[case(&[1, 1, 1], 2, &[1, 1, 0])]
    #[case(&[0, 700], 500, &[0, 500])]
    #[case(&[0], 500, &[0])]
    fn fixed_discounts(#[case] lines: &[i64], #[case] amount: i64, #[case] expected: &[i64]) {
        let fixed = coupon(CouponValue::Fixed(vec![usd(9999), eur(amount)]));
        let lines: Vec<Money> = lines.iter().map(|&m| eur(m)).collect();
        assert_eq!(minors(&fixed.discount_lines(&lines, P).unwrap()), expected);
    }

    #[test]
    fn discount_lines_refusals() {
        let fixed = coupon(CouponValue::Fixed(vec![eur(500)]));
        assert_eq!(fixed.discount_lines(&[usd(100)], P), Err(CouponError::NotInCurrency(Currency::USD)));
        assert_eq!(
            fixed.discount_lines(&[eur(100), usd(100)], P),
            Err(CouponError::CurrencyMismatch { expected: Currency::EUR, found: Currency::USD })
        );
        assert_eq!(fixed.discount_lines(&[eur(100), eur(-1)], P), Err(CouponError::NegativeLine(eur(-1))));
        assert_eq!(fixed.discount_lines(&[], P), Ok(vec![]));
        assert_eq!(percent(dec!(101)).discount_lines(&[eur(1)], P), Err(CouponError::PercentOutOfRange(dec!(101))));
        let overflow = [eur(i64::MAX), eur(1)];
        assert_eq!(percent(dec!(10)).discount_lines(&overflow, P), Err(CouponError::Overflow));
    }

    #[rstest]
    #[case(percent(dec!(0)), Err(CouponError::PercentOutOfRange(dec!(0))))]
    #[case(percent(dec!(-5)), Err(CouponError::PercentOutOfRange(dec!(-5))))]
    #[case(percent(dec!(100.01)), Err(CouponError::PercentOutOfRange(dec!(100.01))))]
    #[case(percent(dec!(100)), Ok(()))]
    #[case(percent(dec!(0.0000000001)), Ok(()))]
    #[case(percent(dec!(10.000000000000)), Ok(()))]
    #[case(percent(dec!(0.00000000001)), Err(CouponError::PercentTooPrecise(dec!(0.00000000001))))]
    #[case(coupon(CouponValue::Fixed(vec![])), Err(CouponError::NoFixedAmounts))]
    #[case(
        coupon(CouponValue::Fixed(vec![eur(1), usd(1), eur(2)])),
        Err(CouponError::DuplicateCurrency(Currency::EUR))
    )]
    #[case(coupon(CouponValue::Fixed(vec![eur(1), usd(-1)])), Err(CouponError::NegativeFixed(usd(-1))))]
    #[case(coupon(CouponValue::Fixed(vec![eur(0), usd(500)])), Ok(()))]
    #[case(Coupon { code: String::new(), ..percent(dec!(10)) }, Err(CouponError::EmptyCode))]
    #[case(Coupon { code: "  ".to_owned(), ..percent(dec!(10)) }, Err(CouponError::EmptyCode))]
    #[case(
        Coupon { duration: CouponDuration::Repeating { periods: 0 }, ..percent(dec!(10)) },
        Err(CouponError::ZeroRepeatingPeriods)
    )]
    #[case(Coupon { max_redemptions: Some(0), ..percent(dec!(10)) }, Err(CouponError::ZeroMaxRedemptions))]
    fn validation(#[case] coupon: Coupon, #[case] expected: Result<(), CouponError>) {
        assert_eq!(coupon.validate(), expected);
    }

    #[rstest]
    #[case(None, None, 0, "EUR", Ok(()))]
    #[case(Some("2026-05-01T00:00:00Z"), None, 0, "EUR", Ok(()))]
    // Expiry is exclusive: at the instant itself it is already over.
    #[case(Some("2026-04-15T12:00:00Z"), None, 0, "EUR", Err(CouponError::Expired))]
    #[case(Some("2026-04-15T11:59:59Z"), None, 0, "EUR", Err(CouponError::Expired))]
    #[case(None, Some(3), 2, "EUR", Ok(()))]
    #[case(None, Some(3), 3, "EUR", Err(CouponError::Exhausted))]
    #[case(None, Some(3), 4, "EUR", Err(CouponError::Exhausted))]
    #[case(None, None, 0, "USD", Ok(()))]
    #[case(None, None, 0, "CHF", Err(CouponError::NotInCurrency(Currency::CHF)))]
    // Several problems: the first in the documented order is reported.
    #[case(Some("2026-01-01T00:00:00Z"), Some(1), 1, "CHF", Err(CouponError::Expired))]
    #[case(None, Some(1), 1, "CHF", Err(CouponError::Exhausted))]
    fn redeemability(
        #[case] expires_at: Option<&str>,
        #[case] max_redemptions: Option<u32>,
        #[case] times_redeemed: u32,
        #[case] currency: &str,
        #[case] expected: Result<(), CouponError>,
    ) {
        let fixed = Coupon {
            expires_at: expires_at.map(t),
            max_redemptions,
            times_redeemed,
            ..coupon(CouponValue::Fixed(vec![eur(500), usd(600)]))
        };
        let currency = Currency::from_code(currency).unwrap();
        assert_eq!(fixed.check_redeemable(t("2026-04-15T12:00:00Z"), currency), expected);
    }

    #[test]
    fn percent_coupons_work_in_any_currency() {
        assert_eq!(percent(dec!(10)).check_redeemable(t("2026-04-15T12:00:00Z"), Currency::JPY), Ok(()));
    }

    #[rstest]
    #[case(CouponDuration::Once, 3, 2, false)]
    #[case(CouponDuration::Once, 3, 3, true)]
    #[case(CouponDuration::Once, 3, 4, false)]
    #[case(CouponDuration::Repeating { periods: 3 }, 3, 2, false)]
    #[case(CouponDuration::Repeating { periods: 3 }, 3, 3, true)]
    #[case(CouponDuration::Repeating { periods: 3 }, 3, 5, true)]
    #[case(CouponDuration::Repeating { periods: 3 }, 3, 6, false)]
    #[case(CouponDuration::Repeating { periods: 1 }, 0, 0, true)]
    #[case(CouponDuration::Repeating { periods: 1 }, 0, 1, false)]
    #[case(CouponDuration::Forever, 3, 2, false)]
    #[case(CouponDuration::Forever, 3, 3, true)]
    #[case(CouponDuration::Forever, 3, u32::MAX, true)]
    #[case(CouponDuration::Repeating { periods: u32::MAX }, 0, u32::MAX, false)]
    fn period_application(
        #[case] duration: CouponDuration,
        #[case] redeemed: u32,
        #[case] period: u32,
        #[case] applies: bool,
    ) {
        let c = Coupon { duration, ..percent(dec!(10)) };
        assert_eq!(c.applies_to_period(redeemed, period), applies);
    }

    #[test]
    fn serde_shapes() {
        let c = Coupon {
            duration: CouponDuration::Repeating { periods: 3 },
            expires_at: Some(t("2026-12-31T23:00:00Z")),
            max_redemptions: Some(100),
            ..percent(dec!(12.5))
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"code":"WELCOME","value":{"type":"percent","value":"12.5"},"#,
                r#""duration":{"type":"repeating","periods":3},"expires_at":"2026-12-31T23:00:00Z","#,
                r#""max_redemptions":100,"times_redeemed":0}"#
            )
        );
        assert_eq!(serde_json::from_str::<Coupon>(&json).unwrap(), c);
        let fixed = CouponValue::Fixed(vec![eur(500)]);
        let json = serde_json::to_string(&fixed).unwrap();
        assert_eq!(json, r#"{"type":"fixed","value":[{"amount":500,"currency":"EUR"}]}"#);
        assert_eq!(serde_json::from_str::<CouponValue>(&json).unwrap(), fixed);
        assert_eq!(serde_json::to_string(&CouponDuration::Forever).unwrap(), r#"{"type":"forever"}"#);
    }

    // ---- properties ----

    fn any_mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::TowardZero),
            Just(RoundingMode::AwayFromZero),
        ]
    }

    fn any_lines() -> impl Strategy<Value = Vec<Money>> {
        proptest::collection::vec(prop_oneof![Just(0_i64), 0..=100_i64, 0..=10_000_000_000_i64].prop_map(eur), 0..12)
    }

    fn any_coupon() -> impl Strategy<Value = Coupon> {
        // 0 < p <= 100 with up to 6 places: a mantissa in 1..=100 * 10^scale.
        let percent_value = (0..=6_u32)
            .prop_flat_map(|scale| (1..=100 * 10_i64.pow(scale)).prop_map(move |m| Decimal::new(m, scale)))
            .prop_map(CouponValue::Percent);
        let fixed_value = (0..=100_000_000_000_i64).prop_map(|m| CouponValue::Fixed(vec![usd(1), eur(m)]));
        prop_oneof![percent_value, fixed_value].prop_map(coupon)
    }

    proptest! {
        #[test]
        fn discounts_are_bounded_and_sum_to_the_total_discount(
            c in any_coupon(),
            lines in any_lines(),
            mode in any_mode(),
        ) {
            let policy = RoundingPolicy::new(mode);
            let discounts = c.discount_lines(&lines, policy).unwrap();
            prop_assert_eq!(discounts.len(), lines.len());
            let line_sum = Money::sum(Currency::EUR, lines.iter().copied()).unwrap();
            let discount_sum = Money::sum(Currency::EUR, discounts.iter().copied()).unwrap();

            // The total discount, computed independently of the allocation.
            let expected = match &c.value {
                CouponValue::Percent(p) => {
                    let exact = line_sum.to_decimal() * *p / Decimal::ONE_HUNDRED;
                    Money::from_decimal(exact, Currency::EUR, policy).unwrap()
                }
                CouponValue::Fixed(_) => {
                    let amount = c.fixed_amount(Currency::EUR).unwrap();
                    if amount.minor() < line_sum.minor() { amount } else { line_sum }
                }
            };
            prop_assert_eq!(discount_sum, expected);

            for (discount, line) in discounts.iter().zip(&lines) {
                prop_assert!(!discount.is_negative());
                prop_assert!(discount.minor() <= line.minor(), "{} on a line of {}", discount, line);
            }
            let invoice_total = line_sum.checked_sub(discount_sum).unwrap();
            prop_assert!(!invoice_total.is_negative());
        }

        #[test]
        fn percent_100_discounts_everything(lines in any_lines(), mode in any_mode()) {
            let discounts = percent(dec!(100)).discount_lines(&lines, RoundingPolicy::new(mode)).unwrap();
            prop_assert_eq!(discounts, lines);
        }

        #[test]
        fn redeemed_coupons_apply_for_their_duration(
            redeemed in 0..1000_u32,
            offset in 0..1000_u32,
            periods in 1..100_u32,
        ) {
            let period = redeemed + offset;
            let with = |duration| Coupon { duration, ..percent(dec!(10)) };
            prop_assert_eq!(with(CouponDuration::Once).applies_to_period(redeemed, period), offset == 0);
            let repeating = with(CouponDuration::Repeating { periods });
            prop_assert_eq!(repeating.applies_to_period(redeemed, period), offset < periods);
            prop_assert!(with(CouponDuration::Forever).applies_to_period(redeemed, period));
            if redeemed > 0 {
                prop_assert!(!with(CouponDuration::Forever).applies_to_period(redeemed, redeemed - 1));
            }
        }
    }
}
