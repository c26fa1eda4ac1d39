//! The EUR 10 000 threshold of Art. 59c Directive 2006/112/EC (§ 3a Abs. 5 UStG).
//!
//! A supplier established in one member state only may tax its cross-border B2C telecommunication,
//! broadcasting and electronic services (and distance sales of goods) at home while their total,
//! across all other member states, "does not exceed EUR 10 000" in the current and the preceding
//! calendar year. Once it is exceeded during a year, Art. 58 (the customer's country) applies from
//! that supply on: the supply that crosses the threshold is already taxed at destination, and so is
//! everything for the rest of that year and the whole next one.
//!
//! This module is the arithmetic: which decisions count toward the threshold and when it is
//! exceeded. The turnover itself is summed from the issued documents by the caller
//! (`store::invoices::art59c_turnover`), in EUR.

use crate::money::Money;
use crate::tax::TaxDecision;

/// EUR 10 000.00 in cents.
pub const THRESHOLD_EUR_MINOR: i64 = 1_000_000;

/// Whether a supply decided with `rule` is an EU cross-border B2C supply, which counts toward the
/// threshold however it was taxed (at home below it, at destination above it).
pub fn counts(rule: &str) -> bool {
    rule.starts_with("eu_b2c_art") || rule.starts_with("eu_b2b_unconfirmed_vat_id_as_b2c_")
}

/// Whether a decision kept a cross-border B2C supply at home because of the threshold.
pub fn kept_at_home(decision: &TaxDecision) -> bool {
    decision.rule.ends_with("_home_below_threshold")
}

/// The seller's EU cross-border B2C net turnover in EUR cents: the whole previous calendar year,
/// and the current one up to now. Credit notes have already reduced it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Turnover {
    pub previous_year: i64,
    pub current_year: i64,
}

impl Turnover {
    /// Whether a further supply of `net_eur` cents is over the threshold: it already was last year,
    /// or this year's total including this supply exceeds EUR 10 000.
    pub fn exceeded_with(&self, net_eur: i64) -> bool {
        self.previous_year > THRESHOLD_EUR_MINOR || self.current_year.saturating_add(net_eur) > THRESHOLD_EUR_MINOR
    }

    /// Counts a supply into this year's total.
    pub fn add(&mut self, net_eur: Money) {
        self.current_year = self.current_year.saturating_add(net_eur.minor());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;

    #[test]
    fn exactly_ten_thousand_is_not_exceeded_one_cent_more_is() {
        let t = Turnover { previous_year: 0, current_year: 900_000 };
        assert!(!t.exceeded_with(100_000), "EUR 10 000.00 does not exceed EUR 10 000");
        assert!(t.exceeded_with(100_001));
        // The previous year alone decides too.
        assert!(Turnover { previous_year: 1_000_001, current_year: 0 }.exceeded_with(1));
        assert!(!Turnover { previous_year: 1_000_000, current_year: 0 }.exceeded_with(0));
    }

    #[test]
    fn supplies_accumulate_and_credit_notes_reduce() {
        let mut t = Turnover::default();
        t.add(Money::from_minor(600_000, Currency::EUR));
        t.add(Money::from_minor(-50_000, Currency::EUR));
        assert_eq!(t.current_year, 550_000);
        assert!(!t.exceeded_with(450_000) && t.exceeded_with(450_001));
    }

    #[test]
    fn which_rules_count() {
        for rule in [
            "eu_b2c_art59c_home_below_threshold",
            "eu_b2c_art59c_goods_home_below_threshold",
            "eu_b2c_art58_destination_oss",
            "eu_b2c_art33_distance_sale_registered",
            "eu_b2b_unconfirmed_vat_id_as_b2c_destination",
            "eu_b2b_unconfirmed_vat_id_as_b2c_home_below_threshold",
        ] {
            assert!(counts(rule), "{rule}");
        }
        for rule in ["domestic", "eu_b2b_reverse_charge", "outside_eu_not_taxable", "registered_non_eu_destination"] {
            assert!(!counts(rule), "{rule}");
        }
    }
}
