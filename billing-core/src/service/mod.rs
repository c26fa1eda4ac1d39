//! Use cases: each validates its input into domain types, then loads, calls pure code and
//! persists on the connection it is given (the caller owns the transaction).

pub mod api_keys;
pub mod balance;
pub mod bank_transfer;
pub mod bench;
pub mod billing_questions;
pub mod catalog;
pub mod coupons;
pub mod customers;
pub mod delivery;
pub mod dunning;
pub mod einvoices;
pub mod events;
pub mod exports;
pub mod gateway_accounts;
pub mod help;
pub mod idempotency;
pub mod invoice_runs;
pub mod invoices;
pub mod invoicing;
pub mod method_setups;
pub mod metrics;
pub mod payments;
pub mod refunds;
pub mod request_log;
pub mod settlement;
pub mod signup;
pub mod simulation;
pub mod staff;
pub mod subscriptions;
pub mod surveys;
pub mod tenants;
pub mod usage;
pub mod vat_check;
pub mod webhook_endpoints;
pub mod webhooks;
