-- Price lists for customer segments (issue 3): a plan may have a price per currency and segment;
-- a customer in a segment gets the segment's price, everyone else the default one ('').
ALTER TABLE customers ADD COLUMN segment TEXT;
ALTER TABLE plan_prices ADD COLUMN segment TEXT NOT NULL DEFAULT '';
ALTER TABLE plan_prices DROP CONSTRAINT plan_prices_pkey;
ALTER TABLE plan_prices ADD PRIMARY KEY (tenant_id, plan_id, currency, segment);
