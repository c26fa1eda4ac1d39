//! The record of job runs (`job_runs`): one row per run of a scheduled job, written when it
//! starts and completed when it ends, so a run that died shows as never finished.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::TenantId;

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    Cli,
}

impl Trigger {
    pub fn as_str(&self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Cli => "cli",
        }
    }
}

/// Records the start of a run of `job` (for `tenant`, or all tenants).
pub async fn start(
    conn: &mut PgConnection,
    job: &str,
    tenant: Option<TenantId>,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO job_runs (id, job, tenant_id, trigger, started_at, node) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(job)
        .bind(tenant)
        .bind(trigger.as_str())
        .bind(now)
        .bind(this_node())
        .execute(conn)
        .await?;
    Ok(id)
}

/// This process, as recorded with each run it starts: `host:pid`.
pub fn this_node() -> &'static str {
    static NODE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NODE.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{host}:{}", std::process::id())
    })
}

/// Records how the run ended.
pub async fn finish(
    conn: &mut PgConnection,
    id: Uuid,
    done: u64,
    failed: u64,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE job_runs SET finished_at = $2, done = $3, failed = $4, error = $5 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(i64::try_from(done).unwrap_or(i64::MAX))
        .bind(i64::try_from(failed).unwrap_or(i64::MAX))
        .bind(error.map(|e| e.chars().take(2000).collect::<String>()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a run that did nothing.
pub async fn discard(conn: &mut PgConnection, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM job_runs WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobRun {
    pub id: Uuid,
    pub job: String,
    pub tenant_id: Option<TenantId>,
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub done: i64,
    pub failed: i64,
    pub error: Option<String>,
    /// The process that ran it (`host:pid`, [`this_node`]).
    pub node: Option<String>,
}

/// The latest runs, newest first: all of them (`tenant` None, the operator's view), or those for
/// one tenant.
pub async fn list(
    conn: &mut PgConnection,
    tenant: Option<TenantId>,
    job: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRun>> {
    Ok(sqlx::query_as(
        "SELECT id, job, tenant_id, trigger, started_at, finished_at, done, failed, error, node FROM job_runs
          WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR job = $2)
          ORDER BY started_at DESC, id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(job)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The runs a tenant may see: its own and those over all tenants, newest first.
pub async fn list_for_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
    job: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRun>> {
    Ok(sqlx::query_as(
        "SELECT id, job, tenant_id, trigger, started_at, finished_at, done, failed, error, node FROM job_runs
          WHERE (tenant_id = $1 OR tenant_id IS NULL) AND ($2::text IS NULL OR job = $2)
          ORDER BY started_at DESC, id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(job)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
