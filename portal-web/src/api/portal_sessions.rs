//! `POST /api/v1/portal_sessions`: a merchant's app signs its customer into the portal. The
//! answer is a short-lived, single-use URL (a sign-in link, 15 minutes), optionally into one flow
//! that hides the rest of the navigation and offers the way back to `return_url`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::ids::CustomerId;
use billing_core::store::portal::LinkClaims;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};
use super::idempotency::create_once;
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePortalSession {
    /// The customer id (`cus_…`).
    pub customer: String,
    /// One of `payment_method_update`, `subscription_update`, `subscription_cancel`,
    /// `invoice_pay`, `billing_details`; the whole portal when absent.
    pub flow: Option<String>,
    /// An `https` (or `http`) URL of the merchant's app to return to.
    pub return_url: Option<String>,
    /// The portal's language for this visit (one of the shipped languages).
    pub locale: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortalSessionBody {
    pub object: &'static str,
    #[schema(value_type = String)]
    pub customer: CustomerId,
    pub url: String,
    pub flow: Option<String>,
    pub return_url: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(
    post,
    path = "/api/v1/portal_sessions",
    tag = "portal",
    request_body = CreatePortalSession,
    responses((status = 201, description = "A one-time sign-in link to the customer portal.", body = PortalSessionBody))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreatePortalSession>,
) -> ApiResult<Response> {
    let customer: CustomerId = req.customer.parse().map_err(billing_core::Error::from)?;
    if let Some(f) = &req.flow
        && !crate::portal::ctx::FLOWS.iter().any(|(name, _)| name == f)
    {
        let names: Vec<&str> = crate::portal::ctx::FLOWS.iter().map(|(n, _)| *n).collect();
        return Err(billing_core::Error::invalid("flow", format!("use one of {}", names.join(", "))).into());
    }
    if let Some(u) = &req.return_url {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() <= 2000
            && !u.chars().any(|c| c.is_control() || c == '"' || c == '<' || c == '>' || c.is_whitespace());
        if !ok {
            return Err(billing_core::Error::invalid("return_url", "an absolute http(s) URL").into());
        }
    }
    let locale = match &req.locale {
        None => None,
        Some(l) => Some(
            crate::i18n::Locale::negotiate_tag(l)
                .ok_or_else(|| {
                    ApiError::from(billing_core::Error::invalid("locale", format!("`{l}` is not supported")))
                })?
                .tag()
                .to_string(),
        ),
    };
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string);
    let now = state.clock.now();
    let claims = LinkClaims { flow: req.flow.clone(), return_url: req.return_url.clone(), locale };
    let app = state.clone();
    create_once(&state, tenant, &headers, move |conn| {
        Box::pin(async move {
            billing_core::service::customers::get(conn, tenant, customer).await?;
            let t = billing_core::service::tenants::get(conn, tenant).await?;
            let root = crate::portal::ctx::portal_root(&app, &t.slug, None, host.as_deref());
            let url = crate::portal::auth::issue_link(conn, &app, tenant, customer, "api", &claims, &root, now).await?;
            let body = PortalSessionBody {
                object: "portal_session",
                customer,
                url,
                flow: claims.flow.clone(),
                return_url: claims.return_url.clone(),
                expires_at: now + Duration::minutes(crate::portal::auth::LINK_MINUTES),
            };
            Ok(serde_json::to_value(body).unwrap_or_default())
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionOfferRequest {
    /// `coupon` (with `coupon`), `pause`, or `none` to offer nothing.
    pub kind: String,
    /// The coupon code offered instead of canceling.
    pub coupon: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetentionOfferBody {
    pub object: &'static str,
    pub kind: String,
    pub coupon: Option<String>,
}

/// `PUT /api/v1/portal/retention_offer`: the one offer the portal's cancel page shows, once per
/// subscription.
#[utoipa::path(
    put,
    path = "/api/v1/portal/retention_offer",
    tag = "portal",
    request_body = RetentionOfferRequest,
    responses((status = 200, description = "The offer shown to customers who cancel.", body = RetentionOfferBody))
)]
pub async fn set_retention_offer(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RetentionOfferRequest>,
) -> ApiResult<Response> {
    let kind = req.kind.trim().to_string();
    let coupon = req.coupon.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    match (kind.as_str(), &coupon) {
        ("coupon", Some(_)) | ("pause" | "none", None) => {}
        ("coupon", None) => {
            return Err(billing_core::Error::invalid("coupon", "a coupon offer names its coupon").into());
        }
        ("pause" | "none", Some(_)) => {
            return Err(billing_core::Error::invalid("coupon", "only a coupon offer names a coupon").into());
        }
        _ => return Err(billing_core::Error::invalid("kind", "use coupon, pause or none").into()),
    }
    let now = state.clock.now();
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            if let Some(code) = &coupon {
                billing_core::store::coupons::get_for_update(conn, tenant, code)
                    .await?
                    .ok_or_else(|| billing_core::Error::not_found("coupon", code))?;
            }
            let offer = (kind != "none").then_some((kind.as_str(), coupon.as_deref()));
            billing_core::store::portal::set_retention_offer(conn, tenant, offer, now).await?;
            Ok(serde_json::to_value(RetentionOfferBody { object: "retention_offer", kind, coupon }).unwrap_or_default())
        })
    })
    .await
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, set_retention_offer))]
pub struct Doc;
