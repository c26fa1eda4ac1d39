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

/// Stores a batch in one statement; returns, per event in order, whether it was new. An event
/// whose (subscription, id) was stored before, or earlier in the same batch, is not new and
/// changes nothing (the first value stands), as if the events were stored one by one.
pub async fn insert_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    events: &[NewUsageEvent],
    now: DateTime<Utc>,
) -> Result<Vec<bool>> {
    let subs: Vec<Uuid> = events.iter().map(|e| e.subscription.as_uuid()).collect();
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let at: Vec<DateTime<Utc>> = events.iter().map(|e| e.occurred_at).collect();
    let values: Vec<Decimal> = events.iter().map(|e| e.value).collect();
    let props: Vec<Option<&str>> = events.iter().map(|e| e.property.as_deref()).collect();
    // ORDER BY ord: the first of two events with the same id in a batch is the one stored. The
    // answer is the ordinals of the events that were not new (a replay, or a repeat within the
    // batch): almost always none, so a batch sends back no rows instead of one per event.
    let not_new: Vec<i64> = sqlx::query_scalar(
        "WITH ins AS (
             INSERT INTO usage_events (tenant_id, subscription_id, event_id, occurred_at, value, property, received_at)
             SELECT $1, u.s, u.e, u.t, u.v, u.p, $7
             FROM UNNEST($2::uuid[], $3::text[], $4::timestamptz[], $5::numeric[], $6::text[])
                  WITH ORDINALITY AS u(s, e, t, v, p, ord)
             ORDER BY u.ord
             ON CONFLICT DO NOTHING
             RETURNING subscription_id, event_id
         ), sent AS (
             SELECT u.s, u.e, u.ord, row_number() OVER (PARTITION BY u.s, u.e ORDER BY u.ord) AS nth
             FROM UNNEST($2::uuid[], $3::text[]) WITH ORDINALITY AS u(s, e, ord)
         )
         SELECT sent.ord FROM sent
         WHERE sent.nth > 1 OR NOT EXISTS (SELECT 1 FROM ins WHERE ins.subscription_id = sent.s AND ins.event_id = sent.e)",
    )
    .bind(tenant)
    .bind(&subs)
    .bind(&ids)
    .bind(&at)
    .bind(&values)
    .bind(&props)
    .bind(now)
    .fetch_all(conn)
    .await?;
    let mut new = vec![true; events.len()];
    for ord in not_new {
        if let Some(slot) = usize::try_from(ord).ok().and_then(|o| o.checked_sub(1)).and_then(|i| new.get_mut(i)) {
            *slot = false;
        }
    }
    Ok(new)
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

/// The aggregate's columns, over windows `w(sub, key, from_ts, to_ts, agg)`.
const AGGREGATE_SELECT: &str = "SELECT w.sub, w.key,
                CASE w.agg WHEN 'sum' THEN COALESCE(a.s, 0) WHEN 'count' THEN a.c::numeric WHEN 'max' THEN COALESCE(a.m, 0)
                           WHEN 'unique_count' THEN a.uc::numeric ELSE COALESCE(a.l, 0) END AS quantity";

/// Each window's events, aggregated every way at once.
const AGGREGATE_EVENTS: &str = "CROSS JOIN LATERAL (
             SELECT sum(e.value) AS s, count(*) AS c, max(e.value) AS m, count(DISTINCT e.property) AS uc,
                    (array_agg(e.value ORDER BY e.occurred_at DESC, e.event_id DESC))[1] AS l
             FROM usage_events e
             WHERE e.tenant_id = $1 AND e.subscription_id = w.sub AND e.occurred_at >= w.from_ts AND e.occurred_at < w.to_ts
         ) a";

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
    // One window (a subscription's usage so far, a page's upcoming invoice) binds its values as
    // scalars. Bound as arrays, the planner cannot know their length: the generic plan it judged
    // for `UNNEST` of unknown arrays was ten times a custom plan's cost, so PostgreSQL planned the
    // statement anew on every call (2,471 plans in 2,744 calls, 152 us of planning against 37 us
    // of execution; docs/performance.md, "Where the reads' time is now"). An invoice run's chunk
    // aggregates thousands of windows at once and keeps the arrays.
    if let [w] = windows {
        return Ok(sqlx::query_as(&format!(
            "{AGGREGATE_SELECT} FROM (VALUES ($2::uuid, $3::int, $4::timestamptz, $5::timestamptz, $6::text))
                 AS w(sub, key, from_ts, to_ts, agg) {AGGREGATE_EVENTS}"
        ))
        .bind(tenant)
        .bind(w.subscription.as_uuid())
        .bind(w.key)
        .bind(w.from)
        .bind(w.to)
        .bind(w.aggregation.as_str())
        .fetch_all(conn)
        .await?);
    }
    let subs: Vec<Uuid> = windows.iter().map(|w| w.subscription.as_uuid()).collect();
    let keys: Vec<i32> = windows.iter().map(|w| w.key).collect();
    let froms: Vec<DateTime<Utc>> = windows.iter().map(|w| w.from).collect();
    let tos: Vec<DateTime<Utc>> = windows.iter().map(|w| w.to).collect();
    let aggs: Vec<&str> = windows.iter().map(|w| w.aggregation.as_str()).collect();
    Ok(sqlx::query_as(&format!(
        "{AGGREGATE_SELECT}
         FROM UNNEST($2::uuid[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::text[]) AS w(sub, key, from_ts, to_ts, agg)
         {AGGREGATE_EVENTS}"
    ))
    .bind(tenant)
    .bind(&subs)
    .bind(&keys)
    .bind(&froms)
    .bind(&tos)
    .bind(&aggs)
    .fetch_all(conn)
    .await?)
}
