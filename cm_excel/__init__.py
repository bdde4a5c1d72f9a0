"""cm-excel: collect, check and consolidate providers' spreadsheet returns.

The package layout is the data flow:

    register/  → templates/ → inbox → intake/ (open safely, read) → validation/
    → ledger/ + archive.py (record) → flags/ → reports/ (write outbox)

``pipeline.py`` is the one place that knows the order; ``cli.py`` is the only
module that imports click.
"""

__version__ = "0.1.0"
