//! Metered usage: usage events, de-duplication by event id, and aggregation of a window into one quantity.
//!
//! Aggregation produces a quantity, not money: it never rounds. The quantity is then priced by
//! [`crate::rating`].

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why usage could not be aggregated.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// The window ends before it starts.
    #[error("usage window is inverted: it ends before it starts")]
    InvertedWindow,
    /// The exact sum does not fit in a `Decimal` (or its values have scales too far apart to be
    /// added exactly). Refused rather than rounded, since usage is billed.
    #[error("usage sum out of range")]
    Overflow,
}

/// How the events of a window become one quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The sum of the values (GB transferred, API calls reported in batches).
    Sum,
    /// The number of events; values are ignored.
    Count,
    /// The largest value (peak seats, peak storage); 0 for an empty window. If every value in
    /// the window is negative, the result is the largest of them, not 0.
    Max,
    /// The number of distinct `property` values (active users by user id); events without a
    /// property are ignored.
    UniqueCount,
    /// The value of the latest event (a gauge reading); on equal timestamps the event with the
    /// greatest id wins, so the result never depends on the order events arrive in.
    Last,
}

impl Aggregation {
    pub fn as_str(&self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Count => "count",
            Aggregation::Max => "max",
            Aggregation::UniqueCount => "unique_count",
            Aggregation::Last => "last",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "sum" => Aggregation::Sum,
            "count" => Aggregation::Count,
            "max" => Aggregation::Max,
            "unique_count" => Aggregation::UniqueCount,
            "last" => Aggregation::Last,
            _ => return None,
        })
    }
}

/// One reported usage event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEvent {
    /// The reporter's idempotency key: two events with the same id are the same event.
    pub id: String,
    pub timestamp: DateTime<Utc>,
    pub value: Decimal,
    /// What [`Aggregation::UniqueCount`] counts distinct values of.
    pub property: Option<String>,
}

/// Drops every event whose id was already seen, keeping the first occurrence and the order.
///
/// Event ids are idempotency keys: a reporter that retries after a timeout sends the same event
/// again, and it must count once. The first one wins because it is the one that was accepted;
/// a retry carrying different data is a reporter bug, not a correction. The usage store enforces
/// the same rule with a unique index; this function states it for code that holds events in
/// memory.
pub fn dedupe_by_id(events: impl IntoIterator<Item = UsageEvent>) -> Vec<UsageEvent> {
    let mut seen = HashSet::new();
    events.into_iter().filter(|event| seen.insert(event.id.clone())).collect()
}

/// Aggregates the events with `window_start <= timestamp < window_end`.
///
/// The window is half-open like billing periods, so an event on the boundary between two
/// windows counts in exactly one of them. An empty window (or one without matching events)
/// aggregates to 0. Events are taken as given: de-duplicate them first with [`dedupe_by_id`].
pub fn aggregate(
    aggregation: Aggregation,
    events: &[UsageEvent],
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
) -> Result<Decimal, UsageError> {
    if window_end < window_start {
        return Err(UsageError::InvertedWindow);
    }
    let in_window = events.iter().filter(|e| window_start <= e.timestamp && e.timestamp < window_end);
    Ok(match aggregation {
        Aggregation::Sum => exact_sum(in_window.map(|e| e.value))?,
        Aggregation::Count => Decimal::from(in_window.count()),
        Aggregation::Max => in_window.map(|e| e.value).max().unwrap_or(Decimal::ZERO),
        Aggregation::UniqueCount => {
            let distinct: BTreeSet<&str> = in_window.filter_map(|e| e.property.as_deref()).collect();
            Decimal::from(distinct.len())
        }
        Aggregation::Last => in_window
            .max_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id)))
            .map_or(Decimal::ZERO, |e| e.value),
    })
}

/// The exact sum of `values`.
///
/// Adding `Decimal`s one by one would round whenever a partial sum needs more than 28 digits,
/// and then the result could depend on the order of the events. Instead every value is brought
/// to the largest scale present and the mantissas are added in `i128`, which is associative, so
/// the sum is the same for every order; a sum that does not fit is an error.
fn exact_sum(values: impl Iterator<Item = Decimal> + Clone) -> Result<Decimal, UsageError> {
    let scale = values.clone().map(|v| v.scale()).max().unwrap_or(0);
    let mut total: i128 = 0;
    for value in values {
        let factor = 10_i128.checked_pow(scale - value.scale()).ok_or(UsageError::Overflow)?;
        let scaled = value.mantissa().checked_mul(factor).ok_or(UsageError::Overflow)?;
        total = total.checked_add(scaled).ok_or(UsageError::Overflow)?;
    }
    Decimal::try_from_i128_with_scale(total, scale).map_err(|_| UsageError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().expect("test instant")
    }

    fn event(id: &str, at: &str, value: Decimal, property: Option<&str>) -> UsageEvent {
        UsageEvent { id: id.to_owned(), timestamp: t(at), value, property: property.map(str::to_owned) }
    }

    /// April 2026, with events before, on both edges of and after the window.
    fn april_events() -> Vec<UsageEvent> {
        vec![
            event("a", "2026-03-31T23:59:59Z", dec!(100), Some("u1")),
            event("b", "2026-04-01T00:00:00Z", dec!(2.5), Some("u1")),
            event("c", "2026-04-10T12:00:00Z", dec!(7), Some("u2")),
            event("d", "2026-04-20T08:30:00Z", dec!(1.25), None),
            event("e", "2026-04-30T23:59:59.999Z", dec!(3), Some("u3")),
            event("f", "2026-05-01T00:00:00Z", dec!(1000), Some("u4")),
        ]
    }

    #[rstest]
    #[case(Aggregation::Sum, dec!(13.75))]
    #[case(Aggregation::Count, dec!(4))]
    #[case(Aggregation::Max, dec!(7))]
    #[case(Aggregation::UniqueCount, dec!(3))]
    #[case(Aggregation::Last, dec!(3))]
    fn april_window(#[case] aggregation: Aggregation, #[case] expected: Decimal) {
        let got = aggregate(aggregation, &april_events(), t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(got, Ok(expected));
    }

    #[rstest]
    // [start, end): the start instant is in, the end instant is out.
    #[case("2026-04-01T00:00:00Z", "2026-04-01T00:00:01Z", dec!(1))]
    #[case("2026-03-31T23:59:59Z", "2026-04-01T00:00:00Z", dec!(1))]
    #[case("2026-03-31T23:59:59Z", "2026-04-01T00:00:01Z", dec!(2))]
    #[case("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z", dec!(1))]
    #[case("2026-04-30T23:59:59.999Z", "2026-05-01T00:00:00Z", dec!(1))]
    #[case("2026-04-01T00:00:00.001Z", "2026-04-10T12:00:00Z", dec!(0))]
    #[case("2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z", dec!(0))]
    #[case("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", dec!(6))]
    fn window_boundaries(#[case] start: &str, #[case] end: &str, #[case] count: Decimal) {
        assert_eq!(aggregate(Aggregation::Count, &april_events(), t(start), t(end)), Ok(count));
    }

    #[rstest]
    #[case(Aggregation::Sum)]
    #[case(Aggregation::Count)]
    #[case(Aggregation::Max)]
    #[case(Aggregation::UniqueCount)]
    #[case(Aggregation::Last)]
    fn empty_is_zero(#[case] aggregation: Aggregation) {
        let (start, end) = (t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(aggregate(aggregation, &[], start, end), Ok(Decimal::ZERO));
        let outside = &april_events()[..1];
        assert_eq!(aggregate(aggregation, outside, start, end), Ok(Decimal::ZERO));
    }

    #[test]
    fn inverted_window_is_refused() {
        let got = aggregate(Aggregation::Sum, &april_events(), t("2026-05-01T00:00:00Z"), t("2026-04-01T00:00:00Z"));
        assert_eq!(got, Err(UsageError::InvertedWindow));
    }

    #[rstest]
    // Same timestamp: the greatest id wins, whatever the order.
    #[case(&[("x", "2026-04-05T00:00:00Z", 1), ("y", "2026-04-05T00:00:00Z", 2)], 2)]
    #[case(&[("y", "2026-04-05T00:00:00Z", 2), ("x", "2026-04-05T00:00:00Z", 1)], 2)]
    // The latest timestamp wins over a greater id and over arrival order.
    #[case(&[("z", "2026-04-05T00:00:00Z", 1), ("a", "2026-04-06T00:00:00Z", 2)], 2)]
    #[case(&[("a", "2026-04-06T00:00:00Z", 2), ("z", "2026-04-05T00:00:00Z", 1)], 2)]
    // A later reading may be lower: Last is a gauge, not a maximum.
    #[case(&[("a", "2026-04-05T00:00:00Z", 9), ("b", "2026-04-06T00:00:00Z", 0)], 0)]
    fn last_takes_the_latest_then_greatest_id(#[case] specs: &[(&str, &str, i64)], #[case] expected: i64) {
        let events: Vec<UsageEvent> =
            specs.iter().map(|&(id, at, value)| event(id, at, Decimal::from(value), None)).collect();
        let got = aggregate(Aggregation::Last, &events, t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(got, Ok(Decimal::from(expected)));
    }

    #[test]
    fn max_of_negative_values_is_the_largest_of_them() {
        let events = vec![
            event("a", "2026-04-02T00:00:00Z", dec!(-3), None),
            event("b", "2026-04-03T00:00:00Z", dec!(-1), None),
        ];
        let got = aggregate(Aggregation::Max, &events, t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(got, Ok(dec!(-1)));
    }

    #[test]
    fn unique_count_ignores_missing_properties_and_duplicates() {
        let events = vec![
            event("a", "2026-04-02T00:00:00Z", dec!(1), Some("alice")),
            event("b", "2026-04-03T00:00:00Z", dec!(1), Some("bob")),
            event("c", "2026-04-04T00:00:00Z", dec!(1), Some("alice")),
            event("d", "2026-04-05T00:00:00Z", dec!(1), None),
            // Case matters: property values are opaque identifiers.
            event("e", "2026-04-06T00:00:00Z", dec!(1), Some("Alice")),
        ];
        let got = aggregate(Aggregation::UniqueCount, &events, t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(got, Ok(dec!(3)));
    }

    #[test]
    fn sum_is_exact_across_scales() {
        // 1e21 + 1e-8 needs 30 significant digits, more than a Decimal holds: Decimal addition
        // would round the small value away; the exact sum refuses instead.
        let events = vec![
            event("a", "2026-04-02T00:00:00Z", dec!(1000000000000000000000), None),
            event("b", "2026-04-03T00:00:00Z", dec!(0.00000001), None),
        ];
        let window = (t("2026-04-01T00:00:00Z"), t("2026-05-01T00:00:00Z"));
        assert_eq!(aggregate(Aggregation::Sum, &events, window.0, window.1), Err(UsageError::Overflow));
        let fits = vec![
            event("a", "2026-04-02T00:00:00Z", dec!(1000000000000), None),
            event("b", "2026-04-03T00:00:00Z", dec!(0.00000001), None),
            event("c", "2026-04-04T00:00:00Z", dec!(-0.5), None),
        ];
        assert_eq!(aggregate(Aggregation::Sum, &fits, window.0, window.1), Ok(dec!(999999999999.50000001)));
        let max = vec![
            event("a", "2026-04-02T00:00:00Z", Decimal::MAX, None),
            event("b", "2026-04-03T00:00:00Z", dec!(1), None),
        ];
        assert_eq!(aggregate(Aggregation::Sum, &max, window.0, window.1), Err(UsageError::Overflow));
    }

    #[test]
    fn dedupe_keeps_the_first_of_each_id_in_order() {
        let events = vec![
            event("a", "2026-04-02T00:00:00Z", dec!(1), None),
            event("b", "2026-04-03T00:00:00Z", dec!(2), None),
            event("a", "2026-04-04T00:00:00Z", dec!(99), None),
            event("c", "2026-04-05T00:00:00Z", dec!(3), None),
            event("b", "2026-04-01T00:00:00Z", dec!(98), None),
        ];
        let kept = dedupe_by_id(events.clone());
        assert_eq!(kept, vec![events[0].clone(), events[1].clone(), events[3].clone()]);
        assert!(dedupe_by_id(Vec::new()).is_empty());
    }

    #[test]
    fn serde_shapes() {
        assert_eq!(serde_json::to_string(&Aggregation::UniqueCount).unwrap(), "\"unique_count\"");
        assert_eq!(serde_json::from_str::<Aggregation>("\"last\"").unwrap(), Aggregation::Last);
        assert!(serde_json::from_str::<Aggregation>("\"UniqueCount\"").is_err());
        let e = event("evt_1", "2026-04-02T10:00:00Z", dec!(1.5), Some("u1"));
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"id":"evt_1","timestamp":"2026-04-02T10:00:00Z","value":"1.5","property":"u1"}"#);
        assert_eq!(serde_json::from_str::<UsageEvent>(&json).unwrap(), e);
    }

    // ---- properties ----

    const BASE: i64 = 1_775_000_000;

    fn any_events() -> impl Strategy<Value = Vec<UsageEvent>> {
        let one = (0..1000_u32, 0..100_000_i64, -1_000_000_i64..=1_000_000, 0..=6_u32, proptest::option::of(0..20_u8));
        proptest::collection::vec(one, 0..60).prop_map(|specs| {
            specs
                .into_iter()
                .map(|(id, offset, mantissa, scale, property)| UsageEvent {
                    id: format!("evt_{id}"),
                    timestamp: Utc.timestamp_opt(BASE + offset, 0).unwrap(),
                    value: Decimal::new(mantissa, scale),
                    property: property.map(|p| format!("user_{p}")),
                })
                .collect()
        })
    }

    fn any_window() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
        (-1000..101_000_i64, 0..101_000_i64).prop_map(|(start, length)| {
            let start = Utc.timestamp_opt(BASE + start, 0).unwrap();
            (start, start + Duration::seconds(length))
        })
    }

    fn any_aggregation() -> impl Strategy<Value = Aggregation> {
        prop_oneof![
            Just(Aggregation::Sum),
            Just(Aggregation::Count),
            Just(Aggregation::Max),
            Just(Aggregation::UniqueCount),
            Just(Aggregation::Last),
        ]
    }

    proptest! {
        #[test]
        fn sum_is_order_independent(events in any_events(), (start, end) in any_window(), seed in any::<usize>()) {
            let mut shuffled = events.clone();
            shuffled.reverse();
            if !shuffled.is_empty() {
                let len = shuffled.len();
                shuffled.rotate_left(seed % len);
            }
            let forward = aggregate(Aggregation::Sum, &events, start, end);
            prop_assert_eq!(&forward, &aggregate(Aggregation::Sum, &shuffled, start, end));
            // And equal to the plain Decimal sum, which is exact for these small values.
            let inside = events.iter().filter(|e| start <= e.timestamp && e.timestamp < end);
            let reference: Decimal = inside.map(|e| e.value).sum();
            prop_assert_eq!(forward, Ok(reference));
        }

        #[test]
        fn every_aggregation_is_order_independent(
            events in any_events(),
            (start, end) in any_window(),
            aggregation in any_aggregation(),
        ) {
            let mut reversed = events.clone();
            reversed.reverse();
            prop_assert_eq!(aggregate(aggregation, &events, start, end), aggregate(aggregation, &reversed, start, end));
        }

        #[test]
        fn count_equals_the_events_in_the_window(events in any_events(), (start, end) in any_window()) {
            let inside = events.iter().filter(|e| e.timestamp >= start && e.timestamp < end).count();
            prop_assert_eq!(aggregate(Aggregation::Count, &events, start, end), Ok(Decimal::from(inside)));
        }

        #[test]
        fn adjacent_windows_add_up(events in any_events(), (start, end) in any_window(), cut in 0..=1000_i64) {
            // Half-open windows tile: splitting one window in two loses and doubles nothing.
            let middle = start + (end - start) * i32::try_from(cut).unwrap() / 1000;
            for aggregation in [Aggregation::Sum, Aggregation::Count] {
                let whole = aggregate(aggregation, &events, start, end).unwrap();
                let before = aggregate(aggregation, &events, start, middle).unwrap();
                let after = aggregate(aggregation, &events, middle, end).unwrap();
                let parts = before + after;
                prop_assert_eq!(whole, parts);
            }
        }

        #[test]
        fn dedupe_leaves_unique_ids_and_keeps_first_occurrences(events in any_events()) {
            let kept = dedupe_by_id(events.clone());
            let ids: HashSet<&str> = kept.iter().map(|e| e.id.as_str()).collect();
            prop_assert_eq!(ids.len(), kept.len());
            let all: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
            prop_assert_eq!(&ids, &all);
            for e in &kept {
                prop_assert_eq!(events.iter().find(|x| x.id == e.id), Some(e));
            }
        }
    }
}
