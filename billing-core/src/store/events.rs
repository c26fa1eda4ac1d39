//! Events as the API reads them: the tenant's outbox rows of public topics (docs/adr/0024).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;
use crate::store::{Page, PageRequest};

/// An outbox row: id, topic, payload, created_at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub topic: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What to list.
#[derive(Debug, Clone)]
pub struct EventQuery<'a> {
    /// Only these topics (the caller passes the public ones a filter names).
    pub topics: &'a [&'a str],
    pub created_gte: Option<DateTime<Utc>>,
    pub created_lt: Option<DateTime<Utc>>,
}

/// The tenant's events in these topics, oldest first (ids are time-ordered), after the cursor.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    q: &EventQuery<'_>,
    page: PageRequest,
) -> Result<Page<EventRow>> {
    let rows = sqlx::query_as(
        "SELECT o.id, o.topic, outbox_payload(o) AS payload, o.created_at FROM outbox o
          WHERE tenant_id = $1 AND topic = ANY($2) AND id > $3
            AND ($4::timestamptz IS NULL OR created_at >= $4)
            AND ($5::timestamptz IS NULL OR created_at < $5)
          ORDER BY id LIMIT $6",
    )
    .bind(tenant)
    .bind(q.topics)
    .bind(page.cursor())
    .bind(q.created_gte)
    .bind(q.created_lt)
    .bind(page.fetch_limit())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page))
}

/// One of the tenant's events, if its topic is one of `topics`.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid, topics: &[&str]) -> Result<Option<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.topic, outbox_payload(o) AS payload, o.created_at FROM outbox o
          WHERE o.tenant_id = $1 AND o.id = $2 AND o.topic = ANY($3)",
    )
    .bind(tenant)
    .bind(id)
    .bind(topics)
    .fetch_optional(conn)
    .await?)
}
