"""The customer's billing screens, under /portal/billing/ (namespace "billing"). Each part keeps
its routes in its own block."""

from django.urls import path

from .views import card

app_name = "billing"

urlpatterns = []

# --- Card payments (Stripe) ---
urlpatterns += [
    path("pay/", card.pay_invoices, name="pay"),
    path("pay/order/<str:number>/", card.pay_order, name="pay_order"),
    path("payments/", card.payment_list, name="payment_list"),
    path("payments/<int:pk>/", card.payment_detail, name="payment_detail"),
    path("stripe/webhook/", card.stripe_webhook, name="stripe_webhook"),
]
# --- End of card payments ---
