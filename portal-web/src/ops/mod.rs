//! Operations that several fronts share (the API, the command line, the portal and console to
//! come), with no HTTP types: each takes plain input and answers data or its own error, which
//! every front renders in its way.
//!
//! - [`bank_import`]: read and reconcile a bank statement file.
//! - [`exports`]: the CSV exports (documents, payments, metric reports).
//! - [`run_report`]: an invoice run as finance staff read it (record, exceptions, totals in the
//!   reporting currency) and its CSV report.
//! - [`staff`]: staff accounts (passwords, invitations, TOTP) for the console, the API and the CLI.

pub mod bank_import;
pub mod exports;
pub mod run_report;
pub mod staff;
