//! GET /api/v1/job_runs: the runs of scheduled jobs that concern this tenant: its own per-tenant
//! runs in full, and runs over all tenants (mail, collect, ...) with when and whether they ended,
//! but not their counts or error text, which speak of other tenants too.

use axum::extract::State;
use billing_core::store;
use billing_core::store::job_runs::JobRun;
use serde::{Deserialize, Serialize};

use super::error::ApiResult;
use super::extract::{ApiQuery, AuthTenant};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobRunsQuery {
    pub limit: Option<i64>,
    pub job: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobRunView {
    pub id: uuid::Uuid,
    pub job: String,
    /// False for a run over all tenants.
    pub for_tenant: bool,
    pub trigger: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub succeeded: Option<bool>,
    pub done: Option<i64>,
    pub failed: Option<i64>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobRuns {
    pub items: Vec<JobRunView>,
}

fn view(r: JobRun) -> JobRunView {
    let own = r.tenant_id.is_some();
    JobRunView {
        id: r.id,
        succeeded: r.finished_at.map(|_| r.error.is_none()),
        job: r.job,
        for_tenant: own,
        trigger: r.trigger,
        started_at: r.started_at,
        finished_at: r.finished_at,
        done: own.then_some(r.done),
        failed: own.then_some(r.failed),
        error: if own { r.error } else { None },
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/job_runs",
    tag = "operations",
    params(JobRunsQuery),
    responses((status = 200, description = "The latest runs of the scheduled jobs.", body = JobRuns))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthTenant(tenant): AuthTenant,
    ApiQuery(q): ApiQuery<JobRunsQuery>,
) -> ApiResult<axum::Json<JobRuns>> {
    let page = store::PageRequest::new(q.limit, None)?;
    let mut conn = state.pool.acquire().await?;
    let runs = store::job_runs::list_for_tenant(&mut conn, tenant, q.job.as_deref(), i64::from(page.limit)).await?;
    Ok(axum::Json(JobRuns { items: runs.into_iter().map(view).collect() }))
}

/// This module's operations in the OpenAPI document (`super::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list))]
pub struct Doc;
