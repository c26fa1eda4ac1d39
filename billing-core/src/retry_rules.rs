//! Card-network retry rules for automatic retries (docs/adr/0032), pure: the attempt cap per card,
//! Mastercard Merchant Advice Codes, and the decision dunning takes before it charges again.
//!
//! - **Cap**: at most [`MAX_ATTEMPTS_PER_30_DAYS`] attempts on one payment method within 30 days,
//!   counting every attempt (the collect job, dunning retries, the customer's pay-now). Visa charges
//!   every reattempt after the 15th within 30 days (domain reference § 9.2); counting the first
//!   attempt too keeps us one attempt on the safe side.
//! - **Merchant Advice Codes**: `02` ("try again later") allows a retry of the same card only
//!   [`MAC_02_WAIT_HOURS`] hours after the decline; `03` ("do not try again") and `21` ("payment
//!   cancelled", the cardholder stopped recurring payments) are hard declines; `24`–`30` (insufficient
//!   funds: "retry after 1 hour", "24 hours", "2", "4", "6", "8", "10 days") allow a retry only after
//!   that wait.
//! - A hard decline is never retried on the same method (`crate::service::dunning`).

use chrono::{DateTime, TimeDelta, Utc};

/// Attempts on one payment method within [`WINDOW_DAYS`] days beyond which dunning does not retry.
pub const MAX_ATTEMPTS_PER_30_DAYS: u32 = 15;
/// The cap's sliding window.
pub const WINDOW_DAYS: i64 = 30;
/// Mastercard MAC 02: retry no sooner than 72 hours after the decline.
pub const MAC_02_WAIT_HOURS: i64 = 72;

/// What a Mastercard Merchant Advice Code says about retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// Retry, but not before this long after the decline.
    RetryAfter(TimeDelta),
    /// Never retry this card automatically.
    DoNotRetry,
}

/// The advice of a network advice code (`"02"`, `"03"`, `"21"`, `"24"`–`"30"`; surrounding blanks and a missing
/// leading zero are tolerated); `None` for codes that say nothing about retrying.
pub fn network_advice(code: &str) -> Option<Advice> {
    match code.trim().trim_start_matches('0') {
        "2" => Some(Advice::RetryAfter(TimeDelta::hours(MAC_02_WAIT_HOURS))),
        "3" | "21" => Some(Advice::DoNotRetry),
        // The insufficient-funds advices: retry after 1 hour, 24 hours, 2, 4, 6, 8 or 10 days.
        "24" => Some(Advice::RetryAfter(TimeDelta::hours(1))),
        "25" => Some(Advice::RetryAfter(TimeDelta::hours(24))),
        "26" => Some(Advice::RetryAfter(TimeDelta::days(2))),
        "27" => Some(Advice::RetryAfter(TimeDelta::days(4))),
        "28" => Some(Advice::RetryAfter(TimeDelta::days(6))),
        "29" => Some(Advice::RetryAfter(TimeDelta::days(8))),
        "30" => Some(Advice::RetryAfter(TimeDelta::days(10))),
        _ => None,
    }
}

/// The decline class after the network's advice: `hard` when the advice says never to retry,
/// otherwise the gateway's own class.
pub fn class_with_advice<'a>(class: &'a str, network_advice_code: Option<&str>) -> &'a str {
    match network_advice_code.and_then(network_advice) {
        Some(Advice::DoNotRetry) => "hard",
        _ => class,
    }
}

/// The earliest time a retry of the same method is allowed after a decline at `declined_at`.
pub fn retry_after(declined_at: DateTime<Utc>, network_advice_code: Option<&str>) -> Option<DateTime<Utc>> {
    match network_advice_code.and_then(network_advice) {
        Some(Advice::RetryAfter(wait)) => Some(declined_at + wait),
        _ => None,
    }
}

/// What dunning knows when a retry step is due.
#[derive(Debug, Clone)]
pub struct RetryInput {
    /// The latest attempt was hard-declined and the method dunning would charge is the one declined.
    pub hard_declined_same_method: bool,
    /// The latest decline's retry-after time, when the method to charge is the one declined.
    pub retry_after: Option<DateTime<Utc>>,
    /// Attempts on the method to charge in the last [`WINDOW_DAYS`] days, and the oldest of them.
    pub attempts_in_window: u32,
    pub oldest_in_window: Option<DateTime<Utc>>,
}

/// The decision on a due retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryDecision {
    Retry,
    /// Not retried: a hard decline on this method.
    SkipHardDecline,
    /// Not retried: the cap is reached; the window allows another attempt at `until`.
    SkipCap {
        attempts: u32,
        until: Option<DateTime<Utc>>,
    },
    /// Not yet: the network asked to wait until `until`.
    Defer {
        until: DateTime<Utc>,
    },
}

impl RetryDecision {
    /// The decision as the ledger stores it.
    pub fn as_str(&self) -> &'static str {
        match self {
            RetryDecision::Retry => "retried",
            RetryDecision::SkipHardDecline => "skipped_hard_decline",
            RetryDecision::SkipCap { .. } => "skipped_cap",
            RetryDecision::Defer { .. } => "deferred",
        }
    }

    /// Why, in words for the ledger (English, like the other reasons dunning records).
    pub fn reason(&self) -> String {
        match self {
            RetryDecision::Retry => "retried on the policy's schedule".into(),
            RetryDecision::SkipHardDecline => {
                "not retried: the last decline was hard and the customer has no other payment method".into()
            }
            RetryDecision::SkipCap { attempts, until } => {
                let until = until.map(|u| format!("; the next attempt is allowed from {}", u.to_rfc3339()));
                format!(
                    "not retried: {attempts} attempts on this payment method in the last {WINDOW_DAYS} days \
                     (at most {MAX_ATTEMPTS_PER_30_DAYS}){}",
                    until.unwrap_or_default()
                )
            }
            RetryDecision::Defer { until } => {
                format!("deferred: the card network asked to retry no sooner than {}", until.to_rfc3339())
            }
        }
    }
}

/// Decides a due retry at `now`: a hard decline blocks it; then the cap; then a retry-after time
/// still in the future defers it.
pub fn decide(input: &RetryInput, now: DateTime<Utc>) -> RetryDecision {
    if input.hard_declined_same_method {
        return RetryDecision::SkipHardDecline;
    }
    if input.attempts_in_window >= MAX_ATTEMPTS_PER_30_DAYS {
        let until = input.oldest_in_window.map(|t| t + TimeDelta::days(WINDOW_DAYS));
        return RetryDecision::SkipCap { attempts: input.attempts_in_window, until };
    }
    match input.retry_after {
        Some(until) if until > now => RetryDecision::Defer { until },
        _ => RetryDecision::Retry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn mastercards_insufficient_funds_advices_wait_as_long_as_they_say() {
        let t = at("2026-03-01T10:00:00Z");
        for (code, then) in [
            ("24", "2026-03-01T11:00:00Z"),
            ("25", "2026-03-02T10:00:00Z"),
            ("26", "2026-03-03T10:00:00Z"),
            ("27", "2026-03-05T10:00:00Z"),
            ("28", "2026-03-07T10:00:00Z"),
            ("29", "2026-03-09T10:00:00Z"),
            ("30", "2026-03-11T10:00:00Z"),
        ] {
            assert_eq!(retry_after(t, Some(code)), Some(at(then)), "MAC {code}");
            // A wait is a soft decline: the gateway's class stands.
            assert_eq!(class_with_advice("soft", Some(code)), "soft", "MAC {code}");
        }
        // Codes that say nothing about retrying (01 new account data, 04 token, 22, 40/41) leave it to the policy.
        for code in ["01", "04", "22", "40", "41", "31", "23"] {
            assert_eq!(retry_after(t, Some(code)), None, "MAC {code}");
        }
    }

    fn input() -> RetryInput {
        RetryInput {
            hard_declined_same_method: false,
            retry_after: None,
            attempts_in_window: 1,
            oldest_in_window: None,
        }
    }

    #[test]
    fn mastercard_advice_codes() {
        assert_eq!(network_advice("02"), Some(Advice::RetryAfter(TimeDelta::hours(72))));
        assert_eq!(network_advice(" 2"), Some(Advice::RetryAfter(TimeDelta::hours(72))));
        assert_eq!(network_advice("03"), Some(Advice::DoNotRetry));
        assert_eq!(network_advice("21"), Some(Advice::DoNotRetry));
        assert_eq!(network_advice("01"), None);
        assert_eq!(network_advice(""), None);
        assert_eq!(class_with_advice("soft", Some("21")), "hard");
        assert_eq!(class_with_advice("soft", Some("02")), "soft");
        assert_eq!(class_with_advice("hard", None), "hard");
        let t = at("2026-03-01T10:00:00Z");
        assert_eq!(retry_after(t, Some("02")), Some(at("2026-03-04T10:00:00Z")));
        assert_eq!(retry_after(t, Some("03")), None);
    }

    #[test]
    fn a_hard_decline_beats_the_cap_and_the_cap_beats_a_deferral() {
        let now = at("2026-03-04T07:00:00Z");
        let mut i = input();
        assert_eq!(decide(&i, now), RetryDecision::Retry);
        i.retry_after = Some(at("2026-03-04T10:00:00Z"));
        assert_eq!(decide(&i, now), RetryDecision::Defer { until: at("2026-03-04T10:00:00Z") });
        assert_eq!(decide(&i, at("2026-03-04T10:00:00Z")), RetryDecision::Retry, "at the time itself it may retry");
        i.attempts_in_window = 14;
        assert!(matches!(decide(&i, now), RetryDecision::Defer { .. }), "14 attempts leave room for a 15th");
        i.attempts_in_window = 15;
        i.oldest_in_window = Some(at("2026-02-20T00:00:00Z"));
        let cap = decide(&i, now);
        assert_eq!(cap, RetryDecision::SkipCap { attempts: 15, until: Some(at("2026-03-22T00:00:00Z")) });
        assert!(cap.reason().contains("15 attempts"), "{}", cap.reason());
        i.hard_declined_same_method = true;
        assert_eq!(decide(&i, now), RetryDecision::SkipHardDecline);
        assert_eq!(decide(&i, now).as_str(), "skipped_hard_decline");
    }
}
