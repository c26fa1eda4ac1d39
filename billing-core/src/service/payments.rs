//! Payment methods and collection through the `PaymentGateway` port, with a ledger of attempts.
//!
//! Collecting an invoice: (1) in one transaction, lock the invoice and record a `pending` attempt
//! (or pick up the one a crashed run left); (2) outside any transaction, charge through the
//! gateway with the attempt's id as idempotency key, retrying transport failures with the same
//! key; (3) in a second transaction, record the outcome and, on success, the payment on the
//! invoice. A process killed between (2) and (3) leaves the attempt pending; the next collection
//! re-drives it with the same key, and the provider answers with the payment it already made.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceId, TenantId};
use crate::invoice::InvoiceStatus;
use crate::money::Money;
use crate::ports::{
    ChargeOutcome, ChargeRequest, GatewayCustomerRef, MethodDetails, PaymentGateway, PaymentMethodRef, SetupOutcome,
};
use crate::store;

#[derive(Debug, Clone, Serialize)]
pub struct PaymentMethod {
    pub id: Uuid,
    pub gateway: String,
    pub kind: &'static str,
    pub last4: Option<String>,
    pub is_default: bool,
}

/// Sets up a reusable payment method for a customer and makes it the default.
pub async fn add_method(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    gateway: &dyn PaymentGateway,
    details: MethodDetails,
    now: DateTime<Utc>,
) -> Result<PaymentMethod> {
    let c =
        store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    let provider_customer = gateway
        .ensure_customer(&c.id.to_string(), c.email.as_str(), &c.name)
        .await
        .map_err(|e| Error::Gateway { detail: e.to_string() })?;
    let last4 = match &details {
        MethodDetails::TestCard { number } => {
            Some(number.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect())
        }
        MethodDetails::ProviderToken { .. } => None,
    };
    let kind = match details.kind() {
        crate::ports::PaymentMethodKind::Card => "card",
        crate::ports::PaymentMethodKind::SepaDebit => "sepa_debit",
    };
    let method = match gateway.setup_payment_method(&provider_customer, &details).await {
        Ok(SetupOutcome::Ready(m)) => m,
        Ok(SetupOutcome::Failed { decline_code, .. }) => return Err(Error::PaymentDeclined { code: decline_code }),
        Ok(SetupOutcome::RequiresAction { .. }) => {
            return Err(Error::PaymentDeclined { code: "authentication_required".into() });
        }
        Err(e) => return Err(Error::Gateway { detail: e.to_string() }),
    };
    let id = Uuid::now_v7();
    let mut tx = conn.begin().await?;
    sqlx::query(
        "UPDATE payment_methods SET is_default = FALSE WHERE tenant_id = $1 AND customer_id = $2 AND is_default",
    )
    .bind(tenant)
    .bind(customer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO payment_methods (tenant_id, id, customer_id, gateway, provider_customer, provider_method, kind, last4, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(id)
    .bind(customer)
    .bind(gateway.kind())
    .bind(&provider_customer.0)
    .bind(&method.0)
    .bind(kind)
    .bind(&last4)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(PaymentMethod { id, gateway: gateway.kind().to_string(), kind, last4, is_default: true })
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attempt {
    pub id: Uuid,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub gateway: String,
    pub provider_payment_id: Option<String>,
    pub decline_code: Option<String>,
    pub decline_class: Option<String>,
    pub routing_reason: String,
    pub latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Collection {
    pub attempt: Attempt,
    pub invoice_status: &'static str,
    pub amount_paid: Money,
    pub amount_due: Money,
}

/// Transport failures are retried this often with the same idempotency key.
const RETRIES: u32 = 2;

/// Collects what is due on an open invoice with the customer's default payment method.
/// `classify` maps a decline code (and advice) to `hard` or `soft`.
pub async fn collect(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoice: InvoiceId,
    gateway: &dyn PaymentGateway,
    classify: &(dyn Fn(&str, Option<&str>) -> &'static str + Sync),
    now: DateTime<Utc>,
) -> Result<Collection> {
    // (1) Lock the invoice, find or record the attempt.
    let mut tx = conn.begin().await?;
    let row: Option<(Uuid, String, String, i64, i64)> = sqlx::query_as(
        "SELECT customer_id, status, currency::text, total, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *tx)
    .await?;
    let (customer, status, currency, total, paid) = row.ok_or_else(|| Error::not_found("invoice", invoice))?;
    let currency = crate::currency::Currency::from_code(&currency)?;
    let pending: Option<(Uuid, i64, Uuid)> = sqlx::query_as(
        "SELECT id, amount, payment_method_id FROM payment_attempts WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'pending'",
    )
    .bind(tenant)
    .bind(invoice)
    .fetch_optional(&mut *tx)
    .await?;
    let (attempt_id, amount, method_id) = match pending {
        Some(p) => p,
        None => {
            if status != InvoiceStatus::Open.as_str() || total - paid <= 0 {
                return Err(Error::InvoiceNotPayable { status });
            }
            let method: Option<Uuid> = sqlx::query_scalar(
                "SELECT id FROM payment_methods WHERE tenant_id = $1 AND customer_id = $2 AND is_default AND gateway = $3",
            )
            .bind(tenant)
            .bind(customer)
            .bind(gateway.kind())
            .fetch_optional(&mut *tx)
            .await?;
            let method = method.ok_or(Error::NoPaymentMethod)?;
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO payment_attempts (tenant_id, id, invoice_id, payment_method_id, gateway, amount, currency, status,
                     routing_reason, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)",
            )
            .bind(tenant)
            .bind(id)
            .bind(invoice)
            .bind(method)
            .bind(gateway.kind())
            .bind(total - paid)
            .bind(currency.code())
            .bind(format!("default payment method on {}", gateway.kind()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (id, total - paid, method)
        }
    };
    let (provider_customer, provider_method): (String, String) = sqlx::query_as(
        "SELECT provider_customer, provider_method FROM payment_methods WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(method_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    // (2) Charge, outside any transaction, with our attempt id as the idempotency key.
    let request = ChargeRequest {
        idempotency_key: attempt_id.to_string(),
        customer: GatewayCustomerRef(provider_customer),
        method: PaymentMethodRef(provider_method),
        amount: Money::from_minor(amount, currency),
        description: format!("Invoice {}", InvoiceId(invoice.as_uuid())),
        metadata: BTreeMap::from([("invoice".to_string(), invoice.to_string())]),
    };
    let started = Instant::now();
    let mut outcome = gateway.charge(&request).await;
    let mut tries = 0;
    while let Err(e) = &outcome {
        if !e.is_retryable() || tries >= RETRIES {
            break;
        }
        tries += 1;
        outcome = gateway.charge(&request).await;
    }
    let latency = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);

    // (3) Record the outcome (and the payment) in one transaction.
    let mut tx = conn.begin().await?;
    let (status, provider_id, code, class) = match &outcome {
        Ok(ChargeOutcome::Succeeded { provider_payment_id, .. }) => {
            ("succeeded", Some(provider_payment_id.clone()), None, None)
        }
        Ok(ChargeOutcome::RequiresAction { provider_payment_id, .. }) => {
            ("requires_action", Some(provider_payment_id.clone()), None, None)
        }
        Ok(ChargeOutcome::Pending { .. }) | Err(_) => ("pending", None, None, None),
        Ok(ChargeOutcome::Failed { provider_payment_id, decline_code, advice_code, .. }) => (
            "failed",
            provider_payment_id.clone(),
            Some(decline_code.clone()),
            Some(classify(decline_code, advice_code.as_deref())),
        ),
    };
    sqlx::query(
        "UPDATE payment_attempts SET status = $3, provider_payment_id = $4, decline_code = $5, decline_class = $6, latency_ms = $7,
             finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $8 END
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(attempt_id)
    .bind(status)
    .bind(&provider_id)
    .bind(&code)
    .bind(class)
    .bind(latency)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if status == "succeeded" {
        // The attempt id is the receipt's reference: re-driving a crashed attempt records it once.
        crate::service::settlement::apply_payment(
            &mut tx,
            tenant,
            invoice,
            Money::from_minor(amount, currency),
            crate::service::settlement::PaymentSource::Card,
            &attempt_id.to_string(),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if let Err(e) = outcome {
        return Err(Error::Gateway { detail: e.to_string() });
    }
    let attempt: Attempt = sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(attempt_id)
        .fetch_one(&mut *conn)
        .await?;
    let (status, total, paid): (String, i64, i64) =
        sqlx::query_as("SELECT status, total, amount_paid FROM invoices WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(invoice)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Collection {
        attempt,
        invoice_status: InvoiceStatus::parse(&status).map(|s| s.as_str()).unwrap_or("open"),
        amount_paid: Money::from_minor(paid, currency),
        amount_due: Money::from_minor(total - paid, currency),
    })
}

const ATTEMPT_SELECT: &str = "SELECT id, status, amount, currency::text AS currency, gateway, provider_payment_id,
        decline_code, decline_class, routing_reason, latency_ms, created_at FROM payment_attempts";

/// The ledger of one invoice, oldest first.
pub async fn attempts(conn: &mut PgConnection, tenant: TenantId, invoice: InvoiceId) -> Result<Vec<Attempt>> {
    Ok(sqlx::query_as(&format!("{ATTEMPT_SELECT} WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY id"))
        .bind(tenant)
        .bind(invoice)
        .fetch_all(conn)
        .await?)
}
