-- Issue 16, docs/adr/0033: request counters of the API's rate limits, shared by every
-- `billing serve` process on this database. A row counts the requests one subject (an API key,
-- a merchant, a key's usage-event ingestion) made in one fixed one-minute window. Processes do not
-- write a row per request: each counts in memory and adds its batch with one UPSERT
-- (portal-web/src/api/rate_limits.rs), reading back the total every process has added so far.
--
-- UNLOGGED: the counters live for a minute or two; after a crash PostgreSQL empties the table,
-- which lets every client start a fresh window: no write-ahead log for a table that is all churn.
CREATE UNLOGGED TABLE api_rate_windows (
    subject       TEXT        NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    count         BIGINT      NOT NULL CHECK (count >= 0),
    PRIMARY KEY (subject, window_start)
);

-- Pruning deletes the windows that ended (`window_start < $1`).
CREATE INDEX api_rate_windows_window_start ON api_rate_windows (window_start);
