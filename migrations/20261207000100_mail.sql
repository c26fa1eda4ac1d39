-- Mail: the outbox fans out to one `mails` row per message and template (in the transaction that
-- marks the outbox row delivered, so a mail exists exactly once for its cause), a worker sends
-- them over SMTP (or writes .eml files) and records every attempt.

-- An outbox row is "delivered" once it has been fanned out to its channels (mail, webhooks).
CREATE INDEX outbox_undelivered ON outbox (tenant_id, created_at) WHERE delivered_at IS NULL;

CREATE TABLE mails (
    tenant_id       UUID NOT NULL REFERENCES tenants (tenant_id),
    id              UUID NOT NULL,
    outbox_id       UUID NOT NULL,
    template        TEXT NOT NULL CHECK (template ~ '^[a-z_]{1,40}$'),
    to_address      TEXT NOT NULL CHECK (char_length(to_address) BETWEEN 3 AND 254),
    locale          TEXT NOT NULL,
    -- The RFC 5322 Message-ID, fixed when the row is made: a resend after a crash carries the
    -- same one, so a receiving system sees a duplicate as the same message.
    message_id      TEXT NOT NULL UNIQUE,
    -- The outbox message (the data the template renders).
    payload         JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
    attempts        INT NOT NULL DEFAULT 0,
    -- Business time of the next try (backoff).
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- A worker's claim (the database's clock: it is about a process being alive). A worker that
    -- dies mid-send leaves the claim to expire and the mail is sent again, same Message-ID.
    claimed_until   TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT mails_once UNIQUE (tenant_id, outbox_id, template)
);
CREATE INDEX mails_due ON mails (next_attempt_at) WHERE status = 'pending';

CREATE TABLE mail_attempts (
    tenant_id    UUID NOT NULL,
    mail_id      UUID NOT NULL,
    attempt      INT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    -- sent | retry (temporary failure) | failed (permanent: the address bounced)
    outcome      TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed')),
    detail       TEXT,
    PRIMARY KEY (tenant_id, mail_id, attempt),
    FOREIGN KEY (tenant_id, mail_id) REFERENCES mails (tenant_id, id)
);

-- Addresses a tenant does not mail: a permanent failure (bounce) or a complaint adds one; a
-- customer's new address is not on it, and the merchant can remove one through the API.
CREATE TABLE mail_suppressions (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    address     TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('bounce', 'complaint', 'manual')),
    detail      TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, address)
);

-- The tenant's sender identity in mails: the `From` display name (default: the tenant's name)
-- and the address replies go to (default: none, replies go to `mail.from`).
ALTER TABLE tenants
    ADD COLUMN mail_sender_name TEXT CHECK (char_length(mail_sender_name) BETWEEN 1 AND 100),
    ADD COLUMN mail_reply_to    TEXT CHECK (char_length(mail_reply_to) BETWEEN 3 AND 254);
