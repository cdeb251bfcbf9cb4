"""Billing's back-office screens: URLs under /backoffice/billing/, menu items and permission
policies. Each part of billing keeps its hooks in its own marked block."""
