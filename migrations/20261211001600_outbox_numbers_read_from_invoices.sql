-- An invoice run writes its `invoice.finalized` messages before it reserves the invoices' numbers
-- (issue 15, docs/adr/0056): the reservation holds the series row until the chunk commits, so
-- whatever follows it is done by the run's workers one at a time. Such a row names its invoice in
-- `number_of_invoice` and its stored payload has no `number`; every reader takes the payload
-- through `outbox_payload`, which adds the invoice's number (an invoice's number never changes
-- once given, and the invoice and the message commit together). Other rows are read as stored.
ALTER TABLE outbox ADD COLUMN number_of_invoice UUID;

CREATE FUNCTION outbox_payload(o outbox) RETURNS JSONB
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN o.number_of_invoice IS NULL THEN o.payload
    ELSE o.payload || jsonb_build_object('number',
      (SELECT i.number FROM invoices i WHERE i.tenant_id = o.tenant_id AND i.id = o.number_of_invoice))
  END
$$;

-- Each message's foreign key to its merchant ran a check per row that locks the merchant's row
-- (`FOR KEY SHARE`): one per invoice in a run. Only the engine inserts, always for the merchant
-- whose change the message announces; merchants are never deleted (as for the request log,
-- docs/adr/0052).
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_tenant_id_fkey;
