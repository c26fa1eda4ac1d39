-- The fan-out claims the oldest due events of every merchant (`store::outbox::claim_due`:
-- `delivered_at IS NULL AND available_at <= now ORDER BY created_at, id LIMIT n`). No index
-- gave that order: `outbox_pending (available_at)` found the due rows and then sorted all of
-- them, so after an invoice run of 950,000 invoices every claim of 100 events sorted 950,000
-- rows on disk (0.7 s a claim, hours for the backlog), and `outbox_undelivered (tenant_id,
-- created_at)` answered no query at all. One index in the claim's order replaces both: a claim
-- reads its rows from the front (0.07 ms at the same backlog), and every event, one per invoice
-- of a run among them, pays for one index entry fewer (docs/performance.md, issue 15).
DROP INDEX IF EXISTS outbox_undelivered;
DROP INDEX IF EXISTS outbox_pending;
CREATE INDEX outbox_claim ON outbox (created_at, id) WHERE delivered_at IS NULL;
