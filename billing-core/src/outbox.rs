//! The typed outbox: every message the engine sends out of itself (mail, merchant webhooks) is
//! one of these, written as a row in the same transaction as the change that causes it.
//!
//! Pure: no I/O. The wire form is the message's JSON with its topic as the `topic` tag
//! (`{"topic": "invoice.finalized", "invoice": "in_…", "number": "2026-0001"}`), so a stored
//! payload reads back without the row's `topic` column, and the topic a merchant's webhook
//! endpoint filters on is the same string. Adding a variant is backwards compatible; renaming a
//! topic is not (stored rows and merchants' filters name it).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::email::EmailAddress;
use crate::ids::{BillingQuestionId, CustomerId, InvoiceId, InvoiceRunId, PlanId, SubscriptionId, WebhookEndpointId};
use crate::invoice::{PaymentSource, RefundSource};
use crate::money::Money;

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "topic")]
pub enum OutboxMessage {
    /// An invoice got its number and is now owed.
    #[serde(rename = "invoice.finalized")]
    InvoiceFinalized { invoice: InvoiceId, number: String },
    #[serde(rename = "invoice.voided")]
    InvoiceVoided { invoice: InvoiceId },
    #[serde(rename = "invoice.marked_uncollectible")]
    InvoiceMarkedUncollectible { invoice: InvoiceId },
    /// A receipt that settled the invoice in full.
    #[serde(rename = "invoice.paid")]
    InvoicePaid { invoice: InvoiceId, amount: Money, source: PaymentSource },
    /// A receipt that left something still due.
    #[serde(rename = "invoice.payment_received")]
    InvoicePaymentReceived { invoice: InvoiceId, amount: Money, source: PaymentSource },
    #[serde(rename = "invoice.refunded")]
    InvoiceRefunded { invoice: InvoiceId, amount: Money, source: RefundSource },
    /// A collection attempt succeeded (the receipt mail).
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded { invoice: InvoiceId, amount: Money, attempt: uuid::Uuid },
    /// A collection attempt was declined; `decline_code` is the provider's.
    #[serde(rename = "payment.failed")]
    PaymentFailed {
        invoice: InvoiceId,
        amount: Money,
        attempt: uuid::Uuid,
        decline_code: Option<String>,
        /// When the next automatic attempt is planned; none when the customer must act.
        next_attempt_at: Option<DateTime<Utc>>,
    },
    /// A credit note was issued (`credit_note_for`: the invoice it corrects, when there is one).
    #[serde(rename = "credit_note.issued")]
    CreditNoteIssued { invoice: InvoiceId, number: String, credit_note_for: Option<InvoiceId> },
    /// The plan, quantity or terms of a subscription changed.
    #[serde(rename = "subscription.changed")]
    SubscriptionChanged { subscription: SubscriptionId, customer: CustomerId },
    #[serde(rename = "subscription.canceled")]
    SubscriptionCanceled { subscription: SubscriptionId, customer: CustomerId, effective: NaiveDate },
    /// A dunning policy step was taken on an overdue invoice (`action`: retry, email,
    /// mark_uncollectible). `outcome` (done, failed, skipped) and `reason` say how it went; rows
    /// written before they existed have neither.
    #[serde(rename = "dunning.step")]
    DunningStep {
        invoice: InvoiceId,
        customer: CustomerId,
        step: u32,
        action: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Pre-dunning: the default card expires at the end of `expires` (a month's first day).
    #[serde(rename = "customer.card_expiring")]
    CardExpiring { customer: CustomerId, expires: NaiveDate, last4: Option<String> },
    #[serde(rename = "subscription.trial_ending")]
    TrialEnding { subscription: SubscriptionId, customer: CustomerId, trial_end: NaiveDate },
    #[serde(rename = "subscription.renewal_upcoming")]
    RenewalUpcoming { subscription: SubscriptionId, customer: CustomerId, renews_on: NaiveDate },
    /// SEPA pre-notification of an upcoming direct debit: amount, date, and the mandate it is
    /// collected under (reference and creditor identifier) when the mandate was signed in the
    /// portal.
    #[serde(rename = "invoice.debit_upcoming")]
    DebitUpcoming {
        invoice: InvoiceId,
        customer: CustomerId,
        amount: Money,
        debit_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mandate_reference: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        creditor_id: Option<String>,
    },
    /// A customer portal sign-in link; mail only, never sent to merchant webhooks (it is a
    /// credential).
    #[serde(rename = "portal.sign_in_link")]
    SignInLink { customer_id: CustomerId, to: EmailAddress, locale: String, url: String, expires_at: DateTime<Utc> },
    /// A customer was created (their key fields as created).
    #[serde(rename = "customer.created")]
    CustomerCreated {
        customer: CustomerId,
        email: String,
        name: String,
        country: String,
        currency: String,
        locale: String,
    },
    /// A customer's billing details changed (their key fields after the change).
    #[serde(rename = "customer.updated")]
    CustomerUpdated { customer: CustomerId, email: String, name: String, locale: String },
    #[serde(rename = "subscription.created")]
    SubscriptionCreated {
        subscription: SubscriptionId,
        customer: CustomerId,
        plan: PlanId,
        quantity: u32,
        start_date: NaiveDate,
        trial_end: Option<NaiveDate>,
    },
    #[serde(rename = "subscription.paused")]
    SubscriptionPaused {
        subscription: SubscriptionId,
        customer: CustomerId,
        on: NaiveDate,
        resume_on: Option<NaiveDate>,
    },
    #[serde(rename = "subscription.resumed")]
    SubscriptionResumed { subscription: SubscriptionId, customer: CustomerId, on: NaiveDate },
    /// An ended subscription was started again.
    #[serde(rename = "subscription.reactivated")]
    SubscriptionReactivated { subscription: SubscriptionId, customer: CustomerId, on: NaiveDate },
    /// A scheduled cancellation was withdrawn: the subscription renews again.
    #[serde(rename = "subscription.cancellation_withdrawn")]
    SubscriptionCancellationWithdrawn { subscription: SubscriptionId, customer: CustomerId },
    /// A tenant's (real) invoice run finished; its report is `GET /api/v1/invoice_runs/{run}`.
    #[serde(rename = "invoice_run.completed")]
    InvoiceRunCompleted { run: InvoiceRunId, as_of: NaiveDate },
    /// The merchant answered a customer's billing question (the answer is mailed to the customer
    /// and shown in the portal).
    #[serde(rename = "billing_question.replied")]
    BillingQuestionReplied { question: BillingQuestionId, customer: CustomerId },
    /// A customer signed up through the tenant's checkout: the welcome mail with a link into the
    /// portal (`url`, the tenant's portal root). Mail only: merchants hear of the sign-up through
    /// `customer.created` and `subscription.created`.
    #[serde(rename = "portal.welcome")]
    Welcome { customer: CustomerId, url: String },
    /// A SEPA mandate was revoked (docs/adr/0044): `reason` `payment_method_removed` (the
    /// customer removed the method) or `cancelled_by_merchant` (the API). No debit under it
    /// any more; the customer is mailed.
    #[serde(rename = "mandate.revoked")]
    MandateRevoked {
        customer: CustomerId,
        mandate: uuid::Uuid,
        reference: String,
        creditor_id: String,
        iban_last4: String,
        reason: String,
        ended_at: DateTime<Utc>,
    },
    /// A SEPA mandate expired unused for 36 months (the predunning job); the customer is mailed.
    #[serde(rename = "mandate.expired")]
    MandateExpired {
        customer: CustomerId,
        mandate: uuid::Uuid,
        reference: String,
        creditor_id: String,
        iban_last4: String,
        ended_at: DateTime<Utc>,
    },
    /// A merchant's webhook endpoint was disabled by the webhook job for failing (docs/adr/0048):
    /// `reason` `consecutive_failures` (`[webhooks] disable_after_failures` attempts in a row) or
    /// `failing` (failing for `disable_after_days` without a success). Delivered to the merchant's
    /// other enabled endpoints subscribed to it (never to the disabled one); no mail.
    #[serde(rename = "webhook_endpoint.disabled")]
    WebhookEndpointDisabled {
        endpoint: WebhookEndpointId,
        reason: String,
        consecutive_failures: i32,
        failing_since: Option<DateTime<Utc>>,
        disabled_at: DateTime<Utc>,
    },
}

impl OutboxMessage {
    /// The topic: the `topic` column, the JSON tag, and what webhook endpoints subscribe to.
    pub fn topic(&self) -> &'static str {
        match self {
            OutboxMessage::InvoiceFinalized { .. } => "invoice.finalized",
            OutboxMessage::InvoiceVoided { .. } => "invoice.voided",
            OutboxMessage::InvoiceMarkedUncollectible { .. } => "invoice.marked_uncollectible",
            OutboxMessage::InvoicePaid { .. } => "invoice.paid",
            OutboxMessage::InvoicePaymentReceived { .. } => "invoice.payment_received",
            OutboxMessage::InvoiceRefunded { .. } => "invoice.refunded",
            OutboxMessage::PaymentSucceeded { .. } => "payment.succeeded",
            OutboxMessage::PaymentFailed { .. } => "payment.failed",
            OutboxMessage::CreditNoteIssued { .. } => "credit_note.issued",
            OutboxMessage::SubscriptionChanged { .. } => "subscription.changed",
            OutboxMessage::SubscriptionCanceled { .. } => "subscription.canceled",
            OutboxMessage::DunningStep { .. } => "dunning.step",
            OutboxMessage::CardExpiring { .. } => "customer.card_expiring",
            OutboxMessage::TrialEnding { .. } => "subscription.trial_ending",
            OutboxMessage::RenewalUpcoming { .. } => "subscription.renewal_upcoming",
            OutboxMessage::DebitUpcoming { .. } => "invoice.debit_upcoming",
            OutboxMessage::SignInLink { .. } => "portal.sign_in_link",
            OutboxMessage::CustomerCreated { .. } => "customer.created",
            OutboxMessage::CustomerUpdated { .. } => "customer.updated",
            OutboxMessage::SubscriptionCreated { .. } => "subscription.created",
            OutboxMessage::SubscriptionPaused { .. } => "subscription.paused",
            OutboxMessage::SubscriptionResumed { .. } => "subscription.resumed",
            OutboxMessage::SubscriptionReactivated { .. } => "subscription.reactivated",
            OutboxMessage::SubscriptionCancellationWithdrawn { .. } => "subscription.cancellation_withdrawn",
            OutboxMessage::InvoiceRunCompleted { .. } => "invoice_run.completed",
            OutboxMessage::BillingQuestionReplied { .. } => "billing_question.replied",
            OutboxMessage::Welcome { .. } => "portal.welcome",
            OutboxMessage::MandateRevoked { .. } => "mandate.revoked",
            OutboxMessage::MandateExpired { .. } => "mandate.expired",
            OutboxMessage::WebhookEndpointDisabled { .. } => "webhook_endpoint.disabled",
        }
    }

    /// Whether merchants' webhook endpoints may receive this message. A sign-in link is a
    /// credential for the customer alone.
    pub fn is_public(&self) -> bool {
        !matches!(self, OutboxMessage::SignInLink { .. } | OutboxMessage::Welcome { .. })
    }
}

/// Every topic merchants' webhook endpoints can subscribe to and the events API lists: the public
/// messages' topics (a test keeps it equal to [`OutboxMessage::topic`] of the public variants).
pub const PUBLIC_TOPICS: &[&str] = &[
    "invoice.finalized",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.paid",
    "invoice.payment_received",
    "invoice.refunded",
    "invoice.debit_upcoming",
    "payment.succeeded",
    "payment.failed",
    "credit_note.issued",
    "subscription.created",
    "subscription.changed",
    "subscription.canceled",
    "subscription.paused",
    "subscription.resumed",
    "subscription.reactivated",
    "subscription.cancellation_withdrawn",
    "subscription.trial_ending",
    "subscription.renewal_upcoming",
    "customer.created",
    "customer.updated",
    "customer.card_expiring",
    "dunning.step",
    "invoice_run.completed",
    "billing_question.replied",
    "mandate.revoked",
    "mandate.expired",
    "webhook_endpoint.disabled",
];

/// Topics that are never public (credentials).
pub const PRIVATE_TOPICS: &[&str] = &["portal.sign_in_link"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;

    fn samples() -> Vec<OutboxMessage> {
        let inv = InvoiceId::new();
        let cus = CustomerId::new();
        let sub = SubscriptionId::new();
        let eur = Money::from_minor(1999, Currency::EUR);
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        vec![
            OutboxMessage::InvoiceFinalized { invoice: inv, number: "2026-0001".into() },
            OutboxMessage::InvoiceVoided { invoice: inv },
            OutboxMessage::InvoiceMarkedUncollectible { invoice: inv },
            OutboxMessage::InvoicePaid { invoice: inv, amount: eur, source: PaymentSource::Card },
            OutboxMessage::InvoicePaymentReceived { invoice: inv, amount: eur, source: PaymentSource::BankTransfer },
            OutboxMessage::InvoiceRefunded { invoice: inv, amount: eur, source: RefundSource::Dispute },
            OutboxMessage::PaymentSucceeded { invoice: inv, amount: eur, attempt: uuid::Uuid::nil() },
            OutboxMessage::PaymentFailed {
                invoice: inv,
                amount: eur,
                attempt: uuid::Uuid::nil(),
                decline_code: Some("insufficient_funds".into()),
                next_attempt_at: None,
            },
            OutboxMessage::CreditNoteIssued { invoice: inv, number: "CN-1".into(), credit_note_for: Some(inv) },
            OutboxMessage::SubscriptionChanged { subscription: sub, customer: cus },
            OutboxMessage::SubscriptionCanceled { subscription: sub, customer: cus, effective: day },
            OutboxMessage::DunningStep {
                invoice: inv,
                customer: cus,
                step: 1,
                action: "email".into(),
                outcome: Some("done".into()),
                reason: None,
            },
            OutboxMessage::CardExpiring { customer: cus, expires: day, last4: Some("4242".into()) },
            OutboxMessage::TrialEnding { subscription: sub, customer: cus, trial_end: day },
            OutboxMessage::RenewalUpcoming { subscription: sub, customer: cus, renews_on: day },
            OutboxMessage::DebitUpcoming {
                invoice: inv,
                customer: cus,
                amount: eur,
                debit_on: day,
                mandate_reference: Some("MDT-0123456789ABCDEF".into()),
                creditor_id: Some("DE98ZZZ09999999999".into()),
            },
            OutboxMessage::SignInLink {
                customer_id: cus,
                to: EmailAddress::parse("ana@example.com").unwrap(),
                locale: "de".into(),
                url: "https://billing.example/portal/sign-in/abc".into(),
                expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            },
            OutboxMessage::CustomerCreated {
                customer: cus,
                email: "ana@example.com".into(),
                name: "Ana".into(),
                country: "DE".into(),
                currency: "EUR".into(),
                locale: "de".into(),
            },
            OutboxMessage::CustomerUpdated {
                customer: cus,
                email: "ana@example.com".into(),
                name: "Ana".into(),
                locale: "de".into(),
            },
            OutboxMessage::SubscriptionCreated {
                subscription: sub,
                customer: cus,
                plan: PlanId::new(),
                quantity: 2,
                start_date: day,
                trial_end: None,
            },
            OutboxMessage::SubscriptionPaused { subscription: sub, customer: cus, on: day, resume_on: Some(day) },
            OutboxMessage::SubscriptionResumed { subscription: sub, customer: cus, on: day },
            OutboxMessage::SubscriptionReactivated { subscription: sub, customer: cus, on: day },
            OutboxMessage::SubscriptionCancellationWithdrawn { subscription: sub, customer: cus },
            OutboxMessage::InvoiceRunCompleted { run: InvoiceRunId::new(), as_of: day },
            OutboxMessage::BillingQuestionReplied { question: BillingQuestionId::new(), customer: cus },
            OutboxMessage::MandateRevoked {
                customer: cus,
                mandate: uuid::Uuid::nil(),
                reference: "MDT-0123456789ABCDEF".into(),
                creditor_id: "DE98ZZZ09999999999".into(),
                iban_last4: "3000".into(),
                reason: "payment_method_removed".into(),
                ended_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            },
            OutboxMessage::MandateExpired {
                customer: cus,
                mandate: uuid::Uuid::nil(),
                reference: "MDT-0123456789ABCDEF".into(),
                creditor_id: "DE98ZZZ09999999999".into(),
                iban_last4: "3000".into(),
                ended_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            },
            OutboxMessage::WebhookEndpointDisabled {
                endpoint: WebhookEndpointId::new(),
                reason: "consecutive_failures".into(),
                consecutive_failures: 100,
                failing_since: DateTime::from_timestamp(1_799_000_000, 0),
                disabled_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            },
        ]
    }

    #[test]
    fn every_message_reads_back_from_its_json_and_carries_its_topic_as_the_tag() {
        for m in samples() {
            let json = serde_json::to_value(&m).unwrap();
            assert_eq!(json["topic"], m.topic(), "{json}");
            assert_eq!(serde_json::from_value::<OutboxMessage>(json).unwrap(), m);
        }
    }

    #[test]
    fn a_finalized_invoice_keeps_the_wire_form_stored_rows_already_have() {
        let inv = InvoiceId::new();
        let json = serde_json::json!({ "topic": "invoice.finalized", "invoice": inv.to_string(), "number": "7" });
        assert_eq!(
            serde_json::from_value::<OutboxMessage>(json).unwrap(),
            OutboxMessage::InvoiceFinalized { invoice: inv, number: "7".into() }
        );
    }

    #[test]
    fn the_public_topics_are_exactly_those_of_the_public_messages() {
        let mut public: Vec<&str> = samples().iter().filter(|m| m.is_public()).map(|m| m.topic()).collect();
        public.sort_unstable();
        let mut listed = PUBLIC_TOPICS.to_vec();
        listed.sort_unstable();
        assert_eq!(public, listed);
        for m in samples().iter().filter(|m| !m.is_public()) {
            assert!(PRIVATE_TOPICS.contains(&m.topic()), "{}", m.topic());
        }
    }

    #[test]
    fn a_sign_in_link_never_goes_to_merchant_webhooks() {
        let public: Vec<_> = samples().into_iter().filter(|m| !m.is_public()).map(|m| m.topic()).collect();
        assert_eq!(public, ["portal.sign_in_link"]);
    }
}
