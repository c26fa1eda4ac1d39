//! Refunds of card payments through the gateway that took them, then into settlement.
//!
//! A refund row is written as pending, under the invoice lock, before the gateway is called (its id
//! is the provider's idempotency key), so that racing refunds never exceed what was paid and a
//! refund webhook arriving before our commit is not counted twice. Every refund ends `succeeded`
//! or `failed`: a refusal by the provider fails it (and it no longer counts against what can be
//! refunded); a call that got no answer leaves it pending, and the collection job asks again
//! with the same key ([`redrive_pending`]) until the provider answers.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{GatewayError, Gateways, RefundOutcome, RefundRequest};
use crate::service::gateway_accounts;
use crate::service::settlement::{self, RefundSource, Settlement};
use crate::store;
use crate::store::refunds::RefundRow;

/// Transport failures are retried this often, with the same key, before the refund is left to
/// the collection job.
const RETRIES: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    pub id: Uuid,
    pub amount: Money,
    /// `pending` (the provider has not answered yet; the collection job asks again), `succeeded`
    /// or `failed`.
    pub status: String,
    pub provider_refund_id: Option<String>,
    pub failure_reason: Option<String>,
}

fn public(row: RefundRow) -> Result<Refund> {
    Ok(Refund {
        id: row.id,
        amount: Money::from_minor(row.amount, Currency::from_code(row.currency.trim())?),
        status: row.status,
        provider_refund_id: row.provider_refund_id,
        failure_reason: row.failure_reason,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RefundResult {
    pub refunds: Vec<Refund>,
    pub invoice: Settlement,
}

impl RefundResult {
    /// True while a part still waits for the provider's answer.
    pub fn pending(&self) -> bool {
        self.refunds.iter().any(|r| r.status == "pending")
    }
}

/// Refunds `amount` (all that was paid when `None`) of an invoice, from its card payments, newest
/// first. Never more than was received net of earlier refunds (failed ones do not count).
///
/// `request_key` is the caller's Idempotency-Key: when refunds were already made under it (the
/// request is retried after its process died), those are resumed instead of new ones made.
pub async fn refund(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    amount: Option<i64>,
    request_key: Option<&str>,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<RefundResult> {
    let planned = plan(pool, tenant, invoice, amount, request_key, now).await?;
    for id in &planned {
        drive(pool, tenant, *id, gateways, now).await?;
    }
    let mut conn = pool.acquire().await?;
    let rows = store::refunds::list(&mut conn, tenant, &planned).await?;
    let refunds = rows.into_iter().map(public).collect::<Result<Vec<_>>>()?;
    if refunds.iter().all(|r| r.status == "failed") {
        let reason = refunds.iter().filter_map(|r| r.failure_reason.clone()).collect::<Vec<_>>().join("; ");
        return Err(Error::RefundFailed { reason });
    }
    let invoice = settlement::current(&mut conn, tenant, invoice).await?;
    Ok(RefundResult { refunds, invoice })
}

/// What can still be refunded of an invoice, in minor units: its card payments net of the refunds
/// made or under way on them, never more than was paid (the same figure [`refund`] checks under
/// the invoice lock). A form checks an amount against it before its confirm step.
pub async fn refundable(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<i64> {
    let (_, paid) =
        store::invoices::paid(conn, tenant, invoice).await?.ok_or_else(|| Error::not_found("invoice", invoice))?;
    let payments = store::refunds::refundable_payments(conn, tenant, invoice).await?;
    Ok(payments.iter().map(|p| p.1.max(0)).sum::<i64>().min(paid))
}

/// Writes the pending refund rows under the invoice lock (or finds those of `request_key`).
async fn plan(
    pool: &PgPool,
    tenant: TenantId,
    invoice: InvoiceId,
    amount: Option<i64>,
    request_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let mut tx = pool.begin().await?;
    // FOR UPDATE serializes racing refunds of one invoice: the second sees the first's pending rows.
    let (currency, paid) = store::invoices::lock_paid(&mut tx, tenant, invoice)
        .await?
        .ok_or_else(|| Error::not_found("invoice", invoice))?;
    if let Some(key) = request_key {
        let earlier = store::refunds::ids_for_request(&mut tx, tenant, invoice, key).await?;
        if !earlier.is_empty() {
            return Ok(earlier);
        }
    }
    let currency = Currency::from_code(currency.trim())?;
    // Per payment: what it took minus what was refunded or is being refunded on it.
    let payments = store::refunds::refundable_payments(&mut tx, tenant, invoice).await?;
    let refundable = payments.iter().map(|p| p.1.max(0)).sum::<i64>().min(paid);
    let wanted = amount.unwrap_or(refundable);
    if wanted <= 0 {
        if amount.is_some() {
            return Err(Error::invalid("amount", "a refund must be greater than zero"));
        }
        return Err(Error::RefundTooLarge { refundable, currency });
    }
    if wanted > refundable {
        return Err(Error::RefundTooLarge { refundable, currency });
    }
    let mut left = wanted;
    let mut planned = Vec::new();
    for (attempt, remaining) in payments {
        let part = left.min(remaining);
        if part <= 0 {
            continue;
        }
        let id = Uuid::now_v7();
        let new = store::refunds::NewRefund {
            id,
            invoice,
            attempt,
            amount: part,
            currency: currency.code(),
            request_key,
            now,
        };
        store::refunds::insert_pending(&mut tx, tenant, &new).await?;
        planned.push(id);
        left -= part;
        if left == 0 {
            break;
        }
    }
    tx.commit().await?;
    Ok(planned)
}

/// Asks the provider for one pending refund (with no connection held) and records its answer.
/// Returns whether the refund reached a final state. Safe to run twice at once: the provider
/// replays the first answer for the same key and only one of the two records it.
async fn drive(pool: &PgPool, tenant: TenantId, id: Uuid, gateways: &dyn Gateways, now: DateTime<Utc>) -> Result<bool> {
    let (invoice, request, spec) = {
        let mut conn = pool.acquire().await?;
        let row = store::refunds::pending_request(&mut conn, tenant, id).await?;
        let Some((invoice, amount, currency, account, provider_payment_id)) = row else { return Ok(true) };
        let request = RefundRequest {
            idempotency_key: id.to_string(),
            provider_payment_id,
            amount: Money::from_minor(amount, Currency::from_code(currency.trim())?),
        };
        (InvoiceId(invoice), request, gateway_accounts::spec(&mut conn, tenant, account).await?)
    };
    let outcome = match gateways.gateway(&spec) {
        // The adapter cannot even be built: nothing was sent, so nothing was refunded.
        Err(e) => Err(GatewayError::Misconfigured(e.to_string())),
        Ok(gateway) => {
            let mut outcome = gateway.refund(&request).await;
            let mut tries = 0;
            while matches!(&outcome, Err(e) if e.is_retryable()) && tries < RETRIES {
                tries += 1;
                outcome = gateway.refund(&request).await;
            }
            outcome
        }
    };
    let mut tx = pool.begin().await?;
    if !store::refunds::lock_pending(&mut tx, tenant, id).await? {
        // A racing drive recorded it first.
        return Ok(true);
    }
    let finished = match outcome {
        Ok(RefundOutcome::Succeeded { provider_refund_id }) => {
            store::refunds::mark_succeeded(&mut tx, tenant, id, &provider_refund_id, now).await?;
            settlement::record_refund(
                &mut tx,
                tenant,
                invoice,
                request.amount,
                RefundSource::Refund,
                &id.to_string(),
                now,
            )
            .await?;
            true
        }
        // The provider answered no (`Failed`), or refused the request itself (`Rejected`: e.g. no
        // such payment) or could not be used (`Misconfigured`): nothing was refunded.
        Ok(RefundOutcome::Failed { reason }) => fail(&mut tx, tenant, id, &reason, now).await?,
        Err(e @ (GatewayError::Rejected { .. } | GatewayError::Misconfigured(_))) => {
            fail(&mut tx, tenant, id, &e.to_string(), now).await?
        }
        // No answer: it may have happened. Stays pending; the job asks again with the same key.
        Err(e @ (GatewayError::Transport(_) | GatewayError::Timeout)) => {
            store::refunds::note_unanswered(&mut tx, tenant, id, &e.to_string()).await?;
            tracing::warn!(refund = %id, error = %e, "refund unanswered; the collection job will ask again");
            false
        }
    };
    tx.commit().await?;
    Ok(finished)
}

async fn fail(
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    store::refunds::mark_failed(tx, tenant, id, reason, now).await?;
    Ok(true)
}

/// Asks the provider again about every refund still pending (its call got no answer), with the
/// refund's own id as idempotency key, so that a refund that did happen is recorded once and one
/// that did not is made now. Returns how many reached a final state.
pub async fn redrive_pending(pool: &PgPool, gateways: &dyn Gateways, now: DateTime<Utc>) -> Result<u64> {
    let pending: Vec<(Uuid, Uuid)> = {
        let mut conn = pool.acquire().await?;
        store::refunds::all_pending(&mut conn).await?
    };
    let mut finished = 0;
    for (tenant, id) in pending {
        match drive(pool, TenantId(tenant), id, gateways, now).await {
            Ok(true) => finished += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(refund = %id, error = %e, "refund re-drive failed"),
        }
    }
    Ok(finished)
}
