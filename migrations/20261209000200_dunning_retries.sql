-- Decline-aware retries, recovered revenue, pre-dunning notices (issue 12, docs/adr/0032).

-- The card network's advice that came with a decline (Mastercard Merchant Advice Code, e.g. `02`,
-- `03`, `21`), and the earliest time an automatic retry of the same method is allowed (MAC 02:
-- 72 hours after the decline).
ALTER TABLE payment_attempts
    ADD COLUMN network_advice_code TEXT CHECK (char_length(network_advice_code) <= 8),
    ADD COLUMN retry_after TIMESTAMPTZ;
-- The cap counts every attempt on a payment method in the last 30 days.
CREATE INDEX payment_attempts_by_method ON payment_attempts (tenant_id, payment_method_id, created_at);

-- Every decision dunning makes about retrying an invoice, with its reason: retried, skipped
-- because of the 15-attempt cap, skipped after a hard decline, or deferred until a retry-after
-- time. `attempt_id` is the failed attempt the decision is about (the latest one on the invoice);
-- `retry_attempt_id` the attempt a retry made. `dedupe_key` makes a decision that a daily job
-- would take again (a deferral until the same time) one row.
CREATE TABLE retry_decisions (
    tenant_id         UUID NOT NULL,
    id                UUID NOT NULL,
    invoice_id        UUID NOT NULL,
    attempt_id        UUID,
    retry_attempt_id  UUID,
    payment_method_id UUID,
    step              INT,
    decision          TEXT NOT NULL CHECK (decision IN ('retried', 'skipped_cap', 'skipped_hard_decline', 'deferred')),
    reason            TEXT NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    retry_after       TIMESTAMPTZ,
    attempts_in_window INT,
    dedupe_key        TEXT NOT NULL,
    decided_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT retry_decisions_once UNIQUE (tenant_id, invoice_id, dedupe_key),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);

-- Revenue recovered after a failed payment: one row per invoice, written when the invoice that
-- had a failed attempt becomes paid, whatever paid it.
CREATE TABLE recovered_revenue (
    tenant_id     UUID NOT NULL,
    invoice_id    UUID NOT NULL,
    customer_id   UUID NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    currency      CHAR(3) NOT NULL,
    -- retry: the declined method paid on a later attempt; new_method: another method paid;
    -- transfer: a bank transfer; manual: a payment recorded by staff; credit_balance: the
    -- customer's credit balance.
    how           TEXT NOT NULL CHECK (how IN ('retry', 'new_method', 'transfer', 'manual', 'credit_balance')),
    recovered_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX recovered_revenue_by_time ON recovered_revenue (tenant_id, recovered_at);

-- Pre-dunning notices queued, once per reason, object and period (`trial_ending:<sub>:<date>`);
-- claimed in the transaction that enqueues the notice.
CREATE TABLE predunning_notices (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    notice_key  TEXT NOT NULL CHECK (char_length(notice_key) BETWEEN 1 AND 200),
    queued_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, notice_key)
);

-- How many days ahead the trial-ending and annual-renewal notices go out.
ALTER TABLE tenants
    ADD COLUMN trial_notice_days   INT NOT NULL DEFAULT 7 CHECK (trial_notice_days BETWEEN 1 AND 90),
    ADD COLUMN renewal_notice_days INT NOT NULL DEFAULT 30 CHECK (renewal_notice_days BETWEEN 1 AND 90);
