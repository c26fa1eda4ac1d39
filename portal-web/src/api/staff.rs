//! `/api/v1/staff`: the merchant's console staff (issue 14, docs/adr/0027). An API key is
//! admin-equivalent: it creates staff members (with a password, or an invitation link to set
//! one) and lists them. Every creation is in the staff audit log with the API key as actor.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use billing_core::service::staff::{self, Staff};
use billing_core::staff::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};
use super::{Route, get, post};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create))]
pub struct Doc;

pub(crate) fn routes() -> Vec<Route> {
    vec![get("/staff", list), post("/staff", create)]
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaff {
    /// The staff member's email address (their sign-in name in this merchant's console).
    pub email: String,
    /// `admin`, `finance`, `support` or `analyst`.
    pub role: String,
    /// At least 12 characters; without it the answer carries a one-time `invite_url` to set one.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffBody {
    pub object: &'static str,
    pub id: uuid::Uuid,
    pub email: String,
    pub role: String,
    pub totp_enabled: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Only when created without a password: where the staff member sets one (7 days, once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_url: Option<String>,
}

impl From<Staff> for StaffBody {
    fn from(s: Staff) -> Self {
        Self {
            object: "staff_member",
            id: s.id,
            email: s.email,
            role: s.role.as_str().to_string(),
            totp_enabled: s.totp_enabled,
            disabled: s.disabled,
            created_at: s.created_at,
            invite_url: None,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffList {
    pub object: &'static str,
    pub data: Vec<StaffBody>,
}

/// The tenant's staff members.
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff",
    responses((status = 200, description = "The merchant's console staff", body = StaffList)))]
pub async fn list(State(state): State<AppState>, AuthTenant(tenant): AuthTenant) -> ApiResult<axum::Json<StaffList>> {
    let mut conn = state.pool.acquire().await?;
    let data = staff::list(&mut conn, tenant).await?.into_iter().map(StaffBody::from).collect();
    Ok(axum::Json(StaffList { object: "list", data }))
}

/// Creates a console staff member.
#[utoipa::path(post, path = "/api/v1/staff", tag = "staff", request_body = CreateStaff,
    responses(
        (status = 201, description = "Created", body = StaffBody),
        (status = 400, description = "Invalid email, role or password"),
        (status = 409, description = "Already a staff member of this merchant"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateStaff>,
) -> ApiResult<Response> {
    let role: Role = req.role.parse()?;
    let now = state.clock.now();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost").to_string();
    let scheme = if state.portal.secure_cookies { "https" } else { "http" };
    let server = state
        .portal
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("{scheme}://{host}"));
    let mut conn = state.pool.acquire().await?;
    let actor = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
    {
        Some(secret) => match billing_core::service::invoice_runs::api_key_id(&mut conn, tenant, secret).await? {
            Some(id) => format!("api:{id}"),
            None => "api".to_string(),
        },
        None => "cli".to_string(),
    };
    let slug = billing_core::service::tenants::get(&mut conn, tenant).await?.slug;
    drop(conn);
    let email = req.email.clone();
    let password = req.password.clone();
    super::idempotency::create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            let added = crate::ops::staff::add(conn, tenant, &email, role, password, (&actor, None), now).await?;
            let mut body = StaffBody::from(added.staff);
            body.invite_url = added.invite_token.map(|t| format!("{server}/c/{slug}/invite?token={t}"));
            serde_json::to_value(body).map_err(|_| ApiError::internal())
        })
    })
    .await
}
