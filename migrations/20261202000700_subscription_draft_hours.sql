-- How long an invoice made by the invoice run stays a draft (one-off lines can still be added)
-- before the finalize-drafts job gives it its number. 0: finalized at once, as before.
ALTER TABLE tenants ADD COLUMN subscription_draft_hours INT NOT NULL DEFAULT 0
    CHECK (subscription_draft_hours BETWEEN 0 AND 720);
