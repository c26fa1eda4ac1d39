-- Outgoing webhooks and the events API (docs/adr/0024).
--
-- An event is an outbox row whose message is public (not a sign-in link): the outbox keeps its
-- rows after fan-out, so `GET /api/v1/events` reads them, and the outbox id is the event id
-- (`evt_…`). The fan-out that makes mails also makes one delivery per matching endpoint, in the
-- transaction that marks the outbox row delivered.

-- The events list filters by type within a tenant and walks ids.
CREATE INDEX outbox_events_by_topic ON outbox (tenant_id, topic, id);

CREATE TABLE webhook_endpoints (
    tenant_id        UUID NOT NULL REFERENCES tenants (tenant_id),
    id               UUID NOT NULL,
    url              TEXT NOT NULL CHECK (char_length(url) BETWEEN 10 AND 2048),
    description      TEXT CHECK (char_length(description) <= 500),
    -- Event types (`invoice.paid`), prefixes (`invoice.*`) or `*` for every public event.
    enabled_events   TEXT[] NOT NULL CHECK (cardinality(enabled_events) BETWEEN 1 AND 100),
    status           TEXT NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    -- The signing secret, sealed with the operator's key (billing_core::secrets, docs/adr/0014).
    secret           TEXT NOT NULL,
    -- After a rotation, the old secret signs alongside the new one until it expires.
    previous_secret  TEXT,
    previous_secret_expires_at TIMESTAMPTZ,
    -- The first failed attempt since the last successful one (business time); cleared by a
    -- success or by the merchant re-enabling the endpoint.
    failing_since    TIMESTAMPTZ,
    disabled_at      TIMESTAMPTZ,
    -- Why the endpoint was disabled: `merchant` (through the API) or `failing` (automatically).
    disabled_reason  TEXT CHECK (disabled_reason IN ('merchant', 'failing')),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id        UUID NOT NULL,
    id               UUID NOT NULL,
    endpoint_id      UUID NOT NULL,
    event_id         UUID NOT NULL,
    event_type       TEXT NOT NULL,
    -- pending (due at next_attempt_at) | succeeded | failed (retries used up, or a manual
    -- redelivery that failed)
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INT NOT NULL DEFAULT 0,
    -- Business time of the next try.
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    -- A worker's claim, on the database's clock (it is about a process being alive), as mails.
    claimed_until    TIMESTAMPTZ,
    -- A merchant's redelivery: one attempt, no automatic retries after it.
    manual           BOOLEAN NOT NULL DEFAULT false,
    last_response_status INT,
    last_response_excerpt TEXT,
    last_error       TEXT,
    delivered_at     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    -- One delivery per event and endpoint: two fan-outs cannot make a second.
    CONSTRAINT webhook_deliveries_once UNIQUE (tenant_id, event_id, endpoint_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, event_id) REFERENCES outbox (tenant_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id);

CREATE TABLE webhook_delivery_attempts (
    tenant_id        UUID NOT NULL,
    delivery_id      UUID NOT NULL,
    attempt          INT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    -- succeeded (2xx) | retry | failed (the last one, or a failed manual redelivery)
    outcome          TEXT NOT NULL CHECK (outcome IN ('succeeded', 'retry', 'failed')),
    response_status  INT,
    -- The first 500 characters of the answer's body.
    response_excerpt TEXT,
    -- Connection refused, timeout, TLS, ... when there was no answer.
    error            TEXT,
    PRIMARY KEY (tenant_id, delivery_id, attempt),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
