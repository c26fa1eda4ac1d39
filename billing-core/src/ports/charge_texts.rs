//! The descriptions of the invoice lines a dunning step charges (late fee, default interest, the
//! flat fee of § 288 Abs. 5 BGB), in the customer's language. The engine knows the numbers;
//! the words and the CLDR formatting of amounts, dates and rates come from the Fluent catalog in
//! portal-web (`documents.ftl`), which implements this port. [`PlainChargeTexts`] is the
//! English fallback for callers without the catalog (unit tests of the engine).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::money::Money;

/// An interest line: `principal` from `from` to `to` (both counted, `days` days) at `rate` %
/// a year = base rate `base_rate` % + `points` percentage points.
#[derive(Debug, Clone)]
pub struct InterestLine<'a> {
    pub invoice_number: &'a str,
    pub principal: Money,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    pub base_rate: Decimal,
    pub points: Decimal,
    pub rate: Decimal,
    /// § 288 Abs. 2 (a business debtor) rather than Abs. 1.
    pub business: bool,
}

pub trait ChargeTexts: Send + Sync {
    /// `locale` is the customer's (`de`, `pt-BR`, ...).
    fn interest(&self, locale: &str, line: &InterestLine<'_>) -> String;
    fn flat_fee(&self, locale: &str, invoice_number: &str) -> String;
    /// `percent`: the percentage the fee was computed with, when it was.
    fn late_fee(&self, locale: &str, invoice_number: &str, percent: Option<Decimal>) -> String;
}

/// English, ISO dates, plain numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainChargeTexts;

impl ChargeTexts for PlainChargeTexts {
    fn interest(&self, _locale: &str, l: &InterestLine<'_>) -> String {
        let section = if l.business { "§ 288 (2) BGB" } else { "§ 288 (1) BGB" };
        format!(
            "Default interest ({section}) on invoice {}: {} {} from {} to {} (interest days: {}, actual/365) at {} % p.a. (base rate {} % + {} points)",
            l.invoice_number,
            l.principal.currency().code(),
            l.principal.to_decimal(),
            l.from,
            l.to,
            l.days,
            l.rate,
            l.base_rate,
            l.points
        )
    }

    fn flat_fee(&self, _locale: &str, invoice_number: &str) -> String {
        format!("Flat fee for late payment (§ 288 (5) BGB) on invoice {invoice_number}")
    }

    fn late_fee(&self, _locale: &str, invoice_number: &str, percent: Option<Decimal>) -> String {
        match percent {
            Some(p) => format!("Late fee on invoice {invoice_number} ({p} % of the open amount)"),
            None => format!("Late fee on invoice {invoice_number}"),
        }
    }
}
