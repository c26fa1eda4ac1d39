//! Portal surveys (`survey_responses`) and the tenant's portal settings (`portal_settings`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::{Page, PageRequest};
use crate::error::Result;
use crate::ids::{CustomerId, TenantId};
use crate::survey::{CompletedAction, SurveyKind};

/// The waiting period before the first NPS question, in days (the default when never set).
pub async fn nps_wait_days(conn: &mut PgConnection, tenant: TenantId) -> Result<Option<i32>> {
    Ok(sqlx::query_scalar("SELECT nps_wait_days FROM portal_settings WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_nps_wait_days(conn: &mut PgConnection, tenant: TenantId, days: i32, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO portal_settings (tenant_id, nps_wait_days, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET nps_wait_days = $2, updated_at = $3",
    )
    .bind(tenant)
    .bind(days)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// What deciding a customer's survey reads, in one statement (the portal's pages ask on every
/// view; issue 15, docs/adr/0043): the customer's first recorded portal visit, last NPS answer or
/// dismissal, the merchant's NPS waiting period, and the newest completed action among `actions`
/// with the surveys asked about it.
pub async fn facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    actions: &[&str],
) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<i32>, Option<CompletedAction>)> {
    #[allow(clippy::type_complexity)]
    let row: (
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i32>,
        Option<i64>,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<Vec<String>>,
    ) = sqlx::query_as(
        "SELECT (SELECT min(started_at) FROM portal_events WHERE tenant_id = $1 AND customer_id = $2),
                (SELECT max(created_at) FROM survey_responses WHERE tenant_id = $1 AND customer_id = $2 AND kind = 'nps'),
                (SELECT nps_wait_days FROM portal_settings WHERE tenant_id = $1),
                a.id, a.action, a.completed_at, a.asked
           FROM (SELECT 1) AS one
           LEFT JOIN LATERAL (
               SELECT e.id, e.action, e.completed_at,
                      ARRAY(SELECT r.kind FROM survey_responses r
                             WHERE r.tenant_id = e.tenant_id AND r.customer_id = e.customer_id AND r.context_event = e.id) AS asked
                 FROM portal_events e
                WHERE e.tenant_id = $1 AND e.customer_id = $2 AND e.kind = 'action' AND e.status = 'completed'
                  AND e.completed_at IS NOT NULL AND e.action = ANY($3)
                ORDER BY e.completed_at DESC, e.id DESC LIMIT 1
           ) AS a ON true",
    )
    .bind(tenant)
    .bind(customer)
    .bind(actions)
    .fetch_one(conn)
    .await?;
    let (first_use, last_nps, wait, event, action, at, asked) = row;
    let last = match (event, action, at) {
        (Some(event), Some(action), Some(at)) => Some(CompletedAction {
            event,
            action,
            at,
            asked: asked.unwrap_or_default().iter().filter_map(|k| SurveyKind::parse(k)).collect(),
        }),
        _ => None,
    };
    Ok((first_use, last_nps, wait, last))
}

/// A survey answer (or, without a score, a dismissal) about to be stored.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    pub customer: CustomerId,
    pub kind: SurveyKind,
    pub score: Option<i16>,
    pub comment: Option<&'a str>,
    pub context_action: Option<&'a str>,
    pub context_event: Option<i64>,
}

/// Stores an answer; `false` when this survey about this action was answered before.
pub async fn insert_response(
    conn: &mut PgConnection,
    tenant: TenantId,
    r: &NewResponse<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO survey_responses
           (tenant_id, customer_id, kind, score, dismissed, comment, context_action, context_event, created_at)
         VALUES ($1, $2, $3, $4, $4 IS NULL, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(r.customer)
    .bind(r.kind.as_str())
    .bind(r.score)
    .bind(r.comment)
    .bind(r.context_action)
    .bind(r.context_event)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// A stored answer, as staff read it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ResponseRow {
    pub id: i64,
    pub customer_id: CustomerId,
    pub kind: String,
    pub score: Option<i16>,
    pub dismissed: bool,
    pub comment: Option<String>,
    pub context_action: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The filters of the staff list.
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    pub kind: Option<SurveyKind>,
    pub customer: Option<CustomerId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub include_dismissed: bool,
}

/// Answers, oldest first, after the row id `after`, a page at a time.
pub async fn responses(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &ResponseFilter,
    after: i64,
    page: PageRequest,
) -> Result<Page<ResponseRow>> {
    let rows: Vec<ResponseRow> = sqlx::query_as(
        "SELECT id, customer_id, kind, score, dismissed, comment, context_action, created_at FROM survey_responses
          WHERE tenant_id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3::uuid IS NULL OR customer_id = $3)
            AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
            AND ($6 OR NOT dismissed) AND id > $7
          ORDER BY id LIMIT $8",
    )
    .bind(tenant)
    .bind(f.kind.map(SurveyKind::as_str))
    .bind(f.customer)
    .bind(f.from)
    .bind(f.to)
    .bind(f.include_dismissed)
    .bind(after)
    .bind(page.fetch_limit())
    .fetch_all(conn)
    .await?;
    Ok(Page::from_rows(rows, page))
}
