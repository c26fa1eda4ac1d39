//! The one way work is made exclusive across processes: a lease row per name (`job_leases`).
//!
//! A lease is taken and released in short statements, so it never pins a connection: this works
//! on the embedded database's single connection as on a server, where a session advisory lock
//! would hold a connection for as long as the work runs. A holder that dies leaves its lease to
//! expire; a live holder renews it while it works ([`with_lease`]).
//!
//! Two places need PostgreSQL's own advisory locks instead, and take them here too:
//! - an invoice run marks itself alive with a session lock ([`try_session_lock`]) on the one
//!   connection it works on throughout: the lock vanishes the moment its process dies, so a rerun
//!   resumes a killed run at once instead of waiting for a lease to expire;
//! - a short transaction that must not interleave with another of the same name takes
//!   [`lock_for_transaction`], released by its commit or rollback.
//!
//! Neither waits for a second connection while holding one (docs/adr/0018).

use std::future::Future;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Takes the lease `name` for `ttl` if it is free, expired, or already `holder`'s.
pub async fn try_acquire(conn: &mut PgConnection, name: &str, holder: Uuid, ttl: Duration) -> Result<bool> {
    let taken: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO job_leases (name, holder, acquired_at, expires_at)
         VALUES ($1, $2, clock_timestamp(), clock_timestamp() + make_interval(secs => $3))
         ON CONFLICT (name) DO UPDATE
            SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
          WHERE job_leases.expires_at <= clock_timestamp() OR job_leases.holder = EXCLUDED.holder
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(ttl.as_secs_f64())
    .fetch_optional(conn)
    .await?;
    Ok(taken == Some(holder))
}

/// Extends `holder`'s lease; false when it was lost (expired and taken by another).
pub async fn renew(conn: &mut PgConnection, name: &str, holder: Uuid, ttl: Duration) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE job_leases SET expires_at = clock_timestamp() + make_interval(secs => $3)
          WHERE name = $1 AND holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(ttl.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease back (only if `holder` still has it).
pub async fn release(conn: &mut PgConnection, name: &str, holder: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(conn).await?;
    Ok(())
}

/// Runs `work` while holding the lease `name`, renewing it every third of `ttl`; `None` when
/// another holder has it. The lease is released when `work` ends, whether it succeeded or not.
pub async fn with_lease<T, E, F>(pool: &PgPool, name: &str, ttl: Duration, work: F) -> Result<Option<T>, E>
where
    F: Future<Output = Result<T, E>>,
    E: From<Error>,
{
    let holder = Uuid::now_v7();
    let mut conn = pool.acquire().await.map_err(|e| E::from(e.into()))?;
    let taken = try_acquire(&mut conn, name, holder, ttl).await?;
    // Back to the pool before the work starts: the work may need the only connection.
    drop(conn);
    if !taken {
        return Ok(None);
    }
    let renewer = {
        let (pool, name) = (pool.clone(), name.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                // A failed renewal is retried at the next beat; the lease only lapses if the
                // database stays unreachable for a whole `ttl`.
                if let Ok(mut conn) = pool.acquire().await {
                    let _ = renew(&mut conn, &name, holder, ttl).await;
                }
            }
        })
    };
    let result = work.await;
    renewer.abort();
    let mut conn = pool.acquire().await.map_err(|e| E::from(e.into()))?;
    release(&mut conn, name, holder).await?;
    result.map(Some)
}

/// The advisory-lock key of an id: its low 64 bits (random in a UUIDv7, so distinct ids practically
/// never share a key).
fn session_key(id: Uuid) -> i64 {
    let b = id.as_u128();
    i64::from_le_bytes((b as u64).to_le_bytes())
}

/// Takes the session-scoped advisory lock of `id` on this connection if nobody holds it. It lasts
/// until [`session_unlock`] or until the connection's session ends (its process died).
pub async fn try_session_lock(conn: &mut PgConnection, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(session_key(id)).fetch_one(conn).await?)
}

/// Gives back the session lock of `id` taken on this connection.
pub async fn session_unlock(conn: &mut PgConnection, id: Uuid) -> Result<()> {
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(session_key(id)).execute(conn).await?;
    Ok(())
}

/// Waits for the transaction-scoped advisory lock `name` (released at commit or rollback).
pub async fn lock_for_transaction(tx: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(name).execute(tx).await?;
    Ok(())
}
