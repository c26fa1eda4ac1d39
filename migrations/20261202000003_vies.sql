-- VIES checks of customers' VAT IDs (issue 4): every check is kept as evidence (Art. 18
-- Reg. 282/2011), the customer row holds the latest outcome in `vat_id_status`.
CREATE TABLE vat_id_checks (
    tenant_id            UUID NOT NULL,
    id                   UUID NOT NULL,
    customer_id          UUID NOT NULL,
    vat_id               TEXT NOT NULL,
    outcome              TEXT NOT NULL CHECK (outcome IN ('valid', 'invalid', 'unavailable', 'refused')),
    -- VIES's error code when there was no answer (MS_UNAVAILABLE, TIMEOUT, TRANSPORT, ...).
    error_code           TEXT,
    consultation_number  TEXT,
    trader_name          TEXT,
    trader_address       TEXT,
    request_date         DATE,
    checked_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX vat_id_checks_customer ON vat_id_checks (tenant_id, customer_id, id);
