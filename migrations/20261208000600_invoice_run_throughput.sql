-- Issue 15, docs/adr/0030: the invoice run writes less per subscription.

-- (tenant_id, series, sequence) is implied by invoices_number_unique: the number is rendered from
-- the series and the sequence, so two invoices with the same series and sequence have the same
-- number and the number constraint refuses the second. No query reads by (series, sequence)
-- through an index (the gapless check scans one series; the run's CSV orders the run's rows).
-- One unique index less to maintain per invoice.
ALTER TABLE invoices DROP CONSTRAINT invoices_sequence_unique;

-- The run advances every due subscription once per period. With no index on next_billing_date
-- (the run walks subscriptions_due by id and filters the date; count_due does the same) and room
-- left on each page, that update is a HOT update: no index entry is written for it.
-- fillfactor applies to pages written from now on; `VACUUM FULL subscriptions` (or pg_repack)
-- applies it to an existing table at a quiet hour.
DROP INDEX subscriptions_next_billing;
ALTER TABLE subscriptions SET (fillfactor = 85);

-- Exceptions per code, all of them counted; only a sample of the warnings is kept as rows
-- (invoice_run_exceptions), and a dry run keeps its sample here instead of in rows.
ALTER TABLE invoice_runs ADD COLUMN exception_counts JSONB NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE invoice_runs ADD COLUMN exception_sample JSONB NOT NULL DEFAULT '[]'::jsonb;
