//! gateway-adapters: payment providers behind billing-core's `PaymentGateway` port (a built-in
//! deterministic sandbox, Stripe through async-stripe, Mollie over its REST API), one contract suite every adapter passes,
//! rule-based routing with failover, decline classification, and offline bank transfer (EPC QR
//! codes, statement import and reconciliation).

pub mod bank;
pub mod contract;
pub mod decline;
pub mod directory;
pub mod mollie;
pub mod router;
pub mod sandbox;
pub mod stripe;
