//! The billing-questions inbox (issue 14): the questions customers ask in the portal, filtered
//! by status, each with its customer, invoice and thread; staff who help customers (support,
//! finance, admin) answer — the answer is mailed to the customer through the outbox
//! (`billing_question.replied`) and shown in the portal — and close them. First-response and
//! resolution time per question, and their medians on the inbox. The same service the API
//! calls (`service::billing_questions`).

use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use billing_core::ids::BillingQuestionId;
use billing_core::service::billing_questions::{self as questions, Question, Thread};
use billing_core::staff::Permission;
use billing_core::store::PageRequest;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::confirm::{self, duration, field};
use super::ctx::{Chrome, Console};
use crate::i18n::format;
use crate::web::error::{PageError, PageResult};

fn parse(id: &str) -> PageResult<BillingQuestionId> {
    id.parse().map_err(|_| PageError::not_found())
}

#[derive(Deserialize)]
pub struct InboxQuery {
    status: Option<String>,
}

pub struct Filter {
    pub href: String,
    pub label: String,
    pub current: bool,
}

pub struct QuestionRowView {
    pub id: String,
    pub href: String,
    pub asked: String,
    pub customer: String,
    pub customer_href: String,
    pub topic: String,
    pub invoice: String,
    pub status: String,
    pub text: String,
    pub first_response: String,
    pub resolution: String,
}

#[derive(Template)]
#[template(path = "console/questions.html")]
struct InboxPage<'a> {
    c: &'a Chrome,
    filters: Vec<Filter>,
    rows: Vec<QuestionRowView>,
    median_first: String,
    median_resolution: String,
}

fn when(ctx: &Console, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&ctx.tenant.timezone);
    format!("{} {}", format::date(local.date_naive(), ctx.lang()), local.format("%H:%M"))
}

fn status_text(c: &Chrome, status: &str) -> String {
    c.t(&format!("console-question-status-{status}"))
}

fn topic_text(c: &Chrome, topic: &str) -> String {
    c.t(&format!("portal-topic-{topic}"))
}

fn elapsed(c: &Chrome, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> String {
    to.map(|t| duration(c, (t - from).num_seconds())).unwrap_or_else(|| "—".into())
}

fn excerpt(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        format!("{}…", one_line.chars().take(79).collect::<String>())
    } else {
        one_line
    }
}

fn row(ctx: &Console, c: &Chrome, q: &Question) -> QuestionRowView {
    QuestionRowView {
        id: q.id.to_string(),
        href: c.href(&format!("/questions/{}", q.id)),
        asked: when(ctx, q.created_at),
        customer: q.customer_name.clone(),
        customer_href: c.href(&format!("/customers/{}", q.customer_id)),
        topic: topic_text(c, &q.topic),
        invoice: q.invoice_number.clone().unwrap_or_default(),
        status: status_text(c, &q.status),
        text: excerpt(&q.first_message),
        first_response: elapsed(c, q.created_at, q.first_response_at),
        resolution: elapsed(c, q.created_at, q.resolved_at),
    }
}

/// `GET /questions?status=open|answered|closed|all` (open by default), newest first.
pub async fn inbox(ctx: Console, Query(q): Query<InboxQuery>) -> Response {
    let result = super::page(async {
        ctx.require(Permission::Read, "questions.list", None, None).await?;
        let status = match q.status.as_deref() {
            None | Some("") => Some("open"),
            Some("all") => None,
            Some(s) if questions::STATUSES.contains(&s) => Some(s),
            Some(_) => return Err(PageError::not_found()),
        };
        let c = ctx.chrome("console-questions-title", "questions");
        let mut conn = ctx.state.pool.acquire().await?;
        let mut items = Vec::new();
        let mut page = PageRequest { limit: PageRequest::MAX_LIMIT, starting_after: None };
        // The inbox shows at most 500 questions of a status; the oldest open ones come first
        // from the store, so the newest are taken from the end.
        loop {
            let got = questions::list(&mut conn, ctx.tenant.id, status, page).await?;
            let last = got.items.last().map(|q| q.id.as_uuid());
            items.extend(got.items);
            match last {
                Some(last) if got.has_more && items.len() < 5000 => {
                    page = PageRequest { limit: PageRequest::MAX_LIMIT, starting_after: Some(last) }
                }
                _ => break,
            }
        }
        let (first, resolved) = questions::response_medians(&mut conn, ctx.tenant.id).await?;
        drop(conn);
        items.reverse();
        items.truncate(500);
        let rows = items.iter().map(|item| row(&ctx, &c, item)).collect();
        let current = q.status.as_deref().filter(|s| !s.is_empty()).unwrap_or("open");
        let filters = ["open", "answered", "closed", "all"]
            .into_iter()
            .map(|s| Filter {
                href: c.href(&format!("/questions?status={s}")),
                label: c.t(&format!("console-questions-filter-{s}")),
                current: s == current,
            })
            .collect();
        let none = || "—".to_string();
        Ok(ctx.page(&InboxPage {
            median_first: first.map(|s| duration(&c, s)).unwrap_or_else(none),
            median_resolution: resolved.map(|s| duration(&c, s)).unwrap_or_else(none),
            c: &c,
            filters,
            rows,
        }))
    })
    .await;
    ctx.finish(result)
}

pub struct MessageView {
    pub from_customer: bool,
    pub author: String,
    pub when: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "console/question.html")]
struct QuestionPage<'a> {
    c: &'a Chrome,
    done: Option<String>,
    error: Option<String>,
    q: QuestionRowView,
    customer_email: String,
    messages: Vec<MessageView>,
    closed: bool,
    can_help: bool,
    body: String,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn load(ctx: &Console, id: BillingQuestionId) -> PageResult<(Thread, billing_core::customer::Customer)> {
    let mut conn = ctx.state.pool.acquire().await?;
    let thread = questions::thread(&mut conn, ctx.tenant.id, id).await?;
    let customer = billing_core::service::customers::get(&mut conn, ctx.tenant.id, thread.question.customer_id).await?;
    Ok((thread, customer))
}

async fn show(
    ctx: &Console,
    id: BillingQuestionId,
    done: Option<String>,
    error: Option<String>,
    body: String,
) -> PageResult<Response> {
    let (thread, customer) = load(ctx, id).await?;
    let mut c = ctx.chrome("console-question-title", "questions");
    c.title = c.t1("console-question-heading", "name", &customer.name);
    let role = ctx.chrome.role.ok_or_else(super::ctx::forbidden)?;
    let messages = thread
        .messages
        .iter()
        .map(|m| MessageView {
            from_customer: m.author == "customer",
            author: if m.author == "customer" {
                customer.name.clone()
            } else {
                m.author_name.clone().unwrap_or_else(|| c.t("console-question-author-staff"))
            },
            when: when(ctx, m.created_at),
            body: m.body.clone(),
        })
        .collect();
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(ctx.page_with(
        status,
        &QuestionPage {
            q: row(ctx, &c, &thread.question),
            customer_email: customer.email.to_string(),
            closed: thread.question.status == "closed",
            can_help: role.allows(Permission::HelpCustomers),
            messages,
            done,
            error,
            body,
            c: &c,
        },
    ))
}

/// `GET /questions/{id}`: the thread; another tenant's id is a 404.
pub async fn detail(
    ctx: Console,
    Path(super::Ids { id, .. }): Path<super::Ids>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let result = super::page(async {
        let id = parse(&id)?;
        ctx.require(Permission::Read, "questions.view", Some(format!("question:{id}")), None).await?;
        let done = match q.done.as_deref() {
            Some("reply") => Some(ctx.t("console-question-done-reply")),
            Some("close") => Some(ctx.t("console-question-done-close")),
            _ => None,
        };
        show(&ctx, id, done, None, String::new()).await
    })
    .await;
    ctx.finish(result)
}

fn question_json(q: &Question) -> serde_json::Value {
    serde_json::json!({
        "status": q.status,
        "messages": q.messages,
        "first_response_at": q.first_response_at,
        "resolved_at": q.resolved_at,
    })
}

/// `POST /questions/{id}/{verb}` with `verb` = `reply` (a `body`) or `close`: the form, then
/// the confirm step; the change is made once (the nonce) with its audit line.
pub async fn act(
    ctx: Console,
    Path(super::Ids { id, verb, .. }): Path<super::Ids>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let result = super::page(async {
        let id = parse(&id)?;
        let reply = match verb.as_str() {
            "reply" => true,
            "close" => false,
            _ => return Err(PageError::not_found()),
        };
        let action = if reply { "question.reply" } else { "question.close" };
        // The customer is known only after the lookup; the refusal's line names the question.
        ctx.require(Permission::HelpCustomers, action, Some(format!("question:{id}")), None).await?;
        ctx.check_csrf(field(&pairs, "csrf"))?;
        let (thread, customer) = load(&ctx, id).await?;
        let body = field(&pairs, "body").unwrap_or_default().trim().to_string();
        if reply {
            let problem = if thread.question.status == "closed" {
                Some("console-question-closed")
            } else if body.is_empty() {
                Some("console-question-body-required")
            } else if body.chars().count() > questions::MAX_BODY_CHARS {
                Some("console-question-body-too-long")
            } else {
                None
            };
            if let Some(p) = problem {
                return show(&ctx, id, None, Some(ctx.t(p)), body).await;
            }
        }
        let back = (ctx.chrome.href(&format!("/questions/{id}")), ctx.t("console-question-back"));
        if field(&pairs, "step") != Some("confirm") {
            let mut facts = vec![
                (ctx.t("console-field-customer"), customer.name.clone()),
                (ctx.t("console-question-asked"), thread.question.first_message.clone()),
            ];
            if reply {
                facts.push((ctx.t("console-question-mailed-to"), customer.email.to_string()));
                facts.push((ctx.t("console-question-reply"), body.clone()));
            }
            let title = if reply { "console-question-reply-title" } else { "console-question-close-title" };
            let action_url = ctx.chrome.href(&format!("/questions/{id}/{verb}"));
            let fields = if reply { vec![("body".to_string(), body)] } else { vec![] };
            return Ok(confirm::page(&ctx, title, "questions", back, action_url, facts, fields, false));
        }
        let outcome = ctx.chrome.href(&format!("/questions/{id}?done={verb}"));
        let before = question_json(&thread.question);
        let customer_id = customer.id;
        let tenant = ctx.tenant.id;
        let now = ctx.now;
        let auditor = confirm::Auditor::of(&ctx);
        super::once(&ctx, field(&pairs, "nonce"), outcome, move |tx| {
            Box::pin(async move {
                let after = if reply {
                    questions::reply(tx, tenant, id, None, &body, now).await?
                } else {
                    questions::close(tx, tenant, id, now).await?
                };
                auditor
                    .done(
                        tx,
                        action,
                        Some(format!("question:{id}")),
                        Some(customer_id),
                        None,
                        Some(before),
                        Some(question_json(&after.question)),
                    )
                    .await
            })
        })
        .await
    })
    .await;
    ctx.finish(result)
}
