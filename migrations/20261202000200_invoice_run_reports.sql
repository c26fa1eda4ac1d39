-- Invoice run records for finance (issue 4): counts, totals per currency and per VAT rate,
-- exceptions, duration, resumption. The counters and totals of a real run are written in the same
-- transaction as each chunk of invoices, so after a crash the record still equals what was
-- committed and a resumed run continues it.
ALTER TABLE invoice_runs ADD COLUMN subscriptions_considered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoice_runs ADD COLUMN subscriptions_skipped BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoice_runs ADD COLUMN exceptions_count BIGINT NOT NULL DEFAULT 0;
-- [{currency, vat_category, vat_rate, invoices, net, vat, total}] in minor units.
ALTER TABLE invoice_runs ADD COLUMN totals_by_rate JSONB NOT NULL DEFAULT '[]'::jsonb;
-- Time spent working, summed over the run and its resumptions.
ALTER TABLE invoice_runs ADD COLUMN duration_ms BIGINT NOT NULL DEFAULT 0;
-- How often a run left running or failed (a crash, an error) was picked up again.
ALTER TABLE invoice_runs ADD COLUMN resumed_count INT NOT NULL DEFAULT 0;
ALTER TABLE invoice_runs ADD COLUMN last_resumed_at TIMESTAMPTZ;
CREATE INDEX invoice_runs_open ON invoice_runs (tenant_id, as_of) WHERE status <> 'completed' AND NOT dry_run;

-- Whether the merchant collects by charging the customer's default payment method (then a
-- customer without one is an exception of the run) or sends the invoice to be paid.
ALTER TABLE tenants ADD COLUMN collection_method TEXT NOT NULL DEFAULT 'charge_automatically'
    CHECK (collection_method IN ('charge_automatically', 'send_invoice'));

-- What a run could not do cleanly, per subscription. One row per (run, subscription, code): a
-- resumed run that meets the same problem again does not count it twice.
CREATE TABLE invoice_run_exceptions (
    tenant_id        UUID NOT NULL,
    run_id           UUID NOT NULL,
    subscription_id  UUID NOT NULL,
    customer_id      UUID NOT NULL,
    code             TEXT NOT NULL CHECK (code IN ('price_missing', 'tax_undeterminable', 'vat_id_missing', 'payment_method_missing')),
    blocking         BOOLEAN NOT NULL,
    -- Message arguments (customer name, currency, country, the engine's reason).
    details          JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, run_id, subscription_id, code),
    FOREIGN KEY (tenant_id, run_id) REFERENCES invoice_runs (tenant_id, id)
);

-- The run's CSV report reads its invoices.
CREATE INDEX invoices_run ON invoices (tenant_id, invoice_run_id, id) WHERE invoice_run_id IS NOT NULL;
