//! Customer surveys in the portal, the pure part: the three kinds and their scales, and when one
//! is asked (docs/adr/0029).
//!
//! - **CES** (customer effort, 1-7 "how easy was it") after a plan change, the hardest flow;
//! - **CSAT** (satisfaction, 1-5) after a completed self-service action: a plan change (after its
//!   CES), a card added, an invoice paid, a cancellation;
//! - **NPS** (0-10 "how likely to recommend" and a comment) on the overview, once the customer
//!   has used the portal for the merchant's waiting period, at most once per 90 days.
//!
//! Only the customer's newest completed action is asked about, within a week of it; each survey
//! is asked once per action (answered or dismissed), and an NPS only when no action survey is
//! waiting: at most one survey on a page.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SurveyKind {
    Nps,
    Csat,
    Ces,
}

impl SurveyKind {
    pub const ALL: [SurveyKind; 3] = [SurveyKind::Nps, SurveyKind::Csat, SurveyKind::Ces];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::Nps => "nps",
            SurveyKind::Csat => "csat",
            SurveyKind::Ces => "ces",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The lowest and highest score.
    pub fn scale(self) -> (i16, i16) {
        match self {
            SurveyKind::Nps => (0, 10),
            SurveyKind::Csat => (1, 5),
            SurveyKind::Ces => (1, 7),
        }
    }

    pub fn accepts(self, score: i16) -> bool {
        let (lo, hi) = self.scale();
        (lo..=hi).contains(&score)
    }
}

/// The self-service actions (as `portal_events.action` names them) a CSAT follows.
pub const CSAT_ACTIONS: &[&str] = &["change_plan", "add_payment_method", "pay_invoice", "cancel"];
/// The actions a CES follows.
pub const CES_ACTIONS: &[&str] = &["change_plan"];
/// How long after an action its survey is still asked.
pub const ACTION_WINDOW_DAYS: i64 = 7;
/// The least time between two NPS questions to the same customer (answered or dismissed).
pub const NPS_GAP_DAYS: i64 = 90;
/// The merchant's default waiting period before the first NPS question.
pub const DEFAULT_NPS_WAIT_DAYS: i32 = 30;

/// The customer's newest completed self-service action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedAction {
    /// Its `portal_events` row.
    pub event: i64,
    pub action: String,
    pub at: DateTime<Utc>,
    /// The surveys already asked about it (answered or dismissed).
    pub asked: Vec<SurveyKind>,
}

/// What decides whether a survey is asked now.
#[derive(Debug, Clone, Default)]
pub struct SurveyFacts {
    /// The customer's first recorded portal visit.
    pub first_use: Option<DateTime<Utc>>,
    /// The merchant's waiting period before the first NPS question, in days.
    pub nps_wait_days: i32,
    /// The customer's last NPS answer or dismissal.
    pub last_nps: Option<DateTime<Utc>>,
    pub last_action: Option<CompletedAction>,
}

/// A survey to ask, and about which action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub kind: SurveyKind,
    pub context_action: Option<String>,
    pub context_event: Option<i64>,
}

/// The survey about the customer's newest action, if one is waiting: its CES first (plan
/// change), then its CSAT.
pub fn action_offer(facts: &SurveyFacts, now: DateTime<Utc>) -> Option<Offer> {
    let a = facts.last_action.as_ref()?;
    if now - a.at > Duration::days(ACTION_WINDOW_DAYS) || a.at > now {
        return None;
    }
    let wanted = [(SurveyKind::Ces, CES_ACTIONS), (SurveyKind::Csat, CSAT_ACTIONS)];
    wanted
        .into_iter()
        .find(|(kind, actions)| actions.contains(&a.action.as_str()) && !a.asked.contains(kind))
        .map(|(kind, _)| Offer { kind, context_action: Some(a.action.clone()), context_event: Some(a.event) })
}

/// Whether the NPS question is due: the waiting period since the first visit has passed and no
/// NPS was answered or dismissed in the last 90 days.
pub fn nps_due(facts: &SurveyFacts, now: DateTime<Utc>) -> bool {
    let waited = facts.first_use.is_some_and(|f| now - f >= Duration::days(i64::from(facts.nps_wait_days.max(0))));
    let rested = facts.last_nps.is_none_or(|l| now - l >= Duration::days(NPS_GAP_DAYS));
    waited && rested
}

/// The one survey a page asks: an action's survey, else (where the page offers it) the NPS.
pub fn offer(facts: &SurveyFacts, now: DateTime<Utc>, nps_here: bool) -> Option<Offer> {
    action_offer(facts, now).or_else(|| {
        (nps_here && nps_due(facts, now)).then_some(Offer {
            kind: SurveyKind::Nps,
            context_action: None,
            context_event: None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(9, 0, 0).unwrap().and_utc()
            + Duration::days(i64::from(day))
    }

    fn action(name: &str, day: u32, asked: &[SurveyKind]) -> Option<CompletedAction> {
        Some(CompletedAction { event: 7, action: name.into(), at: at(day), asked: asked.to_vec() })
    }

    #[test]
    fn scales_are_the_usual_ones() {
        assert!(SurveyKind::Nps.accepts(0) && SurveyKind::Nps.accepts(10) && !SurveyKind::Nps.accepts(11));
        assert!(!SurveyKind::Csat.accepts(0) && SurveyKind::Csat.accepts(5) && !SurveyKind::Csat.accepts(6));
        assert!(SurveyKind::Ces.accepts(7) && !SurveyKind::Ces.accepts(8));
        assert_eq!(SurveyKind::parse("ces"), Some(SurveyKind::Ces));
        assert_eq!(SurveyKind::parse("xyz"), None);
    }

    #[test]
    fn a_plan_change_asks_effort_then_satisfaction_once_each() {
        let mut f = SurveyFacts { nps_wait_days: 30, last_action: action("change_plan", 1, &[]), ..Default::default() };
        assert_eq!(offer(&f, at(1), false).map(|o| o.kind), Some(SurveyKind::Ces));
        f.last_action = action("change_plan", 1, &[SurveyKind::Ces]);
        let o = offer(&f, at(2), false).unwrap();
        assert_eq!(
            (o.kind, o.context_event, o.context_action.as_deref()),
            (SurveyKind::Csat, Some(7), Some("change_plan"))
        );
        f.last_action = action("change_plan", 1, &[SurveyKind::Ces, SurveyKind::Csat]);
        assert_eq!(offer(&f, at(2), false), None);
    }

    #[test]
    fn other_actions_ask_satisfaction_within_a_week() {
        let mut f = SurveyFacts { last_action: action("add_payment_method", 1, &[]), ..Default::default() };
        assert_eq!(offer(&f, at(8), false).map(|o| o.kind), Some(SurveyKind::Csat));
        assert_eq!(offer(&f, at(9), false), None, "more than a week later");
        f.last_action = action("billing_details", 1, &[]);
        assert_eq!(offer(&f, at(1), false), None, "not a surveyed action");
    }

    #[test]
    fn nps_waits_for_the_merchants_period_and_then_rests_90_days() {
        let mut f = SurveyFacts { nps_wait_days: 30, first_use: Some(at(0)), ..Default::default() };
        assert!(!nps_due(&f, at(29)));
        assert!(nps_due(&f, at(30)));
        assert_eq!(offer(&f, at(30), false), None, "only where the page offers it");
        assert_eq!(offer(&f, at(30), true).map(|o| o.kind), Some(SurveyKind::Nps));
        f.last_nps = Some(at(30));
        assert!(!nps_due(&f, at(119)));
        assert!(nps_due(&f, at(120)));
        f.first_use = None;
        assert!(!nps_due(&f, at(200)), "never before a first visit");
    }

    #[test]
    fn a_waiting_action_survey_comes_before_the_nps() {
        let f = SurveyFacts {
            nps_wait_days: 0,
            first_use: Some(at(0)),
            last_action: action("cancel", 40, &[]),
            ..Default::default()
        };
        assert_eq!(offer(&f, at(40), true).map(|o| o.kind), Some(SurveyKind::Csat));
    }
}
