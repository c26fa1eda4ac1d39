//! Usage events: idempotent ingestion and set-based aggregation per billing window.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{SubscriptionId, TenantId};
use crate::usage::Aggregation;

/// One event to store.
#[derive(Debug, Clone)]
pub struct NewUsageEvent {
    pub subscription: SubscriptionId,
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub value: Decimal,
    pub property: Option<String>,
}

/// Stores the event unless one with the same id exists for the subscription; returns whether it
/// was new. A replay of the same id is a harmless no-op (the first value stands).
pub async fn insert(conn: &mut PgConnection, tenant: TenantId, e: &NewUsageEvent, now: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO usage_events (tenant_id, subscription_id, event_id, occurred_at, value, property, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(e.subscription)
    .bind(&e.event_id)
    .bind(e.occurred_at)
    .bind(e.value)
    .bind(&e.property)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// One aggregation request: a subscription's window `[from, to)` and how to aggregate it.
#[derive(Debug, Clone)]
pub struct Window {
    pub subscription: SubscriptionId,
    pub key: i32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub aggregation: Aggregation,
}

/// Aggregates many windows in one statement; returns (subscription, key, quantity).
/// The SQL mirrors `usage::aggregate` (Last: latest timestamp, ties to the greatest event id).
pub async fn aggregate(
    conn: &mut PgConnection,
    tenant: TenantId,
    windows: &[Window],
) -> Result<Vec<(Uuid, i32, Decimal)>> {
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    let subs: Vec<Uuid> = windows.iter().map(|w| w.subscription.as_uuid()).collect();
    let keys: Vec<i32> = windows.iter().map(|w| w.key).collect();
    let froms: Vec<DateTime<Utc>> = windows.iter().map(|w| w.from).collect();
    let tos: Vec<DateTime<Utc>> = windows.iter().map(|w| w.to).collect();
    let aggs: Vec<&str> = windows.iter().map(|w| w.aggregation.as_str()).collect();
    Ok(sqlx::query_as(
        "SELECT w.sub, w.key,
                CASE w.agg WHEN 'sum' THEN COALESCE(a.s, 0) WHEN 'count' THEN a.c::numeric WHEN 'max' THEN COALESCE(a.m, 0)
                           WHEN 'unique_count' THEN a.uc::numeric ELSE COALESCE(a.l, 0) END AS quantity
         FROM UNNEST($2::uuid[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::text[]) AS w(sub, key, from_ts, to_ts, agg)
         CROSS JOIN LATERAL (
             SELECT sum(e.value) AS s, count(*) AS c, max(e.value) AS m, count(DISTINCT e.property) AS uc,
                    (array_agg(e.value ORDER BY e.occurred_at DESC, e.event_id DESC))[1] AS l
             FROM usage_events e
             WHERE e.tenant_id = $1 AND e.subscription_id = w.sub AND e.occurred_at >= w.from_ts AND e.occurred_at < w.to_ts
         ) a",
    )
    .bind(tenant)
    .bind(&subs)
    .bind(&keys)
    .bind(&froms)
    .bind(&tos)
    .bind(&aggs)
    .fetch_all(conn)
    .await?)
}
