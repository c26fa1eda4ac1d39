-- Foundation schema: tenants, API keys, customers, catalog, subscriptions, invoices, runs,
-- idempotency and the outbox.
--
-- Conventions (docs/adr/0002-storage.md): every table carries tenant_id and every key starts with
-- it; money is BIGINT minor units beside a CHAR(3) currency; civil dates are DATE in the tenant's
-- time zone; instants are TIMESTAMPTZ; enumerations are TEXT with a CHECK mirrored by a Rust enum.

CREATE TABLE tenants (
    tenant_id             UUID PRIMARY KEY,
    slug                  TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    country               CHAR(2) NOT NULL,
    timezone              TEXT NOT NULL DEFAULT 'UTC',
    default_locale        TEXT NOT NULL DEFAULT 'en',
    invoice_number_format TEXT NOT NULL DEFAULT 'INV-{YYYY}-{seq:06}',
    payment_terms_days    INT NOT NULL DEFAULT 14 CHECK (payment_terms_days BETWEEN 0 AND 365),
    created_at            TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    tenant_id    UUID NOT NULL REFERENCES tenants (tenant_id),
    id           UUID NOT NULL,
    name         TEXT NOT NULL,
    -- The first characters of the key, to tell keys apart in lists; never enough to use it.
    prefix       TEXT NOT NULL,
    -- SHA-256 of the secret. The secret itself is never stored.
    digest       BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);
-- Authentication looks a key up by digest alone (it does not know the tenant yet).
CREATE UNIQUE INDEX api_keys_digest ON api_keys (digest);

CREATE TABLE customers (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    id          UUID NOT NULL,
    email       TEXT NOT NULL,
    name        TEXT NOT NULL,
    country     CHAR(2) NOT NULL,
    currency    CHAR(3) NOT NULL,
    locale      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE products (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    id          UUID NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT products_code_unique UNIQUE (tenant_id, code)
);

CREATE TABLE plans (
    tenant_id       UUID NOT NULL,
    id              UUID NOT NULL,
    product_id      UUID NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    interval_unit   TEXT NOT NULL CHECK (interval_unit IN ('day', 'week', 'month', 'year')),
    interval_count  INT NOT NULL CHECK (interval_count BETWEEN 1 AND 1000),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT plans_code_unique UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);

-- The price book: one price per plan and currency. No row, no sale in that currency.
CREATE TABLE plan_prices (
    tenant_id    UUID NOT NULL,
    plan_id      UUID NOT NULL,
    currency     CHAR(3) NOT NULL,
    unit_amount  BIGINT NOT NULL CHECK (unit_amount >= 0),
    PRIMARY KEY (tenant_id, plan_id, currency),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id)
);

CREATE TABLE subscriptions (
    tenant_id          UUID NOT NULL,
    id                 UUID NOT NULL,
    customer_id        UUID NOT NULL,
    plan_id            UUID NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('active', 'canceled')),
    currency           CHAR(3) NOT NULL,
    -- Price per unit snapshotted at creation, so a later price change does not reach it silently.
    unit_amount        BIGINT NOT NULL CHECK (unit_amount >= 0),
    quantity           INT NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    start_date         DATE NOT NULL,
    -- Periods are computed from the anchor every time, so a 31st keeps its day (Jan 31 -> Feb 28 -> Mar 31).
    anchor_date        DATE NOT NULL,
    interval_unit      TEXT NOT NULL CHECK (interval_unit IN ('day', 'week', 'month', 'year')),
    interval_count     INT NOT NULL CHECK (interval_count BETWEEN 1 AND 1000),
    -- The first period not yet invoiced, and its start date (denormalized for the run's index).
    next_period_index  INT NOT NULL DEFAULT 0 CHECK (next_period_index >= 0),
    next_billing_date  DATE NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES plans (tenant_id, id)
);
CREATE INDEX subscriptions_customer ON subscriptions (tenant_id, customer_id, id);
-- The invoice run walks due subscriptions by id in chunks.
CREATE INDEX subscriptions_due ON subscriptions (tenant_id, id) WHERE status = 'active';
CREATE INDEX subscriptions_next_billing ON subscriptions (tenant_id, next_billing_date) WHERE status = 'active';

-- Gapless numbering: one counter row per (tenant, series), locked FOR UPDATE by the transaction
-- that finalizes invoices. A rolled-back transaction gives its numbers back; nothing else can.
CREATE TABLE invoice_number_series (
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    series      TEXT NOT NULL,
    last_value  BIGINT NOT NULL DEFAULT 0 CHECK (last_value >= 0),
    PRIMARY KEY (tenant_id, series)
);

CREATE TABLE invoice_runs (
    tenant_id         UUID NOT NULL REFERENCES tenants (tenant_id),
    id                UUID NOT NULL,
    as_of             DATE NOT NULL,
    dry_run           BOOLEAN NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    triggered_by      TEXT NOT NULL,
    invoices_created  BIGINT NOT NULL DEFAULT 0,
    totals            JSONB NOT NULL DEFAULT '{}'::jsonb,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE invoices (
    tenant_id        UUID NOT NULL,
    id               UUID NOT NULL,
    customer_id      UUID NOT NULL,
    subscription_id  UUID,
    invoice_run_id   UUID,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    series           TEXT,
    sequence         BIGINT,
    number           TEXT,
    currency         CHAR(3) NOT NULL,
    subtotal         BIGINT NOT NULL,
    tax              BIGINT NOT NULL DEFAULT 0,
    total            BIGINT NOT NULL,
    period_start     DATE,
    period_end       DATE,
    issue_date       DATE,
    due_date         DATE,
    -- Buyer details frozen at finalization: a finalized invoice never changes.
    customer_name    TEXT NOT NULL,
    customer_email   TEXT NOT NULL,
    customer_country CHAR(2) NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    finalized_at     TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, id),
    -- One invoice per subscription period, whatever crashes or re-runs happen.
    CONSTRAINT invoices_one_per_period UNIQUE (tenant_id, subscription_id, period_start),
    CONSTRAINT invoices_sequence_unique UNIQUE (tenant_id, series, sequence),
    CONSTRAINT invoices_number_unique UNIQUE (tenant_id, number),
    CONSTRAINT invoices_numbered_when_final CHECK (status = 'draft' OR (number IS NOT NULL AND sequence IS NOT NULL)),
    CONSTRAINT invoices_total CHECK (total = subtotal + tax)
);
CREATE INDEX invoices_customer ON invoices (tenant_id, customer_id, id);
CREATE INDEX invoices_subscription ON invoices (tenant_id, subscription_id, id);

CREATE TABLE invoice_lines (
    tenant_id     UUID NOT NULL,
    invoice_id    UUID NOT NULL,
    line_no       INT NOT NULL CHECK (line_no >= 1),
    description   TEXT NOT NULL,
    quantity      BIGINT NOT NULL,
    unit_amount   BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    period_start  DATE,
    period_end    DATE,
    PRIMARY KEY (tenant_id, invoice_id, line_no),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);

-- Client POSTs with an Idempotency-Key replay the stored response instead of acting twice.
CREATE TABLE idempotency_keys (
    tenant_id        UUID NOT NULL REFERENCES tenants (tenant_id),
    key              TEXT NOT NULL,
    request_digest   BYTEA NOT NULL,
    response_status  INT,
    response_body    JSONB,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- Transactional outbox: rows written in the same transaction as the change that causes them,
-- delivered later by a worker with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
    tenant_id     UUID NOT NULL REFERENCES tenants (tenant_id),
    id            UUID NOT NULL,
    topic         TEXT NOT NULL,
    payload       JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    available_at  TIMESTAMPTZ NOT NULL,
    attempts      INT NOT NULL DEFAULT 0,
    delivered_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE delivered_at IS NULL;
