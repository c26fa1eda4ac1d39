-- Payment methods and the payment ledger (issue 5, first slice).

CREATE TABLE payment_methods (
    tenant_id          UUID NOT NULL,
    id                 UUID NOT NULL,
    customer_id        UUID NOT NULL,
    gateway            TEXT NOT NULL,
    provider_customer  TEXT NOT NULL,
    provider_method    TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('card', 'sepa_debit')),
    last4              TEXT,
    is_default         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (tenant_id, customer_id) WHERE is_default;

-- Every attempt to collect money. Its id is the idempotency key sent to the provider, so a retry
-- after a timeout or a crash can never charge twice.
CREATE TABLE payment_attempts (
    tenant_id            UUID NOT NULL,
    id                   UUID NOT NULL,
    invoice_id           UUID NOT NULL,
    payment_method_id    UUID NOT NULL,
    gateway              TEXT NOT NULL,
    amount               BIGINT NOT NULL CHECK (amount > 0),
    currency             CHAR(3) NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'requires_action')),
    provider_payment_id  TEXT,
    decline_code         TEXT,
    decline_class        TEXT CHECK (decline_class IN ('hard', 'soft')),
    routing_reason       TEXT NOT NULL,
    latency_ms           INT,
    created_at           TIMESTAMPTZ NOT NULL,
    finished_at          TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id)
);
CREATE INDEX payment_attempts_invoice ON payment_attempts (tenant_id, invoice_id, id);
-- At most one attempt in flight per invoice.
CREATE UNIQUE INDEX payment_attempts_one_pending ON payment_attempts (tenant_id, invoice_id) WHERE status = 'pending';

ALTER TABLE invoices ADD COLUMN amount_paid BIGINT NOT NULL DEFAULT 0 CHECK (amount_paid >= 0);
