//! Mail: `[mail]` settings, rendering (askama layouts, Fluent `mail` strings, tenant branding),
//! the way out (SMTP through lettre, or `.eml` files), and the mail job that sends what the
//! outbox fanned out (docs/adr/0020).

pub mod config;
pub mod render;
pub mod transport;
pub mod worker;

pub use config::MailConfig;
pub use worker::{MailRun, Mailer, run};
