//! Card decline classification: hard declines are never retried automatically, soft ones within the Visa caps.
//!
//! The tables follow domain reference § 9.1 (Stripe's non-retryable list plus a "hard in practice" list that
//! mirrors the Visa decline categories) and § 9.2 (Visa Excessive Reattempts Rule). Stripe's `advice_code`, when
//! present, is the issuer's own instruction and therefore overrides the static table where it is explicit.

use serde::{Deserialize, Serialize};

/// Whether a declined charge may be retried automatically with the same payment method.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineClass {
    /// The issuer will not approve this card as it stands: stop automatic retries and ask the customer for
    /// a new payment method (Visa category 1, or category 3 where new card data is needed).
    Hard,
    /// The issuer cannot approve now: a later retry may succeed, within [`MAX_REATTEMPTS_PER_30_DAYS`].
    Soft,
}

/// A decline as reported by a gateway, with the class decided once when it is recorded.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Decline {
    /// The gateway's decline code, e.g. Stripe's `insufficient_funds`.
    pub code: String,
    pub class: DeclineClass,
    /// The gateway's retry advice (Stripe `advice_code`), if any.
    pub advice: Option<String>,
    /// The gateway's message, for the ledger and support staff; never shown to customers verbatim, since
    /// for `fraudulent` the customer must only be told "generic decline".
    pub message: Option<String>,
}

impl Decline {
    /// Records a decline, classifying it with [`classify`].
    pub fn new(code: impl Into<String>, advice: Option<String>, message: Option<String>) -> Decline {
        let code = code.into();
        let class = classify(&code, advice.as_deref());
        Decline { code, class, advice, message }
    }

    /// Whether another automatic attempt is allowed; see [`may_retry`].
    pub fn may_retry(&self, attempts_in_last_30_days: u32) -> bool {
        may_retry(self.class, attempts_in_last_30_days)
    }
}

/// Stripe's own "non-retryable decline codes": Smart Retries never execute these without a new payment method.
pub const STRIPE_NON_RETRYABLE: &[&str] = &[
    "incorrect_number",
    "lost_card",
    "pickup_card",
    "stolen_card",
    "revocation_of_authorization",
    "revocation_of_all_authorizations",
    "authentication_required",
    "highest_risk_level",
];

/// Codes Stripe does not list as non-retryable but that need new card data or customer action (Visa
/// categories 1 and 3). Retrying them unchanged only collects Visa reattempt fees.
pub const HARD_IN_PRACTICE: &[&str] = &[
    "fraudulent",
    "expired_card",
    "invalid_account",
    "invalid_expiry_year",
    "incorrect_cvc",
    "stop_payment_order",
    "restricted_card",
    "transaction_not_allowed",
    "card_not_supported",
    "currency_not_supported",
];

/// Codes known to be worth retrying later. `do_not_honor` and `generic_decline` are disputed (§ 9.1: sources
/// disagree); they are soft because Stripe itself retries them, and the reattempt cap still bounds the cost.
pub const SOFT: &[&str] = &[
    "insufficient_funds",
    "card_velocity_exceeded",
    "do_not_honor",
    "generic_decline",
    "try_again_later",
    "processing_error",
    "issuer_not_available",
    "reenter_transaction",
    "approve_with_id",
];

/// Visa charges every reattempt after the 15th within 30 days for category 2 and 3 declines (§ 9.2).
pub const MAX_REATTEMPTS_PER_30_DAYS: u32 = 15;

/// Classifies a gateway decline code, letting an explicit `advice_code` override the table.
///
/// - `advice_code` `do_not_try_again` forces [`DeclineClass::Hard`] and `try_again_later` forces
///   [`DeclineClass::Soft`]: the advice comes from the issuer for this very decline, so it beats a static
///   table. Other advice values (e.g. `confirm_card_data`) say nothing about timing and fall through.
/// - Codes in [`STRIPE_NON_RETRYABLE`] or [`HARD_IN_PRACTICE`] are hard.
/// - Everything else is soft, including codes this table does not know. Gateways add codes over time, and a
///   hard default would end dunning for a harmless new code; an unknown code treated as soft still stops at
///   the Visa reattempt cap enforced by [`may_retry`].
///
/// Codes are compared after trimming and ASCII lower-casing, as gateways are not consistent about case.
pub fn classify(code: &str, advice_code: Option<&str>) -> DeclineClass {
    match advice_code.map(|a| a.trim().to_ascii_lowercase()).as_deref() {
        Some("do_not_try_again") => return DeclineClass::Hard,
        Some("try_again_later") => return DeclineClass::Soft,
        _ => {}
    }
    let code = code.trim().to_ascii_lowercase();
    if STRIPE_NON_RETRYABLE.contains(&code.as_str()) || HARD_IN_PRACTICE.contains(&code.as_str()) {
        DeclineClass::Hard
    } else {
        DeclineClass::Soft
    }
}

/// Whether one more automatic attempt is allowed.
///
/// `attempts_in_last_30_days` counts every authorization attempt for this card and transaction in the
/// trailing 30 days, the original one included. Only the attempts after the original are reattempts in
/// Visa's sense, so the next attempt is reattempt number `attempts_in_last_30_days`; it is allowed while
/// that number is at most [`MAX_REATTEMPTS_PER_30_DAYS`]. A hard decline is never retried.
///
/// A cascade to another gateway with the same card is a reattempt too and must pass through here.
pub fn may_retry(class: DeclineClass, attempts_in_last_30_days: u32) -> bool {
    match class {
        DeclineClass::Hard => false,
        DeclineClass::Soft => attempts_in_last_30_days <= MAX_REATTEMPTS_PER_30_DAYS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("incorrect_number")]
    #[case("lost_card")]
    #[case("pickup_card")]
    #[case("stolen_card")]
    #[case("revocation_of_authorization")]
    #[case("revocation_of_all_authorizations")]
    #[case("authentication_required")]
    #[case("highest_risk_level")]
    #[case("fraudulent")]
    #[case("expired_card")]
    #[case("invalid_account")]
    #[case("invalid_expiry_year")]
    #[case("incorrect_cvc")]
    #[case("stop_payment_order")]
    #[case("restricted_card")]
    #[case("transaction_not_allowed")]
    #[case("card_not_supported")]
    #[case("currency_not_supported")]
    fn hard_codes(#[case] code: &str) {
        assert_eq!(classify(code, None), DeclineClass::Hard, "{code}");
        // The issuer's explicit advice wins over the table.
        assert_eq!(classify(code, Some("try_again_later")), DeclineClass::Soft, "{code}");
    }

    #[rstest]
    #[case("insufficient_funds")]
    #[case("card_velocity_exceeded")]
    #[case("do_not_honor")]
    #[case("generic_decline")]
    #[case("try_again_later")]
    #[case("processing_error")]
    #[case("issuer_not_available")]
    #[case("reenter_transaction")]
    #[case("approve_with_id")]
    fn soft_codes(#[case] code: &str) {
        assert_eq!(classify(code, None), DeclineClass::Soft, "{code}");
        assert_eq!(classify(code, Some("do_not_try_again")), DeclineClass::Hard, "{code}");
    }

    #[test]
    fn tables_cover_every_listed_code_once() {
        let all: Vec<&str> = STRIPE_NON_RETRYABLE.iter().chain(HARD_IN_PRACTICE).chain(SOFT).copied().collect();
        assert_eq!(all.len(), 27);
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), all.len(), "a code is listed twice");
    }

    #[rstest]
    #[case("some_code_added_next_year", None, DeclineClass::Soft)]
    #[case("", None, DeclineClass::Soft)]
    #[case("  Stolen_Card ", None, DeclineClass::Hard)]
    #[case("insufficient_funds", Some("DO_NOT_TRY_AGAIN"), DeclineClass::Hard)]
    #[case("insufficient_funds", Some("confirm_card_data"), DeclineClass::Soft)]
    #[case("expired_card", Some("confirm_card_data"), DeclineClass::Hard)]
    #[case("unknown", Some("do_not_try_again"), DeclineClass::Hard)]
    fn unknown_codes_and_advice(#[case] code: &str, #[case] advice: Option<&str>, #[case] class: DeclineClass) {
        assert_eq!(classify(code, advice), class);
    }

    #[rstest]
    #[case(DeclineClass::Soft, 0, true)]
    #[case(DeclineClass::Soft, 1, true)]
    #[case(DeclineClass::Soft, 15, true)]
    #[case(DeclineClass::Soft, 16, false)]
    #[case(DeclineClass::Soft, u32::MAX, false)]
    #[case(DeclineClass::Hard, 0, false)]
    #[case(DeclineClass::Hard, 1, false)]
    fn retry_cap(#[case] class: DeclineClass, #[case] attempts: u32, #[case] allowed: bool) {
        assert_eq!(may_retry(class, attempts), allowed);
    }

    #[test]
    fn decline_records_its_class() {
        let decline = Decline::new("lost_card", None, Some("Your card was declined.".into()));
        assert_eq!(decline.class, DeclineClass::Hard);
        assert!(!decline.may_retry(1));
        let soft = Decline::new("insufficient_funds", Some("try_again_later".into()), None);
        assert_eq!(soft.class, DeclineClass::Soft);
        assert!(soft.may_retry(3));
    }
}
