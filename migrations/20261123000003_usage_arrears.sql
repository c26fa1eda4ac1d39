-- Metered usage billed in arrears (issue 3).

-- When a plan's period is invoiced: at its start (advance) or at its end (arrears). A metered
-- plan rates the period's usage of one metric with one aggregation and is billed in arrears.
ALTER TABLE plans ADD COLUMN billing_timing TEXT NOT NULL DEFAULT 'advance' CHECK (billing_timing IN ('advance', 'arrears'));
ALTER TABLE plans ADD COLUMN usage_metric TEXT;
ALTER TABLE plans ADD COLUMN usage_aggregation TEXT CHECK (usage_aggregation IN ('sum', 'count', 'max', 'unique_count', 'last'));
ALTER TABLE plans ADD CONSTRAINT plans_metered_in_arrears
    CHECK ((usage_metric IS NULL) = (usage_aggregation IS NULL) AND (usage_metric IS NULL OR billing_timing = 'arrears'));

-- The start of the first period not yet invoiced; next_billing_date is the day it falls due
-- (its start in advance, its end in arrears).
ALTER TABLE subscriptions ADD COLUMN next_period_start DATE;
UPDATE subscriptions SET next_period_start = next_billing_date;
ALTER TABLE subscriptions ALTER COLUMN next_period_start SET NOT NULL;

-- Usage events, idempotent by the client's event id per subscription.
CREATE TABLE usage_events (
    tenant_id        UUID NOT NULL,
    subscription_id  UUID NOT NULL,
    event_id         TEXT NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL,
    value            NUMERIC NOT NULL,
    property         TEXT,
    received_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, subscription_id, event_id),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, id)
);
CREATE INDEX usage_events_window ON usage_events (tenant_id, subscription_id, occurred_at);

-- Metered quantities need not be whole (GB, hours).
ALTER TABLE invoice_lines ALTER COLUMN quantity TYPE NUMERIC;
