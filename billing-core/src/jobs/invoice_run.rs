//! The invoice-run job: invoices every due subscription of one or all tenants. The use case is
//! [`service::invoicing`](crate::service::invoicing); this is the entry point the scheduler, the
//! CLI and the API start.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::error::Result;
pub use crate::service::invoicing::{
    DEFAULT_WORKERS, MAX_WORKERS, NoProgress, RunOptions, RunProgress, RunSummary, TenantRunSummary, default_as_of,
    summary_from_record, tenant_today,
};

/// Runs the invoice run over one or all tenants (see [`RunOptions`]).
pub async fn run(
    pool: &PgPool,
    opts: &RunOptions,
    now: DateTime<Utc>,
    progress: &dyn RunProgress,
) -> Result<RunSummary> {
    crate::service::invoicing::run(pool, opts, now, progress).await
}
