-- Rate plans and the subscription lifecycle (issue 3).

-- Pricing model per plan and currency (flat, per unit, graduated, volume, package; minimum
-- charge), as the JSON of billing_core::rating::Pricing. NULL keeps the foundation's meaning:
-- per unit at unit_amount.
ALTER TABLE plan_prices ADD COLUMN pricing JSONB;

-- How a tenant prorates plan changes: by day (default) or by second.
ALTER TABLE tenants ADD COLUMN proration_unit TEXT NOT NULL DEFAULT 'day' CHECK (proration_unit IN ('day', 'second'));
ALTER TABLE tenants ADD COLUMN credit_note_number_format TEXT NOT NULL DEFAULT 'CN-{YYYY}-{seq:06}';

-- The subscription keeps a snapshot of its pricing (grandfathering: a later price change does
-- not reach it silently) and its lifecycle state.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check CHECK (status IN ('active', 'paused', 'canceled'));
ALTER TABLE subscriptions ADD COLUMN pricing JSONB;
-- Scheduled end: no period starting on or after this date is invoiced.
ALTER TABLE subscriptions ADD COLUMN cancel_at DATE;
ALTER TABLE subscriptions ADD COLUMN canceled_at TIMESTAMPTZ;
ALTER TABLE subscriptions ADD COLUMN ended_on DATE;
ALTER TABLE subscriptions ADD COLUMN paused_on DATE;
ALTER TABLE subscriptions ADD COLUMN resume_on DATE;
-- A change of plan or quantity scheduled for a period boundary.
ALTER TABLE subscriptions ADD COLUMN pending_change JSONB;
ALTER TABLE subscriptions ADD COLUMN version INT NOT NULL DEFAULT 0;

CREATE TABLE coupons (
    tenant_id        UUID NOT NULL REFERENCES tenants (tenant_id),
    id               UUID NOT NULL,
    code             TEXT NOT NULL,
    -- JSON of billing_core::coupon::CouponValue and CouponDuration.
    value            JSONB NOT NULL,
    duration         JSONB NOT NULL,
    expires_at       TIMESTAMPTZ,
    max_redemptions  INT CHECK (max_redemptions IS NULL OR max_redemptions > 0),
    times_redeemed   INT NOT NULL DEFAULT 0 CHECK (times_redeemed >= 0),
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT coupons_code_unique UNIQUE (tenant_id, code),
    CONSTRAINT coupons_not_over_redeemed CHECK (max_redemptions IS NULL OR times_redeemed <= max_redemptions)
);

-- A coupon redeemed on a subscription, from a period index on.
CREATE TABLE subscription_discounts (
    tenant_id         UUID NOT NULL,
    subscription_id   UUID NOT NULL,
    coupon_id         UUID NOT NULL,
    from_period_index INT NOT NULL CHECK (from_period_index >= 0),
    created_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, subscription_id),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, id),
    FOREIGN KEY (tenant_id, coupon_id) REFERENCES coupons (tenant_id, id)
);

-- Invoices carry discounts; proration documents are invoices of kind 'proration' (or credit
-- notes when they net to a credit) outside the one-per-period key.
ALTER TABLE invoices ADD COLUMN discount BIGINT NOT NULL DEFAULT 0 CHECK (discount >= 0);
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'subscription' CHECK (kind IN ('subscription', 'proration', 'credit_note'));
ALTER TABLE invoices DROP CONSTRAINT invoices_total;
ALTER TABLE invoices ADD CONSTRAINT invoices_total CHECK (total = subtotal - discount + tax);
ALTER TABLE invoice_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'subscription' CHECK (kind IN ('subscription', 'proration_credit', 'proration_charge', 'discount'));
ALTER TABLE invoice_lines ADD COLUMN discount BIGINT NOT NULL DEFAULT 0;
