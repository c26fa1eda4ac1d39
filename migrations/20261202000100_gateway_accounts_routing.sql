-- Gateway accounts per tenant, routing rules, webhook events and refunds (issue 5, card side).

-- One merchant account at one provider. Several accounts of the same provider are different
-- gateways (e.g. a Stripe account for the EU and one for the US). `config` holds the provider's
-- credentials; the API never returns it unredacted.
CREATE TABLE gateway_accounts (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    id          UUID NOT NULL,
    provider    TEXT NOT NULL CHECK (provider IN ('sandbox', 'stripe', 'mollie')),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    config      JSONB NOT NULL DEFAULT '{}',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT gateway_accounts_name_unique UNIQUE (tenant_id, name)
);
-- Provider webhooks arrive at /webhooks/{account id} without a tenant key, so the id alone finds
-- the account (and through it the tenant).
CREATE UNIQUE INDEX gateway_accounts_id ON gateway_accounts (id);
CREATE UNIQUE INDEX gateway_accounts_one_default ON gateway_accounts (tenant_id) WHERE is_default;

-- Every existing tenant keeps collecting with the built-in sandbox, as before this migration.
INSERT INTO gateway_accounts (tenant_id, id, provider, name, config, is_default, created_at)
SELECT tenant_id, gen_random_uuid(), 'sandbox', 'sandbox', '{}', TRUE, now() FROM tenants;

ALTER TABLE payment_methods ADD COLUMN gateway_account_id UUID;
UPDATE payment_methods m SET gateway_account_id = a.id
  FROM gateway_accounts a WHERE a.tenant_id = m.tenant_id AND a.is_default;

ALTER TABLE payment_attempts ADD COLUMN gateway_account_id UUID;
UPDATE payment_attempts p SET gateway_account_id = m.gateway_account_id
  FROM payment_methods m WHERE m.tenant_id = p.tenant_id AND m.id = p.payment_method_id;
-- Why the gateway gave no usable answer (timeout, transport, ...). Set on status 'error': the
-- attempt was abandoned and the payment failed over; it also feeds the circuit breaker.
ALTER TABLE payment_attempts ADD COLUMN gateway_error TEXT
    CHECK (gateway_error IN ('timeout', 'transport', 'rejected', 'misconfigured'));
-- What the customer's browser needs to finish 3-D Secure (handed to the provider's SDK).
ALTER TABLE payment_attempts ADD COLUMN client_secret TEXT;
ALTER TABLE payment_attempts DROP CONSTRAINT payment_attempts_status_check;
ALTER TABLE payment_attempts ADD CONSTRAINT payment_attempts_status_check
    CHECK (status IN ('pending', 'succeeded', 'failed', 'requires_action', 'error'));
CREATE INDEX payment_attempts_provider_id ON payment_attempts (tenant_id, gateway_account_id, provider_payment_id);
CREATE INDEX payment_attempts_health ON payment_attempts (tenant_id, gateway_account_id, created_at);

-- The tenant's routing rules as one JSON document (the router's rule list), replaced as a whole.
CREATE TABLE routing_rules (
    tenant_id   UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    rules       JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- One row per provider webhook event: a repeat delivery hits the primary key and changes nothing.
CREATE TABLE gateway_events (
    tenant_id           UUID NOT NULL,
    gateway_account_id  UUID NOT NULL,
    provider_event_id   TEXT NOT NULL,
    kind                TEXT NOT NULL,
    payload             JSONB NOT NULL,
    outcome             TEXT NOT NULL,
    received_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, gateway_account_id, provider_event_id),
    FOREIGN KEY (tenant_id, gateway_account_id) REFERENCES gateway_accounts (tenant_id, id)
);

-- Refunds we asked a gateway for. Recorded as pending before the call (the id is the
-- idempotency key), so a refund webhook racing our own commit sees it and does not count it twice.
CREATE TABLE payment_refunds (
    tenant_id           UUID NOT NULL,
    id                  UUID NOT NULL,
    invoice_id          UUID NOT NULL,
    attempt_id          UUID NOT NULL,
    amount              BIGINT NOT NULL CHECK (amount > 0),
    currency            CHAR(3) NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    provider_refund_id  TEXT,
    failure_reason      TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, attempt_id) REFERENCES payment_attempts (tenant_id, id)
);
CREATE INDEX payment_refunds_attempt ON payment_refunds (tenant_id, attempt_id);
