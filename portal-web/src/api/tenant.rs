//! /api/v1/tenant: the calling merchant's seller profile and branding, as documents print them.

use axum::extract::State;
use billing_core::party::SellerProfileInput;
use billing_core::tenant::Tenant;
use serde::{Deserialize, Serialize};

use super::customers::AddressBody;
use super::error::ApiResult;
use super::extract::{ApiJson, AuthTenant};
use crate::app::AppState;

#[derive(Debug, Serialize)]
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
        }
    }
}

/// Changes to the profile: an absent field keeps its value, an empty string clears it.
#[derive(Debug, Deserialize)]
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
}

pub async fn get_one(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<TenantBody>> {
    let mut conn = state.pool.acquire().await?;
    let t = billing_core::store::tenants::get(&mut conn, tenant)
        .await?
        .ok_or_else(|| billing_core::Error::not_found("tenant", tenant))?;
    Ok(axum::Json(t.into()))
}

pub async fn update(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<UpdateTenant>,
) -> ApiResult<axum::Json<TenantBody>> {
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
    let mut conn = state.pool.acquire().await?;
    let t = billing_core::service::tenants::update_profile(&mut conn, tenant, &input).await?;
    Ok(axum::Json(t.into()))
}
