//! Mail rows (`mails`), their attempts (`mail_attempts`) and the per-tenant suppression list
//! (`mail_suppressions`).
//!
//! A worker claims due mails in one statement (`FOR UPDATE SKIP LOCKED` inside, a timed claim
//! outside), then gives the connection back before it talks to a mail server: two workers never
//! hold the same mail at once, and the embedded database's single connection is never held
//! across the network. A claim that outlives its worker expires and the mail goes again with
//! its Message-ID unchanged.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;
use crate::mail::{MailTemplate, retry_delay};
use crate::outbox::OutboxMessage;

/// A new mail, made by the outbox fan-out.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub outbox_id: Uuid,
    pub template: MailTemplate,
    pub to: &'a str,
    pub locale: &'a str,
    pub message: &'a OutboxMessage,
}

/// Inserts the mail unless its (outbox row, template) already has one; suppressed addresses get
/// a row in status `suppressed`, so the merchant sees what was not sent and why.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    mail: &NewMail<'_>,
    message_domain: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let id = Uuid::now_v7();
    let payload = serde_json::to_value(mail.message).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let done = sqlx::query(
        "INSERT INTO mails (tenant_id, id, outbox_id, template, to_address, locale, message_id, payload,
                            status, next_attempt_at, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8,
                CASE WHEN EXISTS (SELECT 1 FROM mail_suppressions s WHERE s.tenant_id = $1 AND s.address = lower($5))
                     THEN 'suppressed' ELSE 'pending' END,
                $9, $9
         ON CONFLICT ON CONSTRAINT mails_once DO NOTHING",
    )
    .bind(tenant)
    .bind(id)
    .bind(mail.outbox_id)
    .bind(mail.template.as_str())
    .bind(mail.to)
    .bind(mail.locale)
    .bind(crate::mail::message_id(id, message_domain))
    .bind(payload)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A mail claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMail {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub template: String,
    pub to_address: String,
    pub locale: String,
    pub message_id: String,
    pub payload: serde_json::Value,
    /// This claim's attempt number (1 for the first try).
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// Claims up to `limit` mails due at `now` for `claim_secs` seconds, counting the attempt.
pub async fn claim(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    claim_secs: u32,
    limit: i64,
) -> Result<Vec<ClaimedMail>> {
    Ok(sqlx::query_as(
        "UPDATE mails m
            SET claimed_until = clock_timestamp() + make_interval(secs => $2), attempts = m.attempts + 1
           FROM (SELECT tenant_id, id FROM mails
                  WHERE status = 'pending' AND next_attempt_at <= $1
                    AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
                  ORDER BY next_attempt_at, id
                  LIMIT $3
                  FOR UPDATE SKIP LOCKED) due
          WHERE m.tenant_id = due.tenant_id AND m.id = due.id
         RETURNING m.tenant_id, m.id, m.template, m.to_address, m.locale, m.message_id, m.payload, m.attempts,
                   m.created_at",
    )
    .bind(now)
    .bind(f64::from(claim_secs))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// How one try ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// A temporary failure (connection refused, 4xx): try again later.
    Retry(String),
    /// A permanent failure (5xx for this address): the address goes on the suppression list.
    Bounced(String),
    /// The address was on the suppression list when the mail's turn came.
    Suppressed,
}

/// Records the attempt and moves the mail on. Only the current claim changes the mail: a worker
/// whose claim expired (and whose mail another worker has taken) records its attempt and nothing
/// else.
pub async fn finish(
    conn: &mut PgConnection,
    mail: &ClaimedMail,
    started: DateTime<Utc>,
    outcome: &SendOutcome,
    now: DateTime<Utc>,
) -> Result<()> {
    let (attempt_outcome, detail) = match outcome {
        SendOutcome::Sent => ("sent", None),
        SendOutcome::Retry(d) => ("retry", Some(d.as_str())),
        SendOutcome::Bounced(d) => ("failed", Some(d.as_str())),
        SendOutcome::Suppressed => ("failed", Some("suppressed")),
    };
    let detail: Option<String> = detail.map(|d| d.chars().take(500).collect());
    sqlx::query(
        "INSERT INTO mail_attempts (tenant_id, mail_id, attempt, started_at, finished_at, outcome, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(mail.tenant_id)
    .bind(mail.id)
    .bind(mail.attempts)
    .bind(started)
    .bind(now)
    .bind(attempt_outcome)
    .bind(&detail)
    .execute(&mut *conn)
    .await?;
    let (status, next) = match outcome {
        SendOutcome::Sent => ("sent", now),
        SendOutcome::Retry(_) => match retry_delay(mail.attempts.max(0) as u32) {
            Some(delay) => ("pending", now + delay),
            None => ("failed", now),
        },
        SendOutcome::Bounced(_) => ("failed", now),
        SendOutcome::Suppressed => ("suppressed", now),
    };
    sqlx::query(
        "UPDATE mails SET status = $4, next_attempt_at = $5, claimed_until = NULL, last_error = $6,
                          sent_at = CASE WHEN $4 = 'sent' THEN $5 END
          WHERE tenant_id = $1 AND id = $2 AND attempts = $3 AND status = 'pending'",
    )
    .bind(mail.tenant_id)
    .bind(mail.id)
    .bind(mail.attempts)
    .bind(status)
    .bind(next)
    .bind(&detail)
    .execute(&mut *conn)
    .await?;
    if let SendOutcome::Bounced(d) = outcome {
        suppress(conn, mail.tenant_id, &mail.to_address, "bounce", Some(d), now).await?;
    }
    Ok(())
}

/// Whether the tenant does not mail `address`.
pub async fn is_suppressed(conn: &mut PgConnection, tenant: TenantId, address: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM mail_suppressions WHERE tenant_id = $1 AND address = lower($2))",
    )
    .bind(tenant)
    .bind(address)
    .fetch_one(conn)
    .await?)
}

/// Adds `address` to the tenant's suppression list (kept as first recorded if already there);
/// false when it was there already.
pub async fn suppress(
    conn: &mut PgConnection,
    tenant: TenantId,
    address: &str,
    reason: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO mail_suppressions (tenant_id, address, reason, detail, created_at)
         VALUES ($1, lower($2), $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(address)
    .bind(reason)
    .bind(detail.map(|d| d.chars().take(500).collect::<String>()))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A mail as a bounce or complaint report finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentMail {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub to_address: String,
    pub message_id: String,
    pub status: String,
}

/// The mail with this `Message-ID` (`<…>`): of `tenant` only when one is given.
pub async fn by_message_id(
    conn: &mut PgConnection,
    tenant: Option<TenantId>,
    message_id: &str,
) -> Result<Option<SentMail>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id, to_address, message_id, status FROM mails
          WHERE message_id = $1 AND ($2::uuid IS NULL OR tenant_id = $2)",
    )
    .bind(message_id)
    .bind(tenant)
    .fetch_optional(conn)
    .await?)
}

/// The tenant's latest mail to `address` that left (sent or failed), if any.
pub async fn latest_to(conn: &mut PgConnection, tenant: TenantId, address: &str) -> Result<Option<SentMail>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id, to_address, message_id, status FROM mails
          WHERE tenant_id = $1 AND lower(to_address) = lower($2) AND status IN ('sent', 'failed')
          ORDER BY id DESC LIMIT 1",
    )
    .bind(tenant)
    .bind(address)
    .fetch_optional(conn)
    .await?)
}

/// A sent mail that bounced later (a delivery status notification): `failed`, with the report.
pub async fn mark_bounced(conn: &mut PgConnection, tenant: TenantId, id: Uuid, detail: &str) -> Result<()> {
    sqlx::query(
        "UPDATE mails SET status = 'failed', last_error = $3
          WHERE tenant_id = $1 AND id = $2 AND status = 'sent'",
    )
    .bind(tenant)
    .bind(id)
    .bind(detail.chars().take(500).collect::<String>())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Suppression {
    pub address: String,
    pub reason: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn suppressions(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Suppression>> {
    Ok(sqlx::query_as(
        "SELECT address, reason, detail, created_at FROM mail_suppressions WHERE tenant_id = $1 ORDER BY address",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// Removes `address` from the list; false when it was not on it.
pub async fn unsuppress(conn: &mut PgConnection, tenant: TenantId, address: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM mail_suppressions WHERE tenant_id = $1 AND address = lower($2)")
        .bind(tenant)
        .bind(address)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A mail as the API lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MailRow {
    pub id: Uuid,
    pub template: String,
    pub to_address: String,
    pub locale: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The tenant's mails, newest first.
pub async fn list(conn: &mut PgConnection, tenant: TenantId, limit: i64) -> Result<Vec<MailRow>> {
    Ok(sqlx::query_as(
        "SELECT id, template, to_address, locale, message_id, status, attempts, next_attempt_at, sent_at,
                last_error, created_at
           FROM mails WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Queues a mail of the customer's again as a new row: the same template, address, language and
/// outbox message (so the same rendered mail), under a new outbox id and a new Message-ID on the
/// original's domain. `None` when the mail is not the customer's (by the message's customer or
/// the customer's address, as the console lists them). A suppressed address stays suppressed.
pub async fn resend(
    conn: &mut PgConnection,
    tenant: TenantId,
    mail: Uuid,
    customer: crate::ids::CustomerId,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let outbox_id = Uuid::now_v7();
    Ok(sqlx::query_scalar(
        "INSERT INTO mails (tenant_id, id, outbox_id, template, to_address, locale, message_id, payload,
                            status, next_attempt_at, created_at)
         SELECT m.tenant_id, $3, $4, m.template, m.to_address, m.locale,
                '<' || replace($3::text, '-', '') || '@' || split_part(trim(both '<>' from m.message_id), '@', 2) || '>',
                m.payload,
                CASE WHEN EXISTS (SELECT 1 FROM mail_suppressions s WHERE s.tenant_id = m.tenant_id
                                     AND s.address = lower(m.to_address))
                     THEN 'suppressed' ELSE 'pending' END,
                $7, $7
           FROM mails m
          WHERE m.tenant_id = $1 AND m.id = $2
            AND (m.payload->>'customer_id' = $5 OR lower(m.to_address) = lower($6))
         RETURNING id",
    )
    .bind(tenant)
    .bind(mail)
    .bind(id)
    .bind(outbox_id)
    .bind(customer.to_string())
    .bind(email)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// One mail's template, address and Message-ID (the console's resend review).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailSummary {
    pub id: Uuid,
    pub template: String,
    pub to_address: String,
    pub status: String,
    pub message_id: String,
    pub created_at: DateTime<Utc>,
}

/// A mail of the customer's (as [`resend`] scopes it), or `None`.
pub async fn customer_mail(
    conn: &mut PgConnection,
    tenant: TenantId,
    mail: Uuid,
    customer: crate::ids::CustomerId,
    email: &str,
) -> Result<Option<MailSummary>> {
    Ok(sqlx::query_as(
        "SELECT id, template, to_address, status, message_id, created_at FROM mails
          WHERE tenant_id = $1 AND id = $2 AND (payload->>'customer_id' = $3 OR lower(to_address) = lower($4))",
    )
    .bind(tenant)
    .bind(mail)
    .bind(customer.to_string())
    .bind(email)
    .fetch_optional(conn)
    .await?)
}
