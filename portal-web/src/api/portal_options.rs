//! `GET/PUT /api/v1/portal/options` (docs/adr/0039): the languages the portal offers and the
//! plan moves customers may make themselves; `GET/PUT/DELETE /api/v1/branding/logo` (docs/adr/0045):
//! the logo file, judged by the same content checks as the console's upload. The console's
//! settings page calls the same services (`billing_core::service::portal_options`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::service::portal_options::{self, PlanMove, PlanMoves};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use billing_core::service::staff::AuditEntry;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};
use super::{Route, get, put};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_options, put_options, get_logo, put_logo, delete_logo))]
pub struct Doc;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/portal/options", get_options),
        put("/portal/options", put_options),
        get("/branding/logo", get_logo),
        put("/branding/logo", put_logo),
        super::delete("/branding/logo", delete_logo),
    ]
}

/// One plan move a customer may make: from one plan to another, by code.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanMoveBody {
    pub from: String,
    pub to: String,
}

/// Which plan changes customers may make themselves in the portal.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanMovesBody {
    /// `any` (every active plan), `upgrades` (only to a higher monthly price; fewer seats are a
    /// downgrade too), `list` (only the `moves` listed) or `none` (no plan change; the quantity
    /// may still change).
    pub mode: String,
    /// For `list`: the allowed moves.
    #[serde(default)]
    pub moves: Vec<PlanMoveBody>,
    /// A downgrade takes effect at the end of the current period instead of at once.
    #[serde(default)]
    pub downgrades_at_period_end: bool,
}

/// The portal's options.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalOptionsBody {
    /// `portal_options`
    pub object: &'static str,
    /// The languages the portal offers (its switcher and negotiation stay within them); all ten
    /// when the merchant chose none. Always includes `default_locale`.
    pub offered_locales: Vec<String>,
    pub default_locale: String,
    pub plan_moves: PlanMovesBody,
}

/// A change of the portal's options; an absent field stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutPortalOptions {
    /// Shipped languages (de en es fr it ja nl pl pt-BR zh-CN), including the default one.
    pub offered_locales: Option<Vec<String>>,
    pub plan_moves: Option<PlanMovesBody>,
}

fn moves_body(m: PlanMoves) -> PlanMovesBody {
    PlanMovesBody {
        mode: m.mode,
        moves: m.moves.into_iter().map(|m| PlanMoveBody { from: m.from, to: m.to }).collect(),
        downgrades_at_period_end: m.downgrades_at_period_end,
    }
}

async fn body(
    conn: &mut sqlx::PgConnection,
    tenant: billing_core::ids::TenantId,
) -> billing_core::Result<PortalOptionsBody> {
    let t = billing_core::service::tenants::get(conn, tenant).await?;
    let offered = portal_options::offered_locales(conn, tenant)
        .await?
        .unwrap_or_else(|| billing_core::customer::SUPPORTED_LOCALES.iter().map(|l| l.to_string()).collect());
    Ok(PortalOptionsBody {
        object: "portal_options",
        offered_locales: offered,
        default_locale: t.default_locale,
        plan_moves: moves_body(portal_options::plan_moves(conn, tenant).await?),
    })
}

/// The portal's offered languages and allowed plan moves.
#[utoipa::path(get, path = "/api/v1/portal/options", tag = "portal",
    responses((status = 200, description = "The portal's options", body = PortalOptionsBody)))]
pub async fn get_options(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<PortalOptionsBody>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(body(&mut conn, tenant).await?))
}

/// Changes the offered languages and/or the allowed plan moves; a refused change stores nothing.
#[utoipa::path(put, path = "/api/v1/portal/options", tag = "portal", request_body = PutPortalOptions,
    responses((status = 200, description = "The portal's options as stored", body = PortalOptionsBody),
              (status = 400, description = "An unknown language, the default language left out, an unknown mode"),
              (status = 404, description = "A move names an unknown plan")))]
pub async fn put_options(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    ApiJson(req): ApiJson<PutPortalOptions>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            if let Some(offered) = &req.offered_locales {
                let t = billing_core::service::tenants::get(conn, tenant).await?;
                portal_options::set_languages(conn, tenant, &t.default_locale, Some(offered), now).await?;
            }
            if let Some(m) = req.plan_moves {
                let moves = PlanMoves {
                    mode: m.mode,
                    moves: m.moves.into_iter().map(|m| PlanMove { from: m.from, to: m.to }).collect(),
                    downgrades_at_period_end: m.downgrades_at_period_end,
                };
                portal_options::set_plan_moves(conn, tenant, &moves, now).await?;
            }
            Ok(serde_json::to_value(body(conn, tenant).await?).unwrap_or_default())
        })
    })
    .await
}

// ---- The logo file (docs/adr/0045) ----

/// The uploaded logo.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogoBody {
    /// `logo`
    pub object: &'static str,
    /// `image/png`, `image/jpeg` or `image/svg+xml`, judged by the content (not by the request's
    /// `Content-Type`).
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the file (hex): the `ETag` it is served with.
    pub sha256: String,
    /// Where `billing serve` serves it: `/p/{slug}/logo` (the portal, console and mails link it).
    pub url: String,
}

/// The logo after a delete.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogoDeletedBody {
    /// `logo`
    pub object: &'static str,
    /// Whether there was an uploaded logo to delete (the `logo_url` of the branding shows again).
    pub deleted: bool,
}

fn logo_body(meta: portal_options::LogoMeta, slug: &str) -> LogoBody {
    LogoBody {
        object: "logo",
        content_type: meta.content_type,
        size: meta.size,
        sha256: meta.sha256,
        url: format!("/p/{slug}/logo"),
    }
}

/// The refusal of a logo file, in the caller's language (the console's messages).
/// The audit entry of a logo change through the API (`settings.logo`), as the console writes it.
fn logo_audit<'a>(
    actor: &'a str,
    outcome: &'a str,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> AuditEntry<'a> {
    AuditEntry {
        actor,
        action: "settings.logo",
        outcome,
        target: Some("settings:logo".into()),
        before,
        after: Some(after),
        ..AuditEntry::default()
    }
}

fn logo_refused(problem: portal_options::LogoProblem) -> ApiError {
    use portal_options::LogoProblem as P;
    let message = match problem {
        P::Empty => "console-gap-logo-api-empty",
        P::TooLarge => "console-logo-too-large",
        P::NotAnImage => "console-logo-not-an-image",
        P::UnsafeSvg => "console-logo-unsafe-svg",
    };
    ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid_logo", message)
        .arg("max", portal_options::LOGO_MAX_BYTES / 1024)
        .arg("problem", problem.as_str())
        .param("logo")
}

/// The uploaded logo's metadata; 404 when none is uploaded.
#[utoipa::path(get, path = "/api/v1/branding/logo", tag = "portal",
    responses((status = 200, description = "The uploaded logo", body = LogoBody),
              (status = 401, description = "No or a wrong API key"),
              (status = 404, description = "No logo is uploaded")))]
pub async fn get_logo(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<LogoBody>> {
    let mut conn = state.pool.acquire().await?;
    let t = billing_core::service::tenants::get(&mut conn, tenant).await?;
    let meta = portal_options::logo_meta(&mut conn, tenant)
        .await?
        .ok_or_else(|| billing_core::Error::not_found("logo", "logo"))?;
    Ok(axum::Json(logo_body(meta, &t.slug)))
}

/// Uploads the logo: the request body is the file itself (PNG, JPEG or SVG, at most 256 KiB),
/// judged by its content as the console's upload is; an SVG with scripts, event handlers,
/// `javascript:`, `foreignObject`, external references or a DOCTYPE is refused, not cleaned. A
/// refused file stores nothing. Audited as `settings.logo` with the logo before and after.
#[utoipa::path(put, path = "/api/v1/branding/logo", tag = "portal",
    request_body(content = String, content_type = "application/octet-stream",
                 description = "The logo file's bytes (any Content-Type; the content decides)."),
    responses((status = 200, description = "The stored logo", body = LogoBody),
              (status = 400, description = "`invalid_logo`: empty, larger than 256 KiB, not a PNG, JPEG or SVG, or an unsafe SVG (`param`: `logo`)"),
              (status = 401, description = "No or a wrong API key")))]
pub async fn put_logo(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
    super::input::RawBody(body): super::input::RawBody,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let actor = super::dunning::actor(&mut conn, tenant, super::dunning::bearer(&headers).as_deref()).await?;
    if let Err(problem) = portal_options::sniff_logo(&body) {
        // Refused: audited, nothing stored.
        let after = serde_json::json!({ "problem": problem.as_str(), "bytes": body.len() });
        let entry = logo_audit(&actor, "refused", None, after);
        billing_core::service::staff::audit(&mut conn, tenant, &entry, now).await?;
        return Err(logo_refused(problem));
    }
    drop(conn);
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            let t = billing_core::service::tenants::get(conn, tenant).await?;
            let before = portal_options::logo_meta(conn, tenant).await?;
            let after = portal_options::put_logo(conn, tenant, &body, now).await?;
            let entry = logo_audit(
                &actor,
                "done",
                Some(serde_json::json!({ "logo": before })),
                serde_json::json!({ "logo": after }),
            );
            billing_core::service::staff::audit(conn, tenant, &entry, now).await?;
            Ok(serde_json::to_value(logo_body(after, &t.slug)).unwrap_or_default())
        })
    })
    .await
}

/// Deletes the uploaded logo (the branding's `logo_url`, if any, is shown again). Audited as
/// `settings.logo` when there was one.
#[utoipa::path(delete, path = "/api/v1/branding/logo", tag = "portal",
    responses((status = 200, description = "Whether a logo was deleted", body = LogoDeletedBody),
              (status = 401, description = "No or a wrong API key")))]
pub async fn delete_logo(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let actor = super::dunning::actor(&mut conn, tenant, super::dunning::bearer(&headers).as_deref()).await?;
    drop(conn);
    super::idempotency::run_once(&state, tenant, &headers, axum::http::StatusCode::OK, move |conn| {
        Box::pin(async move {
            let before = portal_options::logo_meta(conn, tenant).await?;
            let deleted = portal_options::delete_logo(conn, tenant).await?;
            if deleted {
                let (before, after) = (serde_json::json!({ "logo": before }), serde_json::json!({ "logo": null }));
                let entry = logo_audit(&actor, "done", Some(before), after);
                billing_core::service::staff::audit(conn, tenant, &entry, now).await?;
            }
            Ok(serde_json::to_value(LogoDeletedBody { object: "logo", deleted }).unwrap_or_default())
        })
    })
    .await
}
