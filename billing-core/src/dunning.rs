//! Dunning policies and step selection, pure: which steps of a policy are due on a day and not
//! yet taken, which one comes next. The job that acts on them is `service::dunning`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

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
}

impl DunningAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DunningAction::Retry => "retry",
            DunningAction::Email => "email",
            DunningAction::MarkUncollectible => "mark_uncollectible",
        }
    }
}

/// One step: `action` on `day` days after the first failed collection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyStep {
    pub day: u32,
    pub action: DunningAction,
}

/// The latest day a step may have.
pub const MAX_DAY: u32 = 120;
/// The most steps a policy may have.
pub const MAX_STEPS: usize = 30;

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
        }
        Ok(Self { steps })
    }

    /// A policy from its stored or posted JSON list of steps (an unknown action or a malformed step
    /// is refused with serde's message; then [`Policy::new`]'s checks).
    pub fn from_json(steps: serde_json::Value) -> Result<Self, String> {
        let steps: Vec<PolicyStep> = serde_json::from_value(steps).map_err(|e| e.to_string())?;
        Self::new(steps).map_err(|e| e.to_string())
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
            steps.push(PolicyStep { day, action: Retry });
            steps.push(PolicyStep { day, action: Email });
        }
        steps.push(PolicyStep { day: 30, action: MarkUncollectible });
        Self { steps }
    }

    pub fn steps(&self) -> &[PolicyStep] {
        &self.steps
    }

    /// The steps (number, step) due `days` days after the first failure and not in `taken`, in
    /// order. A step whose day has passed unseen (the job did not run that day) is still due.
    pub fn due(&self, days: i64, taken: &BTreeSet<u32>) -> Vec<(u32, PolicyStep)> {
        self.numbered().filter(|(n, s)| i64::from(s.day) <= days && !taken.contains(n)).collect()
    }

    /// The first step not yet taken, if any.
    pub fn next(&self, taken: &BTreeSet<u32>) -> Option<(u32, PolicyStep)> {
        self.numbered().find(|(n, _)| !taken.contains(n))
    }

    /// The next step not yet taken that will act: with `retries_blocked` (a hard decline and no
    /// other payment method) a retry step would only be recorded as skipped, so the next step is
    /// the first one after it that is not a retry.
    pub fn next_acting(&self, taken: &BTreeSet<u32>, retries_blocked: bool) -> Option<(u32, PolicyStep)> {
        let skipped = |s: &PolicyStep| retries_blocked && s.action == DunningAction::Retry;
        self.numbered().find(|(n, s)| !taken.contains(n) && !skipped(s))
    }

    fn numbered(&self) -> impl Iterator<Item = (u32, PolicyStep)> + '_ {
        self.steps.iter().enumerate().map(|(i, s)| (u32::try_from(i + 1).unwrap_or(u32::MAX), *s))
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
        PolicyStep { day, action }
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
}
