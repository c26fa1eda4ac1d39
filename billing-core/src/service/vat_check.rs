//! Checking customers' VAT IDs with VIES: on demand (staff or the API) and as the `vies-recheck`
//! job for IDs that could not be checked yet. Each check is stored as evidence; the customer's
//! `vat_id_status` holds the latest outcome, which the tax engine reads at the next invoice.
//! Invoices already finalized are never changed by a later check (corrections are credit notes).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::ports::vat_registry::{VatIdVerifier, ViesError, status_after_check};
use crate::store;
use crate::tax::VatIdStatus;

pub use crate::store::vat_checks::VatIdCheck;

/// Checks the customer's VAT ID now and stores the outcome. IDs VIES does not cover (GB, CH,
/// NO) keep their check-digit evidence and are reported as not checkable.
pub async fn verify(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    verifier: &dyn VatIdVerifier,
    now: DateTime<Utc>,
) -> Result<(VatIdStatus, VatIdCheck)> {
    let asked = prepare(conn, tenant, customer).await?;
    // Outside any transaction: VIES can take seconds, and no row lock should wait for it.
    let result = verifier.check(&asked.vat_id, asked.seller.as_ref()).await;
    record(conn, tenant, asked, result, now).await
}

/// What a check asks VIES, with the customer as it was before.
struct Asked {
    customer: crate::customer::Customer,
    vat_id: crate::tax::VatId,
    seller: Option<crate::tax::VatId>,
}

async fn prepare(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Asked> {
    let c =
        store::customers::get(conn, tenant, customer).await?.ok_or_else(|| Error::not_found("customer", customer))?;
    let vat_id = c.vat_id.clone().ok_or_else(|| Error::invalid("vat_id", "the customer has no VAT ID"))?;
    if !vat_id.in_vies() {
        return Err(Error::invalid("vat_id", "VIES checks EU VAT IDs only (not GB, CH or NO)"));
    }
    let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
    let seller = t.tax.vat_id.filter(|v| v.in_vies());
    Ok(Asked { customer: c, vat_id, seller })
}

async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    asked: Asked,
    result: std::result::Result<crate::ports::vat_registry::ViesAnswer, ViesError>,
    now: DateTime<Utc>,
) -> Result<(VatIdStatus, VatIdCheck)> {
    let (c, vat_id) = (asked.customer, asked.vat_id);
    let customer = c.id;
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
    let new = store::vat_checks::NewCheck {
        customer,
        vat_id: vat_id.to_string(),
        outcome,
        error_code: code,
        consultation_number: answer.and_then(|a| a.consultation_number.clone()),
        trader_name: answer.and_then(|a| a.name.clone()),
        trader_address: answer.and_then(|a| a.address.clone()),
        request_date: answer.and_then(|a| a.request_date),
        checked_at: now,
    };
    let check = store::vat_checks::insert(&mut tx, tenant, new).await?;
    // A failed check never overwrites a confirmation: an ID VIES confirmed stays confirmed when a
    // later re-check finds VIES down.
    let keep_previous = result.is_err() && c.vat_id_status.as_ref().is_some_and(|s| s.is_valid());
    if !keep_previous {
        store::vat_checks::set_customer_status(&mut tx, tenant, customer, &status).await?;
    }
    tx.commit().await?;
    let current = if keep_previous { c.vat_id_status.unwrap_or(status) } else { status };
    Ok((current, check))
}

/// The stored checks of a customer, oldest first.
pub async fn checks(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<Vec<VatIdCheck>> {
    store::vat_checks::list(conn, tenant, customer).await
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
    let due = {
        let mut conn = pool.acquire().await?;
        store::vat_checks::unverified_customers(&mut conn, limit).await?
    };
    let mut summary = RecheckSummary::default();
    for (tenant, customer) in due {
        let tenant = TenantId(tenant);
        // No connection is held while VIES answers (the embedded database has one, ADR 0018).
        let asked = match prepare(&mut *pool.acquire().await?, tenant, CustomerId(customer)).await {
            Ok(a) => a,
            Err(Error::InvalidField { .. }) => continue,
            Err(e) => return Err(e),
        };
        let result = verifier.check(&asked.vat_id, asked.seller.as_ref()).await;
        let (status, _) = record(&mut *pool.acquire().await?, tenant, asked, result, now).await?;
        summary.checked += 1;
        match status {
            VatIdStatus::Valid { .. } => summary.valid += 1,
            VatIdStatus::Invalid { .. } => summary.invalid += 1,
            VatIdStatus::Unverified { .. } => summary.still_unverified += 1,
        }
    }
    Ok(summary)
}
