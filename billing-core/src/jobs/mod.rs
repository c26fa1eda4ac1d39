//! Jobs: plain async functions that a scheduler, the CLI or a test calls with a clock reading.

pub mod collection;
pub mod invoice_run;
pub mod scheduled_invoice_run;
