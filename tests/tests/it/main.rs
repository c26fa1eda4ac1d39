//! The workspace-level end-to-end tests, one binary (each test binary links all of portal-web,
//! so one binary builds and links once): a module per area.

mod api;
mod art59c;
mod bank_transfer;
mod cli;
mod documents;
mod einvoice;
mod finance_run;
mod invoice_lifecycle;
mod invoice_run;
mod lifecycle;
mod payments;
mod payments_mollie;
mod payments_routing;
mod payments_stripe;
mod scheduler;
mod tax_inclusive;
mod vat;
mod vies;
