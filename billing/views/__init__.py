"""The customer's billing screens, one module per screen family (routes in `billing/urls.py`)."""
