//! portal-web: the HTTP front (REST API, the customer portal, health, metrics), configuration, database bootstrap,
//! localization, the demo seed and the command line of the `billing` binary.

pub mod analytics;
pub mod api;
pub mod api_key_cache;
pub mod app;
pub mod batching;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod demo_history;
pub mod einvoice;
pub mod fx_source;
pub mod i18n;
pub mod mail;
pub mod ops;
pub mod page_view_writer;
pub mod pdf;
pub mod portal;
pub mod ratelimit;
pub mod request_log_writer;
pub mod sandbox_store;
pub mod sandbox_webhooks;
pub mod scheduler;
pub mod server;
pub mod sim_clock;
pub mod state;
pub mod telemetry;
pub mod tenant_cache;
pub mod usage_ingest;
pub mod vies;
pub mod web;
pub mod webhook_delivery;
