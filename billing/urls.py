"""The customer's billing screens, under /portal/billing/ (namespace "billing"). Each part keeps
its routes in its own block."""

from django.urls import path  # noqa: F401

app_name = "billing"

urlpatterns = []
