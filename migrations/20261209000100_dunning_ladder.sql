-- Dunning actions and the German reminder ladder (issue 12, docs/adr/0031).

-- The Bundesbank base rate (Basiszinssatz, § 247 BGB), dated reference data: a rate applies from
-- its `valid_from` (a 1 January or 1 July) for that half year. Published by the Bundesbank in
-- the Bundesanzeiger; values from ../shared/reference/domain.md § 5. A half year without a row
-- has no rate: interest over it is refused until the published rate is added here.
CREATE TABLE base_rates (
    valid_from  DATE PRIMARY KEY
                CHECK (extract(day FROM valid_from) = 1 AND extract(month FROM valid_from) IN (1, 7)),
    rate        NUMERIC(6, 2) NOT NULL,
    source      TEXT NOT NULL
);

INSERT INTO base_rates (valid_from, rate, source) VALUES
    ('2023-01-01', 1.62, 'stb-bruns.com'),
    ('2023-07-01', 3.12, 'flash-up.com'),
    ('2024-01-01', 3.62, 'flash-up.com/2023/12/basiszinssatz-wird-erhoeht-schuldner-muessen-mehr-zahlen/125548'),
    ('2024-07-01', 3.37, 'derived: ECB MRO 4.50 -> 4.25 % (June 2024)'),
    ('2025-01-01', 2.27, 'derived: ECB MRO 4.25 -> 3.15 %'),
    ('2025-07-01', 1.27, 'finanzmarktnachrichten.de/basiszinssatz-bleibt-ab-1-januar-2026-bei-127'),
    ('2026-01-01', 1.27, 'finanzmarktnachrichten.de (unchanged; announced 2025-12-24)');

-- A tenant may choose a preset ladder instead of listing steps ('de': the German Mahnwesen);
-- its steps are stored expanded in `steps` as before.
ALTER TABLE dunning_policies ADD COLUMN ladder TEXT CHECK (ladder IN ('de'));

-- The new step actions.
ALTER TABLE dunning_steps DROP CONSTRAINT dunning_steps_action_check;
ALTER TABLE dunning_steps ADD CONSTRAINT dunning_steps_action_check CHECK (action IN (
    'retry', 'email', 'mark_uncollectible', 'late_fee', 'restrict', 'pause_subscriptions',
    'cancel_subscriptions', 'payment_reminder', 'first_notice', 'second_notice', 'final_notice'));

-- What a dunning step charged the customer for an overdue invoice: a late fee, default interest
-- for a run of days (one row per rate period), or the flat fee of § 288 Abs. 5 BGB (once per
-- invoice: the partial unique index). Each is a line of `charge_invoice_id`, a small invoice of
-- its own, which is never dunned itself (no interest on interest, § 289 BGB).
CREATE TABLE dunning_charges (
    tenant_id          UUID NOT NULL,
    invoice_id         UUID NOT NULL,
    step               INT NOT NULL,
    piece              INT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('late_fee', 'interest', 'flat_fee')),
    amount             BIGINT NOT NULL CHECK (amount > 0),
    currency           CHAR(3) NOT NULL,
    -- Interest: the principal, the days from and to (both counted) and the annual rate in percent.
    principal          BIGINT,
    period_start       DATE,
    period_end         DATE,
    rate               NUMERIC(6, 2),
    charge_invoice_id  UUID NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, step, piece),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    FOREIGN KEY (tenant_id, charge_invoice_id) REFERENCES invoices (tenant_id, id),
    CHECK (kind <> 'interest' OR (principal IS NOT NULL AND period_start IS NOT NULL
                                  AND period_end >= period_start AND rate IS NOT NULL))
);
CREATE UNIQUE INDEX dunning_charges_flat_fee_once ON dunning_charges (tenant_id, invoice_id) WHERE kind = 'flat_fee';
CREATE INDEX dunning_charges_by_charge_invoice ON dunning_charges (tenant_id, charge_invoice_id);
