"""Personalised provider templates: the public contract, writing and filling them."""
