-- Add-ons (issue 3): plans that attach to a base subscription, recurring or one-time, with rules
-- about which base plans they fit.
ALTER TABLE plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'base' CHECK (kind IN ('base', 'addon'));
-- Codes of the base plans an add-on fits; empty: every base plan.
ALTER TABLE plans ADD COLUMN addon_for TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE plans ADD COLUMN addon_one_time BOOLEAN NOT NULL DEFAULT FALSE;
-- A recurring add-on is a subscription of its own, co-terminous with its base.
ALTER TABLE subscriptions ADD COLUMN parent_id UUID;
CREATE INDEX subscriptions_parent ON subscriptions (tenant_id, parent_id) WHERE parent_id IS NOT NULL;
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_kind_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_kind_check
    CHECK (kind IN ('subscription', 'proration_credit', 'proration_charge', 'discount', 'setup_fee', 'addon'));
