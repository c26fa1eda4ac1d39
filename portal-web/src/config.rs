//! Typed configuration: defaults, then an optional TOML file, then environment overrides
//! (`BILLING__SECTION__KEY=value`, plus the conventional `DATABASE_URL`), validated at start with
//! errors that name the key. Secrets are wrapped so they never reach a log line.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use billing_core::secrets::SecretBox;
use serde::Deserialize;

/// A value that prints as `[redacted]`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub invoice_run: InvoiceRunConfig,
    pub vies: ViesConfig,
    pub jobs: JobsConfig,
    pub metrics: MetricsConfig,
    pub secrets: SecretsConfig,
    pub mail: crate::mail::MailConfig,
    pub portal: PortalConfig,
    /// Outgoing webhooks to merchants' endpoints (docs/adr/0024).
    pub webhooks: crate::webhook_delivery::WebhooksConfig,
    pub api: ApiConfig,
    /// How long the outbox keeps what it has finished with (docs/adr/0032).
    pub outbox: OutboxConfig,
    /// Where the `fx-import` job takes the ECB's daily rates from (docs/adr/0037).
    pub fx: FxConfig,
    /// A simulated clock for tests and staging (docs/adr/0037); off unless set.
    pub clock: ClockConfig,
}

/// The ECB's daily reference rates for the `fx-import` job: from `url` (e.g.
/// `https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml`) or the newest `.xml`/`.csv`
/// file in `folder`. Both blank (the default): the job has nothing to import and is not scheduled.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FxConfig {
    pub url: String,
    pub folder: String,
}

/// A simulated clock: when `simulated_file` names a file, every reading of the time in this
/// process (the API, the jobs, `billing jobs run`) is the RFC 3339 instant written in it, which
/// stays put until the file changes. Processes that name the same file share one clock, which a
/// test advances a day at a time. Blank (the default): the system clock.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    pub simulated_file: String,
}

/// The outbox's retention: the `purge-outbox` job deletes events, mails and webhook deliveries
/// that are done (sent, delivered, failed for good) and older than `retention_days`; pending
/// ones are never deleted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxConfig {
    pub retention_days: u32,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self { retention_days: billing_core::service::outbox_purge::DEFAULT_RETENTION_DAYS }
    }
}

/// The API (docs/adr/0026).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// How many days the request log keeps an entry (`prune-request-log` job).
    pub request_log_days: u32,
    /// Requests per minute one API key may make, over every `billing serve` process (0: no
    /// limit). Usage-event ingestion counts against `rate_limit_ingest_per_key` instead.
    pub rate_limit_per_key: u32,
    /// Requests per minute all of a merchant's keys together may make (0: no limit).
    pub rate_limit_per_tenant: u32,
    /// Usage events requests (`POST /usage_events`, `/usage_events/batch`) per minute one key
    /// may make (0: no limit); counted apart from the other limits (docs/adr/0033).
    pub rate_limit_ingest_per_key: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            request_log_days: 30,
            rate_limit_per_key: 1200,
            rate_limit_per_tenant: 3000,
            rate_limit_ingest_per_key: 12_000,
        }
    }
}

impl ApiConfig {
    /// The API's rate limits (docs/adr/0033).
    pub fn rate_limits(&self) -> crate::api::rate_limits::RateLimits {
        crate::api::rate_limits::RateLimits {
            per_key: self.rate_limit_per_key,
            per_tenant: self.rate_limit_per_tenant,
            ingest_per_key: self.rate_limit_ingest_per_key,
        }
    }
}

/// The customer portal (docs/adr/0021).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortalConfig {
    /// The server's public address (`https://billing.example.com`), for the links in sign-in
    /// mails on the shared host (`/p/{tenant}/…`); a tenant's own domain links to itself. When
    /// absent, the request's `Host` is used: set it in production.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (served over https). The demo over plain http turns it off.
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in.
    pub session_hours: u32,
    /// Where the pages load Stripe.js from for a Stripe account's card form and a payment's 3-D
    /// Secure (docs/adr/0044): Stripe's own in production, localstripe's stand-in in tests.
    pub stripe_js_url: String,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            secure_cookies: true,
            session_hours: 12,
            stripe_js_url: "https://js.stripe.com/v3/".into(),
        }
    }
}

/// Where `/metrics` is served. Off the public port by default: it shows how many merchants,
/// customers and invoices there are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// A separate listen address for `/metrics` alone, e.g. `127.0.0.1:9464`; empty: none.
    pub bind: String,
    /// When set, `/metrics` is also served on the public address to requests with
    /// `Authorization: Bearer <token>` (at least 16 characters).
    pub token: Option<Secret>,
}

/// The key gateway credentials are sealed with at rest (docs/adr/0014).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsConfig {
    /// 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`. Production: set this (every
    /// process of an installation needs the same key).
    pub key: Option<Secret>,
    /// A file holding the key; default `secrets.key` in `database.embedded_dir`. Created with a
    /// random key (mode 0600) the first time a credential is stored, when neither is set.
    pub key_file: Option<PathBuf>,
}

/// When `billing serve` runs each scheduled job: cron expressions with seconds
/// (`sec min hour day-of-month month day-of-week`, UTC). A blank one disables that job; every job
/// can also be run by hand with `billing jobs run NAME`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Drafts past their grace period are finalized.
    pub finalize_drafts: String,
    /// Customers' credit balances pay their open invoices.
    pub apply_credit: String,
    /// EU VAT IDs that VIES has not confirmed or refuted yet are checked again.
    pub vies_recheck: String,
    /// Open invoices that are due are collected with the customers' payment methods.
    pub collect: String,
    /// The outbox is fanned out into mails and due mails are sent (`[mail]`).
    pub mail: String,
    /// Invoices whose collection failed take their tenant's dunning steps (retry, mail, write-off).
    pub dunning: String,
    /// The outbox is fanned out and due webhook deliveries are sent (`[webhooks]`).
    pub webhooks: String,
    /// API request log entries older than `[api] request_log_days` are deleted.
    pub prune_request_log: String,
    /// Pre-dunning notices: card expiring, trial ending, annual renewal, SEPA pre-notification.
    pub predunning: String,
    /// Finished outbox rows older than `[outbox] retention_days` are deleted.
    pub purge_outbox: String,
    /// How often the scheduled invoice run looks for tenants whose day has begun; each tenant's
    /// run for its today is due from `invoice_run_hour` in its own time zone, once.
    pub invoice_run: String,
    /// The tenant-local hour (0–23) from which the day's invoice run is due; 0: midnight.
    pub invoice_run_hour: u32,
    /// The ECB's daily rates are imported from `[fx]` (not scheduled while `[fx]` is blank).
    pub fx_import: String,
    /// Each tenant's MRR, active subscriptions and customers of its last whole day are kept
    /// per currency (`GET /api/v1/metrics/snapshots`).
    pub metrics_snapshot: String,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            finalize_drafts: "0 */5 * * * *".into(),
            apply_credit: "0 10 * * * *".into(),
            vies_recheck: "0 30 3 * * *".into(),
            collect: "0 0 6 * * *".into(),
            mail: "*/20 * * * * *".into(),
            dunning: "0 0 7 * * *".into(),
            webhooks: "*/20 * * * * *".into(),
            prune_request_log: "0 20 4 * * *".into(),
            predunning: "0 30 6 * * *".into(),
            purge_outbox: "0 40 4 * * *".into(),
            invoice_run: "0 */15 * * * *".into(),
            invoice_run_hour: 0,
            fx_import: "0 0 17 * * *".into(),
            metrics_snapshot: "0 5 * * * *".into(),
        }
    }
}

/// The VIES client (EU VAT ID confirmation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ViesConfig {
    /// Base URL of the VIES REST API (the `ms/{country}/vat/{number}` resource is below it).
    pub endpoint: String,
    /// Per request.
    pub timeout_ms: u64,
    /// Further attempts after a retryable failure (unavailable, busy, timeout).
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub retry_backoff_ms: u64,
}

impl Default for ViesConfig {
    fn default() -> Self {
        Self {
            endpoint: "https://ec.europa.eu/taxation_customs/vies/rest-api".into(),
            timeout_ms: 10_000,
            retries: 2,
            retry_backoff_ms: 1_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Largest accepted request body in bytes (413 beyond it).
    pub max_body_bytes: usize,
    /// A connection must complete its request headers within this time (also the keep-alive
    /// idle time); otherwise it is closed.
    pub header_timeout_ms: u64,
    /// After the headers, the whole body must arrive within this time (408 otherwise).
    pub body_timeout_ms: u64,
    /// Connections served at once; further ones wait in the operating system's queue.
    pub max_connections: usize,
    /// Failed API-key checks a client address may make in a row before it gets 429.
    pub auth_failure_burst: u32,
    /// Failed API-key checks a client address regains per minute.
    pub auth_failure_refill_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// PostgreSQL URL. Unset: an embedded PostgreSQL with its data in `embedded_dir`.
    pub url: Option<Secret>,
    pub embedded_dir: PathBuf,
    pub max_connections: u32,
    /// Embedded: how long a request waits for the one connection before it fails (seconds).
    pub embedded_acquire_timeout_secs: u64,
    /// Embedded: how long a command waits for a data folder that another `billing` process is
    /// starting or stopping before it gives up with an error (seconds).
    pub embedded_wait_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `portal_web=debug,info`.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InvoiceRunConfig {
    /// Subscriptions per transaction.
    pub chunk_size: u32,
    /// Connections that invoice one merchant's subscriptions at once (docs/adr/0042).
    pub workers: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let auth = crate::ratelimit::AuthLimits::default();
        Self {
            bind: "127.0.0.1:8080".into(),
            max_body_bytes: 1024 * 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            max_connections: 1024,
            auth_failure_burst: auth.burst,
            auth_failure_refill_per_minute: auth.refill_per_minute,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            embedded_dir: PathBuf::from("./billing-data"),
            max_connections: 10,
            embedded_acquire_timeout_secs: 60,
            embedded_wait_secs: 120,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".into(), format: "text".into() }
    }
}

impl Default for InvoiceRunConfig {
    fn default() -> Self {
        Self { chunk_size: 500, workers: billing_core::jobs::invoice_run::DEFAULT_WORKERS }
    }
}

impl Config {
    /// Loads the configuration: `file` if given (it must exist), else `./billing.toml` if present;
    /// then the environment in `env` on top.
    pub fn load(file: Option<&Path>, env: &BTreeMap<String, String>) -> anyhow::Result<Self> {
        let mut table = toml::Table::new();
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("billing.toml")).filter(|p| p.exists()),
        };
        if let Some(path) = path {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("reading config file {}", path.display()))?;
            table = text.parse::<toml::Table>().with_context(|| format!("parsing config file {}", path.display()))?;
        }
        for (name, value) in env {
            if let Some(rest) = name.strip_prefix("BILLING__") {
                let keys: Vec<String> = rest.split("__").map(|k| k.to_ascii_lowercase()).collect();
                set_path(&mut table, &keys, value).with_context(|| format!("environment variable {name}"))?;
            }
        }
        if let Some(url) = env.get("DATABASE_URL").filter(|u| !u.is_empty())
            && !env.contains_key("BILLING__DATABASE__URL")
        {
            set_path(&mut table, &["database".into(), "url".into()], url)?;
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| anyhow::anyhow!("invalid configuration: {}", e.message()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_process_env(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load(file, &std::env::vars().collect())
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(self.vies.endpoint.starts_with("https://") || self.vies.endpoint.starts_with("http://")) {
            bail!("vies.endpoint: `{}` is not an http(s) URL", self.vies.endpoint);
        }
        if !(100..=120_000).contains(&self.vies.timeout_ms) || self.vies.retries > 10 {
            bail!("vies.timeout_ms must be 100..=120000 and vies.retries at most 10");
        }
        if self.server.bind.parse::<SocketAddr>().is_err() {
            bail!("server.bind: `{}` is not an address like 127.0.0.1:8080", self.server.bind);
        }
        if !(1..=1000).contains(&self.database.max_connections) {
            bail!("database.max_connections: must be from 1 to 1000");
        }
        if !(1..=3600).contains(&self.database.embedded_acquire_timeout_secs)
            || !(1..=3600).contains(&self.database.embedded_wait_secs)
        {
            bail!("database.embedded_acquire_timeout_secs and database.embedded_wait_secs: must be from 1 to 3600");
        }
        if let Some(url) = &self.database.url
            && !(url.expose().starts_with("postgres://") || url.expose().starts_with("postgresql://"))
        {
            bail!("database.url: must start with postgres:// or postgresql://");
        }
        if !(1..=3650).contains(&self.outbox.retention_days) {
            bail!("outbox.retention_days: must be from 1 to 3650");
        }
        if !(1..=10_000).contains(&self.invoice_run.chunk_size) {
            bail!("invoice_run.chunk_size: must be from 1 to 10000");
        }
        if !(1..=billing_core::jobs::invoice_run::MAX_WORKERS).contains(&self.invoice_run.workers) {
            bail!("invoice_run.workers: must be from 1 to 16");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format: must be `text` or `json`");
        }
        if self.server.max_body_bytes < 1024 {
            bail!("server.max_body_bytes: must be at least 1024");
        }
        if !(100..=600_000).contains(&self.server.header_timeout_ms) {
            bail!("server.header_timeout_ms: must be from 100 to 600000");
        }
        if !(100..=3_600_000).contains(&self.server.body_timeout_ms) {
            bail!("server.body_timeout_ms: must be from 100 to 3600000");
        }
        if !(1..=100_000).contains(&self.server.max_connections) {
            bail!("server.max_connections: must be from 1 to 100000");
        }
        if !(1..=10_000).contains(&self.server.auth_failure_burst)
            || !(1..=10_000).contains(&self.server.auth_failure_refill_per_minute)
        {
            bail!("server.auth_failure_burst and server.auth_failure_refill_per_minute: must be from 1 to 10000");
        }
        if !self.metrics.bind.is_empty() && self.metrics.bind.parse::<SocketAddr>().is_err() {
            bail!("metrics.bind: `{}` is not an address like 127.0.0.1:9464", self.metrics.bind);
        }
        if self.metrics.token.as_ref().is_some_and(|t| t.expose().chars().count() < 16) {
            bail!("metrics.token: must be at least 16 characters");
        }
        if let Some(key) = &self.secrets.key
            && billing_core::secrets::SecretBox::from_hex(key.expose()).is_err()
        {
            bail!("secrets.key: must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`");
        }
        for (name, value) in [
            ("api.rate_limit_per_key", self.api.rate_limit_per_key),
            ("api.rate_limit_per_tenant", self.api.rate_limit_per_tenant),
            ("api.rate_limit_ingest_per_key", self.api.rate_limit_ingest_per_key),
        ] {
            if value > 10_000_000 {
                bail!("{name}: must be from 0 (no limit) to 10000000 requests a minute");
            }
        }
        if self.jobs.invoice_run_hour > 23 {
            bail!("jobs.invoice_run_hour: must be from 0 to 23");
        }
        if !self.fx.url.trim().is_empty() && !self.fx.folder.trim().is_empty() {
            bail!("fx.url and fx.folder: set one of them, not both");
        }
        let url = self.fx.url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            bail!("fx.url: `{url}` is not an http(s) URL");
        }
        self.mail.validate()?;
        Ok(())
    }

    /// The connection layer's limits.
    pub fn serve_limits(&self) -> crate::server::ServeLimits {
        crate::server::ServeLimits {
            header_timeout: Duration::from_millis(self.server.header_timeout_ms),
            max_connections: self.server.max_connections,
        }
    }

    /// What the router enforces.
    pub fn http_options(&self) -> crate::server::HttpOptions {
        crate::server::HttpOptions {
            max_body_bytes: self.server.max_body_bytes,
            body_timeout: Duration::from_millis(self.server.body_timeout_ms),
            metrics_token: self.metrics.token.as_ref().map(|t| t.expose().to_owned()),
        }
    }

    pub fn auth_limits(&self) -> crate::ratelimit::AuthLimits {
        crate::ratelimit::AuthLimits {
            burst: self.server.auth_failure_burst,
            refill_per_minute: self.server.auth_failure_refill_per_minute,
        }
    }

    /// Where the gateway directory gets its key, on first use: `secrets.key`, else the key file.
    pub fn secret_key_loader(&self) -> impl Fn() -> Result<SecretBox, String> + Send + Sync + 'static {
        let key = self.secrets.key.clone();
        let file = self.secrets.key_file.clone().unwrap_or_else(|| self.database.embedded_dir.join("secrets.key"));
        move || match &key {
            Some(key) => SecretBox::from_hex(key.expose()).map_err(|e| format!("secrets.key: {e}")),
            None => load_or_create_key_file(&file),
        }
    }

    pub fn bind_addr(&self) -> SocketAddr {
        // Checked by `validate`.
        self.server.bind.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
}

/// Reads the key file, or creates it with a new random key when there is none.
fn load_or_create_key_file(path: &Path) -> Result<SecretBox, String> {
    let shown = path.display();
    match std::fs::read_to_string(path) {
        Ok(text) => return SecretBox::from_hex(&text).map_err(|e| format!("{shown}: {e}")),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(format!("{shown}: {e}")),
        Err(_) => {}
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    // Written aside and then linked into place: of two processes starting at once, one link
    // wins and both read the winner's key.
    let aside = path.with_extension(format!("new-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&aside)
        .and_then(|mut f| std::io::Write::write_all(&mut f, SecretBox::generate_hex().as_bytes()))
        .and_then(|()| match std::fs::hard_link(&aside, path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        });
    let _ = std::fs::remove_file(&aside);
    written.map_err(|e| format!("{shown}: {e}"))?;
    tracing::warn!(path = %shown, "created a secrets key for gateway credentials: back it up with the data; set secrets.key in production");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    SecretBox::from_hex(&text).map_err(|e| format!("{shown}: {e}"))
}

/// Sets `keys` in the table to `raw`, typed as an integer or boolean when it reads as one.
fn set_path(table: &mut toml::Table, keys: &[String], raw: &str) -> anyhow::Result<()> {
    let (last, parents) = keys.split_last().context("empty key")?;
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry.as_table_mut().with_context(|| format!("`{key}` is not a section"))?;
    }
    let value = if let Ok(i) = raw.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(b) = raw.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(raw.to_string())
    };
    current.insert(last.clone(), value);
    Ok(())
}

/// Hides the password of a database URL for log lines.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_valid_and_embedded() {
        let c = Config::load(None, &env(&[])).unwrap();
        assert!(c.database.url.is_none());
        assert_eq!(c.bind_addr().port(), 8080);
    }

    #[test]
    fn environment_overrides_nested_keys() {
        let c = Config::load(
            None,
            &env(&[("BILLING__SERVER__BIND", "0.0.0.0:9000"), ("BILLING__DATABASE__MAX_CONNECTIONS", "3")]),
        )
        .unwrap();
        assert_eq!(c.bind_addr().port(), 9000);
        assert_eq!(c.database.max_connections, 3);
    }

    #[test]
    fn database_url_comes_from_the_conventional_variable() {
        let c = Config::load(None, &env(&[("DATABASE_URL", "postgres://u:pw@h/db")])).unwrap();
        assert_eq!(c.database.url.unwrap().expose(), "postgres://u:pw@h/db");
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::load(None, &env(&[("BILLING__SERVER__BIND", "nowhere")])).unwrap_err();
        assert!(e.to_string().contains("server.bind"), "{e}");
        let e = Config::load(None, &env(&[("BILLING__SERVER__BINDD", "x")])).unwrap_err();
        assert!(e.to_string().contains("bindd"), "{e:#}");
        let e = Config::load(None, &env(&[("BILLING__INVOICE_RUN__CHUNK_SIZE", "0")])).unwrap_err();
        assert!(e.to_string().contains("invoice_run.chunk_size"), "{e}");
    }

    #[test]
    fn limits_and_metrics_are_configurable_and_checked() {
        let c = Config::load(
            None,
            &env(&[
                ("BILLING__SERVER__HEADER_TIMEOUT_MS", "2000"),
                ("BILLING__SERVER__MAX_CONNECTIONS", "5"),
                ("BILLING__METRICS__BIND", "127.0.0.1:9464"),
            ]),
        )
        .unwrap();
        assert_eq!(c.serve_limits().header_timeout, Duration::from_secs(2));
        assert_eq!(c.serve_limits().max_connections, 5);
        assert!(c.http_options().metrics_token.is_none());
        for (key, value, named) in [
            ("BILLING__SERVER__BODY_TIMEOUT_MS", "0", "server.body_timeout_ms"),
            ("BILLING__METRICS__BIND", "anywhere", "metrics.bind"),
            ("BILLING__METRICS__TOKEN", "short", "metrics.token"),
            ("BILLING__SECRETS__KEY", "abcd", "secrets.key"),
        ] {
            let e = Config::load(None, &env(&[(key, value)])).unwrap_err();
            assert!(e.to_string().contains(named), "{e}");
        }
    }

    #[test]
    fn a_missing_key_file_is_created_once_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("billing-key-{}", uuid::Uuid::now_v7().simple()));
        let file = dir.join("secrets.key");
        let mut c = Config::default();
        c.secrets.key_file = Some(file.clone());
        let load = c.secret_key_loader();
        let sealed = load().unwrap().seal("f", "whsec_x");
        assert_eq!(load().unwrap().open("f", &sealed).unwrap(), "whsec_x", "the second load reads the same key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::load(None, &env(&[("DATABASE_URL", "postgres://u:hunter2@h/db")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(redact_url("postgres://u:hunter2@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
