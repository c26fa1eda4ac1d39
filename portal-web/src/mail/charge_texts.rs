//! The words of the invoice lines a dunning step charges (`billing_core::ports::charge_texts`),
//! from the Fluent `documents` strings in the customer's language, amounts, dates and rates
//! through the CLDR formatting of `crate::i18n::format`. German is the legal original.

use billing_core::ports::charge_texts::{ChargeTexts, InterestLine};
use rust_decimal::Decimal;

use crate::i18n::{I18n, Locale, format};

/// The Fluent catalog as the engine's `ChargeTexts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FluentChargeTexts;

fn locale(tag: &str) -> Locale {
    Locale::negotiate_tag(tag).unwrap_or(Locale::FALLBACK)
}

impl ChargeTexts for FluentChargeTexts {
    fn interest(&self, tag: &str, l: &InterestLine<'_>) -> String {
        let loc = locale(tag);
        let args = [
            ("number", l.invoice_number.to_string()),
            ("section", if l.business { "2" } else { "1" }.to_string()),
            ("principal", format::money(l.principal, loc)),
            ("from", format::date(l.from, loc)),
            ("to", format::date(l.to, loc)),
            ("days", l.days.to_string()),
            ("rate", format::percent(l.rate, loc)),
            ("base", format::percent(l.base_rate, loc)),
            ("points", format::decimal(l.points, loc)),
        ];
        I18n::global().text(loc, "doc-dunning-interest", &args)
    }

    fn flat_fee(&self, tag: &str, invoice_number: &str) -> String {
        I18n::global().text(locale(tag), "doc-dunning-flat-fee", &[("number", invoice_number.to_string())])
    }

    fn late_fee(&self, tag: &str, invoice_number: &str, percent: Option<Decimal>) -> String {
        let loc = locale(tag);
        match percent {
            Some(p) => I18n::global().text(
                loc,
                "doc-dunning-late-fee-percent",
                &[("number", invoice_number.to_string()), ("percent", format::percent(p, loc))],
            ),
            None => I18n::global().text(loc, "doc-dunning-late-fee", &[("number", invoice_number.to_string())]),
        }
    }
}
