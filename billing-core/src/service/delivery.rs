//! The outbox fan-out: each undelivered outbox row becomes the mails and the webhook deliveries
//! (one per matching enabled endpoint of its tenant, docs/adr/0024) it causes, in one transaction
//! with marking the row delivered, so a message makes its mail and its deliveries exactly once
//! however many workers run and wherever one dies. The mail job and the webhook job both run it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::error::Result;
use crate::events;
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::mail::MailTemplate;
use crate::outbox::{OutboxMessage, PUBLIC_TOPICS};
use crate::store;

/// What one fan-out pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    /// Outbox rows taken.
    pub messages: u64,
    /// Mails made (suppressed ones included).
    pub mails: u64,
    /// Webhook deliveries made.
    pub deliveries: u64,
}

/// Fans out up to `limit` outbox rows that are due at `now`. Rows another worker holds are
/// skipped (`SKIP LOCKED`), not waited for.
pub async fn fan_out(conn: &mut PgConnection, message_domain: &str, now: DateTime<Utc>, limit: i64) -> Result<FanOut> {
    let mut tx = conn.begin().await?;
    let rows = store::outbox::claim_due(&mut tx, now, limit).await?;
    let mut out = FanOut { messages: rows.len() as u64, mails: 0, deliveries: 0 };
    let mut endpoints: HashMap<TenantId, Vec<(Uuid, Vec<String>)>> = HashMap::new();
    for (tenant, id, topic, payload) in &rows {
        // Webhooks go by the topic alone (public topics only), so they need no decoding.
        if PUBLIC_TOPICS.contains(&topic.as_str()) {
            if let Entry::Vacant(slot) = endpoints.entry(*tenant) {
                slot.insert(store::webhook_endpoints::enabled_filters(&mut tx, *tenant).await?);
            }
            for (endpoint, filters) in endpoints.get(tenant).into_iter().flatten() {
                if events::matches(filters, topic)
                    && store::webhook_endpoints::insert_delivery(&mut tx, *tenant, *endpoint, *id, topic, now).await?
                {
                    out.deliveries += 1;
                }
            }
        }
        // A payload this version cannot read (written by a newer one) is left as delivered for
        // no channel rather than blocking the queue; it stays in the outbox for the events API.
        let Some(message) = store::outbox::decode(topic, payload.clone()) else {
            tracing::warn!(%topic, outbox = %id, "outbox message not understood; no mail");
            continue;
        };
        if let Some(template) = MailTemplate::for_message(&message)
            && let Some((to, locale)) = recipient(&mut tx, *tenant, &message).await?
        {
            let mail = store::mail::NewMail { outbox_id: *id, template, to: &to, locale: &locale, message: &message };
            if store::mail::insert(&mut tx, *tenant, &mail, message_domain, now).await? {
                out.mails += 1;
            }
        }
    }
    if !rows.is_empty() {
        let tenants: Vec<TenantId> = rows.iter().map(|r| r.0).collect();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
        store::outbox::mark_delivered(&mut tx, &tenants, &ids, now).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Where and in which language a message's mail goes: the customer's current address (a
/// changed address is mailed even if the old one bounced) and language, when the merchant's
/// portal offers it, else the merchant's default (`customer::locale_within`).
async fn recipient(
    conn: &mut PgConnection,
    tenant: TenantId,
    message: &OutboxMessage,
) -> Result<Option<(String, String)>> {
    let customer = match message {
        OutboxMessage::SignInLink { to, locale, .. } => return Ok(Some((to.to_string(), locale.clone()))),
        OutboxMessage::InvoiceFinalized { invoice, .. }
        | OutboxMessage::InvoicePaid { invoice, .. }
        | OutboxMessage::PaymentFailed { invoice, .. }
        | OutboxMessage::CreditNoteIssued { invoice, .. } => match invoice_customer(conn, tenant, *invoice).await? {
            Some(c) => c,
            None => return Ok(None),
        },
        OutboxMessage::DunningStep { customer, .. }
        | OutboxMessage::CardExpiring { customer, .. }
        | OutboxMessage::TrialEnding { customer, .. }
        | OutboxMessage::RenewalUpcoming { customer, .. }
        | OutboxMessage::DebitUpcoming { customer, .. }
        | OutboxMessage::SubscriptionChanged { customer, .. }
        | OutboxMessage::SubscriptionCanceled { customer, .. }
        | OutboxMessage::BillingQuestionReplied { customer, .. }
        | OutboxMessage::Welcome { customer, .. }
        | OutboxMessage::MandateRevoked { customer, .. }
        | OutboxMessage::MandateExpired { customer, .. } => *customer,
        OutboxMessage::PaymentSucceeded { .. }
        | OutboxMessage::InvoicePaymentReceived { .. }
        | OutboxMessage::InvoiceVoided { .. }
        | OutboxMessage::InvoiceMarkedUncollectible { .. }
        | OutboxMessage::InvoiceRefunded { .. }
        | OutboxMessage::CustomerCreated { .. }
        | OutboxMessage::CustomerUpdated { .. }
        | OutboxMessage::SubscriptionCreated { .. }
        | OutboxMessage::SubscriptionPaused { .. }
        | OutboxMessage::SubscriptionResumed { .. }
        | OutboxMessage::SubscriptionReactivated { .. }
        | OutboxMessage::SubscriptionCancellationWithdrawn { .. }
        | OutboxMessage::InvoiceRunCompleted { .. }
        | OutboxMessage::WebhookEndpointDisabled { .. } => return Ok(None),
    };
    Ok(store::customers::mail_contact(conn, tenant, customer).await?.map(|c| {
        let locale = crate::customer::locale_within(&c.locale, c.offered_locales.as_deref(), &c.default_locale);
        (c.email, locale)
    }))
}

async fn invoice_customer(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Option<CustomerId>> {
    store::invoices::customer_of(conn, tenant, invoice).await
}
