-- The request log's rows no longer check their merchant through a foreign key (issue 15, docs/adr/0052).
-- Each inserted row ran the check, which locks the merchant's row (`FOR KEY SHARE`): one lock per
-- API request on the one row every request of that merchant shares. Only the request log's
-- writer inserts, with the merchant of the API key it authenticated; merchants are never deleted,
-- so the key guarded nothing that can happen.
ALTER TABLE api_request_log DROP CONSTRAINT IF EXISTS api_request_log_tenant_id_fkey;
