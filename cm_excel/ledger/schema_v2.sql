-- cm-excel ledger, schema version 2: incidents carry a category (template version 2 added
-- the Incidents table's Category column; returns of template version 1 leave it NULL).
ALTER TABLE incidents ADD COLUMN category TEXT;
