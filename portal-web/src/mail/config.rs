//! `[mail]`: the SMTP server mails go through, or (none configured) the folder `.eml` files are
//! written to.

use std::path::{Path, PathBuf};

use anyhow::bail;
use serde::Deserialize;

use crate::config::Secret;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP (a relay on the same host or a test server).
    None,
    /// STARTTLS on the submission port (587 by default).
    #[default]
    Starttls,
    /// Implicit TLS (SMTPS, 465 by default).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// The SMTP server's host name; empty: no mail is sent, each one is written as an `.eml` file
    /// into `folder` instead (the demo).
    pub host: String,
    /// 0: the usual port for `tls` (25, 587, 465).
    pub port: u16,
    pub tls: TlsMode,
    /// Login; none when empty.
    pub user: String,
    /// Best set through the environment: `BILLING__MAIL__PASSWORD`.
    pub password: Option<Secret>,
    /// The envelope sender and `From` address (the tenant's name is the display name); its domain
    /// also names the Message-IDs.
    pub from: String,
    /// Where `.eml` files go without SMTP; default `mail` in `database.embedded_dir`.
    pub folder: Option<PathBuf>,
    /// How long a worker's claim on a mail lasts; a worker that dies mid-send leaves its mails to
    /// another after this long.
    pub claim_secs: u32,
    /// Mails claimed per round.
    pub batch: u32,
    /// Per SMTP conversation.
    pub timeout_secs: u64,
    /// The public base URL of this installation (links in mails), e.g. `https://billing.example`.
    pub public_url: String,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 0,
            tls: TlsMode::default(),
            user: String::new(),
            password: None,
            from: "billing@localhost.localdomain".into(),
            folder: None,
            claim_secs: 300,
            batch: 50,
            timeout_secs: 30,
            public_url: "http://localhost:8080".into(),
        }
    }
}

impl MailConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if billing_core::email::EmailAddress::parse(&self.from).is_err() {
            bail!("mail.from: `{}` is not an email address", self.from);
        }
        if !(5..=86_400).contains(&self.claim_secs) {
            bail!("mail.claim_secs: must be from 5 to 86400");
        }
        if !(1..=1000).contains(&self.batch) {
            bail!("mail.batch: must be from 1 to 1000");
        }
        if !(1..=600).contains(&self.timeout_secs) {
            bail!("mail.timeout_secs: must be from 1 to 600");
        }
        if self.host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bail!("mail.host: `{}` is not a host name", self.host);
        }
        if !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://")) {
            bail!("mail.public_url: `{}` is not an http(s) URL", self.public_url);
        }
        Ok(())
    }

    /// The domain of `from`: the right-hand side of every Message-ID.
    pub fn message_domain(&self) -> &str {
        self.from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost")
    }

    /// The `.eml` folder: `folder`, else `mail` below the embedded database's folder.
    pub fn folder_or(&self, embedded_dir: &Path) -> PathBuf {
        self.folder.clone().unwrap_or_else(|| embedded_dir.join("mail"))
    }

    pub fn port(&self) -> u16 {
        match (self.port, self.tls) {
            (0, TlsMode::None) => 25,
            (0, TlsMode::Starttls) => 587,
            (0, TlsMode::Tls) => 465,
            (p, _) => p,
        }
    }
}
