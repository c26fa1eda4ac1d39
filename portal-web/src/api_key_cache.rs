//! API keys remembered in memory for a short while (issue 15), so an API request does not look its
//! key up in the database every time.
//!
//! - An entry maps the key's SHA-256 digest (never the secret) to its tenant and lives at most
//!   [`ApiKeyCache::ttl`] (default 30 s). Unknown keys are not remembered: a failed check always
//!   asks the database (and the failed-authentication limiter counts it).
//! - Revocation is immediate: migration 20261208000610 makes every change to `api_keys` (an
//!   UPDATE such as a revocation or rotation, a DELETE) bump the row of `api_key_versions` and
//!   `NOTIFY billing_api_keys` in the same transaction. Each serving process listens
//!   ([`spawn_listener`], started by `billing serve`) and empties its cache when the notification
//!   arrives, which PostgreSQL delivers when the revoking transaction commits; code that revokes
//!   a key in this process may also call [`ApiKeyCache::invalidate`] right after its commit.
//! - Where no listener runs (the embedded database serves one connection: no second one to
//!   listen on), the cache compares the version counter instead, at most once per
//!   [`ApiKeyCache::recheck`] (1 s), so a revocation takes effect within that second there.
//!   In-process revocation calls [`ApiKeyCache::invalidate`] and takes effect at once.
//! - An entry is only stored if no invalidation happened while its lookup ran (a generation
//!   counter), so a lookup that raced a revocation cannot put the revoked key back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use billing_core::service::api_keys::{self, AuthenticatedKey};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The in-memory cache of API keys (see the module documentation).
#[derive(Debug)]
pub struct ApiKeyCache {
    entries: Mutex<HashMap<[u8; 32], (AuthenticatedKey, Instant)>>,
    /// Bumped by every invalidation.
    generation: AtomicU64,
    ttl: Duration,
    /// How often the version counter is compared when no listener runs.
    recheck: Duration,
    /// A listener receives the notifications: the counter need not be compared.
    listening: AtomicBool,
    /// The database counter last seen and when.
    seen: Mutex<(i64, Option<Instant>)>,
}

/// At most this many keys are remembered; past it the cache starts over (a merchant has a few).
const MAX_ENTRIES: usize = 10_000;

impl Default for ApiKeyCache {
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}

impl ApiKeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            ttl,
            recheck: Duration::from_secs(1),
            listening: AtomicBool::new(false),
            seen: Mutex::new((0, None)),
        }
    }

    /// Forgets every key: the next request of each asks the database again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    fn get(&self, digest: &[u8; 32], now: Instant, wall: DateTime<Utc>) -> Option<AuthenticatedKey> {
        let entries = self.entries.lock().ok()?;
        let (key, at) = entries.get(digest)?;
        // A rotated-away secret's overlap ends at its own time, not a time to live later.
        let fresh = now.duration_since(*at) < self.ttl && key.recheck_by.is_none_or(|by| wall < by);
        fresh.then(|| key.clone())
    }

    fn put(&self, digest: [u8; 32], key: AuthenticatedKey, generation: u64, at: Instant) {
        let Ok(mut entries) = self.entries.lock() else { return };
        // An invalidation during the lookup: the answer may be stale, do not keep it.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(digest, (key, at));
    }

    /// Without a listener: compares the database's version counter at most once per `recheck`
    /// and forgets everything when it moved.
    async fn follow_version(&self, pool: &PgPool, now: Instant) -> billing_core::Result<()> {
        if self.listening.load(Ordering::SeqCst) {
            return Ok(());
        }
        let due = self.seen.lock().map(|s| s.1.is_none_or(|at| now.duration_since(at) >= self.recheck)).unwrap_or(true);
        if !due {
            return Ok(());
        }
        let mut conn = pool.acquire().await?;
        let version = billing_core::service::tenants::api_key_version(&mut conn).await?;
        let moved = match self.seen.lock() {
            Ok(mut seen) => {
                let moved = seen.1.is_some() && seen.0 != version;
                *seen = (version, Some(now));
                moved
            }
            Err(_) => true,
        };
        if moved {
            self.invalidate();
        }
        Ok(())
    }

    /// The API key whose secret this is, from memory when it was seen within the time to live,
    /// else from the database (`service::api_keys::authenticate`, which also records its use at
    /// most once a minute: with the cache, a key in steady use is recorded when its entry is
    /// refreshed, so `last_used_at` lags by at most the time to live).
    pub async fn authenticate(
        &self,
        pool: &PgPool,
        secret: &str,
        wall: DateTime<Utc>,
    ) -> billing_core::Result<Option<AuthenticatedKey>> {
        let now = Instant::now();
        self.follow_version(pool, now).await?;
        let digest = billing_core::tenant::digest_api_key(secret);
        let Ok(digest): Result<[u8; 32], _> = digest.as_slice().try_into() else {
            let mut conn = pool.acquire().await?;
            return api_keys::authenticate(&mut conn, secret, wall).await;
        };
        if let Some(key) = self.get(&digest, now, wall) {
            return Ok(Some(key));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let mut conn = pool.acquire().await?;
        let found = api_keys::authenticate(&mut conn, secret, wall).await?;
        if let Some(key) = &found {
            self.put(digest, key.clone(), generation, now);
        }
        Ok(found)
    }
}

/// Listens for `billing_api_keys` on a connection of its own and empties `cache` on every
/// notification; while the connection is down (and once it is back) the cache follows the version
/// counter instead, so nothing revoked is served from memory for more than a second. Not for the
/// embedded database (one connection).
pub fn spawn_listener(pool: PgPool, cache: std::sync::Arc<ApiKeyCache>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(mut listener) => {
                    if listener.listen(billing_core::service::tenants::API_KEY_CHANNEL).await.is_ok() {
                        // Anything revoked before the listener was up is forgotten now.
                        cache.invalidate();
                        cache.listening.store(true, Ordering::SeqCst);
                        while listener.recv().await.is_ok() {
                            cache.invalidate();
                        }
                    }
                    cache.listening.store(false, Ordering::SeqCst);
                    cache.invalidate();
                }
                Err(e) => tracing::warn!(error = %e, "API key listener: cannot connect"),
            }
            if pool.is_closed() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use billing_core::ids::{ApiKeyId, TenantId};

    fn key(tenant: TenantId, recheck_by: Option<DateTime<Utc>>) -> AuthenticatedKey {
        AuthenticatedKey { tenant, id: ApiKeyId::new(), name: "k".into(), scopes: vec!["full".into()], recheck_by }
    }

    #[test]
    fn an_entry_expires_and_an_invalidation_during_a_lookup_is_not_undone() {
        let cache = ApiKeyCache::new(Duration::from_secs(30));
        let t = TenantId::new();
        let (now, wall) = (Instant::now(), Utc::now());
        let generation = cache.generation.load(Ordering::SeqCst);
        cache.put([1; 32], key(t, None), generation, now);
        assert_eq!(cache.get(&[1; 32], now, wall).map(|k| k.tenant.as_uuid()), Some(t.as_uuid()));
        assert!(cache.get(&[1; 32], now + Duration::from_secs(31), wall).is_none(), "expired");
        cache.invalidate();
        assert!(cache.get(&[1; 32], now, wall).is_none(), "invalidated");
        // A lookup that started before the invalidation must not store its answer.
        cache.put([2; 32], key(t, None), generation, now);
        assert!(cache.get(&[2; 32], now, wall).is_none());
    }

    #[test]
    fn a_rotated_away_secret_is_not_served_from_memory_past_its_overlap() {
        let cache = ApiKeyCache::new(Duration::from_secs(30));
        let (now, wall) = (Instant::now(), Utc::now());
        let overlap_end = wall + chrono::Duration::seconds(5);
        cache.put([3; 32], key(TenantId::new(), Some(overlap_end)), 0, now);
        assert!(cache.get(&[3; 32], now, wall).is_some(), "within the overlap");
        assert!(cache.get(&[3; 32], now, overlap_end).is_none(), "the overlap ended within the time to live");
    }
}
