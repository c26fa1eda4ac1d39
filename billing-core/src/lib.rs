//! billing-core: the engine.
//!
//! Pure domain modules (no I/O, no clock): `money`, `currency`, `rounding`, `ids`, `country`,
//! `email`, `catalog`, `period`, `subscription`, `invoice`, `customer`, `tenant`, `text`.
//! Credentials at rest: `secrets`.
//! Engine modules (async, PostgreSQL): `store`, `service`, `jobs`; ports in `clock`.
#![deny(clippy::float_arithmetic)]

pub mod catalog;
pub mod clock;
pub mod country;
pub mod coupon;
pub mod currency;
pub mod customer;
pub mod einvoice;
pub mod email;
pub mod error;
pub mod fx;
pub mod ids;
pub mod invoice;
pub mod jobs;
pub mod money;
pub mod outbox;
pub mod party;
pub mod period;
pub mod ports;
pub mod proration;
pub mod rating;
pub mod rounding;
pub mod run_report;
pub mod secrets;
pub mod service;
pub mod store;
pub mod subscription;
pub mod tax;
pub mod tenant;
pub mod text;
pub mod usage;

pub use error::{Error, Result};
