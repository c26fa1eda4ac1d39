//! Staff of a merchant (issue 14, docs/adr/0027): creating, listing, disabling them, their
//! sign-in state, the audit log of every staff action, and the reads of the console. Password
//! hashing and TOTP codes are the caller's (portal-web's `ops::password`); here the PHC string
//! and the secret are only stored.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::staff::Role;
use crate::store::staff::{self as store, NewStaff, StaffRow};

pub use store::{AuditEntry, AuditRow, CustomerHit, CustomerMail, DunningLine, PortalActivity, StaffSession};

/// A staff member as every front reads it (no secrets).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Staff {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub has_password: bool,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What sign-in needs: the public part and the stored secrets.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub staff: Staff,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
}

fn public(r: &StaffRow) -> Result<Staff> {
    Ok(Staff {
        id: r.id,
        email: r.email.clone(),
        role: r.role.parse()?,
        has_password: r.password_hash.is_some(),
        totp_enabled: r.totp_enabled,
        disabled: r.disabled_at.is_some(),
        locked_until: r.locked_until,
        invite_expires_at: r.invite_expires_at,
        created_at: r.created_at,
    })
}

fn credentials(r: StaffRow) -> Result<Credentials> {
    Ok(Credentials { staff: public(&r)?, password_hash: r.password_hash, totp_secret: r.totp_secret })
}

/// A new staff member: a password (already hashed), or an invitation (the digest of its token)
/// to set one.
pub struct NewStaffInput<'a> {
    pub email: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub invite: Option<(&'a [u8], DateTime<Utc>)>,
}

/// Adds a staff member; the address must be new among the tenant's staff.
pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: &NewStaffInput<'_>,
    now: DateTime<Utc>,
) -> Result<Staff> {
    let email = EmailAddress::parse(input.email.trim())?.as_str().to_lowercase();
    if input.password_hash.is_none() && input.invite.is_none() {
        return Err(Error::invalid("password", "a new staff member needs a password or an invitation"));
    }
    let id = Uuid::now_v7();
    let inserted = store::insert(
        conn,
        tenant,
        &NewStaff {
            id,
            email: &email,
            role: input.role.as_str(),
            password_hash: input.password_hash,
            invite_token_hash: input.invite.map(|(h, _)| h),
            invite_expires_at: input.invite.map(|(_, e)| e),
        },
        now,
    )
    .await?;
    if !inserted {
        return Err(Error::Duplicate { resource: "staff member", code: email });
    }
    let row = store::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("staff member", id))?;
    public(&row)
}

pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Staff>> {
    store::list(conn, tenant).await?.iter().map(public).collect()
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Staff> {
    let row = store::get(conn, tenant, id).await?.ok_or_else(|| Error::not_found("staff member", id))?;
    public(&row)
}

pub async fn credentials_by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
) -> Result<Option<Credentials>> {
    store::by_email(conn, tenant, &email.trim().to_lowercase()).await?.map(credentials).transpose()
}

pub async fn credentials_by_id(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<Option<Credentials>> {
    store::get(conn, tenant, id).await?.map(credentials).transpose()
}

pub async fn by_invite(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Staff>> {
    store::by_invite(conn, tenant, token_hash, now).await?.as_ref().map(public).transpose()
}

pub async fn set_password(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    phc: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    store::set_password(conn, tenant, id, phc, now).await
}

/// Counts a failed sign-in; `true` when this one locked the account.
pub async fn record_failure(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    limit: i32,
    lock_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    store::record_failure(conn, tenant, id, limit, lock_until, now).await
}

pub async fn clear_failures(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> Result<()> {
    store::clear_failures(conn, tenant, id).await
}

/// Disables or re-enables a staff member (their sessions end); the last enabled admin stays.
pub async fn set_disabled(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<Staff> {
    let before = get(conn, tenant, id).await?;
    if disabled && before.role == Role::Admin {
        let admins = list(conn, tenant).await?.iter().filter(|s| s.role == Role::Admin && !s.disabled).count();
        if admins <= 1 {
            return Err(Error::invalid("staff", "the last admin cannot be disabled"));
        }
    }
    store::set_disabled(conn, tenant, id, disabled, now).await?;
    get(conn, tenant, id).await
}

pub async fn set_totp(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    secret: Option<&str>,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    store::set_totp(conn, tenant, id, secret, enabled, now).await
}

pub async fn claim_totp_step(conn: &mut PgConnection, tenant: TenantId, id: Uuid, step: i64) -> Result<bool> {
    store::claim_totp_step(conn, tenant, id, step).await
}

/// Counts one sign-in attempt in a PostgreSQL-backed bucket (the portal's table, so every node
/// sees the same count) and returns the attempts in the window.
pub async fn hit_rate_bucket(
    conn: &mut PgConnection,
    tenant: TenantId,
    bucket: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<i64> {
    crate::store::portal::hit_rate_bucket(conn, tenant, &format!("console:{bucket}"), since, now).await
}

#[allow(clippy::too_many_arguments)]
pub async fn start_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    staff: Uuid,
    token_hash: &[u8],
    csrf: &str,
    second_factor_due: bool,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    store::insert_session(conn, tenant, staff, token_hash, csrf, second_factor_due, now, expires_at).await
}

pub async fn session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<StaffSession>> {
    store::session(conn, tenant, token_hash, now).await
}

pub async fn second_factor_done(conn: &mut PgConnection, tenant: TenantId, token_hash: &[u8]) -> Result<()> {
    store::second_factor_done(conn, tenant, token_hash).await
}

pub async fn end_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    store::revoke_session(conn, tenant, token_hash, now).await
}

pub async fn claim_form(
    conn: &mut PgConnection,
    session_hash: &[u8],
    nonce: &str,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    store::claim_form(conn, session_hash, nonce, outcome, now).await
}

/// Writes one line of the staff audit log.
pub async fn audit(
    conn: &mut PgConnection,
    tenant: TenantId,
    entry: &AuditEntry<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    store::audit(conn, tenant, entry, now).await
}

pub async fn audit_log(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    limit: i64,
) -> Result<Vec<AuditRow>> {
    store::audit_log(conn, tenant, customer, limit).await
}

/// Customers by name, email, company, VAT ID (spaces and dots ignored) or document number.
pub async fn search_customers(conn: &mut PgConnection, tenant: TenantId, q: &str) -> Result<Vec<CustomerHit>> {
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(Error::invalid("q", "must be at most 200 characters"));
    }
    store::search_customers(conn, tenant, q, 50).await
}

pub async fn customer_mails(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    email: &str,
) -> Result<Vec<CustomerMail>> {
    store::customer_mails(conn, tenant, customer, email, 20).await
}

pub async fn portal_activity(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Vec<PortalActivity>> {
    store::portal_activity(conn, tenant, customer, 20).await
}

pub async fn dunning_board(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<DunningLine>> {
    store::dunning_board(conn, tenant).await
}

/// The job runs the tenant may see (its own and those over all tenants), newest first.
pub async fn job_runs(
    conn: &mut PgConnection,
    tenant: TenantId,
    limit: i64,
) -> Result<Vec<crate::store::job_runs::JobRun>> {
    crate::store::job_runs::list_for_tenant(conn, tenant, None, limit).await
}

/// Support's help: a single-use portal sign-in link for the customer (`token_hash` is the
/// digest of the token in `url`), mailed to the address on file through the outbox.
#[allow(clippy::too_many_arguments)]
pub async fn mail_portal_link(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: &crate::customer::Customer,
    token_hash: &[u8],
    url: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    // The mail and the portal it opens speak a language the merchant offers.
    let locale = crate::service::portal_options::customer_language(conn, tenant, &customer.locale).await?;
    let claims = crate::store::portal::LinkClaims { locale: Some(locale.clone()), ..Default::default() };
    crate::store::portal::insert_sign_in_token(
        conn,
        tenant,
        customer.id,
        token_hash,
        "console",
        &claims,
        now,
        expires_at,
    )
    .await?;
    let message = crate::outbox::OutboxMessage::SignInLink {
        customer_id: customer.id,
        to: customer.email.clone(),
        locale,
        url: url.to_string(),
        expires_at,
    };
    crate::store::outbox::enqueue(conn, tenant, &[message], now).await?;
    Ok(())
}

pub use crate::store::mail::MailSummary;

/// One of the customer's mails (another customer's or tenant's is not found).
pub async fn customer_mail(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    email: &str,
    mail: Uuid,
) -> Result<MailSummary> {
    crate::store::mail::customer_mail(conn, tenant, mail, customer, email)
        .await?
        .ok_or_else(|| Error::not_found("mail", mail))
}

/// Queues one of the customer's mails again: the same rendered mail as a new row with a new
/// Message-ID, sent by the mail worker like any other. Returns the new mail's id.
pub async fn resend_mail(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    email: &str,
    mail: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    crate::store::mail::resend(conn, tenant, mail, customer, email, now)
        .await?
        .ok_or_else(|| Error::not_found("mail", mail))
}
