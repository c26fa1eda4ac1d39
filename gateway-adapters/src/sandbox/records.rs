//! The sandbox's records (what a provider keeps on its side: customers, stored methods, setups,
//! payments, the answers to idempotent requests) and a typed unit of work over its store.

use billing_core::money::Money;
use billing_core::ports::{GatewayCustomerRef, GatewayError, GatewayEvent, PaymentMethodRef};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::cards::{CardBehaviour, behaviour_of_tag};
use super::store::{SandboxTx, StoreError};

/// Provider customer id -> our customer id: the customers the sandbox knows.
pub(super) const CUSTOMER: &str = "customer";
/// Our customer id -> provider customer id, so that `ensure_customer` is idempotent.
pub(super) const CUSTOMER_OF: &str = "customer_of";
pub(super) const METHOD: &str = "method";
pub(super) const SETUP: &str = "setup";
pub(super) const PAYMENT: &str = "payment";
/// Payment ids of SEPA debits the bank has not settled yet.
pub(super) const DEBIT: &str = "debit";
/// Charge requests by idempotency key, with the answer to replay.
pub(super) const CHARGE: &str = "charge";
/// Refund requests by idempotency key, with the answer to replay.
pub(super) const REFUND: &str = "refund";

/// A stored payment method; `tag` names its behaviour (see `cards::behaviour_tag`).
#[derive(Serialize, Deserialize)]
pub(super) struct StoredMethod {
    pub customer: GatewayCustomerRef,
    pub tag: String,
}

impl StoredMethod {
    pub fn behaviour(&self) -> Option<CardBehaviour> {
        behaviour_of_tag(&self.tag)
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub(super) enum PaymentStatus {
    Succeeded,
    RequiresAction,
    /// A debit the bank has not settled yet.
    Pending,
    Failed,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Payment {
    pub amount: Money,
    pub status: PaymentStatus,
    pub refunded: Money,
    /// The idempotency key it was charged under (our attempt id), echoed in its webhooks.
    pub key: String,
    /// For a pending debit: the return code the bank will answer with, if any.
    pub debit_return: Option<String>,
    /// Why it failed, once it has.
    pub failure: Option<String>,
}

/// An idempotency record: the request as first seen and the outcome to replay.
#[derive(Serialize, Deserialize)]
pub(super) struct Replay<Req, Out> {
    pub request: Req,
    pub outcome: Out,
}

/// A card setup waiting for the customer's 3-D Secure, and how it ended.
#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(super) enum SetupState {
    /// `tag`: the suffix the method's id will carry.
    Waiting {
        customer: GatewayCustomerRef,
        tag: String,
    },
    Succeeded {
        method: PaymentMethodRef,
    },
    Failed,
}

/// Reported like a provider that could not be reached: the caller retries with the same key.
fn unavailable(e: StoreError) -> GatewayError {
    GatewayError::Transport(format!("sandbox records unavailable: {e}"))
}

fn unreadable(kind: &str, key: &str, e: serde_json::Error) -> GatewayError {
    GatewayError::Transport(format!("sandbox record {kind}/{key} unreadable: {e}"))
}

/// A unit of work on the records, and the webhooks it will emit once it has committed.
pub(super) struct Tx {
    inner: Box<dyn SandboxTx>,
    pub events: Vec<GatewayEvent>,
}

impl Tx {
    pub fn new(inner: Box<dyn SandboxTx>) -> Tx {
        Tx { inner, events: Vec::new() }
    }

    pub async fn get<T: DeserializeOwned>(&mut self, kind: &str, key: &str) -> Result<Option<T>, GatewayError> {
        match self.inner.get(kind, key).await.map_err(unavailable)? {
            Some(v) => serde_json::from_value(v).map(Some).map_err(|e| unreadable(kind, key, e)),
            None => Ok(None),
        }
    }

    pub async fn put<T: Serialize>(&mut self, kind: &str, key: &str, value: &T) -> Result<(), GatewayError> {
        // Records are plain structs of strings, numbers and enums: serializing cannot fail.
        let value = serde_json::to_value(value).map_err(|e| unreadable(kind, key, e))?;
        self.inner.put(kind, key, value).await.map_err(unavailable)
    }

    pub async fn remove(&mut self, kind: &str, key: &str) -> Result<(), GatewayError> {
        self.inner.remove(kind, key).await.map_err(unavailable)
    }

    pub async fn list<T: DeserializeOwned>(&mut self, kind: &str) -> Result<Vec<(String, T)>, GatewayError> {
        let rows = self.inner.list(kind).await.map_err(unavailable)?;
        rows.into_iter()
            .map(|(key, v)| serde_json::from_value(v).map(|t| (key.clone(), t)).map_err(|e| unreadable(kind, &key, e)))
            .collect()
    }

    /// A fresh id like `sbx_pi_17`: never handed out before, in any process sharing the store.
    pub async fn next_id(&mut self, kind: &str) -> Result<String, GatewayError> {
        let n = self.inner.next_number(kind).await.map_err(unavailable)?;
        Ok(format!("sbx_{kind}_{n}"))
    }

    /// Commits and hands back the events to emit (none if the commit fails).
    pub async fn commit(self) -> Result<Vec<GatewayEvent>, GatewayError> {
        self.inner.commit().await.map_err(unavailable)?;
        Ok(self.events)
    }
}
