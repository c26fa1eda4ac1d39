-- Issue 15, docs/adr/0030: API keys cached in memory by the serving processes
-- (portal-web/src/api_key_cache.rs). Any change to api_keys (a revocation, a rotation, a deletion)
-- bumps this counter and notifies `billing_api_keys` in the same transaction; the processes
-- empty their caches when the notification arrives (or, without a listener, when they see the
-- counter move).
CREATE TABLE api_key_versions (
    id       BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    version  BIGINT NOT NULL
);
INSERT INTO api_key_versions (id, version) VALUES (true, 0);

CREATE FUNCTION api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE api_key_versions SET version = version + 1;
    PERFORM pg_notify('billing_api_keys', '');
    RETURN NULL;
END
$$;

-- Only what decides whether a secret is accepted and what it may do: recording a key's use
-- (`last_used_at`, at most once a minute per key) must not empty every process's cache.
CREATE TRIGGER api_keys_changed
    AFTER UPDATE OF revoked_at, digest, previous_digest, previous_expires_at, scopes, tenant_id OR DELETE
    ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION api_keys_changed();
