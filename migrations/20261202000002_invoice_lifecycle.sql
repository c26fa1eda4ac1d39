-- Invoice lifecycle (issue 4): drafts with one-off lines and auto-finalization, void and
-- uncollectible, partial credit notes that reference their invoice, payment terms per customer.

-- A draft finalizes itself at this instant unless finalized, edited into another time or deleted
-- before (the `finalize-drafts` job; NULL: only by hand).
ALTER TABLE invoices ADD COLUMN auto_finalize_at TIMESTAMPTZ;
-- Free text printed on the document (a reason for a credit note, a purchase order number).
ALTER TABLE invoices ADD COLUMN memo TEXT NOT NULL DEFAULT '';
-- A credit note names the invoice it corrects (§ 14 Abs. 4 UStG: a correcting document must
-- refer specifically and unambiguously to the original invoice).
ALTER TABLE invoices ADD COLUMN credit_note_for UUID;
ALTER TABLE invoices ADD CONSTRAINT invoices_credit_note_for
    FOREIGN KEY (tenant_id, credit_note_for) REFERENCES invoices (tenant_id, id);
-- What credit notes took off this invoice's amount due (gross, minor units).
ALTER TABLE invoices ADD COLUMN amount_credited BIGINT NOT NULL DEFAULT 0 CHECK (amount_credited >= 0);
ALTER TABLE invoices ADD COLUMN voided_at TIMESTAMPTZ;
ALTER TABLE invoices ADD COLUMN uncollectible_at TIMESTAMPTZ;
-- Payment terms the invoice was issued with, for the document ("payable within 14 days").
ALTER TABLE invoices ADD COLUMN payment_terms_days INT CHECK (payment_terms_days BETWEEN 0 AND 365);
CREATE INDEX invoices_credit_notes ON invoices (tenant_id, credit_note_for) WHERE credit_note_for IS NOT NULL;
CREATE INDEX invoices_drafts_due ON invoices (auto_finalize_at) WHERE status = 'draft' AND auto_finalize_at IS NOT NULL;

ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check
    CHECK (kind IN ('subscription', 'proration', 'credit_note', 'one_off', 'manual'));
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_kind_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_kind_check
    CHECK (kind IN ('subscription', 'proration_credit', 'proration_charge', 'discount', 'setup_fee', 'addon', 'one_off', 'credit'));
-- A manual line's own product tax category (digital_service, ebook, physical_good, exempt...).
ALTER TABLE invoice_lines ADD COLUMN tax_category TEXT;

-- Per-customer payment terms override the tenant's default (NULL: the tenant's).
ALTER TABLE customers ADD COLUMN payment_terms_days INT CHECK (payment_terms_days BETWEEN 0 AND 365);
-- How long a manual draft waits before it finalizes itself (hours; 0: only by hand).
ALTER TABLE tenants ADD COLUMN draft_grace_hours INT NOT NULL DEFAULT 24 CHECK (draft_grace_hours BETWEEN 0 AND 720);
