"""Product cards, rendered once for each state of a product and of what a company sees of it.

Rendering two dozen cards with Django templates costs far more than the queries behind them, yet
a card changes only when its product changes (catalog_version() names every product's current
state), with the language, or with the company's offer: its price points, its stock status and
whether it may order. Those make a card's cache key, so a cached card is never out of date; two
companies with the same prices for a product share its card.

Each card holds an add-to-cart form carrying the response's CSRF token and the address to come
back to, which differ per request; cards are cached with placeholders for both, filled in for
each response.
"""

import hashlib

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .selectors import CATALOG_CACHE_TIMEOUT, catalog_version, local_cache

CARD_TEMPLATE = "catalog/includes/product_card.html"
CSRF_PLACEHOLDER = "csrf-token-placeholder-7d4e1c"
NEXT_PLACEHOLDER = "next-url-placeholder-7d4e1c"


def _offer_fingerprint(offer) -> str:
    points = [
        (
            p.quantity,
            str(p.price.unit_price),
            p.price.currency,
            p.price.source,
            p.price.price_list_name,
            p.price.price_list_name_zh,
        )
        for p in offer.price_points
    ]
    short = offer.short_dated
    special = (
        (str(short.unit_price), short.lot_numbers, short.expiry_date, short.free, short.valid_until) if short else None
    )
    state = repr((offer.may_order, offer.availability.status, points, special))
    return hashlib.blake2b(state.encode(), digest_size=12).hexdigest()


def product_cards(request, offers) -> list[SafeString]:
    """The HTML of each offer's card, in order: from the cache, rendering only the missing."""
    prefix = f"catalog:card:{catalog_version()}:{get_language()}"
    keys = [f"{prefix}:{offer.product.pk}:{_offer_fingerprint(offer)}" for offer in offers]
    cards = local_cache.get_many(keys)
    rendered = {}
    if len(cards) < len(keys):
        template = get_template(CARD_TEMPLATE)
        for key, offer in zip(keys, offers, strict=True):
            if key not in cards:
                context = {
                    "offer": offer,
                    "product": offer.product,
                    "csrf_token": CSRF_PLACEHOLDER,
                    "next_url": NEXT_PLACEHOLDER,
                }
                rendered[key] = cards[key] = template.render(context)
        local_cache.set_many(rendered, CATALOG_CACHE_TIMEOUT)
    token = get_token(request)
    next_url = escape(request.get_full_path())
    # The cached HTML was escaped when rendered; the token is alphanumeric, the address escaped.
    return [mark_safe(cards[key].replace(CSRF_PLACEHOLDER, token).replace(NEXT_PLACEHOLDER, next_url)) for key in keys]
