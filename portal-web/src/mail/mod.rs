//! Mail: `[mail]` settings, rendering (askama layouts, Fluent `mail` strings, tenant branding),
//! the way out (SMTP through lettre, or `.eml` files), and the mail job that sends what the
//! outbox fanned out (docs/adr/0020).

pub mod charge_texts;
pub mod config;
pub mod render;
pub mod transport;
pub mod worker;

pub use charge_texts::FluentChargeTexts;
pub use config::MailConfig;
pub use worker::{MailRun, Mailer, run};
