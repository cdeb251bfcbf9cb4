"""Fulfilment's back-office screens (Wagtail admin views), one module per screen family."""
