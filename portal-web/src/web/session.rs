//! Sessions in PostgreSQL (shared by every `billing serve` process) and CSRF protection.
//!
//! - The session cookie holds a random token; the database holds its SHA-256 only.
//! - Every form of a session carries the session's synchronizer token (`csrf`); a form of a
//!   visitor not yet signed in carries the token of the `portal_csrf` cookie (double submit).
//! - Every form that changes something also carries a one-time `nonce`: the first submission is
//!   claimed in the same transaction as the change, a second one is sent to the first one's
//!   result and changes nothing.

use axum::http::HeaderMap;
use billing_core::ids::{CustomerId, TenantId};
use billing_core::store::portal::{self as store, LinkClaims, Session};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::error::{PageError, PageResult};
use super::{cookie, random_token, same_secret, token_hash};

pub const SESSION_COOKIE: &str = "portal_session";
pub const ANON_CSRF_COOKIE: &str = "portal_csrf";

/// Starts a session; returns the cookie token.
pub async fn start(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    claims: &LinkClaims,
    hours: u32,
    now: DateTime<Utc>,
) -> billing_core::Result<String> {
    let token = random_token();
    let csrf = random_token();
    let expires = now + Duration::hours(i64::from(hours.max(1)));
    store::insert_session(conn, tenant, customer, &token_hash(&token), &csrf, claims, now, expires).await?;
    Ok(token)
}

/// The request's live session in `tenant`, with the digest it is stored under.
pub async fn load(
    conn: &mut PgConnection,
    tenant: TenantId,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> billing_core::Result<Option<(Vec<u8>, Session)>> {
    let Some(hash) = session_digest(headers) else {
        return Ok(None);
    };
    Ok(store::session(conn, tenant, &hash, now).await?.map(|s| (hash, s)))
}

/// The digest of the request's session cookie, when it carries one that could be a session: the
/// key the session's statement looks up ([`load`], `store::portal::session_with_customer`).
pub fn session_digest(headers: &HeaderMap) -> Option<Vec<u8>> {
    cookie(headers, SESSION_COOKIE).filter(|t| t.len() == 64).map(token_hash)
}

/// Refuses a form whose `csrf` field is not the expected token.
pub fn check_csrf(expected: &str, given: Option<&str>) -> PageResult<()> {
    match given {
        Some(g) if !expected.is_empty() && same_secret(expected, g) => Ok(()),
        _ => Err(PageError::csrf()),
    }
}

/// The anonymous CSRF token of the `portal_csrf` cookie, or a new one (then the caller sets it).
pub fn anonymous_csrf(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, ANON_CSRF_COOKIE).filter(|t| t.len() == 64) {
        Some(t) => (t.to_string(), false),
        None => (random_token(), true),
    }
}

/// A fresh nonce for a form that changes something.
pub fn form_nonce() -> String {
    random_token()
}
