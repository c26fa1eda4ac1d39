-- API keys a merchant can run a business on (issue 16, docs/adr/0026): scopes, the last time a key
-- was used (recorded at most once a minute), and rotation with an overlap: the previous secret's
-- digest stays accepted until previous_expires_at.
ALTER TABLE api_keys
    ADD COLUMN scopes              TEXT[] NOT NULL DEFAULT '{full}',
    ADD COLUMN last_used_at        TIMESTAMPTZ,
    ADD COLUMN previous_digest     BYTEA,
    ADD COLUMN previous_prefix     TEXT,
    ADD COLUMN previous_expires_at TIMESTAMPTZ,
    ADD COLUMN rotated_at          TIMESTAMPTZ,
    ADD CONSTRAINT api_keys_scopes_present CHECK (cardinality(scopes) BETWEEN 1 AND 32),
    ADD CONSTRAINT api_keys_previous_whole CHECK ((previous_digest IS NULL) = (previous_expires_at IS NULL));
-- Authentication looks a rotated-away secret up by its digest too.
CREATE UNIQUE INDEX api_keys_previous_digest ON api_keys (previous_digest) WHERE previous_digest IS NOT NULL;
