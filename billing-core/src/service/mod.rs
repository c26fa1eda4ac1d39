//! Use cases: each validates its input into domain types, then loads, calls pure code and
//! persists on the connection it is given (the caller owns the transaction).

pub mod balance;
pub mod bank_transfer;
pub mod bench;
pub mod catalog;
pub mod coupons;
pub mod customers;
pub mod delivery;
pub mod dunning;
pub mod einvoices;
pub mod gateway_accounts;
pub mod idempotency;
pub mod invoice_runs;
pub mod invoices;
pub mod invoicing;
pub mod method_setups;
pub mod payments;
pub mod refunds;
pub mod settlement;
pub mod simulation;
pub mod subscriptions;
pub mod tenants;
pub mod usage;
pub mod vat_check;
pub mod webhooks;
