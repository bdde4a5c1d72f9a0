"""The consolidated facts: what one quarter's accepted returns and the register say.

They stand below both the flag rules (``flags/``) and the writers (``reports/``), which read
them; the code that fills them from SQLite stands with the ledger (``ledger/quarter_loader``).
``rag`` holds the RAG arithmetic the facts and the judgments share.
"""
