"""The contract register (register.xlsx): schema, typed records, reading, the starter."""
