-- A statement entry the import could not place (unmatched, or ambiguous between invoices) that a
-- person assigned to an invoice afterwards: when that happened. NULL for entries matched by the
-- import itself.
ALTER TABLE bank_statement_entries ADD COLUMN assigned_at TIMESTAMPTZ;
