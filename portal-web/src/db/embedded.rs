//! The embedded PostgreSQL (pglite-oxide) and the one process that owns it.
//!
//! One `billing` process at a time owns a data folder. It holds an exclusive lock on
//! `owner.lock` in the folder (the kernel releases it when the process ends, however it ends, so
//! a stale pid, a zombie or a reused pid can never block the folder), runs the embedded server
//! and is its only client: one connection, opened once and kept for the life of the process. It
//! writes `billing-server.json` (its pid and the address and token of its operator endpoint) so
//! that other `billing` commands on the same folder send their work to it (`cli::remote`)
//! instead of opening a second connection, which the embedded server cannot serve.
//! docs/adr/0018 has the reasons.
//!
//! The server's accept loop is our own: pglite-oxide's stops serving for good when one
//! connection fails (a client killed mid-query); ours logs the failure and accepts the next.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use anyhow::Context;
use serde::{Deserialize, Serialize};

const LOCK_FILE: &str = "owner.lock";
const SERVER_FILE: &str = "billing-server.json";

/// What the owner of a data folder tells the other `billing` processes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerInfo {
    pub pid: u32,
    /// The operator endpoint on loopback that runs other processes' commands.
    pub ops_url: String,
    /// Bearer token for `ops_url`; the file is readable by its owner only.
    pub token: String,
    /// The HTTP address when the owner serves (`billing serve`/`demo`).
    #[serde(default)]
    pub serving_url: Option<String>,
}

/// The exclusive right to a data folder, for as long as this value lives.
#[derive(Debug)]
pub struct OwnerLock {
    _file: File,
    dir: PathBuf,
}

impl OwnerLock {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Publishes `info` for other processes (atomically: written aside, then renamed).
    pub fn publish(&self, info: &ServerInfo) -> anyhow::Result<()> {
        let tmp = self.dir.join(format!("{SERVER_FILE}.{}", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        file.write_all(&serde_json::to_vec_pretty(info)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, self.dir.join(SERVER_FILE))?;
        Ok(())
    }

    /// Withdraws the published info: new commands stop coming; the lock stays held.
    pub fn withdraw(&self) {
        let _ = std::fs::remove_file(self.dir.join(SERVER_FILE));
    }
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// Takes the folder if no live process owns it; `None` when another one does.
pub fn try_own(dir: &Path) -> anyhow::Result<Option<OwnerLock>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating data folder {}", dir.display()))?;
    let dir = dir.canonicalize()?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(OwnerLock { _file: file, dir })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", path.display())),
    }
}

/// What the current owner published, if anything (a file being replaced reads as absent).
pub fn read_info(dir: &Path) -> Option<ServerInfo> {
    let text = std::fs::read(dir.join(SERVER_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// The embedded PostgreSQL server, served on a loopback port by a supervised accept loop.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    addr: SocketAddr,
    shutdown: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedPostgres {
    /// Prepares the cluster in `pg_dir` (created on first use) and starts serving. Blocking: call
    /// it from `spawn_blocking`.
    pub fn start(pg_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(pg_dir)?;
        pglite_oxide::install_and_init_in(pg_dir).context("preparing the embedded PostgreSQL")?;
        let proxy = pglite_oxide::PgliteProxy::new(pg_dir);
        let listener = TcpListener::bind(("127.0.0.1", 0)).context("binding the embedded PostgreSQL")?;
        let addr = listener.local_addr()?;
        let shutdown = Arc::new(AtomicBool::new(false));
        let stop = shutdown.clone();
        let thread = std::thread::Builder::new().name("embedded-postgres".into()).spawn(move || {
            // One connection at a time, as the embedded server works. A connection that fails
            // (its client died mid-query) ends that connection's backend, not the server: the
            // next client gets a fresh backend, which recovers from the WAL like PostgreSQL does
            // after a crash.
            while !stop.load(Ordering::SeqCst) {
                if let Err(e) = proxy.accept_tcp_once(&listener)
                    && !stop.load(Ordering::SeqCst)
                {
                    tracing::warn!(error = %format!("{e:#}"), "an embedded PostgreSQL connection failed; still serving");
                }
            }
        })?;
        Ok(Self { addr, shutdown, thread: Some(thread) })
    }

    pub fn url(&self) -> String {
        // `template1` is the database pglite's server opens by default; earlier data folders hold
        // their tables there.
        format!("postgresql://postgres@{}/template1?sslmode=disable", self.addr)
    }

    /// Stops accepting and waits for the serving thread. Close the pool first.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        // Wakes the blocking accept; the connection closes at once, which the loop handles.
        let _ = TcpStream::connect(self.addr);
        let Some(thread) = self.thread.take() else { return };
        // A client connection left open would keep the serving thread reading forever: wait a
        // bounded time, then leave it to the process's end. PostgreSQL recovers from the WAL at
        // the next start, as after any hard stop.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::warn!("the embedded PostgreSQL still had a client at shutdown; stopped without waiting for it");
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop_inner();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("billing-owner-{}", uuid::Uuid::now_v7().simple()));
        let first = try_own(&dir).expect("lock").expect("free folder is taken");
        assert!(try_own(&dir).expect("lock").is_none(), "a held folder cannot be taken twice");
        first
            .publish(&ServerInfo { pid: 1, ops_url: "http://x".into(), token: "t".into(), serving_url: None })
            .unwrap();
        assert_eq!(read_info(&dir).expect("published").ops_url, "http://x");
        drop(first);
        assert!(read_info(&dir).is_none(), "the info goes with the owner");
        assert!(try_own(&dir).expect("lock").is_some(), "a released folder can be taken");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
