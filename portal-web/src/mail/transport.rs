//! Where a rendered mail goes: an SMTP server through lettre, or (no server configured) an
//! `.eml` file in a folder. Either way the result is a `SendOutcome` the worker records.

use std::path::PathBuf;
use std::time::Duration;

use billing_core::store::mail::SendOutcome;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{MailConfig, TlsMode};

pub enum Outgoing {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    Folder(PathBuf),
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outgoing::Smtp(_) => f.write_str("Outgoing::Smtp"),
            Outgoing::Folder(p) => write!(f, "Outgoing::Folder({})", p.display()),
        }
    }
}

impl Outgoing {
    /// The SMTP server in `config`, or the `.eml` folder when there is none.
    pub fn from_config(config: &MailConfig, embedded_dir: &std::path::Path) -> anyhow::Result<Self> {
        if config.host.is_empty() {
            return Ok(Outgoing::Folder(config.folder_or(embedded_dir)));
        }
        let builder = match config.tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)?,
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)?,
        };
        let mut builder = builder.port(config.port()).timeout(Some(Duration::from_secs(config.timeout_secs)));
        if !config.user.is_empty() {
            let password = config.password.as_ref().map(|p| p.expose().to_string()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(config.user.clone(), password));
        }
        Ok(Outgoing::Smtp(Box::new(builder.build())))
    }

    /// A description for logs and `billing demo` (never the password).
    pub fn describe(&self) -> String {
        match self {
            Outgoing::Smtp(_) => "SMTP".into(),
            Outgoing::Folder(p) => p.display().to_string(),
        }
    }

    /// Sends `message`. `file_stem` names the `.eml` file: the same mail sent again overwrites
    /// its file rather than adding a second one.
    pub async fn send(&self, message: Message, file_stem: &str) -> SendOutcome {
        match self {
            Outgoing::Smtp(transport) => match transport.send(message).await {
                Ok(_) => SendOutcome::Sent,
                // A 5xx answer to this message (unknown mailbox, refused) will not change by
                // trying again: the address bounced. Anything else (connection, 4xx) is retried.
                Err(e) if e.is_permanent() => SendOutcome::Bounced(e.to_string()),
                Err(e) => SendOutcome::Retry(e.to_string()),
            },
            Outgoing::Folder(dir) => {
                let bytes = message.formatted();
                let dir = dir.clone();
                let stem = file_stem.to_string();
                let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::create_dir_all(&dir)?;
                    // Written whole under a temporary name, then renamed: a reader never sees
                    // half a mail.
                    let tmp = dir.join(format!(".{stem}.tmp"));
                    std::fs::write(&tmp, &bytes)?;
                    std::fs::rename(&tmp, dir.join(format!("{stem}.eml")))
                })
                .await;
                match written {
                    Ok(Ok(())) => SendOutcome::Sent,
                    Ok(Err(e)) => SendOutcome::Retry(format!("writing the .eml file: {e}")),
                    Err(e) => SendOutcome::Retry(format!("writing the .eml file: {e}")),
                }
            }
        }
    }
}
