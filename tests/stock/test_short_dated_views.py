"""What the customers named see of a short-dated offer (catalog card, product page, cart) and
what everyone else does not."""

import pytest
from django.urls import reverse

from catalog.models import Product

CATALOG = reverse("catalog:product_list")
CART = reverse("ordering:cart")


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def _detail(product: Product) -> str:
    return reverse("catalog:product_detail", args=[product.sku])


def test_the_card_and_product_page_show_the_offer_to_the_customer_named(signed_in, offer, product):
    for url in (CATALOG, _detail(product)):
        html = signed_in.get(url).content.decode()
        assert 'data-testid="short-dated-offer"' in html
        assert "¥60.00 instead of ¥100.00" in html
        assert f"Lot SD1, expires {offer.lots.get().expiry_date:%-d %b %Y}; 10 cases left at this price" in html


def test_another_company_sees_no_offer_anywhere(client, outsider, offer, product, make_product):
    client.force_login(outsider)
    for url in (CATALOG, _detail(product)):
        html = client.get(url).content.decode()
        assert "short-dated-offer" not in html and "¥60.00" not in html

    client.post(reverse("ordering:cart_add"), {"product_id": product.pk, "quantity": "2"})
    html = client.get(CART).content.decode()
    assert "¥200.00" in html and "¥60.00" not in html and "Short-dated offer" not in html


def test_the_cart_charges_the_offer_price_within_the_lots_and_the_usual_price_beyond(signed_in, offer, product):
    signed_in.post(reverse("ordering:cart_add"), {"product_id": product.pk, "quantity": "10"})
    html = signed_in.get(CART).content.decode()
    assert "Short-dated offer" in html and "¥600.00" in html

    signed_in.post(reverse("ordering:cart_line", args=[product.pk]), {"quantity": "11"})
    html = signed_in.get(CART).content.decode()
    assert "¥1,100.00" in html and "Short-dated offer" not in html
