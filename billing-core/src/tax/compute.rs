//! Invoice VAT amounts: group lines by VAT category, rate and country, and round the VAT once per group.
//!
//! Why per group: § 14 Abs. 4 Nr. 7–8 UStG asks for the net amount and the tax amount *per tax rate*,
//! and EN 16931 computes the VAT category tax amount (BT-117) from the summed taxable amount of the
//! category and rate (BR-CO-17: BT-117 = BT-116 × BT-119 / 100, rounded to two decimals). Rounding per
//! line and adding up can differ by several cents from that and would make the e-invoice fail
//! validation. Rounding is commercial half-up by default (domain.md §6.2), but the caller's
//! [`RoundingPolicy`] decides.
//!
//! Tax-inclusive prices (B2C price lists): the group's gross sum is split as
//! VAT = round(gross × rate / (100 + rate)), net = gross − VAT, so net + VAT is exactly the gross the
//! customer was shown. The ratio rate / (100 + rate) is rarely a finite decimal (19/119), so the split
//! is computed as an exact integer fraction and rounded once.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::country::Country;
use crate::money::{Money, MoneyError};
use crate::rounding::RoundingPolicy;
use crate::tax::TaxError;
use crate::tax::rules::{TaxDecision, TaxNotice, VatCategory};

/// One invoice line after [`decide`](crate::tax::rules::decide).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TaxableLine {
    /// The line amount, already rounded to the currency: net, or gross when `compute` is called with
    /// `prices_include_tax`. Negative for credits and discounts.
    pub net: Money,
    pub decision: TaxDecision,
}

/// One VAT breakdown row (EN 16931 BG-23).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct TaxGroup {
    /// BT-118.
    pub category_code: VatCategory,
    /// BT-119, percent.
    pub rate: Decimal,
    /// Whose VAT (see [`TaxDecision::country`]).
    pub country: Option<Country>,
    /// BT-116: sum of the net line amounts of the group.
    pub taxable: Money,
    /// BT-117: VAT of the group, rounded once.
    pub tax: Money,
}

/// The VAT side of an invoice.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct TaxSummary {
    /// Sorted by category code (S, Z, E, AE, K, G, O), then rate (highest first), then country code
    /// (none first), so the same lines always give the same breakdown regardless of line order.
    pub groups: Vec<TaxGroup>,
    /// Every distinct notice of the lines, sorted; the invoice must print each (Art. 226(11), (11a)).
    pub notices: Vec<TaxNotice>,
    pub net_total: Money,
    pub tax_total: Money,
    /// Always exactly `net_total + tax_total`.
    pub gross_total: Money,
}

/// Group key: category, rate descending, country code. The rate is normalized (19.0 and 19 are one group).
type GroupKey = (VatCategory, Reverse<Decimal>, Option<&'static str>);

/// Computes the VAT breakdown of `lines` (all in one currency).
///
/// Errors: [`TaxError::NoLines`] for an empty slice (no currency to express zero in);
/// [`TaxError::Money`] for mixed currencies or overflow; [`TaxError::InvalidRate`] when a decision's
/// rate contradicts its category (EN 16931 BR-S-05: S needs a rate above 0; BR-Z-05, BR-E-05,
/// BR-AE-05, BR-IC-05, BR-G-05, BR-O-05: the others need 0) or is outside 0..=100.
pub fn compute(
    lines: &[TaxableLine],
    prices_include_tax: bool,
    policy: RoundingPolicy,
) -> Result<TaxSummary, TaxError> {
    let currency = lines.first().ok_or(TaxError::NoLines)?.net.currency();

    let mut groups: BTreeMap<GroupKey, (Option<Country>, Vec<Money>)> = BTreeMap::new();
    let mut notices: Vec<TaxNotice> = Vec::new();
    for line in lines {
        let decision = &line.decision;
        check_rate(decision.category_code, decision.rate)?;
        let key = (decision.category_code, Reverse(decision.rate.normalize()), decision.country.map(|c| c.code()));
        groups.entry(key).or_insert_with(|| (decision.country, Vec::new())).1.push(line.net);
        if let Some(notice) = decision.notice
            && !notices.contains(&notice)
        {
            notices.push(notice);
        }
    }
    notices.sort_unstable();

    let mut result = Vec::with_capacity(groups.len());
    for ((category_code, Reverse(rate), _), (country, amounts)) in groups {
        let sum = Money::sum(currency, amounts)?;
        let (taxable, tax) = if prices_include_tax {
            let tax = inclusive_tax(sum, rate, policy)?;
            (sum.checked_sub(tax)?, tax)
        } else {
            (sum, sum.mul_decimal(percent_to_factor(rate)?, policy)?)
        };
        result.push(TaxGroup { category_code, rate, country, taxable, tax });
    }

    let net_total = Money::sum(currency, result.iter().map(|g| g.taxable))?;
    let tax_total = Money::sum(currency, result.iter().map(|g| g.tax))?;
    let gross_total = net_total.checked_add(tax_total)?;
    Ok(TaxSummary { groups: result, notices, net_total, tax_total, gross_total })
}

fn check_rate(category: VatCategory, rate: Decimal) -> Result<(), TaxError> {
    let fits_category = match category {
        VatCategory::S => rate > Decimal::ZERO,
        _ => rate.is_zero(),
    };
    if fits_category && rate <= Decimal::ONE_HUNDRED { Ok(()) } else { Err(TaxError::InvalidRate(rate)) }
}

/// 19 → 0.19, exactly (a scale shift, no division).
fn percent_to_factor(rate: Decimal) -> Result<Decimal, TaxError> {
    Decimal::try_from_i128_with_scale(rate.mantissa(), rate.scale() + 2).map_err(|_| TaxError::InvalidRate(rate))
}

/// round(gross × rate / (100 + rate)) as money, computed exactly: with rate = m / 10^s this is
/// gross_minor × m / (100 × 10^s + m), an integer fraction rounded once with `policy`.
fn inclusive_tax(gross: Money, rate: Decimal, policy: RoundingPolicy) -> Result<Money, TaxError> {
    let invalid = || TaxError::InvalidRate(rate);
    let m = rate.mantissa();
    let scale = 10_i128.checked_pow(rate.scale()).ok_or_else(invalid)?;
    let denominator = scale.checked_mul(100).and_then(|d| d.checked_add(m)).ok_or_else(invalid)?;
    let numerator = i128::from(gross.minor()).checked_mul(m).ok_or(MoneyError::Overflow)?;
    let minor = round_fraction(numerator, denominator, policy).ok_or(MoneyError::Overflow)?;
    let minor = i64::try_from(minor).map_err(|_| MoneyError::Overflow)?;
    Ok(Money::from_minor(minor, gross.currency()))
}

/// numerator / denominator (denominator > 0) rounded to an integer with `policy`.
///
/// Every rounding mode only needs to know whether the discarded fraction is zero, below, at or above
/// one half, so the quotient plus a stand-in fraction of the same class (.00, .25, .50, .75) rounds
/// exactly like the true value, and `RoundingPolicy` stays the one place that decides.
fn round_fraction(numerator: i128, denominator: i128, policy: RoundingPolicy) -> Option<i128> {
    let magnitude = numerator.checked_abs()?;
    let (quotient, remainder) = (magnitude / denominator, magnitude % denominator);
    let stand_in = match (remainder * 2).cmp(&denominator) {
        _ if remainder == 0 => 0,
        core::cmp::Ordering::Less => 25,
        core::cmp::Ordering::Equal => 50,
        core::cmp::Ordering::Greater => 75,
    };
    let hundredths = quotient.checked_mul(100)?.checked_add(stand_in)?;
    let signed = if numerator < 0 { -hundredths } else { hundredths };
    let mut rounded = policy.round(Decimal::try_from_i128_with_scale(signed, 2).ok()?, 0);
    rounded.rescale(0);
    Some(rounded.mantissa())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;
    use crate::rounding::RoundingMode;
    use crate::tax::rules::{CustomerKind, CustomerProfile, SellerProfile, TaxCategory, decide};
    use crate::tax::vat_id::{VatId, VatIdStatus};
    use chrono::{NaiveDate, TimeZone, Utc};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    fn eur(text: &str) -> Money {
        Money::parse(text, Currency::EUR).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn s(rate: Decimal, country: &str) -> TaxDecision {
        TaxDecision { category_code: VatCategory::S, rate, country: Some(c(country)), notice: None, rule: "test" }
    }

    fn line(amount: &str, decision: &TaxDecision) -> TaxableLine {
        TaxableLine { net: eur(amount), decision: decision.clone() }
    }

    fn german_oss_seller() -> SellerProfile {
        SellerProfile {
            country: c("DE"),
            vat_id: Some(VatId::parse("DE136695976").unwrap()),
            oss_registered: true,
            registrations: vec![],
            small_business_exempt: false,
            eu_b2c_below_threshold_opt: false,
        }
    }

    fn consumer(country: &str) -> CustomerProfile {
        CustomerProfile { country: c(country), kind: CustomerKind::Consumer, vat_id: None, exempt: false }
    }

    /// Decides for a 100.00 digital-service line and returns (taxable, tax, gross) as strings.
    fn worked(customer: &CustomerProfile, date: &str, net: Money) -> (TaxDecision, TaxSummary) {
        let decision = decide(&german_oss_seller(), customer, TaxCategory::DigitalService, day(date), false).unwrap();
        let summary =
            compute(&[TaxableLine { net, decision: decision.clone() }], false, RoundingPolicy::default()).unwrap();
        (decision, summary)
    }

    #[test]
    fn worked_examples_as_amounts() {
        let cases = [
            ("DE", "2026-03-01", "19.00", dec!(19)),
            ("AT", "2026-03-01", "20.00", dec!(20)),
            ("EE", "2025-06-30", "22.00", dec!(22)),
            ("EE", "2025-07-01", "24.00", dec!(24)),
            ("FI", "2024-08-31", "24.00", dec!(24)),
            ("FI", "2024-09-01", "25.50", dec!(25.5)),
        ];
        for (country, date, vat, rate) in cases {
            let (decision, summary) = worked(&consumer(country), date, eur("100.00"));
            assert_eq!(decision.category_code, VatCategory::S);
            assert_eq!(summary.tax_total, eur(vat), "{country} {date}");
            assert_eq!(summary.net_total, eur("100.00"));
            assert_eq!(summary.gross_total, eur("100.00").checked_add(eur(vat)).unwrap());
            assert_eq!(summary.groups.len(), 1);
            assert_eq!(summary.groups[0].rate, rate);
            assert_eq!(summary.groups[0].country, Some(c(country)));
            assert!(summary.notices.is_empty());
        }
    }

    #[test]
    fn worked_example_reverse_charge_amounts() {
        let id = VatId::parse("FR40303265045").unwrap();
        let status = VatIdStatus::Valid {
            checked_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
            consultation_number: Some("WAPIAAAAW1234567".into()),
            name: None,
            address: None,
        };
        let customer = CustomerProfile {
            country: c("FR"),
            kind: CustomerKind::Business,
            vat_id: Some((id, status)),
            exempt: false,
        };
        let (decision, summary) = worked(&customer, "2026-03-01", eur("100.00"));
        assert_eq!(decision.category_code, VatCategory::AE);
        assert_eq!(summary.tax_total, eur("0.00"));
        assert_eq!(summary.gross_total, eur("100.00"));
        assert_eq!(summary.notices, vec![TaxNotice::ReverseCharge]);
        assert_eq!(summary.groups[0].category_code, VatCategory::AE);
    }

    #[test]
    fn worked_example_swiss_business_not_taxable() {
        let customer = CustomerProfile { country: c("CH"), kind: CustomerKind::Business, vat_id: None, exempt: false };
        let (decision, summary) = worked(&customer, "2026-03-01", eur("100.00"));
        assert_eq!(decision.category_code, VatCategory::O);
        assert_eq!(summary.tax_total, eur("0.00"));
        assert_eq!(summary.gross_total, eur("100.00"));
        assert_eq!(summary.notices, vec![TaxNotice::NotTaxableOutsideEu]);
    }

    #[test]
    fn worked_example_usd_invoice_is_19_percent_of_the_usd_net() {
        let net = Money::parse("100.00", Currency::USD).unwrap();
        let (_, summary) = worked(&consumer("DE"), "2026-03-01", net);
        assert_eq!(summary.tax_total, Money::parse("19.00", Currency::USD).unwrap());
        assert_eq!(summary.gross_total, Money::parse("119.00", Currency::USD).unwrap());
        assert_eq!(summary.tax_total.currency(), Currency::USD);
    }

    #[test]
    fn vat_is_rounded_once_per_group_not_per_line() {
        let de19 = s(dec!(19), "DE");
        // 3 × 0.33: per line 0.0627 → 0.06 each = 0.18; per group 0.99 × 19 % = 0.1881 → 0.19.
        let lines = [line("0.33", &de19), line("0.33", &de19), line("0.33", &de19)];
        let per_line: i64 =
            lines.iter().map(|l| l.net.mul_decimal(dec!(0.19), RoundingPolicy::default()).unwrap().minor()).sum();
        assert_eq!(per_line, 18);
        let summary = compute(&lines, false, RoundingPolicy::default()).unwrap();
        assert_eq!(summary.tax_total, eur("0.19"));
        assert_eq!(summary.net_total, eur("0.99"));
        // 3 × 0.35: per line 0.0665 → 0.07 each = 0.21; per group 1.05 × 19 % = 0.1995 → 0.20.
        let lines = [line("0.35", &de19), line("0.35", &de19), line("0.35", &de19)];
        assert_eq!(compute(&lines, false, RoundingPolicy::default()).unwrap().tax_total, eur("0.20"));
    }

    #[test]
    fn half_up_is_the_default_and_the_policy_is_honoured() {
        // 0.50 × 19 % = 0.095: half-up 0.10, half-even 0.10 (0.09|5 → even 0.10), toward zero 0.09.
        let lines = [line("0.50", &s(dec!(19), "DE"))];
        assert_eq!(compute(&lines, false, RoundingPolicy::default()).unwrap().tax_total, eur("0.10"));
        let toward_zero = RoundingPolicy::new(RoundingMode::TowardZero);
        assert_eq!(compute(&lines, false, toward_zero).unwrap().tax_total, eur("0.09"));
        // 2.50 × 7 % = 0.175: half-up 0.18, half-even 0.18; 1.50 × 7 % = 0.105: half-up 0.11, half-even 0.10.
        let lines = [line("1.50", &s(dec!(7), "DE"))];
        assert_eq!(compute(&lines, false, RoundingPolicy::default()).unwrap().tax_total, eur("0.11"));
        let half_even = RoundingPolicy::new(RoundingMode::HalfEven);
        assert_eq!(compute(&lines, false, half_even).unwrap().tax_total, eur("0.10"));
    }

    #[test]
    fn credit_lines_round_away_from_zero() {
        let lines = [line("-1.50", &s(dec!(7), "DE"))];
        let summary = compute(&lines, false, RoundingPolicy::default()).unwrap();
        assert_eq!(summary.tax_total, eur("-0.11"));
        assert_eq!(summary.gross_total, eur("-1.61"));
    }

    #[test]
    fn inclusive_price_splits_into_net_and_vat() {
        let summary = compute(&[line("119.00", &s(dec!(19), "DE"))], true, RoundingPolicy::default()).unwrap();
        assert_eq!(summary.net_total, eur("100.00"));
        assert_eq!(summary.tax_total, eur("19.00"));
        assert_eq!(summary.gross_total, eur("119.00"));
        // 9.99 incl. 19 %: VAT = 9.99 × 19/119 = 1.595… → 1.60, net 8.39.
        let summary = compute(&[line("9.99", &s(dec!(19), "DE"))], true, RoundingPolicy::default()).unwrap();
        assert_eq!((summary.net_total, summary.tax_total), (eur("8.39"), eur("1.60")));
        // 25.5 %: 125.50 gross → 25.50 VAT + 100.00 net.
        let summary = compute(&[line("125.50", &s(dec!(25.5), "FI"))], true, RoundingPolicy::default()).unwrap();
        assert_eq!((summary.net_total, summary.tax_total), (eur("100.00"), eur("25.50")));
    }

    #[test]
    fn inclusive_rounding_tie_uses_the_policy() {
        // An exact tie needs gross × rate / (100 + rate) to end in half a cent: at 100 %, 0.03 gross
        // gives 1.5 cents of VAT → half-up 0.02 (and -0.02 for a credit), toward zero 0.01.
        let lines = [line("0.03", &s(dec!(100), "DE"))];
        assert_eq!(compute(&lines, true, RoundingPolicy::default()).unwrap().tax_total, eur("0.02"));
        let toward_zero = RoundingPolicy::new(RoundingMode::TowardZero);
        assert_eq!(compute(&lines, true, toward_zero).unwrap().tax_total, eur("0.01"));
        let lines = [line("-0.03", &s(dec!(100), "DE"))];
        assert_eq!(compute(&lines, true, RoundingPolicy::default()).unwrap().tax_total, eur("-0.02"));
    }

    #[test]
    fn groups_by_category_rate_and_country_sorted() {
        let rc = TaxDecision {
            category_code: VatCategory::AE,
            rate: dec!(0),
            country: Some(c("FR")),
            notice: Some(TaxNotice::ReverseCharge),
            rule: "test",
        };
        let out = TaxDecision {
            category_code: VatCategory::O,
            rate: dec!(0),
            country: None,
            notice: Some(TaxNotice::NotTaxableOutsideEu),
            rule: "test",
        };
        let lines = [
            line("10.00", &out),
            line("10.00", &s(dec!(7), "DE")),
            line("10.00", &rc),
            line("10.00", &s(dec!(20), "AT")),
            line("10.00", &s(dec!(19.0), "DE")),
            line("5.00", &s(dec!(19), "DE")),
            line("10.00", &s(dec!(20), "FR")),
        ];
        let summary = compute(&lines, false, RoundingPolicy::default()).unwrap();
        let got: Vec<(VatCategory, Decimal, Option<Country>, Money, Money)> =
            summary.groups.iter().map(|g| (g.category_code, g.rate, g.country, g.taxable, g.tax)).collect();
        assert_eq!(
            got,
            vec![
                (VatCategory::S, dec!(20), Some(c("AT")), eur("10.00"), eur("2.00")),
                (VatCategory::S, dec!(20), Some(c("FR")), eur("10.00"), eur("2.00")),
                (VatCategory::S, dec!(19), Some(c("DE")), eur("15.00"), eur("2.85")),
                (VatCategory::S, dec!(7), Some(c("DE")), eur("10.00"), eur("0.70")),
                (VatCategory::AE, dec!(0), Some(c("FR")), eur("10.00"), eur("0.00")),
                (VatCategory::O, dec!(0), None, eur("10.00"), eur("0.00")),
            ]
        );
        assert_eq!(summary.notices, vec![TaxNotice::ReverseCharge, TaxNotice::NotTaxableOutsideEu]);
        assert_eq!(summary.net_total, eur("65.00"));
        assert_eq!(summary.tax_total, eur("7.55"));
        assert_eq!(summary.gross_total, eur("72.55"));
    }

    #[test]
    fn errors() {
        assert_eq!(compute(&[], false, RoundingPolicy::default()), Err(TaxError::NoLines));
        let usd = TaxableLine { net: Money::parse("1.00", Currency::USD).unwrap(), decision: s(dec!(19), "DE") };
        let mixed = [line("1.00", &s(dec!(19), "DE")), usd];
        assert!(matches!(
            compute(&mixed, false, RoundingPolicy::default()),
            Err(TaxError::Money(MoneyError::CurrencyMismatch { .. }))
        ));
        let zero_s = [line("1.00", &s(dec!(0), "DE"))];
        assert_eq!(compute(&zero_s, false, RoundingPolicy::default()), Err(TaxError::InvalidRate(dec!(0))));
        let mut taxed_rc = s(dec!(19), "FR");
        taxed_rc.category_code = VatCategory::AE;
        assert_eq!(
            compute(&[line("1.00", &taxed_rc)], false, RoundingPolicy::default()),
            Err(TaxError::InvalidRate(dec!(19)))
        );
        assert_eq!(
            compute(&[line("1.00", &s(dec!(101), "DE"))], true, RoundingPolicy::default()),
            Err(TaxError::InvalidRate(dec!(101)))
        );
        let huge = TaxableLine { net: Money::from_minor(i64::MAX, Currency::EUR), decision: s(dec!(19), "DE") };
        assert_eq!(
            compute(&[huge.clone(), huge], false, RoundingPolicy::default()),
            Err(TaxError::Money(MoneyError::Overflow))
        );
    }

    fn decisions() -> Vec<TaxDecision> {
        vec![
            s(dec!(19), "DE"),
            s(dec!(7), "DE"),
            s(dec!(25.5), "FI"),
            s(dec!(7.7), "CH"),
            s(dec!(2.1), "FR"),
            TaxDecision {
                category_code: VatCategory::AE,
                rate: dec!(0),
                country: Some(c("FR")),
                notice: Some(TaxNotice::ReverseCharge),
                rule: "test",
            },
        ]
    }

    proptest! {
        #[test]
        fn gross_is_net_plus_tax(
            lines in prop::collection::vec((-1_000_000_i64..10_000_000, 0_usize..6), 1..20),
            inclusive in any::<bool>(),
            mode in prop::sample::select(vec![RoundingMode::HalfUp, RoundingMode::HalfEven, RoundingMode::TowardZero]),
        ) {
            let table = decisions();
            let lines: Vec<TaxableLine> = lines
                .iter()
                .map(|&(minor, d)| TaxableLine { net: Money::from_minor(minor, Currency::EUR), decision: table[d].clone() })
                .collect();
            let policy = RoundingPolicy::new(mode);
            let summary = compute(&lines, inclusive, policy).unwrap();
            prop_assert_eq!(summary.net_total.checked_add(summary.tax_total).unwrap(), summary.gross_total);
            let input = Money::sum(Currency::EUR, lines.iter().map(|l| l.net)).unwrap();
            if inclusive {
                prop_assert_eq!(summary.gross_total, input);
            } else {
                prop_assert_eq!(summary.net_total, input);
            }
            for g in &summary.groups {
                // Each group's VAT is its (net or gross) sum times the rate, rounded once.
                if inclusive {
                    let gross = g.taxable.checked_add(g.tax).unwrap().to_decimal();
                    let exact = gross * g.rate / (dec!(100) + g.rate);
                    prop_assert!((exact - g.tax.to_decimal()).abs() < dec!(0.01));
                } else {
                    let want = g.taxable.mul_decimal(g.rate / dec!(100), policy).unwrap();
                    prop_assert_eq!(g.tax, want);
                }
            }
            // Sorted and unique keys.
            let keys: Vec<_> = summary.groups.iter().map(|g| (g.category_code, Reverse(g.rate), g.country.map(|c| c.code()))).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }

        #[test]
        fn line_order_does_not_matter(
            lines in prop::collection::vec((-100_000_i64..1_000_000, 0_usize..6), 1..12),
            inclusive in any::<bool>(),
        ) {
            let table = decisions();
            let mut lines: Vec<TaxableLine> = lines
                .iter()
                .map(|&(minor, d)| TaxableLine { net: Money::from_minor(minor, Currency::EUR), decision: table[d].clone() })
                .collect();
            let forward = compute(&lines, inclusive, RoundingPolicy::default()).unwrap();
            lines.reverse();
            prop_assert_eq!(compute(&lines, inclusive, RoundingPolicy::default()).unwrap(), forward);
        }

        #[test]
        fn inclusive_split_matches_exact_half_up(gross in -10_000_000_i64..10_000_000, d in 0_usize..5) {
            let decision = decisions()[d].clone();
            let rate = decision.rate;
            let summary = compute(&[TaxableLine { net: Money::from_minor(gross, Currency::EUR), decision }], true, RoundingPolicy::default()).unwrap();
            // Reference: the exact fraction in Decimal (enough precision for these magnitudes), half away from zero.
            let exact = Decimal::new(gross, 2) * rate / (dec!(100) + rate);
            let want = exact.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(summary.tax_total.to_decimal(), want);
        }
    }
}
