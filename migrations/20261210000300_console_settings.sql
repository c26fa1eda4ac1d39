-- The console's missing settings and actions (issue 14, docs/adr/0039).

-- A pause of a customer's dunning (invoice_id NULL: every invoice of theirs, also later ones) or
-- of one invoice's. While a pause is open and its `until` day has not come, the dunning job
-- takes no step for it; the days it lasted are not counted, so the policy resumes where it was.
CREATE TABLE dunning_pauses (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    customer_id UUID NOT NULL,
    invoice_id  UUID,
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    paused_on   DATE NOT NULL,
    -- The first day the job acts again by itself (NULL: until resumed).
    until       DATE CHECK (until > paused_on),
    paused_at   TIMESTAMPTZ NOT NULL,
    paused_by   TEXT NOT NULL,
    resumed_on  DATE,
    resumed_at  TIMESTAMPTZ,
    resumed_by  TEXT,
    resume_reason TEXT,
    CHECK ((resumed_at IS NULL) = (resumed_on IS NULL)),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
-- One open pause per customer and scope.
CREATE UNIQUE INDEX dunning_pauses_open
    ON dunning_pauses (tenant_id, customer_id, COALESCE(invoice_id, '00000000-0000-0000-0000-000000000000'))
    WHERE resumed_at IS NULL;
CREATE INDEX dunning_pauses_customer ON dunning_pauses (tenant_id, customer_id);

-- Portal options (the table holds the NPS waiting period already): the languages offered (NULL:
-- all shipped ones) and the plan moves customers may make themselves (NULL: any move, as before).
ALTER TABLE portal_settings
    ADD COLUMN offered_locales TEXT[],
    ADD COLUMN plan_moves JSONB CHECK (plan_moves IS NULL OR jsonb_typeof(plan_moves) = 'object');

-- The merchant's uploaded logo, served by `billing serve` at /p/{slug}/logo (checked by content:
-- PNG, JPEG or an SVG without scripts; at most 256 KiB).
CREATE TABLE tenant_logos (
    tenant_id    UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/svg+xml')),
    data         BYTEA NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 262144),
    sha256       TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
