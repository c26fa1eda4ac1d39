//! Provider webhooks, already verified by the adapter: stored once per provider event id, then
//! applied to the ledger and the invoice. Deliveries come at least once and in any order, so every
//! effect is idempotent: a success is never undone by a late failure, receipts and refunds go
//! through settlement with a stable reference, and a repeated event id changes nothing. An
//! event's amount is the provider's claim: it is never believed beyond the attempt's own amount
//! and currency, whatever the provider (a signed body proves who sent it, not that it is right).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{GatewayEvent, SetupOutcome};
use crate::service::method_setups;
use crate::service::settlement::{self, PaymentSource, RefundSource};
use crate::store;

#[derive(Debug, Clone, Serialize)]
pub struct WebhookResult {
    pub received: bool,
    /// The event id had been seen before; nothing changed.
    pub duplicate: bool,
    /// What the event did, for the log and the stored event row.
    pub outcome: String,
}

fn kind(event: &GatewayEvent) -> &str {
    match event {
        GatewayEvent::PaymentSucceeded { .. } => "payment_succeeded",
        GatewayEvent::PaymentFailed { .. } => "payment_failed",
        GatewayEvent::RefundSucceeded { .. } => "refund_succeeded",
        GatewayEvent::DisputeOpened { .. } => "dispute_opened",
        GatewayEvent::SetupSucceeded { .. } => "setup_succeeded",
        GatewayEvent::SetupFailed { .. } => "setup_failed",
        GatewayEvent::Other { kind, .. } => kind,
    }
}

/// Stores and applies one event, all in one transaction: the event row and its effect commit
/// together, so a crash in between leaves neither and the provider's redelivery applies it.
pub async fn handle(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    event: &GatewayEvent,
    now: DateTime<Utc>,
) -> Result<WebhookResult> {
    let mut tx = conn.begin().await?;
    let payload = serde_json::to_value(event).unwrap_or_default();
    let fresh =
        store::webhooks::insert_once(&mut tx, tenant, account, event.provider_event_id(), kind(event), &payload, now)
            .await?;
    if !fresh {
        return Ok(WebhookResult { received: true, duplicate: true, outcome: "duplicate".into() });
    }
    let outcome = apply(&mut tx, tenant, account, event, now).await?;
    store::webhooks::set_outcome(&mut tx, tenant, account, event.provider_event_id(), &outcome).await?;
    tx.commit().await?;
    Ok(WebhookResult { received: true, duplicate: false, outcome })
}

/// A payment attempt as a webhook finds it, locked: its own amount and currency bound what any
/// event about it may move.
use crate::store::payment_attempts::EventAttempt as AttemptRow;

impl AttemptRow {
    /// The event's amount, believed only up to the attempt's own: the provider was asked for the
    /// attempt's amount, and an event claiming more (or another currency) moves nothing beyond it.
    /// `None` when the currency is not the attempt's or the amount is not positive.
    fn bound(&self, claimed: Money) -> Option<Money> {
        if claimed.currency().code() != self.currency.trim() || !claimed.is_positive() {
            return None;
        }
        if claimed.minor() > self.amount {
            tracing::warn!(attempt = %self.id, claimed = claimed.minor(), own = self.amount, "webhook amount above the attempt's; capped");
        }
        Some(Money::from_minor(claimed.minor().min(self.amount), claimed.currency()))
    }

    fn refused(&self, claimed: Money) -> String {
        format!("ignored: {claimed} does not fit attempt {} ({} {})", self.id, self.amount, self.currency.trim())
    }
}

/// The attempt a provider payment belongs to, locked; `None`
/// when no attempt, or more than one, carries that id. A provider's id is only trusted to name an
/// attempt when it names exactly one: rows written while the sandbox's ids still repeated across
/// processes are marked `provider_id_shared` and never matched by it (the unique index keeps
/// every newer one unique).
async fn attempt_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_payment_id: &str,
) -> Result<Option<AttemptRow>> {
    let rows = store::payment_attempts::lock_by_provider_id(conn, tenant, account, provider_payment_id).await?;
    let mut rows = rows.into_iter();
    Ok(match (rows.next(), rows.next()) {
        (Some(row), None) if !row.provider_id_shared => Some(row),
        _ => None,
    })
}

/// An attempt of this account by our own id (the idempotency key the provider echoes back), if
/// it is not tied to another provider payment: (attempt id, invoice id, status), locked.
async fn attempt_by_id(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    id: Uuid,
    provider_payment_id: &str,
) -> Result<Option<AttemptRow>> {
    let row = store::payment_attempts::lock_by_id(conn, tenant, account, id).await?;
    // An attempt that already knows its provider payment is only that payment's.
    Ok(row.filter(|r| r.provider_payment_id.as_deref().is_none_or(|k| k == provider_payment_id)))
}

async fn apply(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    event: &GatewayEvent,
    now: DateTime<Utc>,
) -> Result<String> {
    match event {
        GatewayEvent::PaymentSucceeded { provider_payment_id, amount, attempt_reference, .. } => {
            // Our own attempt id, which the provider echoes back, names the attempt first: it is
            // ours and unique. It also finds an attempt that never heard the provider's answer
            // (abandoned after timeouts, perhaps failed over to another gateway).
            let found = match attempt_reference.as_deref().and_then(|r| Uuid::parse_str(r).ok()) {
                Some(reference) => attempt_by_id(conn, tenant, account, reference, provider_payment_id).await?,
                None => attempt_of(conn, tenant, account, provider_payment_id).await?,
            };
            let Some(a) = found else {
                return Ok(format!("no attempt for {provider_payment_id}"));
            };
            let Some(paid) = a.bound(*amount) else {
                return Ok(a.refused(*amount));
            };
            let (attempt, invoice) = (a.id, a.invoice_id);
            if a.status != "succeeded" {
                store::payment_attempts::mark_succeeded(conn, tenant, attempt, provider_payment_id, now).await?;
                let succeeded = crate::outbox::OutboxMessage::PaymentSucceeded {
                    invoice: InvoiceId(invoice),
                    amount: paid,
                    attempt,
                };
                store::outbox::enqueue(conn, tenant, &[succeeded], now).await?;
            }
            // Same reference as `payments::collect`: whichever of the two comes first records it.
            let s = settlement::apply_payment(
                conn,
                tenant,
                InvoiceId(invoice),
                paid,
                PaymentSource::Card,
                &attempt.to_string(),
                now,
            )
            .await?;
            Ok(if s.replayed {
                "already settled".into()
            } else if s.to_balance.is_positive() {
                // E.g. a failover charged a second gateway: the extra money is the customer's.
                format!("invoice {}, {} to the credit balance", s.status.as_str(), s.to_balance.minor())
            } else {
                format!("invoice {}", s.status.as_str())
            })
        }
        GatewayEvent::PaymentFailed { provider_payment_id, decline_code, .. } => {
            let Some(AttemptRow { id: attempt, status, invoice_id, amount, currency, .. }) =
                attempt_of(conn, tenant, account, provider_payment_id).await?
            else {
                return Ok(format!("no attempt for {provider_payment_id}"));
            };
            // A failure arriving after the success (out of order) must not undo it.
            if matches!(status.as_str(), "pending" | "requires_action") {
                store::payment_attempts::mark_failed(conn, tenant, attempt, decline_code, now).await?;
                // An asynchronous decline (a returned debit, a failed 3-D Secure) is a failed
                // payment like a synchronous one: the merchant's webhooks and the customer's mail.
                let invoice = InvoiceId(invoice_id);
                let failed = crate::outbox::OutboxMessage::PaymentFailed {
                    invoice,
                    amount: Money::from_minor(amount, crate::currency::Currency::from_code(currency.trim())?),
                    attempt,
                    decline_code: Some(decline_code.clone()),
                    next_attempt_at: crate::service::payments::next_retry(conn, tenant, invoice, None, now).await?,
                };
                store::outbox::enqueue(conn, tenant, &[failed], now).await?;
                return Ok("attempt failed".into());
            }
            Ok(format!("attempt already {status}"))
        }
        GatewayEvent::RefundSucceeded { provider_payment_id, amount, .. } => {
            let Some(a) = attempt_of(conn, tenant, account, provider_payment_id).await? else {
                return Ok(format!("no attempt for {provider_payment_id}"));
            };
            // A refund total beyond what the attempt took in is no more than all of it.
            let Some(amount) = a.bound(*amount) else {
                return Ok(a.refused(*amount));
            };
            let (attempt, invoice) = (a.id, a.invoice_id);
            // `amount` is the total refunded so far. Refunds we asked for (pending ones included, as
            // they may be racing this event) are already counted; only a refund made elsewhere
            // (the provider's dashboard) is new, and only by the difference.
            let ours = store::refunds::ours_for_attempt(conn, tenant, attempt).await?;
            let elsewhere = store::invoice_payments::external_refunds(conn, tenant, attempt).await?;
            let delta = amount.minor() - ours - elsewhere;
            if delta <= 0 {
                return Ok("refund already recorded".into());
            }
            settlement::record_refund(
                conn,
                tenant,
                InvoiceId(invoice),
                Money::from_minor(delta, amount.currency()),
                RefundSource::Refund,
                &format!("{attempt}:external:{}", amount.minor()),
                now,
            )
            .await?;
            Ok(format!("refund of {delta} recorded"))
        }
        GatewayEvent::DisputeOpened { provider_payment_id, amount, .. } => {
            let Some(a) = attempt_of(conn, tenant, account, provider_payment_id).await? else {
                return Ok(format!("no attempt for {provider_payment_id}"));
            };
            let Some(amount) = a.bound(*amount) else {
                return Ok(a.refused(*amount));
            };
            let (attempt, invoice) = (a.id, a.invoice_id);
            // The provider takes the disputed money back at once; one dispute per payment.
            let s = settlement::record_refund(
                conn,
                tenant,
                InvoiceId(invoice),
                amount,
                RefundSource::Dispute,
                &format!("{attempt}:dispute"),
                now,
            )
            .await?;
            Ok(format!("dispute recorded, invoice {}", s.status.as_str()))
        }
        GatewayEvent::SetupSucceeded { provider_setup_id, method, .. } => {
            let outcome = SetupOutcome::Ready(method.clone());
            method_setups::finish(conn, tenant, account, provider_setup_id, &outcome, now).await
        }
        GatewayEvent::SetupFailed { provider_setup_id, decline_code, .. } => {
            let outcome = SetupOutcome::Failed { decline_code: decline_code.clone(), decline_message: None };
            method_setups::finish(conn, tenant, account, provider_setup_id, &outcome, now).await
        }
        GatewayEvent::Other { kind, .. } => Ok(format!("ignored {kind}")),
    }
}
