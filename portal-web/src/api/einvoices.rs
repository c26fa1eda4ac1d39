//! E-invoices over the API: one document as XRechnung (CII or UBL) or ZUGFeRD hybrid PDF, a
//! period's documents as one ZIP, and the settings behind them (the seller's contact and Peppol
//! id, each customer's format and buyer reference).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use billing_core::einvoice::Format;
use billing_core::ids::{CustomerId, InvoiceId};
use billing_core::service::einvoices::{self, CustomerEInvoiceInput, SellerEInvoiceInput};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant, path_id};
use crate::state::AppState;

fn parse_format(text: Option<&str>) -> billing_core::Result<Format> {
    let text = text.ok_or_else(|| {
        billing_core::Error::invalid("format", "is required: xrechnung-cii, xrechnung-ubl or zugferd")
    })?;
    Format::parse(text).ok_or_else(|| {
        billing_core::Error::invalid(
            "format",
            format!("`{text}` is unknown; use xrechnung-cii, xrechnung-ubl or zugferd"),
        )
    })
}

fn parse_lang(tag: Option<&str>) -> billing_core::Result<Option<crate::i18n::Locale>> {
    tag.map(|tag| {
        crate::i18n::Locale::negotiate_tag(tag).ok_or_else(|| {
            billing_core::Error::invalid(
                "lang",
                format!(
                    "`{tag}` is not supported; use one of {}",
                    billing_core::customer::SUPPORTED_LOCALES.join(", ")
                ),
            )
        })
    })
    .transpose()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EInvoiceQuery {
    pub format: Option<String>,
    /// The PDF's language for `zugferd` (the XML has none); the customer's when absent.
    pub lang: Option<String>,
}

/// `GET /invoices/{id}/einvoice?format=xrechnung-cii|xrechnung-ubl|zugferd`.
#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}/einvoice",
    tag = "e-invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`)."), EInvoiceQuery),
    responses((status = 200, description = "The e-invoice: XML, or a PDF/A-3 with the XML for ZUGFeRD.", content((String = "application/xml"), (Vec<u8> = "application/pdf"))), (status = 409, description = "A draft has no e-invoice (`invoice_not_finalized`).", body = super::openapi::ErrorBody), (status = 422, description = "The e-invoice needs data the invoice does not have (`einvoice_data_missing`).", body = super::openapi::ErrorBody))
)]
pub async fn invoice_einvoice(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<EInvoiceQuery>,
) -> ApiResult<Response> {
    let id: InvoiceId = path_id(&id)?;
    let format = parse_format(q.format.as_deref())?;
    let lang = parse_lang(q.lang.as_deref())?;
    let mut conn = state.pool.acquire().await?;
    let f = crate::einvoice::file(&mut conn, tenant, id, format, lang).await?;
    Ok((
        [
            (header::CONTENT_TYPE, f.media_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.file_name)),
        ],
        f.bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub format: Option<String>,
}

/// `GET /einvoices/export?from=YYYY-MM-DD&to=YYYY-MM-DD&format=...`: a ZIP of every document
/// issued in the period, with `manifest.csv`; `X-Einvoice-Skipped` counts documents without one.
#[utoipa::path(
    get,
    path = "/api/v1/einvoices/export",
    tag = "e-invoices",
    params(ExportQuery),
    responses((status = 200, description = "A ZIP of the e-invoices of the invoices issued in the period.", body = Vec<u8>, content_type = "application/zip"))
)]
pub async fn export(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let from = q.from.ok_or_else(|| billing_core::Error::invalid("from", "is required (YYYY-MM-DD)"))?;
    let to = q.to.ok_or_else(|| billing_core::Error::invalid("to", "is required (YYYY-MM-DD)"))?;
    let format = parse_format(q.format.as_deref())?;
    let mut conn = state.pool.acquire().await?;
    let out = crate::einvoice::export(&mut conn, tenant, from, to, format).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"einvoices-{}-{from}-{to}.zip\"", format.as_str()),
            ),
            (header::HeaderName::from_static("x-einvoice-files"), out.files.to_string()),
            (header::HeaderName::from_static("x-einvoice-skipped"), out.skipped.len().to_string()),
        ],
        out.zip,
    )
        .into_response())
}

/// `GET /customers/{id}/einvoice`.
#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/einvoice",
    tag = "e-invoices",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    responses((status = 200, description = "The customer's e-invoice settings.", body = CustomerEInvoiceBody))
)]
pub async fn get_customer_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CustomerEInvoiceBody>> {
    let customer: CustomerId = path_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let s = einvoices::customer_settings(&mut conn, tenant, customer).await?;
    Ok(axum::Json(customer_body(customer, &s)))
}

/// `POST /customers/{id}/einvoice`: format, buyer reference (Leitweg-ID), public buyer, Peppol id.
#[utoipa::path(
    post,
    path = "/api/v1/customers/{id}/einvoice",
    tag = "e-invoices",
    params(("id" = String, Path, description = "The customer (`cus_…`).")),
    request_body = super::schemas::CustomerEInvoiceInput,
    responses((status = 200, description = "The customer's e-invoice settings.", body = CustomerEInvoiceBody))
)]
pub async fn set_customer_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CustomerEInvoiceInput>,
) -> ApiResult<axum::Json<CustomerEInvoiceBody>> {
    let customer: CustomerId = path_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let s = einvoices::set_customer_settings(&mut conn, tenant, customer, &req).await?;
    Ok(axum::Json(customer_body(customer, &s)))
}

/// A customer's e-invoice settings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerEInvoiceBody {
    pub object: &'static str,
    #[schema(value_type = String)]
    pub customer: CustomerId,
    /// `none`, `xrechnung-cii`, `xrechnung-ubl` or `zugferd`.
    pub format: &'static str,
    /// BT-10 (the Leitweg-ID of a German public buyer).
    pub buyer_reference: Option<String>,
    pub public_buyer: bool,
    pub peppol_id: Option<String>,
}

fn customer_body(customer: CustomerId, s: &einvoices::CustomerSettings) -> CustomerEInvoiceBody {
    CustomerEInvoiceBody {
        object: "customer_einvoice_settings",
        customer,
        format: s.preference.as_str(),
        buyer_reference: s.buyer.buyer_reference.clone(),
        public_buyer: s.buyer.public_buyer,
        peppol_id: s.buyer.peppol_id.clone(),
    }
}

/// `GET /tenant/einvoice`.
#[utoipa::path(
    get,
    path = "/api/v1/tenant/einvoice",
    tag = "e-invoices",
    responses((status = 200, description = "The merchant's e-invoice contact details.", body = SellerEInvoiceBody))
)]
pub async fn get_seller_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<SellerEInvoiceBody>> {
    let mut conn = state.pool.acquire().await?;
    let f = einvoices::seller_settings(&mut conn, tenant).await?;
    Ok(axum::Json(seller_body(&f)))
}

/// `POST /tenant/einvoice`: the contact (BT-41..43) and Peppol id (BT-34) of the seller.
#[utoipa::path(
    post,
    path = "/api/v1/tenant/einvoice",
    tag = "e-invoices",
    request_body = super::schemas::SellerEInvoiceInput,
    responses((status = 200, description = "The merchant's e-invoice contact details.", body = SellerEInvoiceBody))
)]
pub async fn set_seller_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<SellerEInvoiceInput>,
) -> ApiResult<axum::Json<SellerEInvoiceBody>> {
    let mut conn = state.pool.acquire().await?;
    let f = einvoices::set_seller_settings(&mut conn, tenant, &req).await?;
    Ok(axum::Json(seller_body(&f)))
}

/// The seller's e-invoice contact (BT-41..43) and Peppol id (BT-34).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SellerEInvoiceBody {
    pub object: &'static str,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub peppol_id: Option<String>,
}

fn seller_body(f: &billing_core::einvoice::SellerFacts) -> SellerEInvoiceBody {
    SellerEInvoiceBody {
        object: "seller_einvoice_settings",
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
        contact_email: f.contact_email.clone(),
        peppol_id: f.peppol_id.clone(),
    }
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    invoice_einvoice,
    export,
    get_customer_settings,
    set_customer_settings,
    get_seller_settings,
    set_seller_settings
))]
pub struct Doc;
