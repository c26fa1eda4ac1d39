//! `GET/PUT /api/v1/portal/options` (docs/adr/0039): the languages the portal offers and the
//! plan moves customers may make themselves. The console's settings page calls the same
//! services (`billing_core::service::portal_options`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use billing_core::service::portal_options::{self, PlanMove, PlanMoves};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use super::{Route, get, put};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_options, put_options))]
pub struct Doc;

pub(crate) fn routes() -> Vec<Route> {
    vec![get("/portal/options", get_options), put("/portal/options", put_options)]
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
