//! The portal's help: the merchant's FAQ (`portal_faq_entries`) and customers' billing questions
//! with their threads (`billing_questions`, `billing_question_messages`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{Page, PageRequest};
use crate::error::Result;
use crate::help::FaqEntry;
use crate::ids::{BillingQuestionId, CustomerId, InvoiceId, TenantId};

/// Replaces the tenant's whole FAQ with `entries` (their order is the order shown).
pub async fn replace_faq(
    conn: &mut PgConnection,
    tenant: TenantId,
    entries: &[FaqEntry],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM portal_faq_entries WHERE tenant_id = $1").bind(tenant).execute(&mut *conn).await?;
    let locales: Vec<&str> = entries.iter().map(|e| e.locale.as_str()).collect();
    let questions: Vec<&str> = entries.iter().map(|e| e.question.as_str()).collect();
    let answers: Vec<&str> = entries.iter().map(|e| e.answer.as_str()).collect();
    sqlx::query(
        "INSERT INTO portal_faq_entries (tenant_id, locale, position, question, answer, updated_at)
         SELECT $1, l, (row_number() OVER (PARTITION BY l ORDER BY o))::int, q, a, $5
           FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(l, q, a, o)",
    )
    .bind(tenant)
    .bind(&locales)
    .bind(&questions)
    .bind(&answers)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The tenant's FAQ, every language, by language and position.
pub async fn faq(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<FaqEntry>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT locale, question, answer FROM portal_faq_entries WHERE tenant_id = $1 ORDER BY locale, position",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(locale, question, answer)| FaqEntry { locale, question, answer }).collect())
}

/// The FAQ in `locale`, or in `fallback` when the merchant wrote none in `locale`.
pub async fn faq_in(conn: &mut PgConnection, tenant: TenantId, locale: &str, fallback: &str) -> Result<Vec<FaqEntry>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT locale, question, answer FROM portal_faq_entries
          WHERE tenant_id = $1 AND locale = (
              SELECT CASE WHEN EXISTS (SELECT 1 FROM portal_faq_entries WHERE tenant_id = $1 AND locale = $2)
                          THEN $2 ELSE $3 END)
          ORDER BY position",
    )
    .bind(tenant)
    .bind(locale)
    .bind(fallback)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(locale, question, answer)| FaqEntry { locale, question, answer }).collect())
}

/// A billing question as stored, with its first message's text and the invoice's number.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuestionRow {
    pub id: BillingQuestionId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub topic: String,
    pub invoice_id: Option<InvoiceId>,
    pub invoice_number: Option<String>,
    pub status: String,
    pub first_message: String,
    pub messages: i64,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

const QUESTION_SELECT: &str = "SELECT q.id, q.customer_id, c.name AS customer_name, q.topic, q.invoice_id,
        i.number AS invoice_number, q.status,
        (SELECT m.body FROM billing_question_messages m WHERE m.tenant_id = q.tenant_id AND m.question_id = q.id
          ORDER BY m.id LIMIT 1) AS first_message,
        (SELECT count(*) FROM billing_question_messages m WHERE m.tenant_id = q.tenant_id AND m.question_id = q.id)
          AS messages,
        q.created_at, q.first_response_at, q.resolved_at, q.updated_at
   FROM billing_questions q
   JOIN customers c ON c.tenant_id = q.tenant_id AND c.id = q.customer_id
   LEFT JOIN invoices i ON i.tenant_id = q.tenant_id AND i.id = q.invoice_id";

#[allow(clippy::too_many_arguments)]
pub async fn insert_question(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: BillingQuestionId,
    customer: CustomerId,
    topic: &str,
    invoice: Option<InvoiceId>,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO billing_questions (tenant_id, id, customer_id, topic, invoice_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $6)",
    )
    .bind(tenant)
    .bind(id)
    .bind(customer)
    .bind(topic)
    .bind(invoice)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    insert_message(conn, tenant, id, "customer", None, body, now).await
}

pub async fn insert_message(
    conn: &mut PgConnection,
    tenant: TenantId,
    question: BillingQuestionId,
    author: &str,
    author_name: Option<&str>,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO billing_question_messages (tenant_id, question_id, author, author_name, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(question)
    .bind(author)
    .bind(author_name)
    .bind(body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a question's status; the first staff answer and the closing are timestamped once.
pub async fn set_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    question: BillingQuestionId,
    status: &str,
    staff_answered: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE billing_questions SET status = $3, updated_at = $5,
                first_response_at = CASE WHEN $4 THEN COALESCE(first_response_at, $5) ELSE first_response_at END,
                resolved_at = CASE WHEN $3 = 'closed' THEN COALESCE(resolved_at, $5) ELSE NULL END
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(question)
    .bind(status)
    .bind(staff_answered)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// One question (locked for a change when `lock`).
pub async fn question(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: BillingQuestionId,
    lock: bool,
) -> Result<Option<QuestionRow>> {
    if lock {
        sqlx::query("SELECT 1 FROM billing_questions WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind(tenant)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(sqlx::query_as(&format!("{QUESTION_SELECT} WHERE q.tenant_id = $1 AND q.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The questions of a tenant, optionally of one customer and in one status, oldest first
/// (time-ordered ids), a page at a time.
pub async fn questions(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: Option<CustomerId>,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<QuestionRow>> {
    let rows: Vec<QuestionRow> = sqlx::query_as(&format!(
        "{QUESTION_SELECT}
          WHERE q.tenant_id = $1 AND ($2::uuid IS NULL OR q.customer_id = $2) AND ($3::text IS NULL OR q.status = $3)
            AND q.id > $4
          ORDER BY q.id LIMIT $5"
    ))
    .bind(tenant)
    .bind(customer)
    .bind(status)
    .bind(page.cursor())
    .bind(page.fetch_limit())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub author: String,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A question's messages, oldest first.
pub async fn messages(
    conn: &mut PgConnection,
    tenant: TenantId,
    question: BillingQuestionId,
) -> Result<Vec<MessageRow>> {
    Ok(sqlx::query_as(
        "SELECT author, author_name, body, created_at FROM billing_question_messages
          WHERE tenant_id = $1 AND question_id = $2 ORDER BY id",
    )
    .bind(tenant)
    .bind(question)
    .fetch_all(conn)
    .await?)
}

/// Whether `invoice` is a finalized document of `customer` (the questions a customer may tie to it).
pub async fn customer_invoice(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    invoice: InvoiceId,
) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM invoices WHERE tenant_id = $1 AND customer_id = $2 AND id = $3 AND status <> 'draft')",
    )
    .bind(tenant)
    .bind(customer)
    .bind(invoice)
    .fetch_one(conn)
    .await?)
}

/// The medians over a tenant's questions, in seconds: from asking to the first staff answer
/// (questions answered at least once) and from asking to closing (closed questions).
pub async fn response_medians(conn: &mut PgConnection, tenant: TenantId) -> Result<(Option<i64>, Option<i64>)> {
    let (first, resolved): (Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - created_at))
                  FILTER (WHERE first_response_at IS NOT NULL),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at))
                  FILTER (WHERE resolved_at IS NOT NULL)
           FROM billing_questions WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(conn)
    .await?;
    // Whole seconds: a duration shown to people, not money.
    Ok((first.map(|s| s.round() as i64), resolved.map(|s| s.round() as i64)))
}
