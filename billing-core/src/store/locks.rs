//! The one way work is made exclusive across processes: a lease row per name (`job_leases`).
//!
//! A lease is taken and released in short statements, so it never pins a connection: this works
//! on the embedded database's single connection as on a server, where a session advisory lock
//! would hold a connection for as long as the work runs. A holder that dies leaves its lease to
//! expire; a live holder renews it while it works ([`with_lease`]).

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
