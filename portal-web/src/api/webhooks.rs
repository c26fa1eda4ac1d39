//! Inbound provider webhooks: `POST /webhooks/{gateway_account_id}`, outside /api/v1 and without
//! an API key. The account's adapter verifies the signature with the account's secret; a delivery
//! that fails verification is answered 400, logged, and changes nothing.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use billing_core::ids::GatewayAccountId;
use billing_core::ports::Gateways;
use billing_core::service::{gateway_accounts, webhooks};

use super::error::{ApiError, ApiResult};
use super::input::RawBody;
use crate::state::AppState;

/// The answer to the provider: that the delivery arrived, and what it did (for its dashboard).
#[derive(Debug, serde::Serialize)]
pub struct ReceivedBody {
    pub received: bool,
    /// The event id had been seen before; nothing changed.
    pub duplicate: bool,
    /// What the event did.
    pub outcome: String,
}

impl From<webhooks::WebhookResult> for ReceivedBody {
    fn from(r: webhooks::WebhookResult) -> Self {
        Self { received: r.received, duplicate: r.duplicate, outcome: r.outcome }
    }
}

fn rejected() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "webhook_rejected", "error-webhook-rejected")
}

pub async fn receive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<axum::Json<ReceivedBody>> {
    let account: GatewayAccountId = id.parse().map_err(billing_core::Error::from)?;
    let Some((tenant, spec)) =
        gateway_accounts::for_webhook(&mut *state.pool.acquire().await?, account.as_uuid()).await?
    else {
        return Err(billing_core::Error::not_found("gateway account", account).into());
    };
    let gateway =
        state.gateways.gateway(&spec).map_err(|e| billing_core::Error::GatewayConfig { detail: e.to_string() })?;
    let headers: BTreeMap<String, String> = headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_ascii_lowercase(), v.to_owned())))
        .collect();
    // Signatures carry the provider's wall-clock time, so freshness is checked against ours, not
    // against the (possibly simulated) business clock.
    // `verify_webhook`: for signed providers the signature check; for Mollie, which signs nothing,
    // a fetch of the payment with the account's key.
    let event = match gateway.verify_webhook(&headers, &body, chrono::Utc::now()).await {
        Ok(event) => event,
        Err(e @ billing_core::ports::WebhookError::Unavailable(_)) => {
            // Not refused: the provider could not be asked. A non-2xx answer makes it deliver again.
            tracing::warn!(account = %account, error = %e, "webhook not verifiable now");
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "webhook_unverifiable",
                "error-webhook-unverifiable",
            ));
        }
        Err(e) => {
            tracing::warn!(account = %account, error = %e, bytes = body.len(), "webhook rejected");
            return Err(rejected());
        }
    };
    // Taken only now: no connection is held while a provider is asked to verify the delivery.
    let mut conn = state.pool.acquire().await?;
    let result = webhooks::handle(&mut conn, tenant, spec.id, &event, state.clock.now()).await?;
    tracing::info!(account = %account, event = event.provider_event_id(), outcome = %result.outcome, "webhook");
    Ok(axum::Json(result.into()))
}
