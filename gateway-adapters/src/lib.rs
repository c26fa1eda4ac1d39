//! gateway-adapters: payment providers behind billing-core's port, rule-based routing with
//! failover, decline classification, and offline bank transfer (EPC QR codes, statement import
//! and reconciliation).
//!
//! So far the pure parts: `router`, `decline`, `bank`. The provider adapters (sandbox, Stripe,
//! a second provider) and the ledger are the open part of issue 5.

pub mod bank;
pub mod decline;
pub mod router;
