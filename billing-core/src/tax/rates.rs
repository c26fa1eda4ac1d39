//! Dated VAT rate table (EU-27, GB, CH, LI, NO) and the lookup `rate_on(country, kind, date)`.
//!
//! Rates live in data with `valid_from`/`valid_to`, never in `if` statements, because they change
//! (seven Member States changed their standard rate since 2020). Source: the project's domain
//! reference (`shared/reference/domain.md`, "domain.md" below), section 1.1 for the standard-rate
//! history and section 1.2 for the current reduced, super-reduced and parking rates. That reference in turn cites the EC Taxes in Europe
//! Database (TEDB), the EC VAT booklet and national announcements; the limits on how many reduced rates
//! a Member State may have are Art. 97–98 Directive 2006/112/EC as amended by Directive (EU) 2022/542.
//!
//! Table conventions:
//! - Dates are inclusive on both ends; `valid_to: None` means "still in force".
//! - Standard rates: every row of domain.md §1.1, with its historic `valid_from`, so that any date from
//!   2020-01-01 on hits exactly one row per country (a test enforces this).
//! - Reduced/super-reduced/parking rates: domain.md §1.2 lists the rates in force in 2026. Where it names a
//!   change (FI 14 → 13.5 on 2026-01-01, CZ 10/15 → 12 on 2024-01-01, RO 5/9 → 11 on 2025-08-01, LT 9 %
//!   abolished on 2026-01-01, DE 7 → 5 during 2020-07-01..2020-12-31, CH/LI 2.5/3.7 → 2.6/3.8 on
//!   2024-01-01) the rows carry those dates. Otherwise a row starts on [`REDUCED_KNOWN_SINCE`]
//!   (2020-01-01), read as "in force at least since": the reference does not give the start date, and
//!   temporary COVID-era cuts of reduced rates in 2020–2021 (e.g. AT 5 % for publications, NO's cut of
//!   its 12 % rate) are not in the reference and are not modelled. SaaS is taxed at the standard rate, so
//!   these rows matter only for e-publications.
//! - Where a country has two reduced rates, the lower one is [`RateKind::Reduced`] (it is the books/
//!   e-books rate in most Member States) and the higher one [`RateKind::SecondReduced`]; a single
//!   `Reduced` kind holding both would make a lookup ambiguous.
//! - Regional rates (Azores/Madeira, Corsica/DOM, Greek islands, Jungholz/Mittelberg 19 %) and the IE
//!   4.8 % livestock rate (absent from TEDB) are left out: the engine keys on the country only.
//! - The zero rate is not a table row: it is 0 by definition (Art. 98 and the zero-rating provisions),
//!   and whether a supply qualifies is decided in `rules`. `rate_on(_, Zero, _)` returns 0 for every
//!   country that has a standard rate on that date.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::tax::TaxError;

/// Which of a country's rates is meant.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    /// Art. 96–97 Directive 2006/112/EC: at least 15 %.
    Standard,
    /// The (lower) reduced rate, Art. 98: at least 5 %.
    Reduced,
    /// The second, higher reduced rate where a country has two (Art. 98(1): "one or two").
    SecondReduced,
    /// Super-reduced rate below 5 % (Art. 98(2) as amended by Directive (EU) 2022/542, ex Art. 110).
    SuperReduced,
    /// Parking rate, at least 12 % (Art. 118).
    Parking,
    /// Zero rate (exemption with right of deduction).
    Zero,
}

/// One dated rate of one country. Dates are inclusive.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RatePeriod {
    /// ISO 3166-1 alpha-2 code (Greece is `GR`, although its VAT prefix is `EL`).
    pub country: &'static str,
    pub kind: RateKind,
    /// Percent: 19 means 19 %, 25.5 means 25.5 %.
    pub rate: Decimal,
    pub valid_from: NaiveDate,
    /// Last day on which the rate applies; `None` while it is in force.
    pub valid_to: Option<NaiveDate>,
}

impl RatePeriod {
    /// Whether `date` falls inside the (inclusive) period.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// Start date used for reduced-type rates whose introduction date the reference does not give:
/// "in force at least since" this date (see the module documentation).
pub const REDUCED_KNOWN_SINCE: NaiveDate = ymd(2020, 1, 1);

/// A date for the static table. Evaluated at compile time, so a typo such as 2023-02-30 fails the
/// build instead of panicking at run time.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid date in the VAT rate table"),
    }
}

/// `mantissa / 10^scale` percent, e.g. `pct(255, 1)` = 25.5.
const fn pct(mantissa: u32, scale: u32) -> Decimal {
    Decimal::from_parts(mantissa, 0, 0, false, scale)
}

const fn row(
    country: &'static str,
    kind: RateKind,
    rate: Decimal,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
) -> RatePeriod {
    RatePeriod { country, kind, rate, valid_from, valid_to }
}

/// A standard-rate row from domain.md §1.1.
const fn standard(country: &'static str, rate: Decimal, from: NaiveDate, to: Option<NaiveDate>) -> RatePeriod {
    row(country, RateKind::Standard, rate, from, to)
}

/// A current (open-ended) reduced-type row from domain.md §1.2 with no known start date.
const fn cur(country: &'static str, kind: RateKind, rate: Decimal) -> RatePeriod {
    row(country, kind, rate, REDUCED_KNOWN_SINCE, None)
}

use RateKind::{Parking, Reduced, SecondReduced, SuperReduced};

/// The rate table. Order is irrelevant to lookups; rows are grouped by country for review.
pub static RATES: &[RatePeriod] = &[
    // --- Standard rates: domain.md §1.1, every row, verbatim ---
    standard("AT", pct(20, 0), ymd(1984, 1, 1), None),
    standard("BE", pct(21, 0), ymd(1996, 1, 1), None),
    standard("BG", pct(20, 0), ymd(1999, 1, 1), None),
    standard("CY", pct(19, 0), ymd(2014, 1, 13), None),
    standard("CZ", pct(21, 0), ymd(2013, 1, 1), None),
    // DE: temporary cut by the Zweites Corona-Steuerhilfegesetz (§ 28 Abs. 1 UStG a.F.).
    standard("DE", pct(19, 0), ymd(2007, 1, 1), Some(ymd(2020, 6, 30))),
    standard("DE", pct(16, 0), ymd(2020, 7, 1), Some(ymd(2020, 12, 31))),
    standard("DE", pct(19, 0), ymd(2021, 1, 1), None),
    standard("DK", pct(25, 0), ymd(1992, 1, 1), None),
    standard("EE", pct(20, 0), ymd(2009, 7, 1), Some(ymd(2023, 12, 31))),
    standard("EE", pct(22, 0), ymd(2024, 1, 1), Some(ymd(2025, 6, 30))),
    standard("EE", pct(24, 0), ymd(2025, 7, 1), None),
    standard("ES", pct(21, 0), ymd(2012, 9, 1), None),
    standard("FI", pct(24, 0), ymd(2013, 1, 1), Some(ymd(2024, 8, 31))),
    standard("FI", pct(255, 1), ymd(2024, 9, 1), None),
    standard("FR", pct(20, 0), ymd(2014, 1, 1), None),
    standard("GR", pct(24, 0), ymd(2016, 6, 1), None),
    standard("HR", pct(25, 0), ymd(2012, 3, 1), None),
    standard("HU", pct(27, 0), ymd(2012, 1, 1), None),
    standard("IE", pct(23, 0), ymd(2012, 1, 1), Some(ymd(2020, 8, 31))),
    standard("IE", pct(21, 0), ymd(2020, 9, 1), Some(ymd(2021, 2, 28))),
    standard("IE", pct(23, 0), ymd(2021, 3, 1), None),
    standard("IT", pct(22, 0), ymd(2013, 10, 1), None),
    standard("LT", pct(21, 0), ymd(2009, 9, 1), None),
    standard("LU", pct(17, 0), ymd(2015, 1, 1), Some(ymd(2022, 12, 31))),
    standard("LU", pct(16, 0), ymd(2023, 1, 1), Some(ymd(2023, 12, 31))),
    standard("LU", pct(17, 0), ymd(2024, 1, 1), None),
    standard("LV", pct(21, 0), ymd(2012, 7, 1), None),
    standard("MT", pct(18, 0), ymd(2004, 1, 1), None),
    standard("NL", pct(21, 0), ymd(2012, 10, 1), None),
    standard("PL", pct(23, 0), ymd(2011, 1, 1), None),
    standard("PT", pct(23, 0), ymd(2011, 1, 1), None),
    standard("RO", pct(19, 0), ymd(2017, 1, 1), Some(ymd(2025, 7, 31))),
    standard("RO", pct(21, 0), ymd(2025, 8, 1), None),
    standard("SE", pct(25, 0), ymd(1990, 7, 1), None),
    standard("SI", pct(22, 0), ymd(2013, 7, 1), None),
    standard("SK", pct(20, 0), ymd(2011, 1, 1), Some(ymd(2024, 12, 31))),
    standard("SK", pct(23, 0), ymd(2025, 1, 1), None),
    standard("GB", pct(20, 0), ymd(2011, 1, 4), None),
    // CH (Art. 25 MWSTG) and LI, which applies the Swiss rates under the CH–LI VAT treaty.
    standard("CH", pct(77, 1), ymd(2018, 1, 1), Some(ymd(2023, 12, 31))),
    standard("CH", pct(81, 1), ymd(2024, 1, 1), None),
    standard("LI", pct(77, 1), ymd(2018, 1, 1), Some(ymd(2023, 12, 31))),
    standard("LI", pct(81, 1), ymd(2024, 1, 1), None),
    // NO: 25 % since 2005-01-01; the reference marks the start date [unverified].
    standard("NO", pct(25, 0), ymd(2005, 1, 1), None),
    // --- Reduced, super-reduced and parking rates: domain.md §1.2 ---
    cur("AT", Reduced, pct(10, 0)),
    cur("AT", SecondReduced, pct(13, 0)),
    cur("BE", Reduced, pct(6, 0)),
    cur("BE", SecondReduced, pct(12, 0)),
    cur("BE", Parking, pct(12, 0)),
    cur("BG", Reduced, pct(9, 0)),
    cur("CY", Reduced, pct(5, 0)),
    cur("CY", SecondReduced, pct(9, 0)),
    cur("CY", SuperReduced, pct(3, 0)),
    // CZ: 10 % and 15 % merged into 12 % on 2024-01-01.
    row("CZ", Reduced, pct(10, 0), REDUCED_KNOWN_SINCE, Some(ymd(2023, 12, 31))),
    row("CZ", SecondReduced, pct(15, 0), REDUCED_KNOWN_SINCE, Some(ymd(2023, 12, 31))),
    row("CZ", Reduced, pct(12, 0), ymd(2024, 1, 1), None),
    // DE: 7 % cut to 5 % together with the standard-rate cut (§ 28 Abs. 2 UStG a.F.).
    row("DE", Reduced, pct(7, 0), REDUCED_KNOWN_SINCE, Some(ymd(2020, 6, 30))),
    row("DE", Reduced, pct(5, 0), ymd(2020, 7, 1), Some(ymd(2020, 12, 31))),
    row("DE", Reduced, pct(7, 0), ymd(2021, 1, 1), None),
    // DK has no reduced rate.
    cur("EE", Reduced, pct(9, 0)),
    // EE: 13 % for accommodation "from 2025" per the reference; taken as 2025-01-01.
    row("EE", SecondReduced, pct(13, 0), ymd(2025, 1, 1), None),
    cur("ES", Reduced, pct(10, 0)),
    cur("ES", SuperReduced, pct(4, 0)),
    cur("FI", Reduced, pct(10, 0)),
    // FI: 14 % lowered to 13.5 % on 2026-01-01.
    row("FI", SecondReduced, pct(14, 0), REDUCED_KNOWN_SINCE, Some(ymd(2025, 12, 31))),
    row("FI", SecondReduced, pct(135, 1), ymd(2026, 1, 1), None),
    cur("FR", Reduced, pct(55, 1)),
    cur("FR", SecondReduced, pct(10, 0)),
    cur("FR", SuperReduced, pct(21, 1)),
    // GR: mainland rates only; the 4 % listed as super-reduced applies to the islands.
    cur("GR", Reduced, pct(6, 0)),
    cur("GR", SecondReduced, pct(13, 0)),
    cur("GR", Parking, pct(13, 0)),
    cur("HR", Reduced, pct(5, 0)),
    cur("HR", SecondReduced, pct(13, 0)),
    cur("HU", Reduced, pct(5, 0)),
    cur("HU", SecondReduced, pct(18, 0)),
    cur("IE", Reduced, pct(9, 0)),
    cur("IE", SecondReduced, pct(135, 1)),
    cur("IE", Parking, pct(135, 1)),
    cur("IT", Reduced, pct(5, 0)),
    cur("IT", SecondReduced, pct(10, 0)),
    cur("IT", SuperReduced, pct(4, 0)),
    // LT: the 9 % rate was abolished on 2026-01-01 (Law XV-287); its supplies moved to 12 %.
    cur("LT", Reduced, pct(5, 0)),
    row("LT", SecondReduced, pct(9, 0), REDUCED_KNOWN_SINCE, Some(ymd(2025, 12, 31))),
    row("LT", SecondReduced, pct(12, 0), ymd(2026, 1, 1), None),
    cur("LU", Reduced, pct(8, 0)),
    cur("LU", SecondReduced, pct(14, 0)),
    cur("LU", SuperReduced, pct(3, 0)),
    cur("LU", Parking, pct(14, 0)),
    cur("LV", Reduced, pct(5, 0)),
    cur("LV", SecondReduced, pct(12, 0)),
    cur("MT", Reduced, pct(5, 0)),
    cur("MT", SecondReduced, pct(7, 0)),
    cur("MT", Parking, pct(12, 0)),
    cur("NL", Reduced, pct(9, 0)),
    cur("PL", Reduced, pct(5, 0)),
    cur("PL", SecondReduced, pct(8, 0)),
    cur("PT", Reduced, pct(6, 0)),
    cur("PT", SecondReduced, pct(13, 0)),
    cur("PT", Parking, pct(13, 0)),
    // RO: 5 % and 9 % merged into 11 % on 2025-08-01.
    row("RO", Reduced, pct(5, 0), REDUCED_KNOWN_SINCE, Some(ymd(2025, 7, 31))),
    row("RO", SecondReduced, pct(9, 0), REDUCED_KNOWN_SINCE, Some(ymd(2025, 7, 31))),
    row("RO", Reduced, pct(11, 0), ymd(2025, 8, 1), None),
    cur("SE", Reduced, pct(6, 0)),
    cur("SE", SecondReduced, pct(12, 0)),
    cur("SI", Reduced, pct(5, 0)),
    cur("SI", SecondReduced, pct(95, 1)),
    // SK: the 5 %/19 % pair belongs to the 2025 reform that raised the standard rate to 23 %; a 19 %
    // reduced rate cannot predate it (it would have been within 1 point of the old 20 % standard rate),
    // so the rows start with that reform [derived]. The pre-2025 reduced rates are not in the reference.
    row("SK", Reduced, pct(5, 0), ymd(2025, 1, 1), None),
    row("SK", SecondReduced, pct(19, 0), ymd(2025, 1, 1), None),
    cur("GB", Reduced, pct(5, 0)),
    // CH/LI: 2.5/3.7 before 2024, 2.6/3.8 since (Art. 25 Abs. 2 and 4 MWSTG).
    row("CH", Reduced, pct(25, 1), ymd(2018, 1, 1), Some(ymd(2023, 12, 31))),
    row("CH", Reduced, pct(26, 1), ymd(2024, 1, 1), None),
    row("CH", SecondReduced, pct(37, 1), ymd(2018, 1, 1), Some(ymd(2023, 12, 31))),
    row("CH", SecondReduced, pct(38, 1), ymd(2024, 1, 1), None),
    row("LI", Reduced, pct(25, 1), ymd(2018, 1, 1), Some(ymd(2023, 12, 31))),
    row("LI", Reduced, pct(26, 1), ymd(2024, 1, 1), None),
    row("LI", SecondReduced, pct(37, 1), ymd(2018, 1, 1), Some(ymd(2023, 12, 31))),
    row("LI", SecondReduced, pct(38, 1), ymd(2024, 1, 1), None),
    cur("NO", Reduced, pct(12, 0)),
    cur("NO", SecondReduced, pct(15, 0)),
];

/// The `kind` rate of `country` on `date`, in percent.
///
/// Exactly one row must cover the date: none is [`TaxError::NoRate`] (unknown country, a kind the
/// country does not have, or a date before the table starts), more than one is
/// [`TaxError::AmbiguousRate`] (a table bug, which the tests rule out, but a tax engine must not pick
/// one silently).
pub fn rate_on(country: Country, kind: RateKind, date: NaiveDate) -> Result<Decimal, TaxError> {
    if kind == RateKind::Zero {
        // A zero rate needs no row, but only for a country the table knows on that date.
        return match rate_on(country, RateKind::Standard, date) {
            Ok(_) => Ok(Decimal::ZERO),
            Err(_) => Err(TaxError::NoRate { country, kind, date }),
        };
    }
    let mut matches = RATES.iter().filter(|r| r.country == country.code() && r.kind == kind && r.covers(date));
    match (matches.next(), matches.next()) {
        (Some(period), None) => Ok(period.rate),
        (None, _) => Err(TaxError::NoRate { country, kind, date }),
        (Some(_), Some(_)) => Err(TaxError::AmbiguousRate { country, kind, date }),
    }
}

/// The countries that have a standard rate in the table (EU-27, GB, CH, LI, NO), sorted.
pub fn countries() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> =
        RATES.iter().filter(|r| r.kind == RateKind::Standard).map(|r| r.country).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    fn c(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// Every row of domain.md §1.1, copied independently of the table above:
    /// (country, rate, valid_from, valid_to or "" for open).
    const SECTION_1_1: &[(&str, &str, &str, &str)] = &[
        ("AT", "20", "1984-01-01", ""),
        ("BE", "21", "1996-01-01", ""),
        ("BG", "20", "1999-01-01", ""),
        ("CY", "19", "2014-01-13", ""),
        ("CZ", "21", "2013-01-01", ""),
        ("DE", "19", "2007-01-01", "2020-06-30"),
        ("DE", "16", "2020-07-01", "2020-12-31"),
        ("DE", "19", "2021-01-01", ""),
        ("DK", "25", "1992-01-01", ""),
        ("EE", "20", "2009-07-01", "2023-12-31"),
        ("EE", "22", "2024-01-01", "2025-06-30"),
        ("EE", "24", "2025-07-01", ""),
        ("ES", "21", "2012-09-01", ""),
        ("FI", "24", "2013-01-01", "2024-08-31"),
        ("FI", "25.5", "2024-09-01", ""),
        ("FR", "20", "2014-01-01", ""),
        ("GR", "24", "2016-06-01", ""),
        ("HR", "25", "2012-03-01", ""),
        ("HU", "27", "2012-01-01", ""),
        ("IE", "23", "2012-01-01", "2020-08-31"),
        ("IE", "21", "2020-09-01", "2021-02-28"),
        ("IE", "23", "2021-03-01", ""),
        ("IT", "22", "2013-10-01", ""),
        ("LT", "21", "2009-09-01", ""),
        ("LU", "17", "2015-01-01", "2022-12-31"),
        ("LU", "16", "2023-01-01", "2023-12-31"),
        ("LU", "17", "2024-01-01", ""),
        ("LV", "21", "2012-07-01", ""),
        ("MT", "18", "2004-01-01", ""),
        ("NL", "21", "2012-10-01", ""),
        ("PL", "23", "2011-01-01", ""),
        ("PT", "23", "2011-01-01", ""),
        ("RO", "19", "2017-01-01", "2025-07-31"),
        ("RO", "21", "2025-08-01", ""),
        ("SE", "25", "1990-07-01", ""),
        ("SI", "22", "2013-07-01", ""),
        ("SK", "20", "2011-01-01", "2024-12-31"),
        ("SK", "23", "2025-01-01", ""),
        ("GB", "20", "2011-01-04", ""),
        ("CH", "7.7", "2018-01-01", "2023-12-31"),
        ("CH", "8.1", "2024-01-01", ""),
        ("LI", "7.7", "2018-01-01", "2023-12-31"),
        ("LI", "8.1", "2024-01-01", ""),
        ("NO", "25", "2005-01-01", ""),
    ];

    #[test]
    fn every_section_1_1_row_applies_on_its_first_and_last_day() {
        for &(country, rate, from, to) in SECTION_1_1 {
            let rate: Decimal = rate.parse().unwrap();
            let first = day(from);
            assert_eq!(rate_on(c(country), RateKind::Standard, first), Ok(rate), "{country} on {first}");
            // Open-ended rows: check the last day of the reference's horizon instead.
            let last = if to.is_empty() { day("2026-12-31") } else { day(to) };
            assert_eq!(rate_on(c(country), RateKind::Standard, last), Ok(rate), "{country} on {last}");
            // The day before belongs to the previous row of the same country, or to no row at all.
            let before = first.pred_opt().unwrap();
            let previous = SECTION_1_1.iter().find(|row| row.0 == country && !row.3.is_empty() && day(row.3) == before);
            let want = match previous {
                Some(row) => Ok(row.1.parse::<Decimal>().unwrap()),
                None => Err(TaxError::NoRate { country: c(country), kind: RateKind::Standard, date: before }),
            };
            assert_eq!(rate_on(c(country), RateKind::Standard, before), want, "{country} on {before}");
        }
    }

    #[test]
    fn standard_rows_are_exactly_section_1_1() {
        let table: Vec<_> = RATES.iter().filter(|r| r.kind == RateKind::Standard).collect();
        assert_eq!(table.len(), SECTION_1_1.len());
        for &(country, rate, from, to) in SECTION_1_1 {
            let rate: Decimal = rate.parse().unwrap();
            let to = if to.is_empty() { None } else { Some(day(to)) };
            assert!(
                table
                    .iter()
                    .any(|r| r.country == country && r.rate == rate && r.valid_from == day(from) && r.valid_to == to),
                "missing {country} {rate} {from}"
            );
        }
    }

    #[test]
    fn covers_eu27_plus_gb_ch_li_no() {
        let expected = [
            "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IT",
            "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
        ];
        assert_eq!(countries(), expected);
        let eu = countries().into_iter().filter(|code| c(code).is_eu()).count();
        assert_eq!(eu, 27);
    }

    /// Rows of one (country, kind), sorted by start date, must chain without gap or overlap.
    fn assert_contiguous(country: &str, kind: RateKind, rows: &mut Vec<&RatePeriod>) {
        rows.sort_by_key(|r| r.valid_from);
        for pair in rows.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a.valid_from <= a.valid_to.unwrap_or(NaiveDate::MAX), "{country} {kind:?}: inverted row");
            let end = a.valid_to.unwrap_or_else(|| panic!("{country} {kind:?}: open row followed by another"));
            assert_eq!(end.succ_opt(), Some(b.valid_from), "{country} {kind:?}: gap or overlap after {end}");
        }
    }

    #[test]
    fn no_overlaps_or_gaps_per_country_and_kind() {
        let kinds =
            [RateKind::Standard, RateKind::Reduced, RateKind::SecondReduced, RateKind::SuperReduced, RateKind::Parking];
        for country in countries() {
            for kind in kinds {
                let mut rows: Vec<&RatePeriod> =
                    RATES.iter().filter(|r| r.country == country && r.kind == kind).collect();
                if rows.is_empty() {
                    continue;
                }
                assert_contiguous(country, kind, &mut rows);
                // Standard rates must cover everything from 2020-01-01 on.
                if kind == RateKind::Standard {
                    assert!(rows[0].valid_from <= day("2020-01-01"), "{country} starts after 2020-01-01");
                }
                // Only rates merged away (CZ 15 %, RO 9 % as second reduced rates) may end.
                let ended = rows.last().unwrap().valid_to.is_some();
                assert_eq!(
                    ended,
                    matches!((country, kind), ("CZ" | "RO", RateKind::SecondReduced)),
                    "{country} {kind:?}"
                );
            }
        }
    }

    #[test]
    fn every_day_since_2020_has_exactly_one_standard_rate() {
        // Iterate over every calendar day, which also exercises `rate_on`'s ambiguity check.
        for country in countries() {
            let mut date = day("2020-01-01");
            while date <= day("2027-12-31") {
                let rate = rate_on(c(country), RateKind::Standard, date).unwrap();
                assert!(rate >= dec!(7.7) && rate <= dec!(27), "{country} {date} {rate}");
                date = date.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn rates_respect_the_directive_limits_for_eu_members() {
        // Art. 97 (standard >= 15 %), Art. 98 (reduced >= 5 %), super-reduced < 5 %, Art. 118 (parking >= 12 %).
        for r in RATES.iter().filter(|r| c(r.country).is_eu()) {
            let ok = match r.kind {
                RateKind::Standard => r.rate >= dec!(15),
                RateKind::Reduced | RateKind::SecondReduced => r.rate >= dec!(5),
                RateKind::SuperReduced => r.rate < dec!(5),
                RateKind::Parking => r.rate >= dec!(12),
                RateKind::Zero => false,
            };
            assert!(ok, "{} {:?} {}", r.country, r.kind, r.rate);
        }
    }

    #[test]
    fn reduced_rates_below_standard_and_ordered() {
        for r in RATES.iter().filter(|r| r.kind != RateKind::Standard) {
            let standard = rate_on(c(r.country), RateKind::Standard, r.valid_from).unwrap();
            assert!(r.rate < standard, "{} {:?}", r.country, r.kind);
            if r.kind == RateKind::SecondReduced {
                let reduced = rate_on(c(r.country), RateKind::Reduced, r.valid_from).unwrap();
                assert!(reduced < r.rate, "{} Reduced must be the lower one", r.country);
            }
        }
    }

    #[rstest]
    #[case("DE", RateKind::Reduced, "2020-06-30", dec!(7))]
    #[case("DE", RateKind::Reduced, "2020-07-01", dec!(5))]
    #[case("DE", RateKind::Reduced, "2020-12-31", dec!(5))]
    #[case("DE", RateKind::Reduced, "2021-01-01", dec!(7))]
    #[case("FI", RateKind::SecondReduced, "2025-12-31", dec!(14))]
    #[case("FI", RateKind::SecondReduced, "2026-01-01", dec!(13.5))]
    #[case("FI", RateKind::Reduced, "2026-06-01", dec!(10))]
    #[case("CZ", RateKind::Reduced, "2023-12-31", dec!(10))]
    #[case("CZ", RateKind::Reduced, "2024-01-01", dec!(12))]
    #[case("RO", RateKind::Reduced, "2025-07-31", dec!(5))]
    #[case("RO", RateKind::Reduced, "2025-08-01", dec!(11))]
    #[case("LT", RateKind::SecondReduced, "2025-12-31", dec!(9))]
    #[case("LT", RateKind::SecondReduced, "2026-01-01", dec!(12))]
    #[case("CH", RateKind::Reduced, "2023-12-31", dec!(2.5))]
    #[case("CH", RateKind::Reduced, "2024-01-01", dec!(2.6))]
    #[case("FR", RateKind::SuperReduced, "2026-03-01", dec!(2.1))]
    #[case("LU", RateKind::Parking, "2026-03-01", dec!(14))]
    #[case("GR", RateKind::Reduced, "2026-03-01", dec!(6))]
    #[case("SI", RateKind::SecondReduced, "2026-03-01", dec!(9.5))]
    #[case("GB", RateKind::Zero, "2026-03-01", dec!(0))]
    fn reduced_type_lookups(#[case] country: &str, #[case] kind: RateKind, #[case] date: &str, #[case] want: Decimal) {
        assert_eq!(rate_on(c(country), kind, day(date)), Ok(want));
    }

    #[rstest]
    #[case("DK", RateKind::Reduced, "2026-03-01")] // Denmark has no reduced rate
    #[case("US", RateKind::Standard, "2026-03-01")] // not in the table
    #[case("US", RateKind::Zero, "2026-03-01")] // zero rate only for known countries
    #[case("DE", RateKind::Standard, "2006-12-31")] // before the first DE row
    #[case("SK", RateKind::SecondReduced, "2024-12-31")] // before the 2025 reform
    #[case("CH", RateKind::SuperReduced, "2026-03-01")]
    fn missing_rates_are_no_rate(#[case] country: &str, #[case] kind: RateKind, #[case] date: &str) {
        let got = rate_on(c(country), kind, day(date));
        assert_eq!(got, Err(TaxError::NoRate { country: c(country), kind, date: day(date) }));
    }

    #[test]
    fn greece_is_keyed_by_iso_gr() {
        assert_eq!(rate_on(c("GR"), RateKind::Standard, day("2026-01-01")), Ok(dec!(24)));
    }
}
