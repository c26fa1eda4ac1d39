//! billing-core: the engine. Layers, each importing only those below it (docs/architecture.md):
//!
//! - **Pure domain** (no I/O, no clock, no randomness; `now` is an argument): `money`, `currency`,
//!   `rounding`, `ids`, `country`, `email`, `text`, `period`, `catalog`, `rating`, `usage`,
//!   `coupon`, `proration`, `subscription`, `invoice`, `customer`, `tenant`, `party`, `retry_rules`, `tax` (rates,
//!   place-of-supply rules, VAT IDs, Art. 59c), `fx`, `einvoice` (CII/UBL XML), `run_report`, `mail_report` (bounce and complaint reports);
//!   `error` (the one error type); `secrets` (credentials sealed at rest).
//! - `ports`: the traits the engine needs from outside, with their neutral types: `gateway`
//!   (payment providers), `clock`, `vat_registry` (VIES).
//! - `store`: every SQL statement, one module per aggregate; each function runs on the
//!   connection or transaction it is given. `store::locks` is the one lock helper.
//! - `service`: the use cases; each validates input into domain types, loads through `store`,
//!   calls pure code and persists on the connection it is given (the caller owns the
//!   transaction). `service::invoicing` is the invoice run's use case.
//! - `jobs`: thin `async fn`s that the scheduler, the CLI or a test start with a clock reading.
#![deny(clippy::float_arithmetic)]

pub mod api_keys;
pub mod card;
pub mod catalog;
pub mod country;
pub mod coupon;
pub mod currency;
pub mod customer;
pub mod datev;
pub mod default_interest;
pub mod dunning;
pub mod einvoice;
pub mod email;
pub mod error;
pub mod events;
pub mod fx;
pub mod help;
pub mod ids;
pub mod invoice;
pub mod jobs;
pub mod mail;
pub mod mail_report;
pub mod metrics;
pub mod money;
pub mod outbox;
pub mod party;
pub mod period;
pub mod ports;
pub mod profile;
pub mod proration;
pub mod rating;
pub mod retry_rules;
pub mod rounding;
pub mod run_report;
pub mod secrets;
pub mod sepa;
pub mod service;
pub mod staff;
pub mod store;
pub mod subscription;
pub mod survey;
pub mod tax;
pub mod tenant;
pub mod text;
pub mod usage;
pub mod webhook_endpoint;

pub use error::{Error, Result};
/// The clock port under its historical path (`billing_core::clock::SystemClock`).
pub use ports::clock;
