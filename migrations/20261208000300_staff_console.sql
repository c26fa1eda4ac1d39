-- The finance staff console (issue 14, docs/adr/0027): staff accounts per tenant with a role,
-- their sessions, once-only forms and the audit log of every staff action.

-- A person who works in a merchant's console. The password is an argon2id PHC string (never the
-- password); the TOTP secret is the base32 shared secret the authenticator app holds too.
CREATE TABLE staff_users (
    tenant_id          UUID NOT NULL REFERENCES tenants (tenant_id),
    id                 UUID NOT NULL,
    email              TEXT NOT NULL CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    role               TEXT NOT NULL CHECK (role IN ('admin', 'finance', 'support', 'analyst')),
    password_hash      TEXT,
    -- A pending secret while the second factor is being set up; enabled once a code matched.
    totp_secret        TEXT,
    totp_enabled       BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last 30-second step a code was accepted for: a code is good once.
    totp_last_step     BIGINT,
    failed_attempts    INT NOT NULL DEFAULT 0,
    locked_until       TIMESTAMPTZ,
    -- A one-time link to set the first password (SHA-256 of the token) and when it lapses.
    invite_token_hash  BYTEA,
    invite_expires_at  TIMESTAMPTZ,
    disabled_at        TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT staff_users_email UNIQUE (tenant_id, email)
);
CREATE UNIQUE INDEX staff_users_invite ON staff_users (invite_token_hash) WHERE invite_token_hash IS NOT NULL;

-- Console sessions: the cookie holds the token, the row its SHA-256. A session whose second
-- factor is still owed opens nothing but the code page.
CREATE TABLE staff_sessions (
    token_hash        BYTEA PRIMARY KEY,
    tenant_id         UUID NOT NULL,
    staff_id          UUID NOT NULL,
    csrf_token        TEXT NOT NULL,
    second_factor_due BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    revoked_at        TIMESTAMPTZ,
    FOREIGN KEY (tenant_id, staff_id) REFERENCES staff_users (tenant_id, id)
);
CREATE INDEX staff_sessions_staff ON staff_sessions (tenant_id, staff_id) WHERE revoked_at IS NULL;

-- One row per submitted console form: a form posted twice acts once.
CREATE TABLE staff_form_submissions (
    session_hash BYTEA NOT NULL,
    form_nonce   TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_hash, form_nonce)
);

-- Every staff action, done or refused: who (a staff member, an API key, an operator on the
-- command line), what, on what, why, and the record before and after.
CREATE TABLE staff_audit_log (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    staff_id    UUID,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    -- `done`, `refused` (the role does not allow it) or `failed` (the engine said no).
    outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
    target      TEXT,
    customer_id UUID,
    reason      TEXT,
    before      JSONB,
    after       JSONB,
    client      TEXT,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_audit_log_tenant ON staff_audit_log (tenant_id, at);
CREATE INDEX staff_audit_log_customer ON staff_audit_log (tenant_id, customer_id, at) WHERE customer_id IS NOT NULL;
