//! Checking customers' VAT IDs with VIES: on demand (staff or the API) and as the `vies-recheck`
//! job for IDs that could not be checked yet. Each check is stored as evidence; the customer's
//! `vat_id_status` holds the latest outcome, which the tax engine reads at the next invoice.
//! Invoices already finalized are never changed by a later check (corrections are credit notes).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::store;
use crate::tax::VatIdStatus;
use crate::tax::vies::{VatIdVerifier, ViesError, status_after_check};

/// One stored check.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VatIdCheck {
    pub id: Uuid,
    pub vat_id: String,
    pub outcome: String,
    pub error_code: Option<String>,
    pub consultation_number: Option<String>,
    pub trader_name: Option<String>,
    pub trader_address: Option<String>,
    pub request_date: Option<NaiveDate>,
    pub checked_at: DateTime<Utc>,
}

/// Checks the customer's VAT ID now and stores the outcome. IDs VIES does not cover (GB, CH,
/// NO) keep their check-digit evidence and are reported as not checkable.
pub async fn verify(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    verifier: &dyn VatIdVerifier,
    now: DateTime<Utc>,
) -> Result<(VatIdStatus, VatIdCheck)> {
    let c =
        store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    let vat_id = c.vat_id.ok_or_else(|| Error::invalid("vat_id", "the customer has no VAT ID"))?;
    if !vat_id.in_vies() {
        return Err(Error::invalid("vat_id", "VIES checks EU VAT IDs only (not GB, CH or NO)"));
    }
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    // Outside any transaction: VIES can take seconds, and no row lock should wait for it.
    let result = verifier.check(&vat_id, t.tax.vat_id.as_ref().filter(|v| v.in_vies())).await;
    let status = status_after_check(&result, now);
    let (outcome, code, answer) = match &result {
        Ok(a) => (if a.valid { "valid" } else { "invalid" }, None, Some(a)),
        Err(e @ ViesError::Refused { .. }) => ("refused", Some(e.code().to_string()), None),
        Err(e) => ("unavailable", Some(e.code().to_string()), None),
    };
    if let Err(e) = &result {
        tracing::warn!(customer = %customer, error = %e, "VIES check without an answer; the VAT ID stays unverified");
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let check: VatIdCheck = sqlx::query_as(
        "INSERT INTO vat_id_checks (tenant_id, id, customer_id, vat_id, outcome, error_code, consultation_number,
             trader_name, trader_address, request_date, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id, vat_id, outcome, error_code, consultation_number, trader_name, trader_address, request_date, checked_at",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(customer)
    .bind(vat_id.to_string())
    .bind(outcome)
    .bind(&code)
    .bind(answer.and_then(|a| a.consultation_number.clone()))
    .bind(answer.and_then(|a| a.name.clone()))
    .bind(answer.and_then(|a| a.address.clone()))
    .bind(answer.and_then(|a| a.request_date))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // A failed check never overwrites a confirmation: an ID VIES confirmed stays confirmed when a
    // later re-check finds VIES down.
    let keep_previous = result.is_err() && c.vat_id_status.as_ref().is_some_and(|s| s.is_valid());
    if !keep_previous {
        sqlx::query("UPDATE customers SET vat_id_status = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(customer)
            .bind(serde_json::to_value(&status).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let current = if keep_previous { c.vat_id_status.unwrap_or(status) } else { status };
    Ok((current, check))
}

/// The stored checks of a customer, oldest first.
pub async fn checks(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<VatIdCheck>> {
    Ok(sqlx::query_as(
        "SELECT id, vat_id, outcome, error_code, consultation_number, trader_name, trader_address, request_date, checked_at
         FROM vat_id_checks WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_all(conn)
    .await?)
}

/// What a re-check run did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RecheckSummary {
    pub checked: u64,
    pub valid: u64,
    pub invalid: u64,
    pub still_unverified: u64,
}

/// The `vies-recheck` job: checks every EU VAT ID that is not confirmed or refuted yet (never
/// checked, or VIES was unavailable), across tenants, at most `limit` per run. Safe to re-run.
pub async fn recheck_unverified(
    pool: &PgPool,
    verifier: &dyn VatIdVerifier,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<RecheckSummary> {
    let due: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT tenant_id, id FROM customers
         WHERE vat_id IS NOT NULL AND (vat_id_status IS NULL OR vat_id_status->>'status' = 'unverified')
           AND substr(vat_id, 1, 2) NOT IN ('GB', 'CH', 'NO')
         ORDER BY tenant_id, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut summary = RecheckSummary::default();
    for (tenant, customer) in due {
        let mut conn = pool.acquire().await?;
        let (status, _) = match verify(&mut conn, TenantId(tenant), CustomerId(customer), verifier, now).await {
            Ok(r) => r,
            Err(Error::InvalidField { .. }) => continue,
            Err(e) => return Err(e),
        };
        summary.checked += 1;
        match status {
            VatIdStatus::Valid { .. } => summary.valid += 1,
            VatIdStatus::Invalid { .. } => summary.invalid += 1,
            VatIdStatus::Unverified { .. } => summary.still_unverified += 1,
        }
    }
    Ok(summary)
}
