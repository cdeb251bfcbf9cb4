"""The stock dashboard's and short-dated offers' shared data: a product at 100.00 with a long-dated
lot and a short-dated one, offered to Acme Foods."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Lot
from catalog.short_dated import make_offer


@pytest.fixture
def product(make_product, stock_in):
    """100.00 a case; 50 in a long-dated lot L1, 10 in lot SD1 expiring in 6 days."""
    product = make_product(price="100.00", stock=50, tax_rate="0.00", name_en="Beef mince", name_zh="牛肉末")
    stock_in(product, 10, lot="SD1", days=6)
    return product


@pytest.fixture
def short_lot(product):
    return Lot.objects.get(product=product, number="SD1")


@pytest.fixture
def offer(product, short_lot, company, staff_manager):
    return make_offer(
        product=product,
        lots=[short_lot],
        companies=[company],
        unit_price=Decimal("60.00"),
        currency="CNY",
        valid_until=timezone.localdate() + timedelta(days=4),
        user=staff_manager,
    )
