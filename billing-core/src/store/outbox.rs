//! The transactional outbox: rows written beside the change that causes them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{OutboxId, TenantId};
use crate::outbox::OutboxMessage;

/// Writes the messages to the outbox in the caller's transaction, so they exist exactly when the
/// change that causes them commits. Each row's id is its event id (`evt_…`).
pub async fn enqueue(
    conn: &mut PgConnection,
    tenant: TenantId,
    messages: &[OutboxMessage],
    now: DateTime<Utc>,
) -> Result<Vec<OutboxId>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = messages.iter().map(|_| Uuid::now_v7()).collect();
    let topics: Vec<&str> = messages.iter().map(OutboxMessage::topic).collect();
    let payloads = messages
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<Vec<_>, _>>()
        // Cannot fail for these types (ids, strings, amounts); mapped rather than unwrapped.
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO outbox (tenant_id, id, topic, payload, created_at, available_at)
         SELECT $1, u.id, u.topic, u.payload, $2, $2
         FROM UNNEST($3::uuid[], $4::text[], $5::jsonb[]) AS u(id, topic, payload)",
    )
    .bind(tenant)
    .bind(now)
    .bind(&ids)
    .bind(&topics)
    .bind(&payloads)
    .execute(conn)
    .await?;
    Ok(ids.into_iter().map(OutboxId).collect())
}

/// Writes one `invoice.finalized` message per invoice before the invoices have their numbers
/// (docs/adr/0056): an invoice run writes them ahead of its number reservation, which the run's
/// workers take one at a time. The stored payload names the invoice; readers get the number
/// with it through `outbox_payload`, which reads it from the invoice (committed together).
pub async fn enqueue_finalized_before_numbering(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoices: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    if invoices.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = invoices.iter().map(|_| Uuid::now_v7()).collect();
    let public: Vec<String> = invoices.iter().map(|i| crate::ids::InvoiceId(*i).to_string()).collect();
    sqlx::query(
        "INSERT INTO outbox (tenant_id, id, topic, payload, created_at, available_at, number_of_invoice)
         SELECT $1, u.id, 'invoice.finalized',
                jsonb_build_object('topic', 'invoice.finalized', 'invoice', u.public), $2, $2, u.invoice
         FROM UNNEST($3::uuid[], $4::text[], $5::uuid[]) AS u(id, public, invoice)",
    )
    .bind(tenant)
    .bind(now)
    .bind(&ids)
    .bind(&public)
    .bind(invoices)
    .execute(conn)
    .await?;
    Ok(())
}

/// Reads a stored payload back as a message. Rows written before the outbox was typed carry no
/// `topic` tag in the payload; the row's column supplies it.
pub fn decode(topic: &str, mut payload: serde_json::Value) -> Option<OutboxMessage> {
    if let Some(map) = payload.as_object_mut() {
        map.entry("topic").or_insert_with(|| serde_json::Value::String(topic.to_string()));
    }
    serde_json::from_value(payload).ok()
}

pub async fn count_topic(conn: &mut PgConnection, tenant: TenantId, topic: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM outbox WHERE tenant_id = $1 AND topic = $2")
        .bind(tenant)
        .bind(topic)
        .fetch_one(conn)
        .await?)
}

/// Takes up to `limit` undelivered rows due at `now`, oldest first, as (tenant, id, topic,
/// payload), locked for the caller's transaction; rows another worker holds are skipped.
pub async fn claim_due(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(TenantId, Uuid, String, serde_json::Value)>> {
    Ok(sqlx::query_as(
        "SELECT o.tenant_id, o.id, o.topic, outbox_payload(o) FROM outbox o
          WHERE o.delivered_at IS NULL AND o.available_at <= $1
          ORDER BY o.created_at, o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?)
}

/// Marks these rows (tenant and id, pairwise) delivered.
pub async fn mark_delivered(
    tx: &mut PgConnection,
    tenants: &[TenantId],
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox o SET delivered_at = $1
           FROM UNNEST($2::uuid[], $3::uuid[]) AS u(tenant_id, id)
          WHERE o.tenant_id = u.tenant_id AND o.id = u.id",
    )
    .bind(now)
    .bind(tenants)
    .bind(ids)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
