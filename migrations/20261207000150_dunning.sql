-- Dunning (issue 12, docs/adr/0022): a policy per tenant, and every step taken per invoice.

-- A tenant's policy: a JSON list of steps {day, action}; a tenant without a row has the default.
CREATE TABLE dunning_policies (
    tenant_id   UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    steps       JSONB NOT NULL CHECK (jsonb_typeof(steps) = 'array'),
    updated_at  TIMESTAMPTZ NOT NULL
);

-- A step of the policy taken on an invoice, once: the row is claimed before the step acts, so a
-- re-run or a second server finds it and does nothing twice.
CREATE TABLE dunning_steps (
    tenant_id   UUID NOT NULL,
    invoice_id  UUID NOT NULL,
    step        INT NOT NULL CHECK (step > 0),
    day         INT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('retry', 'email', 'mark_uncollectible')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('started', 'done', 'failed', 'skipped')),
    reason      TEXT,
    taken_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, step),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
