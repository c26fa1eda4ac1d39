//! Proration: exact rational rounding of money, used/unused splits, and the lines of a mid-period change.
//!
//! Every prorated amount is `amount * numerator / denominator`, computed exactly in `i128` minor
//! units and rounded ONCE with the caller's [`RoundingPolicy`] by [`round_div`]. Ratios come from
//! [`crate::period`] and are never rounded themselves, so no error compounds across steps.
//!
//! All rounding modes of [`RoundingPolicy`] are symmetric around zero (`round(-x) == -round(x)`),
//! and [`round_div`] rounds the signed value, so a credit mirrors the charge it reverses to the
//! minor unit.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::money::Money;
use crate::period::{Period, PeriodError, Ratio, day_ratio, second_ratio};
use crate::rounding::RoundingPolicy;

/// Why a proration was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ProrationError {
    /// The old and new prices are in different currencies; a change never converts.
    #[error("currency mismatch: cannot prorate {old} against {new}")]
    CurrencyMismatch { old: Currency, new: Currency },
    /// The change date or instant is not inside the period it is supposed to change.
    #[error("the change is outside the billing period")]
    OutsidePeriod,
    /// The period has no length (its end is not after its start).
    #[error("period is empty: its end must be after its start")]
    EmptyPeriod,
    /// A ratio must satisfy `0 <= numerator <= denominator` and `denominator > 0`: proration
    /// takes a part of one period, never more than all of it.
    #[error("invalid proration ratio {numerator}/{denominator}")]
    InvalidRatio { numerator: i64, denominator: i64 },
    /// The result does not fit in an amount.
    #[error("amount out of range")]
    Overflow,
}

impl From<PeriodError> for ProrationError {
    fn from(error: PeriodError) -> Self {
        match error {
            PeriodError::EmptyPeriod => ProrationError::EmptyPeriod,
            // The remaining period errors (inverted range, calendar range, interval settings)
            // can only come from a change that does not sit inside the period.
            _ => ProrationError::OutsidePeriod,
        }
    }
}

/// What a proration ratio counts: whole days (Kill Bill style, the change takes effect at the
/// start of a day) or whole seconds (Stripe style, the change takes effect at an instant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProrationUnit {
    Day,
    Second,
}

/// A subscription line's price for one full period, for the whole quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    pub price: Money,
}

impl Charge {
    /// The part of the price that `ratio` covers, rounded once; see [`prorate`].
    pub fn prorated(&self, ratio: Ratio, policy: RoundingPolicy) -> Result<Money, ProrationError> {
        prorate(self.price, ratio, policy)
    }
}

/// The two lines a mid-period change puts on an invoice, plus their sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLines {
    /// Zero or negative: the old price's unused remainder of the period, given back.
    pub credit: Money,
    /// The new price for the remainder of the period.
    pub charge: Money,
    /// `charge + credit`: positive for an upgrade, negative for a downgrade.
    pub net: Money,
    /// The remaining part of the period, `remaining / period length`, unreduced so that
    /// "20 of 30 days" can be printed on the invoice.
    pub ratio: Ratio,
    /// Whether `ratio` counts days or seconds.
    pub unit: ProrationUnit,
}

/// `numerator / denominator` rounded to a whole number (of minor units) with `policy`.
///
/// Exact for every input: the quotient and remainder are computed in integers, and only the
/// class of the discarded fraction (zero, below, at or above one half) is handed to
/// [`RoundingPolicy::round`] as a stand-in fraction (.00, .25, .50, .75). Every rounding mode
/// decides on that class alone, so the result equals rounding the exact rational, and the policy
/// stays the one place that decides how to round. The signed value is rounded, so negative
/// amounts mirror positive ones.
///
/// `None` when the denominator is not positive or the result does not fit in an `i64`.
pub fn round_div(numerator: i128, denominator: i128, policy: RoundingPolicy) -> Option<i64> {
    if denominator <= 0 {
        return None;
    }
    let divisor = denominator.unsigned_abs();
    let magnitude = numerator.unsigned_abs();
    let quotient = magnitude / divisor;
    let remainder = magnitude % divisor;
    // Beyond 2^63 no rounding can bring the value back into i64 range; checking first also keeps
    // the hundredths below within a Decimal's 96-bit mantissa.
    if quotient > 1 << 63 {
        return None;
    }
    // remainder < divisor < 2^127, so doubling it cannot overflow u128.
    let twice = remainder * 2;
    let stand_in: i128 = if remainder == 0 {
        0
    } else if twice < divisor {
        25
    } else if twice == divisor {
        50
    } else {
        75
    };
    // quotient <= 2^63, so this fits easily in i128.
    let hundredths = i128::try_from(quotient).ok()? * 100 + stand_in;
    let signed = if numerator < 0 { -hundredths } else { hundredths };
    let value = Decimal::try_from_i128_with_scale(signed, 2).ok()?;
    // Rounding a scale-2 value to 0 places leaves scale 0, so the mantissa is the integer.
    let rounded = policy.round(value, 0);
    i64::try_from(rounded.mantissa()).ok()
}

fn check_ratio(ratio: Ratio) -> Result<(), ProrationError> {
    if ratio.denominator > 0 && 0 <= ratio.numerator && ratio.numerator <= ratio.denominator {
        Ok(())
    } else {
        Err(ProrationError::InvalidRatio { numerator: ratio.numerator, denominator: ratio.denominator })
    }
}

/// `amount * ratio`, exact in `i128` minor units and rounded once with `policy`.
///
/// `|minor| <= 2^63` and `numerator <= 2^63`, so the product stays below 2^126: it never
/// overflows, and the result is never larger in magnitude than `amount`.
pub fn prorate(amount: Money, ratio: Ratio, policy: RoundingPolicy) -> Result<Money, ProrationError> {
    check_ratio(ratio)?;
    let exact = i128::from(amount.minor()) * i128::from(ratio.numerator);
    let minor = round_div(exact, i128::from(ratio.denominator), policy).ok_or(ProrationError::Overflow)?;
    Ok(Money::from_minor(minor, amount.currency()))
}

/// Splits one period's `amount` into `(used, unused)`, where `remaining` is the unused part of
/// the period.
///
/// Only `unused` is rounded; `used` is `amount - unused`, so the two always add up to exactly
/// `amount` whatever the rounding mode. Rounding both separately could invent or lose a minor
/// unit: 0.01 split in halves would be 0.01 + 0.01 half-up, 0.00 + 0.00 half-even.
pub fn split(amount: Money, remaining: Ratio, policy: RoundingPolicy) -> Result<(Money, Money), ProrationError> {
    let unused = prorate(amount, remaining, policy)?;
    let used = amount.checked_sub(unused).map_err(|_| ProrationError::Overflow)?;
    Ok((used, unused))
}

/// The lines for switching from `old` to `new` (prices per full period) for the rest of the
/// period: a credit for the old price's unused part and a charge for the new price's.
///
/// The credit is the negated `unused` part of [`split`], so the old price's used part plus the
/// credit's magnitude is exactly the old price. Both amounts use the same ratio and are rounded
/// once each; since rounding is symmetric, an upgrade and the reverse downgrade at the same
/// instant net to exactly zero.
fn lines(
    old: Money,
    new: Money,
    ratio: Ratio,
    unit: ProrationUnit,
    policy: RoundingPolicy,
) -> Result<ChangeLines, ProrationError> {
    let (_, unused) = split(old, ratio, policy)?;
    let credit = unused.checked_neg().map_err(|_| ProrationError::Overflow)?;
    let charge = prorate(new, ratio, policy)?;
    let net = charge.checked_add(credit).map_err(|_| ProrationError::Overflow)?;
    Ok(ChangeLines { credit, charge, net, ratio, unit })
}

fn same_currency(old: Money, new: Money) -> Result<(), ProrationError> {
    if old.currency() == new.currency() {
        Ok(())
    } else {
        Err(ProrationError::CurrencyMismatch { old: old.currency(), new: new.currency() })
    }
}

/// Day-based change lines (Kill Bill style): the change takes effect at the start of
/// `change_on`, so the remaining part is the days from `change_on` (inclusive) to `period.end`
/// (exclusive) over the days of the period.
///
/// `change_on` must be a day of the period (`period.start <= change_on < period.end`); a change
/// on `period.end` belongs to the next period.
pub fn change_lines(
    period: Period,
    change_on: NaiveDate,
    old: Money,
    new: Money,
    policy: RoundingPolicy,
) -> Result<ChangeLines, ProrationError> {
    same_currency(old, new)?;
    if period.end <= period.start {
        return Err(ProrationError::EmptyPeriod);
    }
    if !period.contains(change_on) {
        return Err(ProrationError::OutsidePeriod);
    }
    let ratio = day_ratio(period, change_on, period.end)?;
    lines(old, new, ratio, ProrationUnit::Day, policy)
}

/// Second-based change lines (Stripe style): the remaining part is the whole seconds from `at`
/// to `period_end` over the whole seconds of the period (sub-second parts are dropped, as in
/// [`second_ratio`]).
///
/// `at` must fall inside the period: `period_start <= at < period_end`.
pub fn change_lines_at(
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    at: DateTime<Utc>,
    old: Money,
    new: Money,
    policy: RoundingPolicy,
) -> Result<ChangeLines, ProrationError> {
    same_currency(old, new)?;
    if period_end <= period_start {
        return Err(ProrationError::EmptyPeriod);
    }
    if at < period_start || at >= period_end {
        return Err(ProrationError::OutsidePeriod);
    }
    let ratio = second_ratio(period_start, period_end, at, period_end)?;
    lines(old, new, ratio, ProrationUnit::Second, policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::{Days, TimeZone};
    use proptest::prelude::*;
    use rstest::rstest;

    use crate::rounding::RoundingMode;

    const P: RoundingPolicy = RoundingPolicy::COMMERCIAL;

    fn d(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().expect("test instant")
    }

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn ratio(numerator: i64, denominator: i64) -> Ratio {
        Ratio { numerator, denominator }
    }

    #[test]
    fn april_upgrade_on_the_eleventh() {
        let april = Period::new(d("2026-04-01"), d("2026-05-01")).unwrap();
        let lines = change_lines(april, d("2026-04-11"), eur(3000), eur(9000), P).unwrap();
        assert_eq!(lines.ratio, ratio(20, 30));
        assert_eq!(lines.credit, eur(-2000));
        assert_eq!(lines.charge, eur(6000));
        assert_eq!(lines.net, eur(4000));
        assert_eq!(lines.unit, ProrationUnit::Day);
    }

    #[test]
    fn february_2025_from_the_tenth() {
        let february = Period::new(d("2025-02-01"), d("2025-03-01")).unwrap();
        let lines = change_lines(february, d("2025-02-10"), eur(2800), eur(5600), P).unwrap();
        assert_eq!(lines.ratio, ratio(19, 28));
        assert_eq!(lines.credit, eur(-1900));
        assert_eq!(lines.charge, eur(3800));
        assert_eq!(lines.net, eur(1900));
    }

    #[test]
    fn change_on_the_first_day_swaps_the_whole_period() {
        let april = Period::new(d("2026-04-01"), d("2026-05-01")).unwrap();
        let lines = change_lines(april, d("2026-04-01"), eur(3000), eur(9000), P).unwrap();
        assert_eq!((lines.credit, lines.charge, lines.net), (eur(-3000), eur(9000), eur(6000)));
        let last = change_lines(april, d("2026-04-30"), eur(3000), eur(9000), P).unwrap();
        assert_eq!((last.credit, last.charge, last.ratio), (eur(-100), eur(300), ratio(1, 30)));
    }

    #[rstest]
    #[case("2026-03-31")]
    #[case("2026-05-01")]
    #[case("2027-01-01")]
    fn change_outside_the_period_is_refused(#[case] on: &str) {
        let april = Period::new(d("2026-04-01"), d("2026-05-01")).unwrap();
        assert_eq!(change_lines(april, d(on), eur(3000), eur(9000), P), Err(ProrationError::OutsidePeriod));
    }

    #[test]
    fn hand_built_empty_period_is_refused() {
        let empty = Period { start: d("2026-05-01"), end: d("2026-04-01") };
        assert_eq!(change_lines(empty, d("2026-04-11"), eur(1), eur(2), P), Err(ProrationError::EmptyPeriod));
        let start = t("2026-04-01T00:00:00Z");
        assert_eq!(change_lines_at(start, start, start, eur(1), eur(2), P), Err(ProrationError::EmptyPeriod));
    }

    #[test]
    fn currencies_must_match() {
        let april = Period::new(d("2026-04-01"), d("2026-05-01")).unwrap();
        let usd = Money::from_minor(9000, Currency::USD);
        let expected = Err(ProrationError::CurrencyMismatch { old: Currency::EUR, new: Currency::USD });
        assert_eq!(change_lines(april, d("2026-04-11"), eur(3000), usd, P), expected);
        let (start, end) = (t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(change_lines_at(start, end, t("2026-04-11T00:00:00Z"), eur(3000), usd, P), expected);
    }

    #[test]
    fn second_based_change_at_noon() {
        let (start, end) = (t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        // 19.5 of 30 days remain: 0.65 of the period.
        let lines = change_lines_at(start, end, t("2026-04-11T12:00:00Z"), eur(3000), eur(9000), P).unwrap();
        assert_eq!(lines.ratio, ratio(39 * 43_200, 30 * 86_400));
        assert_eq!((lines.credit, lines.charge, lines.net), (eur(-1950), eur(5850), eur(3900)));
        assert_eq!(lines.unit, ProrationUnit::Second);
    }

    #[rstest]
    #[case("2026-03-31T23:59:59Z")]
    #[case("2026-05-01T00:00:00Z")]
    fn second_based_change_outside_is_refused(#[case] at: &str) {
        let (start, end) = (t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(change_lines_at(start, end, t(at), eur(1), eur(2), P), Err(ProrationError::OutsidePeriod));
    }

    #[rstest]
    // 10.00 * 1/3 = 3.333.. -> 3.33; 0.05 * 1/2 = 2.5 cents: the tie is decided by the mode.
    #[case(1000, 1, 3, RoundingMode::HalfUp, 333)]
    #[case(2000, 1, 3, RoundingMode::HalfUp, 667)]
    #[case(5, 1, 2, RoundingMode::HalfUp, 3)]
    #[case(-5, 1, 2, RoundingMode::HalfUp, -3)]
    #[case(5, 1, 2, RoundingMode::HalfEven, 2)]
    #[case(7, 1, 2, RoundingMode::HalfEven, 4)]
    #[case(-5, 1, 2, RoundingMode::HalfEven, -2)]
    #[case(2000, 1, 3, RoundingMode::TowardZero, 666)]
    #[case(1000, 1, 3, RoundingMode::AwayFromZero, 334)]
    #[case(-1000, 1, 3, RoundingMode::AwayFromZero, -334)]
    #[case(1234, 0, 30, RoundingMode::HalfUp, 0)]
    #[case(1234, 30, 30, RoundingMode::HalfUp, 1234)]
    #[case(i64::MAX, 1, 1, RoundingMode::HalfUp, i64::MAX)]
    #[case(i64::MIN, 1, 1, RoundingMode::HalfUp, i64::MIN)]
    #[case(i64::MAX, i64::MAX - 1, i64::MAX, RoundingMode::HalfUp, i64::MAX - 1)]
    #[case(i64::MIN, 1, 2, RoundingMode::HalfUp, i64::MIN / 2)]
    fn prorate_cases(
        #[case] minor: i64,
        #[case] numerator: i64,
        #[case] denominator: i64,
        #[case] mode: RoundingMode,
        #[case] expected: i64,
    ) {
        let got = prorate(eur(minor), ratio(numerator, denominator), RoundingPolicy::new(mode));
        assert_eq!(got, Ok(eur(expected)));
    }

    #[rstest]
    #[case(1, 0)]
    #[case(0, 0)]
    #[case(1, -2)]
    #[case(-1, 2)]
    #[case(3, 2)]
    fn prorate_rejects_bad_ratios(#[case] numerator: i64, #[case] denominator: i64) {
        assert_eq!(
            prorate(eur(100), ratio(numerator, denominator), P),
            Err(ProrationError::InvalidRatio { numerator, denominator })
        );
    }

    #[test]
    fn round_div_edges() {
        assert_eq!(round_div(1, 0, P), None);
        assert_eq!(round_div(1, -1, P), None);
        assert_eq!(round_div(i128::from(i64::MAX) + 1, 1, P), None);
        assert_eq!(round_div(-(i128::from(i64::MAX) + 1), 1, P), Some(i64::MIN));
        // Rounding up past i64::MAX overflows rather than wrapping.
        assert_eq!(round_div(i128::from(i64::MAX) * 2 + 1, 2, P), None);
        assert_eq!(round_div(i128::MIN, i128::MAX, P), Some(-1));
        assert_eq!(round_div(i128::MAX, i128::MAX, P), Some(1));
        // Just below and just above one half of a huge denominator.
        assert_eq!(round_div(i128::MAX / 2, i128::MAX, P), Some(0));
        assert_eq!(round_div(i128::MAX / 2 + 1, i128::MAX, P), Some(1));
    }

    #[test]
    fn split_rounds_one_part_and_subtracts() {
        // 10.00 with 1/3 remaining: unused 3.33, used 6.67, not 6.67 + 3.33 by luck but by design.
        assert_eq!(split(eur(1000), ratio(1, 3), P), Ok((eur(667), eur(333))));
        assert_eq!(split(eur(1), ratio(1, 2), P), Ok((eur(0), eur(1))));
        assert_eq!(split(eur(1), ratio(1, 2), RoundingPolicy::new(RoundingMode::TowardZero)), Ok((eur(1), eur(0))));
    }

    #[test]
    fn charge_prorates_its_price() {
        let charge = Charge { price: eur(9000) };
        assert_eq!(charge.prorated(ratio(20, 30), P), Ok(eur(6000)));
    }

    #[test]
    fn serde_shapes() {
        assert_eq!(serde_json::to_string(&ProrationUnit::Second).unwrap(), "\"second\"");
        assert_eq!(serde_json::from_str::<ProrationUnit>("\"day\"").unwrap(), ProrationUnit::Day);
        let april = Period::new(d("2026-04-01"), d("2026-05-01")).unwrap();
        let lines = change_lines(april, d("2026-04-11"), eur(3000), eur(9000), P).unwrap();
        let json = serde_json::to_string(&lines).unwrap();
        assert_eq!(serde_json::from_str::<ChangeLines>(&json).unwrap(), lines);
    }

    fn any_mode() -> impl Strategy<Value = RoundingMode> {
        prop_oneof![
            Just(RoundingMode::HalfUp),
            Just(RoundingMode::HalfEven),
            Just(RoundingMode::TowardZero),
            Just(RoundingMode::AwayFromZero),
        ]
    }

    /// A period of 1 to 400 days starting between 2000 and 2040, and a day inside it.
    fn period_and_day() -> impl Strategy<Value = (Period, NaiveDate)> {
        (0..14_600_u64, 1..=400_u64).prop_flat_map(|(offset, length)| {
            let start = d("2000-01-01").checked_add_days(Days::new(offset)).unwrap();
            let end = start.checked_add_days(Days::new(length)).unwrap();
            let period = Period::new(start, end).unwrap();
            (Just(period), 0..length)
                .prop_map(move |(period, day)| (period, start.checked_add_days(Days::new(day)).unwrap()))
        })
    }

    const BOUND: i64 = 1_000_000_000_000_000;

    proptest! {
        #[test]
        fn upgrade_then_downgrade_nets_to_zero(
            (period, on) in period_and_day(),
            old in 0..=BOUND,
            new in 0..=BOUND,
            mode in any_mode(),
        ) {
            let policy = RoundingPolicy::new(mode);
            let up = change_lines(period, on, eur(old), eur(new), policy).unwrap();
            let down = change_lines(period, on, eur(new), eur(old), policy).unwrap();
            prop_assert_eq!(up.net.checked_add(down.net), Ok(eur(0)));
            // The downgrade's credit is exactly the upgrade's charge, mirrored.
            prop_assert_eq!(down.credit.checked_neg(), Ok(up.charge));
        }

        #[test]
        fn credit_and_used_part_make_the_whole_price(
            (period, on) in period_and_day(),
            old in -BOUND..=BOUND,
            new in -BOUND..=BOUND,
            mode in any_mode(),
        ) {
            let policy = RoundingPolicy::new(mode);
            let lines = change_lines(period, on, eur(old), eur(new), policy).unwrap();
            let (used, unused) = split(eur(old), lines.ratio, policy).unwrap();
            prop_assert_eq!(lines.credit.checked_neg(), Ok(unused));
            prop_assert_eq!(used.checked_add(unused), Ok(eur(old)));
            prop_assert_eq!(used.checked_sub(lines.credit), Ok(eur(old)));
            prop_assert_eq!(lines.charge.checked_add(lines.credit), Ok(lines.net));
        }

        #[test]
        fn rounding_of_negatives_mirrors_positives(
            minor in 0..=i64::MAX,
            denominator in 1..=1_000_000_000_i64,
            cut in 0..=1000_i64,
            mode in any_mode(),
        ) {
            let r = ratio(denominator * cut / 1000, denominator);
            let policy = RoundingPolicy::new(mode);
            let positive = prorate(eur(minor), r, policy).unwrap();
            let negative = prorate(eur(-minor), r, policy).unwrap();
            prop_assert_eq!(positive.checked_neg(), Ok(negative));
        }

        #[test]
        fn prorate_is_within_one_unit_and_never_exceeds_the_amount(
            minor in -BOUND..=BOUND,
            denominator in 1..=100_000_000_i64,
            cut in 0..=1000_i64,
            mode in any_mode(),
        ) {
            let r = ratio(denominator * cut / 1000, denominator);
            let got = prorate(eur(minor), r, RoundingPolicy::new(mode)).unwrap();
            // |got * den - minor * num| < den, compared without division.
            let deviation =
                i128::from(got.minor()) * i128::from(denominator) - i128::from(minor) * i128::from(r.numerator);
            prop_assert!(deviation.abs() < i128::from(denominator));
            prop_assert!(got.minor().unsigned_abs() <= minor.unsigned_abs());
        }

        #[test]
        fn prorate_matches_decimal_math_for_terminating_ratios(
            minor in -BOUND..=BOUND,
            twos in 0..=6_u32,
            fives in 0..=6_u32,
            cut in 0..=1000_i64,
            mode in any_mode(),
        ) {
            // A denominator of the form 2^a * 5^b makes the quotient a terminating decimal, so
            // Decimal division is exact here and a valid independent reference.
            let denominator = 2_i64.pow(twos) * 5_i64.pow(fives);
            let numerator = denominator * cut / 1000;
            let policy = RoundingPolicy::new(mode);
            let exact = eur(minor).to_decimal() * Decimal::from(numerator) / Decimal::from(denominator);
            let reference = Money::from_decimal(exact, Currency::EUR, policy).unwrap();
            prop_assert_eq!(prorate(eur(minor), ratio(numerator, denominator), policy), Ok(reference));
        }

        #[test]
        fn midnight_seconds_agree_with_days(
            (period, on) in period_and_day(),
            old in 0..=BOUND,
            new in 0..=BOUND,
        ) {
            let midnight = |date: NaiveDate| Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap());
            let by_day = change_lines(period, on, eur(old), eur(new), P).unwrap();
            let (start, end, at) = (midnight(period.start), midnight(period.end), midnight(on));
            let by_second = change_lines_at(start, end, at, eur(old), eur(new), P).unwrap();
            prop_assert_eq!(by_day.credit, by_second.credit);
            prop_assert_eq!(by_day.charge, by_second.charge);
            prop_assert_eq!(by_day.net, by_second.net);
        }
    }
}
