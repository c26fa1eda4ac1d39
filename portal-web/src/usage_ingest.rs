//! Group commit for usage events (`POST /api/v1/usage_events` and `/usage_events/batch` without
//! an `Idempotency-Key`; issue 15, docs/adr/0041).
//!
//! A request on its own costs a transaction: a connection, `BEGIN`, the tenant, the
//! subscriptions' lock, the insert and a `COMMIT` that waits for the WAL flush (about 3 ms on the
//! benchmark machine), so a collector sending events one by one was bounded by commits per second.
//! Here the requests hand their events to a queue and wait; [`WORKERS`] tasks per process take
//! whatever queued while they were busy (up to about [`MAX_GROUP_EVENTS`] events) and store it in
//! one transaction with `billing_core::service::usage::record_requests`, which accepts or refuses
//! each request as a whole and on its own, as its own transaction would have. Under load many
//! requests share one commit; when idle a request is stored at once (no timer, no added
//! latency). The answer goes back to each request only after the commit, so a 201 still means
//! the events are durable. If the group's transaction fails, its requests are stored again one
//! by one, so whatever failed it fails only its own request.
//!
//! Requests under an `Idempotency-Key` do not come here: their answer is stored in the same
//! transaction as their events (`api::idempotency::create_once`).

use std::sync::{Arc, OnceLock};

use billing_core::ids::TenantId;
use billing_core::service::usage::{Recorded, UsageInput};
use chrono::{DateTime, Utc};
use sqlx::Connection;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::api::error::ApiError;

/// A group takes requests until it holds this many events (a batch request's limit; one more
/// request may take it past that).
pub const MAX_GROUP_EVENTS: usize = billing_core::service::usage::MAX_BATCH;
/// Requests waiting at most; beyond it a request waits for room (back-pressure, never a drop).
const QUEUE: usize = 10_000;
/// Transactions in flight per process: while one group commits, the next one gathers and runs.
pub const WORKERS: usize = 2;

type Answer = oneshot::Sender<Result<Vec<Recorded>, ApiError>>;

struct Job {
    tenant: TenantId,
    events: Vec<UsageInput>,
    now: DateTime<Utc>,
    answer: Answer,
}

/// The per-process queue of usage requests (see the module documentation).
#[derive(Default)]
pub struct UsageIngest {
    queue: OnceLock<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for UsageIngest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageIngest").finish_non_exhaustive()
    }
}

impl UsageIngest {
    /// Stores a request's events (all or none) in the next group's transaction and answers when
    /// it committed. The workers start on first use, on the runtime of the request.
    pub async fn record(
        &self,
        pool: &sqlx::PgPool,
        tenant: TenantId,
        events: Vec<UsageInput>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Recorded>, ApiError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            let rx = Arc::new(Mutex::new(rx));
            for _ in 0..WORKERS {
                tokio::spawn(work(pool.clone(), rx.clone()));
            }
            tx
        });
        let (answer, answered) = oneshot::channel();
        queue.send(Job { tenant, events, now, answer }).await.map_err(|_| {
            tracing::error!("usage ingestion queue closed");
            ApiError::internal()
        })?;
        answered.await.map_err(|_| {
            tracing::error!("usage ingestion worker ended without an answer");
            ApiError::internal()
        })?
    }
}

async fn work(pool: sqlx::PgPool, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let mut jobs = Vec::new();
        {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut events = first.events.len();
            jobs.push(first);
            while events < MAX_GROUP_EVENTS {
                let Ok(next) = rx.try_recv() else { break };
                events += next.events.len();
                jobs.push(next);
            }
        }
        store_group(&pool, jobs).await;
    }
}

/// One transaction for the group; every job gets its own answer.
async fn store_group(pool: &sqlx::PgPool, jobs: Vec<Job>) {
    // One instant for the group's checks and `received_at`: the latest of its requests' (they
    // arrived while the previous group was stored).
    let now = jobs.iter().map(|j| j.now).max().unwrap_or_else(Utc::now);
    let (requests, answers): (Vec<(TenantId, Vec<UsageInput>)>, Vec<Answer>) =
        jobs.into_iter().map(|j| ((j.tenant, j.events), j.answer)).unzip();
    match in_one_transaction(pool, &requests, now).await {
        Ok(results) => {
            for (answer, result) in answers.into_iter().zip(results) {
                // A request that went away does not take its answer; its event is stored anyway.
                let _ = answer.send(result.map_err(ApiError::from));
            }
        }
        Err(e) if requests.len() > 1 => {
            // Whatever failed the group must not fail the others' requests: each on its own.
            tracing::warn!(error = %e, requests = requests.len(), "usage group failed; storing its requests one by one");
            for (request, answer) in requests.into_iter().zip(answers) {
                let result = match in_one_transaction(pool, std::slice::from_ref(&request), now).await {
                    Ok(mut one) => {
                        one.pop().unwrap_or_else(|| Err(billing_core::Error::invalid("events", "not recorded")))
                    }
                    Err(e) => Err(e),
                };
                let _ = answer.send(result.map_err(ApiError::from));
            }
        }
        Err(e) => {
            // One request: its own error, as when it had a transaction of its own.
            if let Some(answer) = answers.into_iter().next() {
                let _ = answer.send(Err(ApiError::from(e)));
            }
        }
    }
}

async fn in_one_transaction(
    pool: &sqlx::PgPool,
    requests: &[(TenantId, Vec<UsageInput>)],
    now: DateTime<Utc>,
) -> billing_core::Result<Vec<billing_core::Result<Vec<Recorded>>>> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let results = billing_core::service::usage::record_requests(&mut tx, requests, now).await?;
    tx.commit().await?;
    Ok(results)
}
