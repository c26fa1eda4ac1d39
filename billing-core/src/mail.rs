//! Mail, the pure part: which outbox message becomes which mail, the retry schedule, and the
//! stable Message-ID. Sending (SMTP, `.eml` files) and rendering live in portal-web; rows in
//! `store::mail`; the fan-out from the outbox in `service::delivery`.

use chrono::Duration;
use uuid::Uuid;

use crate::outbox::OutboxMessage;

/// The mails the engine sends; the template names of the preview API and of `mails.template`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailTemplate {
    InvoiceIssued,
    PaymentReceipt,
    PaymentFailed,
    DunningStep,
    CardExpiring,
    TrialEnding,
    RenewalNotice,
    DebitNotice,
    SubscriptionChanged,
    SubscriptionCanceled,
    CreditNoteIssued,
    SignInLink,
    BillingQuestionReply,
    Welcome,
    /// A SEPA mandate was revoked or expired (docs/adr/0044).
    MandateEnded,
}

impl MailTemplate {
    pub const ALL: [MailTemplate; 15] = [
        MailTemplate::InvoiceIssued,
        MailTemplate::PaymentReceipt,
        MailTemplate::PaymentFailed,
        MailTemplate::DunningStep,
        MailTemplate::CardExpiring,
        MailTemplate::TrialEnding,
        MailTemplate::RenewalNotice,
        MailTemplate::DebitNotice,
        MailTemplate::SubscriptionChanged,
        MailTemplate::SubscriptionCanceled,
        MailTemplate::CreditNoteIssued,
        MailTemplate::SignInLink,
        MailTemplate::BillingQuestionReply,
        MailTemplate::Welcome,
        MailTemplate::MandateEnded,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            MailTemplate::InvoiceIssued => "invoice_issued",
            MailTemplate::PaymentReceipt => "payment_receipt",
            MailTemplate::PaymentFailed => "payment_failed",
            MailTemplate::DunningStep => "dunning_step",
            MailTemplate::CardExpiring => "card_expiring",
            MailTemplate::TrialEnding => "trial_ending",
            MailTemplate::RenewalNotice => "renewal_notice",
            MailTemplate::DebitNotice => "debit_notice",
            MailTemplate::SubscriptionChanged => "subscription_changed",
            MailTemplate::SubscriptionCanceled => "subscription_canceled",
            MailTemplate::CreditNoteIssued => "credit_note_issued",
            MailTemplate::SignInLink => "sign_in_link",
            MailTemplate::BillingQuestionReply => "billing_question_reply",
            MailTemplate::Welcome => "welcome",
            MailTemplate::MandateEnded => "mandate_ended",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The mail an outbox message causes, if any. A voided invoice or a refund is the merchant's
    /// business (their webhooks hear of it); the customer is told of what they must know or do.
    pub fn for_message(message: &OutboxMessage) -> Option<Self> {
        Some(match message {
            OutboxMessage::InvoiceFinalized { .. } => MailTemplate::InvoiceIssued,
            OutboxMessage::InvoicePaid { .. } => MailTemplate::PaymentReceipt,
            OutboxMessage::PaymentFailed { .. } => MailTemplate::PaymentFailed,
            // Every step is an event for the merchant; a mail step mails the customer, and so does
            // a step that charged them, restricted or ended something, or a ladder notice, once
            // done (docs/adr/0031).
            OutboxMessage::DunningStep { action, .. } if action == "email" => MailTemplate::DunningStep,
            OutboxMessage::DunningStep { action, outcome, .. }
                if crate::dunning::DunningAction::mails_customer(action) && outcome.as_deref() == Some("done") =>
            {
                MailTemplate::DunningStep
            }
            OutboxMessage::CardExpiring { .. } => MailTemplate::CardExpiring,
            OutboxMessage::TrialEnding { .. } => MailTemplate::TrialEnding,
            OutboxMessage::RenewalUpcoming { .. } => MailTemplate::RenewalNotice,
            OutboxMessage::DebitUpcoming { .. } => MailTemplate::DebitNotice,
            OutboxMessage::SubscriptionChanged { .. } => MailTemplate::SubscriptionChanged,
            OutboxMessage::SubscriptionCanceled { .. } => MailTemplate::SubscriptionCanceled,
            OutboxMessage::CreditNoteIssued { .. } => MailTemplate::CreditNoteIssued,
            OutboxMessage::SignInLink { .. } => MailTemplate::SignInLink,
            OutboxMessage::BillingQuestionReplied { .. } => MailTemplate::BillingQuestionReply,
            OutboxMessage::Welcome { .. } => MailTemplate::Welcome,
            OutboxMessage::MandateRevoked { .. } | OutboxMessage::MandateExpired { .. } => MailTemplate::MandateEnded,
            // The receipt goes out once, when the invoice is paid in full (`InvoicePaid`); a card
            // payment's own event would say the same thing twice.
            OutboxMessage::PaymentSucceeded { .. }
            | OutboxMessage::InvoicePaymentReceived { .. }
            | OutboxMessage::InvoiceVoided { .. }
            | OutboxMessage::InvoiceMarkedUncollectible { .. }
            | OutboxMessage::InvoiceRefunded { .. }
            | OutboxMessage::DunningStep { .. }
            | OutboxMessage::CustomerCreated { .. }
            | OutboxMessage::CustomerUpdated { .. }
            | OutboxMessage::SubscriptionCreated { .. }
            | OutboxMessage::SubscriptionPaused { .. }
            | OutboxMessage::SubscriptionResumed { .. }
            | OutboxMessage::SubscriptionReactivated { .. }
            | OutboxMessage::SubscriptionCancellationWithdrawn { .. }
            | OutboxMessage::InvoiceRunCompleted { .. }
            | OutboxMessage::WebhookEndpointDisabled { .. } => return None,
        })
    }
}

/// How long to wait after the `attempt`-th failed try (1-based) before the next; `None`: give up.
/// About two days in all, so a mail server down over a weekend night still gets the mail.
pub fn retry_delay(attempt: u32) -> Option<Duration> {
    const MINUTES: [i64; 8] = [1, 5, 15, 60, 180, 360, 720, 1440];
    MINUTES.get(attempt.checked_sub(1)? as usize).map(|m| Duration::minutes(*m))
}

/// The Message-ID of the mail row `id`, fixed when the row is made, so every resend of the same
/// mail is recognisably the same message. `domain` is the sender address's domain.
pub fn message_id(id: Uuid, domain: &str) -> String {
    format!("<{}@{}>", id.simple(), domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_read_back() {
        for t in MailTemplate::ALL {
            assert_eq!(MailTemplate::parse(t.as_str()), Some(t));
        }
        assert_eq!(MailTemplate::parse("nope"), None);
    }

    #[test]
    fn retries_back_off_and_give_up_after_about_two_days() {
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(1), Some(Duration::minutes(1)));
        let delays: Vec<Duration> = (1..).map_while(retry_delay).collect();
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "never shorter than the one before");
        let total: i64 = delays.iter().map(|d| d.num_minutes()).sum();
        assert!((24 * 60..48 * 60).contains(&total), "{total} minutes");
    }

    #[test]
    fn a_message_id_is_the_same_for_the_same_row() {
        let id = Uuid::now_v7();
        assert_eq!(message_id(id, "shop.example"), message_id(id, "shop.example"));
        assert!(message_id(id, "shop.example").ends_with("@shop.example>"));
    }
}
