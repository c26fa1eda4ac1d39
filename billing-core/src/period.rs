//! Billing periods: interval units, period boundaries from an anchor date, and exact proration ratios.
//!
//! Everything here is pure calendar arithmetic. No function reads the clock: every date and
//! instant is an argument, so the same inputs always give the same periods and the same ratios.
//!
//! Periods are half-open, `[start, end)`: `end` is the start of the next period, so consecutive
//! periods tile the calendar with no gap and no overlap, and the service covers
//! `start..=end - 1 day`.
//!
//! Proration is returned as a ratio, never as money. The caller multiplies the ratio with an
//! amount and rounds once, so rounding errors never compound across steps.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The largest `count` a [`BillingInterval`] accepts. Nothing real bills every 1001 months; the
/// cap keeps index arithmetic far away from overflow.
pub const MAX_INTERVAL_COUNT: u32 = 1000;

/// Why a period could not be computed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// The interval count is 0 or above [`MAX_INTERVAL_COUNT`].
    #[error("interval count must be between 1 and {MAX_INTERVAL_COUNT}, got {0}")]
    InvalidCount(u32),
    /// The text is not one of the interval unit names.
    #[error("unknown interval unit {0:?}: expected \"day\", \"week\", \"month\" or \"year\"")]
    UnknownUnit(String),
    /// The result would fall outside the calendar range that dates can represent.
    #[error("date is outside the supported calendar range")]
    OutOfRange,
    /// A period (or a ratio's denominator) has no length: its end is not after its start.
    #[error("period is empty: its end must be after its start")]
    EmptyPeriod,
    /// A proration range ends before it starts.
    #[error("proration range is inverted: `from` is after `to`")]
    InvertedRange,
}

/// The calendar unit a billing interval counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    Day,
    Week,
    Month,
    Year,
}

impl IntervalUnit {
    /// The stable lowercase name, the same one serde uses.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

impl fmt::Display for IntervalUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IntervalUnit {
    type Err = PeriodError;

    /// Accepts exactly the names [`IntervalUnit::as_str`] produces; being strict keeps stored
    /// values and API input in one spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            "year" => Ok(Self::Year),
            other => Err(PeriodError::UnknownUnit(other.to_owned())),
        }
    }
}

/// "Every `count` `unit`s", e.g. every 3 months.
///
/// Deserialization goes through [`BillingInterval::new`], so a stored or submitted interval with
/// a count of 0 is rejected at the boundary instead of surfacing later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawInterval")]
pub struct BillingInterval {
    pub unit: IntervalUnit,
    pub count: u32,
}

/// The unchecked wire shape of [`BillingInterval`].
#[derive(Deserialize)]
struct RawInterval {
    unit: IntervalUnit,
    count: u32,
}

impl TryFrom<RawInterval> for BillingInterval {
    type Error = PeriodError;

    fn try_from(raw: RawInterval) -> Result<Self, Self::Error> {
        Self::new(raw.unit, raw.count)
    }
}

impl BillingInterval {
    /// An interval of `count` units; `count` must be in `1..=MAX_INTERVAL_COUNT`.
    pub fn new(unit: IntervalUnit, count: u32) -> Result<Self, PeriodError> {
        let interval = Self { unit, count };
        interval.validate()?;
        Ok(interval)
    }

    /// Every month.
    #[must_use]
    pub const fn monthly() -> Self {
        Self { unit: IntervalUnit::Month, count: 1 }
    }

    /// Every year.
    #[must_use]
    pub const fn yearly() -> Self {
        Self { unit: IntervalUnit::Year, count: 1 }
    }

    /// The fields are public, so an interval may have been built without [`Self::new`]; every
    /// computation checks again rather than dividing by a zero count.
    fn validate(self) -> Result<(), PeriodError> {
        if self.count == 0 || self.count > MAX_INTERVAL_COUNT {
            Err(PeriodError::InvalidCount(self.count))
        } else {
            Ok(())
        }
    }

    /// The length of one interval in its calendar step: days for day/week, months for
    /// month/year.
    fn step(self) -> Step {
        let count = u64::from(self.count);
        match self.unit {
            IntervalUnit::Day => Step::Days(count),
            IntervalUnit::Week => Step::Days(count * 7),
            IntervalUnit::Month => Step::Months(count),
            IntervalUnit::Year => Step::Months(count * 12),
        }
    }
}

/// Day and week intervals have a fixed length in days; month and year intervals do not, so they
/// are stepped in whole months and the day is clamped afterwards.
#[derive(Clone, Copy)]
enum Step {
    Days(u64),
    Months(u64),
}

/// A half-open span of days `[start, end)`; `end` is the first day of the next period.
///
/// Deserialization checks `end > start`, like [`Period::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPeriod")]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The unchecked wire shape of [`Period`].
#[derive(Deserialize)]
struct RawPeriod {
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<RawPeriod> for Period {
    type Error = PeriodError;

    fn try_from(raw: RawPeriod) -> Result<Self, Self::Error> {
        Self::new(raw.start, raw.end)
    }
}

impl Period {
    /// The period `[start, end)`; `end` must be after `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, PeriodError> {
        if end > start { Ok(Self { start, end }) } else { Err(PeriodError::EmptyPeriod) }
    }

    /// The number of days the period covers (`end - start`).
    #[must_use]
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// Whether `date` falls in the period: `start <= date < end`.
    #[must_use]
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date < self.end
    }

    /// The last day of service, `end - 1 day`.
    ///
    /// For a period built by hand with `end <= start` (the fields are public) this returns
    /// `start`, the only day such a period could be said to touch.
    #[must_use]
    pub fn last_day(&self) -> NaiveDate {
        match self.end.pred_opt() {
            Some(day) if day >= self.start => day,
            _ => self.start,
        }
    }
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar (the one chrono uses).
const fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` (1-based) of `year`.
const fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Months since year 0 for the month `date` falls in, so that month differences are plain
/// subtraction.
fn month_number(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The start of the `index`-th period after `anchor` (index 0 is `anchor` itself).
///
/// Month and year periods are computed from the anchor every time, never by adding to the
/// previous period's start; otherwise a short month would pull every later period to its day
/// (31 Jan -> 29 Feb -> 29 Mar ...). The anchor's day is clamped to the target month's last day,
/// so an anchor on the 31st gives 29 Feb, 31 Mar, 30 Apr, 31 May.
///
/// Day and week periods are `anchor + index * count` days or weeks.
pub fn period_start(anchor: NaiveDate, interval: BillingInterval, index: u32) -> Result<NaiveDate, PeriodError> {
    interval.validate()?;
    match interval.step() {
        // At most u32::MAX * 7000 days, far below u64 overflow; chrono rejects anything past
        // its own range.
        Step::Days(days) => anchor.checked_add_days(Days::new(u64::from(index) * days)).ok_or(PeriodError::OutOfRange),
        Step::Months(months) => {
            // At most u32::MAX * 12_000 months, far inside i64.
            let offset = i64::try_from(u64::from(index) * months).map_err(|_| PeriodError::OutOfRange)?;
            let target = month_number(anchor) + offset;
            let year = i32::try_from(target.div_euclid(12)).map_err(|_| PeriodError::OutOfRange)?;
            // rem_euclid(12) is in 0..12, so the cast cannot fail.
            let month = u32::try_from(target.rem_euclid(12)).map_err(|_| PeriodError::OutOfRange)? + 1;
            let day = anchor.day().min(days_in_month(year, month));
            NaiveDate::from_ymd_opt(year, month, day).ok_or(PeriodError::OutOfRange)
        }
    }
}

/// The `index`-th period: `[period_start(index), period_start(index + 1))`.
pub fn period_at(anchor: NaiveDate, interval: BillingInterval, index: u32) -> Result<Period, PeriodError> {
    let next = index.checked_add(1).ok_or(PeriodError::OutOfRange)?;
    let start = period_start(anchor, interval, index)?;
    let end = period_start(anchor, interval, next)?;
    Period::new(start, end)
}

/// The index of the period that contains `date`, or `None` when `date` is before `anchor`.
///
/// Runs in constant time: the index is estimated from the whole-day or whole-month distance and
/// then corrected by the clamped day, instead of walking periods from 0.
pub fn index_of(anchor: NaiveDate, interval: BillingInterval, date: NaiveDate) -> Result<Option<u32>, PeriodError> {
    interval.validate()?;
    if date < anchor {
        return Ok(None);
    }
    let to_index = |value: i64| u32::try_from(value).map_err(|_| PeriodError::OutOfRange);
    match interval.step() {
        // Fixed-length periods: the division is exact, no correction needed.
        Step::Days(days) => {
            let elapsed = (date - anchor).num_days();
            let step = i64::try_from(days).map_err(|_| PeriodError::OutOfRange)?;
            Ok(Some(to_index(elapsed / step)?))
        }
        Step::Months(months) => {
            let step = i64::try_from(months).map_err(|_| PeriodError::OutOfRange)?;
            // `date >= anchor`, so its month is not before the anchor's and this is >= 0.
            let mut index = to_index((month_number(date) - month_number(anchor)) / step)?;
            // The estimate's period starts in `date`'s month or earlier, and the next one starts
            // in a later month, so the only possible error is one too many: when the estimate
            // starts in `date`'s own month but on a later day. The loop is bounded by that.
            while index > 0 && period_start(anchor, interval, index)? > date {
                index -= 1;
            }
            Ok(Some(index))
        }
    }
}

/// An exact proration ratio `numerator / denominator`, kept as integers.
///
/// It is not reduced: `numerator` is the covered length and `denominator` the period's length,
/// in days or seconds, so "20 of 30 days" stays readable on an invoice line. To prorate money,
/// compute `amount_minor * numerator / denominator` in `i128` and round once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    /// The ratio as a `Decimal` (28 significant digits). Fails with
    /// [`PeriodError::EmptyPeriod`] when the denominator is not positive.
    pub fn to_decimal(self) -> Result<Decimal, PeriodError> {
        if self.denominator <= 0 {
            return Err(PeriodError::EmptyPeriod);
        }
        Decimal::from(self.numerator).checked_div(Decimal::from(self.denominator)).ok_or(PeriodError::OutOfRange)
    }
}

/// The part of `[from, to)` inside `[start, end)`, over the length of `[start, end)`, all on one
/// integer scale (days or seconds).
fn overlap_ratio(start: i64, end: i64, from: i64, to: i64) -> Result<Ratio, PeriodError> {
    if end <= start {
        return Err(PeriodError::EmptyPeriod);
    }
    if from > to {
        return Err(PeriodError::InvertedRange);
    }
    let covered = (to.min(end) - from.max(start)).max(0);
    Ok(Ratio { numerator: covered, denominator: end - start })
}

/// Days of `[from, to)` that fall inside `period`, over the period's days (Kill Bill style).
///
/// A range partly or wholly outside the period is clipped to it, so the ratio is in `0..=1`.
pub fn day_ratio(period: Period, from: NaiveDate, to: NaiveDate) -> Result<Ratio, PeriodError> {
    // Day numbers from a common origin, so the shared interval code works on plain integers.
    let day = |date: NaiveDate| i64::from(date.num_days_from_ce());
    overlap_ratio(day(period.start), day(period.end), day(from), day(to))
}

/// [`day_ratio`] as a `Decimal`.
///
/// This is the ratio to multiply with money, which the caller then rounds ONCE; never round the
/// ratio itself. `Decimal` keeps 28 significant digits, so a non-terminating ratio such as 19/28
/// is itself rounded in the last digit: the two parts of a period split once still sum to exactly
/// 1, but three or more parts may not. Where exactness across many parts matters, use
/// [`day_ratio`].
pub fn day_fraction(period: Period, from: NaiveDate, to: NaiveDate) -> Result<Decimal, PeriodError> {
    day_ratio(period, from, to)?.to_decimal()
}

/// Seconds of `[from, to)` that fall inside `[start, end)`, over the seconds of `[start, end)`
/// (Stripe style).
///
/// Instants count in whole seconds: any sub-second part is dropped, as Unix timestamps do, so
/// the numerator and denominator share one scale.
pub fn second_ratio(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Ratio, PeriodError> {
    overlap_ratio(start.timestamp(), end.timestamp(), from.timestamp(), to.timestamp())
}

/// [`second_ratio`] as a `Decimal`; as with [`day_fraction`], the caller multiplies it with
/// money and rounds ONCE.
pub fn second_fraction(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Decimal, PeriodError> {
    second_ratio(start, end, from, to)?.to_decimal()
}

/// The start of the period of `interval` that ends at `end` (the anchor rule run backwards):
/// `end` minus one interval, with a month-end day clamped like the forward rule.
pub fn period_start_before(end: NaiveDate, interval: BillingInterval) -> Result<NaiveDate, PeriodError> {
    let n = i64::from(interval.count);
    let back = match interval.unit {
        IntervalUnit::Day => end.checked_sub_signed(chrono::Duration::days(n)),
        IntervalUnit::Week => end.checked_sub_signed(chrono::Duration::weeks(n)),
        IntervalUnit::Month => end.checked_sub_months(chrono::Months::new(interval.count)),
        IntervalUnit::Year => end.checked_sub_months(chrono::Months::new(interval.count.saturating_mul(12))),
    };
    back.ok_or(PeriodError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone;
    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    fn d(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().expect("test instant")
    }

    fn every(unit: IntervalUnit, count: u32) -> BillingInterval {
        BillingInterval::new(unit, count).expect("valid interval")
    }

    // ---- units and intervals ----

    #[rstest]
    #[case(IntervalUnit::Day, "day")]
    #[case(IntervalUnit::Week, "week")]
    #[case(IntervalUnit::Month, "month")]
    #[case(IntervalUnit::Year, "year")]
    fn unit_names_round_trip(#[case] unit: IntervalUnit, #[case] name: &str) {
        assert_eq!(unit.as_str(), name);
        assert_eq!(unit.to_string(), name);
        assert_eq!(name.parse::<IntervalUnit>(), Ok(unit));
        assert_eq!(serde_json::to_string(&unit).unwrap(), format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<IntervalUnit>(&format!("\"{name}\"")).unwrap(), unit);
    }

    #[rstest]
    #[case("")]
    #[case("Month")]
    #[case("months")]
    #[case(" day")]
    #[case("quarter")]
    fn unknown_units_are_rejected(#[case] text: &str) {
        assert_eq!(text.parse::<IntervalUnit>(), Err(PeriodError::UnknownUnit(text.to_owned())));
    }

    #[rstest]
    #[case(0, false)]
    #[case(1, true)]
    #[case(1000, true)]
    #[case(1001, false)]
    #[case(u32::MAX, false)]
    fn interval_count_bounds(#[case] count: u32, #[case] ok: bool) {
        let result = BillingInterval::new(IntervalUnit::Month, count);
        if ok {
            assert_eq!(result, Ok(BillingInterval { unit: IntervalUnit::Month, count }));
        } else {
            assert_eq!(result, Err(PeriodError::InvalidCount(count)));
        }
    }

    #[test]
    fn monthly_and_yearly_shorthands() {
        assert_eq!(BillingInterval::monthly(), every(IntervalUnit::Month, 1));
        assert_eq!(BillingInterval::yearly(), every(IntervalUnit::Year, 1));
    }

    #[test]
    fn interval_serde_validates_count() {
        let json = serde_json::to_string(&every(IntervalUnit::Month, 3)).unwrap();
        assert_eq!(json, r#"{"unit":"month","count":3}"#);
        assert_eq!(serde_json::from_str::<BillingInterval>(&json).unwrap(), every(IntervalUnit::Month, 3));
        assert!(serde_json::from_str::<BillingInterval>(r#"{"unit":"month","count":0}"#).is_err());
        assert!(serde_json::from_str::<BillingInterval>(r#"{"unit":"fortnight","count":1}"#).is_err());
    }

    #[test]
    fn hand_built_invalid_interval_is_rejected_not_divided_by() {
        let zero = BillingInterval { unit: IntervalUnit::Day, count: 0 };
        assert_eq!(period_start(d("2025-01-01"), zero, 1), Err(PeriodError::InvalidCount(0)));
        assert_eq!(index_of(d("2025-01-01"), zero, d("2025-02-01")), Err(PeriodError::InvalidCount(0)));
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(PeriodError::InvalidCount(0).to_string(), "interval count must be between 1 and 1000, got 0");
        assert_eq!(
            PeriodError::UnknownUnit("quarter".into()).to_string(),
            "unknown interval unit \"quarter\": expected \"day\", \"week\", \"month\" or \"year\""
        );
        assert_eq!(PeriodError::OutOfRange.to_string(), "date is outside the supported calendar range");
        assert_eq!(PeriodError::EmptyPeriod.to_string(), "period is empty: its end must be after its start");
    }

    // ---- period starts ----

    #[rstest]
    // monthly from the 31st, leap year
    #[case("2024-01-31", IntervalUnit::Month, 1, 0, "2024-01-31")]
    #[case("2024-01-31", IntervalUnit::Month, 1, 1, "2024-02-29")]
    #[case("2024-01-31", IntervalUnit::Month, 1, 2, "2024-03-31")]
    #[case("2024-01-31", IntervalUnit::Month, 1, 3, "2024-04-30")]
    #[case("2024-01-31", IntervalUnit::Month, 1, 4, "2024-05-31")]
    #[case("2024-01-31", IntervalUnit::Month, 1, 11, "2024-12-31")]
    #[case("2024-01-31", IntervalUnit::Month, 1, 13, "2025-02-28")]
    // monthly from the 31st, non-leap year
    #[case("2025-01-31", IntervalUnit::Month, 1, 1, "2025-02-28")]
    #[case("2025-01-31", IntervalUnit::Month, 1, 2, "2025-03-31")]
    #[case("2025-01-31", IntervalUnit::Month, 1, 3, "2025-04-30")]
    // monthly from the 30th
    #[case("2025-01-30", IntervalUnit::Month, 1, 1, "2025-02-28")]
    #[case("2025-01-30", IntervalUnit::Month, 1, 2, "2025-03-30")]
    #[case("2024-01-30", IntervalUnit::Month, 1, 1, "2024-02-29")]
    #[case("2024-01-30", IntervalUnit::Month, 1, 2, "2024-03-30")]
    // monthly from the 29th
    #[case("2025-01-29", IntervalUnit::Month, 1, 1, "2025-02-28")]
    #[case("2025-01-29", IntervalUnit::Month, 1, 2, "2025-03-29")]
    #[case("2024-01-29", IntervalUnit::Month, 1, 1, "2024-02-29")]
    // monthly across a year end
    #[case("2024-12-31", IntervalUnit::Month, 1, 2, "2025-02-28")]
    // yearly from 29 February
    #[case("2024-02-29", IntervalUnit::Year, 1, 1, "2025-02-28")]
    #[case("2024-02-29", IntervalUnit::Year, 1, 2, "2026-02-28")]
    #[case("2024-02-29", IntervalUnit::Year, 1, 3, "2027-02-28")]
    #[case("2024-02-29", IntervalUnit::Year, 1, 4, "2028-02-29")]
    #[case("2096-02-29", IntervalUnit::Year, 1, 4, "2100-02-28")]
    #[case("2096-02-29", IntervalUnit::Year, 1, 8, "2104-02-29")]
    // quarterly (3 months) from 30 November
    #[case("2023-11-30", IntervalUnit::Month, 3, 1, "2024-02-29")]
    #[case("2023-11-30", IntervalUnit::Month, 3, 2, "2024-05-30")]
    #[case("2023-11-30", IntervalUnit::Month, 3, 3, "2024-08-30")]
    #[case("2023-11-30", IntervalUnit::Month, 3, 4, "2024-11-30")]
    #[case("2024-11-30", IntervalUnit::Month, 3, 1, "2025-02-28")]
    #[case("2024-11-30", IntervalUnit::Month, 3, 2, "2025-05-30")]
    #[case("2024-11-30", IntervalUnit::Month, 3, 3, "2025-08-30")]
    // weekly
    #[case("2025-01-01", IntervalUnit::Week, 1, 0, "2025-01-01")]
    #[case("2025-01-01", IntervalUnit::Week, 1, 1, "2025-01-08")]
    #[case("2025-12-29", IntervalUnit::Week, 1, 1, "2026-01-05")]
    #[case("2025-01-01", IntervalUnit::Week, 2, 3, "2025-02-12")]
    #[case("2024-02-22", IntervalUnit::Week, 1, 1, "2024-02-29")]
    // daily
    #[case("2025-02-27", IntervalUnit::Day, 1, 2, "2025-03-01")]
    #[case("2024-02-27", IntervalUnit::Day, 1, 2, "2024-02-29")]
    #[case("2025-01-01", IntervalUnit::Day, 10, 3, "2025-01-31")]
    #[case("2025-01-01", IntervalUnit::Day, 1, 365, "2026-01-01")]
    fn period_start_vectors(
        #[case] anchor: &str,
        #[case] unit: IntervalUnit,
        #[case] count: u32,
        #[case] index: u32,
        #[case] expected: &str,
    ) {
        assert_eq!(period_start(d(anchor), every(unit, count), index), Ok(d(expected)));
    }

    #[rstest]
    #[case(IntervalUnit::Day)]
    #[case(IntervalUnit::Week)]
    #[case(IntervalUnit::Month)]
    #[case(IntervalUnit::Year)]
    fn far_future_is_out_of_range(#[case] unit: IntervalUnit) {
        let interval = every(unit, MAX_INTERVAL_COUNT);
        assert_eq!(period_start(d("2025-01-01"), interval, u32::MAX), Err(PeriodError::OutOfRange));
        assert_eq!(period_at(d("2025-01-01"), interval, u32::MAX), Err(PeriodError::OutOfRange));
    }

    // ---- periods ----

    #[test]
    fn period_at_is_half_open() {
        let period = period_at(d("2024-01-31"), BillingInterval::monthly(), 1).unwrap();
        assert_eq!(period, Period::new(d("2024-02-29"), d("2024-03-31")).unwrap());
        assert_eq!(period.days(), 31);
        assert_eq!(period.last_day(), d("2024-03-30"));
        assert!(!period.contains(d("2024-02-28")));
        assert!(period.contains(d("2024-02-29")));
        assert!(period.contains(d("2024-03-30")));
        assert!(!period.contains(d("2024-03-31")));
    }

    #[test]
    fn period_new_rejects_empty_and_inverted() {
        assert_eq!(Period::new(d("2025-01-01"), d("2025-01-01")), Err(PeriodError::EmptyPeriod));
        assert_eq!(Period::new(d("2025-01-02"), d("2025-01-01")), Err(PeriodError::EmptyPeriod));
        let one_day = Period::new(d("2025-01-01"), d("2025-01-02")).unwrap();
        assert_eq!(one_day.days(), 1);
        assert_eq!(one_day.last_day(), d("2025-01-01"));
    }

    #[test]
    fn period_serde_validates_order() {
        let period = Period::new(d("2025-04-01"), d("2025-05-01")).unwrap();
        let json = serde_json::to_string(&period).unwrap();
        assert_eq!(json, r#"{"start":"2025-04-01","end":"2025-05-01"}"#);
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), period);
        assert!(serde_json::from_str::<Period>(r#"{"start":"2025-05-01","end":"2025-04-01"}"#).is_err());
    }

    // ---- index_of ----

    #[rstest]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-01-30", None)]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-01-31", Some(0))]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-02-28", Some(0))]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-02-29", Some(1))]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-03-30", Some(1))]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-03-31", Some(2))]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-04-29", Some(2))]
    #[case("2024-01-31", IntervalUnit::Month, 1, "2024-04-30", Some(3))]
    #[case("2024-02-29", IntervalUnit::Year, 1, "2025-02-27", Some(0))]
    #[case("2024-02-29", IntervalUnit::Year, 1, "2025-02-28", Some(1))]
    #[case("2024-02-29", IntervalUnit::Year, 1, "2028-02-28", Some(3))]
    #[case("2024-02-29", IntervalUnit::Year, 1, "2028-02-29", Some(4))]
    #[case("2023-11-30", IntervalUnit::Month, 3, "2024-02-28", Some(0))]
    #[case("2023-11-30", IntervalUnit::Month, 3, "2024-02-29", Some(1))]
    #[case("2023-11-30", IntervalUnit::Month, 3, "2024-05-29", Some(1))]
    #[case("2023-11-30", IntervalUnit::Month, 3, "2024-05-30", Some(2))]
    #[case("2025-01-01", IntervalUnit::Week, 1, "2024-12-31", None)]
    #[case("2025-01-01", IntervalUnit::Week, 1, "2025-01-07", Some(0))]
    #[case("2025-01-01", IntervalUnit::Week, 1, "2025-01-08", Some(1))]
    #[case("2025-01-01", IntervalUnit::Day, 1, "2025-01-01", Some(0))]
    #[case("2025-01-01", IntervalUnit::Day, 10, "2025-01-30", Some(2))]
    #[case("2025-01-01", IntervalUnit::Day, 10, "2025-01-31", Some(3))]
    fn index_of_boundaries(
        #[case] anchor: &str,
        #[case] unit: IntervalUnit,
        #[case] count: u32,
        #[case] date: &str,
        #[case] expected: Option<u32>,
    ) {
        assert_eq!(index_of(d(anchor), every(unit, count), d(date)), Ok(expected));
    }

    #[test]
    fn index_of_large_index_is_direct() {
        // Millions of periods away: must not walk from 0.
        let anchor = NaiveDate::from_ymd_opt(-200_000, 1, 31).unwrap();
        let date = NaiveDate::from_ymd_opt(200_000, 3, 15).unwrap();
        let index = index_of(anchor, BillingInterval::monthly(), date).unwrap().unwrap();
        assert_eq!(index, 4_800_001);
        assert!(period_at(anchor, BillingInterval::monthly(), index).unwrap().contains(date));
        let daily = index_of(anchor, every(IntervalUnit::Day, 1), date).unwrap().unwrap();
        assert!(period_at(anchor, every(IntervalUnit::Day, 1), daily).unwrap().contains(date));
    }

    // ---- proration ----

    #[test]
    fn february_from_the_tenth_is_19_of_28() {
        let period = Period::new(d("2025-02-01"), d("2025-03-01")).unwrap();
        let ratio = day_ratio(period, d("2025-02-10"), d("2025-03-01")).unwrap();
        assert_eq!(ratio, Ratio { numerator: 19, denominator: 28 });
        let fraction = day_fraction(period, d("2025-02-10"), d("2025-03-01")).unwrap();
        assert_eq!(fraction, Decimal::from(19) / Decimal::from(28));
        assert_eq!(fraction.round_dp(6), dec!(0.678571));
    }

    #[test]
    fn april_change_on_the_eleventh() {
        let april = Period::new(d("2025-04-01"), d("2025-05-01")).unwrap();
        assert_eq!(april.days(), 30);
        let change = d("2025-04-11");
        let used = day_ratio(april, april.start, change).unwrap();
        let remaining = day_ratio(april, change, april.end).unwrap();
        assert_eq!(used, Ratio { numerator: 10, denominator: 30 });
        assert_eq!(remaining, Ratio { numerator: 20, denominator: 30 });

        // Decimal route: multiply, then round once.
        let remaining_fraction = day_fraction(april, change, april.end).unwrap();
        assert_eq!((dec!(30.00) * remaining_fraction).round_dp(2), dec!(20.00));
        assert_eq!((dec!(90.00) * remaining_fraction).round_dp(2), dec!(60.00));

        // Integer route: minor units in i128, one division.
        let prorate = |minor: i128, r: Ratio| minor * i128::from(r.numerator) / i128::from(r.denominator);
        assert_eq!(prorate(3000, remaining), 2000);
        assert_eq!(prorate(9000, remaining), 6000);
        assert_eq!(prorate(3000, used) + prorate(3000, remaining), 3000);
    }

    #[rstest]
    // wholly before, wholly after, clipped at both ends, empty range
    #[case("2025-03-01", "2025-03-20", 0)]
    #[case("2025-05-01", "2025-06-01", 0)]
    #[case("2025-03-15", "2025-04-05", 4)]
    #[case("2025-04-25", "2025-05-10", 6)]
    #[case("2025-03-01", "2025-06-01", 30)]
    #[case("2025-04-11", "2025-04-11", 0)]
    fn day_ratio_clips_to_period(#[case] from: &str, #[case] to: &str, #[case] days: i64) {
        let april = Period::new(d("2025-04-01"), d("2025-05-01")).unwrap();
        assert_eq!(day_ratio(april, d(from), d(to)), Ok(Ratio { numerator: days, denominator: 30 }));
    }

    #[test]
    fn day_ratio_rejects_bad_input() {
        let april = Period::new(d("2025-04-01"), d("2025-05-01")).unwrap();
        assert_eq!(day_ratio(april, d("2025-04-20"), d("2025-04-10")), Err(PeriodError::InvertedRange));
        let hand_built = Period { start: april.end, end: april.start };
        assert_eq!(day_fraction(hand_built, april.start, april.end), Err(PeriodError::EmptyPeriod));
        assert_eq!(Ratio { numerator: 1, denominator: 0 }.to_decimal(), Err(PeriodError::EmptyPeriod));
    }

    #[test]
    fn second_ratio_vectors() {
        let start = t("2025-04-01T00:00:00Z");
        let end = t("2025-05-01T00:00:00Z");
        let ratio = second_ratio(start, end, t("2025-04-11T12:00:00Z"), end).unwrap();
        assert_eq!(ratio, Ratio { numerator: 39 * 43_200, denominator: 30 * 86_400 });
        assert_eq!(second_fraction(start, end, t("2025-04-11T12:00:00Z"), end), Ok(dec!(0.65)));
        // Sub-second parts are dropped.
        let with_millis = Utc.timestamp_opt(start.timestamp() + 86_400, 999_000_000).unwrap();
        assert_eq!(
            second_ratio(start, end, start, with_millis),
            Ok(Ratio { numerator: 86_400, denominator: 30 * 86_400 })
        );
        assert_eq!(second_fraction(end, start, start, end), Err(PeriodError::EmptyPeriod));
        assert_eq!(second_ratio(start, end, end, start), Err(PeriodError::InvertedRange));
    }

    // ---- properties ----

    /// Days from 1990-01-01 to 2100-12-31.
    const ANCHOR_SPAN: u64 = 40_541;

    fn any_anchor() -> impl Strategy<Value = NaiveDate> {
        (0..=ANCHOR_SPAN).prop_map(|offset| d("1990-01-01").checked_add_days(Days::new(offset)).unwrap())
    }

    fn any_unit() -> impl Strategy<Value = IntervalUnit> {
        prop_oneof![
            Just(IntervalUnit::Day),
            Just(IntervalUnit::Week),
            Just(IntervalUnit::Month),
            Just(IntervalUnit::Year),
        ]
    }

    fn any_interval() -> impl Strategy<Value = BillingInterval> {
        (any_unit(), 1..=12_u32).prop_map(|(unit, count)| every(unit, count))
    }

    proptest! {
        #[test]
        fn consecutive_periods_tile(anchor in any_anchor(), interval in any_interval(), index in 0..600_u32) {
            let this = period_at(anchor, interval, index).unwrap();
            let next = period_at(anchor, interval, index + 1).unwrap();
            prop_assert_eq!(this.end, next.start);
            prop_assert!(this.days() > 0);
            if index == 0 {
                prop_assert_eq!(this.start, anchor);
            }
        }

        #[test]
        fn monthly_starts_keep_anchor_day_or_month_end(anchor in any_anchor(), count in 1..=12_u32, index in 0..600_u32) {
            let start = period_start(anchor, every(IntervalUnit::Month, count), index).unwrap();
            let months = (start.year() - anchor.year()) * 12 + start.month() as i32 - anchor.month() as i32;
            prop_assert_eq!(i64::from(months), i64::from(index) * i64::from(count));
            if start.day() != anchor.day() {
                // Only a shorter month may move the day, and then to its last day.
                prop_assert!(start.day() < anchor.day());
                prop_assert_eq!(start.succ_opt().unwrap().day(), 1);
            }
        }

        #[test]
        fn index_of_inverts_period_start(anchor in any_anchor(), interval in any_interval(), index in 0..600_u32) {
            let start = period_start(anchor, interval, index).unwrap();
            prop_assert_eq!(index_of(anchor, interval, start), Ok(Some(index)));
            let day_before = start.pred_opt().unwrap();
            prop_assert_eq!(index_of(anchor, interval, day_before), Ok(index.checked_sub(1)));
        }

        #[test]
        fn index_of_finds_the_containing_period(anchor in any_anchor(), interval in any_interval(), offset in 0..40_000_u64) {
            let date = anchor.checked_add_days(Days::new(offset)).unwrap();
            let index = index_of(anchor, interval, date).unwrap().unwrap();
            prop_assert!(period_at(anchor, interval, index).unwrap().contains(date));
        }

        #[test]
        fn split_day_fractions_sum_to_one(anchor in any_anchor(), interval in any_interval(), index in 0..600_u32, cut in 0..=100_i64) {
            let period = period_at(anchor, interval, index).unwrap();
            let split = period.start + chrono::Duration::days(period.days() * cut / 100);
            let before = day_fraction(period, period.start, split).unwrap();
            let after = day_fraction(period, split, period.end).unwrap();
            prop_assert_eq!(before + after, Decimal::ONE);
        }

        #[test]
        fn many_way_split_ratios_sum_exactly(anchor in any_anchor(), interval in any_interval(), index in 0..600_u32, mut cuts in proptest::collection::vec(0..=1000_i64, 0..8)) {
            let period = period_at(anchor, interval, index).unwrap();
            cuts.sort_unstable();
            let mut edges = vec![period.start];
            edges.extend(cuts.iter().map(|c| period.start + chrono::Duration::days(period.days() * c / 1000)));
            edges.push(period.end);
            let total: i64 = edges.windows(2).map(|w| day_ratio(period, w[0], w[1]).unwrap().numerator).sum();
            prop_assert_eq!(total, period.days());
        }

        #[test]
        fn split_second_fractions_sum_to_one(length in 1..400_000_000_i64, cut in 0..=1000_i64, base in 0..4_000_000_000_i64) {
            let start = Utc.timestamp_opt(base, 0).unwrap();
            let end = Utc.timestamp_opt(base + length, 0).unwrap();
            let split = Utc.timestamp_opt(base + length * cut / 1000, 0).unwrap();
            let before = second_fraction(start, end, start, split).unwrap();
            let after = second_fraction(start, end, split, end).unwrap();
            prop_assert_eq!(before + after, Decimal::ONE);
        }
    }
}
