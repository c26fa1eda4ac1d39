//! The request log's writer (`api::request_logs` queues the entries): one task per process writes
//! them in batches. Apart from the web layer's state so that the state does not import the API.

use std::sync::OnceLock;

use billing_core::store::request_log::RequestLogEntry;

/// Entries waiting at most; beyond it new entries are dropped with a warning (the log never slows
/// or fails a request).
const QUEUE: usize = 10_000;
/// Entries written by one statement at most.
const BATCH: usize = 500;

/// Writes request-log entries in batches from one task per process: every entry that queued
/// while the previous statement ran, and those that come within `batching::LINGER` more, go into
/// the next one, so under load a request costs a share of one insert and one commit instead of a
/// round trip and a commit of its own.
#[derive(Debug, Default)]
pub struct RequestLogWriter {
    queue: OnceLock<tokio::sync::mpsc::Sender<(billing_core::ids::TenantId, RequestLogEntry)>>,
}

impl RequestLogWriter {
    /// Queues the entry; the writing task starts on first use, on the runtime of the request.
    pub fn send(&self, pool: &sqlx::PgPool, tenant: billing_core::ids::TenantId, entry: RequestLogEntry) {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
            tokio::spawn(write_batches(pool.clone(), rx));
            tx
        });
        if queue.try_send((tenant, entry)).is_err() {
            tracing::warn!("request log queue full or closed: an entry was dropped");
        }
    }
}

async fn write_batches(
    pool: sqlx::PgPool,
    mut rx: tokio::sync::mpsc::Receiver<(billing_core::ids::TenantId, RequestLogEntry)>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while crate::batching::next(&mut rx, &mut batch, BATCH).await {
        if let Err(e) = billing_core::service::request_log::record_many(&pool, &batch).await {
            tracing::warn!(error = %e, entries = batch.len(), "request log entries not written");
        }
        batch.clear();
    }
}
