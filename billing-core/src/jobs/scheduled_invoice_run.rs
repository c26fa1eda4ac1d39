//! The invoice run as a scheduled job (docs/adr/0037): per tenant, once the tenant's local clock
//! reaches the configured hour (0: its midnight), the run for the tenant's today; before that hour,
//! its yesterday (so a server that was down catches up).
//!
//! Replica-safe: each tenant's run is done under the lease `invoice-run:<tenant>`, so two
//! processes never run one tenant's run at once but may run two tenants' side by side; a tick
//! that finds the day's run completed (by any process, or by hand) does nothing. Every run is
//! recorded in `job_runs` for its tenant, and in `invoice_runs` as triggered by `scheduler` (or
//! `cli:<user>` when run by hand).
//!
//! Neither holds a connection while another is needed: the lease is taken and given back in short
//! statements, and the run takes its own one connection (the embedded database has one).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::service::invoicing::{self, NoProgress, RunOptions};
use crate::store;
use crate::store::job_runs::Trigger;

/// The job's name in `[jobs]`, `job_runs` and `billing jobs run`.
pub const JOB: &str = "invoice-run";

/// How long a tenant's lease lasts without renewal (renewed while the run works).
const LEASE_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct Options {
    /// The tenant-local hour (0–23) from which the day's run is due.
    pub hour: u32,
    /// Only this tenant; every tenant when `None`.
    pub tenant: Option<TenantId>,
    /// The run's date for every tenant; the due date by `hour` when `None`.
    pub as_of: Option<NaiveDate>,
    /// Run even when a completed run for the date exists (by hand: a re-run invoices nothing
    /// twice and reports what it found).
    pub force: bool,
    pub trigger: Trigger,
    /// Recorded on the invoice run: `scheduler` or `cli:<user>`.
    pub triggered_by: String,
    pub chunk_size: u32,
    /// Connections per merchant's run (`RunOptions::workers`).
    pub workers: u32,
}

impl Options {
    /// What `billing serve` runs on each tick.
    pub fn scheduled(hour: u32, chunk_size: u32, workers: u32) -> Self {
        Self {
            hour,
            tenant: None,
            as_of: None,
            force: false,
            trigger: Trigger::Schedule,
            triggered_by: "scheduler".into(),
            chunk_size,
            workers,
        }
    }
}

/// What happened for one tenant.
#[derive(Debug, Clone, Serialize)]
pub struct TenantOutcome {
    pub tenant: TenantId,
    pub as_of: NaiveDate,
    pub status: OutcomeStatus,
    pub invoices: u64,
    /// Subscriptions not invoiced because of a blocking exception.
    pub skipped: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// The run ran (and is recorded).
    Ran,
    /// A completed run for the date exists already.
    AlreadyDone,
    /// Another process is running this tenant's run.
    Busy,
    /// The run failed (recorded with its error).
    Failed,
}

/// The date whose run is due at the tenant-local time `local`.
pub fn due_date(local: NaiveDateTime, hour: u32) -> NaiveDate {
    if local.hour() >= hour { local.date() } else { local.date() - chrono::Duration::days(1) }
}

/// Runs the due invoice runs (see the module's description); one outcome per tenant looked at.
/// A failing tenant does not stop the others.
pub async fn run(pool: &PgPool, opts: &Options, now: DateTime<Utc>) -> Result<Vec<TenantOutcome>> {
    if opts.hour > 23 {
        return Err(Error::invalid("hour", "must be from 0 to 23"));
    }
    let mut plan = Vec::new();
    {
        let mut conn = pool.acquire().await?;
        let tenants = match opts.tenant {
            Some(t) => vec![t],
            None => store::tenants::list_ids(&mut conn).await?,
        };
        for tenant in tenants {
            let as_of = match opts.as_of {
                Some(d) => d,
                None => {
                    let t = store::tenants::get(&mut conn, tenant)
                        .await?
                        .ok_or_else(|| Error::not_found("tenant", tenant))?;
                    due_date(now.with_timezone(&t.timezone).naive_local(), opts.hour)
                }
            };
            if !opts.force && store::runs::completed_since(&mut conn, tenant, as_of).await? {
                continue;
            }
            plan.push((tenant, as_of));
        }
    }
    let mut out = Vec::new();
    for (tenant, as_of) in plan {
        let lease = format!("{JOB}:{tenant}");
        let outcome = store::locks::with_lease(pool, &lease, LEASE_TTL, run_tenant(pool, opts, tenant, as_of, now))
            .await?
            .unwrap_or(TenantOutcome {
                tenant,
                as_of,
                status: OutcomeStatus::Busy,
                invoices: 0,
                skipped: 0,
                error: None,
            });
        out.push(outcome);
    }
    Ok(out)
}

/// One tenant's run, under its lease: checked again (another process may have finished it
/// between the plan and the lease), recorded in `job_runs`.
async fn run_tenant(
    pool: &PgPool,
    opts: &Options,
    tenant: TenantId,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TenantOutcome> {
    let mut outcome = TenantOutcome { tenant, as_of, status: OutcomeStatus::Ran, invoices: 0, skipped: 0, error: None };
    let id = {
        let mut conn = pool.acquire().await?;
        if !opts.force && store::runs::completed_since(&mut conn, tenant, as_of).await? {
            outcome.status = OutcomeStatus::AlreadyDone;
            return Ok(outcome);
        }
        store::job_runs::start(&mut conn, JOB, Some(tenant), opts.trigger, now).await?
    };
    let mut run = RunOptions::new(as_of);
    run.tenant = Some(tenant);
    run.chunk_size = opts.chunk_size;
    run.workers = opts.workers;
    run.triggered_by = opts.triggered_by.clone();
    let result = invoicing::run(pool, &run, now, &NoProgress).await;
    let mut conn = pool.acquire().await?;
    match result {
        Ok(summary) => {
            outcome.invoices = summary.invoices;
            outcome.skipped = summary.skipped;
            store::job_runs::finish(&mut conn, id, summary.invoices, summary.skipped, None, now).await?;
        }
        Err(e) => {
            let text = e.to_string();
            tracing::error!(tenant = %tenant, %as_of, error = %text, "scheduled invoice run failed");
            store::job_runs::finish(&mut conn, id, 0, 0, Some(&text), now).await?;
            outcome.status = OutcomeStatus::Failed;
            outcome.error = Some(text);
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_days_run_is_due_from_the_configured_local_hour() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(due_date(at("2027-03-01 00:00"), 0), d("2027-03-01"));
        assert_eq!(due_date(at("2027-03-01 23:59"), 0), d("2027-03-01"));
        assert_eq!(due_date(at("2027-03-01 05:59"), 6), d("2027-02-28"));
        assert_eq!(due_date(at("2027-03-01 06:00"), 6), d("2027-03-01"));
    }
}
