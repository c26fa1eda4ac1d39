//! Invoice run records: who ran what, when, for which date, and what came out (counts, totals per
//! currency and per VAT rate, exceptions); and the invoices behind a run's report.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, InvoiceRunId, SubscriptionId, TenantId};
use crate::run_report::{ExceptionCode, RunCounts, RunException, RunTotals};
use crate::store::corrupt;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InvoiceRunRecord {
    pub id: Uuid,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub status: String,
    pub triggered_by: String,
    pub invoices_created: i64,
    pub subscriptions_considered: i64,
    pub subscriptions_skipped: i64,
    pub exceptions_count: i64,
    /// Per currency (legacy shape, kept for readers of the foundation's records).
    pub totals: serde_json::Value,
    pub totals_by_rate: serde_json::Value,
    pub duration_ms: i64,
    pub resumed_count: i32,
    pub last_resumed_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Exceptions per code, every one counted (`{"payment_method_missing": 312004, ...}`); the
    /// rows (or a dry run's sample) hold examples.
    pub exception_counts: serde_json::Value,
    /// A dry run's sampled exceptions (it writes no rows); `[]` for a real run.
    #[serde(skip)]
    pub exception_sample: serde_json::Value,
}

impl InvoiceRunRecord {
    pub fn run_id(&self) -> InvoiceRunId {
        InvoiceRunId(self.id)
    }

    pub fn counts(&self) -> RunCounts {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        RunCounts {
            subscriptions: n(self.subscriptions_considered),
            invoices: n(self.invoices_created),
            skipped: n(self.subscriptions_skipped),
            exceptions: n(self.exceptions_count),
        }
    }

    /// The totals as written by [`add_progress`]: per currency in `totals.by_currency`, per rate in
    /// `totals_by_rate`.
    pub fn run_totals(&self) -> Result<RunTotals> {
        let by_currency = match self.totals.get("by_currency") {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| corrupt("run totals", e))?,
            None => Vec::new(),
        };
        let by_rate = serde_json::from_value(self.totals_by_rate.clone()).map_err(|e| corrupt("run totals", e))?;
        Ok(RunTotals { by_currency, by_rate })
    }

    /// The exceptions a dry run kept in its record, ordered as [`exceptions`] orders rows.
    pub fn sampled_exceptions(&self) -> Result<Vec<RunException>> {
        let mut sample: Vec<RunException> =
            serde_json::from_value(self.exception_sample.clone()).map_err(|e| corrupt("exception sample", e))?;
        sample.sort_by_key(|e| (std::cmp::Reverse(e.blocking), e.subscription_id.as_uuid(), e.code.as_str()));
        Ok(sample)
    }
}

const COLUMNS: &str = "id, as_of, dry_run, status, triggered_by, invoices_created, subscriptions_considered,
    subscriptions_skipped, exceptions_count, totals, totals_by_rate, duration_ms, resumed_count, last_resumed_at,
    started_at, finished_at, exception_counts, exception_sample";

// A real run holds the session lock of its id (`locks::try_session_lock`) on the connection it
// uses throughout: it vanishes with the process, so a run whose lock can be taken and whose
// status is not `completed` was abandoned (a crash, an error) and may be resumed.

/// Records a new run as `running`. For a real run the caller holds the session lock of the new id
/// (taken before the row is visible, so nobody can mistake it for abandoned).
pub async fn start(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    as_of: NaiveDate,
    dry_run: bool,
    triggered_by: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO invoice_runs (tenant_id, id, as_of, dry_run, status, triggered_by, started_at, totals)
         VALUES ($1, $2, $3, $4, 'running', $5, $6, '{\"by_currency\": []}'::jsonb)",
    )
    .bind(tenant)
    .bind(id)
    .bind(as_of)
    .bind(dry_run)
    .bind(triggered_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Finds an abandoned real run for the same date (left `running` by a killed process, or
/// `failed`), takes its lock and marks it running again; `None` when there is none. Runs that
/// a live process holds are left alone.
pub async fn resume_abandoned(
    conn: &mut PgConnection,
    tenant: TenantId,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<InvoiceRunId>> {
    let open: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM invoice_runs WHERE tenant_id = $1 AND as_of = $2 AND NOT dry_run AND status <> 'completed'
         ORDER BY id DESC",
    )
    .bind(tenant)
    .bind(as_of)
    .fetch_all(&mut *conn)
    .await?;
    for id in open.into_iter().map(InvoiceRunId) {
        // A killed process's backend lets go of the lock a moment after the process died (when
        // it reads the closed socket): give it that moment before taking the run for alive.
        let mut locked = false;
        for _ in 0..10 {
            locked = super::locks::try_session_lock(conn, id.as_uuid()).await?;
            if locked {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        if !locked {
            continue;
        }
        // Re-check under the lock: the owner may have completed it in between.
        let resumed = sqlx::query(
            "UPDATE invoice_runs SET status = 'running', resumed_count = resumed_count + 1, last_resumed_at = $3,
                    finished_at = NULL
             WHERE tenant_id = $1 AND id = $2 AND status <> 'completed'",
        )
        .bind(tenant)
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if resumed == 1 {
            return Ok(Some(id));
        }
        super::locks::session_unlock(conn, id.as_uuid()).await?;
    }
    Ok(None)
}

/// Adds a chunk's counts, totals and working time to the run. A real run calls this inside the
/// chunk's transaction, so the record always equals the committed invoices; the row lock
/// serializes writers.
pub async fn add_progress(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    counts: &RunCounts,
    totals: &RunTotals,
    by_code: &BTreeMap<ExceptionCode, u64>,
    duration_ms: i64,
) -> Result<()> {
    let record = get_for_update(conn, tenant, id).await?.ok_or_else(|| Error::not_found("invoice run", id))?;
    let mut sum = record.run_totals()?;
    sum.merge(totals)?;
    let mut per_code: BTreeMap<String, u64> =
        serde_json::from_value(record.exception_counts.clone()).map_err(|e| corrupt("exception counts", e))?;
    for (code, n) in by_code {
        *per_code.entry(code.as_str().to_string()).or_default() += n;
    }
    let i = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE invoice_runs SET subscriptions_considered = subscriptions_considered + $3,
                invoices_created = invoices_created + $4, subscriptions_skipped = subscriptions_skipped + $5,
                exceptions_count = exceptions_count + $6, totals = $7, totals_by_rate = $8,
                duration_ms = duration_ms + $9, exception_counts = $10
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(i(counts.subscriptions))
    .bind(i(counts.invoices))
    .bind(i(counts.skipped))
    .bind(i(counts.exceptions))
    .bind(serde_json::json!({ "by_currency": sum.by_currency }))
    .bind(serde_json::to_value(&sum.by_rate).map_err(|e| corrupt("run totals", e))?)
    .bind(duration_ms)
    .bind(serde_json::to_value(&per_code).map_err(|e| corrupt("exception counts", e))?)
    .execute(conn)
    .await?;
    Ok(())
}

/// A dry run's sampled exceptions, kept in its record (a dry run leaves no other row).
pub async fn set_exception_sample(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    sample: &[RunException],
) -> Result<()> {
    sqlx::query("UPDATE invoice_runs SET exception_sample = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(serde_json::to_value(sample).map_err(|e| corrupt("exception sample", e))?)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many warning rows (the sample) a run has kept per code: where a resumed run's sampling
/// goes on from.
pub async fn warning_rows_per_code(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
) -> Result<BTreeMap<ExceptionCode, u64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT code, count(*) FROM invoice_run_exceptions WHERE tenant_id = $1 AND run_id = $2 AND NOT blocking
         GROUP BY code",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(code, n)| {
            let code = ExceptionCode::parse(&code).ok_or_else(|| corrupt("exception code", &code))?;
            Ok((code, u64::try_from(n).unwrap_or(0)))
        })
        .collect()
}

/// Stores exceptions; returns, for each, whether it is new to the run (a resumed run meets the
/// exceptions of the subscriptions it could not invoice before again).
pub async fn record_exceptions(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    exceptions: &[RunException],
    now: DateTime<Utc>,
) -> Result<Vec<bool>> {
    if exceptions.is_empty() {
        return Ok(Vec::new());
    }
    let subs: Vec<Uuid> = exceptions.iter().map(|e| e.subscription_id.as_uuid()).collect();
    let customers: Vec<Uuid> = exceptions.iter().map(|e| e.customer_id.as_uuid()).collect();
    let codes: Vec<&str> = exceptions.iter().map(|e| e.code.as_str()).collect();
    let blocking: Vec<bool> = exceptions.iter().map(|e| e.blocking).collect();
    let details: Vec<serde_json::Value> =
        exceptions.iter().map(|e| serde_json::to_value(&e.details).unwrap_or_default()).collect();
    let inserted: Vec<(Uuid, String)> = sqlx::query_as(
        "INSERT INTO invoice_run_exceptions (tenant_id, run_id, subscription_id, customer_id, code, blocking, details, created_at)
         SELECT $1, $2, u.s, u.c, u.code, u.b, u.d, $8
         FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::bool[], $7::jsonb[]) AS u(s, c, code, b, d)
         ON CONFLICT DO NOTHING
         RETURNING subscription_id, code",
    )
    .bind(tenant)
    .bind(id)
    .bind(&subs)
    .bind(&customers)
    .bind(&codes)
    .bind(&blocking)
    .bind(&details)
    .bind(now)
    .fetch_all(conn)
    .await?;
    let inserted: std::collections::HashSet<(Uuid, String)> = inserted.into_iter().collect();
    Ok(exceptions
        .iter()
        .map(|e| inserted.contains(&(e.subscription_id.as_uuid(), e.code.as_str().to_string())))
        .collect())
}

pub async fn finish(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
    status: &str,
    duration_ms: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE invoice_runs SET status = $3, finished_at = $4, duration_ms = duration_ms + $5
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status)
    .bind(now)
    .bind(duration_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a completed real run for `as_of` or later exists for the tenant (the scheduled run's
/// "already done" test).
pub async fn completed_since(conn: &mut PgConnection, tenant: TenantId, as_of: NaiveDate) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM invoice_runs
                         WHERE tenant_id = $1 AND NOT dry_run AND status = 'completed' AND as_of >= $2)",
    )
    .bind(tenant)
    .bind(as_of)
    .fetch_one(conn)
    .await?)
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId, limit: i64) -> Result<Vec<InvoiceRunRecord>> {
    list_page(conn, tenant, None, limit).await
}

/// Newest first; `before` is the cursor (a run id) for the next page.
pub async fn list_page(
    conn: &mut PgConnection,
    tenant: TenantId,
    before: Option<InvoiceRunId>,
    limit: i64,
) -> Result<Vec<InvoiceRunRecord>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invoice_runs WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(tenant)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: InvoiceRunId) -> Result<Option<InvoiceRunRecord>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM invoice_runs WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The run by id across tenants, for operators on the command line (`billing runs show`).
pub async fn find_any(conn: &mut PgConnection, id: InvoiceRunId) -> Result<Option<(TenantId, InvoiceRunRecord)>> {
    let tenant: Option<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM invoice_runs WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(tenant) = tenant.map(TenantId) else { return Ok(None) };
    Ok(get(conn, tenant, id).await?.map(|r| (tenant, r)))
}

async fn get_for_update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: InvoiceRunId,
) -> Result<Option<InvoiceRunRecord>> {
    // NO KEY UPDATE, not UPDATE: the run's other chunks hold KEY SHARE locks on this row (the
    // foreign keys of their exception rows and invoices) while they wait for the number series
    // this chunk holds; FOR UPDATE would wait for them, a deadlock (ADR 0042).
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invoice_runs WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

#[derive(sqlx::FromRow)]
struct ExceptionRow {
    subscription_id: Uuid,
    customer_id: Uuid,
    code: String,
    blocking: bool,
    details: serde_json::Value,
}

/// The run's exceptions, blocking ones first, then by subscription.
pub async fn exceptions(conn: &mut PgConnection, tenant: TenantId, id: InvoiceRunId) -> Result<Vec<RunException>> {
    let rows: Vec<ExceptionRow> = sqlx::query_as(
        "SELECT subscription_id, customer_id, code, blocking, details FROM invoice_run_exceptions
         WHERE tenant_id = $1 AND run_id = $2 ORDER BY blocking DESC, subscription_id, code",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(RunException {
                subscription_id: SubscriptionId(r.subscription_id),
                customer_id: CustomerId(r.customer_id),
                code: ExceptionCode::parse(&r.code).ok_or_else(|| corrupt("exception code", &r.code))?,
                blocking: r.blocking,
                details: serde_json::from_value::<BTreeMap<String, String>>(r.details)
                    .map_err(|e| corrupt("exception details", e))?,
            })
        })
        .collect()
}

/// What the run needs to know about a chunk's subscriptions beyond what it locked: whether the
/// plan's price book has a price in the subscription's currency (for the customer's price list or
/// the default one), and whether the customer has a default payment method.
#[derive(Debug, Clone, Copy)]
pub struct ChunkFacts {
    pub has_price: bool,
    pub has_payment_method: bool,
}

pub async fn chunk_facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    subscriptions: &[Uuid],
) -> Result<HashMap<Uuid, ChunkFacts>> {
    let rows: Vec<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT s.id,
                EXISTS (SELECT 1 FROM plan_prices pp WHERE pp.tenant_id = s.tenant_id AND pp.plan_id = s.plan_id
                          AND pp.currency = s.currency AND pp.segment IN ('', COALESCE(c.segment, ''))),
                EXISTS (SELECT 1 FROM payment_methods pm WHERE pm.tenant_id = s.tenant_id
                          AND pm.customer_id = s.customer_id AND pm.is_default)
         FROM subscriptions s JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id
         WHERE s.tenant_id = $1 AND s.id = ANY($2)",
    )
    .bind(tenant)
    .bind(subscriptions)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, has_price, has_pm)| (id, ChunkFacts { has_price, has_payment_method: has_pm }))
        .collect())
}

/// `true` when the merchant charges customers' payment methods automatically.
pub async fn collects_automatically(conn: &mut PgConnection, tenant: TenantId) -> Result<bool> {
    let method: String = sqlx::query_scalar("SELECT collection_method FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(conn)
        .await?;
    Ok(method == "charge_automatically")
}

/// Sets how the merchant collects: `charge_automatically` or `send_invoice`.
pub async fn set_collection_method(conn: &mut PgConnection, tenant: TenantId, method: &str) -> Result<()> {
    if !matches!(method, "charge_automatically" | "send_invoice") {
        return Err(Error::invalid("collection_method", "must be charge_automatically or send_invoice"));
    }
    sqlx::query("UPDATE tenants SET collection_method = $2 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(method)
        .execute(conn)
        .await?;
    Ok(())
}

/// The id of the API key with this digest, to record who started a run through the API.
pub async fn api_key_id(conn: &mut PgConnection, tenant: TenantId, digest: &[u8]) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM api_keys WHERE tenant_id = $1 AND digest = $2")
        .bind(tenant)
        .bind(digest)
        .fetch_optional(conn)
        .await?)
}

/// One VAT group of one invoice of the run, for the CSV report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportInvoiceRow {
    pub number: Option<String>,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub subscription_id: Option<Uuid>,
    pub currency: String,
    pub vat_category: String,
    pub vat_rate: Decimal,
    pub net: i64,
    pub vat: i64,
}

/// The run's invoices, one row per VAT group (an invoice of a run has one), in number order.
/// Streams nothing big into memory for typical runs; a 100,000-invoice report is a few MiB.
pub async fn report_rows(conn: &mut PgConnection, tenant: TenantId, id: InvoiceRunId) -> Result<Vec<ReportInvoiceRow>> {
    Ok(sqlx::query_as(
        "SELECT i.number, i.customer_id, i.customer_name, i.subscription_id, i.currency::text AS currency,
                g->>'category_code' AS vat_category, (g->>'rate')::numeric AS vat_rate,
                (g->'taxable'->>'amount')::bigint AS net, (g->'tax'->>'amount')::bigint AS vat
         FROM invoices i CROSS JOIN LATERAL jsonb_array_elements(i.tax_groups) g
         WHERE i.tenant_id = $1 AND i.invoice_run_id = $2
         ORDER BY i.series, i.sequence, i.id",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(conn)
    .await?)
}
