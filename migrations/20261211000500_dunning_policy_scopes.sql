-- Dunning policies for a customer segment or a payment method kind (issue 12's optional part,
-- docs/adr/0046). For an invoice in dunning the policy of its customer's segment comes first,
-- then the one for the kind of method its first failed attempt used, then the tenant's own
-- (dunning_policies), then the built-in default.
CREATE TABLE dunning_policy_scopes (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    -- 'segment:<code>' (customers.segment) or 'method:card' / 'method:sepa_debit'.
    scope       TEXT NOT NULL CHECK (scope ~ '^(segment:[A-Za-z0-9._-]{1,64}|method:(card|sepa_debit))$'),
    steps       JSONB NOT NULL CHECK (jsonb_typeof(steps) = 'array'),
    ladder      TEXT CHECK (ladder IN ('de')),
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, scope)
);
