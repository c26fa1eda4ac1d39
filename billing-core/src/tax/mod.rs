//! Pure VAT engine: dated rates, VAT ID validation, place-of-supply rules and invoice VAT amounts.
//!
//! The four parts, in the order data flows through them:
//! - [`rates`]: the dated rate table (standard-rate history since 2020 for EU-27, GB, CH, LI, NO plus
//!   the current reduced rates) and [`rate_on`].
//! - [`vat_id`]: parsing and local validation (format and check digits) of VAT identification numbers,
//!   and the evidence types ([`VatIdStatus`]) a VIES check leaves behind. VIES itself is I/O and lives
//!   outside this module.
//! - [`rules`]: [`decide`] answers "whose VAT, at which rate, with which invoice notice" for one supply
//!   (Art. 44, 58, 59c, 138, 146, 196 Directive 2006/112/EC; § 3a, § 13b, § 19 UStG).
//! - [`compute`](mod@compute): [`compute()`](compute::compute) turns decided invoice lines into per-rate VAT amounts,
//!   rounding once per rate group as EN 16931 BR-CO-17 requires.
//!
//! Everything here is pure: no I/O, no clock (dates are arguments), no floating point. Legal
//! references are to the VAT Directive 2006/112/EC ("the Directive"), Council Implementing
//! Regulation (EU) 282/2011 and the German UStG; this is engineering, not legal advice.

pub mod art59c;
pub mod compute;
pub mod rates;
pub mod rules;
pub mod vat_id;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::country::Country;
use crate::money::MoneyError;

pub use compute::{TaxGroup, TaxSummary, TaxableLine, compute};
pub use rates::{RateKind, RatePeriod, rate_on};
pub use rules::{
    CustomerKind, CustomerProfile, SellerProfile, TaxCategory, TaxDecision, TaxNotice, VatCategory, decide,
};
pub use vat_id::{VatId, VatIdError, VatIdStatus};

/// Why the tax engine refused to produce an answer. The web layer localizes by variant; the
/// messages are plain English for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    /// The rate table has no `kind` rate for `country` on `date` (unknown country, a kind the country
    /// does not have, or a date before the table starts).
    #[error("no {kind:?} VAT rate for {country} on {date}")]
    NoRate { country: Country, kind: RateKind, date: NaiveDate },
    /// More than one row matched: a bug in the rate table, never resolved by guessing.
    #[error("more than one {kind:?} VAT rate for {country} on {date}")]
    AmbiguousRate { country: Country, kind: RateKind, date: NaiveDate },
    /// The supply is taxable in `country` but the seller has neither an OSS registration nor a local
    /// VAT registration there, so it cannot lawfully charge that VAT (Art. 58, 59c, 369b Directive).
    #[error("the supply is taxable in {country}, where the seller is not registered for VAT (local or OSS)")]
    RegistrationRequired { country: Country },
    /// A rate outside 0..=100 percent or with an unreasonable number of decimals reached `compute`.
    #[error("invalid VAT rate {0}")]
    InvalidRate(Decimal),
    /// `compute` needs at least one line: the currency of an empty invoice is unknown.
    #[error("no invoice lines to compute VAT for")]
    NoLines,
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    VatId(#[from] VatIdError),
}
