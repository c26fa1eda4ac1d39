-- ECB euro reference rates and the VAT amount in the seller's national currency (issue 4).

-- Reference data shared by every tenant (the one table without tenant_id: the ECB publishes
-- one rate per currency and day for everybody; docs/adr/0007).
CREATE TABLE fx_rates (
    source     TEXT NOT NULL,
    rate_date  DATE NOT NULL,
    currency   CHAR(3) NOT NULL,
    -- Units of `currency` per 1 EUR, as published.
    per_eur    NUMERIC NOT NULL CHECK (per_eur > 0),
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, rate_date, currency)
);

-- Art. 230 Directive 2006/112/EC: an invoice in another currency states its VAT also in the
-- national currency of the seller's Member State, at the rate frozen here.
ALTER TABLE invoices ADD COLUMN vat_national_currency CHAR(3);
ALTER TABLE invoices ADD COLUMN vat_national_amount BIGINT;
ALTER TABLE invoices ADD COLUMN fx_rate NUMERIC;
ALTER TABLE invoices ADD COLUMN fx_rate_date DATE;
