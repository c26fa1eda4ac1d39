//! What an invoice run reports to finance: totals per currency and per (currency, VAT category,
//! rate), and the exceptions it met. Pure: the job feeds it the VAT summary of every invoice it
//! plans, so a dry run and a real run report from the very same computation.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{CustomerId, SubscriptionId};
use crate::money::MoneyError;
use crate::tax::TaxSummary;

/// Why a subscription needs a look from finance. `blocking` ones keep that subscription's invoice
/// from being created (the subscription stays due and the next run tries again); the others are
/// warnings: the invoice is created and the exception listed beside it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionCode {
    /// The plan's price book has no price in the subscription's currency (a catalog or import
    /// error), or the subscription's own price cannot rate its period. Blocking: an invoice at a
    /// price nobody can confirm is worse than a late one.
    PriceMissing,
    /// The tax engine cannot decide the VAT (no rate for the country and date, or a place of supply
    /// where the seller is not registered). Blocking: a legal invoice needs its VAT.
    TaxUndeterminable,
    /// A business customer in another EU country without a VAT id VIES confirmed. Warning: the tax
    /// engine charges it as a consumer (destination VAT), which is lawful; a later valid id means a
    /// credit note and a reverse-charge invoice.
    VatIdMissing,
    /// The merchant collects automatically but the customer has no default payment method.
    /// Warning: the invoice is owed all the same; collection will fail until one is added.
    PaymentMethodMissing,
    /// The periods the run would invoice together for this subscription are priced partly
    /// tax-exclusive, partly tax-inclusive (a scheduled change between a net and a gross price).
    /// Blocking: the run invoices a subscription's due periods all or none, and reading them in
    /// one behaviour would change what the customer pays by the VAT. Invoicing up to the day
    /// before the change first (a run with an earlier as-of date) resolves it.
    TaxBehaviorMixed,
    /// The invoice is in another currency than the seller's national one, and no ECB rate was
    /// imported for its supply date or the `fx::ART230_RATE_WINDOW_DAYS` days before, so its VAT
    /// cannot be stated in the national currency (Art. 230 VAT Directive). Blocking: an invoice
    /// without that statement is not a proper invoice; importing the rates and running again
    /// invoices it.
    FxRateMissing,
    /// The customer receives e-invoices (XRechnung or ZUGFeRD) and the seller's or the
    /// customer's data lacks what that format makes mandatory (e.g. a public buyer's Leitweg-ID).
    /// Warning: the invoice is lawful and created; its e-invoice can be made once the data is
    /// added, and is refused until then rather than sent broken.
    EInvoiceDataMissing,
}

impl ExceptionCode {
    pub const ALL: [ExceptionCode; 7] = [
        ExceptionCode::PriceMissing,
        ExceptionCode::TaxUndeterminable,
        ExceptionCode::VatIdMissing,
        ExceptionCode::PaymentMethodMissing,
        ExceptionCode::TaxBehaviorMixed,
        ExceptionCode::FxRateMissing,
        ExceptionCode::EInvoiceDataMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionCode::PriceMissing => "price_missing",
            ExceptionCode::TaxUndeterminable => "tax_undeterminable",
            ExceptionCode::VatIdMissing => "vat_id_missing",
            ExceptionCode::PaymentMethodMissing => "payment_method_missing",
            ExceptionCode::TaxBehaviorMixed => "tax_behavior_mixed",
            ExceptionCode::FxRateMissing => "fx_rate_missing",
            ExceptionCode::EInvoiceDataMissing => "einvoice_data_missing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn blocking(self) -> bool {
        matches!(
            self,
            ExceptionCode::PriceMissing
                | ExceptionCode::TaxUndeterminable
                | ExceptionCode::TaxBehaviorMixed
                | ExceptionCode::FxRateMissing
        )
    }
}

/// One exception of a run. `details` are the arguments of its localized message.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RunException {
    pub subscription_id: SubscriptionId,
    pub customer_id: CustomerId,
    pub code: ExceptionCode,
    pub blocking: bool,
    pub details: BTreeMap<String, String>,
}

impl RunException {
    pub fn new(
        subscription_id: SubscriptionId,
        customer_id: CustomerId,
        code: ExceptionCode,
        details: &[(&str, String)],
    ) -> Self {
        Self {
            subscription_id,
            customer_id,
            code,
            blocking: code.blocking(),
            details: details.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect(),
        }
    }
}

/// Invoices and amounts in one currency (minor units).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CurrencyLine {
    pub currency: String,
    pub invoices: u64,
    pub net: i64,
    pub vat: i64,
    pub total: i64,
}

/// Amounts of one VAT rate group in one currency (minor units). `invoices` counts the invoices
/// that have a group at this rate.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RateLine {
    pub currency: String,
    pub vat_category: String,
    pub vat_rate: Decimal,
    pub invoices: u64,
    pub net: i64,
    pub vat: i64,
    pub total: i64,
}

/// The totals of a run. Amounts in different currencies are never added together.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct RunTotals {
    pub by_currency: Vec<CurrencyLine>,
    pub by_rate: Vec<RateLine>,
}

/// A run's totals in one reporting currency: each currency's net and VAT converted at the ECB
/// reference rate of one date (the latest publication on or before it), rounded once per amount;
/// the total is net + VAT, so the three always agree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportingTotals {
    pub currency: String,
    pub net: i64,
    pub vat: i64,
    pub total: i64,
    /// The rate used per converted currency (units per EUR cross rate) and its publication day.
    pub rates: Vec<ReportingRate>,
    /// Currencies without an ECB rate near the date: left out of the sums above.
    pub unconverted: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportingRate {
    pub currency: String,
    pub rate: Decimal,
    pub rate_date: chrono::NaiveDate,
}

impl RunTotals {
    /// The per-currency totals converted into `to` with the rates of `date` from `table`.
    pub fn in_currency(
        &self,
        to: crate::currency::Currency,
        date: chrono::NaiveDate,
        table: &crate::fx::RateTable,
        policy: crate::rounding::RoundingPolicy,
    ) -> Result<ReportingTotals> {
        use crate::fx::Fallback;
        use crate::money::Money;
        let mut out = ReportingTotals {
            currency: to.code().to_owned(),
            net: 0,
            vat: 0,
            total: 0,
            rates: Vec::new(),
            unconverted: Vec::new(),
        };
        for line in &self.by_currency {
            let from = crate::currency::Currency::from_code(&line.currency)?;
            let convert =
                |minor: i64| table.convert(Money::from_minor(minor, from), to, date, Fallback::Previous, policy);
            match (convert(line.net), convert(line.vat)) {
                (Ok(net), Ok(vat)) => {
                    out.net = add(out.net, net.amount.minor())?;
                    out.vat = add(out.vat, vat.amount.minor())?;
                    if from != to {
                        out.rates.push(ReportingRate {
                            currency: line.currency.clone(),
                            rate: net.rate,
                            rate_date: net.rate_date,
                        });
                    }
                }
                _ => out.unconverted.push(line.currency.clone()),
            }
        }
        out.total = add(out.net, out.vat)?;
        Ok(out)
    }
}

fn add(a: i64, b: i64) -> Result<i64> {
    Ok(a.checked_add(b).ok_or(MoneyError::Overflow)?)
}

impl RunTotals {
    /// Adds one invoice by its VAT summary (the same one stored on the invoice).
    pub fn add_invoice(&mut self, vat: &TaxSummary) -> Result<()> {
        let currency = vat.gross_total.currency().code();
        self.add_currency(&CurrencyLine {
            currency: currency.to_string(),
            invoices: 1,
            net: vat.net_total.minor(),
            vat: vat.tax_total.minor(),
            total: vat.gross_total.minor(),
        })?;
        for g in &vat.groups {
            self.add_rate(&RateLine {
                currency: currency.to_string(),
                vat_category: g.category_code.code().to_string(),
                vat_rate: g.rate.normalize(),
                invoices: 1,
                net: g.taxable.minor(),
                vat: g.tax.minor(),
                total: add(g.taxable.minor(), g.tax.minor())?,
            })?;
        }
        Ok(())
    }

    fn add_currency(&mut self, line: &CurrencyLine) -> Result<()> {
        match self.by_currency.iter_mut().find(|c| c.currency == line.currency) {
            Some(c) => {
                c.invoices += line.invoices;
                c.net = add(c.net, line.net)?;
                c.vat = add(c.vat, line.vat)?;
                c.total = add(c.total, line.total)?;
            }
            None => {
                self.by_currency.push(line.clone());
                self.by_currency.sort_by(|a, b| a.currency.cmp(&b.currency));
            }
        }
        Ok(())
    }

    fn add_rate(&mut self, line: &RateLine) -> Result<()> {
        let same = |r: &&mut RateLine| {
            r.currency == line.currency && r.vat_category == line.vat_category && r.vat_rate == line.vat_rate
        };
        match self.by_rate.iter_mut().find(same) {
            Some(r) => {
                r.invoices += line.invoices;
                r.net = add(r.net, line.net)?;
                r.vat = add(r.vat, line.vat)?;
                r.total = add(r.total, line.total)?;
            }
            None => {
                self.by_rate.push(line.clone());
                // Currency, then category, then the highest rate first: the order of a VAT return.
                self.by_rate.sort_by(|a, b| {
                    (&a.currency, &a.vat_category, std::cmp::Reverse(a.vat_rate)).cmp(&(
                        &b.currency,
                        &b.vat_category,
                        std::cmp::Reverse(b.vat_rate),
                    ))
                });
            }
        }
        Ok(())
    }

    /// Adds everything of `other` (a chunk into its run, a tenant into the whole run).
    pub fn merge(&mut self, other: &RunTotals) -> Result<()> {
        for c in &other.by_currency {
            self.add_currency(c)?;
        }
        for r in &other.by_rate {
            self.add_rate(r)?;
        }
        Ok(())
    }

    pub fn invoices(&self) -> u64 {
        self.by_currency.iter().map(|c| c.invoices).sum()
    }
}

/// The counters of a run.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct RunCounts {
    /// Due subscriptions the run looked at.
    pub subscriptions: u64,
    pub invoices: u64,
    /// Subscriptions not invoiced because of a blocking exception.
    pub skipped: u64,
    pub exceptions: u64,
}

impl RunCounts {
    pub fn merge(&mut self, other: &RunCounts) {
        self.subscriptions += other.subscriptions;
        self.invoices += other.invoices;
        self.skipped += other.skipped;
        self.exceptions += other.exceptions;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn totals_are_converted_at_the_dates_rate_and_unknown_currencies_are_named() {
        use crate::currency::Currency;
        use crate::fx::{EcbRate, RateTable};
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let table = RateTable::new([EcbRate {
            date: day,
            currency: Currency::USD,
            per_eur: rust_decimal_macros::dec!(1.0850),
        }])
        .unwrap();
        let line = |currency: &str, net: i64, vat: i64| super::CurrencyLine {
            currency: currency.into(),
            invoices: 1,
            net,
            vat,
            total: net + vat,
        };
        let totals = super::RunTotals {
            by_currency: vec![line("EUR", 10_000, 1_900), line("USD", 10_850, 2_062), line("CNY", 100, 13)],
            by_rate: vec![],
        };
        let r = totals.in_currency(Currency::EUR, day, &table, crate::rounding::RoundingPolicy::default()).unwrap();
        // 108.50 USD = 100.00 EUR; 20.62 USD = 19.004… → 19.00 EUR.
        assert_eq!((r.net, r.vat, r.total), (20_000, 3_800, 23_800));
        assert_eq!(r.unconverted, ["CNY"]);
        assert_eq!((r.rates[0].currency.as_str(), r.rates[0].rate_date), ("USD", day));
    }
    use super::*;
    use crate::currency::Currency;
    use crate::money::Money;
    use crate::tax::{TaxDecision, TaxableLine, VatCategory, compute};
    use rust_decimal_macros::dec;

    fn summary(net: i64, currency: Currency, rate: Decimal) -> TaxSummary {
        let decision = TaxDecision {
            category_code: if rate.is_zero() { VatCategory::O } else { VatCategory::S },
            rate,
            country: None,
            notice: None,
            rule: "test",
        };
        compute(&[TaxableLine { net: Money::from_minor(net, currency), decision }], false, Default::default()).unwrap()
    }

    #[test]
    fn totals_add_up_per_currency_and_per_rate_and_never_across_currencies() {
        let mut t = RunTotals::default();
        t.add_invoice(&summary(10000, Currency::EUR, dec!(19))).unwrap();
        t.add_invoice(&summary(10000, Currency::EUR, dec!(20))).unwrap();
        t.add_invoice(&summary(2900, Currency::EUR, dec!(19.0))).unwrap();
        t.add_invoice(&summary(3200, Currency::USD, dec!(0))).unwrap();
        assert_eq!(t.invoices(), 4);
        let eur = &t.by_currency[0];
        assert_eq!((eur.currency.as_str(), eur.invoices, eur.net, eur.vat, eur.total), ("EUR", 3, 22900, 4451, 27351));
        let rates: Vec<_> =
            t.by_rate.iter().map(|r| (r.currency.as_str(), r.vat_category.as_str(), r.vat_rate, r.invoices)).collect();
        assert_eq!(rates, [("EUR", "S", dec!(20), 1), ("EUR", "S", dec!(19), 2), ("USD", "O", dec!(0), 1)]);
        // Per rate sums to per currency.
        for c in &t.by_currency {
            let rows = t.by_rate.iter().filter(|r| r.currency == c.currency);
            assert_eq!(rows.map(|r| r.total).sum::<i64>(), c.total);
        }
    }

    #[test]
    fn merging_chunks_equals_adding_every_invoice_to_one() {
        let invoices = [(500, dec!(19)), (700, dec!(7)), (900, dec!(19)), (1100, dec!(0))];
        let mut whole = RunTotals::default();
        let (mut a, mut b) = (RunTotals::default(), RunTotals::default());
        for (i, (net, rate)) in invoices.iter().enumerate() {
            let s = summary(*net, Currency::EUR, *rate);
            whole.add_invoice(&s).unwrap();
            if i % 2 == 0 { &mut a } else { &mut b }.add_invoice(&s).unwrap();
        }
        a.merge(&b).unwrap();
        assert_eq!(a, whole);
        let back: RunTotals = serde_json::from_value(serde_json::to_value(&whole).unwrap()).unwrap();
        assert_eq!(back, whole, "stored and read back unchanged");
    }

    #[test]
    fn missing_prices_undeterminable_tax_mixed_tax_behavior_and_missing_fx_rates_block_the_others_warn() {
        let blocking: Vec<_> = ExceptionCode::ALL.into_iter().filter(|c| c.blocking()).map(|c| c.as_str()).collect();
        assert_eq!(blocking, ["price_missing", "tax_undeterminable", "tax_behavior_mixed", "fx_rate_missing"]);
        for c in ExceptionCode::ALL {
            assert_eq!(ExceptionCode::parse(c.as_str()), Some(c));
        }
    }
}
