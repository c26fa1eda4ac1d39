//! Staff accounts, console sessions, once-only console forms, the staff audit log, and the reads
//! the console needs beyond the other aggregates' (customer search, a customer's mails and portal
//! activity, the dunning board). docs/adr/0027.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{CustomerId, TenantId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, email, role, password_hash, totp_secret, totp_enabled, failed_attempts, locked_until,
                       invite_expires_at, disabled_at, created_at";

pub struct NewStaff<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    pub invite_token_hash: Option<&'a [u8]>,
    pub invite_expires_at: Option<DateTime<Utc>>,
}

/// Inserts a staff member; `false` when the address is already one of the tenant's staff.
pub async fn insert(conn: &mut PgConnection, tenant: TenantId, s: &NewStaff<'_>, now: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO staff_users (tenant_id, id, email, role, password_hash, invite_token_hash, invite_expires_at,
                                  created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (tenant_id, email) DO NOTHING",
    )
    .bind(tenant)
    .bind(s.id)
    .bind(s.email)
    .bind(s.role)
    .bind(s.password_hash)
    .bind(s.invite_token_hash)
    .bind(s.invite_expires_at)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn by_email(conn: &mut PgConnection, tenant: TenantId, email: &str) -> Result<Option<StaffRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff_users WHERE tenant_id = $1 AND email = $2"))
        .bind(tenant)
        .bind(email)
        .fetch_optional(conn)
        .await?)
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Option<StaffRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff_users WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<StaffRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff_users WHERE tenant_id = $1 ORDER BY email"))
        .bind(tenant)
        .fetch_all(conn)
        .await?)
}

/// The staff member whose live invitation has this digest.
pub async fn by_invite(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<StaffRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM staff_users
          WHERE tenant_id = $1 AND invite_token_hash = $2 AND invite_expires_at > $3 AND disabled_at IS NULL"
    ))
    .bind(tenant)
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Sets the password; uses up the invitation and clears failures.
pub async fn set_password(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    phc: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE staff_users SET password_hash = $3, invite_token_hash = NULL, invite_expires_at = NULL,
                failed_attempts = 0, locked_until = NULL, updated_at = $4
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(phc)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts one failed sign-in; at `limit` failures the account locks until `lock_until`.
/// Returns whether this one locked it.
pub async fn record_failure(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    limit: i32,
    lock_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "UPDATE staff_users SET failed_attempts = failed_attempts + 1,
                locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN $4 ELSE locked_until END,
                updated_at = $5
          WHERE tenant_id = $1 AND id = $2
         RETURNING failed_attempts = $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(limit)
    .bind(lock_until)
    .bind(now)
    .fetch_optional(conn)
    .await?
    .unwrap_or(false))
}

pub async fn clear_failures(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<()> {
    sqlx::query("UPDATE staff_users SET failed_attempts = 0, locked_until = NULL WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Disables (or re-enables) a staff member; disabling ends their sessions.
pub async fn set_disabled(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE staff_users SET disabled_at = CASE WHEN $3 THEN $4 ELSE NULL END, updated_at = $4
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(disabled)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if disabled {
        sqlx::query(
            "UPDATE staff_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND staff_id = $2 AND revoked_at IS NULL",
        )
        .bind(tenant)
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    }
    Ok(n == 1)
}

/// Stores a TOTP secret (pending until `enabled`), or removes it.
pub async fn set_totp(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    secret: Option<&str>,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE staff_users SET totp_secret = $3, totp_enabled = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(secret)
    .bind(enabled)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Accepts a code's time step once: `false` when this step (or a later one) was used already.
pub async fn claim_totp_step(conn: &mut PgConnection, tenant: TenantId, id: Uuid, step: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE staff_users SET totp_last_step = $3
          WHERE tenant_id = $1 AND id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
    )
    .bind(tenant)
    .bind(id)
    .bind(step)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

#[derive(Debug, Clone)]
pub struct StaffSession {
    pub staff_id: Uuid,
    pub csrf_token: String,
    pub second_factor_due: bool,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    staff: Uuid,
    token_hash: &[u8],
    csrf_token: &str,
    second_factor_due: bool,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff_sessions (token_hash, tenant_id, staff_id, csrf_token, second_factor_due, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(staff)
    .bind(csrf_token)
    .bind(second_factor_due)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live session with this digest in this tenant, of a staff member who is not disabled.
pub async fn session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<StaffSession>> {
    let row: Option<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT s.staff_id, s.csrf_token, s.second_factor_due FROM staff_sessions s
           JOIN staff_users u ON u.tenant_id = s.tenant_id AND u.id = s.staff_id
          WHERE s.token_hash = $1 AND s.tenant_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3
            AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(staff_id, csrf_token, second_factor_due)| StaffSession { staff_id, csrf_token, second_factor_due }))
}

pub async fn second_factor_done(conn: &mut PgConnection, tenant: TenantId, token_hash: &[u8]) -> Result<()> {
    sqlx::query("UPDATE staff_sessions SET second_factor_due = FALSE WHERE token_hash = $1 AND tenant_id = $2")
        .bind(token_hash)
        .bind(tenant)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE staff_sessions SET revoked_at = $3 WHERE token_hash = $1 AND tenant_id = $2 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims a console form submission: `None` for the first one; a repeat gets the first outcome.
pub async fn claim_form(
    conn: &mut PgConnection,
    session_hash: &[u8],
    nonce: &str,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    super::portal::claim_form_in(conn, "staff_form_submissions", session_hash, nonce, outcome, now).await
}

/// One line of the staff audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub staff: Option<Uuid>,
    pub actor: &'a str,
    pub action: &'a str,
    pub outcome: &'a str,
    pub target: Option<String>,
    pub customer: Option<CustomerId>,
    pub reason: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client: Option<&'a str>,
}

pub async fn audit(conn: &mut PgConnection, tenant: TenantId, e: &AuditEntry<'_>, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff_audit_log (tenant_id, staff_id, actor, action, outcome, target, customer_id, reason,
                                      before, after, client, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant)
    .bind(e.staff)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.outcome)
    .bind(&e.target)
    .bind(e.customer)
    .bind(e.reason)
    .bind(&e.before)
    .bind(&e.after)
    .bind(e.client)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub target: Option<String>,
    pub customer_id: Option<Uuid>,
    pub reason: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

/// The newest audit lines of the tenant, or of one customer.
pub async fn audit_log(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    limit: i64,
) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as(
        "SELECT id, actor, action, outcome, target, customer_id, reason, before, after, at FROM staff_audit_log
          WHERE tenant_id = $1 AND ($2::uuid IS NULL OR customer_id = $2)
          ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(customer)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A customer found by the console's search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerHit {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub vat_id: Option<String>,
    pub country: String,
    pub currency: String,
}

/// Customers whose name, email or VAT ID contains `q` (case-insensitive), or who have a document
/// numbered `q`; the newest first. An empty `q` lists the newest customers.
pub async fn search_customers(
    conn: &mut PgConnection,
    tenant: TenantId,
    q: &str,
    limit: i64,
) -> Result<Vec<CustomerHit>> {
    let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let compact = q.replace([' ', '.', '-'], "").to_uppercase();
    Ok(sqlx::query_as(
        "SELECT c.id, c.name, c.email, c.vat_id, c.country::text AS country, c.currency::text AS currency
           FROM customers c
          WHERE c.tenant_id = $1
            AND ($2 = '' OR c.name ILIKE $3 OR c.email ILIKE $3 OR c.company_name ILIKE $3
                 OR ($4 <> '' AND replace(upper(c.vat_id), ' ', '') LIKE '%' || $4 || '%')
                 OR EXISTS (SELECT 1 FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.customer_id = c.id
                                                       AND upper(i.number) = upper($2)))
          ORDER BY c.created_at DESC, c.id DESC LIMIT $5",
    )
    .bind(tenant)
    .bind(q)
    .bind(pattern)
    .bind(compact)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A mail to a customer as the console lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerMail {
    pub id: Uuid,
    pub template: String,
    pub to_address: String,
    pub status: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The mails made for a customer (by the outbox message's customer, or to the customer's address).
pub async fn customer_mails(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    email: &str,
    limit: i64,
) -> Result<Vec<CustomerMail>> {
    Ok(sqlx::query_as(
        "SELECT id, template, to_address, status, sent_at, created_at FROM mails
          WHERE tenant_id = $1 AND (payload->>'customer_id' = $2 OR lower(to_address) = lower($3))
          ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(tenant)
    .bind(customer.to_string())
    .bind(email)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PortalActivity {
    pub kind: String,
    pub action: Option<String>,
    pub page: String,
    pub status: Option<String>,
    pub started_at: DateTime<Utc>,
}

/// The customer's newest portal page views and actions.
pub async fn portal_activity(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    limit: i64,
) -> Result<Vec<PortalActivity>> {
    Ok(sqlx::query_as(
        "SELECT kind, action, page, status, started_at FROM portal_events
          WHERE tenant_id = $1 AND customer_id = $2 ORDER BY started_at DESC, id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(customer)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// An invoice in dunning for the board: its customer, what is due and the last step taken.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DunningLine {
    pub customer_id: Uuid,
    pub invoice_id: Uuid,
    pub customer_name: String,
    pub invoice_number: Option<String>,
    pub currency: String,
    pub amount_due: i64,
    pub step: i32,
    pub due_date: Option<NaiveDate>,
}

/// The tenant's open invoices whose latest payment attempt failed, with the last dunning step.
pub async fn dunning_board(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<DunningLine>> {
    Ok(sqlx::query_as(
        "SELECT i.customer_id, i.id AS invoice_id, c.name AS customer_name, i.number AS invoice_number, i.currency::text AS currency,
                (i.total - i.amount_paid)::bigint AS amount_due,
                COALESCE((SELECT max(s.step) FROM dunning_steps s
                           WHERE s.tenant_id = i.tenant_id AND s.invoice_id = i.id), 0)::int AS step,
                i.due_date
           FROM invoices i
           JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
           JOIN LATERAL (SELECT a.status FROM payment_attempts a WHERE a.tenant_id = i.tenant_id AND a.invoice_id = i.id
                          ORDER BY a.created_at DESC, a.id DESC LIMIT 1) last ON last.status = 'failed'
          WHERE i.tenant_id = $1 AND i.status = 'open' AND i.total > i.amount_paid
          ORDER BY step DESC, i.currency, c.name, i.id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}
