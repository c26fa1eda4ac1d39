-- Tax-inclusive (gross) prices (docs/adr/0011-tax-inclusive-prices.md).

-- A price is net with VAT added on top (`exclusive`, what every price so far meant) or what the
-- customer pays with the VAT that applies to them carved out (`inclusive`). Mirrors
-- billing_core::catalog::TaxBehavior.
ALTER TABLE plan_prices ADD COLUMN tax_behavior TEXT NOT NULL DEFAULT 'exclusive'
    CHECK (tax_behavior IN ('exclusive', 'inclusive'));

-- A subscription's price snapshot keeps its behaviour with its amounts (grandfathering covers
-- both: moving a subscriber from net to gross is a price change like any other).
ALTER TABLE subscriptions ADD COLUMN tax_behavior TEXT NOT NULL DEFAULT 'exclusive'
    CHECK (tax_behavior IN ('exclusive', 'inclusive'));

-- An invoice (credit notes included) is all inclusive or all exclusive. On an inclusive invoice
-- the line amounts, `subtotal` and `discount` are tax-inclusive, `tax` is the VAT they contain and
-- `total = subtotal - discount` (Stripe's invoice semantics); on an exclusive one nothing changes.
-- Either way `tax_groups` holds the net (taxable) amount and the VAT per group.
ALTER TABLE invoices ADD COLUMN tax_behavior TEXT NOT NULL DEFAULT 'exclusive'
    CHECK (tax_behavior IN ('exclusive', 'inclusive'));
ALTER TABLE invoices DROP CONSTRAINT invoices_total;
ALTER TABLE invoices ADD CONSTRAINT invoices_total CHECK (
    total = subtotal - discount + CASE WHEN tax_behavior = 'inclusive' THEN 0 ELSE tax END
);

-- The run reports a subscription whose invoice would mix the two.
ALTER TABLE invoice_run_exceptions DROP CONSTRAINT invoice_run_exceptions_code_check;
ALTER TABLE invoice_run_exceptions ADD CONSTRAINT invoice_run_exceptions_code_check CHECK (
    code IN ('price_missing', 'tax_undeterminable', 'vat_id_missing', 'payment_method_missing', 'tax_behavior_mixed')
);

-- One invoice per (subscription, period) is a rule for subscription invoices. A credit note
-- keeps its invoice's subscription and service period (the PDF prints them), which the
-- table-wide key refused, so crediting a run's invoice failed. The key now covers exactly the
-- documents it is about.
ALTER TABLE invoices DROP CONSTRAINT invoices_one_per_period;
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (tenant_id, subscription_id, period_start)
    WHERE kind = 'subscription';
