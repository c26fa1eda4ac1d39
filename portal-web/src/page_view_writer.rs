//! The portal's page views (`portal::ctx::Portal::viewed` queues them): one task per process
//! writes them in batches, as the request log's writer does (issue 15, docs/adr/0043). A page
//! view is analytics: it never costs a page a connection, a round trip or a commit of its own.

use std::sync::OnceLock;

use billing_core::store::portal::PageView;

/// Views waiting at most; beyond it new views are dropped with a warning (analytics never slow
/// or fail a page).
const QUEUE: usize = 10_000;
/// Views written by one statement at most.
const BATCH: usize = 500;

/// Writes page views in batches from one task per process: every view that queued while the
/// previous statement ran, and those that come within `batching::LINGER` more, go into the next
/// one.
#[derive(Debug, Default)]
pub struct PageViewWriter {
    queue: OnceLock<tokio::sync::mpsc::Sender<PageView>>,
}

impl PageViewWriter {
    /// Queues the view; the writing task starts on first use, on the runtime of the request.
    pub fn send(&self, pool: &sqlx::PgPool, view: PageView) {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
            tokio::spawn(write_batches(pool.clone(), rx));
            tx
        });
        if queue.try_send(view).is_err() {
            tracing::warn!("page view queue full or closed: a view was dropped");
        }
    }
}

async fn write_batches(pool: sqlx::PgPool, mut rx: tokio::sync::mpsc::Receiver<PageView>) {
    let mut batch = Vec::with_capacity(BATCH);
    while crate::batching::next(&mut rx, &mut batch, BATCH).await {
        let written = match pool.acquire().await {
            Ok(mut conn) => billing_core::store::portal::record_page_views(&mut conn, &batch).await,
            Err(e) => Err(e.into()),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, views = batch.len(), "page views not recorded");
        }
        batch.clear();
    }
}
