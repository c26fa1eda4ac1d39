//! SEPA Direct Debit mandates through the API (docs/adr/0044, 0048): `GET /customers/{id}/mandates`,
//! the customer's mandates with their state; `POST /customers/{id}/mandates`, a mandate the
//! merchant holds (signed on paper or on its own site) registered with its text, reference and
//! agreed pre-notification period; `PATCH /customers/{id}/mandates/{mandate}`, the agreed
//! pre-notification period changed (audited); and `POST /customers/{id}/mandates/{mandate}/cancel`,
//! the merchant cancelling one (the mandate is revoked and its payment method removed). Customers
//! sign mandates in the portal (docs/adr/0040), under the merchant's period
//! (`POST /tenant {sepa_prenotification_days}`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use billing_core::ids::CustomerId;
use billing_core::sepa::{PRENOTIFICATION_MAX_DAYS, PRENOTIFICATION_MIN_DAYS};
use billing_core::service::{payments, sepa_mandates};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, AuthTenant};
use super::{Route, get, patch, post};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_mandates, create_mandate, update_mandate, cancel_mandate))]
pub struct Doc;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/customers/{id}/mandates", list_mandates),
        post("/customers/{id}/mandates", create_mandate),
        patch("/customers/{id}/mandates/{mandate}", update_mandate),
        post("/customers/{id}/mandates/{mandate}/cancel", cancel_mandate),
    ]
}

/// A SEPA Direct Debit mandate as the customer confirmed it, and its state.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193b0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "object": "sepa_mandate", "customer": "cus_2AbCdEfGhJkLmNpQrStUvW",
    "payment_method": "0193b0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6e", "reference": "MDT-4F2A9C0B1D3E5F60", "status": "active",
    "creditor_id": "DE98ZZZ09999999999", "creditor_name": "Acme GmbH", "account_holder": "Erika Mustermann", "iban_last4": "3000",
    "text_version": "2026-12-10", "text_locale": "de", "mandate_text": "…", "signed_at": "2026-12-10T09:00:00Z",
    "ended_at": null, "end_reason": null, "prenotification_days": 5, "effective_prenotification_days": 5}))]
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
    /// The pre-notification period agreed with the customer, in calendar days (1-30); `null`: none
    /// agreed, the SEPA rulebook's 14 days apply.
    pub prenotification_days: Option<i32>,
    /// The period that applies: each debit under the mandate is pre-notified this many days
    /// ahead and never collected before they have passed after its notice.
    pub effective_prenotification_days: i32,
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
            prenotification_days: m.prenotification_days.map(i32::from),
            effective_prenotification_days: i32::from(billing_core::sepa::effective_prenotification_days(
                m.prenotification_days,
            )),
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

/// A field that is present (`null` included) reads as `Some`; an absent one stays `None`.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

/// The refusal of a pre-notification period, in the request's language.
pub(crate) fn period_refused(field: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", "sepa-period-invalid")
        .arg("min", PRENOTIFICATION_MIN_DAYS)
        .arg("max", PRENOTIFICATION_MAX_DAYS)
        .param(field)
}

/// A pre-notification period as sent: a whole number of days from 1 to 30, or `null` (none
/// agreed: the rulebook's 14 days). Anything else is refused (400) before anything is read or
/// changed.
pub(crate) fn period(value: &serde_json::Value, field: &'static str) -> Result<Option<i16>, ApiError> {
    match value {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => {
            n.as_i64().and_then(billing_core::sepa::prenotification_days).map(Some).ok_or_else(|| period_refused(field))
        }
        _ => Err(period_refused(field)),
    }
}

/// A mandate the merchant holds, registered through the API.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMandate {
    /// The debtor's IBAN (spaces allowed; a SEPA country, checked).
    #[schema(example = "DE89 3704 0044 0532 0130 00")]
    pub iban: String,
    /// The account holder (1-70 characters).
    pub account_holder: String,
    /// The mandate's text as the customer agreed to it (kept as proof, up to 5000 characters).
    pub mandate_text: String,
    /// The mandate reference the debits carry (1-35 characters: letters, digits, spaces and
    /// `/ - ? : ( ) . , ' +`); one is made (`MDT-…`) when absent. Unique per merchant.
    #[serde(default)]
    pub reference: Option<String>,
    /// The language of the text; the customer's language when absent.
    #[serde(default)]
    pub locale: Option<String>,
    /// The pre-notification period agreed with the customer, in calendar days (1-30); absent or
    /// `null`: the SEPA rulebook's 14 days.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 30)]
    pub prenotification_days: Option<serde_json::Value>,
}

#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/mandates",
    tag = "payments",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = CreateMandate,
    responses(
        (status = 201, description = "The mandate, active; its SEPA Direct Debit method is stored at the tenant's default gateway account and is the customer's default. Open invoices are not collected by this call.", body = MandateBody),
        (status = 400, description = "A bad IBAN, holder, text, reference, language or period, or no SEPA creditor identifier set: nothing is stored.", body = super::openapi::ErrorBody),
        (status = 404, description = "No such customer (another merchant's customer is not found).", body = super::openapi::ErrorBody),
        (status = 409, description = "The reference is taken.", body = super::openapi::ErrorBody)
    )
)]
pub async fn create_mandate(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CreateMandate>,
) -> ApiResult<axum::response::Response> {
    let customer: CustomerId = id.parse().map_err(billing_core::Error::from)?;
    let prenotification_days = match &req.prenotification_days {
        None => None,
        Some(v) => period(v, "prenotification_days")?,
    };
    let iban = gateway_adapters::bank::epc_qr::validate_iban(&req.iban).map_err(super::error::bank_error)?;
    let registration = sepa_mandates::Registration {
        iban,
        account_holder: req.account_holder,
        reference: req.reference,
        text: req.mandate_text,
        locale: req.locale,
        prenotification_days,
    };
    let now = state.clock.now();
    let (_, mandate) =
        sepa_mandates::register(&state.pool, tenant, customer, state.gateways.as_ref(), &registration, now).await?;
    Ok((StatusCode::CREATED, axum::Json(MandateBody::from(mandate))).into_response())
}

/// A change of a mandate; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMandate {
    /// The pre-notification period agreed with the customer, in calendar days (1-30); `null`: back
    /// to the SEPA rulebook's 14 days. Notices already sent keep the debit date they announced.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 30)]
    pub prenotification_days: Option<serde_json::Value>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/customers/{id}/mandates/{mandate}",
    tag = "payments",
    params(
        ("id" = String, Path, description = "The customer (`cus_…`)."),
        ("mandate" = String, Path, description = "The mandate's id."),
    ),
    request_body = UpdateMandate,
    responses(
        (status = 200, description = "The mandate as changed; the change is in the staff audit log with the period before and after.", body = MandateBody),
        (status = 400, description = "A period that is not a whole number of days from 1 to 30, or the mandate has ended: nothing changes.", body = super::openapi::ErrorBody),
        (status = 404, description = "No such mandate of this customer (another merchant's or customer's is not found).", body = super::openapi::ErrorBody)
    )
)]
pub async fn update_mandate(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    headers: axum::http::HeaderMap,
    Path(p): Path<MandatePath>,
    ApiJson(req): ApiJson<UpdateMandate>,
) -> ApiResult<axum::Json<MandateBody>> {
    let customer: CustomerId = p.id.parse().map_err(billing_core::Error::from)?;
    let id = mandate_id(&p.mandate)?;
    let days = req.prenotification_days.as_ref().map(|v| period(v, "prenotification_days")).transpose()?;
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let mandate = match days {
        None => sepa_mandates::get(&mut tx, tenant, customer, id).await?,
        Some(days) => {
            let actor = super::dunning::actor(&mut tx, tenant, super::dunning::bearer(&headers).as_deref()).await?;
            let who = sepa_mandates::Actor { staff: None, actor: &actor };
            sepa_mandates::set_period(&mut tx, tenant, customer, id, days, who, now).await?
        }
    };
    tx.commit().await?;
    Ok(axum::Json(mandate.into()))
}
