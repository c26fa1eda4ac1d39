-- One retention offer per tenant, shown once per subscription on the cancel page (issue 13):
-- a coupon the customer can take instead of canceling, or a pause.
CREATE TABLE portal_retention_offers (
    tenant_id   UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    kind        TEXT NOT NULL CHECK (kind IN ('coupon', 'pause')),
    coupon_code TEXT,
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'coupon') = (coupon_code IS NOT NULL))
);

CREATE TABLE portal_retention_shown (
    tenant_id       UUID NOT NULL,
    subscription_id UUID NOT NULL,
    kind            TEXT NOT NULL,
    shown_at        TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, subscription_id)
);
