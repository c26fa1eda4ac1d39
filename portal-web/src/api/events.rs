//! /api/v1/events: what happened in the tenant's billing, oldest first, as outgoing webhooks
//! deliver it (docs/adr/0024). A merchant whose endpoint missed something catches up here.

use axum::extract::{Path, State};
use billing_core::events::Event;
use billing_core::ids::OutboxId;
use billing_core::service::events::{self, EventFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiQuery, AuthTenant};
use super::{Route, get};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![get("/events", list), get("/events/{id}", get_one)]
}

/// The annotated handlers of this module, for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, get_one))]
pub struct Doc;

/// `GET /api/v1/events` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// An event id (`evt_…`): the events after it.
    pub starting_after: Option<String>,
    /// An event type (`invoice.paid`) or a prefix wildcard (`invoice.*`).
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Created at or after this instant (RFC 3339).
    pub created_gte: Option<DateTime<Utc>>,
    /// Created before this instant (RFC 3339).
    pub created_lt: Option<DateTime<Utc>>,
}

/// One event, as listed here and as the body of a webhook delivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventBody {
    /// `evt_…`: the key to handle a delivery once (deliveries are at least once).
    pub id: String,
    /// Always `event`.
    pub object: &'static str,
    /// `invoice.paid`, `subscription.created`, ...
    #[serde(rename = "type")]
    pub event_type: String,
    /// Always `v1` for this shape.
    pub api_version: &'static str,
    /// When the change happened.
    pub created_at: DateTime<Utc>,
    /// The ids of the objects concerned and a snapshot of the key facts when it happened
    /// (amounts in minor units with their currency).
    #[schema(value_type = super::openapi::FreeForm)]
    pub data: serde_json::Value,
}

impl From<Event> for EventBody {
    fn from(e: Event) -> Self {
        Self {
            id: e.id.to_string(),
            object: e.object,
            event_type: e.event_type,
            api_version: e.api_version,
            created_at: e.created_at,
            data: e.data,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventList {
    /// Always `list`.
    pub object: &'static str,
    pub data: Vec<EventBody>,
    pub has_more: bool,
    /// Pass as `starting_after` to get the next page.
    pub next_cursor: Option<String>,
}

/// The tenant's events, oldest first; filter by type and creation time.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events, oldest first.", body = EventList),
        (status = 400, description = "An unknown type, a bad cursor or time range.")
    )
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<axum::Json<EventList>> {
    let after = match &q.starting_after {
        Some(text) => Some(text.parse::<OutboxId>().map_err(billing_core::Error::from)?.as_uuid()),
        None => None,
    };
    let page = billing_core::store::PageRequest::new(q.limit, after)?;
    let filter = EventFilter { event_type: q.event_type, created_gte: q.created_gte, created_lt: q.created_lt };
    let mut conn = state.pool.acquire().await?;
    let found = events::list(&mut conn, tenant, &filter, page).await?;
    let next_cursor = if found.has_more { found.items.last().map(|e| e.id.to_string()) } else { None };
    Ok(axum::Json(EventList {
        object: "list",
        has_more: found.has_more,
        next_cursor,
        data: found.items.into_iter().map(EventBody::from).collect(),
    }))
}

/// One event.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "The event id (`evt_…`).")),
    responses(
        (status = 200, description = "The event.", body = EventBody),
        (status = 404, description = "No such event for this merchant.")
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EventBody>> {
    let id: OutboxId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(events::get(&mut conn, tenant, id).await?.into()))
}
