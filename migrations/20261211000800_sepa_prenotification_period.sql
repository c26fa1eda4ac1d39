-- The SEPA pre-notification period agreed per mandate (docs/adr/0048). The SEPA Core rulebook
-- asks for a pre-notification at least 14 calendar days before a debit unless creditor and
-- debtor agree otherwise; NULL keeps the rulebook's 14 days. Bounds: 1 to 30 calendar days.
ALTER TABLE sepa_mandates ADD COLUMN prenotification_days SMALLINT
    CHECK (prenotification_days BETWEEN 1 AND 30);

-- The merchant's own terms for mandates signed in the portal (the form states the period and the
-- mandate stores it); NULL: the rulebook's 14 days, and the form says nothing of it.
ALTER TABLE tenants ADD COLUMN sepa_prenotification_days SMALLINT
    CHECK (sepa_prenotification_days BETWEEN 1 AND 30);

-- Each SEPA pre-notification queued, one per invoice: the day it was queued and the debit date it
-- announced (never before `notified_on + period_days`). The collection job debits an invoice of a
-- customer paying by SEPA Direct Debit only once its notice's `debit_on` has come.
CREATE TABLE sepa_debit_notices (
    tenant_id    UUID NOT NULL,
    invoice_id   UUID NOT NULL,
    notified_on  DATE NOT NULL,
    debit_on     DATE NOT NULL,
    period_days  SMALLINT NOT NULL CHECK (period_days BETWEEN 1 AND 30),
    -- The mandate it named, when the method has one (a method added through the API with an IBAN
    -- alone has none).
    mandate_id   UUID,
    queued_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CHECK (debit_on >= notified_on)
);

-- The notices queued before this table existed (keys `debit_upcoming:<invoice>:<due date>` in
-- `predunning_notices`, all under the rulebook's 14 days, each announcing its due date): kept, so
-- an invoice told before the upgrade is not told again and is debited on the date it was told.
INSERT INTO sepa_debit_notices (tenant_id, invoice_id, notified_on, debit_on, period_days, queued_at)
SELECT DISTINCT ON (n.tenant_id, i.id) n.tenant_id, i.id, n.queued_at::date,
       GREATEST(split_part(n.notice_key, ':', 3)::date, n.queued_at::date), 14, n.queued_at
  FROM predunning_notices n
  JOIN invoices i ON i.tenant_id = n.tenant_id AND i.id::text = split_part(n.notice_key, ':', 2)
 WHERE n.notice_key LIKE 'debit\_upcoming:%'
 ORDER BY n.tenant_id, i.id, n.queued_at DESC
ON CONFLICT DO NOTHING;
