"""The customer's billing screens, under /portal/billing/ (namespace "billing"). Each part keeps
its routes in its own block."""

from django.urls import path

from .views import card, details, invoices
from .views import statements as statement_views

app_name = "billing"

urlpatterns = [
    # --- Invoices ---
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/<str:number>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<str:number>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("details/", details.invoice_details, name="invoice_details"),
    # --- End of invoices ---
]

# --- Card payments (Stripe) ---
urlpatterns += [
    path("pay/", card.pay_invoices, name="pay"),
    path("pay/order/<str:number>/", card.pay_order, name="pay_order"),
    path("payments/", card.payment_list, name="payment_list"),
    path("payments/<int:pk>/", card.payment_detail, name="payment_detail"),
    path("stripe/webhook/", card.stripe_webhook, name="stripe_webhook"),
]
# --- End of card payments ---

# --- Statements ---
urlpatterns += [
    path("statements/", statement_views.statement_list, name="statements"),
    path("statements/<int:pk>/", statement_views.statement_detail, name="statement"),
    path("statements/<int:pk>/confirm/", statement_views.statement_confirm, name="statement_confirm"),
    path("statements/<int:pk>/dispute/", statement_views.statement_dispute, name="statement_dispute"),
    path("statements/<int:pk>/pdf/", statement_views.statement_pdf, name="statement_pdf"),
]
# --- End of statements ---
