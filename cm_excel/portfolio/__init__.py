"""The consolidated facts: what one quarter's accepted returns and the register say.

They stand below both the flag rules (``flags/``) and the writers (``reports/``), which read
them; the code that fills them from SQLite stands with the ledger (``ledger/quarter_loader``).
``rag`` holds the RAG arithmetic the facts and the judgments share.

A year's facts (``year``, built from four quarters by ``ledger/year_loader``) roll up by the
arithmetic of ``rollup`` (pandas), with the year's records in ``year_records`` and the
providers' risk and improvement logs in ``logs``; ``tidy`` lays the values out as one table
for the export.
"""
