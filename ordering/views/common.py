"""What the customer's ordering screens share: the buyer's cart, a safe way back."""

from django.utils.http import url_has_allowed_host_and_scheme

from .. import services

BLANK_ROWS = 5


def _cart(request):
    company = request.membership.company
    cart = services.cart_for(user=request.user, company=company)
    cart.company = company  # the same row, already loaded: saves quote_cart a query
    return cart


def _safe_next(request, fallback: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return fallback
