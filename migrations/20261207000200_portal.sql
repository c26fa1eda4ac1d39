-- The customer self-service portal (docs/adr/0021, 0023): custom domains, email sign-in links,
-- sessions, passwords, rate limits, the security audit log and self-service analytics events.

-- A tenant's own host names (a CNAME to the server); the path fallback /p/{slug}/ needs no row.
CREATE TABLE portal_domains (
    host        TEXT PRIMARY KEY CHECK (host = lower(host)),
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    created_at  TIMESTAMPTZ NOT NULL
);

-- Single-use sign-in links: only the SHA-256 of the token is stored.
CREATE TABLE portal_sign_in_tokens (
    token_hash  BYTEA PRIMARY KEY,
    tenant_id   UUID NOT NULL,
    customer_id UUID NOT NULL,
    -- `email` (a link mailed on request) or `api` (POST /api/v1/portal_sessions).
    source      TEXT NOT NULL,
    flow        TEXT,
    return_url  TEXT,
    locale      TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);

-- Sessions shared by every `billing serve` process; the cookie holds the token, the row its hash.
CREATE TABLE portal_sessions (
    token_hash   BYTEA PRIMARY KEY,
    tenant_id    UUID NOT NULL,
    customer_id  UUID NOT NULL,
    -- The synchronizer token every form of this session carries.
    csrf_token   TEXT NOT NULL,
    flow         TEXT,
    return_url   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX portal_sessions_customer ON portal_sessions (tenant_id, customer_id) WHERE revoked_at IS NULL;

-- One row per submitted form: a form posted twice (double click, back and resend) acts once.
CREATE TABLE portal_form_submissions (
    session_hash BYTEA NOT NULL,
    form_nonce   TEXT NOT NULL,
    -- Where the first submission led; a repeat is sent there too.
    outcome      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_hash, form_nonce)
);

-- The optional password (argon2id PHC string) and the failures that lead to a lock-out.
CREATE TABLE portal_credentials (
    tenant_id       UUID NOT NULL,
    customer_id     UUID NOT NULL,
    password_hash   TEXT,
    failed_attempts INT NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, customer_id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);

-- Sign-in attempts per key (`email:<address>`, `client:<ip>`), counted in a sliding window, so
-- that every node sees the same count.
CREATE TABLE portal_rate_events (
    tenant_id  UUID NOT NULL,
    bucket     TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_rate_events_bucket ON portal_rate_events (tenant_id, bucket, at);

-- Security events per tenant: link requested, signed in, failure, lock-out, password changed,
-- session revoked.
CREATE TABLE portal_audit_log (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   UUID NOT NULL,
    customer_id UUID,
    event       TEXT NOT NULL,
    client      TEXT,
    detail      JSONB NOT NULL DEFAULT '{}'::jsonb,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_audit_log_tenant ON portal_audit_log (tenant_id, at);

-- Self-service analytics: page views and actions (started, completed or abandoned).
CREATE TABLE portal_events (
    id           BIGSERIAL PRIMARY KEY,
    tenant_id    UUID NOT NULL,
    customer_id  UUID,
    -- `page_view` or `action`.
    kind         TEXT NOT NULL,
    action       TEXT,
    page         TEXT NOT NULL,
    -- For actions: `started`, `completed` or `abandoned`.
    status       TEXT,
    started_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    duration_ms  BIGINT
);
CREATE INDEX portal_events_tenant ON portal_events (tenant_id, started_at);

-- The reason survey of a self-service cancellation.
CREATE TABLE portal_cancellation_reasons (
    tenant_id       UUID NOT NULL,
    subscription_id UUID NOT NULL,
    customer_id     UUID NOT NULL,
    reason          TEXT NOT NULL,
    comment         TEXT,
    at              TIMESTAMPTZ NOT NULL
);
