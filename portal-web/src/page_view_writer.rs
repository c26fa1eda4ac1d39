//! The portal's page views (`portal::ctx::Portal::viewed` queues them): one task per process
//! writes them in batches, as the request log's writer does (issue 15, docs/adr/0043). A page
//! view is analytics: it never costs a page a connection, a round trip or a commit of its own.

use std::sync::OnceLock;

use billing_core::store::planner::{self, Growth, Table};
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
    // The views grow `portal_events` quickly, and the pages read it (a customer's first visit,
    // the newest completed action): its statistics are refreshed each time this writer has
    // doubled the table, so that no connection keeps a plan made while it was nearly empty
    // (`store::planner::Growth`, docs/adr/0053).
    let mut growth: Option<Growth> = None;
    while crate::batching::next(&mut rx, &mut batch, BATCH).await {
        let written = match pool.acquire().await {
            Ok(mut conn) => write(&mut conn, &batch, &mut growth).await,
            Err(e) => Err(e.into()),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, views = batch.len(), "page views not recorded");
        }
        batch.clear();
    }
}

async fn write(
    conn: &mut sqlx::PgConnection,
    batch: &[PageView],
    growth: &mut Option<Growth>,
) -> billing_core::Result<()> {
    billing_core::store::portal::record_page_views(conn, batch).await?;
    let growth = match growth {
        Some(g) => g,
        None => growth.insert(Growth::new(planner::estimated_rows(conn, Table::PortalEvents).await?)),
    };
    if growth.wrote(batch.len()) {
        let estimate = async {
            planner::analyze(conn, Table::PortalEvents).await?;
            planner::estimated_rows(conn, Table::PortalEvents).await
        }
        .await;
        // A refresh that failed is tried again only after as many rows again, not every batch;
        // the views themselves are stored either way.
        growth.refreshed(*estimate.as_ref().unwrap_or(&0));
        match estimate {
            Ok(rows) => tracing::debug!(rows, "portal_events analyzed: the page views doubled it"),
            Err(e) => tracing::warn!(error = %e, "portal_events' statistics not refreshed"),
        }
    }
    Ok(())
}
