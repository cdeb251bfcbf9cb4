"""Pick lists and pick by scan (ordering.fulfilment.picking and its screens)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import Allocation, Lot, StockLevel, StockMove, TemperatureZone
from catalog.services import Receipt, receive_stock
from ordering.fulfilment.models import PickLine, PickList
from ordering.fulfilment.picking import PickingError, confirm_pick, create_pick_list, start_picking
from ordering.models import OrderEvent, OrderLine, OrderState
from tests.factories import LocationFactory, ProductFactory, StaffFactory, WarehouseFactory, with_second_factor

TODAY = timezone.localdate()


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


@pytest.fixture
def receive(warehouse):
    """receive(product, quantity, location_code, lot=..., days=...): stock into a location of the
    warehouse in the product's zone."""
    user = StaffFactory()

    def book(product, quantity, code, *, lot="L1", days=300):
        location = LocationFactory(warehouse=warehouse, code=code, zone=product.temperature_zone)
        receive_stock(
            receipts=[
                Receipt(
                    product=product,
                    lot_number=lot,
                    expiry_date=TODAY + timedelta(days=days),
                    quantity=quantity,
                    location=location,
                )
            ],
            user=user,
        )
        return Lot.objects.get(product=product, number=lot)

    return book


@pytest.fixture
def product_in(default_list, receive):
    """product_in(zone, code, quantity=...): a priced product of the zone, stocked at `code`."""
    from tests.factories import PriceListEntryFactory

    def make(zone, code, *, quantity=100, lot="L1", sku=None):
        fields = {"sku": sku} if sku else {}
        product = ProductFactory(temperature_zone=zone, tax_rate=Decimal("0"), **fields)
        PriceListEntryFactory(price_list=default_list, product=product, unit_price=Decimal("10.00"))
        receive(product, quantity, code, lot=lot)
        return product

    return make


@pytest.fixture
def picker(staff_warehouse):
    return staff_warehouse


def _approved(place_order, lines):
    return place_order(lines=lines, state=OrderState.APPROVED)


# --- Pick lists -------------------------------------------------------------------------------


def test_a_wave_is_walked_ambient_first_frozen_last_then_by_location(place_order, product_in, warehouse, picker):
    frozen_b = product_in(TemperatureZone.FROZEN, "F-02")
    frozen_a = product_in(TemperatureZone.FROZEN, "F-01")
    chilled = product_in(TemperatureZone.CHILLED, "C-07")
    ambient = product_in(TemperatureZone.AMBIENT, "A-10")
    first = _approved(place_order, [(frozen_b, 2), (chilled, 1)])
    second = _approved(place_order, [(ambient, 3), (frozen_a, 4)])

    pick_list = create_pick_list(orders=[first, second], warehouse=warehouse, user=picker)

    walk = list(pick_list.lines.order_by("sequence").values_list("zone", "location__code", "quantity"))
    assert walk == [
        (TemperatureZone.AMBIENT, "A-10", 3),
        (TemperatureZone.CHILLED, "C-07", 1),
        (TemperatureZone.FROZEN, "F-01", 4),
        (TemperatureZone.FROZEN, "F-02", 2),
    ]
    assert pick_list.number == f"PL-{pick_list.pk:06d}"
    assert set(pick_list.orders.all()) == {first, second}
    # Orders stay approved (and cancellable) until picking starts.
    first.refresh_from_db()
    assert first.state == OrderState.APPROVED


def test_an_allocation_split_over_two_locations_gives_a_pick_at_each(
    place_order, product_in, receive, warehouse, picker
):
    product = product_in(TemperatureZone.FROZEN, "F-01", quantity=3)
    receive(product, 5, "F-09")  # the same lot L1, a second location
    order = _approved(place_order, [(product, 6)])

    pick_list = create_pick_list(orders=[order], warehouse=warehouse, user=picker)

    picks = sorted(pick_list.lines.values_list("location__code", "quantity"))
    assert picks == [("F-01", 1), ("F-09", 5)]


def test_an_order_already_on_a_pick_list_is_not_picked_twice(place_order, product_in, warehouse, picker):
    order = _approved(place_order, [(product_in(TemperatureZone.FROZEN, "F-01"), 2)])
    first = create_pick_list(orders=[order], warehouse=warehouse, user=picker)

    with pytest.raises(PickingError, match=f"already on pick list {first.number}"):
        create_pick_list(orders=[order], warehouse=warehouse, user=picker)
    assert PickLine.objects.count() == 1


def test_only_approved_orders_are_picked(place_order, product_in, warehouse, picker):
    order = _approved(place_order, [(product_in(TemperatureZone.FROZEN, "F-01"), 2)])
    pick_list = create_pick_list(orders=[order], warehouse=warehouse, user=picker)
    start_picking(pick_list=pick_list, user=picker)
    PickList.objects.filter(pk=pick_list.pk).delete()

    with pytest.raises(PickingError, match="only approved orders"):
        create_pick_list(orders=[order], warehouse=warehouse, user=picker)


def test_starting_moves_the_orders_to_picking_once(place_order, product_in, warehouse, picker):
    order = _approved(place_order, [(product_in(TemperatureZone.FROZEN, "F-01"), 2)])
    pick_list = create_pick_list(orders=[order], warehouse=warehouse, user=picker)

    start_picking(pick_list=pick_list, user=picker)
    start_picking(pick_list=pick_list, user=picker)

    order.refresh_from_db()
    assert order.state == OrderState.PICKING
    assert OrderEvent.objects.filter(order=order, to_state=OrderState.PICKING, actor=picker).count() == 1
    assert PickList.objects.get(pk=pick_list.pk).state == PickList.State.PICKING


# --- Confirming picks -------------------------------------------------------------------------


@pytest.fixture
def one_pick(place_order, product_in, warehouse, picker):
    """A pick list of one order of 10 × a frozen product in lot L1 at F-01 (100 on hand)."""
    product = product_in(TemperatureZone.FROZEN, "F-01")
    order = _approved(place_order, [(product, 10)])
    pick_list = create_pick_list(orders=[order], warehouse=warehouse, user=picker)
    return pick_list.lines.get()


def test_a_wrong_lot_is_refused_naming_the_right_one(one_pick, picker):
    with pytest.raises(PickingError) as refused:
        confirm_pick(pick_line=one_pick, lot_number="L9", quantity=10, user=picker)

    assert str(refused.value) == "This is lot L9; take lot L1 from F-01."
    one_pick.refresh_from_db()
    assert not one_pick.confirmed


def test_the_right_lot_scanned_confirms_the_pick_and_finishes_the_list(one_pick, picker):
    line = confirm_pick(pick_line=one_pick, lot_number=" l1 ", quantity=10, user=picker, weight_kg=Decimal("9.870"))

    line.refresh_from_db()
    assert (line.picked_quantity, line.shortfall, line.actual_weight_kg, line.picked_by) == (
        10,
        0,
        Decimal("9.870"),
        picker,
    )
    pick_list = PickList.objects.get(pk=one_pick.pick_list_id)
    assert pick_list.state == PickList.State.DONE and pick_list.completed_at is not None
    # The first pick started the list: the order is being picked.
    assert one_pick.order_line.order.__class__.objects.get(pk=one_pick.order_line.order_id).state == OrderState.PICKING
    # A full pick leaves stock alone: it leaves the warehouse when it ships.
    assert Lot.objects.get(pk=one_pick.lot_id).on_hand == 100


def test_a_lot_that_expired_since_allocation_is_refused(one_pick, picker):
    Lot.objects.filter(pk=one_pick.lot_id).update(expiry_date=TODAY - timedelta(days=1))

    with pytest.raises(PickingError, match="Lot L1 expired on"):
        confirm_pick(pick_line=one_pick, lot_number="L1", quantity=10, user=picker)
    one_pick.refresh_from_db()
    assert not one_pick.confirmed


def test_a_pick_is_confirmed_once(one_pick, picker):
    confirm_pick(pick_line=one_pick, lot_number="L1", quantity=10, user=picker)
    with pytest.raises(PickingError, match="already confirmed"):
        confirm_pick(pick_line=one_pick, lot_number="L1", quantity=10, user=picker)


def test_more_than_allocated_is_refused(one_pick, picker):
    with pytest.raises(PickingError, match="between 0 and 10"):
        confirm_pick(pick_line=one_pick, lot_number="L1", quantity=11, user=picker)


def _ledger_agrees(lot_id):
    lot = Lot.objects.get(pk=lot_id)
    ledger = StockMove.objects.filter(lot_id=lot_id).aggregate(total=Sum("quantity"))["total"]
    levels = StockLevel.objects.filter(lot_id=lot_id).aggregate(total=Sum("quantity"))["total"]
    held = Allocation.objects.filter(lot_id=lot_id, released_at__isnull=True).aggregate(total=Sum("quantity"))["total"]
    assert ledger == levels == lot.on_hand
    assert (held or 0) == lot.allocated
    return lot


def test_a_short_pick_records_the_shortfall_backorders_it_and_corrects_the_stock(one_pick, picker):
    lot_before = Lot.objects.get(pk=one_pick.lot_id)
    free_before = lot_before.on_hand - lot_before.allocated

    confirm_pick(pick_line=one_pick, lot_number="L1", quantity=7, user=picker)

    one_pick.refresh_from_db()
    assert (one_pick.picked_quantity, one_pick.shortfall) == (7, 3)
    line = OrderLine.objects.get(pk=one_pick.order_line_id)
    assert (line.quantity, line.allocated_quantity, line.backorder_quantity) == (10, 7, 3)
    allocation = Allocation.objects.get(pk=one_pick.allocation_id)
    assert allocation.quantity == 7 and allocation.released_at is None
    lot = _ledger_agrees(one_pick.lot_id)
    assert (lot.on_hand, lot.allocated) == (97, 7)
    # The 3 missing units are not sold again: the free stock is what it was.
    assert lot.on_hand - lot.allocated == free_before
    move = StockMove.objects.get(lot=lot, kind=StockMove.Kind.ADJUSTMENT)
    assert (move.quantity, move.user, move.location.code) == (-3, picker, "F-01")
    assert move.reason.startswith("Short pick")


def test_nothing_found_releases_the_allocation(one_pick, picker):
    confirm_pick(pick_line=one_pick, lot_number="L1", quantity=0, user=picker)

    assert Allocation.objects.get(pk=one_pick.allocation_id).released_at is not None
    line = OrderLine.objects.get(pk=one_pick.order_line_id)
    assert (line.allocated_quantity, line.backorder_quantity) == (0, 10)
    lot = _ledger_agrees(one_pick.lot_id)
    assert (lot.on_hand, lot.allocated) == (90, 0)


def test_a_cancelled_order_leaves_the_list_when_picking_starts(place_order, product_in, warehouse, picker, buyer):
    from ordering import services

    kept = _approved(place_order, [(product_in(TemperatureZone.FROZEN, "F-01"), 1)])
    cancelled = _approved(place_order, [(product_in(TemperatureZone.FROZEN, "F-02"), 1)])
    pick_list = create_pick_list(orders=[kept, cancelled], warehouse=warehouse, user=picker)
    services.cancel_order(order=cancelled, user=buyer)

    start_picking(pick_list=pick_list, user=picker)

    assert list(pick_list.orders.all()) == [kept]
    assert list(pick_list.lines.values_list("location__code", flat=True)) == ["F-01"]


# --- Two pickers at once ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_pickers_confirming_the_same_pick_at_once_count_it_once(place_order, product_in, warehouse, picker):
    product = product_in(TemperatureZone.FROZEN, "F-01")
    order = _approved(place_order, [(product, 10)])
    pick = create_pick_list(orders=[order], warehouse=warehouse, user=picker).lines.get()
    other = StaffFactory(email="second-picker@distributor.example")
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(user):
        try:
            barrier.wait(timeout=30)
            confirm_pick(pick_line=pick, lot_number="L1", quantity=7, user=user)
            outcomes.append("picked")
        except PickingError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (picker, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["picked", "refused"]
    lot = _ledger_agrees(pick.lot_id)
    assert (lot.on_hand, lot.allocated) == (97, 7)  # 3 short, once
    line = OrderLine.objects.get(pk=pick.order_line_id)
    assert (line.allocated_quantity, line.backorder_quantity) == (7, 3)
    assert StockMove.objects.filter(lot=lot, kind=StockMove.Kind.ADJUSTMENT).count() == 1
    assert OrderEvent.objects.filter(order=order, to_state=OrderState.PICKING).count() == 1


# --- Screens ----------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(with_second_factor(user))
    return client


def test_the_warehouse_makes_a_pick_list_from_the_queue(place_order, product_in, warehouse, picker):
    order = _approved(place_order, [(product_in(TemperatureZone.FROZEN, "F-01"), 2)])
    client = _client(picker)

    queue = client.get(reverse("fulfilment_admin:queue"))
    assert queue.status_code == 200
    assert order.number in queue.content.decode()
    assert "10.00" not in queue.content.decode()  # no prices for the warehouse

    response = client.post(
        reverse("fulfilment_admin:create_pick_list"), {"orders": [order.pk], "warehouse": warehouse.pk}
    )
    pick_list = PickList.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("fulfilment_admin:pick_list", args=[pick_list.pk])
    assert (
        order.number
        not in client.get(reverse("fulfilment_admin:queue")).content.decode().split('data-section="picking"')[0]
    )


def test_the_pick_screen_refuses_a_wrong_lot_and_takes_the_right_one(one_pick, picker):
    client = _client(picker)
    url = reverse("fulfilment_admin:confirm_pick", args=[one_pick.pick_list_id, one_pick.pk])
    prefix = f"pick-{one_pick.pk}"

    page = client.get(reverse("fulfilment_admin:pick_list", args=[one_pick.pick_list_id])).content.decode()
    assert "autofocus" in page and "F-01" in page and "L1" in page

    wrong = client.post(url, {f"{prefix}-lot_number": "L9", f"{prefix}-quantity": "10"})
    assert wrong.status_code == 400
    assert "This is lot L9; take lot L1 from F-01." in wrong.content.decode()
    assert 'value="L9"' not in wrong.content.decode()  # cleared for the next scan

    right = client.post(url, {f"{prefix}-lot_number": "L1", f"{prefix}-quantity": "10", f"{prefix}-weight_kg": "9.5"})
    assert right.status_code == 302
    one_pick.refresh_from_db()
    assert (one_pick.picked_quantity, one_pick.actual_weight_kg) == (10, Decimal("9.500"))
    assert PickList.objects.get(pk=one_pick.pick_list_id).state == PickList.State.DONE


def test_a_sales_rep_may_not_pick(one_pick, staff_sales_rep):
    client = _client(staff_sales_rep)
    prefix = f"pick-{one_pick.pk}"

    for response in (
        client.get(reverse("fulfilment_admin:queue")),
        client.get(reverse("fulfilment_admin:pick_list", args=[one_pick.pick_list_id])),
        client.post(
            reverse("fulfilment_admin:confirm_pick", args=[one_pick.pick_list_id, one_pick.pk]),
            {f"{prefix}-lot_number": "L1", f"{prefix}-quantity": "10"},
        ),
    ):
        # Wagtail answers a permission denial with a redirect to the admin home.
        assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    one_pick.refresh_from_db()
    assert not one_pick.confirmed


@pytest.mark.parametrize("picks", [2, 20])
def test_the_pick_list_runs_a_fixed_number_of_queries(
    picks, place_order, product_in, warehouse, picker, django_assert_max_num_queries
):
    products = [product_in(TemperatureZone.FROZEN, f"F-{index:02d}") for index in range(picks)]
    order = _approved(place_order, [(product, 1) for product in products])
    pick_list = create_pick_list(orders=[order], warehouse=warehouse, user=picker)
    confirm_pick(pick_line=pick_list.lines.first(), lot_number="L1", quantity=1, user=picker)
    client = _client(picker)
    client.get(reverse("fulfilment_admin:pick_list", args=[pick_list.pk]))  # warm the session

    with django_assert_max_num_queries(14):
        response = client.get(reverse("fulfilment_admin:pick_list", args=[pick_list.pk]))
    assert response.content.decode().count(' data-pick="') == picks

    with django_assert_max_num_queries(16):
        assert client.get(reverse("fulfilment_admin:queue")).status_code == 200
