-- The chart of accounts of a tenant's DATEV settings (docs/adr/0049): SKR03 or SKR04, written into
-- header field 27 of the Buchungsstapel. Existing rows keep SKR03, which the file always said.
ALTER TABLE datev_settings ADD COLUMN skr TEXT NOT NULL DEFAULT '03' CHECK (skr IN ('03', '04'));
