"""Billing's back-office screens (finance's), one module per screen family; each registers its
URLs and menu items in its own marked block of `billing/wagtail_hooks.py`."""
