//! Refunds of card payments through the gateway that took them, then into settlement.
//!
//! A refund row is written as pending before the gateway is called (its id is the idempotency
//! key), so that a refund webhook arriving before our commit is not counted a second time.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{InvoiceId, TenantId};
use crate::money::Money;
use crate::ports::{Gateways, RefundOutcome, RefundRequest};
use crate::service::gateway_accounts;
use crate::service::settlement::{self, RefundSource, Settlement};

#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    pub id: Uuid,
    pub amount: Money,
    pub provider_refund_id: Option<String>,
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefundResult {
    pub refunds: Vec<Refund>,
    pub invoice: Settlement,
}

/// Refunds `amount` (all that was paid when `None`) of an invoice, from its card payments, newest
/// first. Never more than was received net of earlier refunds.
pub async fn refund(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    amount: Option<i64>,
    gateways: &dyn Gateways,
    now: DateTime<Utc>,
) -> Result<RefundResult> {
    let (currency, paid): (String, i64) =
        sqlx::query_as("SELECT currency::text, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(invoice)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| Error::not_found("invoice", invoice))?;
    let currency = Currency::from_code(currency.trim())?;
    // Per payment: what it took minus what was refunded or is being refunded on it.
    let payments: Vec<(Uuid, Uuid, String, i64)> = sqlx::query_as(
        "SELECT a.id, a.gateway_account_id, a.provider_payment_id,
                a.amount - COALESCE((SELECT sum(r.amount) FROM payment_refunds r
                    WHERE r.tenant_id = a.tenant_id AND r.attempt_id = a.id AND r.status IN ('pending', 'succeeded')), 0)::bigint
         FROM payment_attempts a
         WHERE a.tenant_id = $1 AND a.invoice_id = $2 AND a.status = 'succeeded' AND a.provider_payment_id IS NOT NULL
         ORDER BY a.id DESC",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_all(&mut *conn)
    .await?;
    let refundable = payments.iter().map(|p| p.3.max(0)).sum::<i64>().min(paid);
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
    let mut refunds = Vec::new();
    for (attempt, account, provider_payment_id, remaining) in payments {
        if left == 0 {
            break;
        }
        let part = left.min(remaining);
        if part <= 0 {
            continue;
        }
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO payment_refunds (tenant_id, id, invoice_id, attempt_id, amount, currency, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
        )
        .bind(tenant)
        .bind(id)
        .bind(invoice)
        .bind(attempt)
        .bind(part)
        .bind(currency.code())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let spec = gateway_accounts::spec(conn, tenant, account).await?;
        let gateway = gateways.gateway(&spec).map_err(|e| Error::GatewayConfig { detail: e.to_string() })?;
        let request = RefundRequest {
            idempotency_key: id.to_string(),
            provider_payment_id,
            amount: Money::from_minor(part, currency),
        };
        let mut outcome = gateway.refund(&request).await;
        if matches!(&outcome, Err(e) if e.is_retryable()) {
            outcome = gateway.refund(&request).await;
        }
        let mut tx = conn.begin().await?;
        match outcome {
            Ok(RefundOutcome::Succeeded { provider_refund_id }) => {
                sqlx::query(
                    "UPDATE payment_refunds SET status = 'succeeded', provider_refund_id = $3 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant)
                .bind(id)
                .bind(&provider_refund_id)
                .execute(&mut *tx)
                .await?;
                settlement::record_refund(
                    &mut tx,
                    tenant,
                    invoice,
                    Money::from_minor(part, currency),
                    RefundSource::Refund,
                    &id.to_string(),
                    now,
                )
                .await?;
                tx.commit().await?;
                refunds.push(Refund {
                    id,
                    amount: Money::from_minor(part, currency),
                    provider_refund_id: Some(provider_refund_id),
                    status: "succeeded",
                });
                left -= part;
            }
            Ok(RefundOutcome::Failed { reason }) => {
                sqlx::query(
                    "UPDATE payment_refunds SET status = 'failed', failure_reason = $3 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant)
                .bind(id)
                .bind(&reason)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                return Err(Error::Gateway { detail: format!("refund refused: {reason}") });
            }
            // Unknown outcome: the row stays pending (it may have happened); the provider's webhook
            // or a retry with the same key settles it.
            Err(e) => {
                tx.commit().await?;
                return Err(Error::Gateway { detail: e.to_string() });
            }
        }
    }
    let invoice = settlement::current(conn, tenant, invoice).await?;
    Ok(RefundResult { refunds, invoice })
}
