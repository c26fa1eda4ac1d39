//! The workspace-level end-to-end tests, one binary (each test binary links all of portal-web,
//! so one binary builds and links once): a module per area.

mod api;
mod art59c;
mod bank_transfer;
mod bench;
mod cli;
mod documents;
mod dunning;
mod einvoice;
mod embedded;
mod finance_run;
mod forged_webhooks;
mod hostile_input;
mod i18n;
mod idempotency;
mod invoice_lifecycle;
mod invoice_run;
mod lifecycle;
mod mail;
mod one_connection;
mod payments;
mod payments_mollie;
mod payments_routing;
mod payments_stripe;
mod portal;
mod refunds;
mod scheduler;
mod server_limits;
mod tax_inclusive;
mod two_servers;
mod vat;
mod vies;
