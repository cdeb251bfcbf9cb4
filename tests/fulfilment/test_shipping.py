"""Shipping: picked goods leave the warehouse as a shipment (stock out through catalog's verb,
the order shipped or partly shipped), delivery is confirmed, the customer sees it.

Picks are made here directly with the models (the pick screens are built separately): a
confirmed pick per allocation of the order, at the location its lot lies."""

import threading
from decimal import Decimal
from functools import partial

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Notification, NotificationKind
from catalog import allocation as catalog_allocation
from catalog.models import Allocation, Lot, StockLevel, StockMove, TemperatureZone
from catalog.services import StockError
from ordering import states
from ordering.fulfilment import shipping
from ordering.fulfilment.models import PickLine, PickList, Shipment
from ordering.fulfilment.shipping import ShippingError
from ordering.models import Order, OrderState
from portal.dashboards.tasks import recompute_sales_day
from tests.factories import CompanyFactory, with_second_factor

# --- Helpers ---------------------------------------------------------------------------------


def _picking(order, user, *, picked=None, weight=None, only=None):
    """Start picking `order` and confirm one pick per open allocation. `picked`: how many each
    pick found (default: all of it; fewer is a short pick); `only`: the order lines to pick."""
    if order.state == OrderState.APPROVED:
        states.transition(order=order, to_state=OrderState.PICKING, actor=user)
    pick_list = PickList.objects.create(
        number=f"PL-{PickList.objects.count() + 1}",
        warehouse=StockLevel.objects.select_related("location__warehouse").first().location.warehouse,
        created_by=user,
    )
    pick_list.orders.add(order)
    for sequence, line in enumerate(order.lines.all()):
        if only is not None and line not in only:
            continue
        for held in Allocation.objects.filter(order_line_id=line.pk, released_at__isnull=True).select_related("lot"):
            level = StockLevel.objects.select_related("location").filter(lot=held.lot, quantity__gt=0).first()
            quantity = held.quantity if picked is None else picked
            PickLine.objects.create(
                pick_list=pick_list,
                order_line=line,
                allocation_id=held.pk,
                lot=held.lot,
                location=level.location,
                zone=level.location.zone,
                sequence=sequence,
                quantity=held.quantity,
                picked_quantity=quantity,
                shortfall=held.quantity - quantity,
                actual_weight_kg=weight,
                picked_by=user,
                picked_at=timezone.now(),
            )
    return pick_list


def _ledger_agrees(lot: Lot):
    lot = Lot.objects.get(pk=lot.pk)
    assert StockMove.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] == lot.on_hand
    assert StockLevel.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] == lot.on_hand
    held = Allocation.objects.filter(lot=lot, released_at__isnull=True).aggregate(total=Sum("quantity"))["total"]
    assert lot.allocated == (held or 0)
    return lot


@pytest.fixture
def warehouse_user(staff_warehouse):
    return staff_warehouse


@pytest.fixture
def order(place_order, make_product):
    product = make_product(price="50.00", tax_rate="0", stock=20)
    return place_order(product=product, quantity=6, state=OrderState.APPROVED)


# --- The catalog verb ------------------------------------------------------------------------


def test_the_catalog_verb_takes_stock_out_and_keeps_the_ledger(order, warehouse_user):
    held = Allocation.objects.get(order_line_id=order.lines.get().pk)
    level = StockLevel.objects.get(lot=held.lot)

    catalog_allocation.ship(
        allocation_id=held.pk,
        lot_id=held.lot_id,
        location_id=level.location_id,
        quantity=4,
        user=warehouse_user,
        reference="SH-TEST",
    )

    lot = _ledger_agrees(held.lot)
    assert (lot.on_hand, lot.allocated) == (16, 2)
    assert Allocation.objects.get(pk=held.pk).quantity == 2
    move = StockMove.objects.filter(lot=lot).latest("pk")
    assert (move.kind, move.quantity, move.reference) == (StockMove.Kind.SHIPMENT, -4, "SH-TEST")


def test_the_catalog_verb_refuses_more_than_the_allocation_holds(order, warehouse_user):
    held = Allocation.objects.get(order_line_id=order.lines.get().pk)
    level = StockLevel.objects.get(lot=held.lot)
    with pytest.raises(StockError):
        catalog_allocation.ship(
            allocation_id=held.pk,
            lot_id=held.lot_id,
            location_id=level.location_id,
            quantity=7,
            user=warehouse_user,
            reference="",
        )
    assert Lot.objects.get(pk=held.lot_id).on_hand == 20


# --- Shipping ---------------------------------------------------------------------------------


def test_it_ships_everything_picked_and_the_order_is_shipped(order, warehouse_user):
    _picking(order, warehouse_user)

    shipment = shipping.ship(
        order=order, carrier="Van 沪A-12345", dispatch_temperature=Decimal("-20.0"), user=warehouse_user
    )

    assert shipment.number == f"SH-{shipment.pk:06d}"
    assert not shipment.temperature_flagged
    line = shipment.lines.get()
    assert (line.quantity, line.lot.number) == (6, "L1")
    assert set(PickLine.objects.values_list("shipment_id", flat=True)) == {shipment.pk}
    assert Order.objects.get(pk=order.pk).state == OrderState.SHIPPED
    lot = _ledger_agrees(line.lot)
    assert (lot.on_hand, lot.allocated) == (14, 0)
    assert Allocation.objects.get(order_line_id=line.order_line_id).released_at is not None
    event = order.events.latest("pk")
    assert event.phrase["params"]["shipment"] == shipment.number


def test_a_short_pick_ships_what_there_is_and_the_order_is_partly_shipped(order, warehouse_user):
    _picking(order, warehouse_user, picked=4)

    shipment = shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-19"), user=warehouse_user)

    assert shipment.lines.get().quantity == 4
    assert Order.objects.get(pk=order.pk).state == OrderState.PARTLY_SHIPPED
    lot = _ledger_agrees(shipment.lines.get().lot)
    assert lot.on_hand == 16


def test_a_second_shipment_completes_the_order(place_order, make_product, warehouse_user):
    wings, drums = make_product(tax_rate="0", stock=10), make_product(tax_rate="0", stock=10)
    order = place_order(lines=[(wings, 2), (drums, 3)], state=OrderState.APPROVED)
    first_line, second_line = order.lines.order_by("pk")
    _picking(order, warehouse_user, only=[first_line])

    shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user)
    assert Order.objects.get(pk=order.pk).state == OrderState.PARTLY_SHIPPED

    _picking(Order.objects.get(pk=order.pk), warehouse_user, only=[second_line])
    second = shipping.ship(order=order, carrier="Van 2", dispatch_temperature=Decimal("-20"), user=warehouse_user)

    assert second.lines.get().order_line == second_line
    assert Order.objects.get(pk=order.pk).state == OrderState.SHIPPED
    assert order.shipments.count() == 2


def test_nothing_picked_is_refused(order, warehouse_user):
    states.transition(order=order, to_state=OrderState.PICKING, actor=warehouse_user)
    with pytest.raises(ShippingError, match="Nothing picked"):
        shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user)
    assert not Shipment.objects.exists()


def test_frozen_goods_need_a_dispatch_temperature(order, warehouse_user):
    _picking(order, warehouse_user)
    with pytest.raises(ShippingError, match="temperature at dispatch"):
        shipping.ship(order=order, carrier="Van 1", dispatch_temperature=None, user=warehouse_user)
    assert not Shipment.objects.exists()
    assert Lot.objects.get().on_hand == 20
    assert Order.objects.get(pk=order.pk).state == OrderState.PICKING


@pytest.mark.parametrize(("reading", "flagged"), [("-25.0", False), ("-18.0", False), ("-17.9", True), ("3.0", True)])
def test_a_dispatch_reading_out_of_the_frozen_range_flags_the_shipment(order, warehouse_user, reading, flagged):
    _picking(order, warehouse_user)
    shipment = shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal(reading), user=warehouse_user)
    assert shipment.temperature_flagged is flagged


def test_the_coldest_zone_decides_the_range():
    assert shipping.coldest_zone([TemperatureZone.CHILLED, TemperatureZone.FROZEN]) == TemperatureZone.FROZEN
    assert shipping.coldest_zone([TemperatureZone.AMBIENT]) is None
    assert shipping.out_of_range(TemperatureZone.CHILLED, Decimal("5.0"))
    assert not shipping.out_of_range(TemperatureZone.CHILLED, Decimal("2.0"))


def test_ambient_goods_ship_without_a_temperature(place_order, make_product, warehouse_user, freezer_location):
    freezer_location.zone = TemperatureZone.AMBIENT  # a dry-store shelf
    freezer_location.save()
    rice = make_product(tax_rate="0", stock=5, temperature_zone=TemperatureZone.AMBIENT)
    order = place_order(product=rice, quantity=2, state=OrderState.APPROVED)
    _picking(order, warehouse_user)

    shipment = shipping.ship(order=order, carrier="Courier", dispatch_temperature=None, user=warehouse_user)

    assert not shipment.temperature_flagged
    assert Order.objects.get(pk=order.pk).state == OrderState.SHIPPED


def test_catch_weight_goes_on_the_shipment_line(order, warehouse_user):
    _picking(order, warehouse_user, weight=Decimal("12.345"))
    shipment = shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user)
    assert shipment.lines.get().weight_kg == Decimal("12.345")


# --- Delivery --------------------------------------------------------------------------------


def _shipped(order, user, *, picked=None):
    _picking(order, user, picked=picked)
    return shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=user)


def test_delivery_makes_the_order_delivered(order, warehouse_user):
    shipment = _shipped(order, warehouse_user)

    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef Wang",
        delivered_at=None,
        arrival_temperature=Decimal("-18.5"),
        user=warehouse_user,
    )

    shipment.refresh_from_db()
    assert (shipment.state, shipment.received_by, shipment.temperature_flagged) == ("delivered", "Chef Wang", False)
    assert Order.objects.get(pk=order.pk).state == OrderState.DELIVERED


def test_a_warm_arrival_flags_the_shipment(order, warehouse_user):
    shipment = _shipped(order, warehouse_user)
    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef Wang",
        delivered_at=None,
        arrival_temperature=Decimal("-5"),
        user=warehouse_user,
    )
    assert Shipment.objects.get(pk=shipment.pk).temperature_flagged


def test_a_cold_delivery_needs_the_arrival_temperature(order, warehouse_user):
    shipment = _shipped(order, warehouse_user)
    with pytest.raises(ShippingError, match="temperature on arrival"):
        shipping.confirm_delivery(
            shipment=shipment, received_by="Chef Wang", delivered_at=None, arrival_temperature=None, user=warehouse_user
        )
    assert Shipment.objects.get(pk=shipment.pk).state == Shipment.State.SHIPPED


def test_a_partly_shipped_order_is_not_delivered_by_its_first_shipment(order, warehouse_user):
    shipment = _shipped(order, warehouse_user, picked=2)
    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef Wang",
        delivered_at=None,
        arrival_temperature=Decimal("-20"),
        user=warehouse_user,
    )
    assert Order.objects.get(pk=order.pk).state == OrderState.PARTLY_SHIPPED


def test_a_delivery_is_confirmed_once(order, warehouse_user):
    shipment = _shipped(order, warehouse_user)
    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef Wang",
        delivered_at=None,
        arrival_temperature=Decimal("-20"),
        user=warehouse_user,
    )
    with pytest.raises(ShippingError, match="already delivered"):
        shipping.confirm_delivery(
            shipment=shipment,
            received_by="Someone",
            delivered_at=None,
            arrival_temperature=Decimal("-20"),
            user=warehouse_user,
        )


# --- Notification ----------------------------------------------------------------------------


def test_the_placer_is_told_in_their_language(order, warehouse_user, django_capture_on_commit_callbacks):
    order.placed_by.language = "zh-hans"
    order.placed_by.save(update_fields=["language"])
    _picking(order, warehouse_user)

    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user)

    notification = Notification.objects.get(user=order.placed_by, kind=NotificationKind.ORDER_SHIPPED)
    assert notification.params["shipment"] == shipment.number
    with translation.override("zh-hans"):
        assert "已发货" in notification.title and order.number in notification.title
    with translation.override("en"):
        assert notification.title == f"Order {order.number} has shipped"
    sent = [message for message in mail.outbox if order.number in message.subject]
    assert sent and "已发货" in sent[-1].subject


def test_the_delivery_note_is_rendered_and_stored_once_the_shipment_commits(
    order, warehouse_user, django_capture_on_commit_callbacks
):
    _picking(order, warehouse_user)

    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user)

    shipment.refresh_from_db()
    assert shipment.delivery_note.name.endswith(".pdf")
    assert shipment.delivery_note.read().startswith(b"%PDF")


# --- The customer's order page ---------------------------------------------------------------


def _customer_page(user, order):
    client = Client()
    client.force_login(user)
    return client.get(reverse("ordering:order_detail", args=[order.number]))


def test_the_customer_sees_lots_expiry_and_temperatures(order, warehouse_user, buyer):
    shipment = _shipped(order, warehouse_user)
    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef Wang",
        delivered_at=None,
        arrival_temperature=Decimal("-19.5"),
        user=warehouse_user,
    )
    lot = Lot.objects.get()

    page = _customer_page(buyer, order).content.decode()

    assert shipment.number in page
    assert "Lot L1, best before" in page and lot.expiry_date.strftime("%Y") in page
    assert "-20.0 °C" in page and "-19.5 °C" in page
    assert "received by Chef Wang" in page
    assert "Van 1" in page
    # The timeline says how it left in plain words: quotes are kept for what people wrote.
    assert f'data-testid="timeline-note">Shipment {shipment.number} left the warehouse with Van 1.</p>' in page
    assert "“Shipment" not in page


def test_the_order_page_runs_the_same_queries_for_one_or_three_shipments(
    place_order, make_product, warehouse_user, buyer, django_assert_max_num_queries
):
    product = make_product(tax_rate="0", stock=30)
    one = place_order(product=product, quantity=3, state=OrderState.APPROVED)
    _shipped(one, warehouse_user)
    three = place_order(product=product, quantity=3, state=OrderState.APPROVED)
    for _ in range(3):  # a pick of one each time: three shipments
        _shipped(Order.objects.get(pk=three.pk), warehouse_user, picked=1)

    client = Client()
    client.force_login(buyer)
    with CaptureQueriesContext(connection) as queries_one:
        page = client.get(reverse("ordering:order_detail", args=[one.number]))
    assert page.content.decode().count('data-testid="shipment"') == 1

    with django_assert_max_num_queries(len(queries_one)):
        page = client.get(reverse("ordering:order_detail", args=[three.number]))
    assert page.content.decode().count('data-testid="shipment"') == 3


def test_another_company_gets_404_for_the_shipped_order(order, warehouse_user, outsider):
    _shipped(order, warehouse_user)
    assert _customer_page(outsider, order).status_code == 404


# --- Back office: who may ship ---------------------------------------------------------------


def _staff_client(user):
    client = Client()
    client.force_login(with_second_factor(user))
    return client


def test_the_warehouse_ships_from_the_back_office(order, warehouse_user):
    _picking(order, warehouse_user)
    client = _staff_client(warehouse_user)
    url = reverse("fulfilment_shipping:ship", args=[order.pk])

    form = client.get(url)
    assert form.status_code == 200 and "L1" in form.content.decode() and "¥" not in form.content.decode()
    response = client.post(url, {"carrier": "Van 9", "dispatch_temperature": "-21.0"})

    assert response.status_code == 302
    assert Shipment.objects.get().carrier == "Van 9"


def test_the_ship_form_asks_for_the_temperature(order, warehouse_user):
    _picking(order, warehouse_user)
    response = _staff_client(warehouse_user).post(
        reverse("fulfilment_shipping:ship", args=[order.pk]), {"carrier": "Van 9"}
    )
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert not Shipment.objects.exists()


def test_the_warehouse_confirms_a_delivery_and_finds_it_flagged(order, warehouse_user):
    shipment = _shipped(order, warehouse_user)
    client = _staff_client(warehouse_user)

    response = client.post(
        reverse("fulfilment_shipping:confirm_delivery", args=[shipment.pk]),
        {
            "received_by": "Chef Wang",
            "delivered_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "arrival_temperature": "-2",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    flagged = client.get(reverse("fulfilment_shipping:shipments") + "?flagged=1").content.decode()
    assert shipment.number in flagged and "Temperature out of range" in flagged


@pytest.mark.parametrize("role", ["staff_sales_rep", "staff_finance", "staff_manager", "staff_order_approver"])
def test_other_roles_may_not_ship(order, warehouse_user, role, request):
    _picking(order, warehouse_user)
    client = _staff_client(request.getfixturevalue(role))
    client.post(reverse("fulfilment_shipping:ship", args=[order.pk]), {"carrier": "Van", "dispatch_temperature": "-20"})
    assert not Shipment.objects.exists()
    assert Lot.objects.get().on_hand == 20


def test_a_sales_rep_sees_only_their_own_customers_shipments(order, warehouse_user, staff_sales_rep, place_order):
    order.company.sales_rep = staff_sales_rep
    order.company.save()
    ours = _shipped(order, warehouse_user)
    other = CompanyFactory(display_name="Rival Canteen")
    rival_order = place_order(company=other, state=OrderState.APPROVED)
    theirs = _shipped(rival_order, warehouse_user)

    page = _staff_client(staff_sales_rep).get(reverse("fulfilment_shipping:shipments")).content.decode()

    assert ours.number in page and theirs.number not in page and "Rival" not in page


# --- Concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_ships_of_the_same_order_at_once_ship_once(order, warehouse_user):
    _picking(order, warehouse_user)
    barrier = threading.Barrier(2)
    outcomes = []

    def ship():
        try:
            barrier.wait(timeout=30)
            shipping.ship(order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user)
            outcomes.append("shipped")
        except ShippingError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ship) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused", "shipped"]
    assert Shipment.objects.count() == 1
    lot = _ledger_agrees(Lot.objects.get())
    assert lot.on_hand == 14


def test_history_ships_without_telling_anyone_or_rendering_a_note(
    order, warehouse_user, django_capture_on_commit_callbacks
):
    _picking(order, warehouse_user)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shipment = shipping.ship(
            order=order, carrier="Van 1", dispatch_temperature=Decimal("-20"), user=warehouse_user, notify=False
        )

    # Only the cache's own after-commit forgetting and the sales figures' recompute of the order's
    # day (portal.dashboards.receivers) are queued: no notice, no rendering.
    figures = [c for c in callbacks if isinstance(c, partial) and c.func == recompute_sales_day.enqueue]
    others = [c.__qualname__ for c in callbacks if c not in figures]
    assert others == ["forget_now_and_on_commit.<locals>.<lambda>"]
    assert not Notification.objects.filter(user=order.placed_by, kind=NotificationKind.ORDER_SHIPPED).exists()
    shipment.refresh_from_db()
    assert not shipment.delivery_note
