//! Mail through the API: the tenant's mails and their state (/mails), the suppression list
//! (/mail_suppressions), the sender identity (/mail_settings) and previews of every template in
//! every language (/mail_previews/{template}), and bounces and complaints that come back as mails
//! (/mail_reports, docs/adr/0046).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use billing_core::ids::InvoiceId;
use billing_core::mail::MailTemplate;
use billing_core::outbox::OutboxMessage;
use billing_core::service::tenants;
use billing_core::store;
use chrono::{DateTime, Utc};
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
        post("/mail_reports", report),
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

/// A mail to a customer and its delivery state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailBody {
    pub id: uuid::Uuid,
    /// The template, e.g. `invoice_finalized`.
    #[schema(example = "invoice_finalized")]
    pub template: String,
    pub to_address: String,
    /// The language it was written in.
    #[schema(example = "de")]
    pub locale: String,
    /// The `Message-ID` header.
    pub message_id: String,
    /// `pending`, `sent`, `failed` or `suppressed`.
    #[schema(example = "sent")]
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the next delivery attempt is due (while pending).
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// What went wrong on the last attempt.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<store::mail::MailRow> for MailBody {
    fn from(m: store::mail::MailRow) -> Self {
        Self {
            id: m.id,
            template: m.template,
            to_address: m.to_address,
            locale: m.locale,
            message_id: m.message_id,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            sent_at: m.sent_at,
            last_error: m.last_error,
            created_at: m.created_at,
        }
    }
}

/// An address that is not mailed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuppressionBody {
    pub address: String,
    /// Why: `bounce`, `complaint`, ...
    #[schema(example = "bounce")]
    pub reason: String,
    /// The bounce or complaint as received, when there was one.
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<store::mail::Suppression> for SuppressionBody {
    fn from(s: store::mail::Suppression) -> Self {
        Self { address: s.address, reason: s.reason, detail: s.detail, created_at: s.created_at }
    }
}

/// The latest mails.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailList {
    pub items: Vec<MailBody>,
}

/// The suppressed addresses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuppressionList {
    pub items: Vec<SuppressionBody>,
}

#[utoipa::path(
    get,
    path = "/api/v1/mails",
    tag = "mail",
    params(ListQuery),
    responses((status = 200, description = "The latest mails and their state.", body = MailList))
)]
pub async fn list_mails(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<axum::Json<MailList>> {
    let page = store::PageRequest::new(q.limit, None)?;
    let mut conn = state.pool.acquire().await?;
    let mails = store::mail::list(&mut conn, tenant, i64::from(page.limit)).await?;
    Ok(axum::Json(MailList { items: mails.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(
    get,
    path = "/api/v1/mail_suppressions",
    tag = "mail",
    responses((status = 200, description = "Addresses that are not mailed (bounces, complaints).", body = SuppressionList))
)]
pub async fn list_suppressions(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<SuppressionList>> {
    let mut conn = state.pool.acquire().await?;
    let suppressed = store::mail::suppressions(&mut conn, tenant).await?;
    Ok(axum::Json(SuppressionList { items: suppressed.into_iter().map(Into::into).collect() }))
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

/// What a report did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailReportBody {
    /// `delivery_status` (a bounce or delay) or `feedback` (a complaint).
    #[schema(example = "delivery_status")]
    pub report_type: String,
    /// The mail the report is about.
    pub mail: uuid::Uuid,
    pub message_id: String,
    /// The address that mail went to.
    pub address: String,
    /// `bounce` or `complaint`: the address is on the suppression list. Absent when the report
    /// changes nothing (a delay, a temporary failure, a feedback type other than `abuse`).
    #[schema(example = "bounce")]
    pub suppressed: Option<String>,
    /// False when the address was on the list already.
    pub newly_suppressed: bool,
    /// What the report says (status code, diagnostic, feedback type).
    pub detail: String,
}

/// Takes a bounce that arrived after the mail server had accepted the mail (a delivery status
/// notification) or a spam complaint (a feedback report): the address the mail went to is not
/// mailed again until the merchant removes it from the suppression list.
#[utoipa::path(
    post,
    path = "/api/v1/mail_reports",
    tag = "mail",
    request_body(
        content = String,
        content_type = "text/plain",
        description = "The whole report mail as received, headers and body (RFC 5322; sent as `text/plain` or `message/rfc822`): a delivery status notification (RFC 3464, `multipart/report; report-type=delivery-status`) or a feedback report (RFC 5965, `report-type=feedback-report`), returning the original's headers with its `Message-ID` (without it, the latest mail to the reported address is meant)."
    ),
    responses(
        (status = 200, description = "The report was read; `suppressed` says whether the address is suppressed now.", body = MailReportBody),
        (status = 400, description = "Not a delivery status or feedback report (`mail_report_unreadable`).", body = super::openapi::ErrorBody),
        (status = 404, description = "No mail of this merchant matches the report.", body = super::openapi::ErrorBody)
    )
)]
pub async fn report(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    super::input::RawBody(body): super::input::RawBody,
) -> ApiResult<axum::Json<MailReportBody>> {
    let message = String::from_utf8_lossy(&body);
    let mut conn = state.pool.acquire().await?;
    let applied =
        billing_core::service::mail_reports::apply(&mut conn, Some(tenant), &message, state.clock.now()).await?;
    Ok(axum::Json(MailReportBody {
        report_type: applied.report_type.to_string(),
        mail: applied.mail,
        message_id: applied.message_id,
        address: applied.address,
        suppressed: applied.suppressed.map(str::to_string),
        newly_suppressed: applied.newly_suppressed,
        detail: applied.detail,
    }))
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
    let (sender_name, reply_to) = tenants::mail_identity(&mut conn, tenant).await?;
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
    let mut conn = state.pool.acquire().await?;
    let (sender_name, reply_to) =
        tenants::set_mail_identity(&mut conn, tenant, req.sender_name.as_deref(), req.reply_to.as_deref()).await?;
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
#[openapi(paths(list_mails, list_suppressions, remove_suppression, report, get_settings, set_settings, preview))]
pub struct Doc;
