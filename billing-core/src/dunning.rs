//! Dunning policies and step selection, pure: which steps of a policy are due on a day and not
//! yet taken, which one comes next, and what a step's parameters are (a late fee, a level of the
//! German reminder ladder). The job that acts on them is `service::dunning`; the statutory
//! default interest of the German ladder is `crate::default_interest`.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::money::Money;
use crate::rounding::{RoundingMode, RoundingPolicy};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DunningAction {
    /// Charge the invoice again (skipped after a hard decline).
    Retry,
    /// Mail the customer (`OutboxMessage::DunningStep`).
    Email,
    /// Close the invoice as bad debt.
    MarkUncollectible,
    /// Charge a late fee (`fee`: fixed per currency or a percentage of the open amount) on a
    /// small invoice of its own, and tell the customer.
    LateFee,
    /// Refuse plan changes and new subscriptions (`account_restricted`) until the customer's
    /// invoices in dunning are paid.
    Restrict,
    /// Pause the customer's active subscriptions.
    PauseSubscriptions,
    /// Cancel the customer's subscriptions at once (no proration credit).
    CancelSubscriptions,
    /// German ladder, level 1: Zahlungserinnerung (a friendly reminder; no charges by default).
    PaymentReminder,
    /// Level 2: 1. Mahnung (statutory charges by default).
    FirstNotice,
    /// Level 3: 2. Mahnung.
    SecondNotice,
    /// Level 4: letzte Mahnung.
    FinalNotice,
}

impl DunningAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DunningAction::Retry => "retry",
            DunningAction::Email => "email",
            DunningAction::MarkUncollectible => "mark_uncollectible",
            DunningAction::LateFee => "late_fee",
            DunningAction::Restrict => "restrict",
            DunningAction::PauseSubscriptions => "pause_subscriptions",
            DunningAction::CancelSubscriptions => "cancel_subscriptions",
            DunningAction::PaymentReminder => "payment_reminder",
            DunningAction::FirstNotice => "first_notice",
            DunningAction::SecondNotice => "second_notice",
            DunningAction::FinalNotice => "final_notice",
        }
    }

    /// The level on the German reminder ladder (1 = Zahlungserinnerung .. 4 = letzte Mahnung).
    pub fn ladder_level(self) -> Option<u8> {
        match self {
            DunningAction::PaymentReminder => Some(1),
            DunningAction::FirstNotice => Some(2),
            DunningAction::SecondNotice => Some(3),
            DunningAction::FinalNotice => Some(4),
            _ => None,
        }
    }

    /// Whether a step with this action (taken, outcome `done`) mails the customer.
    pub fn mails_customer(action: &str) -> bool {
        matches!(
            action,
            "email"
                | "late_fee"
                | "restrict"
                | "pause_subscriptions"
                | "cancel_subscriptions"
                | "payment_reminder"
                | "first_notice"
                | "second_notice"
                | "final_notice"
        )
    }
}

/// How a late fee is computed: exactly one of a fixed amount per currency (minor units) or a
/// percentage of the amount still open on the invoice, rounded to the currency's minor unit with
/// the named `rounding` (default `half_up`, DIN 1333).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateFee {
    /// `{"EUR": 500, "USD": 500}`: the fee in minor units of each invoice currency. An invoice in
    /// a currency not listed gets no fee (the step is recorded `skipped` with the reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<BTreeMap<String, i64>>,
    /// `"2.5"`: percent of the open amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding: Option<RoundingMode>,
}

/// The largest late-fee percentage accepted (a typo guard; courts cap much lower).
pub const MAX_FEE_PERCENT: Decimal = Decimal::from_parts(50, 0, 0, false, 0);

impl LateFee {
    /// The fee on an invoice with `open` still to pay; `None` when the policy sets no fixed
    /// amount in its currency or the fee rounds to nothing.
    pub fn amount(&self, open: Money) -> Option<Money> {
        let fee = match (&self.fixed, self.percent) {
            (Some(fixed), _) => Money::from_minor(*fixed.get(open.currency().code())?, open.currency()),
            (None, Some(percent)) => {
                let policy = RoundingPolicy::new(self.rounding.unwrap_or_default());
                open.mul_decimal(percent / Decimal::ONE_HUNDRED, policy).ok()?
            }
            (None, None) => return None,
        };
        fee.is_positive().then_some(fee)
    }
}

/// One step: `action` on `day` days after the first failed collection attempt, with the
/// parameters its action takes (`fee` for `late_fee`; `charges` for the ladder's notices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyStep {
    pub day: u32,
    pub action: DunningAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<LateFee>,
    /// Ladder notices only: add the statutory default interest (§ 288 BGB) and, for a business,
    /// the EUR 40 flat fee. Default: every level but the Zahlungserinnerung.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges: Option<bool>,
}

impl PolicyStep {
    pub fn new(day: u32, action: DunningAction) -> Self {
        Self { day, action, fee: None, charges: None }
    }

    /// Whether this ladder notice adds the statutory charges.
    pub fn statutory_charges(&self) -> bool {
        match self.action.ladder_level() {
            Some(level) => self.charges.unwrap_or(level >= 2),
            None => false,
        }
    }
}

/// The latest day a step may have.
pub const MAX_DAY: u32 = 120;
/// The most steps a policy may have.
pub const MAX_STEPS: usize = 30;

/// A preset policy a tenant can choose instead of listing steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ladder {
    /// The German Mahnwesen: Zahlungserinnerung, 1. Mahnung, 2. Mahnung, letzte Mahnung, with
    /// default interest and the flat fee (§ 288 BGB) from the 1. Mahnung on.
    De,
}

impl Ladder {
    pub fn as_str(self) -> &'static str {
        match self {
            Ladder::De => "de",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "de").then_some(Ladder::De)
    }
}

/// Whom a policy other than the tenant's own is for (docs/adr/0046): the customers of a segment
/// (`customers.segment`, the price-list segment) or the invoices whose collection failed on a
/// kind of payment method (the method of the first failed attempt: `card` or `sepa_debit`). For
/// an invoice, a segment's policy comes first, then the method's, then the tenant's, then the
/// built-in default.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyScope {
    Segment(String),
    Method(&'static str),
}

/// The payment method kinds a policy can be chosen by.
pub const SCOPE_METHODS: [&str; 2] = ["card", "sepa_debit"];

impl PolicyScope {
    /// From the API's path: `segment/<code>` or `method/card|sepa_debit`.
    pub fn parse(kind: &str, name: &str) -> Result<Self, String> {
        match kind {
            "segment" => {
                let ok = !name.is_empty()
                    && name.len() <= 64
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if ok {
                    Ok(PolicyScope::Segment(name.to_string()))
                } else {
                    Err("a segment is 1-64 letters, digits, '-', '_' or '.'".to_string())
                }
            }
            "method" => SCOPE_METHODS
                .iter()
                .copied()
                .find(|m| *m == name)
                .map(PolicyScope::Method)
                .ok_or_else(|| format!("the method is one of {}", SCOPE_METHODS.join(", "))),
            _ => Err("the scope is `segment` or `method`".to_string()),
        }
    }

    /// As stored: `segment:<code>` or `method:<kind>`.
    pub fn key(&self) -> String {
        match self {
            PolicyScope::Segment(s) => format!("segment:{s}"),
            PolicyScope::Method(m) => format!("method:{m}"),
        }
    }

    /// From a stored key.
    pub fn from_key(key: &str) -> Option<Self> {
        let (kind, name) = key.split_once(':')?;
        Self::parse(kind, name).ok()
    }

    /// `segment` or `method`.
    pub fn kind(&self) -> &'static str {
        match self {
            PolicyScope::Segment(_) => "segment",
            PolicyScope::Method(_) => "method",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            PolicyScope::Segment(s) => s,
            PolicyScope::Method(m) => m,
        }
    }
}

/// An ordered list of steps; a step's number is its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    steps: Vec<PolicyStep>,
}

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    Empty,
    TooManySteps,
    /// `steps[index].day` is outside 1..=120.
    DayOutOfRange {
        index: usize,
    },
    /// `steps[index].day` is before the step before it.
    NotAscending {
        index: usize,
    },
    /// `steps[index]` is a `late_fee` without a valid `fee`, or has a `fee` it cannot use.
    BadFee {
        index: usize,
        reason: String,
    },
    /// `steps[index].fee.fixed` names a currency that does not exist.
    UnknownCurrency {
        index: usize,
        code: String,
    },
    /// `steps[index].charges` on an action that is not a ladder notice.
    ChargesNotAllowed {
        index: usize,
    },
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::Empty => write!(f, "a policy needs at least one step"),
            PolicyError::TooManySteps => write!(f, "a policy has at most {MAX_STEPS} steps"),
            PolicyError::DayOutOfRange { index } => write!(f, "steps[{index}].day must be from 1 to {MAX_DAY}"),
            PolicyError::NotAscending { index } => {
                write!(f, "steps[{index}].day is before the day of the step before it; days must ascend")
            }
            PolicyError::BadFee { index, reason } => write!(f, "steps[{index}].fee: {reason}"),
            PolicyError::UnknownCurrency { index, code } => {
                write!(f, "steps[{index}].fee.fixed: `{code}` is not an ISO 4217 currency code")
            }
            PolicyError::ChargesNotAllowed { index } => {
                write!(f, "steps[{index}].charges is only for ladder notices (payment_reminder .. final_notice)")
            }
        }
    }
}

impl PolicyError {
    /// The index of the step at fault, if one is.
    pub fn step(&self) -> Option<usize> {
        match self {
            PolicyError::Empty | PolicyError::TooManySteps => None,
            PolicyError::DayOutOfRange { index }
            | PolicyError::NotAscending { index }
            | PolicyError::BadFee { index, .. }
            | PolicyError::UnknownCurrency { index, .. }
            | PolicyError::ChargesNotAllowed { index } => Some(*index),
        }
    }
}

fn check_fee(index: usize, step: &PolicyStep) -> Result<(), PolicyError> {
    let bad = |reason: &str| PolicyError::BadFee { index, reason: reason.to_string() };
    let Some(fee) = &step.fee else {
        return if step.action == DunningAction::LateFee {
            Err(bad("a late_fee step needs a fee: {\"fixed\": {\"EUR\": 500}} or {\"percent\": \"2.5\"}"))
        } else {
            Ok(())
        };
    };
    if step.action != DunningAction::LateFee {
        return Err(bad("only a late_fee step takes a fee"));
    }
    match (&fee.fixed, fee.percent) {
        (Some(_), Some(_)) | (None, None) => Err(bad("give exactly one of fixed and percent")),
        (Some(fixed), None) => {
            if fixed.is_empty() {
                return Err(bad("fixed needs at least one currency"));
            }
            if fee.rounding.is_some() {
                return Err(bad("rounding is only for a percent fee"));
            }
            for (code, amount) in fixed {
                let currency = Currency::from_code(code)
                    .map_err(|_| PolicyError::UnknownCurrency { index, code: code.clone() })?;
                if currency.code() != code {
                    return Err(PolicyError::UnknownCurrency { index, code: code.clone() });
                }
                if *amount <= 0 || Money::bounded(*amount, currency).is_err() {
                    return Err(bad(&format!("the {code} amount must be a positive number of minor units")));
                }
            }
            Ok(())
        }
        (None, Some(percent)) => {
            if percent <= Decimal::ZERO || percent > MAX_FEE_PERCENT {
                return Err(bad(&format!("percent must be above 0 and at most {MAX_FEE_PERCENT}")));
            }
            Ok(())
        }
    }
}

impl Policy {
    /// Checks the steps: 1 to 30 of them, days in 1..=120, ascending (equal days keep their order).
    pub fn new(steps: Vec<PolicyStep>) -> Result<Self, PolicyError> {
        if steps.is_empty() {
            return Err(PolicyError::Empty);
        }
        if steps.len() > MAX_STEPS {
            return Err(PolicyError::TooManySteps);
        }
        for (index, s) in steps.iter().enumerate() {
            if !(1..=MAX_DAY).contains(&s.day) {
                return Err(PolicyError::DayOutOfRange { index });
            }
            if index > 0 && s.day < steps[index - 1].day {
                return Err(PolicyError::NotAscending { index });
            }
            check_fee(index, s)?;
            if s.charges.is_some() && s.action.ladder_level().is_none() {
                return Err(PolicyError::ChargesNotAllowed { index });
            }
        }
        Ok(Self { steps })
    }

    /// A policy from its stored or posted JSON list of steps (an unknown action or a malformed step
    /// is refused with serde's message; then [`Policy::new`]'s checks).
    pub fn from_json(steps: serde_json::Value) -> Result<Self, String> {
        Self::from_json_checked(steps).map_err(|e| match e {
            Ok(e) => e.to_string(),
            Err(serde) => serde,
        })
    }

    /// As [`Policy::from_json`], keeping the check that failed: `Err(Ok(_))` a step refused by
    /// the rules, `Err(Err(_))` JSON that is not a list of steps.
    pub fn from_json_checked(steps: serde_json::Value) -> Result<Self, Result<PolicyError, String>> {
        let steps: Vec<PolicyStep> = serde_json::from_value(steps).map_err(|e| Err(e.to_string()))?;
        Self::new(steps).map_err(Ok)
    }

    /// The German ladder (Mahnwesen) preset, counted from the first failed attempt: retries on
    /// days 3, 7 and 14; Zahlungserinnerung on day 7; 1. Mahnung on day 14 and 2. Mahnung on
    /// day 28, each with the default interest accrued since the last one (and, for a business,
    /// the EUR 40 flat fee once); the account restricted on day 28; letzte Mahnung on day 42.
    pub fn ladder(ladder: Ladder) -> Self {
        use DunningAction::*;
        match ladder {
            Ladder::De => Self {
                steps: vec![
                    PolicyStep::new(3, Retry),
                    PolicyStep::new(7, Retry),
                    PolicyStep::new(7, PaymentReminder),
                    PolicyStep::new(14, Retry),
                    PolicyStep::new(14, FirstNotice),
                    PolicyStep::new(28, SecondNotice),
                    PolicyStep::new(28, Restrict),
                    PolicyStep::new(42, FinalNotice),
                ],
            },
        }
    }

    /// When the next retry not yet taken is due, counted from the day of the first failure:
    /// `None` when the policy retries no more.
    pub fn next_retry_day(&self, taken: &BTreeSet<u32>) -> Option<u32> {
        self.numbered().find(|(n, s)| s.action == DunningAction::Retry && !taken.contains(n)).map(|(_, s)| s.day)
    }

    /// The policy of a tenant that has none: retry and mail on days 3, 7 and 14, mark the invoice
    /// uncollectible on day 30.
    pub fn default_policy() -> Self {
        use DunningAction::*;
        let mut steps = Vec::new();
        for day in [3, 7, 14] {
            steps.push(PolicyStep::new(day, Retry));
            steps.push(PolicyStep::new(day, Email));
        }
        steps.push(PolicyStep::new(30, MarkUncollectible));
        Self { steps }
    }

    pub fn steps(&self) -> &[PolicyStep] {
        &self.steps
    }

    /// The steps (number, step) due `days` days after the first failure and not in `taken`, in
    /// order. A step whose day has passed unseen (the job did not run that day) is still due.
    pub fn due(&self, days: i64, taken: &BTreeSet<u32>) -> Vec<(u32, PolicyStep)> {
        self.numbered()
            .filter(|(n, s)| i64::from(s.day) <= days && !taken.contains(n))
            .map(|(n, s)| (n, s.clone()))
            .collect()
    }

    /// The first step not yet taken, if any.
    pub fn next(&self, taken: &BTreeSet<u32>) -> Option<(u32, PolicyStep)> {
        self.numbered().find(|(n, _)| !taken.contains(n)).map(|(n, s)| (n, s.clone()))
    }

    /// The next step not yet taken that will act: with `retries_blocked` (a hard decline and no
    /// other payment method) a retry step would only be recorded as skipped, so the next step is
    /// the first one after it that is not a retry.
    pub fn next_acting(&self, taken: &BTreeSet<u32>, retries_blocked: bool) -> Option<(u32, PolicyStep)> {
        let skipped = |s: &PolicyStep| retries_blocked && s.action == DunningAction::Retry;
        self.numbered().find(|(n, s)| !taken.contains(n) && !skipped(s)).map(|(n, s)| (n, s.clone()))
    }

    fn numbered(&self) -> impl Iterator<Item = (u32, &PolicyStep)> + '_ {
        self.steps.iter().enumerate().map(|(i, s)| (u32::try_from(i + 1).unwrap_or(u32::MAX), s))
    }
}

#[cfg(test)]
mod tests {
    use super::DunningAction::*;
    use super::*;

    #[test]
    fn a_blocked_retry_is_not_the_next_action() {
        let p = Policy::default_policy();
        let none = BTreeSet::new();
        assert_eq!(p.next_acting(&none, false).map(|(n, s)| (n, s.action)), Some((1, Retry)));
        assert_eq!(p.next_acting(&none, true).map(|(n, s)| (n, s.action)), Some((2, Email)));
        let six: BTreeSet<u32> = (1..=6).collect();
        assert_eq!(p.next_acting(&six, true).map(|(n, s)| (n, s.action)), Some((7, MarkUncollectible)));
        let all: BTreeSet<u32> = (1..=7).collect();
        assert_eq!(p.next_acting(&all, true), None);
    }

    fn step(day: u32, action: DunningAction) -> PolicyStep {
        PolicyStep::new(day, action)
    }

    #[test]
    fn the_default_retries_and_mails_on_days_3_7_14_and_gives_up_on_day_30() {
        let p = Policy::default_policy();
        let days: Vec<(u32, &str)> = p.steps().iter().map(|s| (s.day, s.action.as_str())).collect();
        assert_eq!(
            days,
            [
                (3, "retry"),
                (3, "email"),
                (7, "retry"),
                (7, "email"),
                (14, "retry"),
                (14, "email"),
                (30, "mark_uncollectible")
            ]
        );
        assert_eq!(Policy::new(p.steps().to_vec()), Ok(p), "the default passes its own validation");
    }

    #[test]
    fn only_steps_whose_day_has_come_and_that_were_not_taken_are_due() {
        let p = Policy::default_policy();
        let none = BTreeSet::new();
        assert!(p.due(2, &none).is_empty());
        assert_eq!(p.due(3, &none), [(1, step(3, Retry)), (2, step(3, Email))]);
        let taken: BTreeSet<u32> = [1, 2].into();
        assert!(p.due(3, &taken).is_empty(), "a re-run the same day does nothing");
        assert_eq!(p.due(8, &taken), [(3, step(7, Retry)), (4, step(7, Email))]);
        // A job that did not run for weeks catches up with every missed step, in order.
        assert_eq!(p.due(40, &taken).iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3, 4, 5, 6, 7]);
        assert_eq!(p.next(&taken), Some((3, step(7, Retry))));
        assert_eq!(p.next(&(1..=7).collect()), None);
        assert_eq!((p.next_retry_day(&none), p.next_retry_day(&taken)), (Some(3), Some(7)));
        assert_eq!(p.next_retry_day(&(1..=5).collect()), None, "no retry after day 14");
    }

    #[test]
    fn a_policy_must_ascend_within_120_days() {
        assert_eq!(Policy::new(vec![]), Err(PolicyError::Empty));
        assert_eq!(Policy::new(vec![step(0, Email)]), Err(PolicyError::DayOutOfRange { index: 0 }));
        assert_eq!(Policy::new(vec![step(5, Email), step(121, Retry)]), Err(PolicyError::DayOutOfRange { index: 1 }));
        assert_eq!(Policy::new(vec![step(5, Email), step(4, Retry)]), Err(PolicyError::NotAscending { index: 1 }));
        assert_eq!(Policy::new(vec![step(1, Retry); 31]), Err(PolicyError::TooManySteps));
        assert!(Policy::new(vec![step(1, Retry), step(1, Email), step(120, MarkUncollectible)]).is_ok());
        let unknown = serde_json::from_str::<PolicyStep>(r#"{"day": 3, "action": "call"}"#);
        assert!(unknown.is_err(), "an unknown action is refused");
    }

    fn fee_step(fee: serde_json::Value) -> Result<Policy, String> {
        Policy::from_json(serde_json::json!([{ "day": 5, "action": "late_fee", "fee": fee }]))
    }

    #[test]
    fn a_late_fee_is_fixed_per_currency_or_a_percentage_with_a_named_rounding() {
        use crate::currency::Currency;
        let fixed = fee_step(serde_json::json!({ "fixed": { "EUR": 500 } })).unwrap();
        let fee = fixed.steps()[0].fee.clone().unwrap();
        assert_eq!(fee.amount(Money::from_minor(2_900, Currency::EUR)), Some(Money::from_minor(500, Currency::EUR)));
        assert_eq!(fee.amount(Money::from_minor(2_900, Currency::USD)), None, "no amount set for USD");
        // 2.5 % of 29.00 = 0.725: half up 0.73, half even 0.72, toward zero 0.72.
        for (mode, cents) in [("half_up", 73), ("half_even", 72), ("toward_zero", 72)] {
            let p = fee_step(serde_json::json!({ "percent": "2.5", "rounding": mode })).unwrap();
            let fee = p.steps()[0].fee.clone().unwrap();
            assert_eq!(
                fee.amount(Money::from_minor(2_900, Currency::EUR)),
                Some(Money::from_minor(cents, Currency::EUR)),
                "{mode}"
            );
        }
    }

    #[test]
    fn a_bad_late_fee_or_currency_is_refused_naming_the_step() {
        let err = |fee: serde_json::Value| {
            Policy::from_json_checked(
                serde_json::json!([{ "day": 1, "action": "email" }, { "day": 5, "action": "late_fee", "fee": fee }]),
            )
            .unwrap_err()
            .unwrap()
        };
        assert!(matches!(err(serde_json::json!({ "fixed": { "EUR": 0 } })), PolicyError::BadFee { index: 1, .. }));
        assert!(matches!(err(serde_json::json!({ "percent": "-1" })), PolicyError::BadFee { index: 1, .. }));
        assert!(matches!(err(serde_json::json!({ "percent": "50.01" })), PolicyError::BadFee { .. }));
        assert!(matches!(err(serde_json::json!({})), PolicyError::BadFee { .. }));
        assert_eq!(
            err(serde_json::json!({ "fixed": { "ABC": 100 } })),
            PolicyError::UnknownCurrency { index: 1, code: "ABC".into() }
        );
        let no_fee = Policy::new(vec![step(3, DunningAction::LateFee)]);
        assert!(matches!(no_fee, Err(PolicyError::BadFee { index: 0, .. })));
        let mut with_fee = step(3, Email);
        with_fee.fee = Some(super::LateFee { fixed: None, percent: Some(Decimal::ONE), rounding: None });
        assert!(matches!(Policy::new(vec![with_fee]), Err(PolicyError::BadFee { .. })), "only a late_fee takes a fee");
        let mut charges = step(3, Restrict);
        charges.charges = Some(true);
        assert_eq!(Policy::new(vec![charges]), Err(PolicyError::ChargesNotAllowed { index: 0 }));
    }

    #[test]
    fn the_german_ladder_has_four_levels_and_charges_from_the_first_mahnung() {
        let p = Policy::ladder(Ladder::De);
        assert_eq!(Policy::new(p.steps().to_vec()), Ok(p.clone()), "the preset passes its own validation");
        let levels: Vec<(u32, u8, bool)> = p
            .steps()
            .iter()
            .filter_map(|s| s.action.ladder_level().map(|l| (s.day, l, s.statutory_charges())))
            .collect();
        assert_eq!(levels, [(7, 1, false), (14, 2, true), (28, 3, true), (42, 4, true)]);
        assert_eq!(Ladder::parse("de"), Some(Ladder::De));
        assert_eq!(Ladder::parse("at"), None);
        assert!(DunningAction::mails_customer("first_notice") && !DunningAction::mails_customer("retry"));
    }

    #[test]
    fn a_policy_scope_is_a_segment_code_or_a_method_kind() {
        assert_eq!(PolicyScope::parse("segment", "schools"), Ok(PolicyScope::Segment("schools".into())));
        assert_eq!(PolicyScope::parse("method", "sepa_debit").map(|s| s.key()), Ok("method:sepa_debit".into()));
        assert!(PolicyScope::parse("method", "cash").is_err());
        assert!(PolicyScope::parse("segment", "a b").is_err() && PolicyScope::parse("segment", "").is_err());
        assert!(PolicyScope::parse("country", "DE").is_err());
        assert_eq!(PolicyScope::from_key("segment:k-12"), Some(PolicyScope::Segment("k-12".into())));
        assert_eq!(
            PolicyScope::from_key("method:card").map(|s| (s.kind(), s.name().to_string())),
            Some(("method", "card".into()))
        );
        assert_eq!(PolicyScope::from_key("tenant"), None);
    }
}
