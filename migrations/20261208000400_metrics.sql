-- Revenue metrics and exports (docs/adr/0028-metrics.md, docs/metrics.md).
--
-- The MRR schedule of each subscription: from `effective_on` on (until the subscription's next
-- row), the subscription contributes `mrr` minor units a month in its currency (normalized to a
-- month, discounts deducted, tax, one-time charges, trials and metered usage excluded, paused = 0).
-- The subscription service writes it in the same transaction as every lifecycle change: the rows
-- from the change's day on are replaced by the schedule the subscription's new state implies
-- (future rows too: a cancellation at period end, a trial's end, a scheduled plan change). Rows
-- before the change's day are history and stay. MRR movements (new, expansion, contraction,
-- churn, reactivation) are derived per customer from it by set-based SQL (store::metrics).
CREATE TABLE subscription_mrr (
    tenant_id       UUID NOT NULL,
    subscription_id UUID NOT NULL,
    customer_id     UUID NOT NULL,
    currency        CHAR(3) NOT NULL,
    effective_on    DATE NOT NULL,
    mrr             BIGINT NOT NULL CHECK (mrr >= 0),
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, subscription_id, effective_on),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, id)
);
CREATE INDEX subscription_mrr_customer ON subscription_mrr (tenant_id, customer_id, effective_on);

-- The DATEV Buchungsstapel settings of a tenant (docs/metrics.md, "DATEV"); SKR03 defaults when
-- no row exists.
CREATE TABLE datev_settings (
    tenant_id              UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    consultant_number      INT NOT NULL CHECK (consultant_number BETWEEN 1001 AND 9999999),
    client_number          INT NOT NULL CHECK (client_number BETWEEN 1 AND 99999),
    fiscal_year_start_month INT NOT NULL DEFAULT 1 CHECK (fiscal_year_start_month BETWEEN 1 AND 12),
    account_length         INT NOT NULL DEFAULT 4 CHECK (account_length BETWEEN 4 AND 8),
    receivables_account    TEXT NOT NULL,
    -- JSON object: revenue account per VAT case (`standard_19`, `reduced_7`, `oss`,
    -- `reverse_charge`, `third_country`, `small_business`, `exempt`).
    revenue_accounts       JSONB NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
