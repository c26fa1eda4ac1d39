//! Typed configuration: defaults, then an optional TOML file, then environment overrides
//! (`BILLING__SECTION__KEY=value`, plus the conventional `DATABASE_URL`), validated at start with
//! errors that name the key. Secrets are wrapped so they never reach a log line.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
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
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            finalize_drafts: "0 */5 * * * *".into(),
            apply_credit: "0 10 * * * *".into(),
            vies_recheck: "0 30 3 * * *".into(),
            collect: "0 0 6 * * *".into(),
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
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { bind: "127.0.0.1:8080".into(), max_body_bytes: 1024 * 1024 }
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
        Self { chunk_size: 500 }
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
        if !(1..=10_000).contains(&self.invoice_run.chunk_size) {
            bail!("invoice_run.chunk_size: must be from 1 to 10000");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format: must be `text` or `json`");
        }
        if self.server.max_body_bytes < 1024 {
            bail!("server.max_body_bytes: must be at least 1024");
        }
        Ok(())
    }

    pub fn bind_addr(&self) -> SocketAddr {
        // Checked by `validate`.
        self.server.bind.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
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
    fn secrets_do_not_print() {
        let c = Config::load(None, &env(&[("DATABASE_URL", "postgres://u:hunter2@h/db")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(redact_url("postgres://u:hunter2@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}
