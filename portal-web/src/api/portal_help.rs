//! The staff side of the portal's help and surveys (docs/adr/0029): the FAQ
//! (`GET/PUT /api/v1/portal/faq`), billing questions (`/api/v1/billing_questions`: list, read,
//! answer, close), survey answers (`GET /api/v1/survey_responses`) and the NPS waiting period
//! (`GET/PUT /api/v1/portal/survey_settings`). Each handler calls a billing-core service, so the
//! console can call the same ones.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use billing_core::help::FaqEntry;
use billing_core::ids::{BillingQuestionId, CustomerId};
use billing_core::service::billing_questions::{self as questions, Thread};
use billing_core::service::{help, surveys};
use billing_core::store::PageRequest;
use billing_core::store::surveys::ResponseFilter;
use billing_core::survey::SurveyKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ApiResult;
use super::extract::{ApiJson, ApiQuery, AuthTenant};
use super::{Route, get, post, put};
use crate::state::AppState;

/// This module's operations in the OpenAPI document (docs/adr/0025).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_faq,
    put_faq,
    list_questions,
    get_question,
    reply,
    close,
    list_survey_responses,
    get_survey_settings,
    put_survey_settings
))]
pub struct Doc;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get("/portal/faq", get_faq),
        put("/portal/faq", put_faq),
        get("/billing_questions", list_questions),
        get("/billing_questions/{id}", get_question),
        post("/billing_questions/{id}/replies", reply),
        post("/billing_questions/{id}/close", close),
        get("/survey_responses", list_survey_responses),
        get("/portal/survey_settings", get_survey_settings),
        put("/portal/survey_settings", put_survey_settings),
    ]
}

/// One FAQ entry in one language.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqEntryBody {
    /// One of the portal's languages (de en es fr it ja nl pl pt-BR zh-CN). A page in a language
    /// without entries shows those of the tenant's default language.
    pub locale: String,
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutFaq {
    /// The whole FAQ, in the order shown; replaces what was there.
    pub entries: Vec<FaqEntryBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FaqBody {
    pub object: &'static str,
    pub entries: Vec<FaqEntryBody>,
}

fn faq_body(entries: Vec<FaqEntry>) -> FaqBody {
    FaqBody {
        object: "portal_faq",
        entries: entries
            .into_iter()
            .map(|e| FaqEntryBody { locale: e.locale, question: e.question, answer: e.answer })
            .collect(),
    }
}

/// The tenant's FAQ in every language.
#[utoipa::path(get, path = "/api/v1/portal/faq", tag = "portal",
    responses((status = 200, description = "The FAQ", body = FaqBody)))]
pub async fn get_faq(State(state): State<AppState>, AuthTenant(tenant): AuthTenant) -> ApiResult<axum::Json<FaqBody>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(faq_body(help::faq(&mut conn, tenant).await?)))
}

/// Replaces the tenant's FAQ.
#[utoipa::path(put, path = "/api/v1/portal/faq", tag = "portal", request_body = PutFaq,
    responses((status = 200, description = "The FAQ as stored", body = FaqBody),
              (status = 400, description = "An unknown language, an empty question or answer")))]
pub async fn put_faq(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<PutFaq>,
) -> ApiResult<axum::Json<FaqBody>> {
    let mut entries = Vec::with_capacity(req.entries.len());
    for e in req.entries {
        let locale =
            crate::i18n::Locale::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(e.locale.trim())).ok_or_else(
                || billing_core::Error::invalid("locale", format!("`{}` is not a portal language", e.locale)),
            )?;
        entries.push(FaqEntry { locale: locale.tag().to_string(), question: e.question, answer: e.answer });
    }
    let mut conn = state.pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let stored = help::put_faq(&mut tx, tenant, entries, state.clock.now()).await?;
    tx.commit().await?;
    Ok(axum::Json(faq_body(stored)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageBody {
    /// `customer` or `staff`.
    pub author: String,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionBody {
    pub object: &'static str,
    /// `bq_…`
    pub id: String,
    /// `cus_…`
    pub customer: String,
    pub customer_name: String,
    /// invoice, payment, plan, refund, tax or other.
    pub topic: String,
    /// `in_…`, when the customer tied the question to an invoice.
    pub invoice: Option<String>,
    pub invoice_number: Option<String>,
    /// open (waiting for the merchant), answered, closed.
    pub status: String,
    /// The question's text (its first message).
    pub text: String,
    pub message_count: i64,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The thread, oldest first (single question only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageBody>>,
}

impl From<questions::Question> for QuestionBody {
    fn from(q: questions::Question) -> Self {
        Self {
            object: "billing_question",
            id: q.id.to_string(),
            customer: q.customer_id.to_string(),
            customer_name: q.customer_name,
            topic: q.topic,
            invoice: q.invoice_id.map(|i| i.to_string()),
            invoice_number: q.invoice_number,
            status: q.status,
            text: q.first_message,
            message_count: q.messages,
            created_at: q.created_at,
            first_response_at: q.first_response_at,
            resolved_at: q.resolved_at,
            updated_at: q.updated_at,
            messages: None,
        }
    }
}

fn thread_body(t: Thread) -> QuestionBody {
    let mut body = QuestionBody::from(t.question);
    body.messages = Some(
        t.messages
            .into_iter()
            .map(|m| MessageBody {
                author: m.author,
                author_name: m.author_name,
                body: m.body,
                created_at: m.created_at,
            })
            .collect(),
    );
    body
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionList {
    pub object: &'static str,
    pub data: Vec<QuestionBody>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// Billing questions, oldest first.
#[utoipa::path(get, path = "/api/v1/billing_questions", tag = "billing_questions",
    params(("status" = Option<String>, Query, description = "open, answered or closed"),
           ("limit" = Option<i64>, Query, description = "1 to 100, default 20"),
           ("starting_after" = Option<String>, Query, description = "The last id of the previous page")),
    responses((status = 200, description = "A page of questions", body = QuestionList),
              (status = 400, description = "An unknown status")))]
pub async fn list_questions(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<QuestionQuery>,
) -> ApiResult<axum::Json<QuestionList>> {
    let after = match &q.starting_after {
        Some(s) => Some(s.parse::<BillingQuestionId>().map_err(billing_core::Error::from)?.as_uuid()),
        None => None,
    };
    let page = PageRequest::new(q.limit, after)?;
    let mut conn = state.pool.acquire().await?;
    let found = questions::list(&mut conn, tenant, q.status.as_deref(), page).await?;
    let next_cursor = if found.has_more { found.items.last().map(|q| q.id.to_string()) } else { None };
    Ok(axum::Json(QuestionList {
        object: "list",
        has_more: found.has_more,
        next_cursor,
        data: found.items.into_iter().map(QuestionBody::from).collect(),
    }))
}

fn question_id(id: &str) -> ApiResult<BillingQuestionId> {
    Ok(id.parse().map_err(billing_core::Error::from)?)
}

/// One question with its thread.
#[utoipa::path(get, path = "/api/v1/billing_questions/{id}", tag = "billing_questions",
    params(("id" = String, Path, description = "bq_…")),
    responses((status = 200, description = "The question and its messages", body = QuestionBody),
              (status = 404, description = "No such question in this tenant")))]
pub async fn get_question(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<QuestionBody>> {
    let id = question_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(thread_body(questions::thread(&mut conn, tenant, id).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// The answer; mailed to the customer and shown in the portal. Paragraphs are separated by
    /// an empty line.
    pub body: String,
    /// The name the customer sees beside the tenant's (e.g. "Ana from Billing").
    pub author_name: Option<String>,
}

/// Answers a question: added to the thread, mailed to the customer (outbox).
#[utoipa::path(post, path = "/api/v1/billing_questions/{id}/replies", tag = "billing_questions",
    params(("id" = String, Path, description = "bq_…")), request_body = ReplyRequest,
    responses((status = 201, description = "The question with the answer", body = QuestionBody),
              (status = 400, description = "An empty answer"),
              (status = 404, description = "No such question in this tenant"),
              (status = 409, description = "The question is closed")))]
pub async fn reply(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> ApiResult<(StatusCode, axum::Json<QuestionBody>)> {
    let id = question_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let t = questions::reply(&mut tx, tenant, id, req.author_name.as_deref(), &req.body, state.clock.now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(thread_body(t))))
}

/// Closes a question (resolved).
#[utoipa::path(post, path = "/api/v1/billing_questions/{id}/close", tag = "billing_questions",
    params(("id" = String, Path, description = "bq_…")),
    responses((status = 200, description = "The closed question", body = QuestionBody),
              (status = 404, description = "No such question in this tenant")))]
pub async fn close(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<QuestionBody>> {
    let id = question_id(&id)?;
    let mut conn = state.pool.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let t = questions::close(&mut tx, tenant, id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(axum::Json(thread_body(t)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyQuery {
    pub kind: Option<String>,
    pub customer: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub include_dismissed: Option<bool>,
    pub limit: Option<i64>,
    pub starting_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResponseBody {
    pub object: &'static str,
    pub id: i64,
    /// `cus_…`
    pub customer: String,
    /// nps (0-10), csat (1-5) or ces (1-7).
    pub kind: String,
    /// None when the customer dismissed the survey.
    pub score: Option<i16>,
    pub dismissed: bool,
    pub comment: Option<String>,
    /// The self-service action a CSAT or CES was about (change_plan, add_payment_method,
    /// pay_invoice, cancel).
    pub context_action: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResponseList {
    pub object: &'static str,
    pub data: Vec<SurveyResponseBody>,
    pub has_more: bool,
    pub next_cursor: Option<i64>,
}

/// Survey answers, oldest first.
#[utoipa::path(get, path = "/api/v1/survey_responses", tag = "surveys",
    params(("kind" = Option<String>, Query, description = "nps, csat or ces"),
           ("customer" = Option<String>, Query, description = "cus_…"),
           ("from" = Option<DateTime<Utc>>, Query, description = "Answered at or after"),
           ("to" = Option<DateTime<Utc>>, Query, description = "Answered before"),
           ("include_dismissed" = Option<bool>, Query, description = "Also the dismissed surveys (default false)"),
           ("limit" = Option<i64>, Query, description = "1 to 100, default 20"),
           ("starting_after" = Option<i64>, Query, description = "The last id of the previous page")),
    responses((status = 200, description = "A page of answers", body = SurveyResponseList),
              (status = 400, description = "An unknown kind or a bad filter")))]
pub async fn list_survey_responses(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<SurveyQuery>,
) -> ApiResult<axum::Json<SurveyResponseList>> {
    let kind = match &q.kind {
        Some(k) => {
            Some(SurveyKind::parse(k).ok_or_else(|| billing_core::Error::invalid("kind", "use nps, csat or ces"))?)
        }
        None => None,
    };
    let customer = match &q.customer {
        Some(c) => Some(c.parse::<CustomerId>().map_err(billing_core::Error::from)?),
        None => None,
    };
    let filter = ResponseFilter {
        kind,
        customer,
        from: q.from,
        to: q.to,
        include_dismissed: q.include_dismissed.unwrap_or(false),
    };
    let page = PageRequest::new(q.limit, None)?;
    let mut conn = state.pool.acquire().await?;
    let found = surveys::list(&mut conn, tenant, &filter, q.starting_after, page).await?;
    let next_cursor = if found.has_more { found.items.last().map(|r| r.id) } else { None };
    Ok(axum::Json(SurveyResponseList {
        object: "list",
        has_more: found.has_more,
        next_cursor,
        data: found
            .items
            .into_iter()
            .map(|r| SurveyResponseBody {
                object: "survey_response",
                id: r.id,
                customer: r.customer_id.to_string(),
                kind: r.kind,
                score: r.score,
                dismissed: r.dismissed,
                comment: r.comment,
                context_action: r.context_action,
                created_at: r.created_at,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    /// Days a customer uses the portal before the NPS question is offered (0 to 3650; default
    /// 30). It is asked at most once per 90 days.
    pub nps_wait_days: i64,
}

/// The survey settings.
#[utoipa::path(get, path = "/api/v1/portal/survey_settings", tag = "surveys",
    responses((status = 200, description = "The settings", body = SurveySettings)))]
pub async fn get_survey_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
) -> ApiResult<axum::Json<SurveySettings>> {
    let mut conn = state.pool.acquire().await?;
    Ok(axum::Json(SurveySettings { nps_wait_days: i64::from(surveys::nps_wait_days(&mut conn, tenant).await?) }))
}

/// Sets the NPS waiting period.
#[utoipa::path(put, path = "/api/v1/portal/survey_settings", tag = "surveys", request_body = SurveySettings,
    responses((status = 200, description = "The settings as stored", body = SurveySettings),
              (status = 400, description = "A waiting period out of range")))]
pub async fn put_survey_settings(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiJson(req): ApiJson<SurveySettings>,
) -> ApiResult<axum::Json<SurveySettings>> {
    let mut conn = state.pool.acquire().await?;
    let days = surveys::set_nps_wait_days(&mut conn, tenant, req.nps_wait_days, state.clock.now()).await?;
    Ok(axum::Json(SurveySettings { nps_wait_days: i64::from(days) }))
}
