//! Schemas of billing-core types that API bodies carry as they are (billing-core does not depend
//! on utoipa). Each mirrors the type's serde shape; fields name them with
//! `#[schema(value_type = schemas::X)]`. Documentation only: nothing constructs them.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
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

/// A customer's dunning state.
#[derive(ToSchema)]
pub struct CustomerDunning {
    /// The invoices in dunning.
    pub invoices: Vec<String>,
    pub current_step: Option<u32>,
    pub current_action: Option<String>,
    pub next_action: Option<String>,
    pub next_action_on: Option<NaiveDate>,
    /// What is left to pay, in minor units, per currency code.
    pub amount_at_risk: BTreeMap<String, i64>,
    /// A `restrict` step holds the account: plan changes and new subscriptions are refused
    /// (`account_restricted`) until the invoices in dunning are paid.
    pub restricted: bool,
    /// The pauses staff made that hold today (`POST /customers/{id}/dunning/pause`).
    pub pauses: Vec<DunningPauseSchema>,
    /// Every invoice in dunning is held by a pause, or the customer's whole dunning is paused.
    pub paused: bool,
}

/// A pause of a customer's dunning (`invoice` null: every invoice of theirs) or one invoice's.
#[derive(ToSchema)]
#[schema(as = DunningPause)]
pub struct DunningPauseSchema {
    /// The invoice paused (`in_…`); null for the whole customer.
    pub invoice: Option<String>,
    pub reason: String,
    pub paused_on: NaiveDate,
    /// The first day dunning acts again by itself; null until resumed.
    pub until: Option<NaiveDate>,
    /// Who paused it (`api`, `staff:<email>`).
    pub paused_by: String,
    pub resumed_on: Option<NaiveDate>,
    pub resumed_by: Option<String>,
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

/// The account customers pay into by bank transfer (`service::bank_transfer::BankAccount`).
#[derive(ToSchema)]
pub struct BankAccountBody {
    #[schema(example = "DE89370400440532013000")]
    pub iban: String,
    pub bic: Option<String>,
    /// The account holder as the transfer names it.
    pub holder: String,
}

/// A metered subscription's open period and its usage so far (`service::usage::CurrentUsage`).
#[derive(ToSchema)]
pub struct CurrentUsageBody {
    pub period_start: NaiveDate,
    /// Last day (inclusive).
    pub period_end: NaiveDate,
    /// The plan's usage metric.
    pub metric: String,
    /// The quantity so far, a decimal number as a string.
    #[schema(example = "1250.5")]
    pub quantity: String,
    /// What the period costs so far at this usage (before discounts and tax).
    pub amount: super::AmountBody,
}
