//! SEPA Direct Debit mandates through the API (docs/adr/0044): `GET /customers/{id}/mandates`,
//! the customer's mandates with their state, and `POST /customers/{id}/mandates/{mandate}/cancel`,
//! the merchant cancelling one (the mandate is revoked and its payment method removed). The
//! mandates themselves are signed by customers in the portal (docs/adr/0040).

use axum::extract::{Path, State};
use billing_core::ids::CustomerId;
use billing_core::service::{payments, sepa_mandates};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::ApiResult;
use super::extract::AuthTenant;
use super::{Route, get, post};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_mandates, cancel_mandate))]
pub struct Doc;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/customers/{id}/mandates", list_mandates),
        post("/customers/{id}/mandates/{mandate}/cancel", cancel_mandate),
    ]
}

/// A SEPA Direct Debit mandate as the customer confirmed it, and its state.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193b0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "object": "sepa_mandate", "customer": "cus_2AbCdEfGhJkLmNpQrStUvW",
    "payment_method": "0193b0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6e", "reference": "MDT-4F2A9C0B1D3E5F60", "status": "active",
    "creditor_id": "DE98ZZZ09999999999", "creditor_name": "Acme GmbH", "account_holder": "Erika Mustermann", "iban_last4": "3000",
    "text_version": "2026-12-10", "text_locale": "de", "mandate_text": "…", "signed_at": "2026-12-10T09:00:00Z",
    "ended_at": null, "end_reason": null}))]
pub struct MandateBody {
    pub id: Uuid,
    /// `sepa_mandate`
    pub object: &'static str,
    /// The customer (`cus_…`).
    pub customer: String,
    /// The payment method the mandate made (removed once the mandate ended).
    pub payment_method: Uuid,
    /// The mandate reference (`MDT-…`) the debits carry.
    pub reference: String,
    /// `active`, `revoked` (the customer removed the method, or the merchant cancelled it) or
    /// `expired` (no debit for 36 months).
    pub status: String,
    pub creditor_id: String,
    pub creditor_name: String,
    pub account_holder: String,
    /// The last four characters of the IBAN.
    pub iban_last4: String,
    /// The version of the mandate text shown.
    pub text_version: String,
    /// The language the text was shown in.
    pub text_locale: String,
    /// The text exactly as the customer read it before confirming.
    pub mandate_text: String,
    pub signed_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `payment_method_removed`, `cancelled_by_merchant` or `unused_36_months`.
    pub end_reason: Option<String>,
}

impl From<sepa_mandates::Mandate> for MandateBody {
    fn from(m: sepa_mandates::Mandate) -> Self {
        let iban_last4: String = m.iban.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        Self {
            id: m.id,
            object: "sepa_mandate",
            customer: CustomerId(m.customer_id).to_string(),
            payment_method: m.payment_method_id,
            reference: m.reference,
            status: m.status,
            creditor_id: m.creditor_id,
            creditor_name: m.creditor_name,
            account_holder: m.account_holder,
            iban_last4,
            text_version: m.text_version,
            text_locale: m.text_locale,
            mandate_text: m.mandate_text,
            signed_at: m.signed_at,
            ended_at: m.ended_at,
            end_reason: m.end_reason,
        }
    }
}

fn mandate_id(id: &str) -> Result<Uuid, billing_core::Error> {
    id.parse().map_err(|_| billing_core::Error::not_found("mandate", id))
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/mandates",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The customer's SEPA mandates, newest first; another merchant's customer is not found (404).", body = Vec<MandateBody>))
)]
pub async fn list_mandates(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<MandateBody>>> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let mut conn = state.pool.acquire().await?;
    let mandates = sepa_mandates::of_customer(&mut conn, tenant, customer).await?;
    Ok(axum::Json(mandates.into_iter().map(MandateBody::from).collect()))
}

#[derive(serde::Deserialize)]
pub struct MandatePath {
    id: String,
    mandate: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/mandates/{mandate}/cancel",
    tag = "payments",
    params(
        ("id" = String, Path, description = "The customer (`cus_…`)."),
        ("mandate" = String, Path, description = "The mandate's id."),
    ),
    responses((status = 200, description = "The mandate, revoked (or as it was, when it had ended already); its payment method is removed and detached at the provider. Another customer's mandate is not found (404).", body = MandateBody))
)]
pub async fn cancel_mandate(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(p): Path<MandatePath>,
) -> ApiResult<axum::Json<MandateBody>> {
    let customer: CustomerId = p.id.parse().map_err(billing_core::Error::from)?;
    let id = mandate_id(&p.mandate)?;
    let now = state.clock.now();
    let mandate = {
        let mut conn = state.pool.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let m = sepa_mandates::cancel(&mut tx, tenant, customer, id, now).await?;
        tx.commit().await?;
        m
    };
    // Detached at the provider once the removal is committed (a provider that cannot be reached
    // is logged; the method stays removed here).
    if let Err(e) =
        payments::detach_removed(&state.pool, tenant, customer, mandate.payment_method_id, state.gateways.as_ref())
            .await
    {
        tracing::warn!(mandate = %mandate.id, error = %e, "the cancelled mandate's method was not detached at the provider");
    }
    Ok(axum::Json(mandate.into()))
}
