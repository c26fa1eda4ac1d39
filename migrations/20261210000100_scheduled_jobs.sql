-- Scheduled jobs on replicas (issue 12, docs/adr/0037).
--
-- Which process ran a job (`host:pid`), so the run history shows how the work spread over the
-- `billing serve` processes of one database. NULL for runs recorded before this column.
ALTER TABLE job_runs ADD COLUMN node TEXT;

-- The nightly metrics snapshot (`metrics-snapshot` job): per tenant, day and currency, the MRR in
-- effect at the end of the day, the subscriptions contributing to it and the paying customers,
-- computed with the metrics service from the MRR schedule. Written with an upsert: a re-run of
-- the same day replaces the row with what the schedule says then.
CREATE TABLE metrics_snapshots (
    tenant_id            UUID NOT NULL REFERENCES tenants (tenant_id),
    day                  DATE NOT NULL,
    currency             CHAR(3) NOT NULL,
    mrr                  BIGINT NOT NULL,
    active_subscriptions BIGINT NOT NULL CHECK (active_subscriptions >= 0),
    customers            BIGINT NOT NULL CHECK (customers >= 0),
    recorded_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, day, currency)
);
