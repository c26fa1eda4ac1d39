//! The events API (docs/adr/0024): a merchant catches up on what happened, in the order it
//! happened, from the outbox rows written with each change.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::events::{Event, topics_matching};
use crate::ids::{OutboxId, TenantId};
use crate::outbox::PUBLIC_TOPICS;
use crate::store::events::{EventQuery, EventRow};
use crate::store::{self, Page, PageRequest};

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// An event type (`invoice.paid`) or a prefix wildcard (`invoice.*`).
    pub event_type: Option<String>,
    /// Created at or after.
    pub created_gte: Option<DateTime<Utc>>,
    /// Created before.
    pub created_lt: Option<DateTime<Utc>>,
}

fn event(row: EventRow) -> Result<Event> {
    let id = row.id;
    Event::from_outbox(row.id, &row.topic, row.payload, row.created_at)
        .ok_or_else(|| crate::store::corrupt("event", OutboxId(id)))
}

/// The tenant's events matching `filter`, oldest first.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<Event>> {
    let topics = match filter.event_type.as_deref().map(str::trim) {
        None | Some("") => PUBLIC_TOPICS.to_vec(),
        Some(t) => {
            let topics = topics_matching(t);
            if topics.is_empty() {
                return Err(Error::invalid("type", format!("`{t}` is no event type")));
            }
            topics
        }
    };
    if let (Some(from), Some(to)) = (filter.created_gte, filter.created_lt)
        && from >= to
    {
        return Err(Error::invalid("created_lt", "must be after created_gte"));
    }
    let q = EventQuery { topics: &topics, created_gte: filter.created_gte, created_lt: filter.created_lt };
    store::events::list(conn, tenant, &q, page).await?.try_map(event)
}

/// One of the tenant's events; another tenant's id, or a private message's, is not found.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: OutboxId) -> Result<Event> {
    let row = store::events::get(conn, tenant, id.as_uuid(), PUBLIC_TOPICS).await?;
    event(row.ok_or_else(|| Error::not_found("event", id))?)
}
