//! Exports for accountants (docs/metrics.md): the DATEV Buchungsstapel of a date range and its
//! settings, and CSV files of invoices, credit notes and payments.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use billing_core::datev::{DatevSettings, RevenueAccounts, Skr};
use billing_core::ids::TenantId;
use billing_core::service::exports;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::metrics::csv_response;
use super::{Route, get, put};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(datev, get_datev_settings, put_datev_settings, invoices, credit_notes, payments))]
pub struct Doc;

pub fn routes() -> Vec<Route> {
    vec![
        get("/exports/datev", datev),
        get("/exports/datev/settings", get_datev_settings),
        put("/exports/datev/settings", put_datev_settings),
        get("/exports/invoices", invoices),
        get("/exports/credit_notes", credit_notes),
        get("/exports/payments", payments),
    ]
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportRange {
    /// First day (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
}

fn days(q: &ExportRange) -> billing_core::Result<(NaiveDate, NaiveDate)> {
    super::metrics::required_days(q.from, q.to)
}

/// The DATEV Buchungsstapel (EXTF 700, category 21, version 13) of the documents issued in the
/// range, Windows-1252.
#[utoipa::path(
    get,
    path = "/api/v1/exports/datev",
    tag = "exports",
    params(ExportRange),
    responses(
        (status = 200, description = "EXTF_Buchungsstapel CSV (Windows-1252)", content_type = "text/csv"),
        (status = 400, description = "A malformed query, a missing or invalid range, or one across fiscal years (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn datev(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ExportRange>,
) -> ApiResult<Response> {
    let (from, to) = days(&q)?;
    let mut conn = state.pool.acquire().await?;
    let (name, bytes) = exports::datev(&mut conn, tenant, from, to, state.clock.now()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=windows-1252".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Revenue accounts per VAT case (SKR03 defaults).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevenueAccountsBody {
    pub domestic_standard: Option<String>,
    pub domestic_reduced: Option<String>,
    pub oss: Option<String>,
    pub reverse_charge: Option<String>,
    pub section_13b: Option<String>,
    pub third_country: Option<String>,
    pub small_business: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatevSettingsBody {
    /// Beraternummer (1001–9999999).
    pub consultant_number: u32,
    /// Mandantennummer (1–99999).
    pub client_number: u32,
    /// Month the fiscal year starts in (default 1).
    pub fiscal_year_start_month: Option<u32>,
    /// Sachkontenlänge (default 4).
    pub account_length: Option<u32>,
    /// Receivables account (default 1400).
    pub receivables_account: Option<String>,
    pub revenue_accounts: Option<RevenueAccountsBody>,
    /// The chart of accounts, `03` (SKR03, the default) or `04` (SKR04): header field 27, and the
    /// defaults of the receivables and revenue accounts not given.
    #[schema(example = "03")]
    pub skr: Option<String>,
}

fn body(s: &DatevSettings) -> DatevSettingsBody {
    let r = &s.revenue_accounts;
    DatevSettingsBody {
        consultant_number: s.consultant_number,
        client_number: s.client_number,
        fiscal_year_start_month: Some(s.fiscal_year_start_month),
        account_length: Some(s.account_length),
        receivables_account: Some(s.receivables_account.clone()),
        revenue_accounts: Some(RevenueAccountsBody {
            domestic_standard: Some(r.domestic_standard.clone()),
            domestic_reduced: Some(r.domestic_reduced.clone()),
            oss: Some(r.oss.clone()),
            reverse_charge: Some(r.reverse_charge.clone()),
            section_13b: Some(r.section_13b.clone()),
            third_country: Some(r.third_country.clone()),
            small_business: Some(r.small_business.clone()),
        }),
        skr: Some(s.skr.code().to_string()),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/exports/datev/settings",
    tag = "exports",
    responses(
        (status = 200, description = "The DATEV settings (SKR03 defaults until saved)", body = DatevSettingsBody),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn get_datev_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<DatevSettingsBody>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(body(&exports::datev_settings(&mut conn, tenant).await?)))
}

#[utoipa::path(
    put,
    path = "/api/v1/exports/datev/settings",
    tag = "exports",
    request_body = DatevSettingsBody,
    responses(
        (status = 200, description = "The saved settings", body = DatevSettingsBody),
        (status = 400, description = "Malformed JSON, a body that is not the schema's, or a number or account out of range (`param` names it)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn put_datev_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(b): ApiJson<DatevSettingsBody>,
) -> ApiResult<axum::Json<DatevSettingsBody>> {
    let skr = match b.skr.as_deref() {
        Some(text) => Skr::parse(text)?,
        None => Skr::default(),
    };
    let d = DatevSettings::for_skr(skr);
    let dr = skr.revenue_accounts();
    let r = b.revenue_accounts.unwrap_or(RevenueAccountsBody {
        domestic_standard: None,
        domestic_reduced: None,
        oss: None,
        reverse_charge: None,
        section_13b: None,
        third_country: None,
        small_business: None,
    });
    let s = DatevSettings {
        consultant_number: b.consultant_number,
        client_number: b.client_number,
        fiscal_year_start_month: b.fiscal_year_start_month.unwrap_or(d.fiscal_year_start_month),
        account_length: b.account_length.unwrap_or(d.account_length),
        receivables_account: b.receivables_account.unwrap_or(d.receivables_account),
        revenue_accounts: RevenueAccounts {
            domestic_standard: r.domestic_standard.unwrap_or(dr.domestic_standard),
            domestic_reduced: r.domestic_reduced.unwrap_or(dr.domestic_reduced),
            oss: r.oss.unwrap_or(dr.oss),
            reverse_charge: r.reverse_charge.unwrap_or(dr.reverse_charge),
            section_13b: r.section_13b.unwrap_or(dr.section_13b),
            third_country: r.third_country.unwrap_or(dr.third_country),
            small_business: r.small_business.unwrap_or(dr.small_business),
        },
        skr,
    };
    let mut conn = state.pool.acquire().await?;
    let saved = exports::set_datev_settings(&mut conn, tenant, &s, state.clock.now()).await?;
    Ok(axum::Json(body(&saved)))
}

/// Finalized invoices issued in the range as CSV.
#[utoipa::path(
    get,
    path = "/api/v1/exports/invoices",
    tag = "exports",
    params(ExportRange),
    responses(
        (status = 200, description = "Invoices as CSV (UTF-8)", content_type = "text/csv"),
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn invoices(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ExportRange>,
) -> ApiResult<Response> {
    documents(&state, tenant, &q, false).await
}

/// Credit notes issued in the range as CSV.
#[utoipa::path(
    get,
    path = "/api/v1/exports/credit_notes",
    tag = "exports",
    params(ExportRange),
    responses(
        (status = 200, description = "Credit notes as CSV (UTF-8)", content_type = "text/csv"),
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn credit_notes(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ExportRange>,
) -> ApiResult<Response> {
    documents(&state, tenant, &q, true).await
}

/// The invoices or the credit notes issued in the range as CSV: one export, two routes.
async fn documents(state: &AppState, tenant: TenantId, q: &ExportRange, credit_notes: bool) -> ApiResult<Response> {
    let (from, to) = days(q)?;
    let mut conn = state.pool.acquire().await?;
    let rows = exports::documents(&mut conn, tenant, from, to, credit_notes).await?;
    let name = if credit_notes { "credit-notes" } else { "invoices" };
    Ok(csv_response(&format!("{name}-{from}-{to}.csv"), crate::ops::exports::documents_csv(&rows)))
}

/// Payments received (and refunds) in the range as CSV.
#[utoipa::path(
    get,
    path = "/api/v1/exports/payments",
    tag = "exports",
    params(ExportRange),
    responses(
        (status = 200, description = "Payments as CSV (UTF-8)", content_type = "text/csv"),
        (status = 400, description = "A malformed query, or a missing or invalid range (`invalid_request`; `param` names `from` or `to`)"),
        (status = 401, description = "No or a wrong API key")
    )
)]
pub async fn payments(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ExportRange>,
) -> ApiResult<Response> {
    let (from, to) = days(&q)?;
    let mut conn = state.pool.acquire().await?;
    let rows = exports::payments(&mut conn, tenant, from, to).await?;
    Ok(csv_response(&format!("payments-{from}-{to}.csv"), crate::ops::exports::payments_csv(&rows)))
}
