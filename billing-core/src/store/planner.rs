//! The planner's statistics of tables that the product itself grows quickly (an invoice run's
//! `invoices`, the portal's page views in `portal_events`).
//!
//! A prepared statement keeps the plan it made for the table as it was: planned while a table was
//! empty, a lookup that an index answers in microseconds reads the whole table instead, and gets
//! slower with every row written (docs/performance.md, "The portal during a large run" and
//! "Longer runs"). Autovacuum analyzes a table once a tenth of it has changed, but it looks only
//! once a minute and may be off. `ANALYZE` updates the statistics and makes every connection plan
//! its statements on the table anew (docs/adr/0051, 0053).

use sqlx::PgConnection;

use crate::error::Result;

/// A table whose statistics the product refreshes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Invoices, grown by invoice runs (`store::invoices::refresh_statistics` analyzes it with
    /// its lines and the outbox).
    Invoices,
    /// The portal's events, grown by every page view.
    PortalEvents,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Invoices => "invoices",
            Table::PortalEvents => "portal_events",
        }
    }
}

/// The planner's estimate of the table's rows (every merchant's), from its statistics: 0 for a
/// table analyzed while empty or never analyzed.
pub async fn estimated_rows(conn: &mut PgConnection, table: Table) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass")
        .bind(table.name())
        .fetch_one(&mut *conn)
        .await?)
}

/// Refreshes the table's statistics (`ANALYZE`, a sample of at most 30,000 rows at the default
/// statistics target: milliseconds while the table is small). A role that does not own the table
/// gets a warning from the server, not an error.
pub async fn analyze(conn: &mut PgConnection, table: Table) -> Result<()> {
    sqlx::query(&format!("ANALYZE {}", table.name())).execute(&mut *conn).await?;
    Ok(())
}

/// When a writer that keeps adding rows to a table refreshes its statistics: each time it has
/// written as many rows as the planner believed the table held (the table has at least doubled
/// since the planner last looked), and never for fewer than [`Growth::MIN_ROWS`]. A table that
/// grows from nothing to N rows is analyzed about log2(N / MIN_ROWS) times; a table that was large
/// when the writer started is left to autovacuum until the writer has doubled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Growth {
    written_since: i64,
    due_at: i64,
}

impl Growth {
    /// Fewer rows than this are never worth an `ANALYZE`: any plan reads them quickly.
    pub const MIN_ROWS: i64 = 500;

    /// A writer starting on a table that the planner estimates at `estimate` rows.
    pub fn new(estimate: i64) -> Self {
        Growth { written_since: 0, due_at: estimate.max(Self::MIN_ROWS) }
    }

    /// Counts `rows` written; true when the statistics should be refreshed now.
    pub fn wrote(&mut self, rows: usize) -> bool {
        self.written_since = self.written_since.saturating_add(i64::try_from(rows).unwrap_or(i64::MAX));
        self.written_since >= self.due_at
    }

    /// The statistics were refreshed and the planner now estimates `estimate` rows. An estimate
    /// that did not move (a role that may not analyze the table) still pushes the next refresh out
    /// by what was written, so that a failing refresh is not tried on every batch.
    pub fn refreshed(&mut self, estimate: i64) {
        self.due_at = estimate.max(self.written_since).max(Self::MIN_ROWS);
        self.written_since = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_table_is_analyzed_each_time_it_doubles_from_the_minimum() {
        let mut g = Growth::new(0);
        let mut table = 0i64;
        let mut refreshed_at = Vec::new();
        for _ in 0..2_000 {
            table += 13;
            if g.wrote(13) {
                refreshed_at.push(table);
                g.refreshed(table);
            }
        }
        assert_eq!(refreshed_at.first(), Some(&507), "the first refresh once the minimum is written");
        for pair in refreshed_at.windows(2) {
            assert!(pair[1] >= 2 * pair[0], "each refresh after the table doubled: {refreshed_at:?}");
            assert!(pair[1] < 2 * pair[0] + 13, "and as soon as it did: {refreshed_at:?}");
        }
        assert_eq!(refreshed_at.len(), 6, "26,000 rows: 6 refreshes, not one per batch ({refreshed_at:?})");
    }

    #[test]
    fn a_large_table_waits_until_the_writer_has_doubled_it() {
        let mut g = Growth::new(1_000_000);
        assert!(!g.wrote(999_999));
        assert!(g.wrote(1));
    }

    #[test]
    fn a_refresh_that_changed_nothing_is_not_retried_on_every_batch() {
        let mut g = Growth::new(0);
        assert!(g.wrote(600));
        g.refreshed(0); // the estimate did not move: the role may not analyze
        assert!(!g.wrote(100), "the next try waits for as many rows again");
        assert!(g.wrote(500));
    }
}
