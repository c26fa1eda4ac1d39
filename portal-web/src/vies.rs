//! The VIES adapter: the EU's REST API (`GET {endpoint}/ms/{prefix}/vat/{number}`) behind
//! `billing_core::ports::vat_registry::VatIdVerifier`, with a timeout and retries with backoff for the
//! failures VIES itself calls transient. Reading the answer is pure (billing-core).

use std::time::Duration;

use async_trait::async_trait;
use billing_core::ports::vat_registry::{VatIdVerifier, ViesAnswer, ViesError, parse_rest_answer};
use billing_core::tax::VatId;

use crate::config::ViesConfig;

pub struct HttpVies {
    http: reqwest::Client,
    endpoint: String,
    retries: u32,
    backoff: Duration,
}

impl std::fmt::Debug for HttpVies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpVies").field("endpoint", &self.endpoint).finish()
    }
}

impl HttpVies {
    pub fn new(config: &ViesConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .user_agent(concat!("billing/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            http,
            endpoint: config.endpoint.trim_end_matches('/').to_string(),
            retries: config.retries,
            backoff: Duration::from_millis(config.retry_backoff_ms),
        }
    }

    async fn once(&self, vat_id: &VatId, requester: Option<&VatId>) -> Result<ViesAnswer, ViesError> {
        let url = format!("{}/ms/{}/vat/{}", self.endpoint, vat_id.prefix(), vat_id.number());
        let mut req = self.http.get(url);
        if let Some(r) = requester {
            req = req.query(&[("requesterMemberStateCode", r.prefix()), ("requesterNumber", r.number())]);
        }
        let resp = req.send().await.map_err(|e| {
            ViesError::Transport(if e.is_timeout() { "timeout".into() } else { "no connection".into() })
        })?;
        let status = resp.status();
        let body: Option<serde_json::Value> = resp.json().await.ok();
        match body {
            // VIES puts application errors in the body, also with HTTP 200; read them first.
            Some(b) if status.is_success() || b.get("userError").is_some() || b.get("errorWrappers").is_some() => {
                parse_rest_answer(&b)
            }
            _ if status.is_server_error() || status.as_u16() == 429 => {
                Err(ViesError::Unavailable { code: format!("HTTP_{}", status.as_u16()) })
            }
            _ => Err(ViesError::Refused { code: format!("HTTP_{}", status.as_u16()) }),
        }
    }
}

#[async_trait]
impl VatIdVerifier for HttpVies {
    async fn check(&self, vat_id: &VatId, requester: Option<&VatId>) -> Result<ViesAnswer, ViesError> {
        let mut wait = self.backoff;
        let mut result = self.once(vat_id, requester).await;
        for _ in 0..self.retries {
            match &result {
                Err(e) if e.is_retryable() => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    result = self.once(vat_id, requester).await;
                }
                _ => break,
            }
        }
        result
    }
}
