//! /api/v1/customers/{id}/vat_id: confirming a customer's VAT ID with VIES and the evidence kept.

use axum::extract::{Path, State};
use billing_core::ids::CustomerId;
use billing_core::service::vat_check;

use super::error::ApiResult;
use super::extract::{AuthTenant, path_id};
use crate::app::AppState;

/// `POST /customers/{id}/vat_id/verify`: asks VIES now. An unreachable VIES is an answer too:
/// the ID stays unverified (never invalid) and the `vies-recheck` job tries again later.
pub async fn verify(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let customer = path_id::<CustomerId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    let (status, check) =
        vat_check::verify(&mut conn, tenant, customer, state.vat_verifier.as_ref(), state.clock.now()).await?;
    Ok(axum::Json(serde_json::json!({ "customer": customer, "vat_id_status": status, "check": check })))
}

/// `GET /customers/{id}/vat_id/checks`: every check, oldest first.
pub async fn checks(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let customer = path_id::<CustomerId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    billing_core::service::customers::get(&mut conn, tenant, customer).await?;
    let checks = vat_check::checks(&mut conn, tenant, customer).await?;
    Ok(axum::Json(serde_json::json!({ "object": "list", "data": checks })))
}
