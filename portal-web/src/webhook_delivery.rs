//! The webhook job (docs/adr/0024): fan the outbox out (mails and webhook deliveries, as the
//! mail job does), then claim due deliveries, POST each event to its endpoint signed with the
//! endpoint's secret(s), and record the answer. The connection is given back before each HTTP
//! request (the embedded database has only one; an endpoint can be slow).
//!
//! The signature is Stripe's scheme under our header name, so merchants' verification code
//! works: `Billing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, with
//! a second `v1=` while a rotated-out secret still signs.

use std::time::Duration;

use billing_core::events::Event;
use billing_core::secrets::SecretBox;
use billing_core::service::webhook_endpoints::{self, Settled};
use billing_core::store::webhook_endpoints::ClaimedDelivery;
use billing_core::webhook_endpoint::Answer;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use sqlx::PgPool;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Billing-Signature";

/// `[webhooks]`: outgoing webhook deliveries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Per request: connecting, sending and reading the answer.
    pub timeout_secs: u64,
    /// How long a worker's claim on a batch of deliveries lasts; longer than a batch takes.
    pub claim_secs: u32,
    /// Deliveries claimed (and sent concurrently) at a time.
    pub batch: u32,
    /// An endpoint that has failed for this many days without one success is disabled when one
    /// of its deliveries uses up its retries (the merchant enables it again through the API).
    pub disable_after_days: u32,
    /// An endpoint whose last this many delivery attempts all failed (any of its deliveries; a
    /// success resets the count) is disabled at once; 0 turns this rule off (docs/adr/0047).
    pub disable_after_failures: u32,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self { timeout_secs: 10, claim_secs: 120, batch: 20, disable_after_days: 3, disable_after_failures: 100 }
    }
}

/// The HTTP client and settings of the job.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    pub config: WebhooksConfig,
    client: reqwest::Client,
    /// For the mails the fan-out makes on the way (their Message-ID domain, `[mail] from`).
    message_domain: String,
}

impl WebhookSender {
    pub fn new(config: &WebhooksConfig, message_domain: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(config.timeout_secs.clamp(1, 10)))
            // A redirect is an answer (not a 2xx): following it could lead anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("billing-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { config: config.clone(), client, message_domain: message_domain.to_string() })
    }
}

/// `t=<t>,v1=<sig>[,v1=<sig>]`: one HMAC-SHA256 of `"<t>.<body>"` per secret, in hex.
pub fn signature_header(t: i64, body: &[u8], secrets: &[String]) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        // HMAC takes a key of any length; this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { continue };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        header.push_str(",v1=");
        header.push_str(&hex);
    }
    header
}

/// What one run of the webhook job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookRun {
    /// Outbox rows fanned out.
    pub messages: u64,
    /// Deliveries made by the fan-out.
    pub deliveries: u64,
    /// Attempts answered with 2xx.
    pub sent: u64,
    /// Failed attempts to be retried.
    pub retried: u64,
    /// Deliveries that failed for good.
    pub failed: u64,
    /// Endpoints disabled for failing.
    pub disabled: u64,
}

/// Runs the webhook job once at `now` (business time: the retry schedule): everything due is
/// sent or rescheduled. Safe with other workers on the same database at the same time.
pub async fn run(
    pool: &PgPool,
    sender: &WebhookSender,
    key: &SecretBox,
    now: DateTime<Utc>,
) -> anyhow::Result<WebhookRun> {
    let mut out = WebhookRun::default();
    loop {
        let mut conn = pool.acquire().await?;
        let f = billing_core::service::delivery::fan_out(&mut conn, &sender.message_domain, now, 500).await?;
        drop(conn);
        out.messages += f.messages;
        out.deliveries += f.deliveries;
        if f.messages == 0 {
            break;
        }
    }
    let rule = webhook_endpoints::DisableRule {
        after: chrono::Duration::days(i64::from(sender.config.disable_after_days)),
        after_failures: sender.config.disable_after_failures,
    };
    loop {
        let claimed = {
            let mut conn = pool.acquire().await?;
            billing_core::store::webhook_endpoints::claim(
                &mut conn,
                now,
                sender.config.claim_secs,
                i64::from(sender.config.batch.max(1)),
            )
            .await?
        };
        if claimed.is_empty() {
            break;
        }
        let answers = futures_util::future::join_all(claimed.iter().map(|d| attempt(sender, key, d))).await;
        for (d, (answer, elapsed)) in claimed.iter().zip(answers) {
            let finished = now + chrono::Duration::from_std(elapsed).unwrap_or_default();
            let mut conn = pool.acquire().await?;
            let s: Settled = webhook_endpoints::settle(&mut conn, d, &answer, now, finished, now, rule).await?;
            if s.succeeded {
                out.sent += 1;
            }
            if s.retry {
                out.retried += 1;
            }
            if s.failed {
                out.failed += 1;
            }
            if s.disabled_endpoint {
                tracing::warn!(endpoint = %d.endpoint_id, "webhook endpoint disabled: its deliveries kept failing");
                out.disabled += 1;
            }
            if !answer.is_success() {
                tracing::info!(delivery = %d.id, attempt = d.attempts, "webhook not delivered; see its attempts");
            }
        }
    }
    Ok(out)
}

/// Sends one delivery: the event's JSON, signed now (wall clock: the receiver checks `t`
/// against its own). Returns the answer and how long it took.
async fn attempt(sender: &WebhookSender, key: &SecretBox, d: &ClaimedDelivery) -> (Answer, Duration) {
    let started = std::time::Instant::now();
    let answer = send(sender, key, d).await;
    (answer, started.elapsed())
}

async fn send(sender: &WebhookSender, key: &SecretBox, d: &ClaimedDelivery) -> Answer {
    let Some(event) = Event::from_outbox(d.event_id, &d.event_type, d.payload.clone(), d.event_created_at) else {
        return Answer::NoAnswer("the event is not public".into());
    };
    let body = match serde_json::to_vec(&event) {
        Ok(b) => b,
        Err(e) => return Answer::NoAnswer(format!("event: {e}")),
    };
    let wall = Utc::now();
    let secrets = match webhook_endpoints::signing_secrets(key, d, wall) {
        Ok(s) => s,
        // Never the secret itself in the message: only why it could not be opened.
        Err(e) => return Answer::NoAnswer(format!("signing: {e}")),
    };
    let signature = signature_header(wall.timestamp(), &body, &secrets);
    let request = sender
        .client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header("Billing-Event-Id", event.id.to_string())
        .header("Billing-Event-Type", &event.event_type)
        .body(body);
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Answer::NoAnswer(describe(&e)),
    };
    let code = response.status().as_u16();
    // The start of the body, enough for the excerpt; the rest is not read.
    let mut bytes: Vec<u8> = Vec::new();
    while bytes.len() < 2048 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    let excerpt: String =
        String::from_utf8_lossy(&bytes).chars().take(billing_core::webhook_endpoint::EXCERPT_CHARS).collect();
    Answer::Status { code, excerpt }
}

/// Why a request got no answer, without the URL (it is on the endpoint already).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_builder() {
        "the URL cannot be requested"
    } else {
        "request failed"
    };
    let source = std::error::Error::source(e).map(|s| format!(": {s}")).unwrap_or_default();
    format!("{what}{source}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected value is computed independently, with Python's
    /// `hmac.new(b"whsec_test", b"1700000000.{}", hashlib.sha256).hexdigest()`.
    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        let header = signature_header(1_700_000_000, b"{}", &["whsec_test".to_string()]);
        assert_eq!(header, "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91");
    }

    #[test]
    fn two_secrets_give_two_signatures() {
        let header = signature_header(1, b"x", &["a".to_string(), "b".to_string()]);
        let parts: Vec<&str> = header.split(',').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "t=1");
        assert!(parts[1].starts_with("v1=") && parts[2].starts_with("v1=") && parts[1] != parts[2]);
    }
}
