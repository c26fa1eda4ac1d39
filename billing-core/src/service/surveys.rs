//! Portal surveys (NPS, CSAT, CES; docs/adr/0029): which one a customer is asked now, storing an
//! answer or a dismissal, the staff list, and the merchant's waiting period.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::error::{Error, Result};
use crate::ids::{CustomerId, TenantId};
use crate::store::surveys::{self as store, NewResponse, ResponseFilter, ResponseRow};
use crate::store::{Page, PageRequest};
use crate::survey::{self, CES_ACTIONS, CSAT_ACTIONS, DEFAULT_NPS_WAIT_DAYS, Offer, SurveyFacts, SurveyKind};

/// The merchant's waiting period before the first NPS question (default 30 days).
pub async fn nps_wait_days(conn: &mut PgConnection, tenant: TenantId) -> Result<i32> {
    Ok(store::nps_wait_days(conn, tenant).await?.unwrap_or(DEFAULT_NPS_WAIT_DAYS))
}

pub async fn set_nps_wait_days(
    conn: &mut PgConnection,
    tenant: TenantId,
    days: i64,
    now: DateTime<Utc>,
) -> Result<i32> {
    let days = i32::try_from(days)
        .ok()
        .filter(|d| (0..=3650).contains(d))
        .ok_or_else(|| Error::invalid("nps_wait_days", "must be from 0 to 3650 days"))?;
    store::set_nps_wait_days(conn, tenant, days, now).await?;
    Ok(days)
}

async fn facts(conn: &mut PgConnection, tenant: TenantId, customer: CustomerId) -> Result<SurveyFacts> {
    let actions: Vec<&str> = CSAT_ACTIONS.iter().chain(CES_ACTIONS).copied().collect();
    let (first_use, last_nps, wait, last_action) = store::facts(conn, tenant, customer, &actions).await?;
    Ok(SurveyFacts { first_use, last_nps, nps_wait_days: wait.unwrap_or(DEFAULT_NPS_WAIT_DAYS), last_action })
}

/// The survey to show the customer on a page now, if any; `nps_here` for the page that may ask
/// the NPS question (the overview).
pub async fn offer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    nps_here: bool,
    now: DateTime<Utc>,
) -> Result<Option<Offer>> {
    Ok(survey::offer(&facts(conn, tenant, customer).await?, now, nps_here))
}

/// An answer from the portal's form; `score: None` dismisses the survey.
#[derive(Debug, Clone)]
pub struct Answer {
    pub kind: SurveyKind,
    pub score: Option<i16>,
    pub comment: Option<String>,
    /// The action a CSAT or CES is about (the `portal_events` row the form carried).
    pub context_event: Option<i64>,
}

/// Stores an answer to the survey the customer is being asked. Only that one: a form for a
/// survey that is not (or no longer) offered changes nothing and returns `false`, so a
/// replayed or forged form cannot ask twice, and the NPS keeps its waiting period. A score off
/// the kind's scale is refused.
pub async fn answer(
    conn: &mut PgConnection,
    tenant: TenantId,
    customer: CustomerId,
    a: &Answer,
    now: DateTime<Utc>,
) -> Result<bool> {
    if let Some(s) = a.score
        && !a.kind.accepts(s)
    {
        let (lo, hi) = a.kind.scale();
        return Err(Error::invalid("score", format!("must be from {lo} to {hi}")));
    }
    let comment: Option<String> =
        a.comment.as_deref().map(|c| c.trim().chars().take(2000).collect::<String>()).filter(|c| !c.is_empty());
    let offered = survey::offer(&facts(conn, tenant, customer).await?, now, a.kind == SurveyKind::Nps);
    let Some(o) = offered.filter(|o| o.kind == a.kind && o.context_event == a.context_event) else {
        return Ok(false);
    };
    let r = NewResponse {
        customer,
        kind: a.kind,
        score: a.score,
        comment: comment.as_deref(),
        context_action: o.context_action.as_deref(),
        context_event: o.context_event,
    };
    store::insert_response(conn, tenant, &r, now).await
}

/// Survey answers for staff, oldest first; `after` is the last row id of the previous page.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &ResponseFilter,
    after: Option<i64>,
    page: PageRequest,
) -> Result<Page<ResponseRow>> {
    store::responses(conn, tenant, filter, after.unwrap_or(0), page).await
}
