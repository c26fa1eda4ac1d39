//! GET/PUT /api/v1/dunning_policy: the tenant's dunning policy (docs/adr/0022, 0031). A tenant
//! that never set one has the default, shown with `"default": true`. /api/v1/dunning_policies:
//! policies for a customer segment or a payment method kind, chosen before the tenant's own
//! (docs/adr/0046). A PUT replaces the whole
//! list, or chooses a preset ladder (`{"ladder": "de"}`: the German Mahnwesen); a refused one
//! (unknown action, a day outside 1..=120 or out of order, a bad late fee or currency) stores
//! nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::BTreeMap;

use billing_core::dunning::{LateFee, PolicyScope, PolicyStep};
use billing_core::rounding::RoundingMode;
use billing_core::service::dunning;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// Checked by the service, so that its error names the step at fault.
    /// The steps: `[{"day": 3, "action": "retry"}, {"day": 7, "action": "late_fee", "fee":
    /// {"fixed": {"EUR": 500}}}, ...]`. Optional when `ladder` is given.
    #[schema(value_type = Option<Vec<Object>>)]
    pub steps: Option<serde_json::Value>,
    /// `de`: the German reminder ladder (Zahlungserinnerung, 1. Mahnung, 2. Mahnung, letzte
    /// Mahnung with § 288 BGB default interest and flat fee) as the steps.
    pub ladder: Option<String>,
}

/// A late fee: a fixed amount per invoice currency, or a percentage of the amount still open.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LateFeeBody {
    /// `{"EUR": 500, "USD": 500}`: the fee in minor units of each invoice currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<BTreeMap<String, i64>>,
    /// Percent of the open amount, a decimal number as a string (`"2.5"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2.5")]
    pub percent: Option<Decimal>,
    /// `half_up` (the default), `half_even`, `toward_zero` or `away_from_zero`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounding: Option<&'static str>,
}

impl From<LateFee> for LateFeeBody {
    fn from(f: LateFee) -> Self {
        let rounding = f.rounding.map(|r| match r {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
            RoundingMode::TowardZero => "toward_zero",
            RoundingMode::AwayFromZero => "away_from_zero",
        });
        Self { fixed: f.fixed, percent: f.percent, rounding }
    }
}

/// One step of the policy: `action` on `day` days after the first failed collection attempt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"day": 7, "action": "late_fee", "fee": {"fixed": {"EUR": 500}}}))]
pub struct PolicyStepBody {
    pub day: u32,
    /// `retry`, `email`, `mark_uncollectible`, `late_fee`, `restrict`, `pause_subscriptions`,
    /// `cancel_subscriptions`, or a ladder notice: `payment_reminder`, `first_notice`,
    /// `second_notice`, `final_notice`.
    pub action: &'static str,
    /// `late_fee` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<LateFeeBody>,
    /// Ladder notices only: whether the statutory default interest and flat fee are added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charges: Option<bool>,
}

impl From<&PolicyStep> for PolicyStepBody {
    fn from(s: &PolicyStep) -> Self {
        Self { day: s.day, action: s.action.as_str(), fee: s.fee.clone().map(Into::into), charges: s.charges }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    pub steps: Vec<PolicyStepBody>,
    /// The preset ladder the steps came from (`de`), if any.
    pub ladder: Option<&'static str>,
    /// True while the tenant has no policy of its own.
    pub default: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/dunning_policy",
    tag = "operations",
    responses((status = 200, description = "The dunning policy (the default when the merchant has none).", body = PolicyView))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<PolicyView>> {
    let mut conn = state.pool.acquire().await?;
    let (policy, own) = dunning::policy_and_origin(&mut conn, tenant).await?;
    let ladder = dunning::policy_ladder(&mut conn, tenant).await?.map(|l| l.as_str());
    Ok(axum::Json(PolicyView { steps: policy.steps().iter().map(Into::into).collect(), ladder, default: !own }))
}

#[utoipa::path(
    put,
    path = "/api/v1/dunning_policy",
    tag = "operations",
    request_body = PolicyBody,
    responses((status = 200, description = "The dunning policy.", body = PolicyView))
)]
pub async fn put_policy(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<PolicyBody>,
) -> ApiResult<axum::Json<PolicyView>> {
    let mut conn = state.pool.acquire().await?;
    let ladder = req.ladder.as_deref();
    let policy = dunning::put_policy(&mut conn, tenant, req.steps, ladder, state.clock.now()).await?;
    let ladder = dunning::policy_ladder(&mut conn, tenant).await?.map(|l| l.as_str());
    Ok(axum::Json(PolicyView { steps: policy.steps().iter().map(Into::into).collect(), ladder, default: false }))
}

/// A policy for a customer segment or a payment method kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScopedPolicyView {
    /// `segment` (the customers of a price-list segment, `customers.segment`) or `method` (invoices
    /// whose first failed attempt used a `card` or a `sepa_debit` method).
    #[schema(example = "method")]
    pub scope: &'static str,
    /// The segment's code, or `card` / `sepa_debit`.
    #[schema(example = "sepa_debit")]
    pub name: String,
    pub steps: Vec<PolicyStepBody>,
    /// The preset ladder the steps came from (`de`), if any.
    pub ladder: Option<&'static str>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<dunning::ScopedPolicy> for ScopedPolicyView {
    fn from(p: dunning::ScopedPolicy) -> Self {
        Self {
            scope: p.scope.kind(),
            name: p.scope.name().to_string(),
            steps: p.policy.steps().iter().map(Into::into).collect(),
            ladder: p.ladder.map(|l| l.as_str()),
            updated_at: p.updated_at,
        }
    }
}

/// The policies for segments and payment method kinds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScopedPolicyList {
    pub items: Vec<ScopedPolicyView>,
}

fn scope(kind: &str, name: &str) -> Result<PolicyScope, billing_core::Error> {
    PolicyScope::parse(kind, name).map_err(|reason| billing_core::Error::invalid("scope", reason))
}

#[utoipa::path(
    get,
    path = "/api/v1/dunning_policies",
    tag = "operations",
    responses((status = 200, description = "The policies for segments and payment method kinds (the tenant's own is /dunning_policy).", body = ScopedPolicyList))
)]
pub async fn list_scoped(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<ScopedPolicyList>> {
    let mut conn = state.pool.acquire().await?;
    let items = dunning::scoped_policies(&mut conn, tenant).await?;
    Ok(axum::Json(ScopedPolicyList { items: items.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(
    get,
    path = "/api/v1/dunning_policies/{scope}/{name}",
    tag = "operations",
    params(
        ("scope" = String, Path, description = "`segment` or `method`."),
        ("name" = String, Path, description = "The segment's code, or `card` / `sepa_debit`.")
    ),
    responses((status = 200, description = "The policy.", body = ScopedPolicyView))
)]
pub async fn get_scoped(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((kind, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<ScopedPolicyView>> {
    let scope = scope(&kind, &name)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(dunning::scoped_policy(&mut conn, tenant, &scope).await?.into()))
}

/// Sets the policy for the customers of a segment or the invoices of a payment method kind: the
/// same steps (or `ladder`) as the tenant's own policy, checked the same way. For an invoice, a
/// segment's policy comes first, then the method kind's, then the tenant's.
#[utoipa::path(
    put,
    path = "/api/v1/dunning_policies/{scope}/{name}",
    tag = "operations",
    params(
        ("scope" = String, Path, description = "`segment` or `method`."),
        ("name" = String, Path, description = "The segment's code, or `card` / `sepa_debit`.")
    ),
    request_body = PolicyBody,
    responses((status = 200, description = "The policy as stored.", body = ScopedPolicyView))
)]
pub async fn put_scoped(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((kind, name)): Path<(String, String)>,
    ApiJson(req): ApiJson<PolicyBody>,
) -> ApiResult<axum::Json<ScopedPolicyView>> {
    let scope = scope(&kind, &name)?;
    let mut conn = state.pool.acquire().await?;
    let stored =
        dunning::put_scoped_policy(&mut conn, tenant, &scope, req.steps, req.ladder.as_deref(), state.clock.now())
            .await?;
    Ok(axum::Json(stored.into()))
}

/// Removes the policy: its invoices follow the next policy in line.
#[utoipa::path(
    delete,
    path = "/api/v1/dunning_policies/{scope}/{name}",
    tag = "operations",
    params(
        ("scope" = String, Path, description = "`segment` or `method`."),
        ("name" = String, Path, description = "The segment's code, or `card` / `sepa_debit`.")
    ),
    responses((status = 204, description = "Removed."))
)]
pub async fn delete_scoped(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path((kind, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let scope = scope(&kind, &name)?;
    let mut conn = state.pool.acquire().await?;
    dunning::delete_scoped_policy(&mut conn, tenant, &scope).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/customers/{id}/dunning/pause`: staff hold a customer's dunning (or one invoice's).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    /// Why (kept in the audit log); 1 to 500 characters.
    pub reason: String,
    /// The first day dunning acts again by itself (after today); absent: until resumed.
    pub until: Option<chrono::NaiveDate>,
    /// One open invoice of the customer's (`in_…`); absent: every invoice of theirs, also later ones.
    pub invoice: Option<String>,
}

/// `POST /api/v1/customers/{id}/dunning/resume`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeBody {
    /// The invoice whose pause ends; absent: the customer's own pause.
    pub invoice: Option<String>,
    pub reason: Option<String>,
}

/// A pause of a customer's dunning.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PauseView {
    /// `dunning_pause`
    pub object: &'static str,
    pub customer: String,
    /// The invoice paused; null: every invoice of the customer.
    pub invoice: Option<String>,
    pub reason: String,
    pub paused_on: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
    pub paused_by: String,
    /// Set once resumed.
    pub resumed_on: Option<chrono::NaiveDate>,
    pub resumed_by: Option<String>,
}

fn pause_view(
    customer: billing_core::ids::CustomerId,
    p: billing_core::service::dunning_pauses::DunningPause,
) -> PauseView {
    PauseView {
        object: "dunning_pause",
        customer: customer.to_string(),
        invoice: p.invoice.map(|i| i.to_string()),
        reason: p.reason,
        paused_on: p.paused_on,
        until: p.until,
        paused_by: p.paused_by,
        resumed_on: p.resumed_on,
        resumed_by: p.resumed_by,
    }
}

/// The bearer secret of the request, to name the key in the audit line (`api:<key id>`).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string())
}

pub(crate) async fn actor(
    conn: &mut sqlx::PgConnection,
    tenant: billing_core::ids::TenantId,
    secret: Option<&str>,
) -> billing_core::Result<String> {
    Ok(match secret {
        Some(s) => match billing_core::service::invoice_runs::api_key_id(conn, tenant, s).await? {
            Some(id) => format!("api:{id}"),
            None => "api".to_string(),
        },
        None => "api".to_string(),
    })
}

fn invoice_id(text: Option<&str>) -> Result<Option<billing_core::ids::InvoiceId>, billing_core::Error> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(|t| t.parse().map_err(billing_core::Error::from)).transpose()
}

#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/dunning/pause",
    tag = "operations",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = PauseBody,
    responses(
        (status = 200, description = "The pause: the dunning job takes no step for it until it ends.", body = PauseView),
        (status = 400, description = "No reason, `until` not after today, the invoice not open, or already paused.")
    )
)]
pub async fn pause(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: axum::http::HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(req): ApiJson<PauseBody>,
) -> ApiResult<axum::response::Response> {
    let customer: billing_core::ids::CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let input = billing_core::service::dunning_pauses::PauseInput {
        invoice: invoice_id(req.invoice.as_deref())?,
        reason: req.reason,
        until: req.until,
    };
    let now = state.clock.now();
    let secret = bearer(&headers);
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            let actor = actor(conn, tenant, secret.as_deref()).await?;
            let who = billing_core::service::dunning_pauses::Who { staff: None, actor: &actor, client: None };
            let p = billing_core::service::dunning_pauses::pause(conn, tenant, customer, &input, &who, now).await?;
            Ok(serde_json::to_value(pause_view(customer, p)).unwrap_or_default())
        })
    })
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/dunning/resume",
    tag = "operations",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = ResumeBody,
    responses(
        (status = 200, description = "The pause as ended: dunning goes on where it was.", body = PauseView),
        (status = 400, description = "Nothing of that scope is paused.")
    )
)]
pub async fn resume(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: axum::http::HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(req): ApiJson<ResumeBody>,
) -> ApiResult<axum::response::Response> {
    let customer: billing_core::ids::CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let invoice = invoice_id(req.invoice.as_deref())?;
    let now = state.clock.now();
    let secret = bearer(&headers);
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            let actor = actor(conn, tenant, secret.as_deref()).await?;
            let who = billing_core::service::dunning_pauses::Who { staff: None, actor: &actor, client: None };
            let p = billing_core::service::dunning_pauses::resume(
                conn,
                tenant,
                customer,
                invoice,
                req.reason.as_deref(),
                &who,
                now,
            )
            .await?;
            Ok(serde_json::to_value(pause_view(customer, p)).unwrap_or_default())
        })
    })
    .await
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_policy, put_policy, list_scoped, get_scoped, put_scoped, delete_scoped, pause, resume))]
pub struct Doc;
