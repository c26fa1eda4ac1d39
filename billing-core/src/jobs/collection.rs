//! The collection run: charges every open invoice that is due and whose customer has a payment
//! method, re-drives attempts a killed process left pending (the provider may already have taken
//! the money; the same idempotency key makes it replay, and settlement records it once), settles
//! payments that waited for 3-D Secure or a bank, and asks again about refunds whose provider
//! call got no answer.
//!
//! Replica-safe: one run at a time per database (the lease `collect`, `store::locks`; a second node finds it taken and
//! does nothing). A `POST /invoices/{id}/pay` racing the run is serialized by the invoice row lock
//! in `payments::collect` and the one-pending-attempt-per-invoice index: whoever comes second
//! finds the invoice paid or an attempt in flight. No connection is held while a provider answers.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::ports::{ChargeOutcome, GatewayEvent, Gateways};
use crate::service::{gateway_accounts, payments, refunds, webhooks};
use crate::store::{self, locks};

/// The lease that makes collection runs exclusive.
const LEASE: &str = "collect";
/// How long the lease lasts without renewal; the run renews it before every invoice, so only a
/// run whose process died lets it expire.
const LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

#[derive(Debug, Clone, Default, Serialize)]
pub struct CollectionSummary {
    /// False when another run held the lease and this one did nothing.
    pub ran: bool,
    pub collected: u64,
    pub failed: u64,
    pub redriven: u64,
    /// Payments waiting at the provider (3-D Secure, a SEPA debit) whose final state was read from
    /// the provider because no webhook had brought it.
    pub rechecked: u64,
    pub skipped: u64,
    /// Refunds whose provider call had got no answer and that have now succeeded or failed.
    pub refunds_finished: u64,
}

/// Runs a collection for invoices due on or before `as_of` (the date of `now` when `None`).
pub async fn run_collection(
    pool: &PgPool,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
    as_of: Option<NaiveDate>,
) -> Result<CollectionSummary> {
    let as_of = as_of.unwrap_or_else(|| now.date_naive());
    let holder = Uuid::now_v7();
    if !locks::try_acquire(&mut *pool.acquire().await?, LEASE, holder, LEASE_TTL).await? {
        return Ok(CollectionSummary::default());
    }
    let result = collect_all(pool, gateways, now, as_of, holder).await;
    // Given back even when the run failed, so that the next tick need not wait for the expiry.
    locks::release(&mut *pool.acquire().await?, LEASE, holder).await?;
    result
}

async fn collect_all(
    pool: &PgPool,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
    as_of: NaiveDate,
    holder: Uuid,
) -> Result<CollectionSummary> {
    let mut summary = CollectionSummary { ran: true, ..CollectionSummary::default() };
    summary.rechecked = recheck_waiting(pool, gateways, now).await?;
    // Work list: invoices with a pending attempt (re-drive), and open invoices due that have never
    // been attempted and whose customer holds a method. Declined invoices are left to dunning.
    let work = store::payment_attempts::collection_work(&mut *pool.acquire().await?, as_of).await?;
    for (tenant, invoice, pending) in work {
        if !locks::renew(&mut *pool.acquire().await?, LEASE, holder, LEASE_TTL).await? {
            tracing::warn!("collection: the lease was lost to another run; stopping");
            return Ok(summary);
        }
        let (tenant, invoice) = (TenantId(tenant), InvoiceId(invoice));
        let outcome = if pending {
            let redriven = payments::redrive_pending(pool, tenant, invoice, gateways, now).await;
            if matches!(redriven, Ok(Some(_))) {
                summary.redriven += 1;
            }
            redriven
        } else {
            payments::collect(pool, tenant, invoice, gateways, now).await.map(Some)
        };
        match outcome {
            Ok(Some(c)) if c.invoice_status == "paid" => summary.collected += 1,
            Ok(Some(_)) => summary.failed += 1,
            Ok(None)
            | Err(
                Error::InvoiceNotPayable { .. }
                | Error::NoPaymentMethod
                | Error::NoRoute { .. }
                | Error::PaymentInProgress,
            ) => {
                summary.skipped += 1;
            }
            Err(Error::Gateway { detail }) => {
                tracing::warn!(%detail, %invoice, "collection: gateway failed");
                summary.failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    summary.refunds_finished = refunds::redrive_pending(pool, gateways, now).await?;
    Ok(summary)
}

/// Asks the provider about every payment it holds that is still waiting on our side (the customer
/// had to pass 3-D Secure, or a debit was pending) on an invoice not yet settled, and applies a
/// final answer exactly as its webhook would have: through `webhooks::handle`, under an event id
/// of its own and naming our attempt, so a webhook arriving later finds the money already
/// recorded. Returns how many reached a final state.
async fn recheck_waiting(pool: &PgPool, gateways: &dyn Gateways, now: DateTime<Utc>) -> Result<u64> {
    let waiting = store::payment_attempts::waiting_at_provider(&mut *pool.acquire().await?).await?;
    let mut finished = 0;
    for (tenant, account, attempt, payment) in waiting {
        let spec = gateway_accounts::spec(&mut *pool.acquire().await?, TenantId(tenant), account).await?;
        let gateway = match gateways.gateway(&spec) {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %e, "collection: cannot build the gateway to re-check a payment");
                continue;
            }
        };
        let event = match gateway.payment_status(&payment).await {
            Ok(ChargeOutcome::Succeeded { amount, .. }) => GatewayEvent::PaymentSucceeded {
                provider_event_id: format!("recheck:{payment}:succeeded"),
                provider_payment_id: payment.clone(),
                amount,
                attempt_reference: Some(attempt.to_string()),
            },
            Ok(ChargeOutcome::Failed { decline_code, .. }) => GatewayEvent::PaymentFailed {
                provider_event_id: format!("recheck:{payment}:failed"),
                provider_payment_id: payment.clone(),
                decline_code,
            },
            Ok(ChargeOutcome::RequiresAction { .. } | ChargeOutcome::Pending { .. }) => continue,
            Err(e) => {
                tracing::warn!(error = %e, %payment, "collection: could not re-check a waiting payment");
                continue;
            }
        };
        let result = webhooks::handle(&mut *pool.acquire().await?, TenantId(tenant), account, &event, now).await?;
        if !result.duplicate {
            finished += 1;
        }
    }
    Ok(finished)
}
