"""Reports: what the engine writes into outbox/ for people (SMG workbooks, provider feedback)."""
