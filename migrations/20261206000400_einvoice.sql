-- E-invoices (issue 17): what XRechnung and ZUGFeRD need beyond the printed invoice.
--
-- The seller's contact for the buyer's accounts payable (BT-41..43, mandatory in XRechnung) and
-- an optional Peppol endpoint (BT-34, `scheme:id`; the contact e-mail is used otherwise).
ALTER TABLE tenants
    ADD COLUMN einvoice_contact_name  TEXT CHECK (char_length(einvoice_contact_name) BETWEEN 1 AND 100),
    ADD COLUMN einvoice_contact_phone TEXT CHECK (char_length(einvoice_contact_phone) BETWEEN 3 AND 40),
    ADD COLUMN einvoice_contact_email TEXT CHECK (char_length(einvoice_contact_email) BETWEEN 3 AND 254),
    ADD COLUMN peppol_id              TEXT CHECK (peppol_id ~ '^[0-9]{4}:[^\s]{1,100}$');

-- Per customer: the format invoices are delivered in, the buyer reference (BT-10; the
-- Leitweg-ID for German public bodies, who must get one), and an optional Peppol endpoint (BT-49).
ALTER TABLE customers
    ADD COLUMN einvoice_format  TEXT NOT NULL DEFAULT 'pdf'
        CHECK (einvoice_format IN ('pdf', 'zugferd', 'xrechnung_ubl', 'xrechnung_cii')),
    ADD COLUMN buyer_reference  TEXT CHECK (char_length(buyer_reference) BETWEEN 1 AND 100),
    ADD COLUMN public_buyer     BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN peppol_id        TEXT CHECK (peppol_id ~ '^[0-9]{4}:[^\s]{1,100}$');

-- Frozen with the seller and buyer snapshots at finalization (store::invoices::freeze_parties),
-- so a later change of contact or reference never alters an issued e-invoice. JSON of
-- einvoice::SellerFacts and einvoice::BuyerFacts; NULL on invoices finalized before this.
ALTER TABLE invoices
    ADD COLUMN einvoice_seller JSONB,
    ADD COLUMN einvoice_buyer  JSONB;

-- The invoice run warns about customers whose chosen e-invoice format lacks data.
ALTER TABLE invoice_run_exceptions DROP CONSTRAINT invoice_run_exceptions_code_check;
ALTER TABLE invoice_run_exceptions ADD CONSTRAINT invoice_run_exceptions_code_check CHECK (
    code IN ('price_missing', 'tax_undeterminable', 'vat_id_missing', 'payment_method_missing', 'tax_behavior_mixed',
             'fx_rate_missing', 'einvoice_data_missing')
);
