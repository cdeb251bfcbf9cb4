"""The warehouse queue runs the same queries whatever the number of rows in its four sections
(issue 12: "the warehouse queue at --scale large runs a fixed number of queries"; measured at
scale in bench/scenarios_fulfilment.py). The trace page's count is in test_trace.py."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Allocation, StockLevel, TemperatureZone, Warehouse
from catalog.services import Receipt, receive_stock
from ordering.fulfilment import shipping
from ordering.fulfilment.models import PickLine, PickList
from ordering.fulfilment.picking import create_pick_list
from ordering.models import OrderState
from tests.factories import LocationFactory, with_second_factor


def _picked_list(order, user, *, state=PickList.State.DONE):
    """`order` picking, on a list whose every pick is confirmed (state DONE) or none (OPEN)."""
    from ordering import states

    states.transition(order=order, to_state=OrderState.PICKING, actor=user)
    level = StockLevel.objects.select_related("location__warehouse").first()
    pick_list = PickList.objects.create(
        number=f"PL-Q{PickList.objects.count() + 1}", warehouse=level.location.warehouse, created_by=user, state=state
    )
    pick_list.orders.add(order)
    done = state == PickList.State.DONE
    for sequence, line in enumerate(order.lines.all()):
        for held in Allocation.objects.filter(order_line_id=line.pk, released_at__isnull=True).select_related("lot"):
            level = StockLevel.objects.select_related("location").filter(lot=held.lot, quantity__gt=0).first()
            PickLine.objects.create(
                pick_list=pick_list, order_line=line, allocation_id=held.pk, lot=held.lot, location=level.location,
                zone=level.location.zone, sequence=sequence, quantity=held.quantity,
                picked_quantity=held.quantity if done else None, picked_by=user if done else None,
                picked_at=timezone.now() if done else None,
            )  # fmt: skip
    return pick_list


def _fill_queue(place_order, product, user, rows: int) -> None:
    """`rows` rows in each of the queue's sections: to pick, picking, picked, shipped today."""
    for _ in range(rows):
        place_order(product=product, quantity=1, state=OrderState.APPROVED)  # to pick
        waiting = place_order(product=product, quantity=1, state=OrderState.APPROVED)
        create_pick_list(
            orders=[waiting], warehouse=StockLevel.objects.first().location.warehouse, user=user
        )  # picking (open)
        _picked_list(place_order(product=product, quantity=1, state=OrderState.APPROVED), user)  # picked
        gone = place_order(product=product, quantity=1, state=OrderState.APPROVED)
        _picked_list(gone, user)
        gone.refresh_from_db()
        shipping.ship(order=gone, carrier="Van 1", dispatch_temperature=Decimal("-20.0"), user=user)  # shipped today


@pytest.mark.django_db(transaction=False)
def test_the_queue_runs_the_same_queries_for_one_row_or_six_in_each_section(
    place_order, make_product, staff_warehouse, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    product = make_product(tax_rate="0", stock=200)
    client = Client()
    client.force_login(with_second_factor(staff_warehouse))
    url = reverse("fulfilment_admin:queue")
    with django_capture_on_commit_callbacks(execute=False):
        _fill_queue(place_order, product, staff_warehouse, 1)
    client.get(url)  # the session and the admin's own first reads
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert page.count('name="orders"') == 1

    with django_capture_on_commit_callbacks(execute=False):
        _fill_queue(place_order, product, staff_warehouse, 5)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('name="orders"') == 6  # a checkbox per order to pick
    assert "(6)" in page  # each section's heading counts its rows
    for section in ("to-pick", "picking", "picked", "shipped-today"):
        assert f'data-section="{section}"' in page


# --- Which warehouse the "create pick list" form preselects --------------------------------------


def _selected_warehouse(page: str) -> str:
    """The name of the warehouse option marked selected in the queue's form."""
    [name] = re.findall(r'<option value="\d+" selected>([^<]+)</option>', page)
    return name


def test_the_queue_preselects_the_warehouse_holding_the_waiting_orders_stock(
    place_order, make_product, stock_in, staff_warehouse
):
    # Guangzhou comes first by code; the waiting orders' stock lies in Shanghai (stock_in's store).
    guangzhou = Warehouse.objects.create(code="gz1", name="Guangzhou cold store")
    client = Client()
    client.force_login(with_second_factor(staff_warehouse))
    url = reverse("fulfilment_admin:queue")
    shanghai_product = make_product(stock=50)
    first = place_order(product=shanghai_product, quantity=2, state=OrderState.APPROVED)
    place_order(product=shanghai_product, quantity=3, state=OrderState.APPROVED)
    assert _selected_warehouse(client.get(url).content.decode()) == "Shanghai cold store"

    # More units waiting in Guangzhou: Guangzhou is preselected.
    guangzhou_product = make_product(stock=0)
    receive_stock(
        receipts=[
            Receipt(
                product=guangzhou_product,
                lot_number="G1",
                expiry_date=timezone.localdate() + timedelta(days=300),
                quantity=40,
                location=LocationFactory(warehouse=guangzhou, code="G-01", zone=TemperatureZone.FROZEN),
            )
        ],
        user=staff_warehouse,
    )
    place_order(product=guangzhou_product, quantity=9, state=OrderState.APPROVED)
    assert _selected_warehouse(client.get(url).content.decode()) == "Guangzhou cold store"

    # The user's own choice is kept in their session over the busiest store.
    shanghai = Warehouse.objects.get(code="sh1")
    response = client.post(
        reverse("fulfilment_admin:create_pick_list"), {"orders": [first.pk], "warehouse": shanghai.pk}
    )
    assert response.status_code == 302
    assert _selected_warehouse(client.get(url).content.decode()) == "Shanghai cold store"
    other = Client()
    other.force_login(staff_warehouse)
    assert _selected_warehouse(other.get(url).content.decode()) == "Guangzhou cold store"
