//! The transactional outbox: rows written beside the change that causes them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// Inserts one message per payload under `topic`, in the caller's transaction.
pub async fn insert_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    topic: &str,
    payloads: &[serde_json::Value],
    now: DateTime<Utc>,
) -> Result<()> {
    if payloads.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = payloads.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO outbox (tenant_id, id, topic, payload, created_at, available_at)
         SELECT $1, u.id, $2, u.payload, $3, $3 FROM UNNEST($4::uuid[], $5::jsonb[]) AS u(id, payload)",
    )
    .bind(tenant)
    .bind(topic)
    .bind(now)
    .bind(&ids)
    .bind(payloads)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count_topic(conn: &mut PgConnection, tenant: TenantId, topic: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM outbox WHERE tenant_id = $1 AND topic = $2")
        .bind(tenant)
        .bind(topic)
        .fetch_one(conn)
        .await?)
}
