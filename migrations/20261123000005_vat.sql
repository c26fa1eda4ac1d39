-- VAT on invoices (issue 4): seller and customer tax profiles, product tax categories, and the
-- VAT frozen on each invoice per rate group (EN 16931 BR-CO-17).

ALTER TABLE tenants ADD COLUMN vat_id TEXT;
ALTER TABLE tenants ADD COLUMN oss_registered BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE tenants ADD COLUMN vat_registrations TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE tenants ADD COLUMN small_business_exempt BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tenants ADD COLUMN b2c_threshold_opt BOOLEAN NOT NULL DEFAULT FALSE;
-- How a customer's VAT ID counts before VIES confirmed it: 'check_digits' (format and check
-- digits suffice, evidence says so) or 'vies_required' (treated as a consumer until confirmed).
ALTER TABLE tenants ADD COLUMN vat_id_policy TEXT NOT NULL DEFAULT 'check_digits' CHECK (vat_id_policy IN ('check_digits', 'vies_required'));

ALTER TABLE customers ADD COLUMN kind TEXT NOT NULL DEFAULT 'consumer' CHECK (kind IN ('consumer', 'business'));
ALTER TABLE customers ADD COLUMN vat_id TEXT;
-- JSON of billing_core::tax::VatIdStatus: the validation result and its evidence.
ALTER TABLE customers ADD COLUMN vat_id_status JSONB;
ALTER TABLE customers ADD COLUMN tax_exempt BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE plans ADD COLUMN tax_category TEXT NOT NULL DEFAULT 'digital_service'
    CHECK (tax_category IN ('digital_service', 'e_book', 'physical_goods', 'exempt'));

-- Frozen at finalization: the VAT groups, the notices the invoice must carry, both VAT ids.
ALTER TABLE invoices ADD COLUMN tax_groups JSONB NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE invoices ADD COLUMN tax_notices TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE invoices ADD COLUMN tax_rule TEXT;
ALTER TABLE invoices ADD COLUMN customer_vat_id TEXT;
ALTER TABLE invoices ADD COLUMN seller_vat_id TEXT;
ALTER TABLE invoice_lines ADD COLUMN vat_category TEXT;
ALTER TABLE invoice_lines ADD COLUMN vat_rate NUMERIC;
