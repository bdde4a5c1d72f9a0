-- cm-excel ledger, schema version 1.
-- Periods are stored as fy (start year, 2026 for 2026-27) and quarter (1..4).
-- Money in pounds (REAL); percentages as fractions; dates as ISO text.

CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);

-- One row per distinct file seen (by sha256), accepted, rejected or held.
CREATE TABLE IF NOT EXISTS submissions (
    id               INTEGER PRIMARY KEY,
    sha256           TEXT NOT NULL UNIQUE,
    original_name    TEXT NOT NULL,
    received_at      TEXT NOT NULL,       -- file mtime in the inbox, ISO 8601 UTC
    ingested_at      TEXT NOT NULL,
    contract_id      TEXT,                -- NULL when the file could not be identified
    fy               INTEGER,
    quarter          INTEGER,
    kind             TEXT,                -- performance | financial
    template_version INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('accepted','rejected','held','superseded','declined')),
    superseded_by    INTEGER REFERENCES submissions(id),
    version          INTEGER,             -- 1 for the first accepted return of (contract, period, kind), 2 ...
    archive_path     TEXT,                -- relative to the workspace; NULL unless archived
    prepared_by      TEXT,
    approved_by      TEXT,
    signoff_date     TEXT,
    errors           INTEGER NOT NULL DEFAULT 0,
    queries          INTEGER NOT NULL DEFAULT 0,
    warnings         INTEGER NOT NULL DEFAULT 0,
    feedback_path    TEXT
);
CREATE INDEX IF NOT EXISTS submissions_period ON submissions (fy, quarter, contract_id, kind);

CREATE TABLE IF NOT EXISTS findings (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    code          TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('error','query','warning')),
    sheet         TEXT,
    cell          TEXT,
    message       TEXT NOT NULL,
    action        TEXT,
    value         TEXT,
    explained     INTEGER NOT NULL DEFAULT 0
);

-- Normalised values of accepted (and later superseded) returns.
CREATE TABLE IF NOT EXISTS kpi_values (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    contract_id   TEXT NOT NULL,
    fy            INTEGER NOT NULL,
    quarter       INTEGER NOT NULL,
    kpi_code      TEXT NOT NULL,
    numerator     REAL,
    denominator   REAL,
    actual        REAL,                   -- recomputed by the engine for ratio KPIs
    target        REAL,                   -- register's target in force (register wins)
    amber         REAL,
    commentary    TEXT,
    sheet         TEXT NOT NULL,
    cell          TEXT NOT NULL,          -- the Actual cell (or Numerator for ratio KPIs)
    PRIMARY KEY (submission_id, kpi_code)
);

CREATE TABLE IF NOT EXISTS financial_lines (
    submission_id        INTEGER NOT NULL REFERENCES submissions(id),
    contract_id          TEXT NOT NULL,
    fy                   INTEGER NOT NULL,
    quarter              INTEGER NOT NULL,
    budget_line          TEXT NOT NULL,
    annual_budget        REAL,
    quarter_budget       REAL,
    quarter_actual       REAL,
    ytd_actual           REAL,
    forecast_outturn     REAL,
    variance_explanation TEXT,
    sheet                TEXT NOT NULL,
    row                  INTEGER NOT NULL,  -- Excel row; columns follow the table contract
    PRIMARY KEY (submission_id, budget_line)
);

CREATE TABLE IF NOT EXISTS incidents (
    submission_id      INTEGER NOT NULL REFERENCES submissions(id),
    contract_id        TEXT NOT NULL, fy INTEGER NOT NULL, quarter INTEGER NOT NULL,
    date               TEXT, description TEXT, clients_affected REAL, estimated_cost REAL,
    harm_caused        TEXT, provider_negligence TEXT, reputational_risk TEXT, action_taken TEXT,
    sheet TEXT NOT NULL, row INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS complaints (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    contract_id TEXT NOT NULL, fy INTEGER NOT NULL, quarter INTEGER NOT NULL,
    date_received TEXT, category TEXT, summary TEXT, outcome TEXT, resolved_date TEXT,
    sheet TEXT NOT NULL, row INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS risks (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    contract_id TEXT NOT NULL, fy INTEGER NOT NULL, quarter INTEGER NOT NULL,
    risk TEXT, likelihood TEXT, impact TEXT, mitigation TEXT, owner TEXT, status TEXT,
    sheet TEXT NOT NULL, row INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS improvements (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    contract_id TEXT NOT NULL, fy INTEGER NOT NULL, quarter INTEGER NOT NULL,
    action TEXT, due_date TEXT, status TEXT, progress TEXT,
    sheet TEXT NOT NULL, row INTEGER NOT NULL
);

-- What changed when a later return superseded an earlier one.
CREATE TABLE IF NOT EXISTS restatements (
    submission_id          INTEGER NOT NULL REFERENCES submissions(id),  -- the new one
    previous_submission_id INTEGER NOT NULL REFERENCES submissions(id),
    item                   TEXT NOT NULL,  -- e.g. "VS03 Actual", "Staff salaries Quarter Actual"
    old_value              TEXT,
    new_value              TEXT
);
