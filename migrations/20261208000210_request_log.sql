-- The request log per tenant (issue 16, docs/adr/0026): one row per authenticated API request,
-- never a body, a secret or a query string; kept for `[api] request_log_days` and pruned by the
-- `prune-request-log` job.
CREATE TABLE api_request_log (
    tenant_id       UUID NOT NULL REFERENCES tenants (tenant_id),
    id              UUID NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    method          TEXT NOT NULL,
    -- The route's template (`/api/v1/invoices/{id}/pay`), never the request's path with its ids.
    path            TEXT NOT NULL,
    status          SMALLINT NOT NULL,
    key_name        TEXT,
    idempotency_key TEXT,
    duration_ms     INT NOT NULL,
    error_code      TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX api_request_log_at ON api_request_log (at);
