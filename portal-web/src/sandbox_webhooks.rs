//! Delivers the built-in sandbox's webhooks the way a provider would: over HTTP, signed, to
//! `POST /webhooks/{account}` of the running server, so that `billing serve` and `billing demo`
//! see a sandbox 3-D Secure or dispute end exactly as a Stripe one does. A delivery that fails
//! (server busy, shutting down) is retried a few times and then dropped with a warning, as a
//! provider gives up eventually; the collection job reconciles what a lost webhook would have done.

use std::sync::Arc;
use std::time::Duration;

use billing_core::ids::GatewayAccountId;
use gateway_adapters::directory::Directory;

const POLL: Duration = Duration::from_millis(500);
const ATTEMPTS: u32 = 3;

/// Starts the delivery loop; it ends with the process. `base_url` is the server's own address.
pub fn spawn(gateways: Arc<Directory>, base_url: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
            Ok(http) => http,
            Err(e) => {
                tracing::warn!(error = %e, "sandbox webhooks disabled: no HTTP client");
                return;
            }
        };
        loop {
            tokio::time::sleep(POLL).await;
            for (account, sandbox) in gateways.sandboxes() {
                for (headers, body) in sandbox.drain_webhooks() {
                    deliver(&http, &base_url, account, &headers, body).await;
                }
            }
        }
    })
}

async fn deliver(
    http: &reqwest::Client,
    base_url: &str,
    account: uuid::Uuid,
    headers: &std::collections::BTreeMap<String, String>,
    body: Vec<u8>,
) {
    let url = format!("{base_url}/webhooks/{}", GatewayAccountId(account));
    for attempt in 1..=ATTEMPTS {
        let mut req = http.post(&url).body(body.clone());
        if !headers.contains_key("content-type") {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.send().await {
            Ok(resp) if resp.status().is_success() => return,
            // Refused as invalid: sending it again cannot help.
            Ok(resp) if resp.status().is_client_error() => {
                tracing::warn!(%url, status = %resp.status(), "sandbox webhook refused");
                return;
            }
            Ok(resp) => tracing::debug!(%url, status = %resp.status(), attempt, "sandbox webhook not accepted yet"),
            Err(e) => tracing::debug!(%url, error = %e, attempt, "sandbox webhook not delivered yet"),
        }
        tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
    }
    tracing::warn!(%url, "sandbox webhook dropped after {ATTEMPTS} attempts");
}
