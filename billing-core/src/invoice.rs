//! Invoices: status machine, legal numbering format and per-currency run totals.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    Uncollectible,
}

impl InvoiceStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
            InvoiceStatus::Uncollectible => "uncollectible",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "draft" => InvoiceStatus::Draft,
            "open" => InvoiceStatus::Open,
            "paid" => InvoiceStatus::Paid,
            "void" => InvoiceStatus::Void,
            "uncollectible" => InvoiceStatus::Uncollectible,
            _ => return None,
        })
    }
}

/// What can be done to an invoice. [`InvoiceStatus::allows`] is the state machine's guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceAction {
    /// Add or remove lines, change the memo (drafts only: a finalized invoice never changes).
    Edit,
    /// Give it its number and freeze it.
    Finalize,
    /// Delete it (drafts only: a numbered invoice is never deleted, it is voided).
    Delete,
    /// Cancel a finalized invoice that nothing was paid on; its number stays used.
    Void,
    /// Write it off: the customer is not expected to pay (money still accepted).
    MarkUncollectible,
    /// Issue a credit note against it.
    Credit,
    /// Receive money for it.
    Pay,
}

impl InvoiceAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceAction::Edit => "edit",
            InvoiceAction::Finalize => "finalize",
            InvoiceAction::Delete => "delete",
            InvoiceAction::Void => "void",
            InvoiceAction::MarkUncollectible => "mark uncollectible",
            InvoiceAction::Credit => "credit",
            InvoiceAction::Pay => "pay",
        }
    }
}

impl InvoiceStatus {
    /// The transitions: draft -> open (finalize) or deleted; open -> paid (payments), void,
    /// uncollectible; uncollectible -> paid, void; paid and void are final (a paid invoice is
    /// corrected by a credit note, never edited).
    pub fn allows(self, action: InvoiceAction) -> bool {
        use InvoiceAction as A;
        use InvoiceStatus as S;
        matches!(
            (self, action),
            (S::Draft, A::Edit | A::Finalize | A::Delete)
                | (S::Open, A::Void | A::MarkUncollectible | A::Credit | A::Pay)
                | (S::Uncollectible, A::Void | A::Credit | A::Pay)
                | (S::Paid, A::Credit)
        )
    }

    /// Refuses `action` in this status with the error the API reports.
    pub fn guard(self, action: InvoiceAction) -> Result<()> {
        if self.allows(action) {
            Ok(())
        } else {
            Err(Error::InvoiceStateConflict { status: self.as_str(), action: action.as_str() })
        }
    }
}

/// One VAT group of a finalized invoice, as a credit note needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditBase {
    pub decision: crate::tax::TaxDecision,
    /// The group's gross amount on the invoice (taxable + VAT), positive.
    pub gross: Money,
}

/// The VAT of a credit note for `gross` (positive, at most what is still creditable) against an
/// invoice with these VAT groups: the gross is allocated over the groups in proportion to their
/// gross (remainders so the parts sum to the whole), and each part is split into net and VAT at
/// the invoice's own rate (a correction takes the rate of the supply it corrects, not today's),
/// rounded once per group through the policy. The summary's amounts are negative.
pub fn credit_note_vat(
    gross: Money,
    groups: &[CreditBase],
    policy: crate::rounding::RoundingPolicy,
) -> Result<crate::tax::TaxSummary> {
    if !gross.is_positive() {
        return Err(Error::invalid("amount", "a credit note must credit more than zero"));
    }
    let usable: Vec<&CreditBase> = groups.iter().filter(|g| g.gross.is_positive()).collect();
    if usable.is_empty() {
        return Err(Error::invalid("amount", "the invoice has nothing to credit"));
    }
    let weights: Vec<u64> = usable.iter().map(|g| g.gross.minor().unsigned_abs()).collect();
    let parts = gross.allocate(&weights)?;
    let lines: Vec<crate::tax::TaxableLine> = usable
        .iter()
        .zip(parts)
        .filter(|(_, part)| !part.is_zero())
        .map(|(g, part)| Ok(crate::tax::TaxableLine { net: part.checked_neg()?, decision: g.decision.clone() }))
        .collect::<Result<_>>()?;
    Ok(crate::tax::compute(&lines, true, policy)?)
}

/// A tenant's invoice number format, e.g. `INV-{YYYY}-{seq:06}`.
///
/// Tokens: `{YYYY}`, `{YY}`, `{MM}` (from the issue date) and exactly one `{seq}` or `{seq:0N}`
/// (the gapless counter, zero-padded to N digits). The counter runs per *series*, and the series
/// is the format with its date tokens filled in: a format with `{YYYY}` restarts at 1 each year,
/// one without date tokens never restarts. Either way the numbers within a series have no gaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Year4,
    Year2,
    Month,
    Seq { width: usize },
}

impl NumberFormat {
    pub fn parse(format: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidNumberFormat { format: format.into(), reason: reason.into() };
        let mut parts = Vec::new();
        let mut rest = format;
        let mut seqs = 0;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| bad("unclosed `{`"))? + open;
            let token = &rest[open + 1..close];
            parts.push(match token {
                "YYYY" => Part::Year4,
                "YY" => Part::Year2,
                "MM" => Part::Month,
                "seq" => {
                    seqs += 1;
                    Part::Seq { width: 1 }
                }
                t if t.starts_with("seq:0") => {
                    seqs += 1;
                    let width: usize = t[5..].parse().map_err(|_| bad("`{seq:0N}` needs a number N"))?;
                    if !(1..=12).contains(&width) {
                        return Err(bad("the sequence width must be 1 to 12"));
                    }
                    Part::Seq { width }
                }
                _ => {
                    return Err(bad("unknown token; use {YYYY}, {YY}, {MM}, {seq} or {seq:0N}"));
                }
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if seqs != 1 {
            return Err(bad("needs exactly one {seq} token"));
        }
        let text: String =
            parts.iter().filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None }).collect();
        if text.contains('}') || text.chars().any(|c| c.is_control()) || text.len() > 32 {
            return Err(bad("literal text must be at most 32 printable characters"));
        }
        Ok(Self { parts })
    }

    /// The counter key for an invoice issued on `date`: the format with date tokens filled in.
    pub fn series(&self, date: NaiveDate) -> String {
        self.render_with(date, |_| "{seq}".to_string())
    }

    /// The invoice number for sequence value `seq` issued on `date`.
    pub fn render(&self, date: NaiveDate, seq: i64) -> String {
        self.render_with(date, |width| format!("{seq:0width$}"))
    }

    fn render_with(&self, date: NaiveDate, seq: impl Fn(usize) -> String) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Year4 => out.push_str(&format!("{:04}", date.year())),
                Part::Year2 => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::Seq { width } => out.push_str(&seq(*width)),
            }
        }
        out
    }
}

/// VAT for one document's lines, all supplied under one decision (one customer, one product
/// category, one supply date): the lines' amounts are summed per rate group and the VAT rounded
/// once per group (EN 16931 BR-CO-17), through the rounding policy.
///
/// `behavior` says what the amounts are: net (`Exclusive`: VAT is added on top) or what the
/// customer pays (`Inclusive`: the VAT that this customer's decision gives, possibly none, is
/// carved out of the group's sum, so the gross total stays the price).
pub fn document_vat(
    seller: &crate::tax::SellerProfile,
    customer: &crate::tax::CustomerProfile,
    category: crate::tax::TaxCategory,
    supply_date: NaiveDate,
    amounts: &[Money],
    behavior: crate::catalog::TaxBehavior,
    policy: crate::rounding::RoundingPolicy,
) -> Result<(crate::tax::TaxDecision, crate::tax::TaxSummary)> {
    document_vat_with(seller, customer, category, supply_date, amounts, behavior, policy, false)
}

/// [`document_vat`], saying whether the seller's Art. 59c threshold is exceeded with this supply
/// (`service::invoices::threshold` sums the turnover); `document_vat` assumes it is not.
#[allow(clippy::too_many_arguments)]
pub fn document_vat_with(
    seller: &crate::tax::SellerProfile,
    customer: &crate::tax::CustomerProfile,
    category: crate::tax::TaxCategory,
    supply_date: NaiveDate,
    amounts: &[Money],
    behavior: crate::catalog::TaxBehavior,
    policy: crate::rounding::RoundingPolicy,
    art59c_exceeded: bool,
) -> Result<(crate::tax::TaxDecision, crate::tax::TaxSummary)> {
    let decision = crate::tax::decide(seller, customer, category, supply_date, art59c_exceeded)?;
    let lines: Vec<crate::tax::TaxableLine> =
        amounts.iter().map(|amount| crate::tax::TaxableLine { net: *amount, decision: decision.clone() }).collect();
    let summary = crate::tax::compute(&lines, behavior.includes_tax(), policy)?;
    Ok((decision, summary))
}

/// Count and sum of invoices in one currency, as reported by an invoice run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CurrencyTotal {
    pub count: u64,
    pub total: Money,
}

/// Per-currency totals; amounts in different currencies are never added together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TotalsByCurrency(pub BTreeMap<String, CurrencyTotal>);

impl TotalsByCurrency {
    pub fn add(&mut self, amount: Money) -> Result<()> {
        let code = amount.currency().code().to_string();
        let entry = self.0.entry(code).or_insert(CurrencyTotal { count: 0, total: Money::zero(amount.currency()) });
        entry.total = entry.total.checked_add(amount)?;
        entry.count += 1;
        Ok(())
    }

    pub fn merge(&mut self, other: &TotalsByCurrency) -> Result<()> {
        for t in other.0.values() {
            let entry = self
                .0
                .entry(t.total.currency().code().to_string())
                .or_insert(CurrencyTotal { count: 0, total: Money::zero(t.total.currency()) });
            entry.total = entry.total.checked_add(t.total)?;
            entry.count += t.count;
        }
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.0.values().map(|t| t.count).sum()
    }

    pub fn get(&self, currency: Currency) -> Option<&CurrencyTotal> {
        self.0.get(currency.code())
    }
}

/// Where money came from (or went).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentSource {
    Card,
    SepaDebit,
    BankTransfer,
    /// A staff member recorded a payment received outside the system.
    Manual,
    /// The customer's credit balance paid (part of) the invoice.
    CreditBalance,
}

impl PaymentSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentSource::Card => "card",
            PaymentSource::SepaDebit => "sepa_debit",
            PaymentSource::BankTransfer => "bank_transfer",
            PaymentSource::Manual => "manual",
            PaymentSource::CreditBalance => "credit_balance",
        }
    }
}

/// Why money went back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundSource {
    Refund,
    Dispute,
}

impl RefundSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundSource::Refund => "refund",
            RefundSource::Dispute => "dispute",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[rstest]
    #[case("INV-{YYYY}-{seq:06}", "2026-03-01", 42, "INV-2026-000042", "INV-2026-{seq}")]
    #[case("RE-{YY}{MM}-{seq:04}", "2026-11-23", 7, "RE-2611-0007", "RE-2611-{seq}")]
    #[case("{seq}", "2026-11-23", 1234567, "1234567", "{seq}")]
    #[case("A{seq:03}", "2026-11-23", 12345, "A12345", "A{seq}")]
    fn numbers_render_from_the_format(
        #[case] format: &str,
        #[case] date: &str,
        #[case] seq: i64,
        #[case] number: &str,
        #[case] series: &str,
    ) {
        let f = NumberFormat::parse(format).unwrap();
        assert_eq!(f.render(d(date), seq), number);
        assert_eq!(f.series(d(date)), series);
    }

    #[test]
    fn a_yearly_format_gets_a_new_series_each_year() {
        let f = NumberFormat::parse("INV-{YYYY}-{seq:06}").unwrap();
        assert_ne!(f.series(d("2026-12-31")), f.series(d("2027-01-01")));
        assert_eq!(f.series(d("2026-01-01")), f.series(d("2026-12-31")));
    }

    #[rstest]
    #[case("INV-{YYYY}")]
    #[case("INV-{seq}-{seq}")]
    #[case("INV-{DD}-{seq}")]
    #[case("INV-{seq")]
    #[case("INV-{seq:0x}")]
    #[case("INV-{seq:099}")]
    fn bad_formats_are_rejected(#[case] format: &str) {
        assert!(NumberFormat::parse(format).is_err());
    }

    #[rstest]
    #[case(InvoiceStatus::Draft, InvoiceAction::Finalize, true)]
    #[case(InvoiceStatus::Draft, InvoiceAction::Void, false)]
    #[case(InvoiceStatus::Open, InvoiceAction::Edit, false)]
    #[case(InvoiceStatus::Open, InvoiceAction::Delete, false)]
    #[case(InvoiceStatus::Open, InvoiceAction::Void, true)]
    #[case(InvoiceStatus::Paid, InvoiceAction::Void, false)]
    #[case(InvoiceStatus::Paid, InvoiceAction::Credit, true)]
    #[case(InvoiceStatus::Void, InvoiceAction::Credit, false)]
    #[case(InvoiceStatus::Uncollectible, InvoiceAction::Pay, true)]
    #[case(InvoiceStatus::Void, InvoiceAction::Pay, false)]
    fn the_state_machine_guards_every_action(
        #[case] status: InvoiceStatus,
        #[case] action: InvoiceAction,
        #[case] allowed: bool,
    ) {
        assert_eq!(status.allows(action), allowed);
        assert_eq!(status.guard(action).is_ok(), allowed);
    }

    fn standard(rate: i64) -> crate::tax::TaxDecision {
        crate::tax::TaxDecision {
            category_code: crate::tax::VatCategory::S,
            rate: rust_decimal::Decimal::from(rate),
            country: Some(crate::country::Country::parse("DE").unwrap()),
            notice: None,
            rule: "domestic",
        }
    }

    #[test]
    fn a_partial_credit_note_splits_the_gross_at_the_invoices_rate() {
        // 119.00 gross at 19 %: crediting 59.50 gives -50.00 net and -9.50 VAT.
        let base = [CreditBase { decision: standard(19), gross: Money::from_minor(11900, Currency::EUR) }];
        let vat = credit_note_vat(Money::from_minor(5950, Currency::EUR), &base, Default::default()).unwrap();
        assert_eq!(vat.net_total.minor(), -5000);
        assert_eq!(vat.tax_total.minor(), -950);
        assert_eq!(vat.gross_total.minor(), -5950);
    }

    #[test]
    fn a_credit_over_two_rates_is_allocated_in_proportion_and_sums_to_the_whole() {
        let base = [
            CreditBase { decision: standard(19), gross: Money::from_minor(11900, Currency::EUR) },
            CreditBase { decision: standard(7), gross: Money::from_minor(10700, Currency::EUR) },
        ];
        let vat = credit_note_vat(Money::from_minor(10001, Currency::EUR), &base, Default::default()).unwrap();
        assert_eq!(vat.gross_total.minor(), -10001);
        assert_eq!(vat.groups.len(), 2);
        assert_eq!(vat.net_total.minor() + vat.tax_total.minor(), -10001);
    }

    #[test]
    fn a_credit_of_nothing_is_refused() {
        let base = [CreditBase { decision: standard(19), gross: Money::from_minor(11900, Currency::EUR) }];
        assert!(credit_note_vat(Money::zero(Currency::EUR), &base, Default::default()).is_err());
    }

    mod inclusive_prices {
        //! A tax-inclusive price is what the customer pays; the VAT that applies to *that*
        //! customer is carved out of it, per VAT group, rounded once (exact fraction).
        use super::*;
        use crate::catalog::TaxBehavior;
        use crate::country::Country;
        use crate::rounding::RoundingPolicy;
        use crate::tax::{
            CustomerKind, CustomerProfile, SellerProfile, TaxCategory, TaxNotice, TaxSummary, VatCategory, VatId,
            VatIdStatus,
        };
        use chrono::{TimeZone, Utc};
        use rust_decimal_macros::dec;

        fn c(code: &str) -> Country {
            Country::parse(code).unwrap()
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

        fn eur(minor: i64) -> Money {
            Money::from_minor(minor, Currency::EUR)
        }

        fn inclusive(customer: &CustomerProfile, amounts: &[Money]) -> (crate::tax::TaxDecision, TaxSummary) {
            document_vat(
                &german_oss_seller(),
                customer,
                TaxCategory::DigitalService,
                d("2026-03-02"),
                amounts,
                TaxBehavior::Inclusive,
                RoundingPolicy::default(),
            )
            .unwrap()
        }

        /// (net, VAT, gross) in minor units.
        fn amounts(summary: &TaxSummary) -> (i64, i64, i64) {
            (summary.net_total.minor(), summary.tax_total.minor(), summary.gross_total.minor())
        }

        #[test]
        fn a_german_consumer_pays_the_price_with_19_percent_inside() {
            let (decision, summary) = inclusive(&consumer("DE"), &[eur(11900)]);
            assert_eq!((decision.category_code, decision.rate), (VatCategory::S, dec!(19)));
            assert_eq!(amounts(&summary), (10000, 1900, 11900));
        }

        #[test]
        fn an_austrian_consumer_pays_the_same_price_with_austrian_vat_inside() {
            // OSS: Austrian VAT, 20 %. 11900 × 20 / 120 = 1983.33… → 19.83 VAT, 99.17 net.
            let (decision, summary) = inclusive(&consumer("AT"), &[eur(11900)]);
            assert_eq!((decision.rate, decision.country), (dec!(20), Some(c("AT"))));
            assert_eq!(amounts(&summary), (9917, 1983, 11900));
            // The exclusive reading of the same amount would charge 142.80.
            let (_, exclusive) = document_vat(
                &german_oss_seller(),
                &consumer("AT"),
                TaxCategory::DigitalService,
                d("2026-03-02"),
                &[eur(11900)],
                TaxBehavior::Exclusive,
                RoundingPolicy::default(),
            )
            .unwrap();
            assert_eq!(amounts(&exclusive), (11900, 2380, 14280));
        }

        #[test]
        fn a_french_business_under_reverse_charge_pays_the_price_as_net() {
            let status = VatIdStatus::Valid {
                checked_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
                consultation_number: Some("WAPIAAAAW1234567".into()),
                name: None,
                address: None,
            };
            let customer = CustomerProfile {
                country: c("FR"),
                kind: CustomerKind::Business,
                vat_id: Some((VatId::parse("FR40303265045").unwrap(), status)),
                exempt: false,
            };
            let (decision, summary) = inclusive(&customer, &[eur(11900)]);
            assert_eq!(decision.category_code, VatCategory::AE);
            assert_eq!(amounts(&summary), (11900, 0, 11900));
            assert_eq!(summary.notices, vec![TaxNotice::ReverseCharge]);
        }

        #[test]
        fn a_swiss_business_outside_the_eu_pays_the_price_without_vat() {
            let customer =
                CustomerProfile { country: c("CH"), kind: CustomerKind::Business, vat_id: None, exempt: false };
            let (decision, summary) = inclusive(&customer, &[eur(11900)]);
            assert_eq!(decision.category_code, VatCategory::O);
            assert_eq!(amounts(&summary), (11900, 0, 11900));
        }

        #[test]
        fn several_lines_are_carved_out_once_per_group_not_per_line() {
            // 3 × 9.99 incl. 19 %: per group 29.97 × 19/119 = 4.785… → 4.79; per line 1.5950… →
            // 1.60 each, 4.80 together. The invoice states the group's figure.
            let per_line: i64 = (0..3).map(|_| amounts(&inclusive(&consumer("DE"), &[eur(999)]).1).1).sum();
            assert_eq!(per_line, 480);
            let (_, summary) = inclusive(&consumer("DE"), &[eur(999), eur(999), eur(999)]);
            assert_eq!(amounts(&summary), (2518, 479, 2997));
            assert_eq!(summary.groups.len(), 1);
            assert_eq!((summary.groups[0].taxable, summary.groups[0].tax), (eur(2518), eur(479)));
        }

        #[test]
        fn an_inclusive_usd_invoice_states_its_vat_in_euro_too() {
            // Art. 230 Directive: a German seller's USD invoice also states the VAT in EUR at the
            // ECB rate. 119.00 USD incl. 19 % → 19.00 USD VAT; at 1.0800 USD per EUR that is
            // 17.592… → 17.59 EUR.
            let usd = |minor| Money::from_minor(minor, Currency::USD);
            let (_, summary) = inclusive(&consumer("DE"), &[usd(11900)]);
            assert_eq!(amounts(&summary), (10000, 1900, 11900));
            assert_eq!(summary.tax_total.currency(), Currency::USD);
            let table = crate::fx::RateTable::new([crate::fx::EcbRate {
                date: d("2026-02-27"),
                currency: Currency::USD,
                per_eur: dec!(1.0800),
            }])
            .unwrap();
            let national = crate::fx::vat_in_national_currency(
                summary.tax_total,
                Currency::EUR,
                d("2026-03-02"),
                &table,
                RoundingPolicy::default(),
            )
            .unwrap();
            assert_eq!(national.amount, eur(1759));
            assert_eq!(national.rate_date, d("2026-02-27"));
        }

        #[test]
        fn a_credit_note_on_an_inclusive_invoice_takes_back_the_gross_at_the_invoices_split() {
            // The AT consumer's invoice: 99.17 net + 19.83 VAT. Crediting it fully gives back
            // exactly those amounts, not a fresh 19 % or a split of 119.00 as net.
            let (decision, summary) = inclusive(&consumer("AT"), &[eur(11900)]);
            let base = [CreditBase { decision, gross: summary.gross_total }];
            let note = credit_note_vat(eur(11900), &base, RoundingPolicy::default()).unwrap();
            assert_eq!(amounts(&note), (-9917, -1983, -11900));
        }
    }

    #[test]
    fn totals_stay_per_currency() {
        let mut t = TotalsByCurrency::default();
        t.add(Money::from_minor(100, Currency::EUR)).unwrap();
        t.add(Money::from_minor(250, Currency::EUR)).unwrap();
        t.add(Money::from_minor(7, Currency::JPY)).unwrap();
        assert_eq!(t.get(Currency::EUR).unwrap().total.minor(), 350);
        assert_eq!(t.get(Currency::EUR).unwrap().count, 2);
        assert_eq!(t.get(Currency::JPY).unwrap().total.minor(), 7);
        assert_eq!(t.count(), 3);
    }
}
