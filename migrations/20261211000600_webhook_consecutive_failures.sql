-- Consecutive failed delivery attempts per endpoint since its last success (docs/adr/0047): an
-- endpoint is disabled once they reach `[webhooks] disable_after_failures`. A success, or the
-- merchant enabling the endpoint again, sets it back to 0.
ALTER TABLE webhook_endpoints ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0
    CHECK (consecutive_failures >= 0);

-- Why an endpoint was disabled: also `consecutive_failures` now.
ALTER TABLE webhook_endpoints DROP CONSTRAINT IF EXISTS webhook_endpoints_disabled_reason_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_disabled_reason_check
    CHECK (disabled_reason IN ('merchant', 'failing', 'consecutive_failures'));
