//! Rate limits per API key and per merchant that hold across several `billing serve` processes
//! (issue 16, docs/adr/0033).
//!
//! - **Fixed one-minute windows** per subject: `key:<id>` (`[api] rate_limit_per_key`),
//!   `tenant:<id>` (`rate_limit_per_tenant`) and, for usage-event ingestion, `ingest:<key id>`
//!   (`rate_limit_ingest_per_key`, higher; ingestion counts against it alone so a usage collector
//!   cannot starve the merchant's other integrations, and they cannot starve it). 0 turns a limit off.
//! - **Shared through PostgreSQL without a write per request**: each process counts in memory
//!   and adds its batch to the window's row (`api_rate_windows`) with one UPSERT that returns the
//!   total of every process. A process adds its batch when it holds `batch(limit)` uncounted
//!   requests (a twentieth of the limit, 1 to 100) or when it last did so a second ago or more.
//!   A request is admitted when what the process knows of the total (the last total it read,
//!   plus its own requests since) stays below the limit.
//! - **Error bound**: a process admits at most `batch(limit)` requests (plus those arriving while
//!   its UPSERT runs) without learning the total, so with `P` processes a window admits at most
//!   `limit + P × batch(limit)` requests; it never refuses before `limit` requests were admitted.
//! - A refused request counts nothing. The answer is `429 rate_limited` with `Retry-After` (the
//!   seconds until the window ends); every limited answer carries `RateLimit-Limit`,
//!   `RateLimit-Remaining` and `RateLimit-Reset` for the limit closest to running out.
//! - A failed UPSERT is logged and its batch kept for the next one: a database hiccup never
//!   refuses a request (the request itself meets the database anyway).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use billing_core::ids::{ApiKeyId, TenantId};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

use super::error::ApiError;

/// The limits, requests per minute; 0 is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimits {
    pub per_key: u32,
    pub per_tenant: u32,
    pub ingest_per_key: u32,
}

/// How long a window lasts, in seconds.
const WINDOW_SECS: i64 = 60;

/// How often a process adds its uncounted requests at the latest while it serves a subject.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// How many requests a process counts in memory before it adds them to the shared row.
pub fn batch(limit: u32) -> i64 {
    i64::from((limit / 20).clamp(1, 100))
}

/// What the answer tells the client about the limit closest to running out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends (1 to 60).
    pub reset: u32,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    /// The window (unix minute) these counts are of.
    window: i64,
    /// The total of every process the last UPSERT returned.
    known: i64,
    /// Added by UPSERTs that have not answered yet.
    in_flight: i64,
    /// Admitted here and not added to the shared row yet.
    pending: i64,
    synced: Instant,
}

impl Counter {
    fn used(&self) -> i64 {
        self.known + self.in_flight + self.pending
    }
}

/// A batch to add to the shared row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flush {
    subject: String,
    window: i64,
    n: i64,
}

/// The decision on one request, taken under the lock.
#[derive(Debug)]
struct Decision {
    admitted: bool,
    quota: Quota,
    flush: Vec<Flush>,
}

/// The limiter of a serving process (see the module documentation).
#[derive(Debug)]
pub struct ApiRateLimiter {
    limits: RateLimits,
    counters: Mutex<HashMap<String, Counter>>,
    /// The newest window whose predecessors this process deleted from the shared table.
    pruned: AtomicI64,
}

/// At most this many subjects are remembered; past it, the windows that ended are forgotten.
const MAX_SUBJECTS: usize = 100_000;

impl ApiRateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self { limits, counters: Mutex::new(HashMap::new()), pruned: AtomicI64::new(i64::MIN) }
    }

    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// The subjects a request of `key` counts against, with their limits (the ones that are on).
    fn subjects(&self, key: ApiKeyId, tenant: TenantId, ingest: bool) -> Vec<(String, u32)> {
        let all = if ingest {
            vec![(format!("ingest:{}", key.as_uuid()), self.limits.ingest_per_key)]
        } else {
            vec![
                (format!("key:{}", key.as_uuid()), self.limits.per_key),
                (format!("tenant:{}", tenant.as_uuid()), self.limits.per_tenant),
            ]
        };
        all.into_iter().filter(|(_, limit)| *limit > 0).collect()
    }

    /// Admits or refuses one request counting against `subjects` at `unix` seconds, `now` on
    /// the process's monotonic clock; says which batches to add to the shared rows.
    fn decide(&self, subjects: &[(String, u32)], unix: i64, now: Instant) -> Decision {
        let window = unix.div_euclid(WINDOW_SECS);
        let reset = u32::try_from(WINDOW_SECS - unix.rem_euclid(WINDOW_SECS)).unwrap_or(1);
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if counters.len() >= MAX_SUBJECTS {
            counters.retain(|_, c| c.window >= window);
        }
        let fresh = Counter { window, known: 0, in_flight: 0, pending: 0, synced: now };
        for (subject, _) in subjects {
            let c = counters.entry(subject.clone()).or_insert(fresh);
            if c.window != window {
                *c = fresh;
            }
        }
        let quota = |used: i64, limit: u32| Quota {
            limit,
            remaining: u32::try_from((i64::from(limit) - used).max(0)).unwrap_or(0),
            reset,
        };
        // Refused when any limit is used up: the one used up is the one to show.
        for (subject, limit) in subjects {
            let used = counters[subject].used();
            if used >= i64::from(*limit) {
                return Decision { admitted: false, quota: quota(used, *limit), flush: vec![] };
            }
        }
        let mut shown: Option<Quota> = None;
        let mut flush = Vec::new();
        for (subject, limit) in subjects {
            let Some(c) = counters.get_mut(subject) else { continue };
            c.pending += 1;
            let q = quota(c.used(), *limit);
            if shown.is_none_or(|s| q.remaining < s.remaining) {
                shown = Some(q);
            }
            if c.pending >= batch(*limit) || now.saturating_duration_since(c.synced) >= SYNC_EVERY {
                flush.push(Flush { subject: subject.clone(), window, n: c.pending });
                c.in_flight += c.pending;
                c.pending = 0;
                c.synced = now;
            }
        }
        Decision { admitted: true, quota: shown.unwrap_or(Quota { limit: 0, remaining: 0, reset }), flush }
    }

    /// What an UPSERT answered (`Some(total)`) or that it failed (`None`: the batch waits for the
    /// next one).
    fn settle(&self, f: &Flush, total: Option<i64>) {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let Some(c) = counters.get_mut(&f.subject).filter(|c| c.window == f.window) else { return };
        c.in_flight -= f.n;
        match total {
            // The total includes this batch. Batches of this process still in flight are counted
            // apart (`in_flight`) and may or may not be in it: subtracting them never counts a
            // request twice, so no request is refused before the limit (it may let a few more in,
            // which the error bound allows).
            Some(total) => c.known = c.known.max(total - c.in_flight.max(0)),
            None => c.pending += f.n,
        }
    }

    /// Counts a request of `key` against its limits. `Ok(None)`: no limit applies; `Ok(quota)`:
    /// admitted; `Err(quota)`: refused (nothing counted).
    pub async fn check(
        &self,
        pool: &PgPool,
        key: ApiKeyId,
        tenant: TenantId,
        ingest: bool,
        wall: DateTime<Utc>,
    ) -> Result<Option<Quota>, Quota> {
        let subjects = self.subjects(key, tenant, ingest);
        if subjects.is_empty() {
            return Ok(None);
        }
        let unix = wall.timestamp();
        let decision = self.decide(&subjects, unix, Instant::now());
        for f in &decision.flush {
            let start = Utc.timestamp_opt(f.window * WINDOW_SECS, 0).single().unwrap_or(wall);
            let total = match billing_core::service::rate_limits::add(pool, &f.subject, start, f.n).await {
                Ok(total) => Some(total),
                Err(e) => {
                    tracing::warn!(error = %e, "rate limit counters not shared");
                    None
                }
            };
            self.settle(f, total);
        }
        self.prune(pool, unix.div_euclid(WINDOW_SECS));
        if decision.admitted { Ok(Some(decision.quota)) } else { Err(decision.quota) }
    }

    /// Once a window per process: deletes the shared rows of the windows before the last one.
    fn prune(&self, pool: &PgPool, window: i64) {
        if self.pruned.fetch_max(window, Ordering::SeqCst) >= window {
            return;
        }
        let Some(before) = Utc.timestamp_opt((window - 1) * WINDOW_SECS, 0).single() else { return };
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(e) = billing_core::service::rate_limits::prune(&pool, before).await {
                tracing::warn!(error = %e, "old rate limit windows not deleted");
            }
        });
    }
}

/// Whether a request is usage-event ingestion (its own, higher limit).
pub fn is_ingestion(method: &Method, path: &str) -> bool {
    let path = path.strip_prefix(super::BASE).unwrap_or(path);
    method == Method::POST && matches!(path, "/usage_events" | "/usage_events/batch")
}

/// The answer to a refused request.
pub fn refusal(q: Quota) -> ApiError {
    let seconds = u64::from(q.reset.max(1));
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "error-rate-limited-key")
        .arg("seconds", seconds)
        .arg("limit", q.limit)
        .retry_after(seconds)
}

/// The request's quota, decided once: the idempotency layer and the handler both authenticate,
/// and only the first counts. The middleware below puts the slot in and the headers out.
#[derive(Debug, Clone, Default)]
pub struct QuotaSlot(pub Arc<OnceLock<Result<Option<Quota>, Quota>>>);

/// The middleware around the API router: gives every request a [`QuotaSlot`] and writes the
/// `RateLimit-*` headers of the quota authentication decided.
pub async fn layer(mut req: Request, next: Next) -> Response {
    let slot = QuotaSlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut response = next.run(req).await;
    if let Some(Ok(Some(q)) | Err(q)) = slot.0.get().copied() {
        let headers = response.headers_mut();
        for (name, value) in
            [("ratelimit-limit", q.limit), ("ratelimit-remaining", q.remaining), ("ratelimit-reset", q.reset)]
        {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects(limit: u32) -> Vec<(String, u32)> {
        vec![("key:a".into(), limit)]
    }

    #[test]
    fn a_process_counts_in_batches_and_refuses_at_the_limit() {
        let limiter = ApiRateLimiter::new(RateLimits { per_key: 40, ..RateLimits::default() });
        let (t0, unix) = (Instant::now(), 1_800_000_000 - 15);
        let mut flushes = 0;
        for n in 1..=40 {
            let d = limiter.decide(&subjects(40), unix, t0);
            assert!(d.admitted, "request {n}");
            assert_eq!(d.quota.remaining, 40 - n);
            assert_eq!(d.quota.reset, 15);
            for f in &d.flush {
                assert_eq!(f.n, 2, "a twentieth of the limit");
                flushes += 1;
                limiter.settle(f, Some(i64::from(n)));
            }
        }
        assert_eq!(flushes, 20, "one write per batch, not per request");
        let refused = limiter.decide(&subjects(40), unix, t0);
        assert!(!refused.admitted);
        assert_eq!((refused.quota.remaining, refused.quota.limit), (0, 40));
        // The next window starts afresh.
        assert!(limiter.decide(&subjects(40), unix + 15, t0).admitted);
    }

    #[test]
    fn another_process_s_total_is_learnt_at_the_next_batch() {
        let limiter = ApiRateLimiter::new(RateLimits::default());
        let (t0, unix) = (Instant::now(), 1_800_000_000);
        let d = limiter.decide(&subjects(40), unix, t0);
        assert!(d.flush.is_empty(), "one request: not a batch yet, not a second old");
        let d = limiter.decide(&subjects(40), unix, t0);
        // The other processes have added 37 meanwhile: 39 in all.
        limiter.settle(&d.flush[0], Some(39));
        assert!(limiter.decide(&subjects(40), unix, t0).admitted, "the 40th");
        assert!(!limiter.decide(&subjects(40), unix, t0).admitted, "the 41st");
    }

    #[test]
    fn a_second_old_count_is_shared_and_a_failed_write_is_kept() {
        let limiter = ApiRateLimiter::new(RateLimits::default());
        let (t0, unix) = (Instant::now(), 1_800_000_000);
        assert!(limiter.decide(&subjects(1000), unix, t0).flush.is_empty());
        let d = limiter.decide(&subjects(1000), unix, t0 + SYNC_EVERY);
        assert_eq!(d.flush, vec![Flush { subject: "key:a".into(), window: unix / 60, n: 2 }]);
        limiter.settle(&d.flush[0], None);
        let d = limiter.decide(&subjects(1000), unix, t0 + SYNC_EVERY * 2);
        assert_eq!(d.flush[0].n, 3, "the failed batch goes with the next");
    }

    #[test]
    fn the_quota_shown_is_the_closest_to_running_out_and_a_refusal_counts_nothing() {
        let limiter = ApiRateLimiter::new(RateLimits::default());
        let (t0, unix) = (Instant::now(), 1_800_000_000);
        let both = vec![("key:a".to_string(), 100), ("tenant:t".to_string(), 3)];
        for left in [2, 1, 0] {
            assert_eq!(limiter.decide(&both, unix, t0).quota.remaining, left);
        }
        assert!(!limiter.decide(&both, unix, t0).admitted);
        let counters = limiter.counters.lock().unwrap();
        assert_eq!(counters["key:a"].used(), 3, "the refused request is not counted against the key");
    }

    #[test]
    fn batches_grow_with_the_limit_within_bounds() {
        assert_eq!((batch(1), batch(40), batch(1200), batch(100_000)), (1, 2, 60, 100));
    }
}
