//! Mail through the API: the tenant's mails and their state (/mails), the suppression list
//! (/mail_suppressions), the sender identity (/mail_settings) and previews of every template in
//! every language (/mail_previews/{template}).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::ids::InvoiceId;
use billing_core::mail::MailTemplate;
use billing_core::outbox::OutboxMessage;
use billing_core::store;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::{Route, delete, get, post};
use crate::i18n::Locale;
use crate::mail::MailConfig;
use crate::mail::render::{render, sample_facts};
use crate::mail::worker::{brand, facts};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/mails", list_mails),
        get("/mail_suppressions", list_suppressions),
        delete("/mail_suppressions/{address}", remove_suppression),
        get("/mail_settings", get_settings),
        post("/mail_settings", set_settings),
        get("/mail_previews/{template}", preview),
    ]
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct List<T> {
    pub items: Vec<T>,
}

#[utoipa::path(
    get,
    path = "/api/v1/mails",
    tag = "mail",
    params(ListQuery),
    responses((status = 200, description = "The latest mails and their state.", body = ItemList))
)]
pub async fn list_mails(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<List<store::mail::MailRow>>> {
    let page = store::PageRequest::new(q.limit, None)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(List { items: store::mail::list(&mut conn, tenant, i64::from(page.limit)).await? }))
}

#[utoipa::path(
    get,
    path = "/api/v1/mail_suppressions",
    tag = "mail",
    responses((status = 200, description = "Addresses that are not mailed (bounces, complaints).", body = ItemList))
)]
pub async fn list_suppressions(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<List<store::mail::Suppression>>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(List { items: store::mail::suppressions(&mut conn, tenant).await? }))
}

/// Takes an address off the list: it is mailed again.
#[utoipa::path(
    delete,
    path = "/api/v1/mail_suppressions/{address}",
    tag = "mail",
    params(("address" = String, Path, description = "The address.")),
    responses((status = 204, description = "The address is mailed again."))
)]
pub async fn remove_suppression(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(address): Path<String>,
) -> ApiResult<StatusCode> {
    let mut conn = state.pool.acquire().await?;
    if store::mail::unsuppress(&mut conn, tenant, &address).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(billing_core::Error::NotFound { resource: "mail_suppression", id: address.chars().take(254).collect() }
            .into())
    }
}

#[derive(Debug, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The `From` display name; the tenant's name when empty.
    pub sender_name: Option<String>,
    /// Where customers' replies go; none when empty.
    pub reply_to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/mail_settings",
    tag = "mail",
    responses((status = 200, description = "The sender identity.", body = MailSettings))
)]
pub async fn get_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<MailSettings>> {
    let mut conn = state.pool.acquire().await?;
    let (sender_name, reply_to): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT mail_sender_name, mail_reply_to FROM tenants WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&mut *conn)
            .await?;
    Ok(axum::Json(MailSettings { sender_name, reply_to }))
}

#[utoipa::path(
    post,
    path = "/api/v1/mail_settings",
    tag = "mail",
    request_body = MailSettings,
    responses((status = 200, description = "The sender identity.", body = MailSettings))
)]
pub async fn set_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<MailSettings>,
) -> ApiResult<axum::Json<MailSettings>> {
    let sender_name = match req.sender_name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(n) => Some(billing_core::catalog::validate_name("sender_name", n)?),
    };
    let reply_to = match req.reply_to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => Some(billing_core::email::EmailAddress::parse(a).map_err(billing_core::Error::from)?.to_string()),
    };
    let mut conn = state.pool.acquire().await?;
    sqlx::query("UPDATE tenants SET mail_sender_name = $2, mail_reply_to = $3 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(&sender_name)
        .bind(&reply_to)
        .execute(&mut *conn)
        .await?;
    Ok(axum::Json(MailSettings { sender_name, reply_to }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// One of the shipped languages; English when absent.
    pub locale: Option<String>,
    /// `json` (default: subject, html and text), `html` or `text` (the part alone).
    pub format: Option<String>,
    /// Render with this real invoice instead of sample data (invoice mails).
    pub invoice: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub template: &'static str,
    pub locale: &'static str,
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/mail_previews/{template}",
    tag = "mail",
    params(("template" = String, Path, description = "The template, e.g. `invoice_finalized`."), PreviewQuery),
    responses((status = 200, description = "The mail rendered: JSON, or the HTML or text part alone (`format`).", content((Preview = "application/json"), (String = "text/html"), (String = "text/plain"))))
)]
pub async fn preview(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<PreviewQuery>,
) -> ApiResult<Response> {
    let template = MailTemplate::parse(&name).ok_or_else(|| billing_core::Error::NotFound {
        resource: "mail_template",
        id: name.chars().take(64).collect(),
    })?;
    let locale = match q.locale.as_deref() {
        None => Locale::FALLBACK,
        Some(tag) => Locale::negotiate_tag(tag).ok_or_else(|| {
            billing_core::Error::invalid(
                "locale",
                format!(
                    "`{tag}` is not supported; use one of {}",
                    billing_core::customer::SUPPORTED_LOCALES.join(", ")
                ),
            )
        })?,
    };
    let now = state.clock.now();
    // Links in previews point at the configured installation when there is one.
    let config = MailConfig::default();
    let mut conn = state.pool.acquire().await?;
    let brand = brand(&mut conn, tenant, &config).await?;
    let facts = match q.invoice.as_deref() {
        None => sample_facts(template, now),
        Some(id) => {
            let invoice: InvoiceId = id.parse().map_err(billing_core::Error::from)?;
            let number = store::invoices::get(&mut conn, tenant, invoice)
                .await?
                .ok_or_else(|| billing_core::Error::NotFound { resource: "invoice", id: id.to_string() })?
                .number
                .unwrap_or_default();
            facts(&mut conn, tenant, &OutboxMessage::InvoiceFinalized { invoice, number }).await?
        }
    };
    drop(conn);
    let rendered = render(template, locale, &brand, &facts).map_err(|e| {
        tracing::error!(error = %e, template = template.as_str(), "mail preview failed to render");
        ApiError::internal()
    })?;
    let language = (header::CONTENT_LANGUAGE, rendered.lang.to_string());
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => (
            [language],
            axum::Json(Preview {
                template: template.as_str(),
                locale: rendered.lang,
                subject: rendered.subject,
                html: rendered.html,
                text: rendered.text,
            }),
        )
            .into_response(),
        "html" => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()), language], rendered.html).into_response()
        }
        "text" => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()), language], rendered.text).into_response()
        }
        other => {
            return Err(billing_core::Error::invalid(
                "format",
                format!("`{}` is not one of json, html, text", other.chars().take(20).collect::<String>()),
            )
            .into());
        }
    })
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_mails, list_suppressions, remove_suppression, get_settings, set_settings, preview))]
pub struct Doc;

/// A list of mails or suppressed addresses.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ItemList {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
}
