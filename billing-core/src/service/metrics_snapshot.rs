//! The nightly metrics snapshot (`metrics-snapshot` job, docs/adr/0037): per tenant, day and
//! currency, the MRR in effect at the end of the day, the subscriptions contributing to it and
//! the customers paying it, computed with the set-based MRR report ([`super::metrics::mrr`]) and
//! kept in `metrics_snapshots` for the analytics work. Idempotent: a day taken again is replaced
//! by what the MRR schedule says then.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{Connection, PgPool};

use super::metrics::{Interval, Range};
use crate::error::{Error, Result};
use crate::ids::TenantId;
use crate::store;
pub use crate::store::metrics_snapshots::Snapshot;

/// Takes (or retakes) one tenant's snapshot of `day`, in one transaction; returns its rows.
pub async fn take(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Snapshot>> {
    let mut tx = conn.begin().await?;
    let report = super::metrics::mrr(&mut tx, tenant, Range::new(day, day)?, Interval::Day, None, now).await?;
    let mut rows: BTreeMap<String, Snapshot> = BTreeMap::new();
    for series in &report.currencies {
        let Some(p) = series.periods.last() else { continue };
        rows.insert(
            series.currency.clone(),
            Snapshot {
                day,
                currency: series.currency.clone(),
                mrr: p.mrr,
                active_subscriptions: 0,
                customers: p.customers,
                recorded_at: now,
            },
        );
    }
    for (currency, count) in store::metrics_snapshots::active_subscriptions(&mut tx, tenant, day).await? {
        rows.entry(currency.clone())
            .or_insert(Snapshot { day, currency, mrr: 0, active_subscriptions: 0, customers: 0, recorded_at: now })
            .active_subscriptions = count;
    }
    for row in rows.values() {
        store::metrics_snapshots::upsert(&mut tx, tenant, row).await?;
    }
    tx.commit().await?;
    Ok(rows.into_values().collect())
}

/// What a run of the job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotRun {
    pub tenants: u64,
    /// Rows written (one per tenant and currency).
    pub rows: u64,
    /// The day taken, when one was given (else each tenant's yesterday).
    pub day: Option<NaiveDate>,
}

/// Takes the snapshot of `as_of` for every tenant (or `tenant`); without `as_of`, of each
/// tenant's yesterday in its time zone (the last whole day).
pub async fn run(
    pool: &PgPool,
    now: DateTime<Utc>,
    as_of: Option<NaiveDate>,
    tenant: Option<TenantId>,
) -> Result<SnapshotRun> {
    let mut conn = pool.acquire().await?;
    let tenants = match tenant {
        Some(t) => vec![t],
        None => store::tenants::list_ids(&mut conn).await?,
    };
    let mut run = SnapshotRun { day: as_of, ..Default::default() };
    for tenant in tenants {
        let day = match as_of {
            Some(d) => d,
            None => {
                let t =
                    store::tenants::get(&mut conn, tenant).await?.ok_or_else(|| Error::not_found("tenant", tenant))?;
                now.with_timezone(&t.timezone).date_naive() - Duration::days(1)
            }
        };
        let rows = take(&mut conn, tenant, day, now).await?;
        run.tenants += 1;
        run.rows += rows.len() as u64;
    }
    Ok(run)
}
