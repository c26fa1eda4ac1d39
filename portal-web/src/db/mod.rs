//! Opening the database: a configured PostgreSQL, or the embedded one (pglite-oxide) with its
//! data in a local folder, owned by one process at a time (`embedded`).

pub mod embedded;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::{DatabaseConfig, redact_url};
use embedded::EmbeddedPostgres;

pub struct Database {
    pub pool: PgPool,
    pub mode: DatabaseMode,
    embedded: Mutex<Option<EmbeddedPostgres>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("mode", &self.mode).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseMode {
    Server,
    /// This process owns the data folder and runs the embedded server.
    Embedded {
        dir: PathBuf,
    },
}

/// A connection idle for longer than this is checked (a round trip) before a request gets it.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// The pool options of a PostgreSQL server (`billing serve`, the CLI, `billing bench`).
///
/// sqlx's default pings every connection before it hands it out (`test_before_acquire`): one
/// more round trip per request, and the largest single cost of a primary-key read measured by
/// `billing bench api` (issue 15, docs/adr/0041). Only a connection that sat idle for
/// [`PING_AFTER_IDLE`] is pinged now (after a quiet spell is when the server or a proxy may have
/// dropped it); one in steady use is handed out as it is, and a connection that breaks anyway
/// fails its query, is closed by sqlx and replaced.
pub fn server_pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new().max_connections(max_connections).test_before_acquire(false).before_acquire(|conn, meta| {
        Box::pin(async move {
            if meta.idle_for >= PING_AFTER_IDLE {
                sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    })
}

impl Database {
    /// A PostgreSQL server at `database.url`.
    pub async fn open_server(cfg: &DatabaseConfig, url: &str) -> anyhow::Result<Self> {
        tracing::info!(url = %redact_url(url), "connecting to PostgreSQL");
        let pool = server_pool_options(cfg.max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .with_context(|| format!("connecting to {}", redact_url(url)))?;
        Ok(Self { pool, mode: DatabaseMode::Server, embedded: Mutex::new(None) })
    }

    /// Starts the embedded server of a folder this process owns (see [`embedded::try_own`]).
    pub async fn open_embedded(owner: &embedded::OwnerLock, cfg: &DatabaseConfig) -> anyhow::Result<Self> {
        let dir = owner.dir().to_path_buf();
        tracing::info!(dir = %dir.display(), "starting embedded PostgreSQL");
        let pg_dir = dir.join("pg");
        let server = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&pg_dir))
            .await?
            .context("starting the embedded PostgreSQL")?;
        // The embedded server serves one connection: the pool holds exactly that one for the
        // life of the process (opened by `connect`, never closed when idle, never recycled), and
        // requests queue for it. Waiting is bounded, so a stuck request fails instead of
        // hanging. No `min_connections`: its background task can open a replacement connection
        // while the pool closes, which the one-connection server then waits on forever.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(cfg.embedded_acquire_timeout_secs))
            .connect(&server.url())
            .await
            .context("connecting to the embedded PostgreSQL")?;
        Ok(Self { pool, mode: DatabaseMode::Embedded { dir }, embedded: Mutex::new(Some(server)) })
    }

    /// Closes the pool, then stops the embedded server if this process runs one.
    pub async fn close(&self) {
        // A connection dropped by a finished task goes back to the pool in a task of its own; let
        // it arrive, so the close below ends it cleanly instead of leaving it open (bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.pool.size() as usize > self.pool.num_idle() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tracing::debug!(size = self.pool.size(), idle = self.pool.num_idle(), "closing the pool");
        self.pool.close().await;
        tracing::debug!(size = self.pool.size(), idle = self.pool.num_idle(), "pool closed");
        let server = self.embedded.lock().map(|mut s| s.take()).unwrap_or_default();
        if let Some(server) = server {
            let _ = tokio::task::spawn_blocking(move || server.stop()).await;
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        billing_core::store::MIGRATOR.run(&self.pool).await.context("running migrations")?;
        Ok(())
    }
}
