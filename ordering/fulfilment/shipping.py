"""Shipping: what was picked leaves the warehouse, and its delivery is confirmed.

Verbs:
- `ship(order=..., carrier=..., dispatch_temperature=..., user=...)`: every confirmed pick of the
  order not yet shipped goes out as one Shipment (SH-000001…): its lines (lot, quantity, actual
  weight), the picks linked to it, the stock taken out through `catalog.allocation.ship`, the
  order moved to shipped (nothing left to ship, nothing on backorder) or partly shipped. The
  order's placer is told after commit.
- `confirm_delivery(shipment=..., received_by=..., delivered_at=..., arrival_temperature=...,
  user=...)`: the receiver's name, time and temperature; the order is delivered once all its
  shipments are and nothing is left to ship.

Locks: the order row first (two ships of the same order at once: the second finds its picks
already shipped), then the lots by primary key (catalog's lock order), as placement and
cancellation take them.

Cold chain: a shipment with chilled or frozen goods needs a temperature at dispatch and on
arrival; a reading outside `TEMPERATURE_RANGES` for the coldest zone in it flags the shipment.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import NotificationKind
from accounts.selectors import companies_for_staff, sees_all_companies
from accounts.services import notify
from catalog import allocation
from catalog.services import StockError
from kit import phrases as kit_phrases
from ordering import states
from ordering.models import Order, OrderLine, OrderState
from ordering.notifications import order_params
from ordering.selectors import orders_for_staff

from . import phrases
from .documents import render_delivery_note
from .models import TEMPERATURE_RANGES, ZONE_WALK, PickLine, Shipment, ShipmentLine
from .signals import shipment_shipped

# Orders that may ship what was picked for them.
SHIPPABLE_STATES = (OrderState.PICKING, OrderState.PARTLY_SHIPPED)


class ShippingError(Exception):
    """A shipment or delivery that breaks a rule; the message is for the user."""


# --- Reads ---------------------------------------------------------------------------------------


def picks_to_ship(order: Order) -> QuerySet[PickLine]:
    """The order's confirmed picks that found goods and have not left yet."""
    return PickLine.objects.filter(
        order_line__order=order, picked_at__isnull=False, picked_quantity__gt=0, shipment__isnull=True
    )


def shipments_for_staff(user) -> QuerySet[Shipment]:
    """The shipments of the customers this staff user may see (a sales rep: their own)."""
    if sees_all_companies(user):
        return Shipment.objects.all()
    return Shipment.objects.filter(order__company__in=companies_for_staff(user).values("pk"))


def orders_waiting_to_ship(user) -> QuerySet[Order]:
    """Orders this staff user may see with confirmed picks that have not left yet."""
    waiting = PickLine.objects.filter(picked_at__isnull=False, picked_quantity__gt=0, shipment__isnull=True)
    return (
        orders_for_staff(user)
        .filter(state__in=SHIPPABLE_STATES, pk__in=waiting.values("order_line__order_id"))
        .order_by("placed_at", "pk")
    )


def coldest_zone(zones: Iterable[str]) -> str | None:
    """The coldest zone with a temperature range among `zones` (frozen, then chilled), or None
    when everything is ambient."""
    cold = [zone for zone in set(zones) if zone in TEMPERATURE_RANGES]
    return max(cold, key=lambda zone: ZONE_WALK[zone]) if cold else None


def out_of_range(zone: str | None, reading: Decimal | None) -> bool:
    """Whether a reading breaks the zone's range (no range, or no reading: nothing to break)."""
    if zone is None or reading is None:
        return False
    low, high = TEMPERATURE_RANGES[zone]
    return (low is not None and reading < low) or (high is not None and reading > high)


def shipment_zone(shipment: Shipment) -> str | None:
    """The coldest zone of the goods a shipment carries."""
    return coldest_zone(shipment.lines.values_list("lot__product__temperature_zone", flat=True))


def shipment_number(pk: int) -> str:
    return f"SH-{pk:06d}"


def _nothing_left_to_ship(order: Order) -> bool:
    """Every line shipped in full and nothing on backorder."""
    return not (
        OrderLine.objects.filter(order=order)
        .annotate(shipped=Sum("shipment_lines__quantity"))
        .filter(Q(shipped__isnull=True) | Q(shipped__lt=F("quantity")) | Q(backorder_quantity__gt=0))
        .exists()
    )


# --- Shipping ------------------------------------------------------------------------------------


def ship(*, order: Order, carrier: str, dispatch_temperature: Decimal | None, user, notify: bool = True) -> Shipment:
    """Ship every confirmed, not yet shipped pick of `order` (see the module's docstring).

    `notify=False` writes history (the demo's past shipments): nobody is told and no delivery
    note is rendered after commit (it renders at its first download)."""
    carrier = (carrier or "").strip()
    if not carrier:
        raise ShippingError(_("Say which carrier or vehicle takes the goods."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.state not in SHIPPABLE_STATES:
            raise ShippingError(
                _("Order %(number)s is %(state)s: only an order being picked can ship.")
                % {"number": order.number, "state": states.label(order.state, staff=True)}
            )
        # Lots by primary key: the lock order every stock change shares.
        picks = list(picks_to_ship(order).select_related("lot").order_by("lot_id", "pk"))
        if not picks:
            raise ShippingError(_("Nothing picked for order %(number)s is waiting to ship.") % {"number": order.number})
        zone = coldest_zone(pick.zone for pick in picks)
        if zone is not None and dispatch_temperature is None:
            raise ShippingError(_("Chilled and frozen goods need the temperature at dispatch."))
        shipment = Shipment.objects.create(
            number=f"new-{uuid.uuid4().hex[:12]}",
            order=order,
            carrier=carrier,
            dispatch_temperature=dispatch_temperature,
            shipped_by=user,
            temperature_flagged=out_of_range(zone, dispatch_temperature),
        )
        # Numbered by its row: unique without a counter to lock (a shipment number need not be
        # gapless; invoice numbers are).
        shipment.number = shipment_number(shipment.pk)
        shipment.save(update_fields=["number"])
        ShipmentLine.objects.bulk_create(_shipment_lines(shipment, picks))
        try:
            for pick in picks:
                allocation.ship(
                    allocation_id=pick.allocation_id,
                    lot_id=pick.lot_id,
                    location_id=pick.location_id,
                    quantity=pick.picked_quantity,
                    user=user,
                    reference=shipment.number,
                )
        except StockError as error:
            raise ShippingError(str(error)) from error
        PickLine.objects.filter(pk__in=[pick.pk for pick in picks]).update(shipment=shipment)
        to_state = OrderState.SHIPPED if _nothing_left_to_ship(order) else OrderState.PARTLY_SHIPPED
        states.transition(
            order=order,
            to_state=to_state,
            actor=user,
            phrase=kit_phrases.phrase(phrases.SHIPPED, shipment=shipment.number, carrier=carrier),
        )
        if notify:
            transaction.on_commit(lambda: send_shipped_notification.enqueue(shipment_id=shipment.pk), robust=True)
            # The delivery note is rendered once, in the background, as the shipment leaves.
            transaction.on_commit(lambda: render_delivery_note.enqueue(shipment_id=shipment.pk), robust=True)
            transaction.on_commit(lambda: shipment_shipped.send(sender=Shipment, shipment_id=shipment.pk), robust=True)
    return shipment


def _shipment_lines(shipment: Shipment, picks: list[PickLine]) -> list[ShipmentLine]:
    """One line per order line and lot; the weight is what the picker weighed (none when no
    pick of it was weighed: the product is not sold by weight)."""
    grouped: dict[tuple[int, int], list[PickLine]] = defaultdict(list)
    for pick in picks:
        grouped[(pick.order_line_id, pick.lot_id)].append(pick)
    lines = []
    for (order_line_id, lot_id), group in sorted(grouped.items()):
        weights = [pick.actual_weight_kg for pick in group if pick.actual_weight_kg is not None]
        lines.append(
            ShipmentLine(
                shipment=shipment,
                order_line_id=order_line_id,
                lot_id=lot_id,
                quantity=sum(pick.picked_quantity for pick in group),
                weight_kg=sum(weights, Decimal("0.000")) if weights else None,
            )
        )
    return lines


# --- Delivery ------------------------------------------------------------------------------------


def confirm_delivery(
    *,
    shipment: Shipment,
    received_by: str,
    delivered_at: datetime | None,
    arrival_temperature: Decimal | None,
    user,
) -> Shipment:
    """Record who received the shipment, when, and the temperature on arrival (see the module's
    docstring). An out-of-range reading flags the shipment; the order is delivered once every
    shipment of it is and nothing is left to ship."""
    received_by = (received_by or "").strip()
    if not received_by:
        raise ShippingError(_("Give the name of the person who received the goods."))
    delivered_at = delivered_at or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shipment.order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.state == Shipment.State.DELIVERED:
            raise ShippingError(
                _("Shipment %(number)s was already delivered to %(person)s.")
                % {"number": shipment.number, "person": shipment.received_by}
            )
        # People give the time to the minute: the minute it left is not "before".
        if delivered_at < shipment.shipped_at.replace(second=0, microsecond=0):
            raise ShippingError(_("A shipment cannot arrive before it left."))
        zone = shipment_zone(shipment)
        if zone is not None and arrival_temperature is None:
            raise ShippingError(_("Chilled and frozen goods need the temperature on arrival."))
        shipment.state = Shipment.State.DELIVERED
        shipment.received_by = received_by
        shipment.delivered_at = delivered_at
        shipment.arrival_temperature = arrival_temperature
        shipment.temperature_flagged = shipment.temperature_flagged or out_of_range(zone, arrival_temperature)
        shipment.save(
            update_fields=["state", "received_by", "delivered_at", "arrival_temperature", "temperature_flagged"]
        )
        all_delivered = not order.shipments.exclude(state=Shipment.State.DELIVERED).exists()
        if order.state == OrderState.SHIPPED and all_delivered:
            states.transition(
                order=order,
                to_state=OrderState.DELIVERED,
                actor=user,
                phrase=kit_phrases.phrase(phrases.DELIVERED, received_by=received_by),
            )
    return shipment


# --- Notification --------------------------------------------------------------------------------


@task()
def send_shipped_notification(*, shipment_id: int) -> None:
    """Tell the order's placer that it shipped, in their language (kit.phrases)."""
    shipment = Shipment.objects.select_related("order__company", "order__placed_by").get(pk=shipment_id)
    order = shipment.order
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_SHIPPED,
        params=order_params(order, shipment=shipment.number, carrier=shipment.carrier),
        company=order.company,
        url=reverse("ordering:order_detail", args=[order.number]),
    )
