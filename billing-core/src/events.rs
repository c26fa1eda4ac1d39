//! Events (docs/adr/0024), the pure part: what an integrator sees of a public outbox message,
//! through `GET /api/v1/events` and in the body of an outgoing webhook, and the event-type
//! filters of webhook endpoints.
//!
//! An event *is* an outbox row (`crate::outbox`): written in the transaction of the change it
//! reports, its id (`evt_…`) the row's id, its type the row's topic, its `data` the message's
//! fields. The payload never changes after it is written, so the event reads the same every
//! time: in the API, in the first delivery and in a redelivery three days later.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ids::OutboxId;
use crate::outbox::PUBLIC_TOPICS;

/// The version of the event shape; a delivery states it so a receiver can tell future shapes.
pub const API_VERSION: &str = "v1";

/// The most entries an endpoint's `enabled_events` may have.
pub const MAX_FILTERS: usize = 100;

/// One event as the API lists it and a webhook delivers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: OutboxId,
    pub object: &'static str,
    /// `invoice.paid`, `subscription.created`, ...
    #[serde(rename = "type")]
    pub event_type: String,
    pub api_version: &'static str,
    /// When the change happened (business time), not when the event was sent.
    pub created_at: DateTime<Utc>,
    /// The message's fields: the ids of the objects concerned and a snapshot of the key facts
    /// (amounts in minor units with their currency), as they were when the event was written.
    pub data: serde_json::Value,
}

impl Event {
    /// The event of an outbox row; `None` for a private message (a sign-in link).
    pub fn from_outbox(id: Uuid, topic: &str, payload: serde_json::Value, created_at: DateTime<Utc>) -> Option<Event> {
        let topic = *PUBLIC_TOPICS.iter().find(|t| **t == topic)?;
        let mut data = payload;
        if let Some(map) = data.as_object_mut() {
            map.remove("topic");
        }
        Some(Event {
            id: OutboxId(id),
            object: "event",
            event_type: topic.to_string(),
            api_version: API_VERSION,
            created_at,
            data,
        })
    }
}

/// Checks an endpoint's `enabled_events`: each entry is `*`, a public event type, or a prefix
/// wildcard such as `subscription.*` that matches at least one type. Duplicates are dropped.
pub fn parse_filters(entries: &[String]) -> Result<Vec<String>> {
    if entries.is_empty() {
        return Err(Error::invalid("enabled_events", "list at least one event type, or \"*\" for all"));
    }
    if entries.len() > MAX_FILTERS {
        return Err(Error::invalid("enabled_events", format!("at most {MAX_FILTERS} entries")));
    }
    let mut out: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.trim();
        if topics_matching(entry).is_empty() {
            return Err(Error::invalid(
                "enabled_events",
                format!("`{entry}` is no event type (see GET /api/v1/events for the types)"),
            ));
        }
        if !out.iter().any(|e| e == entry) {
            out.push(entry.to_string());
        }
    }
    Ok(out)
}

/// Whether one filter entry takes `topic`.
fn entry_matches(entry: &str, topic: &str) -> bool {
    match entry.strip_suffix('*') {
        Some("") => true,
        Some(prefix) => prefix.ends_with('.') && topic.starts_with(prefix),
        None => entry == topic,
    }
}

/// Whether an endpoint with these filters receives `topic` (a public topic).
pub fn matches(filters: &[String], topic: &str) -> bool {
    PUBLIC_TOPICS.contains(&topic) && filters.iter().any(|f| entry_matches(f, topic))
}

/// The public topics one filter entry (or a `type` query) names.
pub fn topics_matching(entry: &str) -> Vec<&'static str> {
    PUBLIC_TOPICS.iter().copied().filter(|t| entry_matches(entry, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn filters_take_a_type_a_prefix_or_everything() {
        let f = parse_filters(&list(&["invoice.paid", "subscription.*", "invoice.paid"])).unwrap();
        assert_eq!(f, list(&["invoice.paid", "subscription.*"]));
        assert!(matches(&f, "invoice.paid"));
        assert!(matches(&f, "subscription.canceled"));
        assert!(!matches(&f, "invoice.finalized"));
        assert!(!matches(&f, "customer.created"));
        let all = parse_filters(&list(&["*"])).unwrap();
        assert!(PUBLIC_TOPICS.iter().all(|t| matches(&all, t)));
    }

    #[test]
    fn a_private_topic_matches_no_filter() {
        let all = list(&["*"]);
        assert!(!matches(&all, "portal.sign_in_link"));
        assert!(parse_filters(&list(&["portal.sign_in_link"])).is_err());
        assert!(parse_filters(&list(&["portal.*"])).is_err());
    }

    #[test]
    fn unknown_or_empty_filters_are_refused() {
        for bad in [vec![], list(&["invoice.payed"]), list(&["invoice*"]), list(&["nothing.*"]), list(&[""])] {
            assert!(parse_filters(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_event_is_the_outbox_row_without_its_tag() {
        let id = Uuid::now_v7();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let payload = serde_json::json!({"topic": "invoice.paid", "invoice": "in_x", "source": "card"});
        let e = Event::from_outbox(id, "invoice.paid", payload, at).unwrap();
        assert_eq!(e.event_type, "invoice.paid");
        assert_eq!(e.data, serde_json::json!({"invoice": "in_x", "source": "card"}));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "invoice.paid");
        assert_eq!(json["object"], "event");
        assert_eq!(json["api_version"], "v1");
        assert!(json["id"].as_str().unwrap().starts_with("evt_"));
        assert!(Event::from_outbox(id, "portal.sign_in_link", serde_json::json!({}), at).is_none());
    }
}
