-- A customer's payment methods were found through the primary key's tenant prefix only, reading
-- every method of the tenant: the dunning work list and a customer's read ask "has this customer a
-- method left?" for each never-charged invoice (ADR 0047), the payment paths list a customer's
-- chargeable methods (docs/performance.md, "Reads in a release build").
CREATE INDEX payment_methods_customer ON payment_methods (tenant_id, customer_id) WHERE removed_at IS NULL;
