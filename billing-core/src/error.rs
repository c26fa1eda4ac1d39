//! The one error enum of billing-core. It knows nothing of HTTP: portal-web maps every variant
//! (exhaustively) to a status, a stable code and a localized message.

use crate::country::CountryError;
use crate::coupon::CouponError;
use crate::currency::{Currency, CurrencyError};
use crate::email::EmailError;
use crate::ids::IdParseError;
use crate::money::MoneyError;
use crate::period::PeriodError;
use crate::proration::ProrationError;
use crate::rating::RatingError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Country(#[from] CountryError),
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error(transparent)]
    Id(#[from] IdParseError),
    /// A field is missing, empty, too long or out of range.
    #[error("invalid value for `{field}`: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("quantity must be a whole number from 1 to {max}, got {got}")]
    InvalidQuantity { got: i64, max: i64 },
    #[error("amount must not be negative")]
    NegativeAmount,
    #[error("no {resource} with id `{id}`")]
    NotFound { resource: &'static str, id: String },
    #[error("plan `{plan}` has no price in {currency}")]
    PlanNotPricedInCurrency { plan: String, currency: Currency },
    #[error("plan `{plan}` is not offered any more")]
    PlanInactive { plan: String },
    #[error("`{code}` is already used by another {resource}")]
    Duplicate { resource: &'static str, code: String },
    #[error("invalid invoice number format `{format}`: {reason}")]
    InvalidNumberFormat { format: String, reason: String },
    #[error(transparent)]
    VatId(#[from] crate::tax::VatIdError),
    #[error(transparent)]
    Tax(#[from] crate::tax::TaxError),
    /// No e-invoice can be made from this document (missing data, a draft, an inconsistency).
    #[error(transparent)]
    EInvoice(#[from] crate::einvoice::EInvoiceError),
    #[error(transparent)]
    Rating(#[from] RatingError),
    #[error(transparent)]
    Proration(#[from] ProrationError),
    #[error(transparent)]
    Coupon(#[from] CouponError),
    /// The subscription's state does not allow this change (e.g. changing a canceled one).
    #[error("subscription is {status}: cannot {action}")]
    InvalidTransition { status: &'static str, action: &'static str },
    #[error("subscription `{subscription}` is not on a metered plan")]
    NotMetered { subscription: String },
    #[error("usage event `{event_id}` falls in a period that is already invoiced")]
    UsagePeriodClosed { event_id: String },
    #[error("add-on `{addon}` does not fit plan `{plan}`")]
    AddonNotCompatible { addon: String, plan: String },
    #[error("invoice is {status}: nothing to collect")]
    InvoiceNotPayable { status: String },
    /// Another collection of this invoice is under way (its attempt is pending): the caller that
    /// came second waits for that one instead of charging too.
    #[error("a payment of this invoice is already in progress")]
    PaymentInProgress,
    #[error("the customer has no default payment method for this gateway")]
    NoPaymentMethod,
    #[error("the payment was declined ({code})")]
    PaymentDeclined { code: String },
    /// Assigning a bank statement entry that is not an unplaced credit.
    #[error("the statement entry is {outcome}: only unmatched or ambiguous credits can be assigned")]
    StatementEntrySettled { outcome: String },
    /// A payment-method setup whose authentication the customer has not finished yet.
    #[error("the customer has not finished authenticating this payment method")]
    SetupPending,
    /// The customer failed or abandoned authenticating a payment method; it was not stored.
    #[error("authenticating the payment method failed ({code})")]
    SetupAuthenticationFailed { code: String },
    #[error("the payment gateway failed: {detail}")]
    Gateway { detail: String },
    /// Taking more from a customer's credit balance than it holds.
    #[error("the customer's credit balance is only {available} minor units of {currency}")]
    InsufficientBalance { available: i64, currency: Currency },
    /// A refund larger than what was received (net of earlier refunds).
    #[error("at most {refundable} minor units of {currency} can be refunded")]
    RefundTooLarge { refundable: i64, currency: Currency },
    /// The provider refused every part of a refund; nothing was refunded.
    #[error("the refund was refused: {reason}")]
    RefundFailed { reason: String },
    /// The invoice's status does not allow this (e.g. editing a finalized invoice).
    #[error("invoice is {status}: cannot {action}")]
    InvoiceStateConflict { status: &'static str, action: &'static str },
    /// A credit note for more than is still creditable on its invoice.
    #[error("at most {creditable} minor units of {currency} can still be credited on this invoice")]
    CreditExceedsInvoice { creditable: i64, currency: Currency },
    /// Voiding an invoice that money was received for: refund or credit it instead.
    #[error("the invoice has payments; issue a credit note or refund instead")]
    InvoiceHasPayments,
    /// Finalizing a draft without lines.
    #[error("the invoice has no lines")]
    InvoiceEmpty,
    /// A `tax_behavior` that is neither `exclusive` nor `inclusive`.
    #[error("tax behavior `{value}` is unknown; use exclusive or inclusive")]
    InvalidTaxBehavior { value: String },
    /// A document would mix tax-inclusive and tax-exclusive amounts (see
    /// `catalog::TaxBehavior::of_document`).
    #[error("an invoice is either all tax-inclusive or all tax-exclusive")]
    TaxBehaviorMixed,
    /// No gateway account can take this payment under the tenant's routing rules.
    #[error("no gateway account can take this payment: {reason}")]
    NoRoute { reason: String },
    /// A gateway account's config or the routing rules are not acceptable.
    #[error("invalid gateway configuration: {detail}")]
    GatewayConfig { detail: String },
    /// A real invoice run for a date after the merchant's today (in its time zone): it would issue
    /// invoices dated in the future. A dry run may look ahead; a real one must be allowed explicitly.
    #[error("the run date {as_of} is after today ({today}) in the merchant's time zone")]
    RunDateInFuture { as_of: chrono::NaiveDate, today: chrono::NaiveDate },
    /// Art. 230 VAT Directive: an invoice in `currency` from a seller whose national currency is
    /// `national` must state its VAT in `national`, and no ECB rate was imported for `date` or the
    /// days before it within `fx::ART230_RATE_WINDOW_DAYS`. The invoice is not finalized.
    #[error(
        "no ECB reference rate for {currency}/{national} on {date} or the {max} days before: the VAT cannot be stated in {national} (Art. 230 VAT Directive)",
        max = crate::fx::ART230_RATE_WINDOW_DAYS
    )]
    FxRateMissing { currency: Currency, national: Currency, date: chrono::NaiveDate },
    /// A webhook endpoint URL that is not `https://` (or `http://` to this machine) or no URL.
    #[error("`{url}` is not an acceptable webhook endpoint URL")]
    InvalidWebhookUrl { url: String },
    /// A redelivery to an endpoint that is disabled.
    #[error("the webhook endpoint is disabled; enable it before redelivering")]
    WebhookEndpointDisabled,
    /// A dunning policy that breaks a rule of `crate::dunning` (the step at fault is named).
    #[error("{0}")]
    DunningPolicy(crate::dunning::PolicyError),
    /// A dunning step restricted the customer's account: no plan changes or new subscriptions
    /// until the invoices in dunning are paid.
    #[error("the account is restricted until the overdue invoices are paid")]
    AccountRestricted,
    /// A bounce or complaint report (docs/adr/0046) that cannot be read or matched.
    #[error("{0}")]
    MailReport(crate::mail_report::MailReportError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidField { field, reason: reason.into() }
    }

    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        Error::NotFound { resource, id: id.to_string() }
    }
}
