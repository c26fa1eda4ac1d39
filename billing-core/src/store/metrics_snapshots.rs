//! The nightly metrics snapshots (`metrics_snapshots`, docs/adr/0037).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::error::Result;
use crate::ids::TenantId;

/// One tenant's figures for one day in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Snapshot {
    pub day: NaiveDate,
    pub currency: String,
    /// MRR in effect at the end of the day, minor units.
    pub mrr: i64,
    /// Subscriptions contributing MRR at the end of the day.
    pub active_subscriptions: i64,
    /// Customers with MRR at the end of the day.
    pub customers: i64,
    pub recorded_at: DateTime<Utc>,
}

/// Per currency, the subscriptions whose MRR in effect at the end of `day` is above zero (from
/// the MRR schedule, in one statement).
pub async fn active_subscriptions(
    conn: &mut PgConnection,
    tenant: TenantId,
    day: NaiveDate,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT currency::text, count(*) FILTER (WHERE mrr > 0)
           FROM (SELECT DISTINCT ON (subscription_id) currency, mrr
                   FROM subscription_mrr
                  WHERE tenant_id = $1 AND effective_on <= $2
                  ORDER BY subscription_id, effective_on DESC) latest
          GROUP BY 1 ORDER BY 1",
    )
    .bind(tenant)
    .bind(day)
    .fetch_all(conn)
    .await?)
}

/// Writes the day's row for a currency, replacing one taken before.
pub async fn upsert(conn: &mut PgConnection, tenant: TenantId, s: &Snapshot) -> Result<()> {
    sqlx::query(
        "INSERT INTO metrics_snapshots (tenant_id, day, currency, mrr, active_subscriptions, customers, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, day, currency) DO UPDATE
            SET mrr = EXCLUDED.mrr, active_subscriptions = EXCLUDED.active_subscriptions,
                customers = EXCLUDED.customers, recorded_at = EXCLUDED.recorded_at",
    )
    .bind(tenant)
    .bind(s.day)
    .bind(&s.currency)
    .bind(s.mrr)
    .bind(s.active_subscriptions)
    .bind(s.customers)
    .bind(s.recorded_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The tenant's snapshots from `from` to `to` (both included), by day and currency.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, from: NaiveDate, to: NaiveDate) -> Result<Vec<Snapshot>> {
    Ok(sqlx::query_as(
        "SELECT day, currency::text AS currency, mrr, active_subscriptions, customers, recorded_at
           FROM metrics_snapshots WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, currency",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}
