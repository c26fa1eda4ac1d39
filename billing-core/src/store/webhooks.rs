//! Incoming provider webhooks (`gateway_events`): each provider event id stored once with what
//! applying it did.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// Stores a received event; false when its id had been stored before (a redelivery).
pub async fn insert_once(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_event_id: &str,
    kind: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO gateway_events (tenant_id, gateway_account_id, provider_event_id, kind, payload, outcome, received_at)
         VALUES ($1, $2, $3, $4, $5, 'received', $6) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(account)
    .bind(provider_event_id)
    .bind(kind)
    .bind(payload)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Records what applying the event did.
pub async fn set_outcome(
    conn: &mut PgConnection,
    tenant: TenantId,
    account: Uuid,
    provider_event_id: &str,
    outcome: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE gateway_events SET outcome = $4 WHERE tenant_id = $1 AND gateway_account_id = $2 AND provider_event_id = $3",
    )
    .bind(tenant)
    .bind(account)
    .bind(provider_event_id)
    .bind(outcome)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
