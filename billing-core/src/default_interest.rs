//! Statutory default interest and the flat fee of German law (§ 288 BGB), pure: the interest on
//! an overdue amount for a run of days, split where the Bundesbank base rate (§ 247 BGB) changes.
//!
//! The rules, from ../shared/reference/domain.md § 5 (statutes at gesetze-im-internet.de):
//! - § 288 Abs. 1: base rate + 5 percentage points a year; Abs. 2: + 9 points where no consumer is
//!   party (a business debtor); Abs. 5: a business debtor also owes a flat EUR 40.
//! - § 247: the base rate changes on 1 January and 1 July; the rate in force on a day applies to
//!   that day, so a period that crosses a change is computed in pieces, one per rate.
//! - Simple interest on the overdue principal (no interest on interest, § 289 BGB). Day count:
//!   **actual/365**: each calendar day counts, the year has 365 days (leap years too). Practice
//!   differs (the court Mahnverfahren uses 30/360, per domain.md); actual/365 is what the
//!   Bundesbank's and most published calculators use, and it is exact to the day.
//! - Each piece is rounded once to the cent, commercially (half up, DIN 1333): a piece is one
//!   invoice line whose description states its principal, days, rate and period.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::currency::Currency;
use crate::money::Money;
use crate::rounding::RoundingPolicy;

/// The flat fee of § 288 Abs. 5 BGB, in euro cents.
pub const FLAT_FEE_EUR_CENTS: i64 = 4_000;

/// The days of the year in the actual/365 convention.
pub const DAYS_PER_YEAR: i64 = 365;

/// Who owes: decides the surcharge on the base rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Debtor {
    /// § 288 Abs. 1: base rate + 5 points.
    Consumer,
    /// § 288 Abs. 2: base rate + 9 points, and the flat fee of Abs. 5.
    Business,
}

impl Debtor {
    /// The surcharge in percentage points.
    pub fn points(self) -> Decimal {
        match self {
            Debtor::Consumer => Decimal::from(5),
            Debtor::Business => Decimal::from(9),
        }
    }
}

/// The Bundesbank base rate from `valid_from` (a 1 January or 1 July) for six months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseRate {
    pub valid_from: NaiveDate,
    /// Percent a year (1.27 = 1.27 %).
    pub rate: Decimal,
}

impl BaseRate {
    /// The first day after the half year this rate was published for.
    pub fn valid_until_exclusive(&self) -> NaiveDate {
        self.valid_from.checked_add_months(Months::new(6)).unwrap_or(NaiveDate::MAX)
    }
}

/// The interest for one run of days at one rate: one invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestPiece {
    /// First and last day, both counted.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    pub base_rate: Decimal,
    /// base rate + the debtor's points.
    pub rate: Decimal,
    pub principal: Money,
    /// principal x rate/100 x days/365, rounded once.
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterestError {
    /// No published base rate covers this day (the table must be extended from the Bundesbank).
    #[error("no Basiszinssatz (§ 247 BGB) is known for {0}; add the Bundesbank's published rate")]
    NoBaseRate(NaiveDate),
    #[error("the interest does not fit in an amount")]
    Overflow,
}

/// Whether `d` is a day the base rate may change on.
pub fn is_change_day(d: NaiveDate) -> bool {
    d.day() == 1 && (d.month() == 1 || d.month() == 7)
}

/// The interest on `principal` for every day from `from` to `to` (both included) at the base
/// rate in force on each day plus the debtor's points, one piece per rate period. `rates` is the
/// published table in any order; a day outside every published half year is an error, never a
/// guess. Empty when `to` is before `from` or the principal is not positive.
pub fn interest(
    principal: Money,
    from: NaiveDate,
    to: NaiveDate,
    debtor: Debtor,
    rates: &[BaseRate],
    rounding: RoundingPolicy,
) -> Result<Vec<InterestPiece>, InterestError> {
    let mut pieces = Vec::new();
    if to < from || !principal.is_positive() {
        return Ok(pieces);
    }
    let mut day = from;
    while day <= to {
        let rate = rates
            .iter()
            .find(|r| r.valid_from <= day && day < r.valid_until_exclusive())
            .ok_or(InterestError::NoBaseRate(day))?;
        let last = (rate.valid_until_exclusive().pred_opt().unwrap_or(to)).min(to);
        let days = (last - day).num_days() + 1;
        let annual = rate.rate + debtor.points();
        let exact = principal.to_decimal() * annual * Decimal::from(days)
            / (Decimal::ONE_HUNDRED * Decimal::from(DAYS_PER_YEAR));
        let amount = Money::from_decimal(exact, principal.currency(), rounding).map_err(|_| InterestError::Overflow)?;
        pieces.push(InterestPiece { from: day, to: last, days, base_rate: rate.rate, rate: annual, principal, amount });
        day = match last.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    Ok(pieces)
}

/// The amount open on each day from `from` to `to` as runs of days: the first entry from `from`
/// on, each further one from the day a receipt lowered it. `open_now` is what is open today;
/// `receipts` are the payments received on the claim with the day each was received (any order).
/// A payment lowers the principal from the day it is received: that day bears interest on the
/// rest only (docs/adr/0046, the debtor's side of a question practice answers both ways).
pub fn balances(
    open_now: Money,
    receipts: &[(NaiveDate, Money)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, Money)> {
    let open_on = |day: NaiveDate| {
        let later: i64 = receipts.iter().filter(|(d, _)| *d > day).map(|(_, m)| m.minor()).sum();
        Money::from_minor(open_now.minor().saturating_add(later), open_now.currency())
    };
    let mut days: Vec<NaiveDate> = receipts.iter().map(|(d, _)| *d).filter(|d| *d > from && *d <= to).collect();
    days.sort_unstable();
    days.dedup();
    std::iter::once(from).chain(days).map(|d| (d, open_on(d))).collect()
}

/// [`interest`] on a principal that changes during the period: `balances` (from [`balances`])
/// gives the amount open from each day on. One piece per run of days with one rate and one
/// principal, so each line states the amount it was computed on.
pub fn interest_on_balances(
    balances: &[(NaiveDate, Money)],
    from: NaiveDate,
    to: NaiveDate,
    debtor: Debtor,
    rates: &[BaseRate],
    rounding: RoundingPolicy,
) -> Result<Vec<InterestPiece>, InterestError> {
    let mut pieces = Vec::new();
    for (i, (start, principal)) in balances.iter().enumerate() {
        let first = if i == 0 { from } else { (*start).max(from) };
        let last = match balances.get(i + 1) {
            Some((next, _)) => next.pred_opt().unwrap_or(*next).min(to),
            None => to,
        };
        if last >= first {
            pieces.extend(interest(*principal, first, last, debtor, rates, rounding)?);
        }
    }
    Ok(pieces)
}

/// The flat fee of § 288 Abs. 5 (EUR 40) for a business debtor on a euro claim.
pub fn flat_fee(debtor: Debtor, currency: Currency) -> Option<Money> {
    (debtor == Debtor::Business && currency == Currency::EUR)
        .then(|| Money::from_minor(FLAT_FEE_EUR_CENTS, Currency::EUR))
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The table of domain.md § 5 (2025 and 2026).
    fn rates() -> Vec<BaseRate> {
        [("2025-01-01", dec!(2.27)), ("2025-07-01", dec!(1.27)), ("2026-01-01", dec!(1.27))]
            .into_iter()
            .map(|(f, r)| BaseRate { valid_from: d(f), rate: r })
            .collect()
    }

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    #[test]
    fn a_business_owes_base_rate_plus_nine_points_for_each_day_actual_365() {
        // EUR 1,190.00 overdue from 16.03.2026 to 29.04.2026: 16 + 29 = 45 days at
        // 1.27 + 9 = 10.27 %: 1190.00 x 0.1027 x 45 / 365 = 15.0673... -> EUR 15.07.
        let p =
            interest(eur(119_000), d("2026-03-16"), d("2026-04-29"), Debtor::Business, &rates(), Default::default())
                .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].days, p[0].rate, p[0].amount), (45, dec!(10.27), eur(1_507)));
        // A consumer: 1.27 + 5 = 6.27 %: 1190.00 x 0.0627 x 45 / 365 = 9.1988... -> EUR 9.20.
        let c =
            interest(eur(119_000), d("2026-03-16"), d("2026-04-29"), Debtor::Consumer, &rates(), Default::default())
                .unwrap();
        assert_eq!((c[0].rate, c[0].amount), (dec!(6.27), eur(920)));
    }

    #[test]
    fn a_partial_payment_lowers_the_principal_from_the_day_it_is_received() {
        // EUR 1,190.00 overdue from 16.03.2026, a business (1.27 + 9 = 10.27 %); EUR 590.00
        // received on 01.04.2026; interest to 29.04.2026:
        //   16.03.–31.03. = 16 days on 1,190.00: 1190.00 x 0.1027 x 16 / 365 = 5.3573... -> 5.36
        //   01.04.–29.04. = 29 days on   600.00:  600.00 x 0.1027 x 29 / 365 = 4.8958... -> 4.90
        // (without the split: 45 days on 1,190.00 = EUR 15.07).
        let open_now = eur(60_000);
        let receipts = [(d("2026-04-01"), eur(59_000))];
        let b = balances(open_now, &receipts, d("2026-03-16"), d("2026-04-29"));
        assert_eq!(b, [(d("2026-03-16"), eur(119_000)), (d("2026-04-01"), eur(60_000))]);
        let p =
            interest_on_balances(&b, d("2026-03-16"), d("2026-04-29"), Debtor::Business, &rates(), Default::default())
                .unwrap();
        let got: Vec<_> = p.iter().map(|x| (x.from, x.to, x.days, x.principal, x.amount)).collect();
        assert_eq!(
            got,
            [
                (d("2026-03-16"), d("2026-03-31"), 16, eur(119_000), eur(536)),
                (d("2026-04-01"), d("2026-04-29"), 29, eur(60_000), eur(490)),
            ]
        );
        // Receipts before the period are in the open amount already; one after it changes every
        // day before it; two on one day are one change; a receipt on the first day counts from it.
        let receipts = [
            (d("2026-03-01"), eur(10_000)),
            (d("2026-04-10"), eur(5_000)),
            (d("2026-04-10"), eur(5_000)),
            (d("2026-03-16"), eur(1_000)),
        ];
        let b = balances(eur(50_000), &receipts, d("2026-03-16"), d("2026-04-29"));
        assert_eq!(b, [(d("2026-03-16"), eur(60_000)), (d("2026-04-10"), eur(50_000))]);
        // A payment across the 1 July change: pieces split at both.
        let b = balances(eur(20_000), &[(d("2025-06-25"), eur(30_000))], d("2025-06-20"), d("2025-07-10"));
        let p =
            interest_on_balances(&b, d("2025-06-20"), d("2025-07-10"), Debtor::Business, &rates(), Default::default())
                .unwrap();
        let got: Vec<_> = p.iter().map(|x| (x.from, x.to, x.principal)).collect();
        assert_eq!(
            got,
            [
                (d("2025-06-20"), d("2025-06-24"), eur(50_000)),
                (d("2025-06-25"), d("2025-06-30"), eur(20_000)),
                (d("2025-07-01"), d("2025-07-10"), eur(20_000)),
            ]
        );
    }

    #[test]
    fn a_period_across_1_july_is_split_at_the_rate_change() {
        // 20.06.2025 to 10.07.2025: 11 days in June at 2.27 + 9 = 11.27 %, 10 days in July at
        // 1.27 + 9 = 10.27 %. 500.00 x 0.1127 x 11 / 365 = 1.6982... -> 1.70;
        // 500.00 x 0.1027 x 10 / 365 = 1.4068... -> 1.41.
        let p = interest(eur(50_000), d("2025-06-20"), d("2025-07-10"), Debtor::Business, &rates(), Default::default())
            .unwrap();
        let got: Vec<_> = p.iter().map(|x| (x.from, x.to, x.days, x.rate, x.amount)).collect();
        assert_eq!(
            got,
            [
                (d("2025-06-20"), d("2025-06-30"), 11, dec!(11.27), eur(170)),
                (d("2025-07-01"), d("2025-07-10"), 10, dec!(10.27), eur(141)),
            ]
        );
    }

    #[test]
    fn a_day_without_a_published_rate_is_refused_not_guessed() {
        let e = interest(eur(10_000), d("2026-06-25"), d("2026-07-05"), Debtor::Consumer, &rates(), Default::default());
        assert_eq!(e, Err(InterestError::NoBaseRate(d("2026-07-01"))));
        assert!(is_change_day(d("2026-07-01")) && !is_change_day(d("2026-07-02")));
    }

    #[test]
    fn nothing_is_owed_for_no_days_or_no_principal_and_the_flat_fee_is_for_businesses_in_euro() {
        let r = rates();
        assert!(
            interest(eur(10_000), d("2026-03-02"), d("2026-03-01"), Debtor::Business, &r, Default::default())
                .unwrap()
                .is_empty()
        );
        assert!(
            interest(eur(0), d("2026-03-01"), d("2026-03-09"), Debtor::Business, &r, Default::default())
                .unwrap()
                .is_empty()
        );
        assert_eq!(flat_fee(Debtor::Business, Currency::EUR), Some(eur(4_000)));
        assert_eq!(flat_fee(Debtor::Consumer, Currency::EUR), None);
        assert_eq!(flat_fee(Debtor::Business, Currency::USD), None);
    }
}
