//! Rounding rules: the one place that decides how an exact decimal becomes an amount with a fixed number of decimal places.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a value that lies between two representable amounts is resolved.
///
/// Serialized as snake_case strings (`"half_up"`, `"half_even"`, ...) so that
/// stored configuration stays readable and independent of variant order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Commercial rounding ("kaufmännisches Runden", DIN 1333): ties go away
    /// from zero, so 0.005 -> 0.01 and -0.005 -> -0.01. This is what invoices
    /// in most jurisdictions expect, hence the default.
    #[default]
    HalfUp,
    /// Banker's rounding: ties go to the even neighbour (0.005 -> 0.00,
    /// 0.015 -> 0.02). Avoids a systematic upward bias over many roundings.
    HalfEven,
    /// Truncation: drop the extra digits (1.999 -> 1.99, -1.999 -> -1.99).
    TowardZero,
    /// Any non-zero remainder moves the value away from zero (1.001 -> 1.01).
    AwayFromZero,
}

impl RoundingMode {
    /// The rust_decimal strategy implementing this mode. Spelled out per
    /// variant because `Decimal::round_dp` alone is banker's rounding, which
    /// would silently turn every "half up" into "half even".
    const fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::TowardZero => RoundingStrategy::ToZero,
            Self::AwayFromZero => RoundingStrategy::AwayFromZero,
        }
    }
}

/// A rounding rule applied when an exact decimal has to become money.
///
/// A struct rather than a bare mode so that later rules (e.g. cash rounding
/// to 0.05) can be added without changing every signature that takes one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct RoundingPolicy {
    pub mode: RoundingMode,
}

impl RoundingPolicy {
    /// Commercial rounding, half away from zero (DIN 1333).
    pub const COMMERCIAL: RoundingPolicy = RoundingPolicy { mode: RoundingMode::HalfUp };

    pub const fn new(mode: RoundingMode) -> RoundingPolicy {
        RoundingPolicy { mode }
    }

    /// Rounds `value` to at most `dp` decimal places with this policy.
    ///
    /// Values that already have `dp` or fewer decimal places come back
    /// unchanged (their scale is not raised).
    pub fn round(&self, value: Decimal, dp: u32) -> Decimal {
        let mut rounded = value.round_dp_with_strategy(dp, self.mode.strategy());
        // rust_decimal keeps the sign of a value that rounds to zero
        // (-0.001 -> -0.00); a "-0.00" must never reach an invoice.
        if rounded.is_zero() {
            rounded.set_sign_positive(true);
        }
        rounded
    }
}

impl Default for RoundingPolicy {
    fn default() -> Self {
        Self::COMMERCIAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    #[rstest]
    // Ties, both signs: the heart of commercial rounding.
    #[case(RoundingMode::HalfUp, dec!(0.005), 2, dec!(0.01))]
    #[case(RoundingMode::HalfUp, dec!(-0.005), 2, dec!(-0.01))]
    #[case(RoundingMode::HalfUp, dec!(0.015), 2, dec!(0.02))]
    #[case(RoundingMode::HalfUp, dec!(0.025), 2, dec!(0.03))]
    #[case(RoundingMode::HalfUp, dec!(2.5), 0, dec!(3))]
    #[case(RoundingMode::HalfUp, dec!(-2.5), 0, dec!(-3))]
    #[case(RoundingMode::HalfUp, dec!(1.0049), 2, dec!(1.00))]
    #[case(RoundingMode::HalfUp, dec!(-1.0049), 2, dec!(-1.00))]
    #[case(RoundingMode::HalfUp, dec!(1.0051), 2, dec!(1.01))]
    #[case(RoundingMode::HalfUp, dec!(0.0005), 3, dec!(0.001))]
    #[case(RoundingMode::HalfEven, dec!(0.005), 2, dec!(0.00))]
    #[case(RoundingMode::HalfEven, dec!(0.015), 2, dec!(0.02))]
    #[case(RoundingMode::HalfEven, dec!(0.025), 2, dec!(0.02))]
    #[case(RoundingMode::HalfEven, dec!(-0.025), 2, dec!(-0.02))]
    #[case(RoundingMode::HalfEven, dec!(-0.035), 2, dec!(-0.04))]
    #[case(RoundingMode::HalfEven, dec!(2.5), 0, dec!(2))]
    #[case(RoundingMode::HalfEven, dec!(3.5), 0, dec!(4))]
    #[case(RoundingMode::HalfEven, dec!(0.0251), 2, dec!(0.03))]
    #[case(RoundingMode::TowardZero, dec!(1.999), 2, dec!(1.99))]
    #[case(RoundingMode::TowardZero, dec!(-1.999), 2, dec!(-1.99))]
    #[case(RoundingMode::TowardZero, dec!(0.005), 2, dec!(0.00))]
    #[case(RoundingMode::TowardZero, dec!(-2.5), 0, dec!(-2))]
    #[case(RoundingMode::AwayFromZero, dec!(1.001), 2, dec!(1.01))]
    #[case(RoundingMode::AwayFromZero, dec!(-1.001), 2, dec!(-1.01))]
    #[case(RoundingMode::AwayFromZero, dec!(0.005), 2, dec!(0.01))]
    #[case(RoundingMode::AwayFromZero, dec!(2.1), 0, dec!(3))]
    // Already within the requested precision: untouched in every mode.
    #[case(RoundingMode::HalfUp, dec!(12.3), 2, dec!(12.3))]
    #[case(RoundingMode::AwayFromZero, dec!(-7), 2, dec!(-7))]
    fn rounds_per_mode(#[case] mode: RoundingMode, #[case] value: Decimal, #[case] dp: u32, #[case] expected: Decimal) {
        let got = RoundingPolicy::new(mode).round(value, dp);
        assert_eq!(got, expected, "{mode:?} {value} to {dp} dp");
        assert!(got.scale() <= dp);
    }

    #[rstest]
    #[case(RoundingMode::HalfUp, dec!(-0.001))]
    #[case(RoundingMode::HalfEven, dec!(-0.005))]
    #[case(RoundingMode::TowardZero, dec!(-0.009))]
    fn rounding_to_zero_drops_the_sign(#[case] mode: RoundingMode, #[case] value: Decimal) {
        let got = RoundingPolicy::new(mode).round(value, 2);
        assert!(got.is_zero());
        assert!(got.is_sign_positive());
        assert_eq!(got.to_string(), "0.00");
    }

    #[test]
    fn default_is_commercial_half_up() {
        assert_eq!(RoundingPolicy::default(), RoundingPolicy::COMMERCIAL);
        assert_eq!(RoundingPolicy::default().mode, RoundingMode::HalfUp);
        assert_eq!(RoundingMode::default(), RoundingMode::HalfUp);
    }

    #[rstest]
    #[case(RoundingMode::HalfUp, "\"half_up\"")]
    #[case(RoundingMode::HalfEven, "\"half_even\"")]
    #[case(RoundingMode::TowardZero, "\"toward_zero\"")]
    #[case(RoundingMode::AwayFromZero, "\"away_from_zero\"")]
    fn mode_serializes_as_snake_case(#[case] mode: RoundingMode, #[case] json: &str) {
        assert_eq!(serde_json::to_string(&mode).unwrap(), json);
        assert_eq!(serde_json::from_str::<RoundingMode>(json).unwrap(), mode);
    }

    #[test]
    fn unknown_mode_is_rejected() {
        assert!(serde_json::from_str::<RoundingMode>("\"HalfUp\"").is_err());
        assert!(serde_json::from_str::<RoundingMode>("\"half_down\"").is_err());
    }

    #[test]
    fn policy_serde_round_trip() {
        let policy = RoundingPolicy::new(RoundingMode::HalfEven);
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(json, r#"{"mode":"half_even"}"#);
        assert_eq!(serde_json::from_str::<RoundingPolicy>(&json).unwrap(), policy);
    }
}
