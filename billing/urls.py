"""The customer's billing screens, under /portal/billing/ (namespace "billing"). Each part keeps
its routes in its own block."""

from django.urls import path

from .views import details, invoices

app_name = "billing"

urlpatterns = [
    # --- Invoices ---
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/<str:number>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<str:number>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("details/", details.invoice_details, name="invoice_details"),
    # --- End of invoices ---
]
