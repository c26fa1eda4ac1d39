-- A payment-method setup the customer must authenticate (3-D Secure at card setup, Mollie's
-- checkout for a first payment). Until it succeeds there is no usable method, so nothing here is
-- in payment_methods; once the provider reports success the method is stored there and linked.
CREATE TABLE payment_method_setups (
    tenant_id           UUID NOT NULL,
    id                  UUID NOT NULL,
    customer_id         UUID NOT NULL,
    gateway_account_id  UUID NOT NULL,
    gateway             TEXT NOT NULL,
    provider_customer   TEXT NOT NULL,
    provider_setup_id   TEXT NOT NULL,
    -- Handed to the customer's browser (the provider's SDK); it lets the browser confirm this one
    -- setup, nothing else.
    client_secret       TEXT NOT NULL,
    redirect_url        TEXT,
    kind                TEXT NOT NULL CHECK (kind IN ('card', 'sepa_debit')),
    last4               TEXT,
    status              TEXT NOT NULL CHECK (status IN ('requires_action', 'succeeded', 'failed')),
    decline_code        TEXT,
    payment_method_id   UUID,
    created_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id),
    UNIQUE (tenant_id, gateway_account_id, provider_setup_id)
);
CREATE INDEX payment_method_setups_customer ON payment_method_setups (tenant_id, customer_id, id);
