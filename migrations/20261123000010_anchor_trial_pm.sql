-- A trial that needs a payment method on file before it starts (issue 3).
ALTER TABLE plans ADD COLUMN trial_requires_payment_method BOOLEAN NOT NULL DEFAULT FALSE;
