//! Gateway accounts (/gateway_accounts) and routing rules (/routing_rules). Credentials go in,
//! never come out: the config is shown redacted.

use axum::extract::State;
use axum::http::StatusCode;
use billing_core::service::gateway_accounts::{self, GatewayAccount, NewGatewayAccount};
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
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

/// A payment gateway account as the API shows it: its configuration with every secret redacted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "gwa_2AbCdEfGhJkLmNpQrStUvW", "provider": "stripe", "name": "Stripe EU", "config": {"secret_key": "…4242"}, "active": true, "is_default": true, "created_at": "2026-03-01T12:00:00Z"}))]
pub struct GatewayAccountBody {
    /// The account (`gwa_…`).
    pub id: String,
    /// `sandbox`, `stripe`, `mollie`, ...
    pub provider: String,
    pub name: String,
    /// The provider's settings as given, each secret shown by its last four characters only.
    #[schema(value_type = super::openapi::FreeForm)]
    pub config: serde_json::Value,
    pub active: bool,
    /// The account new payment methods are stored at when the request names none.
    pub is_default: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<GatewayAccount> for GatewayAccountBody {
    fn from(a: GatewayAccount) -> Self {
        Self {
            id: a.id.to_string(),
            provider: a.provider,
            name: a.name,
            config: a.config,
            active: a.active,
            is_default: a.is_default,
            created_at: a.created_at,
        }
    }
}

/// All the tenant's accounts (there are few: no pagination).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountList {
    pub object: &'static str,
    pub data: Vec<GatewayAccountBody>,
    pub has_more: bool,
}

/// One target of a routing rule.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RoutingTargetView {
    /// The gateway account (`gwa_…`).
    pub gateway: String,
    /// Relative share of the payments this target receives first; 0: failover only.
    pub weight: u32,
}

/// A routing rule (`gateway_adapters::router::Rule`): every condition given must hold; an absent
/// one means "any". Documentation of the stored rules; nothing constructs it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RoutingRuleView {
    pub name: String,
    /// Lower numbers are tried first; equal priorities by name.
    pub priority: i32,
    /// ISO 4217 codes.
    pub currencies: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Option<Vec<String>>,
    /// Inclusive lower bound, in the payment's currency.
    pub min_amount: Option<super::AmountBody>,
    /// Inclusive upper bound, in the payment's currency.
    pub max_amount: Option<super::AmountBody>,
    /// `card`, `sepa_debit`, `bank_transfer`.
    pub methods: Option<Vec<String>>,
    /// Customer segments, compared exactly.
    pub segments: Option<Vec<String>>,
    /// The split winner is tried first, then the others in this order.
    pub targets: Vec<RoutingTargetView>,
}

/// The tenant's routing rules, as `gateway_adapters::router` reads them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesBody {
    #[schema(value_type = Vec<RoutingRuleView>)]
    pub rules: serde_json::Value,
}

#[utoipa::path(
    get,
    path = "/api/v1/gateway_accounts",
    tag = "gateways",
    responses((status = 200, description = "The merchant's gateway accounts (secrets redacted).", body = AccountList))
)]
pub async fn list(State(state): State<AppState>, AuthTenant(tenant): AuthTenant) -> ApiResult<axum::Json<AccountList>> {
    let mut conn = state.pool.acquire().await?;
    let data = gateway_accounts::list(&mut conn, tenant, state.gateways.as_ref(), state.clock.now()).await?;
    Ok(axum::Json(AccountList { object: "list", data: data.into_iter().map(Into::into).collect(), has_more: false }))
}

#[utoipa::path(
    post,
    path = "/api/v1/gateway_accounts",
    tag = "gateways",
    request_body = CreateAccount,
    responses((status = 201, description = "The account (secrets redacted).", body = GatewayAccountBody), (status = 422, description = "The account's configuration is not usable (`invalid_gateway_config`).", body = super::openapi::ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<CreateAccount>,
) -> ApiResult<(StatusCode, axum::Json<GatewayAccountBody>)> {
    let mut conn = state.pool.acquire().await?;
    let new = NewGatewayAccount {
        provider: req.provider,
        name: req.name,
        config: req.config,
        active: req.active,
        is_default: req.is_default,
    };
    let account = gateway_accounts::create(&mut conn, tenant, state.gateways.as_ref(), new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(account.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/routing_rules",
    tag = "gateways",
    responses((status = 200, description = "The routing rules.", body = RulesBody))
)]
pub async fn get_rules(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<RulesBody>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(RulesBody { rules: gateway_accounts::rules(&mut conn, tenant).await? }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutRules {
    #[schema(value_type = Vec<RoutingRuleView>)]
    pub rules: serde_json::Value,
}

#[utoipa::path(
    put,
    path = "/api/v1/routing_rules",
    tag = "gateways",
    request_body = PutRules,
    responses((status = 200, description = "The routing rules.", body = RulesBody), (status = 422, description = "The account's configuration is not usable (`invalid_gateway_config`).", body = super::openapi::ErrorBody))
)]
pub async fn put_rules(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<PutRules>,
) -> ApiResult<axum::Json<RulesBody>> {
    let mut conn = state.pool.acquire().await?;
    let rules =
        gateway_accounts::put_rules(&mut conn, tenant, state.gateways.as_ref(), req.rules, state.clock.now()).await?;
    Ok(axum::Json(RulesBody { rules }))
}

/// `POST /gateway_accounts/{id}/webhook_secret/rotate`: a new signing secret (generated for the
/// sandbox; for Stripe, the one Stripe shows after rolling the endpoint's secret), shown once. The
/// old one keeps verifying for `expire_previous_in_hours` (default 24, at most 168; 0 ends it now,
/// as after a leak), so deliveries in flight are not lost.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    #[serde(default)]
    pub webhook_secret: Option<String>,
    #[serde(default)]
    pub expire_previous_in_hours: Option<i64>,
}

/// A new webhook signing secret, shown once. `Debug` leaves the secret out.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RotatedBody {
    /// Always `webhook_secret`.
    #[schema(example = "webhook_secret")]
    pub object: &'static str,
    /// The account (`gwa_…`).
    pub gateway_account: String,
    /// The new secret in clear: store it now, it is not shown again.
    pub webhook_secret: String,
    /// Until when the previous secret still verifies deliveries.
    pub previous_secret_expires_at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Debug for RotatedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatedBody")
            .field("gateway_account", &self.gateway_account)
            .field("previous_secret_expires_at", &self.previous_secret_expires_at)
            .finish_non_exhaustive()
    }
}

impl From<gateway_accounts::RotatedSecret> for RotatedBody {
    fn from(r: gateway_accounts::RotatedSecret) -> Self {
        Self {
            object: "webhook_secret",
            gateway_account: r.gateway_account.to_string(),
            webhook_secret: r.webhook_secret,
            previous_secret_expires_at: r.previous_secret_expires_at,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/gateway_accounts/{id}/webhook_secret/rotate",
    tag = "gateways",
    params(("id" = String, Path, description = "The gateway account (`gwa_…`).")),
    request_body = RotateSecret,
    responses((status = 200, description = "The new secret (shown once); the previous one is accepted until it expires.", body = RotatedBody), (status = 422, description = "The account's configuration is not usable (`invalid_gateway_config`).", body = super::openapi::ErrorBody))
)]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(req): ApiJson<RotateSecret>,
) -> ApiResult<axum::Json<RotatedBody>> {
    let account: billing_core::ids::GatewayAccountId = id.parse().map_err(billing_core::Error::from)?;
    let hours = req.expire_previous_in_hours.unwrap_or(24);
    if !(0..=gateway_accounts::MAX_ROTATION_OVERLAP_HOURS).contains(&hours) {
        return Err(billing_core::Error::invalid(
            "expire_previous_in_hours",
            format!("must be from 0 to {}", gateway_accounts::MAX_ROTATION_OVERLAP_HOURS),
        )
        .into());
    }
    let mut conn = state.pool.acquire().await?;
    // Wall-clock time, like the signatures' freshness check: a simulated business clock must not
    // keep a leaked secret alive.
    let rotated = gateway_accounts::rotate_webhook_secret(
        &mut conn,
        tenant,
        state.gateways.as_ref(),
        account.as_uuid(),
        req.webhook_secret.as_deref(),
        chrono::Duration::hours(hours),
        chrono::Utc::now(),
    )
    .await?;
    Ok(axum::Json(rotated.into()))
}

/// The built sandbox behind one of the tenant's accounts; any other provider is refused.
async fn sandbox_of(
    state: &AppState,
    tenant: billing_core::ids::TenantId,
    id: &str,
) -> ApiResult<std::sync::Arc<gateway_adapters::sandbox::Sandbox>> {
    use billing_core::ports::Gateways;
    let account: billing_core::ids::GatewayAccountId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let spec = gateway_accounts::spec(&mut conn, tenant, account.as_uuid()).await?;
    if spec.provider != "sandbox" {
        return Err(
            billing_core::Error::invalid("gateway_account", "only a sandbox account has test-mode controls").into()
        );
    }
    state.gateways.gateway(&spec).map_err(|e| billing_core::Error::GatewayConfig { detail: e.to_string() })?;
    Ok(state
        .gateways
        .sandbox(spec.id)
        .ok_or_else(|| billing_core::Error::GatewayConfig { detail: "the sandbox is not running".into() })?)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettledBody {
    /// How many pending debits the sandbox's bank settled.
    pub settled: usize,
}

/// What the sandbox's bank page decided, as the provider then reports it by webhook: about a
/// `setup` or a `payment`, with its `status` and, for a setup that succeeded, the stored method.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct AuthenticatedBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<String>,
    pub status: &'static str,
    /// The provider's id of the stored method, for a setup that succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
}

/// `POST /gateway_accounts/{id}/sandbox/settle_debits`: the bank settles the sandbox's pending
/// SEPA debits (paid, or returned for an IBAN ending in 3001); the webhooks follow.
#[utoipa::path(
    post,
    path = "/api/v1/gateway_accounts/{id}/sandbox/settle_debits",
    tag = "gateways",
    params(("id" = String, Path, description = "The gateway account (`gwa_…`).")),
    responses((status = 200, description = "How many pending debits the sandbox settled.", body = SettledBody), (status = 422, description = "The account's configuration is not usable (`invalid_gateway_config`).", body = super::openapi::ErrorBody), (status = 502, description = "The sandbox did not answer.", body = super::openapi::ErrorBody))
)]
pub async fn sandbox_settle_debits(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<axum::Json<SettledBody>> {
    let sandbox = sandbox_of(&state, tenant, &id).await?;
    let settled = sandbox.settle_debits().await.map_err(|e| billing_core::Error::Gateway { detail: e.to_string() })?;
    Ok(axum::Json(SettledBody { settled }))
}

/// What the customer does at the bank's 3-D Secure page, for a sandbox account (test mode only):
/// `setup` (a `payment_method_setup`'s provider id, e.g. `sbx_seti_1`) or `payment` (a charge's
/// `provider_payment_id`), and whether the customer passes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxAuthenticate {
    #[serde(default)]
    pub setup: Option<String>,
    #[serde(default)]
    pub payment: Option<String>,
    pub success: bool,
}

/// `POST /gateway_accounts/{id}/sandbox/authenticate`: stands in for the customer's browser at a
/// sandbox account, so that the demo and tests can finish a 3-D Secure challenge. The sandbox then
/// reports the result by webhook, as a provider would.
#[utoipa::path(
    post,
    path = "/api/v1/gateway_accounts/{id}/sandbox/authenticate",
    tag = "gateways",
    params(("id" = String, Path, description = "The gateway account (`gwa_…`).")),
    request_body = SandboxAuthenticate,
    responses((status = 200, description = "The outcome of the simulated authentication.", body = AuthenticatedBody), (status = 422, description = "The account's configuration is not usable (`invalid_gateway_config`).", body = super::openapi::ErrorBody))
)]
pub async fn sandbox_authenticate(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(req): ApiJson<SandboxAuthenticate>,
) -> ApiResult<axum::Json<AuthenticatedBody>> {
    let sandbox = sandbox_of(&state, tenant, &id).await?;
    let refused = |e: billing_core::ports::GatewayError| billing_core::Error::invalid("setup", e.to_string());
    use billing_core::ports::{ChargeOutcome, SetupOutcome};
    // What the bank page decided, as the provider would then report it by webhook.
    let outcome = match (req.setup, req.payment) {
        (Some(setup), None) => match sandbox.authenticate_setup(&setup, req.success).await.map_err(refused)? {
            SetupOutcome::Ready(method) => AuthenticatedBody {
                setup: Some(setup),
                status: "succeeded",
                method: Some(method.0),
                ..Default::default()
            },
            SetupOutcome::Failed { decline_code, .. } => AuthenticatedBody {
                setup: Some(setup),
                status: "failed",
                decline_code: Some(decline_code),
                ..Default::default()
            },
            SetupOutcome::RequiresAction { .. } => {
                AuthenticatedBody { setup: Some(setup), status: "requires_action", ..Default::default() }
            }
        },
        (None, Some(payment)) => match sandbox.complete_action(&payment, req.success).await.map_err(refused)? {
            ChargeOutcome::Succeeded { .. } => {
                AuthenticatedBody { payment: Some(payment), status: "succeeded", ..Default::default() }
            }
            ChargeOutcome::Failed { decline_code, .. } => AuthenticatedBody {
                payment: Some(payment),
                status: "failed",
                decline_code: Some(decline_code),
                ..Default::default()
            },
            ChargeOutcome::RequiresAction { .. } | ChargeOutcome::Pending { .. } => {
                AuthenticatedBody { payment: Some(payment), status: "pending", ..Default::default() }
            }
        },
        _ => return Err(billing_core::Error::invalid("setup", "give exactly one of setup and payment").into()),
    };
    Ok(axum::Json(outcome))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    create,
    get_rules,
    put_rules,
    rotate_webhook_secret,
    sandbox_settle_debits,
    sandbox_authenticate
))]
pub struct Doc;
