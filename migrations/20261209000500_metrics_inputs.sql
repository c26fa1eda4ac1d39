-- What the merchant enters for the metrics (issue 14, docs/metrics.md, docs/adr/0035): the
-- acquisition spend per month and currency (customer acquisition cost) and the figures the
-- time-and-cost-saved estimate multiplies with.

-- Marketing and sales spend to win new customers, one amount per calendar month (its first
-- day) and currency, in minor units. A PUT of the same month and currency replaces the amount.
CREATE TABLE acquisition_spend (
    tenant_id  UUID NOT NULL REFERENCES tenants (tenant_id),
    month      DATE NOT NULL CHECK (extract(day FROM month) = 1),
    currency   CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount     BIGINT NOT NULL CHECK (amount >= 0),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, month, currency)
);

-- Time and cost saved: staff minutes and cost one completed self-service action saves, and the
-- postage one paperless invoice saves (minor units of `currency`). Defaults until saved: 5
-- minutes, costs 0 EUR.
CREATE TABLE metrics_settings (
    tenant_id                UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    currency                 CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    staff_minutes_per_action INT NOT NULL CHECK (staff_minutes_per_action BETWEEN 0 AND 1440),
    cost_per_action          BIGINT NOT NULL CHECK (cost_per_action BETWEEN 0 AND 100000000),
    postage_cost             BIGINT NOT NULL CHECK (postage_cost BETWEEN 0 AND 100000000),
    updated_at               TIMESTAMPTZ NOT NULL
);
