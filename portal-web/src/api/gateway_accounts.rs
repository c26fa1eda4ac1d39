//! Gateway accounts (/gateway_accounts) and routing rules (/routing_rules). Credentials go in,
//! never come out: the config is shown redacted.

use axum::extract::State;
use axum::http::StatusCode;
use billing_core::service::gateway_accounts::{self, GatewayAccount, NewGatewayAccount};
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    pub provider: String,
    pub name: String,
    #[serde(default = "empty_object")]
    pub config: serde_json::Value,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub is_default: bool,
}

// Hand-written so that a request logged with `{:?}` never shows the credentials.
impl std::fmt::Debug for CreateAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateAccount")
            .field("provider", &self.provider)
            .field("name", &self.name)
            .field("config", &gateway_accounts::redact(&self.config))
            .finish_non_exhaustive()
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

fn yes() -> bool {
    true
}

pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let mut conn = state.pool.acquire().await?;
    let data = gateway_accounts::list(&mut conn, tenant, state.clock.now()).await?;
    Ok(axum::Json(serde_json::json!({ "object": "list", "data": data, "has_more": false })))
}

pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<CreateAccount>,
) -> ApiResult<(StatusCode, axum::Json<GatewayAccount>)> {
    let mut conn = state.pool.acquire().await?;
    let new = NewGatewayAccount {
        provider: req.provider,
        name: req.name,
        config: req.config,
        active: req.active,
        is_default: req.is_default,
    };
    let account = gateway_accounts::create(&mut conn, tenant, state.gateways.as_ref(), new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(account)))
}

pub async fn get_rules(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(serde_json::json!({ "rules": gateway_accounts::rules(&mut conn, tenant).await? })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutRules {
    pub rules: serde_json::Value,
}

pub async fn put_rules(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<PutRules>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let mut conn = state.pool.acquire().await?;
    let rules =
        gateway_accounts::put_rules(&mut conn, tenant, state.gateways.as_ref(), req.rules, state.clock.now()).await?;
    Ok(axum::Json(serde_json::json!({ "rules": rules })))
}
