-- Customer credit balance (issues 4 and 5): an append-only ledger per customer and currency.
-- Credit notes and overpayments add to it (amount > 0); invoices that consume it and refunds
-- of it take from it (amount < 0). The balance is the sum; it never goes below zero, which the
-- service checks under a lock on the customer row.
CREATE TABLE customer_balance_transactions (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    customer_id  UUID NOT NULL,
    currency     CHAR(3) NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount <> 0),
    kind         TEXT NOT NULL CHECK (kind IN ('credit_note', 'overpayment', 'applied_to_invoice', 'refund', 'adjustment')),
    -- The document or payment that caused it (credit note, invoice, payment attempt, refund).
    reference_id UUID,
    -- One transaction per (kind, reference): a repeated credit note or webhook cannot credit twice.
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE UNIQUE INDEX customer_balance_once ON customer_balance_transactions (tenant_id, kind, reference_id)
    WHERE reference_id IS NOT NULL;
CREATE INDEX customer_balance_customer ON customer_balance_transactions (tenant_id, customer_id, currency, id);

-- Money received against invoices, whatever its source (card charge, bank transfer, a staff
-- member marking it paid, the customer's credit balance), and money paid back. Each row is
-- unique per (source, reference): the provider's payment id, the bank statement entry, the
-- refund id. A replayed webhook or a re-imported statement therefore records nothing new.
CREATE TABLE invoice_payments (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    invoice_id   UUID NOT NULL,
    -- Positive: received; negative: refunded.
    amount       BIGINT NOT NULL CHECK (amount <> 0),
    currency     CHAR(3) NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('card', 'sepa_debit', 'bank_transfer', 'manual', 'credit_balance', 'refund', 'dispute')),
    reference    TEXT NOT NULL,
    -- The part of a receipt beyond what was due, moved to the customer's credit balance.
    to_balance   BIGINT NOT NULL DEFAULT 0 CHECK (to_balance >= 0),
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CONSTRAINT invoice_payments_once UNIQUE (tenant_id, source, reference)
);
CREATE INDEX invoice_payments_invoice ON invoice_payments (tenant_id, invoice_id, id);

ALTER TABLE invoices ADD COLUMN amount_refunded BIGINT NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0);
