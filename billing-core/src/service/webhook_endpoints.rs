//! Merchants' webhook endpoints and the deliveries of events to them (docs/adr/0024): create,
//! change, delete, rotate the signing secret, list deliveries, redeliver; and what a delivery
//! attempt's outcome does (retry later, give up, disable a failing endpoint).
//!
//! Secrets are generated here (`secrets::random_secret`, 256 bits), shown once to the merchant,
//! and stored sealed with the operator's key (`secrets::SecretBox`, docs/adr/0014), the
//! endpoint's id as the associated data.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::{Connection, PgConnection};

use crate::error::{Error, Result};
use crate::events::parse_filters;
use crate::ids::{OutboxId, TenantId, WebhookDeliveryId, WebhookEndpointId};
use crate::secrets::{self, SecretBox};
use crate::store::webhook_endpoints::{
    self as store, AttemptRow, ClaimedDelivery, DeliveryRow, EndpointRow, NewAttempt,
};
use crate::store::{Page, PageRequest};
use crate::webhook_endpoint::{
    Answer, DEFAULT_ROTATION_OVERLAP_HOURS, EXCERPT_CHARS, MAX_ROTATION_OVERLAP_HOURS, SECRET_PREFIX, retry_delay,
    should_disable, validate_description, validate_url,
};

/// An endpoint as the merchant sees it: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub url: String,
    pub description: Option<String>,
    pub enabled_events: Vec<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    /// `merchant` (through the API), `failing` (deliveries failed for too long) or
    /// `consecutive_failures` (too many attempts in a row failed).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Since when deliveries fail without a success in between.
    pub failing_since: Option<DateTime<Utc>>,
    /// The secret's last four characters, to tell secrets apart.
    pub secret_hint: Option<String>,
    /// Until when the previous secret still signs beside the current one (after a rotation).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&EndpointRow> for WebhookEndpoint {
    fn from(r: &EndpointRow) -> Self {
        Self {
            id: WebhookEndpointId(r.id),
            url: r.url.clone(),
            description: r.description.clone(),
            enabled_events: r.enabled_events.clone(),
            status: r.status.clone(),
            disabled_reason: r.disabled_reason.clone(),
            disabled_at: r.disabled_at,
            failing_since: r.failing_since,
            secret_hint: secrets::hint(&r.secret).filter(|h| !h.is_empty()).map(str::to_owned),
            previous_secret_expires_at: r.previous_secret.as_ref().and(r.previous_secret_expires_at),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The associated data a secret is sealed under: the endpoint's id, so a sealed secret cannot be
/// moved to another endpoint (or into a gateway config).
fn sealing_field(id: uuid::Uuid) -> String {
    format!("webhook_endpoint:{id}")
}

#[derive(Debug, Clone, Default)]
pub struct NewEndpointInput {
    pub url: String,
    pub enabled_events: Vec<String>,
    pub description: Option<String>,
}

/// Creates an endpoint, enabled, with a new secret; returns it and the secret in clear (the only
/// time it is shown, until a rotation).
pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &SecretBox,
    input: &NewEndpointInput,
    now: DateTime<Utc>,
) -> Result<(WebhookEndpoint, String)> {
    let url = validate_url(&input.url)?;
    let enabled_events = parse_filters(&input.enabled_events)?;
    let description = validate_description(input.description.as_deref())?;
    let id = WebhookEndpointId::new();
    let secret = secrets::random_secret(SECRET_PREFIX);
    let row = EndpointRow {
        id: id.as_uuid(),
        url,
        description,
        enabled_events,
        status: "enabled".into(),
        secret: key.seal(&sealing_field(id.as_uuid()), &secret),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        disabled_at: None,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    store::insert(conn, tenant, &row).await?;
    Ok((WebhookEndpoint::from(&row), secret))
}

async fn row(conn: &mut PgConnection, tenant: TenantId, id: WebhookEndpointId, lock: bool) -> Result<EndpointRow> {
    store::get(conn, tenant, id.as_uuid(), lock).await?.ok_or_else(|| Error::not_found("webhook endpoint", id))
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: WebhookEndpointId) -> Result<WebhookEndpoint> {
    Ok(WebhookEndpoint::from(&row(conn, tenant, id, false).await?))
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId, page: PageRequest) -> Result<Page<WebhookEndpoint>> {
    let page = store::list(conn, tenant, page).await?;
    Ok(Page { items: page.items.iter().map(WebhookEndpoint::from).collect(), has_more: page.has_more })
}

/// A change; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct EndpointUpdate {
    pub url: Option<String>,
    pub enabled_events: Option<Vec<String>>,
    /// Blank removes it.
    pub description: Option<String>,
    /// `enabled` (also after it was disabled for failing) or `disabled`.
    pub status: Option<String>,
}

/// Changes an endpoint. Enabling it again clears its failure record; deliveries that failed for
/// good stay failed (the merchant redelivers what they need).
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: WebhookEndpointId,
    input: &EndpointUpdate,
    now: DateTime<Utc>,
) -> Result<WebhookEndpoint> {
    let mut tx = conn.begin().await?;
    let mut e = row(&mut tx, tenant, id, true).await?;
    if let Some(url) = &input.url {
        e.url = validate_url(url)?;
    }
    if let Some(events) = &input.enabled_events {
        e.enabled_events = parse_filters(events)?;
    }
    if let Some(description) = &input.description {
        e.description = validate_description(Some(description))?;
    }
    let was_disabled = e.status == "disabled";
    match input.status.as_deref() {
        // Already so: nothing changes (a disabled endpoint keeps why and since when).
        None => {}
        Some(same) if same == e.status => {}
        Some("enabled") => {
            e.status = "enabled".into();
            e.disabled_at = None;
            e.disabled_reason = None;
            e.failing_since = None;
        }
        Some("disabled") => {
            e.status = "disabled".into();
            e.disabled_at = Some(now);
            e.disabled_reason = Some("merchant".into());
        }
        Some(_) => return Err(Error::invalid("status", "must be enabled or disabled")),
    }
    let enabled_again = was_disabled && e.status == "enabled";
    e.updated_at = now;
    store::update(&mut tx, tenant, &e).await?;
    if enabled_again {
        store::reset_failures(&mut tx, tenant, e.id).await?;
    }
    tx.commit().await?;
    Ok(WebhookEndpoint::from(&e))
}

/// Deletes an endpoint with its delivery history; nothing more is sent to it.
pub async fn delete(conn: &mut PgConnection, tenant: TenantId, id: WebhookEndpointId) -> Result<()> {
    if store::delete(conn, tenant, id.as_uuid()).await? {
        Ok(())
    } else {
        Err(Error::not_found("webhook endpoint", id))
    }
}

/// A rotation's result: the new secret in clear (shown once) and until when the old one signs.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
    pub previous_secret_expires_at: DateTime<Utc>,
}

/// Replaces the signing secret. The old one keeps signing beside the new one (two `v1`
/// signatures per delivery) for `overlap_hours` (default 24, at most 168, 0 ends it at once, as
/// after a leak). `wall_now` is the wall clock: a simulated business clock must not keep a leaked
/// secret alive.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &SecretBox,
    id: WebhookEndpointId,
    overlap_hours: Option<i64>,
    wall_now: DateTime<Utc>,
) -> Result<Rotated> {
    let hours = overlap_hours.unwrap_or(DEFAULT_ROTATION_OVERLAP_HOURS);
    if !(0..=MAX_ROTATION_OVERLAP_HOURS).contains(&hours) {
        return Err(Error::invalid(
            "expire_previous_in_hours",
            format!("must be from 0 to {MAX_ROTATION_OVERLAP_HOURS}"),
        ));
    }
    let mut tx = conn.begin().await?;
    // FOR UPDATE: two rotations at once would otherwise both keep the same "previous" secret.
    let mut e = row(&mut tx, tenant, id, true).await?;
    let secret = secrets::random_secret(SECRET_PREFIX);
    let until = wall_now + Duration::hours(hours);
    e.previous_secret = Some(std::mem::replace(&mut e.secret, key.seal(&sealing_field(e.id), &secret)));
    e.previous_secret_expires_at = Some(until);
    e.updated_at = wall_now.max(e.updated_at);
    store::update(&mut tx, tenant, &e).await?;
    tx.commit().await?;
    Ok(Rotated { endpoint: WebhookEndpoint::from(&e), secret, previous_secret_expires_at: until })
}

/// The secrets a delivery is signed with at `wall_now`: the current one, and the previous one
/// while its overlap lasts.
pub fn signing_secrets(key: &SecretBox, d: &ClaimedDelivery, wall_now: DateTime<Utc>) -> Result<Vec<String>> {
    let field = sealing_field(d.endpoint_id);
    let open = |stored: &str| {
        key.open(&field, stored).map_err(|e| Error::invalid("secret", format!("webhook endpoint secret: {e}")))
    };
    let mut out = vec![open(&d.secret)?];
    if let (Some(previous), Some(until)) = (&d.previous_secret, d.previous_secret_expires_at)
        && until > wall_now
    {
        out.push(open(previous)?);
    }
    Ok(out)
}

/// One delivery with its attempts.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub endpoint: WebhookEndpointId,
    pub event: OutboxId,
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempt_count: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_response_status: Option<i32>,
    pub last_response_excerpt: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub attempts: Vec<DeliveryAttempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryAttempt {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `succeeded`, `retry` or `failed`.
    pub outcome: String,
    pub response_status: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

fn delivery(d: DeliveryRow, attempts: &[AttemptRow]) -> Delivery {
    Delivery {
        id: WebhookDeliveryId(d.id),
        endpoint: WebhookEndpointId(d.endpoint_id),
        event: OutboxId(d.event_id),
        event_type: d.event_type,
        next_attempt_at: (d.status == "pending").then_some(d.next_attempt_at),
        status: d.status,
        attempt_count: d.attempts,
        last_response_status: d.last_response_status,
        last_response_excerpt: d.last_response_excerpt,
        last_error: d.last_error,
        delivered_at: d.delivered_at,
        created_at: d.created_at,
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| DeliveryAttempt {
                attempt: a.attempt,
                started_at: a.started_at,
                finished_at: a.finished_at,
                outcome: a.outcome.clone(),
                response_status: a.response_status,
                response_excerpt: a.response_excerpt.clone(),
                error: a.error.clone(),
            })
            .collect(),
    }
}

/// The endpoint's deliveries, oldest first, each with its attempts.
pub async fn deliveries(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: WebhookEndpointId,
    page: PageRequest,
) -> Result<Page<Delivery>> {
    row(conn, tenant, endpoint, false).await?;
    let page = store::deliveries(conn, tenant, endpoint.as_uuid(), page).await?;
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|d| d.id).collect();
    let attempts = store::attempts(conn, tenant, &ids).await?;
    Ok(Page { items: page.items.into_iter().map(|d| delivery(d, &attempts)).collect(), has_more: page.has_more })
}

/// Redelivers an event to its endpoint: one attempt, due at once (the next delivery run makes
/// it), whatever the delivery's state. Refused while the endpoint is disabled.
pub async fn redeliver(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: WebhookDeliveryId,
    now: DateTime<Utc>,
) -> Result<Delivery> {
    let mut tx = conn.begin().await?;
    let d = store::get_delivery(&mut tx, tenant, id.as_uuid(), true)
        .await?
        .ok_or_else(|| Error::not_found("webhook delivery", id))?;
    let endpoint = row(&mut tx, tenant, WebhookEndpointId(d.endpoint_id), false).await?;
    if endpoint.status != "enabled" {
        return Err(Error::WebhookEndpointDisabled);
    }
    store::schedule_redelivery(&mut tx, tenant, d.id, now).await?;
    let d = store::get_delivery(&mut tx, tenant, d.id, false)
        .await?
        .ok_or_else(|| Error::not_found("webhook delivery", id))?;
    let attempts = store::attempts(&mut tx, tenant, &[d.id]).await?;
    tx.commit().await?;
    Ok(delivery(d, &attempts))
}

/// What recording an attempt did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// The delivery is done (succeeded), will be retried, or failed for good.
    pub succeeded: bool,
    pub retry: bool,
    pub failed: bool,
    /// The endpoint was disabled by this failure.
    pub disabled_endpoint: bool,
}

/// When a failing endpoint is disabled (`[webhooks]`, docs/adr/0024 and 0047).
#[derive(Debug, Clone, Copy)]
pub struct DisableRule {
    /// Failing this long without a success, when a delivery uses up its retries.
    pub after: Duration,
    /// This many failed attempts in a row (any delivery, a success resets); 0: never by count.
    pub after_failures: u32,
}

/// Records an attempt's answer and moves the delivery on: a 2xx answer delivers it; anything
/// else retries on the schedule ([`retry_delay`]) or, after the last try (or a manual
/// redelivery), fails it. An endpoint is disabled when it has failed for `rule.after` without a
/// success as a delivery uses up its retries, or at `rule.after_failures` failed attempts in a
/// row. `now` is business time (the schedule); `started`/`finished` are when the request ran.
pub async fn settle(
    conn: &mut PgConnection,
    d: &ClaimedDelivery,
    answer: &Answer,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    now: DateTime<Utc>,
    rule: DisableRule,
) -> Result<Settled> {
    let (response_status, excerpt, error) = match answer {
        Answer::Status { code, excerpt } => {
            (Some(i32::from(*code)), Some(excerpt.chars().take(EXCERPT_CHARS).collect::<String>()), None)
        }
        Answer::NoAnswer(e) => (None, None, Some(e.chars().take(EXCERPT_CHARS).collect::<String>())),
    };
    let next = (!answer.is_success() && !d.manual).then(|| retry_delay(d.attempts.max(0) as u32)).flatten();
    let (status, outcome) = if answer.is_success() {
        ("succeeded", "succeeded")
    } else if next.is_some() {
        ("pending", "retry")
    } else {
        ("failed", "failed")
    };
    let attempt = NewAttempt {
        started_at: started,
        finished_at: finished,
        outcome,
        response_status,
        response_excerpt: excerpt.as_deref(),
        error: error.as_deref(),
    };
    let mut out = Settled {
        succeeded: status == "succeeded",
        retry: status == "pending",
        failed: status == "failed",
        disabled_endpoint: false,
    };
    let mut tx = conn.begin().await?;
    store::record_attempt(&mut tx, d, &attempt).await?;
    if store::settle(&mut tx, d, status, now + next.unwrap_or_default(), &attempt).await? {
        if answer.is_success() {
            store::endpoint_succeeded(&mut tx, d.tenant_id, d.endpoint_id).await?;
        } else {
            let (since, in_a_row) =
                store::endpoint_failed(&mut tx, d.tenant_id, d.endpoint_id, now).await?.unwrap_or((None, 0));
            let by_days = status == "failed" && !d.manual && should_disable(since, now, rule.after);
            let by_count = rule.after_failures > 0 && i64::from(in_a_row) >= i64::from(rule.after_failures);
            let reason = if by_days {
                Some("failing")
            } else if by_count {
                Some("consecutive_failures")
            } else {
                None
            };
            if let Some(reason) = reason {
                out.disabled_endpoint = store::disable(&mut tx, d.tenant_id, d.endpoint_id, reason, now).await?;
                if out.disabled_endpoint {
                    told_disabled(&mut tx, d, reason, in_a_row, since, now).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// The actor of the webhook job's own changes in the staff audit log.
pub const JOB_ACTOR: &str = "job:webhooks";

/// An endpoint the job has just disabled (once: only an enabled endpoint is disabled), in the
/// transaction that disables it (docs/adr/0048): the merchant's `webhook_endpoint.disabled` event
/// (their other enabled endpoints subscribed to it receive it; the events API lists it) and a
/// line in the staff audit log with the endpoint before and after. No mail: the engine has no
/// address to reach a merchant's staff by mail; the console's endpoint page says why it stopped.
async fn told_disabled(
    conn: &mut PgConnection,
    d: &ClaimedDelivery,
    reason: &str,
    in_a_row: i32,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let tenant = d.tenant_id;
    let endpoint = WebhookEndpointId(d.endpoint_id);
    let message = crate::outbox::OutboxMessage::WebhookEndpointDisabled {
        endpoint,
        reason: reason.to_owned(),
        consecutive_failures: in_a_row,
        failing_since: since,
        disabled_at: now,
    };
    crate::store::outbox::enqueue(conn, tenant, &[message], now).await?;
    let entry = crate::service::staff::AuditEntry {
        staff: None,
        actor: JOB_ACTOR,
        action: "webhook_endpoint.disabled",
        outcome: "done",
        target: Some(format!("webhook_endpoint:{endpoint}")),
        customer: None,
        reason: Some(reason),
        before: Some(
            serde_json::json!({ "status": "enabled", "consecutive_failures": in_a_row, "failing_since": since }),
        ),
        after: Some(serde_json::json!({ "status": "disabled", "disabled_reason": reason, "disabled_at": now })),
        client: None,
    };
    crate::service::staff::audit(conn, tenant, &entry, now).await
}
