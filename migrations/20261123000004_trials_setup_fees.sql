-- Trials and setup fees (issue 3).

-- A plan's default trial: the first paid period starts this many days after the start date.
ALTER TABLE plans ADD COLUMN trial_days INT NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 730);
-- A one-time fee per currency, invoiced when a subscription is created.
ALTER TABLE plan_prices ADD COLUMN setup_fee BIGINT CHECK (setup_fee IS NULL OR setup_fee >= 0);
ALTER TABLE subscriptions ADD COLUMN trial_end DATE;

ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('subscription', 'proration', 'credit_note', 'one_off'));
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_kind_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_kind_check
    CHECK (kind IN ('subscription', 'proration_credit', 'proration_charge', 'discount', 'setup_fee'));
