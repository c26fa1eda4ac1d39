//! Merchants' webhook endpoints (`webhook_endpoints`), the deliveries of events to them
//! (`webhook_deliveries`, one per event and endpoint) and every attempt
//! (`webhook_delivery_attempts`). docs/adr/0024.
//!
//! Deliveries are claimed as mails are (`store::mail`): one statement takes due rows with
//! `FOR UPDATE SKIP LOCKED` and sets a timed claim on the database's clock, and the connection
//! is given back before the HTTP request. Two workers never hold the same delivery; a worker that
//! dies leaves its claim to expire.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;
use crate::store::{Page, PageRequest};

/// An endpoint row. `secret` and `previous_secret` are in their sealed form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub enabled_events: Vec<String>,
    pub status: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ENDPOINT_COLUMNS: &str = "id, url, description, enabled_events, status, secret, previous_secret,
    previous_secret_expires_at, failing_since, disabled_at, disabled_reason, created_at, updated_at";

pub async fn insert(conn: &mut PgConnection, tenant: TenantId, e: &EndpointRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (tenant_id, id, url, description, enabled_events, status, secret,
                                        previous_secret, previous_secret_expires_at, failing_since, disabled_at,
                                        disabled_reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(tenant)
    .bind(e.id)
    .bind(&e.url)
    .bind(&e.description)
    .bind(&e.enabled_events)
    .bind(&e.status)
    .bind(&e.secret)
    .bind(&e.previous_secret)
    .bind(e.previous_secret_expires_at)
    .bind(e.failing_since)
    .bind(e.disabled_at)
    .bind(&e.disabled_reason)
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One of the tenant's endpoints; `lock` takes it `FOR UPDATE` for the caller's transaction.
pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid, lock: bool) -> Result<Option<EndpointRow>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(conn).await?)
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId, page: PageRequest) -> Result<Page<EndpointRow>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    let rows = sqlx::query_as(&sql).bind(tenant).bind(page.cursor()).bind(page.fetch_limit()).fetch_all(conn).await?;
    Ok(Page::from_rows(rows, page))
}

/// Writes every changeable column of the endpoint (the caller locked it).
pub async fn update(conn: &mut PgConnection, tenant: TenantId, e: &EndpointRow) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_endpoints
            SET url = $3, description = $4, enabled_events = $5, status = $6, secret = $7, previous_secret = $8,
                previous_secret_expires_at = $9, failing_since = $10, disabled_at = $11, disabled_reason = $12,
                updated_at = $13
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(e.id)
    .bind(&e.url)
    .bind(&e.description)
    .bind(&e.enabled_events)
    .bind(&e.status)
    .bind(&e.secret)
    .bind(&e.previous_secret)
    .bind(e.previous_secret_expires_at)
    .bind(e.failing_since)
    .bind(e.disabled_at)
    .bind(&e.disabled_reason)
    .bind(e.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the endpoint with its deliveries and their attempts; false when there was none.
pub async fn delete(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<bool> {
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant's enabled endpoints and their event filters, for the fan-out.
pub async fn enabled_filters(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<(Uuid, Vec<String>)>> {
    Ok(sqlx::query_as(
        "SELECT id, enabled_events FROM webhook_endpoints WHERE tenant_id = $1 AND status = 'enabled' ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// Makes the delivery of `event` to `endpoint`, due at `now`, unless it exists already.
pub async fn insert_delivery(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: Uuid,
    event: Uuid,
    event_type: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(endpoint)
    .bind(event)
    .bind(event_type)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A delivery as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub manual: bool,
    pub last_response_status: Option<i32>,
    pub last_response_excerpt: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, manual,
    last_response_status, last_response_excerpt, last_error, delivered_at, created_at";

/// The endpoint's deliveries, oldest first.
pub async fn deliveries(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: Uuid,
    page: PageRequest,
) -> Result<Page<DeliveryRow>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
          WHERE tenant_id = $1 AND endpoint_id = $2 AND id > $3 ORDER BY id LIMIT $4"
    );
    let rows = sqlx::query_as(&sql)
        .bind(tenant)
        .bind(endpoint)
        .bind(page.cursor())
        .bind(page.fetch_limit())
        .fetch_all(conn)
        .await?;
    Ok(Page::from_rows(rows, page))
}

/// One of the tenant's deliveries; `lock` takes it `FOR UPDATE`.
pub async fn get_delivery(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    lock: bool,
) -> Result<Option<DeliveryRow>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(conn).await?)
}

/// One recorded attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: String,
    pub response_status: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// The attempts of these deliveries, in order.
pub async fn attempts(conn: &mut PgConnection, tenant: TenantId, deliveries: &[Uuid]) -> Result<Vec<AttemptRow>> {
    Ok(sqlx::query_as(
        "SELECT delivery_id, attempt, started_at, finished_at, outcome, response_status, response_excerpt, error
           FROM webhook_delivery_attempts WHERE tenant_id = $1 AND delivery_id = ANY($2)
          ORDER BY delivery_id, attempt",
    )
    .bind(tenant)
    .bind(deliveries)
    .fetch_all(conn)
    .await?)
}

/// Makes a delivery due again at `now` as a manual redelivery (one attempt, no automatic
/// retries after it).
pub async fn schedule_redelivery(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', manual = true, next_attempt_at = $3, claimed_until = NULL
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery claimed for sending, with what it needs: the endpoint's URL and sealed secrets,
/// and the event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// This claim's attempt number (1 for the first try).
    pub attempts: i32,
    pub manual: bool,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub payload: serde_json::Value,
    pub event_created_at: DateTime<Utc>,
}

/// Claims up to `limit` deliveries due at `now` to enabled endpoints for `claim_secs` seconds,
/// counting the attempt.
pub async fn claim(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    claim_secs: u32,
    limit: i64,
) -> Result<Vec<ClaimedDelivery>> {
    Ok(sqlx::query_as(
        "UPDATE webhook_deliveries d
            SET claimed_until = clock_timestamp() + make_interval(secs => $2), attempts = d.attempts + 1
           FROM (SELECT w.tenant_id, w.id FROM webhook_deliveries w
                   JOIN webhook_endpoints e ON e.tenant_id = w.tenant_id AND e.id = w.endpoint_id
                  WHERE w.status = 'pending' AND w.next_attempt_at <= $1 AND e.status = 'enabled'
                    AND (w.claimed_until IS NULL OR w.claimed_until < clock_timestamp())
                  ORDER BY w.next_attempt_at, w.id
                  LIMIT $3
                  FOR UPDATE OF w SKIP LOCKED) due,
                webhook_endpoints e, outbox o
          WHERE d.tenant_id = due.tenant_id AND d.id = due.id
            AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
            AND o.tenant_id = d.tenant_id AND o.id = d.event_id
         RETURNING d.tenant_id, d.id, d.endpoint_id, d.event_id, d.event_type, d.attempts, d.manual, e.url, e.secret,
                   e.previous_secret, e.previous_secret_expires_at, outbox_payload(o) AS payload,
                   o.created_at AS event_created_at",
    )
    .bind(now)
    .bind(f64::from(claim_secs))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// One attempt as recorded.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// succeeded | retry | failed
    pub outcome: &'a str,
    pub response_status: Option<i32>,
    pub response_excerpt: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub async fn record_attempt(conn: &mut PgConnection, d: &ClaimedDelivery, a: &NewAttempt<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_delivery_attempts (tenant_id, delivery_id, attempt, started_at, finished_at, outcome,
                                                response_status, response_excerpt, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(d.tenant_id)
    .bind(d.id)
    .bind(d.attempts)
    .bind(a.started_at)
    .bind(a.finished_at)
    .bind(a.outcome)
    .bind(a.response_status)
    .bind(a.response_excerpt)
    .bind(a.error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the delivery on after its attempt, if this claim is still the current one (a worker
/// whose claim expired and was taken over changes nothing). True when it did.
pub async fn settle(
    conn: &mut PgConnection,
    d: &ClaimedDelivery,
    status: &str,
    next_attempt_at: DateTime<Utc>,
    a: &NewAttempt<'_>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries
            SET status = $4, next_attempt_at = $5, claimed_until = NULL, last_response_status = $6,
                last_response_excerpt = $7, last_error = $8,
                delivered_at = CASE WHEN $4 = 'succeeded' THEN $9 ELSE delivered_at END,
                manual = CASE WHEN $4 = 'pending' THEN manual ELSE false END
          WHERE tenant_id = $1 AND id = $2 AND attempts = $3 AND status = 'pending'",
    )
    .bind(d.tenant_id)
    .bind(d.id)
    .bind(d.attempts)
    .bind(status)
    .bind(next_attempt_at)
    .bind(a.response_status)
    .bind(a.response_excerpt)
    .bind(a.error)
    .bind(a.finished_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A success: the endpoint is not failing any more (and its count of failures in a row is 0).
pub async fn endpoint_succeeded(conn: &mut PgConnection, tenant: TenantId, endpoint: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_endpoints SET failing_since = NULL, consecutive_failures = 0 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(endpoint)
    .execute(conn)
    .await?;
    Ok(())
}

/// A failure: the endpoint fails since its first failure after the last success, and one more
/// attempt failed in a row. Returns since when and how many in a row (`None`: no such endpoint).
pub async fn endpoint_failed(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(Option<DateTime<Utc>>, i32)>> {
    Ok(sqlx::query_as(
        "UPDATE webhook_endpoints
            SET failing_since = COALESCE(failing_since, $3), consecutive_failures = consecutive_failures + 1
          WHERE tenant_id = $1 AND id = $2 RETURNING failing_since, consecutive_failures",
    )
    .bind(tenant)
    .bind(endpoint)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// The merchant enabled the endpoint again: its failures in a row start from 0.
pub async fn reset_failures(conn: &mut PgConnection, tenant: TenantId, endpoint: Uuid) -> Result<()> {
    sqlx::query("UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(endpoint)
        .execute(conn)
        .await?;
    Ok(())
}

/// Disables an enabled endpoint for `reason`; false when it was not enabled.
pub async fn disable(
    conn: &mut PgConnection,
    tenant: TenantId,
    endpoint: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $3, disabled_at = $4, updated_at = $4
          WHERE tenant_id = $1 AND id = $2 AND status = 'enabled'",
    )
    .bind(tenant)
    .bind(endpoint)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
