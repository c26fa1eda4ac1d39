//! Opening the database: a configured PostgreSQL, or the embedded one (pglite-oxide) with its
//! data in a local folder.
//!
//! The embedded server runs inside the first `billing` process that opens the folder and serves
//! one connection at a time, so that process uses a pool of one connection that it gives back
//! after a second idle. It writes `billing-server.json` into the folder; a second `billing`
//! process (say `invoice-run` while `demo` serves) finds that file and connects to the running
//! server as a client instead of trying to open the folder itself (the folder is locked).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::{DatabaseConfig, redact_url};

const SERVER_FILE: &str = "billing-server.json";

pub struct Database {
    pub pool: PgPool,
    pub mode: DatabaseMode,
    embedded: Option<EmbeddedServer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseMode {
    Server,
    /// This process runs the embedded server.
    Embedded {
        dir: PathBuf,
    },
    /// Another `billing` process runs the embedded server; this one is its client.
    EmbeddedClient {
        dir: PathBuf,
    },
}

struct EmbeddedServer {
    server: Option<pglite_oxide::PgliteServer>,
    file: PathBuf,
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
        if let Some(server) = self.server.take() {
            let _ = server.shutdown();
        }
    }
}

impl Database {
    pub async fn open(cfg: &DatabaseConfig) -> anyhow::Result<Self> {
        match &cfg.url {
            Some(url) => {
                tracing::info!(url = %redact_url(url.expose()), "connecting to PostgreSQL");
                let pool = PgPoolOptions::new()
                    .max_connections(cfg.max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url.expose())
                    .await
                    .with_context(|| format!("connecting to {}", redact_url(url.expose())))?;
                Ok(Self { pool, mode: DatabaseMode::Server, embedded: None })
            }
            None => Self::open_embedded(&cfg.embedded_dir).await,
        }
    }

    async fn open_embedded(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating data folder {}", dir.display()))?;
        let dir = dir.canonicalize()?;
        let file = dir.join(SERVER_FILE);
        if let Some(url) = running_server_url(&file) {
            tracing::info!(dir = %dir.display(), "connecting to the embedded PostgreSQL of a running billing process");
            let pool = single_connection_pool(&url).await?;
            return Ok(Self { pool, mode: DatabaseMode::EmbeddedClient { dir }, embedded: None });
        }
        tracing::info!(dir = %dir.display(), "starting embedded PostgreSQL");
        let pg_dir = dir.join("pg");
        let server = tokio::task::spawn_blocking(move || pglite_oxide::PgliteServer::builder().path(pg_dir).start())
            .await?
            .context("starting the embedded PostgreSQL (is another process using the data folder?)")?;
        let url = server.database_url();
        let info = serde_json::json!({ "pid": std::process::id(), "database_url": url });
        std::fs::write(&file, serde_json::to_vec_pretty(&info)?)?;
        let embedded = EmbeddedServer { server: Some(server), file };
        let pool = single_connection_pool(&url).await?;
        Ok(Self { pool, mode: DatabaseMode::Embedded { dir }, embedded: Some(embedded) })
    }

    /// Closes the pool, then stops the embedded server if this process runs one.
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(embedded) = self.embedded.take() {
            let _ = tokio::task::spawn_blocking(move || drop(embedded)).await;
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        billing_core::store::MIGRATOR.run(&self.pool).await.context("running migrations")?;
        Ok(())
    }
}

/// One connection, handed back when idle so that another process can take its turn.
async fn single_connection_pool(url: &str) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(Duration::from_secs(1))
        .acquire_timeout(Duration::from_secs(120))
        .connect(url)
        .await
        .context("connecting to the embedded PostgreSQL")
}

/// The URL in the server file if the process that wrote it is still alive.
fn running_server_url(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let info: serde_json::Value = serde_json::from_str(&text).ok()?;
    let pid = info.get("pid")?.as_u64()?;
    let alive = Path::new(&format!("/proc/{pid}")).exists() && pid != u64::from(std::process::id());
    if !alive {
        let _ = std::fs::remove_file(file);
        return None;
    }
    info.get("database_url")?.as_str().map(str::to_string)
}
