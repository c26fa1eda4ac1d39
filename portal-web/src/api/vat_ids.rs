//! /api/v1/customers/{id}/vat_id: confirming a customer's VAT ID with VIES and the evidence kept.

use axum::extract::{Path, State};
use billing_core::ids::CustomerId;
use billing_core::service::vat_check::{self, VatIdCheck};
use billing_core::tax::VatIdStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::error::ApiResult;
use super::extract::{AuthTenant, path_id};
use crate::state::AppState;

/// One stored VIES check: the evidence of Art. 18 Reg. 282/2011.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckBody {
    pub id: uuid::Uuid,
    pub vat_id: String,
    /// `valid`, `invalid`, `refused` or `unavailable`.
    pub outcome: String,
    pub error_code: Option<String>,
    /// VIES's `requestIdentifier`, issued when the seller's own VAT ID was sent.
    pub consultation_number: Option<String>,
    pub trader_name: Option<String>,
    pub trader_address: Option<String>,
    pub request_date: Option<NaiveDate>,
    pub checked_at: DateTime<Utc>,
}

impl From<VatIdCheck> for CheckBody {
    fn from(c: VatIdCheck) -> Self {
        Self {
            id: c.id,
            vat_id: c.vat_id,
            outcome: c.outcome,
            error_code: c.error_code,
            consultation_number: c.consultation_number,
            trader_name: c.trader_name,
            trader_address: c.trader_address,
            request_date: c.request_date,
            checked_at: c.checked_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyBody {
    #[schema(value_type = String)]
    pub customer: CustomerId,
    /// The customer's VAT ID status after the check (a confirmed ID stays confirmed when VIES is
    /// down).
    #[schema(value_type = super::schemas::VatIdStatus)]
    pub vat_id_status: VatIdStatus,
    pub check: CheckBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChecksBody {
    pub object: &'static str,
    pub data: Vec<CheckBody>,
}

/// `POST /customers/{id}/vat_id/verify`: asks VIES now. An unreachable VIES is an answer too:
/// the ID stays unverified (never invalid) and the `vies-recheck` job tries again later.
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/vat_id/verify",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The VIES answer and the status it gives the VAT ID.", body = VerifyBody), (status = 422, description = "The customer has no VAT ID.", body = super::openapi::ErrorBody))
)]
pub async fn verify(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<VerifyBody>> {
    let customer = path_id::<CustomerId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    let (status, check) =
        vat_check::verify(&mut conn, tenant, customer, state.vat_verifier.as_ref(), state.clock.now()).await?;
    Ok(axum::Json(VerifyBody { customer, vat_id_status: status, check: check.into() }))
}

/// `GET /customers/{id}/vat_id/checks`: every check, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/vat_id/checks",
    tag = "customers",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "Every VIES check of the customer, the evidence for B2B treatment.", body = ChecksBody))
)]
pub async fn checks(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ChecksBody>> {
    let customer = path_id::<CustomerId>(&id)?;
    let mut conn = state.pool.acquire().await?;
    billing_core::service::customers::get(&mut conn, tenant, customer).await?;
    let checks = vat_check::checks(&mut conn, tenant, customer).await?;
    Ok(axum::Json(ChecksBody { object: "list", data: checks.into_iter().map(CheckBody::from).collect() }))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(verify, checks))]
pub struct Doc;
