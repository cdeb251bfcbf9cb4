"""Allocation after placement: backorders filled on receipt (FEFO, shelf life, oldest order
first), re-allocation by hand, holds, and cancellation releasing held stock."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from catalog import allocation
from catalog.models import Allocation, Lot
from catalog.services import Receipt, receive_stock
from ordering import services
from ordering.fulfilment.backorders import ReallocationError, fill_backorders, reallocate_allocation
from ordering.models import OrderState
from tests.factories import CompanyFactory, MembershipFactory, StaffFactory, with_second_factor

pytestmark = pytest.mark.django_db


def _line(order):
    return order.lines.get()


def _open_allocations(line):
    return list(
        Allocation.objects.filter(order_line_id=line.pk, released_at__isnull=True)
        .order_by("lot__expiry_date")
        .values_list("lot__number", "quantity")
    )


@pytest.fixture
def backordered(make_product, place_order, company):
    """A product that may be backordered with 4 in stock, and an order for 10 of it (4 held, 6
    backordered)."""
    product = make_product(stock=4, allow_backorder=True)
    order = place_order(product=product, quantity=10, state=OrderState.APPROVED)
    return product, order


def test_it_fills_a_backorder_when_stock_is_received(backordered, stock_in, django_capture_on_commit_callbacks):
    product, order = backordered
    with django_capture_on_commit_callbacks(execute=True):
        stock_in(product, 20, lot="L2", days=200)
    line = _line(order)
    assert (line.allocated_quantity, line.backorder_quantity) == (10, 0)
    assert _open_allocations(line) == [("L2", 6), ("L1", 4)]
    assert Lot.objects.get(number="L2").allocated == 6


def test_it_fills_only_what_arrives_and_leaves_the_rest_backordered(
    backordered, stock_in, django_capture_on_commit_callbacks
):
    product, order = backordered
    with django_capture_on_commit_callbacks(execute=True):
        stock_in(product, 2, lot="L2")
    line = _line(order)
    assert (line.allocated_quantity, line.backorder_quantity) == (6, 4)


def test_oldest_order_is_filled_first(make_product, place_order, stock_in, django_capture_on_commit_callbacks):
    product = make_product(stock=0, allow_backorder=True)
    first = place_order(product=product, quantity=5, state=OrderState.APPROVED)
    second = place_order(product=product, quantity=5, state=OrderState.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        stock_in(product, 7, lot="L2")
    assert _line(first).backorder_quantity == 0
    assert (_line(second).allocated_quantity, _line(second).backorder_quantity) == (2, 3)


def test_it_respects_each_customers_shelf_life_rule(make_product, place_order, stock_in):
    product = make_product(stock=0, allow_backorder=True, shelf_life_days=100)
    picky = CompanyFactory(min_shelf_life_percent=80)
    buyer = MembershipFactory(company=picky).user
    order = place_order(buyer=buyer, product=product, quantity=5, state=OrderState.APPROVED)
    stock_in(product, 10, lot="SHORT", days=50)  # 50% of shelf life left: too short for 80%
    assert fill_backorders(product_ids=[product.pk]) == 0
    stock_in(product, 10, lot="LONG", days=90)
    assert fill_backorders(product_ids=[product.pk]) == 5
    assert _open_allocations(_line(order)) == [("LONG", 5)]


def test_expired_and_held_lots_fill_nothing(make_product, place_order, stock_in):
    product = make_product(stock=0, allow_backorder=True)
    order = place_order(product=product, quantity=5, state=OrderState.APPROVED)
    stock_in(product, 10, lot="OLD", days=-1)
    stock_in(product, 10, lot="HELD", days=200)
    allocation.put_on_hold(lot_id=Lot.objects.get(number="HELD").pk, reason="Damaged pallet")
    assert fill_backorders(product_ids=[product.pk]) == 0
    assert _line(order).backorder_quantity == 5


def test_orders_not_yet_confirmed_or_cancelled_wait(make_product, place_order, stock_in, buyer):
    product = make_product(stock=0, allow_backorder=True)
    order = place_order(product=product, quantity=5, state=OrderState.APPROVED)
    services.cancel_order(order=order, user=buyer)
    stock_in(product, 10, lot="L2")
    assert fill_backorders(product_ids=[product.pk]) == 0
    assert _line(order).backorder_quantity == 5


# Re-allocation ------------------------------------------------------------------------------


def test_reallocating_moves_to_the_next_lot_first_expiry_first_and_keeps_who_and_why(
    make_product, place_order, stock_in
):
    product = make_product(stock=5, allow_backorder=True)  # L1, 300 days
    order = place_order(product=product, quantity=5, state=OrderState.APPROVED)
    stock_in(product, 5, lot="L3", days=250)
    stock_in(product, 5, lot="L2", days=200)
    old = Allocation.objects.get(order_line_id=_line(order).pk)
    staff = StaffFactory()
    result = reallocate_allocation(allocation_id=old.pk, to_lot_id=None, reason="Damaged pallet", user=staff)
    assert result.short == 0
    assert _open_allocations(_line(order)) == [("L2", 5)]
    old.refresh_from_db()
    assert (old.released_by, old.release_reason) == (staff, "Damaged pallet")
    assert old.released_at is not None
    assert [a.replaces_id for a in result.new] == [old.pk]
    assert Lot.objects.get(number="L1").allocated == 0
    assert Lot.objects.get(number="L2").allocated == 5


def test_reallocating_to_a_chosen_lot(backordered, stock_in):
    product, order = backordered
    stock_in(product, 10, lot="L2", days=200)
    stock_in(product, 10, lot="L3", days=250)
    old = Allocation.objects.get(order_line_id=_line(order).pk)
    reallocate_allocation(
        allocation_id=old.pk, to_lot_id=Lot.objects.get(number="L3").pk, reason="Customer asked", user=StaffFactory()
    )
    assert _open_allocations(_line(order)) == [("L3", 4)]


@pytest.mark.parametrize(
    "lot, message",
    [("HELD", "on quality hold"), ("SHORTLIFE", "expires too soon"), ("SMALL", "only 1 free"), ("L1", "another lot")],
)
def test_reallocating_to_an_unfit_lot_is_refused(backordered, stock_in, lot, message):
    product, order = backordered
    stock_in(product, 10, lot="HELD", days=200)
    stock_in(product, 10, lot="SHORTLIFE", days=-2)
    stock_in(product, 1, lot="SMALL", days=200)
    allocation.put_on_hold(lot_id=Lot.objects.get(number="HELD").pk, reason="Failed check")
    old = Allocation.objects.get(order_line_id=_line(order).pk)
    with pytest.raises(ReallocationError, match=message):
        reallocate_allocation(
            allocation_id=old.pk, to_lot_id=Lot.objects.get(number=lot).pk, reason="Why", user=StaffFactory()
        )
    assert _open_allocations(_line(order)) == [("L1", 4)]


def test_an_allocation_on_a_pick_list_is_not_moved_under_the_pickers_feet(backordered, stock_in, freezer_location):
    from ordering.fulfilment.picking import create_pick_list

    product, order = backordered
    stock_in(product, 10, lot="L2", days=200)
    pick_list = create_pick_list(orders=[order], warehouse=freezer_location.warehouse, user=StaffFactory())
    old = Allocation.objects.get(order_line_id=_line(order).pk, released_at__isnull=True)
    with pytest.raises(ReallocationError, match=pick_list.number):
        reallocate_allocation(allocation_id=old.pk, to_lot_id=None, reason="Damaged pallet", user=StaffFactory())
    assert _open_allocations(_line(order)) == [("L1", 4)]


def test_reallocating_without_a_reason_is_refused(backordered):
    _product, order = backordered
    old = Allocation.objects.get(order_line_id=_line(order).pk)
    with pytest.raises(ReallocationError, match="reason"):
        reallocate_allocation(allocation_id=old.pk, to_lot_id=None, reason=" ", user=StaffFactory())


def test_what_no_lot_can_take_goes_back_on_backorder(make_product, place_order, stock_in):
    product = make_product(stock=6, allow_backorder=True)
    order = place_order(product=product, quantity=6, state=OrderState.APPROVED)
    stock_in(product, 2, lot="L2", days=200)
    lot = Lot.objects.get(number="L1")
    held = allocation.put_on_hold(lot_id=lot.pk, reason="Recall")
    assert [a.quantity for a in held] == [6]
    result = reallocate_allocation(allocation_id=held[0].pk, to_lot_id=None, reason="Recall", user=StaffFactory())
    assert result.short == 4
    line = _line(order)
    assert (line.allocated_quantity, line.backorder_quantity) == (2, 4)
    assert Lot.objects.get(pk=lot.pk).allocated == 0


# Cancellation and rejection -----------------------------------------------------------------


def test_cancelling_releases_stock_held_on_a_lot_on_quality_hold(make_product, place_order, buyer):
    product = make_product(stock=5)
    order = place_order(product=product, quantity=5, state=OrderState.APPROVED)
    lot = Lot.objects.get(product=product)
    allocation.put_on_hold(lot_id=lot.pk, reason="Failed check")
    services.cancel_order(order=order, user=buyer)
    lot.refresh_from_db()
    assert (lot.allocated, lot.held_at is not None) == (0, True)
    assert not Allocation.objects.filter(order_line_id=_line(order).pk, released_at__isnull=True).exists()


def test_rejecting_releases_stock_held_on_a_lot_on_quality_hold(make_product, place_order):
    product = make_product(stock=5)
    order = place_order(
        product=product, quantity=5, spending_limit="50.00", state=OrderState.AWAITING_CUSTOMER_APPROVAL
    )
    lot = Lot.objects.get(product=product)
    allocation.put_on_hold(lot_id=lot.pk, reason="Failed check")
    approver = MembershipFactory(company=order.company, role="approver")
    services.decide_customer_approval(order=order, membership=approver, approve=False, comment="Not now")
    lot.refresh_from_db()
    assert lot.allocated == 0
    assert Allocation.objects.filter(lot=lot, released_at__isnull=True).count() == 0


# Racing receipts ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_receipts_racing_fill_each_backorder_once(make_product, place_order, freezer_location):
    product = make_product(stock=0, allow_backorder=True)
    orders = [place_order(product=product, quantity=3, state=OrderState.APPROVED) for _ in range(4)]
    staff = StaffFactory()
    barrier = threading.Barrier(2)
    errors = []

    def receive(lot):
        try:
            barrier.wait(timeout=30)
            receive_stock(
                receipts=[
                    Receipt(
                        product=product,
                        lot_number=lot,
                        expiry_date=timezone.localdate() + timedelta(days=90),
                        quantity=5,
                        location=freezer_location,
                    )
                ],
                user=staff,
            )
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(lot,)) for lot in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    lines = [_line(order) for order in orders]
    assert sum(line.allocated_quantity for line in lines) == 10
    assert [line.backorder_quantity for line in lines] == [0, 0, 0, 2], list(
        Allocation.objects.filter(lot__product=product).values_list("order_line_id", "lot__number", "quantity")
    )
    for line in lines:
        held = Allocation.objects.filter(order_line_id=line.pk, released_at__isnull=True).aggregate(n=Sum("quantity"))
        assert (held["n"] or 0) == line.allocated_quantity
    for lot in Lot.objects.filter(product=product):
        assert lot.allocated == lot.on_hand == 5


# Back office --------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(with_second_factor(user))
    return client


@pytest.fixture
def rivals_backorder(make_product, place_order, staff_sales_rep):
    """A backorder of another rep's customer, "Rival Canteen", on a lot it holds."""
    rival = CompanyFactory(display_name="Rival Canteen", sales_rep=StaffFactory())
    product = make_product(stock=2, allow_backorder=True)
    order = place_order(buyer=MembershipFactory(company=rival).user, product=product, quantity=5)
    return order


def test_the_warehouse_sees_every_backorder_in_a_fixed_number_of_queries(
    backordered, rivals_backorder, staff_warehouse, django_assert_max_num_queries
):
    client = _client(staff_warehouse)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("fulfilment_allocation:backorders"))
    assert response.status_code == 200
    page = response.content.decode()
    assert backordered[1].number in page
    assert rivals_backorder.number in page and "Rival Canteen" in page


def test_a_sales_rep_sees_only_their_customers_backorders(backordered, rivals_backorder, staff_sales_rep, company):
    company.sales_rep = staff_sales_rep
    company.save()
    page = _client(staff_sales_rep).get(reverse("fulfilment_allocation:backorders")).content.decode()
    assert backordered[1].number in page
    assert "Rival Canteen" not in page


def test_the_warehouse_puts_a_lot_on_hold_and_re_allocates_its_allocations(
    backordered, stock_in, staff_warehouse, django_assert_max_num_queries
):
    product, order = backordered
    stock_in(product, 10, lot="L2", days=200)
    lot = Lot.objects.get(number="L1")
    client = _client(staff_warehouse)
    client.post(reverse("fulfilment_allocation:put_on_hold"), {"lot": lot.pk, "reason": "Torn packaging"})
    lot.refresh_from_db()
    assert lot.hold_reason == "Torn packaging"
    with django_assert_max_num_queries(25):
        page = client.get(reverse("fulfilment_allocation:quality_holds")).content.decode()
    assert "Torn packaging" in page and order.number in page
    held = Allocation.objects.get(lot=lot, released_at__isnull=True)
    client.post(reverse("fulfilment_allocation:reallocate"), {"allocation": held.pk, "to_lot": "", "reason": "Torn"})
    assert _open_allocations(_line(order)) == [("L2", 4)]
    client.post(reverse("fulfilment_allocation:release_hold"), {"lot": lot.pk})
    lot.refresh_from_db()
    assert lot.held_at is None


def test_a_sales_rep_can_neither_hold_nor_re_allocate(backordered, staff_sales_rep, company):
    product, order = backordered
    company.sales_rep = staff_sales_rep
    company.save()
    lot = Lot.objects.get(number="L1")
    client = _client(staff_sales_rep)
    client.post(reverse("fulfilment_allocation:put_on_hold"), {"lot": lot.pk, "reason": "Mine"})
    held = Allocation.objects.get(lot=lot)
    client.post(reverse("fulfilment_allocation:reallocate"), {"allocation": held.pk, "reason": "Mine"})
    lot.refresh_from_db()
    assert lot.held_at is None
    assert _open_allocations(_line(order)) == [("L1", 4)]


def test_the_holds_screen_hides_another_reps_customers_allocations(rivals_backorder, staff_sales_rep):
    lot = Lot.objects.get(allocations__order_line_id=_line(rivals_backorder).pk)
    allocation.put_on_hold(lot_id=lot.pk, reason="Failed check")
    page = _client(staff_sales_rep).get(reverse("fulfilment_allocation:quality_holds")).content.decode()
    assert "Failed check" in page
    assert rivals_backorder.number not in page and "Rival" not in page


def test_lifting_a_hold_fills_waiting_backorders(make_product, place_order, stock_in, staff_warehouse):
    product = make_product(stock=0, allow_backorder=True)
    order = place_order(product=product, quantity=4, state=OrderState.APPROVED)
    stock_in(product, 10, lot="HELD", days=200)
    lot = Lot.objects.get(number="HELD")
    allocation.put_on_hold(lot_id=lot.pk, reason="Failed check")
    assert fill_backorders(product_ids=[product.pk]) == 0
    _client(staff_warehouse).post(reverse("fulfilment_allocation:release_hold"), {"lot": lot.pk})
    assert _open_allocations(_line(order)) == [("HELD", 4)]
    assert _line(order).backorder_quantity == 0
