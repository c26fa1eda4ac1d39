-- Invoice and credit-note documents (issue 4): what a PDF must show under § 14 Abs. 4 UStG and
-- Art. 226 of the VAT Directive that was not stored yet, and the frozen copy on each invoice.

-- The seller's profile: full legal name and postal address (§ 14 Abs. 4 Nr. 1), the German
-- Steuernummer as an alternative to the VAT id (Nr. 2), bank details for transfers, branding.
ALTER TABLE tenants ADD COLUMN legal_name TEXT;
ALTER TABLE tenants ADD COLUMN address_line1 TEXT;
ALTER TABLE tenants ADD COLUMN address_line2 TEXT;
ALTER TABLE tenants ADD COLUMN address_postal_code TEXT;
ALTER TABLE tenants ADD COLUMN address_city TEXT;
ALTER TABLE tenants ADD COLUMN tax_number TEXT;
ALTER TABLE tenants ADD COLUMN bank_account_holder TEXT;
ALTER TABLE tenants ADD COLUMN bank_iban TEXT;
ALTER TABLE tenants ADD COLUMN bank_bic TEXT;
ALTER TABLE tenants ADD COLUMN brand_color TEXT NOT NULL DEFAULT '#1f4e79' CHECK (brand_color ~ '^#[0-9a-f]{6}$');
ALTER TABLE tenants ADD COLUMN logo_url TEXT;

-- The customer's billing address; its country is the customer's country (the tax country).
ALTER TABLE customers ADD COLUMN company_name TEXT;
ALTER TABLE customers ADD COLUMN address_line1 TEXT;
ALTER TABLE customers ADD COLUMN address_line2 TEXT;
ALTER TABLE customers ADD COLUMN address_postal_code TEXT;
ALTER TABLE customers ADD COLUMN address_city TEXT;

-- Frozen at finalization, like the tax fields: a later change of either address must not change
-- an issued invoice. JSON of billing_core::party::{SellerSnapshot, BuyerAddress}; NULL on
-- invoices finalized before this migration (the document then reads the current profile).
ALTER TABLE invoices ADD COLUMN seller_snapshot JSONB;
ALTER TABLE invoices ADD COLUMN buyer_address JSONB;
-- A credit note refers to the invoice it corrects (Art. 219 VAT Directive).
ALTER TABLE invoices ADD COLUMN original_invoice_id UUID;
