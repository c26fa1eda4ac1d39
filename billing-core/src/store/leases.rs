//! Job leases: a row per job name that at most one process holds at a time, until it releases it
//! or the lease expires (its holder died). Unlike a session advisory lock, holding a lease needs no
//! connection kept open for the length of the run, which the embedded database (one connection)
//! cannot spare. Expiry is read from the database's clock, which every process shares.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;

/// Takes the lease `name` for `holder` for `seconds`, if it is free, expired or already ours.
pub async fn take(conn: &mut PgConnection, name: &str, holder: Uuid, seconds: i64) -> Result<bool> {
    let got: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 second')
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE job_leases.expires_at < clock_timestamp() OR job_leases.holder = EXCLUDED.holder
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(seconds)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(got.is_some())
}

/// Extends a lease `holder` still has; false when it expired and someone else took it.
pub async fn renew(conn: &mut PgConnection, name: &str, holder: Uuid, seconds: i64) -> Result<bool> {
    let renewed = sqlx::query(
        "UPDATE job_leases SET expires_at = clock_timestamp() + $3 * interval '1 second' WHERE name = $1 AND holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(seconds)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(renewed == 1)
}

pub async fn release(conn: &mut PgConnection, name: &str, holder: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM job_leases WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(conn).await?;
    Ok(())
}
