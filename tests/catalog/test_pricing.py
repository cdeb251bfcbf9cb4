"""Pricing: contract, then tier, then list; validity windows, currencies, breaks, priorities."""

from datetime import date
from decimal import Decimal

import pytest

from catalog.models import PriceList
from catalog.pricing import price_book, unit_price
from tests.factories import CompanyFactory, PriceListEntryFactory, PriceListFactory, PriceTierFactory, ProductFactory

TODAY = date(2026, 11, 23)


@pytest.fixture
def tier(db):
    return PriceTierFactory(code="b", name="B")


@pytest.fixture
def customer(tier):
    return CompanyFactory(price_tier=tier)


@pytest.fixture
def product(db):
    return ProductFactory()


def _list(kind, customer, tier, **fields):
    owner = {"contract": {"company": customer}, "tier": {"price_tier": tier}, "default": {}}[kind]
    return PriceListFactory(kind=kind, **owner, **fields)


def _entries(price_list, product, *breaks):
    for min_quantity, price in breaks:
        PriceListEntryFactory(
            price_list=price_list, product=product, min_quantity=min_quantity, unit_price=Decimal(price)
        )


# (lists as (kind, extra fields, [(break, price)]), quantity, expected (price, source) or None)
CASES = [
    pytest.param([("default", {}, [(1, "50.00")])], 1, ("50.00", "default"), id="list-only"),
    pytest.param(
        [("default", {}, [(1, "50.00")]), ("tier", {}, [(1, "45.00")])], 3, ("45.00", "tier"), id="tier-beats-list"
    ),
    pytest.param(
        [("default", {}, [(1, "50.00")]), ("tier", {}, [(1, "45.00")]), ("contract", {}, [(1, "40.00")])],
        3,
        ("40.00", "contract"),
        id="contract-beats-tier",
    ),
    pytest.param(
        [("contract", {}, [(10, "38.00")]), ("tier", {}, [(1, "45.00")])],
        5,
        ("45.00", "tier"),
        id="contract-break-above-quantity-falls-through",
    ),
    pytest.param(
        [("contract", {}, [(10, "38.00")]), ("tier", {}, [(1, "45.00")])],
        10,
        ("38.00", "contract"),
        id="contract-break-reached",
    ),
    pytest.param(
        [("default", {}, [(1, "50.00"), (10, "48.00"), (50, "45.00")])],
        49,
        ("48.00", "default"),
        id="largest-break-not-above-quantity",
    ),
    pytest.param(
        [("contract", {"valid_until": date(2026, 11, 22)}, [(1, "30.00")]), ("default", {}, [(1, "50.00")])],
        1,
        ("50.00", "default"),
        id="expired-contract-ignored",
    ),
    pytest.param(
        [("contract", {"valid_from": date(2026, 11, 24)}, [(1, "30.00")]), ("default", {}, [(1, "50.00")])],
        1,
        ("50.00", "default"),
        id="future-contract-ignored",
    ),
    pytest.param(
        [("contract", {"valid_from": TODAY, "valid_until": TODAY}, [(1, "30.00")])],
        1,
        ("30.00", "contract"),
        id="window-includes-both-ends",
    ),
    pytest.param(
        [("contract", {"currency": "USD"}, [(1, "5.00")]), ("default", {}, [(1, "50.00")])],
        1,
        ("50.00", "default"),
        id="other-currency-ignored",
    ),
    pytest.param(
        [("contract", {"active": False}, [(1, "5.00")]), ("default", {}, [(1, "50.00")])],
        1,
        ("50.00", "default"),
        id="inactive-list-ignored",
    ),
    pytest.param(
        [("tier", {"priority": 20}, [(1, "44.00")]), ("tier", {"priority": 10}, [(1, "46.00")])],
        1,
        ("46.00", "tier"),
        id="lower-priority-number-first",
    ),
    pytest.param([("tier", {}, [(5, "44.00")])], 1, None, id="no-price-below-smallest-break"),
]


@pytest.mark.parametrize(("lists", "quantity", "expected"), CASES)
def test_resolution(lists, quantity, expected, customer, tier, product):
    for kind, fields, breaks in lists:
        _entries(_list(kind, customer, tier, **fields), product, *breaks)
    price = unit_price(company=customer, product_id=product.pk, quantity=quantity, on=TODAY)
    if expected is None:
        assert price is None
    else:
        assert (price.unit_price, price.source) == (Decimal(expected[0]), expected[1])
        assert price.currency == "CNY"


def test_another_companys_contract_never_prices_for_us(customer, tier, product):
    other = CompanyFactory(price_tier=tier)
    _entries(_list("contract", other, tier), product, (1, "1.00"))
    _entries(_list("default", customer, tier), product, (1, "50.00"))
    assert unit_price(company=customer, product_id=product.pk, quantity=1, on=TODAY).unit_price == Decimal("50.00")


def test_another_tiers_list_never_prices_for_us(customer, tier, product):
    _entries(PriceListFactory(kind=PriceList.Kind.TIER, price_tier=PriceTierFactory(code="a")), product, (1, "1.00"))
    assert unit_price(company=customer, product_id=product.pk, quantity=1, on=TODAY) is None


def test_breaks_and_next_break_follow_the_resolution(customer, tier, product):
    _entries(_list("default", customer, tier), product, (1, "50.00"), (20, "47.00"))
    _entries(_list("contract", customer, tier), product, (10, "40.00"), (50, "38.00"))
    book = price_book(company=customer, product_ids=[product.pk], on=TODAY)
    assert [(b.min_quantity, b.unit_price) for b in book.breaks(product.pk)] == [
        (1, Decimal("50.00")),
        (10, Decimal("40.00")),
        (50, Decimal("38.00")),
    ]
    assert book.next_break(product.pk, 1).min_quantity == 10
    assert book.next_break(product.pk, 12).min_quantity == 50
    assert book.next_break(product.pk, 50) is None


def test_a_page_of_products_is_priced_in_one_query(customer, tier, django_assert_num_queries):
    products = [ProductFactory() for _ in range(30)]
    default = _list("default", customer, tier)
    contract = _list("contract", customer, tier)
    for product in products:
        _entries(default, product, (1, "10.00"), (10, "9.00"))
        _entries(contract, product, (5, "8.00"))
    with django_assert_num_queries(1):
        book = price_book(company=customer, product_ids=[p.pk for p in products], on=TODAY)
    assert all(book.price(p.pk, 5).source == "contract" for p in products)
