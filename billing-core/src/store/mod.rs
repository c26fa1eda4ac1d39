//! PostgreSQL storage through sqlx: one module per aggregate. Every function takes the
//! connection (or transaction) it runs on, so the calling service decides what is atomic, and
//! every query filters by tenant.

pub mod api_keys;
pub mod balance;
pub mod bank;
pub mod bench;
pub mod catalog;
pub mod console_settings;
pub mod coupons;
pub mod customers;
pub mod dunning;
pub mod einvoice;
pub mod events;
pub mod exports;
pub mod fx;
pub mod gateway_accounts;
pub mod help;
pub mod idempotency;
pub mod invoice_lifecycle;
pub mod invoice_payments;
pub mod invoices;
pub mod job_runs;
pub mod locks;
pub mod mail;
pub mod metrics;
pub mod outbox;
pub mod outbox_purge;
pub mod payment_attempts;
pub mod payment_methods;
pub mod planner;
pub mod portal;
pub mod predunning;
pub mod rate_limits;
pub mod recovery;
pub mod refunds;
pub mod request_log;
pub mod retry_decisions;
pub mod runs;
pub mod sepa_mandates;
pub mod staff;
pub mod subscriptions;
pub mod surveys;
pub mod tenants;
pub mod usage;
pub mod vat_checks;
pub mod webhook_endpoints;
pub mod webhooks;

use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Migrations embedded at build time from the workspace's `migrations/` folder.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Cursor pagination over time-ordered ids (`id > cursor ORDER BY id`).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u32,
    pub starting_after: Option<Uuid>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 100;

    pub fn new(limit: Option<i64>, starting_after: Option<Uuid>) -> Result<Self> {
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(l) if (1..=i64::from(Self::MAX_LIMIT)).contains(&l) => l as u32,
            Some(_) => {
                return Err(Error::invalid("limit", format!("must be from 1 to {}", Self::MAX_LIMIT)));
            }
        };
        Ok(Self { limit, starting_after })
    }

    /// Fetch one more row than asked: its presence is `has_more`.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    pub fn cursor(&self) -> Uuid {
        self.starting_after.unwrap_or(Uuid::nil())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    pub fn from_rows(mut rows: Vec<T>, req: PageRequest) -> Self {
        let has_more = rows.len() > req.limit as usize;
        rows.truncate(req.limit as usize);
        Page { items: rows, has_more }
    }

    pub fn try_map<U>(self, f: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_>>()?, has_more: self.has_more })
    }
}

/// A value read from the database that the domain refuses: the schema and the code disagree.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::Database(sqlx::Error::Decode(format!("stored {what} is invalid: {detail}").into()))
}
pub mod metrics_snapshots;
