//! The sandbox gateway's records in PostgreSQL (table `sandbox_records`, sequence `sandbox_ids`):
//! every `billing` process on one database sees one sandbox provider, whose state survives
//! restarts and whose ids never repeat.
//!
//! A unit of work is a transaction holding a transaction-scoped advisory lock on the account, so
//! sandbox operations on one account run one at a time across processes, like requests a real
//! provider serializes per idempotency key. The sandbox is only called while the caller holds no
//! connection, so taking one here never waits on the caller (the embedded database has one).

use std::sync::Arc;

use async_trait::async_trait;
use billing_core::ids::TenantId;
use gateway_adapters::sandbox::store::{SandboxStore, SandboxStores, SandboxTx, StoreError};
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// Gives every sandbox account a store over `pool`.
pub struct PgSandboxStores {
    pool: PgPool,
}

impl PgSandboxStores {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl SandboxStores for PgSandboxStores {
    fn store(&self, tenant: TenantId, account: Uuid) -> Arc<dyn SandboxStore> {
        Arc::new(PgSandboxStore { pool: self.pool.clone(), tenant, account })
    }
}

struct PgSandboxStore {
    pool: PgPool,
    tenant: TenantId,
    account: Uuid,
}

fn failed(e: sqlx::Error) -> StoreError {
    e.to_string()
}

#[async_trait]
impl SandboxStore for PgSandboxStore {
    async fn begin(&self) -> Result<Box<dyn SandboxTx>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        billing_core::store::locks::lock_for_transaction(&mut tx, &format!("billing.sandbox.{}", self.account))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Box::new(PgSandboxTx { tx, tenant: self.tenant, account: self.account }))
    }
}

struct PgSandboxTx {
    tx: Transaction<'static, Postgres>,
    tenant: TenantId,
    account: Uuid,
}

#[async_trait]
impl SandboxTx for PgSandboxTx {
    async fn get(&mut self, kind: &str, key: &str) -> Result<Option<Value>, StoreError> {
        sqlx::query_scalar(
            "SELECT value FROM sandbox_records WHERE tenant_id = $1 AND gateway_account_id = $2 AND kind = $3 AND key = $4",
        )
        .bind(self.tenant)
        .bind(self.account)
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(failed)
    }

    async fn put(&mut self, kind: &str, key: &str, value: Value) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sandbox_records (tenant_id, gateway_account_id, kind, key, value) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, gateway_account_id, kind, key) DO UPDATE SET value = EXCLUDED.value",
        )
        .bind(self.tenant)
        .bind(self.account)
        .bind(kind)
        .bind(key)
        .bind(value)
        .execute(&mut *self.tx)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn remove(&mut self, kind: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM sandbox_records WHERE tenant_id = $1 AND gateway_account_id = $2 AND kind = $3 AND key = $4",
        )
        .bind(self.tenant)
        .bind(self.account)
        .bind(kind)
        .bind(key)
        .execute(&mut *self.tx)
        .await
        .map_err(failed)?;
        Ok(())
    }

    async fn list(&mut self, kind: &str) -> Result<Vec<(String, Value)>, StoreError> {
        sqlx::query_as(
            "SELECT key, value FROM sandbox_records WHERE tenant_id = $1 AND gateway_account_id = $2 AND kind = $3
             ORDER BY key",
        )
        .bind(self.tenant)
        .bind(self.account)
        .bind(kind)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(failed)
    }

    async fn next_number(&mut self, _kind: &str) -> Result<u64, StoreError> {
        // One sequence for every kind and account: an id is unique in the whole database, and a
        // sequence never hands a number out twice, even to transactions that roll back.
        let n: i64 =
            sqlx::query_scalar("SELECT nextval('sandbox_ids')").fetch_one(&mut *self.tx).await.map_err(failed)?;
        u64::try_from(n).map_err(|e| e.to_string())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(failed)
    }
}
