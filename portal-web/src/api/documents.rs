//! GET /api/v1/invoices/{id}/pdf: the invoice or credit note as a PDF document.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use billing_core::ids::InvoiceId;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{ApiQuery, AuthTenant};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PdfQuery {
    /// One of the shipped languages (`billing_core::customer::SUPPORTED_LOCALES`); the
    /// customer's language when absent.
    pub lang: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/invoices/{id}/pdf",
    tag = "invoices",
    params(("id" = String, Path, description = "The invoice or credit note (`in_…`)."), PdfQuery),
    responses((status = 200, description = "The PDF document.", body = Vec<u8>, content_type = "application/pdf"))
)]
pub async fn invoice_pdf(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    let id: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
    let lang = match q.lang.as_deref() {
        None => None,
        Some(tag) => Some(crate::i18n::Locale::negotiate_tag(tag).ok_or_else(|| {
            billing_core::Error::invalid(
                "lang",
                format!(
                    "`{tag}` is not supported; use one of {}",
                    billing_core::customer::SUPPORTED_LOCALES.join(", ")
                ),
            )
        })?),
    };
    let mut conn = state.pool.acquire().await?;
    let doc = crate::pdf::render_invoice(&mut conn, tenant, id, lang).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{}\"", doc.file_name)),
            (header::CONTENT_LANGUAGE, doc.lang.to_string()),
        ],
        doc.bytes,
    )
        .into_response())
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(invoice_pdf))]
pub struct Doc;
