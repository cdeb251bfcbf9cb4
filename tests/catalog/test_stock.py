"""The stock ledger, on-hand consistency, and availability under the shelf-life rule."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from catalog.models import Allocation, Lot, Product, StockLevel, StockMove
from catalog.services import Receipt, StockError, adjust_stock, receive_stock, write_off_stock
from catalog.stock import availability_for, earliest_sellable_expiry, lots_expiring, with_sellable_stock
from tests.factories import CompanyFactory, ProductFactory, StaffFactory, category

TODAY = date(2026, 11, 23)


@pytest.fixture
def warehouse_user(db):
    return StaffFactory()


@pytest.fixture
def product(db):
    return ProductFactory(shelf_life_days=100, min_order_quantity=2, order_multiple=2)


def _receive(product, location, user, number, expiry, quantity):
    receive_stock(
        receipts=[
            Receipt(product=product, lot_number=number, expiry_date=expiry, quantity=quantity, location=location)
        ],
        user=user,
    )
    return Lot.objects.get(product=product, number=number)


def _assert_consistent(lot):
    lot.refresh_from_db()
    ledger = StockMove.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0
    levels = StockLevel.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0
    assert lot.on_hand == ledger == levels


def test_receipt_adjustment_and_write_off_keep_ledger_levels_and_lot_in_step(product, freezer_location, warehouse_user):
    lot = _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=90), 40)
    adjust_stock(lot=lot, location=freezer_location, quantity=-3, reason="Counted 37", user=warehouse_user)
    write_off_stock(lot=lot, location=freezer_location, quantity=5, reason="Crushed cartons", user=warehouse_user)
    _assert_consistent(lot)
    assert lot.on_hand == 32
    assert list(StockMove.objects.filter(lot=lot).values_list("kind", flat=True).order_by("pk")) == [
        "receipt",
        "adjustment",
        "write_off",
    ]


def test_stock_cannot_go_negative(product, freezer_location, warehouse_user):
    lot = _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=90), 4)
    with pytest.raises(StockError, match="Only 4"):
        write_off_stock(lot=lot, location=freezer_location, quantity=5, reason="Damaged", user=warehouse_user)
    _assert_consistent(lot)
    assert lot.on_hand == 4


def test_the_database_refuses_negative_on_hand_even_without_the_service(product, freezer_location, warehouse_user):
    lot = _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=90), 4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(allocated=5)


def test_a_receipt_with_one_bad_line_saves_nothing(product, freezer_location, warehouse_user):
    chilled_product = ProductFactory(temperature_zone="chilled", category=category("Chilled"))
    with pytest.raises(StockError, match="stored"):
        receive_stock(
            receipts=[
                Receipt(
                    product=product,
                    lot_number="OK1",
                    expiry_date=TODAY + timedelta(days=90),
                    quantity=5,
                    location=freezer_location,
                ),
                Receipt(
                    product=chilled_product,
                    lot_number="BAD",
                    expiry_date=TODAY + timedelta(days=9),
                    quantity=5,
                    location=freezer_location,
                ),
            ],
            user=warehouse_user,
        )
    assert not Lot.objects.exists()
    assert not StockMove.objects.exists()


def test_adjustment_needs_a_reason(product, freezer_location, warehouse_user):
    lot = _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=90), 4)
    with pytest.raises(StockError, match="reason"):
        adjust_stock(lot=lot, location=freezer_location, quantity=1, reason=" ", user=warehouse_user)


def test_earliest_sellable_expiry_follows_the_companys_share_of_shelf_life():
    assert earliest_sellable_expiry(shelf_life_days=100, min_shelf_life_percent=60, today=TODAY) == TODAY + timedelta(
        days=60
    )
    # Without a rule, anything not yet expired (expiring tomorrow or later).
    assert earliest_sellable_expiry(shelf_life_days=100, min_shelf_life_percent=0, today=TODAY) == TODAY + timedelta(
        days=1
    )


def test_availability_excludes_expired_short_dated_and_allocated_stock(product, freezer_location, warehouse_user):
    picky = CompanyFactory(min_shelf_life_percent=60)
    relaxed = CompanyFactory(min_shelf_life_percent=0)
    _receive(product, freezer_location, warehouse_user, "EXPIRED", TODAY, 100)  # expires today: not sellable
    _receive(product, freezer_location, warehouse_user, "SHORT", TODAY + timedelta(days=30), 10)
    long_lot = _receive(product, freezer_location, warehouse_user, "LONG", TODAY + timedelta(days=80), 20)
    Lot.objects.filter(pk=long_lot.pk).update(allocated=6)
    Allocation.objects.create(lot=long_lot, company=relaxed, quantity=6)

    assert availability_for(company=picky, products=[product], today=TODAY)[product.pk].available == 14
    relaxed_view = availability_for(company=relaxed, products=[product], today=TODAY)[product.pk]
    assert relaxed_view.available == 24
    assert relaxed_view.earliest_expiry == TODAY + timedelta(days=30)


@pytest.mark.parametrize(("quantity", "status"), [(0, "out"), (1, "out"), (4, "low"), (6, "in_stock")])
def test_stock_signal(quantity, status, product, freezer_location, warehouse_user):
    if quantity:
        _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=90), quantity)
    availability = availability_for(company=CompanyFactory(), products=[product], today=TODAY)[product.pk]
    assert availability.status == status


def test_availability_for_a_page_is_one_query(freezer_location, warehouse_user, django_assert_num_queries):
    products = [ProductFactory() for _ in range(25)]
    for product in products:
        _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=200), 50)
    company = CompanyFactory()
    with django_assert_num_queries(1):
        result = availability_for(company=company, products=products, today=TODAY)
    assert {a.available for a in result.values()} == {50}


def test_expiry_warnings_use_the_categorys_window(freezer_location, warehouse_user):
    seafood = category("Seafood", expiry_warning_days=10)
    meat = category("Meat", expiry_warning_days=60)
    fish = ProductFactory(category=seafood)
    beef = ProductFactory(category=meat)
    _receive(fish, freezer_location, warehouse_user, "F-SOON", TODAY + timedelta(days=5), 5)
    _receive(fish, freezer_location, warehouse_user, "F-LATER", TODAY + timedelta(days=30), 5)
    _receive(beef, freezer_location, warehouse_user, "B-30", TODAY + timedelta(days=30), 5)
    assert [lot.number for lot in lots_expiring(today=TODAY)] == ["F-SOON", "B-30"]


@pytest.mark.parametrize("share", [0, 25, 33, 60, 100])
def test_the_in_stock_filter_in_sql_agrees_with_availability(share, freezer_location, warehouse_user):
    """with_sellable_stock() (the catalog's "in stock only", counted in SQL) keeps exactly the
    products availability_for() does not call "out", whatever the shelf lives, expiry dates,
    minimum quantities and allocations."""
    company = CompanyFactory(min_shelf_life_percent=share)
    products = []
    for n, (shelf_life, minimum) in enumerate(
        [(1, 1), (3, 1), (7, 2), (30, 1), (97, 5), (100, 1), (365, 12), (730, 1), (1000, 3)]
    ):
        product = ProductFactory(shelf_life_days=shelf_life, min_order_quantity=minimum)
        products.append(product)
        for days, quantity, allocated in [(0, 50, 0), (1, 1, 0), (shelf_life // 3, 4, 1), (shelf_life - n, 6, 6)]:
            lot = _receive(
                product, freezer_location, warehouse_user, f"L{days}-{quantity}", TODAY + timedelta(days=days), quantity
            )
            Lot.objects.filter(pk=lot.pk).update(allocated=allocated)
    availability = availability_for(company=company, products=products, today=TODAY)
    cached = availability_for(company=company, products=products, today=TODAY, cached=True)

    in_sql = set(
        with_sellable_stock(
            Product.objects.filter(pk__in=[p.pk for p in products]), company=company, today=TODAY
        ).values_list("pk", flat=True)
    )

    assert in_sql == {pk for pk, answer in availability.items() if answer.status != "out"}
    assert cached == availability
    assert 0 < len(in_sql) < len(products)  # the cases cover both answers


def test_cached_availability_follows_each_stock_move(
    product, freezer_location, warehouse_user, django_assert_num_queries
):
    company = CompanyFactory()
    lot = _receive(product, freezer_location, warehouse_user, "A1", TODAY + timedelta(days=90), 10)
    assert availability_for(company=company, products=[product], today=TODAY, cached=True)[product.pk].available == 10
    with django_assert_num_queries(0):
        availability_for(company=company, products=[product], today=TODAY, cached=True)

    write_off_stock(lot=lot, location=freezer_location, quantity=3, reason="Thawed", user=warehouse_user)

    assert availability_for(company=company, products=[product], today=TODAY, cached=True)[product.pk].available == 7


def test_a_lot_on_quality_hold_is_neither_sold_nor_allocated_until_released(product, freezer_location, warehouse_user):
    from catalog import allocation

    company = CompanyFactory(min_shelf_life_percent=0)
    held = _receive(product, freezer_location, warehouse_user, "HELD", TODAY + timedelta(days=60), 10)
    _receive(product, freezer_location, warehouse_user, "GOOD", TODAY + timedelta(days=80), 4)
    existing = Allocation.objects.create(lot=held, company=company, quantity=2)
    Lot.objects.filter(pk=held.pk).update(allocated=2)

    waiting = allocation.put_on_hold(lot_id=held.pk, reason="Carton crushed in the freezer")

    assert waiting == [existing]  # what must move to another lot
    assert availability_for(company=company, products=[product], today=TODAY)[product.pk].available == 4
    picks = allocation.pick(company=company, lines=[(product, 6)], today=TODAY)
    assert [(lot.pk, quantity) for lot, quantity in picks.by_product[product.pk]] == [
        (Lot.objects.get(number="GOOD").pk, 4)
    ]
    assert picks.short == {product.pk: 4}

    allocation.release_hold(lot_id=held.pk)
    assert availability_for(company=company, products=[product], today=TODAY)[product.pk].available == 12
