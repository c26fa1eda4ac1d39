-- SEPA Direct Debit mandates signed in the portal (docs/adr/0040).

-- The merchant's SEPA creditor identifier (Gläubiger-ID), checked when set through the API; the
-- portal offers SEPA mandates only when it is set.
ALTER TABLE tenants ADD COLUMN sepa_creditor_id TEXT;

-- One row per mandate, as the customer saw and confirmed it: the creditor's name and identifier,
-- the reference, the account, the text in the page's language with its version, the date and
-- the client address. Never changed; the payment method it made is `payment_method_id`.
CREATE TABLE sepa_mandates (
    tenant_id          UUID NOT NULL,
    id                 UUID NOT NULL,
    customer_id        UUID NOT NULL,
    payment_method_id  UUID NOT NULL,
    reference          TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 35),
    creditor_id        TEXT NOT NULL,
    creditor_name      TEXT NOT NULL,
    account_holder     TEXT NOT NULL,
    iban               TEXT NOT NULL,
    text_version       TEXT NOT NULL,
    text_locale        TEXT NOT NULL,
    mandate_text       TEXT NOT NULL,
    signed_at          TIMESTAMPTZ NOT NULL,
    client_address     TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, reference),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id)
);
CREATE INDEX sepa_mandates_method ON sepa_mandates (tenant_id, payment_method_id);
