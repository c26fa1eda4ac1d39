-- Issue 16, docs/adr/0033: request counters of the API's rate limits, shared by every
-- `billing serve` process on this database. A row counts the requests one subject (an API key,
-- a merchant, a key's usage-event ingestion) made in one fixed one-minute window. Processes do not
-- write a row per request: each counts in memory and adds its batch with one UPSERT
-- (portal-web/src/api/rate_limits.rs), reading back the total every process has added so far.
--
-- A logged table, although the counters live for a minute or two: the embedded PostgreSQL
-- (pglite) failed to create an UNLOGGED table's files on a fresh data folder ("could not create
-- file base/1/…: File exists"), and the demo must start. The write-ahead log cost is one row per
-- subject per batch, not per request.
CREATE TABLE api_rate_windows (
    subject       TEXT        NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    count         BIGINT      NOT NULL CHECK (count >= 0),
    PRIMARY KEY (subject, window_start)
);

-- Pruning deletes the windows that ended (`window_start < $1`).
CREATE INDEX api_rate_windows_window_start ON api_rate_windows (window_start);
