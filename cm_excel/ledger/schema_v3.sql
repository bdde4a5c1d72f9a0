-- cm-excel ledger, schema version 3: an index on the file name a submission arrived under.
-- Ingest asks, for every file it accepts, whether a file of that name was rejected earlier
-- as unidentifiable (a half-copied file); without the index that read every submission,
-- a cost that grew with the ledger (0.08 ms a file at 2,000 submissions, 0.34 at 8,000).
CREATE INDEX IF NOT EXISTS submissions_original_name ON submissions (original_name);
