-- Money moves once (docs/adr/0013-money-moves-once.md).

-- A request that calls a payment gateway cannot run inside one transaction (no connection is held
-- across a provider call), so its Idempotency-Key is claimed in a transaction of its own and
-- leased: while the lease runs a duplicate is told the first is still in flight; once it has
-- expired (the process that claimed it died) a retry may run the request again.
ALTER TABLE idempotency_keys ADD COLUMN locked_until TIMESTAMPTZ;

-- A provider's payment id names one attempt per gateway account. Before the sandbox's ids were
-- unique, two processes could hand out the same one; those rows are marked here and are never
-- matched by that id again (only by our own attempt id), and the index keeps new ones unique.
ALTER TABLE payment_attempts ADD COLUMN provider_id_shared BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE payment_attempts a SET provider_id_shared = TRUE
WHERE a.provider_payment_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM payment_attempts b
              WHERE b.tenant_id = a.tenant_id AND b.gateway_account_id = a.gateway_account_id
                AND b.provider_payment_id = a.provider_payment_id AND b.id <> a.id);
DROP INDEX payment_attempts_provider_id;
CREATE UNIQUE INDEX payment_attempts_provider_id ON payment_attempts (tenant_id, gateway_account_id, provider_payment_id)
    WHERE provider_payment_id IS NOT NULL AND NOT provider_id_shared;

-- A refund ends succeeded or failed. `request_key` is the Idempotency-Key of the API request that
-- asked for it, so a request retried after its process died resumes its own refunds instead of
-- making new ones; a refund whose provider call got no answer stays pending and the collection
-- job asks again with the same key (`tries`, `last_error` say how that went).
ALTER TABLE payment_refunds ADD COLUMN request_key TEXT;
ALTER TABLE payment_refunds ADD COLUMN tries INT NOT NULL DEFAULT 0;
ALTER TABLE payment_refunds ADD COLUMN last_error TEXT;
ALTER TABLE payment_refunds ADD COLUMN finished_at TIMESTAMPTZ;
CREATE INDEX payment_refunds_request ON payment_refunds (tenant_id, invoice_id, request_key) WHERE request_key IS NOT NULL;
CREATE INDEX payment_refunds_pending ON payment_refunds (tenant_id, id) WHERE status = 'pending';

-- (Job leases: `job_leases`, created by 20261206000050 and used through store::locks.)

-- What the built-in sandbox gateway keeps on "its side" (customers, stored methods, payments,
-- setups, the answers to idempotent requests), as JSON records owned by the adapter. Kept here so
-- that every `billing` process on this database sees one provider, whose state survives restarts.
CREATE TABLE sandbox_records (
    tenant_id           UUID NOT NULL,
    gateway_account_id  UUID NOT NULL,
    kind                TEXT NOT NULL,
    key                 TEXT NOT NULL,
    value               JSONB NOT NULL,
    PRIMARY KEY (tenant_id, gateway_account_id, kind, key),
    FOREIGN KEY (tenant_id, gateway_account_id) REFERENCES gateway_accounts (tenant_id, id)
);
-- The numbers in the sandbox's ids (`sbx_pi_<n>`): unique across processes and restarts.
CREATE SEQUENCE sandbox_ids;
