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
use sqlx::PgPool;
use uuid::Uuid;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{GatewayError, Gateways, RefundOutcome, RefundRequest};
use crate::service::gateway_accounts;
use crate::service::settlement::{self, RefundSource, Settlement};

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

#[derive(sqlx::FromRow)]
struct RefundRow {
    id: Uuid,
    status: String,
    provider_refund_id: Option<String>,
    failure_reason: Option<String>,
    amount: i64,
    currency: String,
}

impl RefundRow {
    fn public(self) -> Result<Refund> {
        Ok(Refund {
            id: self.id,
            amount: Money::from_minor(self.amount, Currency::from_code(self.currency.trim())?),
            status: self.status,
            provider_refund_id: self.provider_refund_id,
            failure_reason: self.failure_reason,
        })
    }
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
    let rows: Vec<RefundRow> = sqlx::query_as(
        "SELECT id, status, provider_refund_id, failure_reason, amount, currency::text AS currency
         FROM payment_refunds WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id",
    )
    .bind(tenant)
    .bind(&planned)
    .fetch_all(&mut *conn)
    .await?;
    let refunds = rows.into_iter().map(RefundRow::public).collect::<Result<Vec<_>>>()?;
    if refunds.iter().all(|r| r.status == "failed") {
        let reason = refunds.iter().filter_map(|r| r.failure_reason.clone()).collect::<Vec<_>>().join("; ");
        return Err(Error::RefundFailed { reason });
    }
    let invoice = settlement::current(&mut conn, tenant, invoice).await?;
    Ok(RefundResult { refunds, invoice })
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
    let (currency, paid): (String, i64) =
        sqlx::query_as("SELECT currency::text, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind(tenant)
            .bind(invoice)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::not_found("invoice", invoice))?;
    if let Some(key) = request_key {
        let earlier: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM payment_refunds WHERE tenant_id = $1 AND invoice_id = $2 AND request_key = $3 ORDER BY id",
        )
        .bind(tenant)
        .bind(invoice)
        .bind(key)
        .fetch_all(&mut *tx)
        .await?;
        if !earlier.is_empty() {
            return Ok(earlier);
        }
    }
    let currency = Currency::from_code(currency.trim())?;
    // Per payment: what it took minus what was refunded or is being refunded on it.
    let payments: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT a.id,
                a.amount - COALESCE((SELECT sum(r.amount) FROM payment_refunds r
                    WHERE r.tenant_id = a.tenant_id AND r.attempt_id = a.id AND r.status IN ('pending', 'succeeded')), 0)::bigint
         FROM payment_attempts a
         WHERE a.tenant_id = $1 AND a.invoice_id = $2 AND a.status = 'succeeded' AND a.provider_payment_id IS NOT NULL
         ORDER BY a.id DESC",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(&mut *tx)
    .await?;
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
        sqlx::query(
            "INSERT INTO payment_refunds (tenant_id, id, invoice_id, attempt_id, amount, currency, status, created_at, request_key)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)",
        )
        .bind(tenant)
        .bind(id)
        .bind(invoice)
        .bind(attempt)
        .bind(part)
        .bind(currency.code())
        .bind(now)
        .bind(request_key)
        .execute(&mut *tx)
        .await?;
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
        let row: Option<(Uuid, i64, String, Uuid, String)> = sqlx::query_as(
            "SELECT r.invoice_id, r.amount, r.currency::text, a.gateway_account_id, a.provider_payment_id
             FROM payment_refunds r JOIN payment_attempts a ON a.tenant_id = r.tenant_id AND a.id = r.attempt_id
             WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'pending'",
        )
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
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
    let still_pending: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM payment_refunds WHERE tenant_id = $1 AND id = $2 AND status = 'pending' FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if still_pending.is_none() {
        // A racing drive recorded it first.
        return Ok(true);
    }
    let finished = match outcome {
        Ok(RefundOutcome::Succeeded { provider_refund_id }) => {
            sqlx::query(
                "UPDATE payment_refunds SET status = 'succeeded', provider_refund_id = $3, tries = tries + 1, finished_at = $4
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(id)
            .bind(&provider_refund_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
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
            sqlx::query(
                "UPDATE payment_refunds SET tries = tries + 1, last_error = $3 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(id)
            .bind(e.to_string())
            .execute(&mut *tx)
            .await?;
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
    sqlx::query(
        "UPDATE payment_refunds SET status = 'failed', failure_reason = $3, tries = tries + 1, finished_at = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// Asks the provider again about every refund still pending (its call got no answer), with the
/// refund's own id as idempotency key, so that a refund that did happen is recorded once and one
/// that did not is made now. Returns how many reached a final state.
pub async fn redrive_pending(pool: &PgPool, gateways: &dyn Gateways, now: DateTime<Utc>) -> Result<u64> {
    let pending: Vec<(Uuid, Uuid)> = {
        let mut conn = pool.acquire().await?;
        sqlx::query_as("SELECT tenant_id, id FROM payment_refunds WHERE status = 'pending' ORDER BY tenant_id, id")
            .fetch_all(&mut *conn)
            .await?
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
