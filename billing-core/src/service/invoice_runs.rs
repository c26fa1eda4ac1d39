//! Recorded invoice runs as finance staff read them, built in one place for every front (the API,
//! `billing runs`, the CSV report): the record, its totals, its exceptions, the totals in a
//! reporting currency. Running one is [`invoicing`](super::invoicing).

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::currency::Currency;
use crate::error::{Error, Result};
use crate::ids::{InvoiceRunId, TenantId};
use crate::rounding::RoundingPolicy;
use crate::run_report::{ReportingTotals, RunException, RunTotals};
use crate::store::runs::{InvoiceRunRecord, ReportInvoiceRow};
use crate::store::{self, Page, PageRequest};

/// One recorded run with what it found.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub tenant: TenantId,
    pub record: InvoiceRunRecord,
    /// Net, VAT and gross per currency and per (currency, VAT category, rate).
    pub totals: RunTotals,
    pub exceptions: Vec<RunException>,
}

impl RunReport {
    pub fn id(&self) -> InvoiceRunId {
        self.record.run_id()
    }
}

/// The tenant's run; `Error::NotFound` for another tenant's or an unknown id.
pub async fn report(conn: &mut PgConnection, tenant: TenantId, id: InvoiceRunId) -> Result<RunReport> {
    let record = store::runs::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("invoice run", id))?;
    complete(conn, tenant, record).await
}

/// A run by id whatever its tenant, for operators on the command line.
pub async fn find(conn: &mut PgConnection, id: InvoiceRunId) -> Result<Option<RunReport>> {
    let Some((tenant, record)) = store::runs::find_any(conn, id).await? else { return Ok(None) };
    Ok(Some(complete(conn, tenant, record).await?))
}

async fn complete(conn: &mut PgConnection, tenant: TenantId, record: InvoiceRunRecord) -> Result<RunReport> {
    let totals = record.run_totals()?;
    // A dry run keeps its sample in its record; one recorded before that kept rows.
    let sample = record.sampled_exceptions()?;
    let exceptions = if record.dry_run && !sample.is_empty() {
        sample
    } else {
        store::runs::exceptions(conn, tenant, record.run_id()).await?
    };
    Ok(RunReport { tenant, record, totals, exceptions })
}

/// How far a real run that is still running has got: (subscriptions looked at, subscriptions it
/// looks at in all). A real run commits chunk by chunk, so its whole is what it invoiced plus
/// what is due now (a subscription it skipped stays due and is counted once). `None` for a run
/// that is not running, and for a dry run: its chunks roll back and it records its counts when
/// it ends.
pub async fn progress(
    conn: &mut PgConnection,
    tenant: TenantId,
    record: &InvoiceRunRecord,
) -> Result<Option<(i64, i64)>> {
    if record.dry_run || record.status != "running" {
        return Ok(None);
    }
    let due = store::subscriptions::count_due(conn, tenant, record.as_of).await?;
    let looked_at = record.subscriptions_considered;
    let total = (looked_at - record.subscriptions_skipped).max(0) + due;
    Ok(Some((looked_at, total.max(looked_at))))
}

/// The tenant's runs, newest first, a page at a time (the cursor is the last run seen).
pub async fn list_page(conn: &mut PgConnection, tenant: TenantId, page: PageRequest) -> Result<Page<InvoiceRunRecord>> {
    let rows = store::runs::list_page(conn, tenant, page.starting_after.map(InvoiceRunId), page.fetch_limit()).await?;
    Ok(Page::from_rows(rows, page))
}

/// The newest `limit` runs of one tenant or of all, newest first.
pub async fn recent(conn: &mut PgConnection, tenant: Option<TenantId>, limit: i64) -> Result<Vec<InvoiceRunRecord>> {
    let tenants = match tenant {
        Some(t) => vec![t],
        None => store::tenants::list_ids(conn).await?,
    };
    let mut runs = Vec::new();
    for tenant in tenants {
        runs.extend(store::runs::list(conn, tenant, limit).await?);
    }
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    runs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(runs)
}

/// The run's totals in `currency` (default: the merchant's national currency; `None` outside the
/// EU) at the ECB rates of its as-of date.
pub async fn reporting_totals(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    totals: &RunTotals,
    currency: Option<&str>,
) -> Result<Option<ReportingTotals>> {
    let to = match currency {
        Some(code) => Currency::from_code(code)?,
        None => {
            let t = store::tenants::get(conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
            match t.country.eu_national_currency().map(Currency::from_code) {
                Some(Ok(c)) => c,
                _ => return Ok(None),
            }
        }
    };
    let table = store::fx::table_until(conn, as_of, 14).await?;
    Ok(Some(totals.in_currency(to, as_of, &table, RoundingPolicy::default())?))
}

/// The invoice rows of a run's CSV report (one per invoice and VAT group).
pub async fn invoice_rows(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
) -> Result<Vec<ReportInvoiceRow>> {
    store::runs::report_rows(conn, tenant, id).await
}

/// The id of the tenant's API key with this secret, to record who started a run.
pub async fn api_key_id(conn: &mut PgConnection, tenant: TenantId, secret: &str) -> Result<Option<uuid::Uuid>> {
    store::runs::api_key_id(conn, tenant, &crate::tenant::digest_api_key(secret)).await
}
