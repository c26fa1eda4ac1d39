//! /api/v1/tenant: the calling merchant's seller profile and branding, as documents print them.

use axum::extract::State;
use billing_core::party::SellerProfileInput;
use billing_core::tenant::Tenant;
use serde::{Deserialize, Serialize};

use super::customers::AddressBody;
use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantBody {
    pub object: &'static str,
    pub slug: String,
    pub name: String,
    /// Full legal name on documents (the `name` when not set).
    pub legal_name: Option<String>,
    pub country: &'static str,
    pub default_locale: String,
    pub vat_id: Option<String>,
    pub tax_number: Option<String>,
    pub address: Option<AddressBody>,
    pub bank_account_holder: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub brand_color: String,
    pub logo_url: Option<String>,
    pub tax: TaxBody,
    /// Hours a draft made by staff waits before it finalizes itself.
    pub draft_grace_hours: i32,
    /// Hours an invoice from the invoice run stays a draft (0: finalized at once).
    pub subscription_draft_hours: i32,
    /// Days before a trial ends that the customer is told (pre-dunning; 1-90, default 7).
    pub trial_notice_days: i32,
    /// Days before a yearly subscription renews that the customer is told (1-90, default 30).
    pub renewal_notice_days: i32,
    /// The SEPA creditor identifier (Gläubiger-ID) that mandates name; the portal offers SEPA
    /// Direct Debit only when it is set.
    #[schema(example = "DE98ZZZ09999999999")]
    pub sepa_creditor_id: Option<String>,
    /// The SEPA pre-notification period (calendar days, 1-30) the merchant's terms agree for
    /// mandates customers sign in the portal: the mandate form states it and the mandate keeps
    /// it. `null`: the SEPA rulebook's 14 days (docs/adr/0048).
    pub sepa_prenotification_days: Option<i32>,
}

/// The seller's VAT registration, as the tax engine uses it.
#[derive(Debug, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxBody {
    #[serde(default)]
    pub oss_registered: Option<bool>,
    #[serde(default)]
    pub registrations: Option<Vec<String>>,
    #[serde(default)]
    pub small_business_exempt: Option<bool>,
    /// Keep cross-border B2C supplies at home below the Art. 59c EUR 10 000 threshold.
    #[serde(default)]
    pub b2c_threshold_opt: Option<bool>,
    /// A customer VAT ID with valid check digits counts until VIES says otherwise.
    #[serde(default)]
    pub trust_check_digits: Option<bool>,
}

impl From<Tenant> for TenantBody {
    fn from(t: Tenant) -> Self {
        let p = t.profile;
        Self {
            object: "tenant",
            slug: t.slug,
            name: t.name,
            legal_name: p.legal_name,
            country: t.country.code(),
            default_locale: t.default_locale,
            vat_id: t.tax.vat_id.map(|v| v.to_string()),
            tax_number: p.tax_number,
            address: p.address.map(AddressBody::from),
            bank_account_holder: p.bank.as_ref().map(|b| b.account_holder.clone()),
            iban: p.bank.as_ref().map(|b| b.iban.clone()),
            bic: p.bank.and_then(|b| b.bic),
            brand_color: p.brand_color,
            logo_url: p.logo_url,
            tax: TaxBody {
                oss_registered: Some(t.tax.oss_registered),
                registrations: Some(t.tax.registrations.iter().map(|c| c.code().to_owned()).collect()),
                small_business_exempt: Some(t.tax.small_business_exempt),
                b2c_threshold_opt: Some(t.tax.b2c_threshold_opt),
                trust_check_digits: Some(t.tax.trust_check_digits),
            },
            draft_grace_hours: 0,
            subscription_draft_hours: 0,
            trial_notice_days: 7,
            renewal_notice_days: 30,
            sepa_creditor_id: None,
            sepa_prenotification_days: None,
        }
    }
}

/// Changes to the profile: an absent field keeps its value, an empty string clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    pub legal_name: Option<String>,
    pub address: Option<AddressBody>,
    pub tax_number: Option<String>,
    pub bank_account_holder: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub brand_color: Option<String>,
    pub logo_url: Option<String>,
    /// Changes to the VAT registration; absent fields keep their value.
    #[serde(default)]
    pub tax: Option<TaxBody>,
    #[serde(default)]
    pub draft_grace_hours: Option<i32>,
    #[serde(default)]
    pub subscription_draft_hours: Option<i32>,
    #[serde(default)]
    pub trial_notice_days: Option<i32>,
    #[serde(default)]
    pub renewal_notice_days: Option<i32>,
    /// The SEPA creditor identifier, checked (country, check digits, business code, national
    /// id); an empty string clears it.
    #[serde(default)]
    #[schema(example = "DE98ZZZ09999999999")]
    pub sepa_creditor_id: Option<String>,
    /// The SEPA pre-notification period for mandates signed in the portal from now on, in
    /// calendar days (1-30); `null`: the SEPA rulebook's 14 days. Mandates signed before keep
    /// theirs (`PATCH /customers/{id}/mandates/{mandate}` changes one).
    #[serde(default, deserialize_with = "super::mandates::present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 30)]
    pub sepa_prenotification_days: Option<serde_json::Value>,
}

async fn body(conn: &mut sqlx::PgConnection, t: Tenant) -> ApiResult<TenantBody> {
    let (staff, subscription) = billing_core::service::tenants::draft_hours(conn, t.id).await?;
    let body_tenant = t.id;
    let mut body = TenantBody::from(t);
    body.draft_grace_hours = staff;
    body.subscription_draft_hours = subscription;
    (body.trial_notice_days, body.renewal_notice_days) =
        billing_core::service::tenants::notice_days(conn, body_tenant).await?;
    body.sepa_creditor_id = billing_core::service::sepa_mandates::creditor_id(conn, body_tenant).await?;
    body.sepa_prenotification_days =
        billing_core::service::sepa_mandates::default_period(conn, body_tenant).await?.map(i32::from);
    Ok(body)
}

#[utoipa::path(
    get,
    path = "/api/v1/tenant",
    tag = "merchant",
    responses((status = 200, description = "The merchant's profile and tax settings.", body = TenantBody))
)]
pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<TenantBody>> {
    let mut conn = state.pool.acquire().await?;
    let t = billing_core::service::tenants::get(&mut conn, tenant).await?;
    Ok(axum::Json(body(&mut conn, t).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/tenant",
    tag = "merchant",
    request_body = UpdateTenant,
    responses((status = 200, description = "The merchant as changed.", body = TenantBody))
)]
pub async fn update(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<UpdateTenant>,
) -> ApiResult<axum::Json<TenantBody>> {
    // Checked before anything is written.
    let sepa_period = req
        .sepa_prenotification_days
        .as_ref()
        .map(|v| super::mandates::period(v, "sepa_prenotification_days"))
        .transpose()?;
    let input = SellerProfileInput {
        legal_name: req.legal_name,
        address: req.address.as_ref().map(AddressBody::input),
        tax_number: req.tax_number,
        bank_account_holder: req.bank_account_holder,
        iban: req.iban,
        bic: req.bic,
        brand_color: req.brand_color,
        logo_url: req.logo_url,
    };
    let mut tx = state.pool.begin().await?;
    let mut t = billing_core::service::tenants::update_profile(&mut tx, tenant, &input).await?;
    if let Some(tax) = req.tax {
        let settings = billing_core::service::tenants::TaxSettingsInput {
            oss_registered: tax.oss_registered,
            registrations: tax.registrations,
            small_business_exempt: tax.small_business_exempt,
            b2c_threshold_opt: tax.b2c_threshold_opt,
            trust_check_digits: tax.trust_check_digits,
        };
        // Read in the same transaction, so it already carries the profile changes above.
        t = billing_core::service::tenants::update_tax(&mut tx, tenant, &settings).await?;
    }
    if req.trial_notice_days.is_some() || req.renewal_notice_days.is_some() {
        billing_core::service::tenants::set_notice_days(
            &mut tx,
            tenant,
            req.trial_notice_days,
            req.renewal_notice_days,
        )
        .await?;
    }
    if req.draft_grace_hours.is_some() || req.subscription_draft_hours.is_some() {
        billing_core::service::tenants::set_draft_hours(
            &mut tx,
            tenant,
            req.draft_grace_hours,
            req.subscription_draft_hours,
        )
        .await?;
    }
    if let Some(creditor) = req.sepa_creditor_id.as_deref() {
        billing_core::service::sepa_mandates::set_creditor_id(&mut tx, tenant, creditor).await?;
    }
    if let Some(days) = sepa_period {
        billing_core::service::sepa_mandates::set_default_period(&mut tx, tenant, days).await?;
    }
    let shown = body(&mut tx, t).await?;
    tx.commit().await?;
    Ok(axum::Json(shown))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_one, update))]
pub struct Doc;
