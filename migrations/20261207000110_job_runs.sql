-- Every run of a scheduled job (by the scheduler or `billing jobs run`): what ran, for whom, when,
-- how much it did and how it ended. A run whose process died stays without `finished_at`.
CREATE TABLE job_runs (
    id          UUID PRIMARY KEY,
    job         TEXT NOT NULL CHECK (job ~ '^[a-z][a-z-]{0,39}$'),
    -- The tenant a per-tenant job ran for; NULL for a run over all tenants.
    tenant_id   UUID REFERENCES tenants (tenant_id),
    -- `schedule` (billing serve) or `cli` (billing jobs run).
    trigger     TEXT NOT NULL CHECK (trigger IN ('schedule', 'cli')),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    done        BIGINT NOT NULL DEFAULT 0,
    failed      BIGINT NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX job_runs_recent ON job_runs (started_at DESC);
CREATE INDEX job_runs_tenant ON job_runs (tenant_id, started_at DESC) WHERE tenant_id IS NOT NULL;
