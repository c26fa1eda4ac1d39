//! Where the sandbox keeps what a provider keeps on its side: JSON records by kind and key, and
//! the numbers in its ids. The records are the adapter's own (their types stay in this module's
//! parent); a store only holds them.
//!
//! `billing` gives every sandbox account a store over PostgreSQL (portal-web), so that all
//! processes on one database see one provider whose ids never repeat; [`MemoryStore`] serves the
//! adapter's own tests. A unit of work ([`SandboxStore::begin`]) is exclusive per account, in every
//! process, until it commits or is dropped (dropping discards its writes).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use billing_core::ids::TenantId;
use serde_json::Value;
use uuid::Uuid;

/// Why the store could not be used; the sandbox reports it as a transport failure (retryable).
pub type StoreError = String;

/// The records of one sandbox account.
#[async_trait]
pub trait SandboxStore: Send + Sync {
    async fn begin(&self) -> Result<Box<dyn SandboxTx>, StoreError>;
}

/// One unit of work on an account's records.
#[async_trait]
pub trait SandboxTx: Send {
    async fn get(&mut self, kind: &str, key: &str) -> Result<Option<Value>, StoreError>;
    async fn put(&mut self, kind: &str, key: &str, value: Value) -> Result<(), StoreError>;
    async fn remove(&mut self, kind: &str, key: &str) -> Result<(), StoreError>;
    /// Every record of `kind`, by key.
    async fn list(&mut self, kind: &str) -> Result<Vec<(String, Value)>, StoreError>;
    /// A number never handed out before for `kind`, by any process.
    async fn next_number(&mut self, kind: &str) -> Result<u64, StoreError>;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Gives each sandbox account its store.
pub trait SandboxStores: Send + Sync {
    fn store(&self, tenant: TenantId, account: Uuid) -> Arc<dyn SandboxStore>;
}

/// Records in this process's memory: one store per account, kept for the life of the process
/// (a rebuilt sandbox of the same account finds them again).
#[derive(Default)]
pub struct MemoryStores {
    stores: Mutex<HashMap<Uuid, Arc<MemoryStore>>>,
}

impl SandboxStores for MemoryStores {
    fn store(&self, _tenant: TenantId, account: Uuid) -> Arc<dyn SandboxStore> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        stores.entry(account).or_default().clone()
    }
}

type Records = BTreeMap<(String, String), Value>;

#[derive(Default)]
struct MemoryState {
    records: Records,
    counters: BTreeMap<String, u64>,
}

/// One account's records in memory. Share it between sandboxes to stand for two processes.
#[derive(Default)]
pub struct MemoryStore {
    state: Arc<tokio::sync::Mutex<MemoryState>>,
}

#[async_trait]
impl SandboxStore for MemoryStore {
    async fn begin(&self) -> Result<Box<dyn SandboxTx>, StoreError> {
        let guard = self.state.clone().lock_owned().await;
        Ok(Box::new(MemoryTx { guard, writes: BTreeMap::new(), counters: BTreeMap::new() }))
    }
}

/// Holds the account's lock; writes are staged and applied on commit.
struct MemoryTx {
    guard: tokio::sync::OwnedMutexGuard<MemoryState>,
    writes: BTreeMap<(String, String), Option<Value>>,
    counters: BTreeMap<String, u64>,
}

fn at(kind: &str, key: &str) -> (String, String) {
    (kind.to_owned(), key.to_owned())
}

#[async_trait]
impl SandboxTx for MemoryTx {
    async fn get(&mut self, kind: &str, key: &str) -> Result<Option<Value>, StoreError> {
        let k = at(kind, key);
        Ok(match self.writes.get(&k) {
            Some(staged) => staged.clone(),
            None => self.guard.records.get(&k).cloned(),
        })
    }

    async fn put(&mut self, kind: &str, key: &str, value: Value) -> Result<(), StoreError> {
        self.writes.insert(at(kind, key), Some(value));
        Ok(())
    }

    async fn remove(&mut self, kind: &str, key: &str) -> Result<(), StoreError> {
        self.writes.insert(at(kind, key), None);
        Ok(())
    }

    async fn list(&mut self, kind: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let mut found: BTreeMap<String, Value> = self
            .guard
            .records
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, key), v)| (key.clone(), v.clone()))
            .collect();
        for ((k, key), staged) in &self.writes {
            if k == kind {
                match staged {
                    Some(v) => found.insert(key.clone(), v.clone()),
                    None => found.remove(key),
                };
            }
        }
        Ok(found.into_iter().collect())
    }

    async fn next_number(&mut self, kind: &str) -> Result<u64, StoreError> {
        let committed = self.guard.counters.get(kind).copied().unwrap_or(0);
        let next = self.counters.get(kind).copied().unwrap_or(committed) + 1;
        self.counters.insert(kind.to_owned(), next);
        Ok(next)
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let writes = std::mem::take(&mut self.writes);
        for (k, staged) in writes {
            match staged {
                Some(v) => self.guard.records.insert(k, v),
                None => self.guard.records.remove(&k),
            };
        }
        let counters = std::mem::take(&mut self.counters);
        self.guard.counters.extend(counters);
        Ok(())
    }
}
