"""The ledger: SQLite memory across quarters (submissions, values, findings, restatements)."""
