-- Bank transfer (issue 5): the account a tenant is paid into, and every imported bank statement
-- with the outcome of each entry, so that staff can review what was reconciled and what was not.

-- One receiving account per tenant. The IBAN is stored normalized (no spaces, upper case) and was
-- checked (ISO 13616 MOD 97-10) by the API before it got here.
CREATE TABLE tenant_bank_accounts (
    tenant_id  UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    iban       TEXT NOT NULL CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
    bic        TEXT CHECK (bic IS NULL OR bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
    holder     TEXT NOT NULL CHECK (length(holder) BETWEEN 1 AND 70),
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per import. Importing the same file twice gives two imports; the second one settles
-- nothing because every payment is recorded once per (source, reference) in invoice_payments.
CREATE TABLE bank_statement_imports (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    id          UUID NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('camt053', 'csv')),
    -- SHA-256 of the file as received, to tell a re-import from a new statement at a glance.
    sha256      TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX bank_statement_imports_sha ON bank_statement_imports (tenant_id, sha256);

CREATE TABLE bank_statement_entries (
    tenant_id         UUID NOT NULL,
    import_id         UUID NOT NULL,
    line_no           INT NOT NULL CHECK (line_no >= 1),
    booking_date      DATE NOT NULL,
    -- Signed: positive is money in.
    amount            BIGINT NOT NULL,
    currency          CHAR(3) NOT NULL,
    counterparty_name TEXT,
    counterparty_iban TEXT,
    remittance        TEXT NOT NULL,
    -- The reference the receipt is recorded under: the bank's own, or a digest of the entry when
    -- the export carries none (CSV), so that the same line always yields the same reference.
    reference         TEXT NOT NULL,
    outcome           TEXT NOT NULL CHECK (outcome IN
        ('paid', 'partially_paid', 'overpaid', 'already_recorded', 'unmatched', 'ambiguous', 'not_a_credit')),
    invoice_id        UUID,
    -- For an ambiguous entry: the invoices it could pay, for a person to choose.
    candidates        UUID[] NOT NULL DEFAULT '{}',
    -- What this entry added to the customer's credit balance (an overpayment).
    to_balance        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, import_id, line_no),
    FOREIGN KEY (tenant_id, import_id) REFERENCES bank_statement_imports (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CONSTRAINT bank_entry_matched_has_invoice CHECK (
        (outcome IN ('paid', 'partially_paid', 'overpaid', 'already_recorded')) = (invoice_id IS NOT NULL))
);
