from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import PriceList
from catalog.services import Receipt, receive_stock
from tests.factories import (
    AddressFactory,
    LocationFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
)


@pytest.fixture
def default_list(db):
    return PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")


@pytest.fixture
def freezer(db):
    return LocationFactory(code="F-01")


@pytest.fixture
def stock_in(freezer):
    user = StaffFactory()

    def receive(product, quantity, *, lot="L1", days=300):
        receive_stock(
            receipts=[
                Receipt(
                    product=product,
                    lot_number=lot,
                    expiry_date=timezone.localdate() + timedelta(days=days),
                    quantity=quantity,
                    location=freezer,
                )
            ],
            user=user,
        )

    return receive


@pytest.fixture
def make_product(default_list, stock_in):
    def make(*, price="100.00", stock=100, tax_rate="13.00", **fields):
        product = ProductFactory(tax_rate=Decimal(tax_rate), **fields)
        PriceListEntryFactory(price_list=default_list, product=product, unit_price=Decimal(price))
        if stock:
            stock_in(product, stock)
        return product

    return make


@pytest.fixture
def ship_to(company):
    return AddressFactory(company=company, is_default=True)
