-- SEPA mandates end (docs/adr/0044): revoked when the customer removes the method in the portal
-- or the merchant cancels the mandate through the API, expired after 36 months without a debit
-- (SEPA Core rulebook). The mandate's proof (text, version, date, client address) never changes;
-- only its state does, once: an ended mandate stays ended.
ALTER TABLE sepa_mandates
    ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'expired')),
    ADD COLUMN ended_at TIMESTAMPTZ,
    -- The browser the mandate was confirmed in (Stripe's `mandate_data` wants it); unknown before.
    ADD COLUMN user_agent TEXT,
    ADD COLUMN end_reason TEXT CHECK (end_reason IN ('payment_method_removed', 'cancelled_by_merchant', 'unused_36_months')),
    ADD CONSTRAINT sepa_mandates_ended CHECK ((status = 'active') = (ended_at IS NULL AND end_reason IS NULL));
-- The expiry job reads the active mandates only.
CREATE INDEX sepa_mandates_active ON sepa_mandates (tenant_id, signed_at) WHERE status = 'active';
