//! The customer portal's storage: custom domains, sign-in links, sessions, passwords, sign-in
//! rate limits, the security audit log and the self-service events. Tokens are stored as their
//! SHA-256 digest only; the caller hashes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::Result;
use crate::ids::{CustomerId, TenantId};

/// The tenant that owns a custom host name (lower case, without port).
pub async fn tenant_for_host(conn: &mut PgConnection, host: &str) -> Result<Option<TenantId>> {
    Ok(sqlx::query_scalar("SELECT tenant_id FROM portal_domains WHERE host = $1")
        .bind(host)
        .fetch_optional(conn)
        .await?)
}

pub async fn add_domain(conn: &mut PgConnection, tenant: TenantId, host: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_domains (host, tenant_id, created_at) VALUES (lower($1), $2, $3)
         ON CONFLICT (host) DO UPDATE SET tenant_id = EXCLUDED.tenant_id",
    )
    .bind(host)
    .bind(tenant)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The customers of a tenant with this email address (case-insensitive), oldest first, with the
/// address as stored.
pub async fn customers_by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
) -> Result<Vec<(CustomerId, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, email FROM customers WHERE tenant_id = $1 AND lower(email) = lower($2) ORDER BY created_at, id LIMIT 5",
    )
    .bind(tenant)
    .bind(email)
    .fetch_all(conn)
    .await?)
}

/// A sign-in link's claims.
#[derive(Debug, Clone, Default)]
pub struct LinkClaims {
    pub flow: Option<String>,
    pub return_url: Option<String>,
    pub locale: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_sign_in_token(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    token_hash: &[u8],
    source: &str,
    claims: &LinkClaims,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_sign_in_tokens
           (token_hash, tenant_id, customer_id, source, flow, return_url, locale, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(customer)
    .bind(source)
    .bind(&claims.flow)
    .bind(&claims.return_url)
    .bind(&claims.locale)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A sign-in link's customer, flow, return URL and locale as stored.
type ClaimsRow = (CustomerId, Option<String>, Option<String>, Option<String>);

/// Uses up a sign-in link: at most one caller ever gets it back, and only before it expires.
pub async fn consume_sign_in_token(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<(CustomerId, LinkClaims)>> {
    let row: Option<ClaimsRow> = sqlx::query_as(
        "UPDATE portal_sign_in_tokens SET used_at = $3
          WHERE token_hash = $1 AND tenant_id = $2 AND used_at IS NULL AND expires_at > $3
          RETURNING customer_id, flow, return_url, locale",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(c, flow, return_url, locale)| (c, LinkClaims { flow, return_url, locale })))
}

/// Whether an unused, unexpired link with this digest exists (the confirmation page).
pub async fn sign_in_token_usable(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM portal_sign_in_tokens
          WHERE token_hash = $1 AND tenant_id = $2 AND used_at IS NULL AND expires_at > $3)",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone)]
pub struct Session {
    pub customer: CustomerId,
    pub csrf_token: String,
    pub flow: Option<String>,
    pub return_url: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    token_hash: &[u8],
    csrf_token: &str,
    claims: &LinkClaims,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_sessions (token_hash, tenant_id, customer_id, csrf_token, flow, return_url, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(customer)
    .bind(csrf_token)
    .bind(&claims.flow)
    .bind(&claims.return_url)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live session with this digest, in this tenant.
pub async fn session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Session>> {
    let row: Option<ClaimsRow> = sqlx::query_as(
        "SELECT customer_id, csrf_token, flow, return_url FROM portal_sessions
          WHERE token_hash = $1 AND tenant_id = $2 AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(customer, csrf_token, flow, return_url)| Session {
        customer,
        csrf_token: csrf_token.unwrap_or_default(),
        flow,
        return_url,
    }))
}

/// The live session with this digest, in this tenant, with its customer, in one statement (the
/// portal's request context; issue 15, docs/adr/0043). `None` when there is no such live session
/// or its customer is gone: either way the request is not signed in. With them the tenant's
/// `settings_version`, read in the same statement: the portal checks the tenant it remembers
/// against it (docs/adr/0055).
pub async fn session_with_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<(Session, crate::customer::Customer, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        customer: super::customers::CustomerRow,
        session_customer: CustomerId,
        csrf_token: Option<String>,
        flow: Option<String>,
        return_url: Option<String>,
        tenant_settings_version: i64,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT c.*, ps.customer_id AS session_customer, ps.csrf_token, ps.flow, ps.return_url,
                t.settings_version AS tenant_settings_version
           FROM portal_sessions ps
           JOIN tenants t ON t.tenant_id = ps.tenant_id
           JOIN LATERAL ({} WHERE tenant_id = ps.tenant_id AND id = ps.customer_id) c ON true
          WHERE ps.token_hash = $1 AND ps.tenant_id = $2 AND ps.revoked_at IS NULL AND ps.expires_at > $3",
        super::customers::SELECT
    ))
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let session = Session {
            customer: r.session_customer,
            csrf_token: r.csrf_token.unwrap_or_default(),
            flow: r.flow,
            return_url: r.return_url,
        };
        Ok((session, crate::customer::Customer::try_from(r.customer)?, r.tenant_settings_version))
    })
    .transpose()
}

pub async fn revoke_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE portal_sessions SET revoked_at = $3 WHERE token_hash = $1 AND tenant_id = $2 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends every session of the customer; returns how many were live.
pub async fn revoke_all_sessions(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE portal_sessions SET revoked_at = $3 WHERE tenant_id = $1 AND customer_id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant)
    .bind(customer)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Claims a form submission. `None` for the first one; a repeat gets the first one's outcome.
pub async fn claim_form(
    conn: &mut PgConnection,
    session_hash: &[u8],
    nonce: &str,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    claim_form_in(conn, "portal_form_submissions", session_hash, nonce, outcome, now).await
}

/// A once-only form claim in `table` (the portal's or the console's submissions, which have the
/// same columns): inserted, or the outcome the first submission stored.
pub(crate) async fn claim_form_in(
    conn: &mut PgConnection,
    table: &'static str,
    session_hash: &[u8],
    nonce: &str,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let inserted = sqlx::query(&format!(
        "INSERT INTO {table} (session_hash, form_nonce, outcome, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING"
    ))
    .bind(session_hash)
    .bind(nonce)
    .bind(outcome)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    Ok(sqlx::query_scalar(&format!("SELECT outcome FROM {table} WHERE session_hash = $1 AND form_nonce = $2"))
        .bind(session_hash)
        .bind(nonce)
        .fetch_optional(conn)
        .await?)
}

/// The stored password (argon2id PHC string), failures so far and the lock-out end.
pub async fn credentials(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<(Option<String>, i32, Option<DateTime<Utc>>)> {
    let row: Option<(Option<String>, i32, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT password_hash, failed_attempts, locked_until FROM portal_credentials WHERE tenant_id = $1 AND customer_id = $2",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or((None, 0, None)))
}

pub async fn set_password(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    phc: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_credentials (tenant_id, customer_id, password_hash, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, customer_id) DO UPDATE
           SET password_hash = EXCLUDED.password_hash, failed_attempts = 0, locked_until = NULL, updated_at = $4",
    )
    .bind(tenant)
    .bind(customer)
    .bind(phc)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts one failed password; at `limit` failures the account locks until `lock_until`.
/// Returns the failures so far and whether this one locked it.
pub async fn record_password_failure(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    limit: i32,
    lock_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(i32, bool)> {
    let (attempts, locked): (i32, bool) = sqlx::query_as(
        "INSERT INTO portal_credentials (tenant_id, customer_id, failed_attempts, updated_at) VALUES ($1, $2, 1, $5)
         ON CONFLICT (tenant_id, customer_id) DO UPDATE
           SET failed_attempts = portal_credentials.failed_attempts + 1,
               locked_until = CASE WHEN portal_credentials.failed_attempts + 1 >= $3 THEN $4
                                   ELSE portal_credentials.locked_until END,
               updated_at = $5
         RETURNING failed_attempts, failed_attempts >= $3",
    )
    .bind(tenant)
    .bind(customer)
    .bind(limit)
    .bind(lock_until)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok((attempts, locked))
}

pub async fn clear_password_failures(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<()> {
    sqlx::query(
        "UPDATE portal_credentials SET failed_attempts = 0, locked_until = NULL WHERE tenant_id = $1 AND customer_id = $2",
    )
    .bind(tenant)
    .bind(customer)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records one attempt in `bucket` and returns how many there were since `since`, this one
/// included. Each statement commits on its own, so two nodes counting at once both see at least
/// their own attempt and every attempt committed before: a limit is never passed silently.
pub async fn hit_rate_bucket(
    conn: &mut PgConnection,
    tenant: TenantId,
    bucket: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<i64> {
    sqlx::query("INSERT INTO portal_rate_events (tenant_id, bucket, at) VALUES ($1, $2, $3)")
        .bind(tenant)
        .bind(bucket)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM portal_rate_events WHERE tenant_id = $1 AND bucket = $2 AND at <= $3")
        .bind(tenant)
        .bind(bucket)
        .bind(since)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar("SELECT count(*) FROM portal_rate_events WHERE tenant_id = $1 AND bucket = $2 AND at > $3")
        .bind(tenant)
        .bind(bucket)
        .bind(since)
        .fetch_one(conn)
        .await?)
}

/// One security event in the tenant's audit log.
pub async fn audit(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    event: &str,
    client: Option<&str>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_audit_log (tenant_id, customer_id, event, client, detail, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(customer)
    .bind(event)
    .bind(client)
    .bind(detail)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A page view or self-service action event.
#[derive(Debug, Clone)]
pub struct PortalEvent<'a> {
    pub kind: &'a str,
    pub action: Option<&'a str>,
    pub page: &'a str,
    pub status: Option<&'a str>,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub async fn record_event(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    e: &PortalEvent<'_>,
) -> Result<()> {
    let duration = e.completed_at.map(|c| (c - e.started_at).num_milliseconds());
    sqlx::query(
        "INSERT INTO portal_events (tenant_id, customer_id, kind, action, page, status, started_at, completed_at, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(customer)
    .bind(e.kind)
    .bind(e.action)
    .bind(e.page)
    .bind(e.status)
    .bind(e.started_at)
    .bind(e.completed_at)
    .bind(duration)
    .execute(conn)
    .await?;
    Ok(())
}

/// A portal page view, written in batches (`portal-web/src/page_view_writer.rs`).
#[derive(Debug, Clone)]
pub struct PageView {
    pub tenant: TenantId,
    pub customer: Option<CustomerId>,
    pub page: String,
    pub at: DateTime<Utc>,
}

/// Records page views, one statement for all of them. The statement's own transaction commits
/// without waiting for the WAL flush (`synchronous_commit = off` for it alone): a page view is
/// analytics, and after a crash of the database server the last fraction of a second of views
/// (at most three times `wal_writer_delay`) may be missing; nothing bills or reports money from
/// them (docs/adr/0041, 0043).
pub async fn record_page_views(conn: &mut PgConnection, views: &[PageView]) -> Result<()> {
    if views.is_empty() {
        return Ok(());
    }
    let tenants: Vec<uuid::Uuid> = views.iter().map(|v| v.tenant.as_uuid()).collect();
    let customers: Vec<Option<uuid::Uuid>> = views.iter().map(|v| v.customer.map(|c| c.as_uuid())).collect();
    let pages: Vec<&str> = views.iter().map(|v| v.page.as_str()).collect();
    let at: Vec<DateTime<Utc>> = views.iter().map(|v| v.at).collect();
    sqlx::query(
        "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
         INSERT INTO portal_events (tenant_id, customer_id, kind, page, started_at)
         SELECT v.t, v.c, 'page_view', v.p, v.a
         FROM relaxed, UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) AS v(t, c, p, a)",
    )
    .bind(&tenants)
    .bind(&customers)
    .bind(&pages)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn record_cancellation_reason(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    subscription: crate::ids::SubscriptionId,
    reason: &str,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_cancellation_reasons (tenant_id, subscription_id, customer_id, reason, comment, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(subscription)
    .bind(customer)
    .bind(reason)
    .bind(comment)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts a self-service action (the flow's first page was shown); any earlier start of the same
/// action by the customer that never completed is marked abandoned. Returns the event id that the
/// flow's form carries.
pub async fn start_action(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    action: &str,
    page: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    sqlx::query(
        "UPDATE portal_events SET status = 'abandoned'
          WHERE tenant_id = $1 AND customer_id = $2 AND kind = 'action' AND action = $3 AND status = 'started'",
    )
    .bind(tenant)
    .bind(customer)
    .bind(action)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO portal_events (tenant_id, customer_id, kind, action, page, status, started_at)
         VALUES ($1, $2, 'action', $3, $4, 'started', $5) RETURNING id",
    )
    .bind(tenant)
    .bind(customer)
    .bind(action)
    .bind(page)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Completes a started action of this customer (an id of another customer's event changes
/// nothing); without a started row, records a completed one that started now.
pub async fn complete_action(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    event: Option<i64>,
    action: &str,
    page: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE portal_events SET status = 'completed', completed_at = $5,
                duration_ms = (EXTRACT(EPOCH FROM ($5 - started_at)) * 1000)::bigint
          WHERE id = $1 AND tenant_id = $2 AND customer_id = $3 AND action = $4 AND status IN ('started', 'abandoned')",
    )
    .bind(event.unwrap_or(-1))
    .bind(tenant)
    .bind(customer)
    .bind(action)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        record_event(
            conn,
            tenant,
            Some(customer),
            &PortalEvent {
                kind: "action",
                action: Some(action),
                page,
                status: Some("completed"),
                started_at: now,
                completed_at: Some(now),
            },
        )
        .await?;
    }
    Ok(())
}

/// The tenant's retention offer: `("coupon", Some(code))` or `("pause", None)`.
pub async fn retention_offer(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<(String, Option<String>)>> {
    Ok(sqlx::query_as("SELECT kind, coupon_code FROM portal_retention_offers WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

/// Sets (or with `None`, removes) the tenant's retention offer.
pub async fn set_retention_offer(
    conn: &mut PgConnection,
    tenant: TenantId,
    offer: Option<(&str, Option<&str>)>,
    now: DateTime<Utc>,
) -> Result<()> {
    match offer {
        None => {
            sqlx::query("DELETE FROM portal_retention_offers WHERE tenant_id = $1").bind(tenant).execute(conn).await?;
        }
        Some((kind, coupon)) => {
            sqlx::query(
                "INSERT INTO portal_retention_offers (tenant_id, kind, coupon_code, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tenant_id) DO UPDATE SET kind = $2, coupon_code = $3, updated_at = $4",
            )
            .bind(tenant)
            .bind(kind)
            .bind(coupon)
            .bind(now)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

/// Marks the offer shown for a subscription; `false` when it was shown before (never twice).
pub async fn claim_retention_shown(
    conn: &mut PgConnection,
    tenant: TenantId,
    subscription: crate::ids::SubscriptionId,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO portal_retention_shown (tenant_id, subscription_id, kind, shown_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(subscription)
    .bind(kind)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Takes the offer shown for a subscription, once: `false` when it was not shown or already taken.
pub async fn accept_retention(
    conn: &mut PgConnection,
    tenant: TenantId,
    subscription: crate::ids::SubscriptionId,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE portal_retention_shown SET accepted_at = $3
          WHERE tenant_id = $1 AND subscription_id = $2 AND accepted_at IS NULL",
    )
    .bind(tenant)
    .bind(subscription)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// A search of the help page: the words, how many FAQ entries matched (`status` is `found` or
/// `no_results`, so zero-result searches are one filter away) and the page's language.
pub async fn record_search(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    query: &str,
    hits: i64,
    lang: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_events (tenant_id, customer_id, kind, page, status, started_at, detail)
         VALUES ($1, $2, 'help_search', 'help', CASE WHEN $4 = 0 THEN 'no_results' ELSE 'found' END, $6,
                 jsonb_build_object('query', $3::text, 'hits', $4, 'lang', $5::text))",
    )
    .bind(tenant)
    .bind(customer)
    .bind(query)
    .bind(hits)
    .bind(lang)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// One step of a funnel (docs/adr/0036): `action` is `<funnel>:<step>` (`signup:pricing_viewed`,
/// `plan_change:previewed`, …), `detail.visitor` the opaque id of the first-party visitor cookie
/// (the customer's id in the plan-change funnel), `customer` once known. The analytics count
/// distinct visitors per step.
pub async fn record_funnel(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    page: &str,
    action: &str,
    visitor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_events (tenant_id, customer_id, kind, action, page, status, started_at, completed_at, detail)
         VALUES ($1, $2, 'funnel', $3, $4, 'completed', $5, $5, jsonb_build_object('visitor', $6::text))",
    )
    .bind(tenant)
    .bind(customer)
    .bind(action)
    .bind(page)
    .bind(now)
    .bind(visitor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the funnel step `action` was recorded for `customer`.
pub async fn funnel_step_recorded(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    action: &str,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM portal_events WHERE tenant_id = $1 AND customer_id = $2 AND kind = 'funnel'
                          AND action = $3)",
    )
    .bind(tenant)
    .bind(customer)
    .bind(action)
    .fetch_one(conn)
    .await?)
}

/// Whether `customer` signed up through the checkout (its first session started there: the audit
/// log's `signed_in` with method `signup`).
pub async fn signed_up_at_checkout(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM portal_audit_log WHERE tenant_id = $1 AND customer_id = $2 AND event = 'signed_in'
                          AND detail->>'method' = 'signup')",
    )
    .bind(tenant)
    .bind(customer)
    .fetch_one(conn)
    .await?)
}
