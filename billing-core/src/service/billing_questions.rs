//! Billing questions (docs/adr/0029): a customer asks about their bill in the portal (a topic,
//! optionally one of their invoices, the text) and follows the thread there; staff list, answer
//! and close them through the API (the console will call the same functions). A staff answer
//! is mailed to the customer through the outbox. The created, first-response and resolved
//! timestamps are kept for the console and the analytics.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{BillingQuestionId, CustomerId, InvoiceId, TenantId};
use crate::outbox::OutboxMessage;
use crate::store;
use crate::store::help::{MessageRow, QuestionRow};
use crate::store::{Page, PageRequest};

/// What a question can be about (Fluent ids `portal-topic-<topic>`).
pub const TOPICS: &[&str] = &["invoice", "payment", "plan", "refund", "tax", "other"];
/// The statuses: waiting for the merchant, answered by the merchant, closed.
pub const STATUSES: &[&str] = &["open", "answered", "closed"];
/// The longest message.
pub const MAX_BODY_CHARS: usize = 5000;

pub type Question = QuestionRow;
pub type Message = MessageRow;

/// A question with its messages, oldest first.
#[derive(Debug, Clone)]
pub struct Thread {
    pub question: Question,
    pub messages: Vec<Message>,
}

fn body_of(text: &str) -> Result<String> {
    let body = text.trim();
    if body.is_empty() {
        return Err(Error::invalid("body", "the message is empty"));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(Error::invalid("body", format!("at most {MAX_BODY_CHARS} characters")));
    }
    Ok(body.to_string())
}

/// A customer's new question. `invoice` must be one of the customer's own finalized documents
/// (another customer's id is not found).
pub async fn ask(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    topic: &str,
    invoice: Option<InvoiceId>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Question> {
    if !TOPICS.contains(&topic) {
        return Err(Error::invalid("topic", format!("use one of {}", TOPICS.join(", "))));
    }
    let body = body_of(text)?;
    if let Some(inv) = invoice
        && !store::help::customer_invoice(conn, tenant, customer, inv).await?
    {
        return Err(Error::not_found("invoice", inv));
    }
    let id = BillingQuestionId::new();
    store::help::insert_question(conn, tenant, id, customer, topic, invoice, &body, now).await?;
    store::help::question(conn, tenant, id, false).await?.ok_or_else(|| Error::not_found("billing_question", id))
}

/// The customer's questions, newest first.
pub async fn list_for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
) -> Result<Vec<Question>> {
    let page = store::help::questions(
        conn,
        tenant,
        Some(customer),
        None,
        PageRequest { limit: PageRequest::MAX_LIMIT, starting_after: None },
    )
    .await?;
    let mut items = page.items;
    items.reverse();
    Ok(items)
}

/// One of the customer's questions with its thread; another customer's is not found.
pub async fn thread_for_customer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: BillingQuestionId,
) -> Result<Thread> {
    let t = thread(conn, tenant, id).await?;
    if t.question.customer_id != customer {
        return Err(Error::not_found("billing_question", id));
    }
    Ok(t)
}

/// The customer adds to the thread of an open or answered question; it waits for the merchant
/// again. A closed question takes no more messages (the customer asks a new one).
pub async fn customer_reply(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    id: BillingQuestionId,
    text: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let body = body_of(text)?;
    let q =
        store::help::question(conn, tenant, id, true).await?.ok_or_else(|| Error::not_found("billing_question", id))?;
    if q.customer_id != customer {
        return Err(Error::not_found("billing_question", id));
    }
    if q.status == "closed" {
        return Err(Error::InvalidTransition { status: "closed", action: "reply" });
    }
    store::help::insert_message(conn, tenant, id, "customer", None, &body, now).await?;
    store::help::set_status(conn, tenant, id, "open", false, now).await
}

/// Questions for staff, oldest first, optionally in one status.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<Question>> {
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        return Err(Error::invalid("status", format!("use one of {}", STATUSES.join(", "))));
    }
    store::help::questions(conn, tenant, None, status, page).await
}

/// One question with its thread.
pub async fn thread(conn: &mut PgConnection, tenant: TenantId, id: BillingQuestionId) -> Result<Thread> {
    let question = store::help::question(conn, tenant, id, false)
        .await?
        .ok_or_else(|| Error::not_found("billing_question", id))?;
    let messages = store::help::messages(conn, tenant, id).await?;
    Ok(Thread { question, messages })
}

/// A staff answer: added to the thread, shown in the portal and mailed to the customer (the
/// outbox row is written in the caller's transaction). The first one stamps the first
/// response. A closed question is not answered (reopen by asking anew).
pub async fn reply(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: BillingQuestionId,
    author_name: Option<&str>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Thread> {
    let body = body_of(text)?;
    let author_name =
        author_name.map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(100).collect::<String>());
    let q =
        store::help::question(conn, tenant, id, true).await?.ok_or_else(|| Error::not_found("billing_question", id))?;
    if q.status == "closed" {
        return Err(Error::InvalidTransition { status: "closed", action: "reply" });
    }
    store::help::insert_message(conn, tenant, id, "staff", author_name.as_deref(), &body, now).await?;
    store::help::set_status(conn, tenant, id, "answered", true, now).await?;
    store::outbox::enqueue(
        conn,
        tenant,
        &[OutboxMessage::BillingQuestionReplied { question: id, customer: q.customer_id }],
        now,
    )
    .await?;
    thread(conn, tenant, id).await
}

/// Closes a question (resolved); closing a closed one changes nothing.
pub async fn close(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: BillingQuestionId,
    now: DateTime<Utc>,
) -> Result<Thread> {
    let q =
        store::help::question(conn, tenant, id, true).await?.ok_or_else(|| Error::not_found("billing_question", id))?;
    if q.status != "closed" {
        store::help::set_status(conn, tenant, id, "closed", false, now).await?;
    }
    thread(conn, tenant, id).await
}

/// The medians of the first-response and the resolution time over the tenant's questions, in
/// seconds (`None` while no question was answered, resp. closed).
pub async fn response_medians(conn: &mut PgConnection, tenant: TenantId) -> Result<(Option<i64>, Option<i64>)> {
    store::help::response_medians(conn, tenant).await
}
