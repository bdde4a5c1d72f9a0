"""Validation: findings (values), rules (what), checks (how)."""
