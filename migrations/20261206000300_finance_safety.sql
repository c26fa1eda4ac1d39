-- Finance safety (issue 10, part 4).

-- Art. 230 Directive 2006/112/EC: the ECB's published rates behind an invoice's VAT statement in
-- the national currency, frozen with it. `fx_rate` is their quotient (national per invoice
-- currency), which nobody published and which prints as 0.0061338403974728577562411826; the
-- document shows the ECB's own form instead ("1 EUR = 163.03 JPY"). Units per 1 EUR; 1 for EUR.
ALTER TABLE invoices ADD COLUMN fx_invoice_per_eur NUMERIC CHECK (fx_invoice_per_eur > 0);
ALTER TABLE invoices ADD COLUMN fx_national_per_eur NUMERIC CHECK (fx_national_per_eur > 0);

-- Invoices issued before: the frozen publication day names exactly the reference rows used.
UPDATE invoices i SET
    fx_invoice_per_eur = CASE WHEN i.currency = 'EUR' THEN 1 ELSE
        (SELECT r.per_eur FROM fx_rates r
         WHERE r.source = 'ECB' AND r.rate_date = i.fx_rate_date AND r.currency = i.currency) END,
    fx_national_per_eur = CASE WHEN i.vat_national_currency = 'EUR' THEN 1 ELSE
        (SELECT r.per_eur FROM fx_rates r
         WHERE r.source = 'ECB' AND r.rate_date = i.fx_rate_date AND r.currency = i.vat_national_currency) END
WHERE i.fx_rate_date IS NOT NULL AND i.vat_national_currency IS NOT NULL;

-- The run holds a subscription whose invoice cannot state its VAT in the national currency
-- because no ECB rate was imported for its date (fx::ART230_RATE_WINDOW_DAYS).
ALTER TABLE invoice_run_exceptions DROP CONSTRAINT invoice_run_exceptions_code_check;
ALTER TABLE invoice_run_exceptions ADD CONSTRAINT invoice_run_exceptions_code_check CHECK (
    code IN ('price_missing', 'tax_undeterminable', 'vat_id_missing', 'payment_method_missing', 'tax_behavior_mixed',
             'fx_rate_missing')
);
