//! Schemas of billing-core types that API bodies carry as they are (billing-core does not depend
//! on utoipa). Each mirrors the type's serde shape; fields name them with
//! `#[schema(value_type = schemas::X)]`. Documentation only: nothing constructs them.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use utoipa::ToSchema;

/// When a change takes effect.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Timing {
    Now,
    PeriodEnd,
}

/// `business` (a taxable person acting as such) or `consumer`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CustomerKind {
    Business,
    Consumer,
}

/// The VAT ID's validation result and its evidence.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[serde(tag = "status")]
pub enum VatIdStatus {
    /// Confirmed by VIES.
    Valid {
        checked_at: DateTime<Utc>,
        consultation_number: Option<String>,
        name: Option<String>,
        address: Option<String>,
    },
    /// VIES answered that the number is not registered.
    Invalid { checked_at: DateTime<Utc> },
    /// No answer yet; never to be read as invalid.
    Unverified { reason: String, since: DateTime<Utc> },
}

/// For how many billing periods a coupon applies.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[serde(tag = "type")]
pub enum CouponDuration {
    Once,
    Repeating { periods: u32 },
    Forever,
}

/// Why the balance moved.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BalanceKind {
    CreditNote,
    Overpayment,
    AppliedToInvoice,
    Refund,
    Adjustment,
}

/// What makes a plan an add-on.
#[derive(ToSchema)]
pub struct AddonRules {
    /// Codes of the base plans it fits; empty: every base plan.
    pub fits: Vec<String>,
    /// Charged once when attached, instead of every period.
    pub one_time: bool,
}

/// A customer's e-invoice settings; absent fields stay, an empty string clears.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerEInvoiceInput {
    /// `pdf`, `zugferd`, `xrechnung_ubl` or `xrechnung_cii`.
    pub format: Option<String>,
    pub buyer_reference: Option<String>,
    pub public_buyer: Option<bool>,
    pub peppol_id: Option<String>,
}

/// The seller's e-invoice contact details; absent fields stay, an empty string clears.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerEInvoiceInput {
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub peppol_id: Option<String>,
}

/// A subscription scenario to simulate; nothing is stored.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Plan id or code.
    pub plan: String,
    pub currency: String,
    pub quantity: Option<i64>,
    pub start_date: NaiveDate,
    /// How long to simulate (1 to 36 months).
    pub months: u32,
    pub coupon: Option<String>,
    pub trial_days: Option<u32>,
    pub billing_anchor: Option<NaiveDate>,
    /// The simulated customer's country (the merchant's when absent).
    pub country: Option<String>,
    /// Dated events: `{"on": "2026-04-11", "action": "change", "plan": "pro"}`, `pause`, `resume`,
    /// `cancel`, `usage`, ...
    #[schema(value_type = Vec<Object>)]
    pub events: Option<Vec<serde_json::Value>>,
}

/// A price per unit: a decimal amount in major units (up to 12 places) and its currency.
#[derive(ToSchema)]
pub struct UnitPriceBody {
    /// Major units, a decimal number as a string (`"0.0025"`).
    #[schema(example = "0.0025")]
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

/// One tier of a graduated or volume price: the quantities above the previous tier's `up_to`
/// up to and including its own; the last tier has no `up_to`.
#[derive(ToSchema)]
pub struct PriceTier {
    /// A decimal number as a string; null on the last tier.
    pub up_to: Option<String>,
    pub unit_price: UnitPriceBody,
    /// Charged once when the tier is used.
    pub flat_fee: Option<super::AmountBody>,
}

/// How a quantity is priced, by `type`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[serde(tag = "type")]
pub enum PriceModel {
    /// A fixed price whatever the quantity.
    Flat { price: super::AmountBody },
    /// Every unit at the same price.
    PerUnit { unit_price: UnitPriceBody },
    /// Each tier prices the part of the quantity in it.
    Graduated { tiers: Vec<PriceTier> },
    /// The whole quantity at the tier that contains it.
    Volume { tiers: Vec<PriceTier> },
    /// Started blocks of `block_size` (a decimal string) at `block_price` each.
    Package { block_size: String, block_price: super::AmountBody },
}

/// A pricing model with an optional minimum charge (`rating::Pricing`).
#[derive(ToSchema)]
pub struct PricingBody {
    pub model: PriceModel,
    /// The least the period costs, whatever was used.
    pub minimum_charge: Option<super::AmountBody>,
}
