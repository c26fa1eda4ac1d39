//! Help and contact (docs/adr/0029): the merchant's FAQ in the page's language (the tenant's
//! default language when it has none in it), searched on the server (no JavaScript), every search
//! recorded with its hit count; and billing questions: the customer asks (a topic, optionally one
//! of their invoices, the text), follows the thread with the merchant's answers, and adds to it.

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::ids::{BillingQuestionId, InvoiceId};
use billing_core::service::billing_questions::{self as questions, MAX_BODY_CHARS, TOPICS};
use billing_core::store::portal as store;
use serde::Deserialize;

use super::ctx::Portal;
use super::ctx::{DoneQuery, IdPath};
use super::once;
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};
use crate::web::layout::{Chrome, html};
use crate::web::session::form_nonce;

pub struct FaqView {
    pub question: String,
    pub paragraphs: Vec<String>,
}

pub struct QuestionRowView {
    pub id: String,
    pub excerpt: String,
    pub topic: String,
    pub date: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "portal/help.html")]
struct HelpPage<'a> {
    c: &'a Chrome,
    q: String,
    searched: bool,
    summary: Option<String>,
    entries: Vec<FaqView>,
    questions: Vec<QuestionRowView>,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct HelpQuery {
    q: Option<String>,
    done: Option<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

fn topic_label(ctx: &Portal, topic: &str) -> String {
    ctx.t(&format!("portal-topic-{topic}"))
}

fn status_label(ctx: &Portal, status: &str) -> String {
    ctx.t(match status {
        "answered" => "portal-question-status-answered",
        "closed" => "portal-question-status-closed",
        _ => "portal-question-status-open",
    })
}

fn excerpt(text: &str) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 80 { format!("{}…", t.chars().take(79).collect::<String>()) } else { t }
}

/// `GET /help[?q=]`: the FAQ (searched when `q` is given) and the customer's questions.
pub async fn help(ctx: Portal, Query(hq): Query<HelpQuery>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.allow("/help")?;
        let lang = ctx.lang();
        let query = billing_core::help::normalize_query(hq.q.as_deref().unwrap_or(""));
        let mut conn = ctx.state.pool.acquire().await?;
        let faq = billing_core::service::help::faq_in(&mut conn, ctx.tenant.id, lang.tag(), &ctx.tenant.default_locale)
            .await?;
        let hits = billing_core::help::search(&faq, &query);
        if !query.is_empty() {
            store::record_search(
                &mut conn,
                ctx.tenant.id,
                Some(customer),
                &query,
                hits.len() as i64,
                lang.tag(),
                ctx.now,
            )
            .await?;
        }
        let mine = questions::list_for_customer(&mut conn, ctx.tenant.id, customer).await?;
        drop(conn);
        ctx.viewed(if query.is_empty() { "help" } else { "help_search" });
        let c = ctx.chrome("portal-help-title", "help");
        let summary = (!query.is_empty()).then(|| {
            if hits.is_empty() {
                ctx.chrome.t1("portal-help-no-results", "query", &query)
            } else {
                crate::i18n::I18n::global().text(
                    lang,
                    "portal-help-results",
                    &[("count", hits.len().to_string()), ("query", query.clone())],
                )
            }
        });
        let page = HelpPage {
            c: &c,
            searched: !query.is_empty(),
            summary,
            entries: hits
                .iter()
                .map(|e| FaqView { question: e.question.clone(), paragraphs: paragraphs(&e.answer) })
                .collect(),
            questions: mine
                .iter()
                .map(|q| QuestionRowView {
                    id: q.id.to_string(),
                    excerpt: excerpt(&q.first_message),
                    topic: topic_label(&ctx, &q.topic),
                    date: format::date(q.created_at.with_timezone(&ctx.tenant.timezone).date_naive(), lang),
                    status: status_label(&ctx, &q.status),
                })
                .collect(),
            message: hq.done.map(|_| ctx.t("portal-question-sent")),
            q: query,
        };
        Ok(ctx.page(&page))
    })
    .await;
    ctx.finish(result)
}

#[derive(Template)]
#[template(path = "portal/question_new.html")]
struct NewQuestionPage<'a> {
    c: &'a Chrome,
    topics: Vec<(String, String, bool)>,
    invoices: Vec<(String, String, bool)>,
    body: String,
    nonce: String,
    error: Option<String>,
    topic_error: Option<String>,
}

#[derive(Deserialize)]
pub struct NewQuestionQuery {
    invoice: Option<String>,
    topic: Option<String>,
}

async fn new_question_page(
    ctx: &Portal,
    status: StatusCode,
    topic: Option<&str>,
    invoice: Option<&str>,
    body: &str,
    errors: (Option<String>, Option<String>),
) -> PageResult<Response> {
    let customer = ctx.customer()?;
    let lang = ctx.lang();
    let mut conn = ctx.state.pool.acquire().await?;
    let docs = super::pages::documents(ctx, &mut conn, customer).await?;
    drop(conn);
    let topic = topic.or(invoice.map(|_| "invoice"));
    let c = ctx.chrome("portal-question-new-title", "help");
    let page = NewQuestionPage {
        c: &c,
        topics: TOPICS.iter().map(|t| (t.to_string(), topic_label(ctx, t), Some(*t) == topic)).collect(),
        invoices: docs
            .iter()
            .filter(|d| d.number.is_some())
            .map(|d| {
                let id = d.id.to_string();
                let label = format!(
                    "{} · {} · {}",
                    d.number.clone().unwrap_or_default(),
                    d.issue_date.map(|x| format::date(x, lang)).unwrap_or_default(),
                    format::money(d.total, lang)
                );
                let selected = invoice == Some(id.as_str());
                (id, label, selected)
            })
            .collect(),
        body: body.to_string(),
        nonce: form_nonce(),
        error: errors.0,
        topic_error: errors.1,
    };
    Ok(if status == StatusCode::OK { ctx.page(&page) } else { html(status, lang, &page) })
}

/// `GET /help/questions/new[?invoice=]`: the form; linked from an invoice, it is about that one.
pub async fn new_question(ctx: Portal, Query(q): Query<NewQuestionQuery>) -> Response {
    let result = super::page(async {
        ctx.customer()?;
        ctx.allow("/help")?;
        ctx.viewed("question_new");
        new_question_page(&ctx, StatusCode::OK, q.topic.as_deref(), q.invoice.as_deref(), "", (None, None)).await
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct QuestionForm {
    csrf: Option<String>,
    nonce: Option<String>,
    topic: Option<String>,
    invoice: Option<String>,
    body: Option<String>,
}

/// `POST /help/questions`: asks; another customer's invoice id is not found.
pub async fn ask(ctx: Portal, Form(form): Form<QuestionForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let topic = form.topic.clone().unwrap_or_default();
        let body = form.body.clone().unwrap_or_default();
        let invoice_text = form.invoice.clone().filter(|i| !i.trim().is_empty());
        let invoice: Option<InvoiceId> = match &invoice_text {
            Some(t) => Some(t.trim().parse().map_err(|_| PageError::not_found())?),
            None => None,
        };
        let body_error = if body.trim().is_empty() {
            Some(ctx.t("portal-question-body-required"))
        } else if body.trim().chars().count() > MAX_BODY_CHARS {
            Some(ctx.chrome.t1("portal-question-body-too-long", "max", &MAX_BODY_CHARS.to_string()))
        } else {
            None
        };
        let topic_error = (!TOPICS.contains(&topic.as_str())).then(|| ctx.t("portal-question-topic-required"));
        if body_error.is_some() || topic_error.is_some() {
            return new_question_page(
                &ctx,
                StatusCode::BAD_REQUEST,
                Some(&topic),
                invoice_text.as_deref(),
                &body,
                (body_error, topic_error),
            )
            .await;
        }
        // The question's page is where the form leads; its id is made here so that a second
        // submission of the same form is sent to the same question.
        let (tenant, now) = (ctx.tenant.id, ctx.now);
        let outcome = format!("{}?done=question", ctx.chrome.href("/help"));
        once(&ctx, form.nonce.as_deref(), outcome, move |conn| {
            Box::pin(async move {
                questions::ask(conn, tenant, customer, &topic, invoice, &body, now).await?;
                store::complete_action(conn, tenant, customer, None, "ask_billing_question", "help", now).await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}

pub struct MessageView {
    pub staff: bool,
    pub who: String,
    pub when: String,
    pub paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/question.html")]
struct QuestionPage<'a> {
    c: &'a Chrome,
    id: String,
    topic: String,
    status: String,
    asked: String,
    invoice: Option<(String, String)>,
    messages: Vec<MessageView>,
    closed: bool,
    nonce: String,
    message: Option<String>,
    error: Option<String>,
}

async fn question_page(
    ctx: &Portal,
    id: &str,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
) -> PageResult<Response> {
    let customer = ctx.customer()?.id;
    let id: BillingQuestionId = id.parse().map_err(|_| PageError::not_found())?;
    let lang = ctx.lang();
    let mut conn = ctx.state.pool.acquire().await?;
    let t = questions::thread_for_customer(&mut conn, ctx.tenant.id, customer, id).await?;
    drop(conn);
    let tz = ctx.tenant.timezone;
    let when = |d: chrono::DateTime<chrono::Utc>| {
        let local = d.with_timezone(&tz);
        format!("{} {}", format::date_long(local.date_naive(), lang), local.format("%H:%M"))
    };
    let q = &t.question;
    let c = ctx.chrome("portal-question-title", "help");
    let page = QuestionPage {
        c: &c,
        id: q.id.to_string(),
        topic: topic_label(ctx, &q.topic),
        status: status_label(ctx, &q.status),
        asked: when(q.created_at),
        invoice: q.invoice_id.map(|i| (i.to_string(), q.invoice_number.clone().unwrap_or_default())),
        messages: t
            .messages
            .iter()
            .map(|m| MessageView {
                staff: m.author == "staff",
                who: if m.author == "staff" {
                    m.author_name
                        .clone()
                        .map_or_else(|| ctx.tenant.name.clone(), |n| format!("{n} · {}", ctx.tenant.name))
                } else {
                    ctx.t("portal-question-you")
                },
                when: when(m.created_at),
                paragraphs: paragraphs(&m.body),
            })
            .collect(),
        closed: q.status == "closed",
        nonce: form_nonce(),
        message,
        error,
    };
    Ok(if status == StatusCode::OK { ctx.page(&page) } else { html(status, lang, &page) })
}

/// `GET /help/questions/{id}`: the thread, its status, and a form to add to it.
pub async fn question(ctx: Portal, Path(p): Path<IdPath>, Query(q): Query<DoneQuery>) -> Response {
    let result = super::page(async {
        ctx.customer()?;
        ctx.allow("/help")?;
        ctx.viewed("question");
        let message = q.done.map(|_| ctx.t("portal-question-reply-sent"));
        question_page(&ctx, &p.id, StatusCode::OK, message, None).await
    })
    .await;
    ctx.finish(result)
}

#[derive(Deserialize)]
pub struct ReplyForm {
    csrf: Option<String>,
    nonce: Option<String>,
    body: Option<String>,
}

/// `POST /help/questions/{id}/reply`: the customer adds to the thread (not to a closed one).
pub async fn reply(ctx: Portal, Path(p): Path<IdPath>, Form(form): Form<ReplyForm>) -> Response {
    let result = super::page(async {
        let customer = ctx.customer()?.id;
        ctx.check_csrf(form.csrf.as_deref())?;
        let id: BillingQuestionId = p.id.parse().map_err(|_| PageError::not_found())?;
        let body = form.body.clone().unwrap_or_default();
        if body.trim().is_empty() || body.trim().chars().count() > MAX_BODY_CHARS {
            let error = ctx.t("portal-question-body-required");
            return question_page(&ctx, &p.id, StatusCode::BAD_REQUEST, None, Some(error)).await;
        }
        let (tenant, now) = (ctx.tenant.id, ctx.now);
        let outcome = format!("{}?done=1", ctx.chrome.href(&format!("/help/questions/{id}")));
        once(&ctx, form.nonce.as_deref(), outcome, move |conn| {
            Box::pin(async move {
                questions::customer_reply(conn, tenant, customer, id, &body, now).await?;
                Ok(())
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}
