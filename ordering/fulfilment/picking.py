"""Pick lists and pick by scan: the warehouse's verbs from an approved order to picked goods.

Verbs (keyword-only, one transaction each):

- `create_pick_list(orders=, warehouse=, user=)`: one pick per open allocation of the orders'
  lines whose lot lies in the warehouse (split over locations when the lot lies in several), in
  walking order: zone by `ZONE_WALK` (ambient first, frozen last), then location code. An order
  already on a pick list is refused, so nothing is picked twice. The orders stay approved (and
  cancellable) until picking starts.
- `start_picking(pick_list=, user=)`: the orders move approved → picking (ordering.states);
  an order cancelled since the list was made leaves the list with its picks. The first
  confirmed pick starts the list too.
- `confirm_pick(pick_line=, lot_number=, quantity=, user=, weight_kg=None)`: the lot scanned or
  typed must be the allocated one, neither expired nor on quality hold. Fewer than allocated is
  a short pick: the shortfall goes back on backorder on the order line, the allocation shrinks
  (catalog.allocation.shorten) and the lot's on-hand is corrected by an adjustment with the
  reason "short pick" (catalog.services.adjust_stock): the goods are not there. A line charged
  by weight needs the weight picked; a weight outside the product's tolerance is accepted and
  flagged (`PickLine.weight_flagged`). When every pick is confirmed, the list is done.

Locks, always in this order: the pick list, its pick, then the lot (inside catalog's verbs);
`create_pick_list` and `start_picking` lock the orders by primary key. Stock changes only
through catalog's verbs and orders only through ordering.states.
"""

import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from catalog import allocation as stock_allocation
from catalog import catch_weight
from catalog.models import Allocation, StockLevel, Warehouse
from catalog.services import StockError, adjust_stock
from kit import phrases as kit_phrases
from ordering import states
from ordering.models import Order, OrderLine, OrderState

from . import phrases
from .models import ZONE_WALK, PickLine, PickList


class PickingError(Exception):
    """A pick or pick list the rules refuse; the message is for the picker."""


# --- Pick lists -------------------------------------------------------------------------------


def create_pick_list(*, orders, warehouse: Warehouse, user) -> PickList:
    """A pick list for `orders` (one or a wave) in `warehouse`, its picks in walking order."""
    order_ids = sorted({order.pk for order in orders})
    if not order_ids:
        raise PickingError(_("Choose at least one order to pick."))
    with transaction.atomic():
        locked = list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk"))
        for order in locked:
            if order.state != OrderState.APPROVED:
                raise PickingError(
                    _("Order %(number)s is %(state)s: only approved orders are picked.")
                    % {"number": order.number, "state": states.label(order.state, staff=True)}
                )
        _refuse_orders_already_on_a_list(order_ids)
        picks = _picks_in_walk_order(order_ids, warehouse)
        if not picks:
            raise PickingError(_("Nothing of these orders lies in %(warehouse)s.") % {"warehouse": warehouse.name})
        pick_list = PickList.objects.create(number=f"new-{uuid.uuid4().hex[:16]}", warehouse=warehouse, created_by=user)
        pick_list.number = f"PL-{pick_list.pk:06d}"
        pick_list.save(update_fields=["number"])
        pick_list.orders.set(locked)
        for sequence, pick in enumerate(picks, start=1):
            pick.pick_list = pick_list
            pick.sequence = sequence
        PickLine.objects.bulk_create(picks)
    return pick_list


def _refuse_orders_already_on_a_list(order_ids) -> None:
    taken = (
        PickList.orders.through.objects.filter(order_id__in=order_ids)
        .select_related("order", "picklist")
        .order_by("order__number")
        .first()
    )
    if taken is not None:
        raise PickingError(
            _("Order %(number)s is already on pick list %(list)s.")
            % {"number": taken.order.number, "list": taken.picklist.number}
        )


def _picks_in_walk_order(order_ids, warehouse: Warehouse) -> list[PickLine]:
    """Unsaved picks for the open allocations of the orders' lines, from the warehouse's
    locations holding their lots (the fullest location first), sorted for the walk."""
    lines = {line.pk: line for line in OrderLine.objects.filter(order_id__in=order_ids)}
    allocations = list(
        Allocation.objects.filter(order_line_id__in=lines, released_at__isnull=True).order_by("created_at", "pk")
    )
    levels_by_lot = defaultdict(list)
    for level in (
        StockLevel.objects.filter(
            lot_id__in={a.lot_id for a in allocations}, location__warehouse=warehouse, quantity__gt=0
        )
        .select_related("location")
        .order_by("-quantity", "location__code")
    ):
        levels_by_lot[level.lot_id].append(level)
    left_at = {level.pk: level.quantity for levels in levels_by_lot.values() for level in levels}
    picks = []
    for allocation in allocations:
        needed = allocation.quantity
        for level in levels_by_lot[allocation.lot_id]:
            quantity = min(needed, left_at[level.pk])
            if quantity <= 0:
                continue
            left_at[level.pk] -= quantity
            needed -= quantity
            picks.append(
                PickLine(
                    order_line=lines[allocation.order_line_id],
                    allocation_id=allocation.pk,
                    lot_id=allocation.lot_id,
                    location=level.location,
                    zone=level.location.zone,
                    quantity=quantity,
                )
            )
            if needed == 0:
                break
    picks.sort(
        key=lambda pick: (
            ZONE_WALK.get(pick.zone, len(ZONE_WALK)),
            pick.location.code,
            pick.order_line.sku,
            pick.order_line.order_id,
        )
    )
    return picks


def start_picking(*, pick_list: PickList, user) -> PickList:
    """The picker starts: the list's approved orders move to picking. Starting twice is harmless."""
    with transaction.atomic():
        pick_list = PickList.objects.select_for_update().get(pk=pick_list.pk)
        _start(pick_list, user)
    return pick_list


def _start(pick_list: PickList, user) -> None:
    """Caller holds the pick list's lock."""
    if pick_list.state != PickList.State.OPEN:
        return
    orders = list(Order.objects.select_for_update(of=("self",)).filter(pick_lists=pick_list).order_by("pk"))
    gone = [order for order in orders if order.state != OrderState.APPROVED]
    for order in orders:
        if order.state == OrderState.APPROVED:
            states.transition(
                order=order,
                to_state=OrderState.PICKING,
                actor=user,
                phrase=kit_phrases.phrase(phrases.PICKING_STARTED, number=pick_list.number),
            )
    if gone:
        # Cancelled since the list was made: their stock is released, nothing to pick.
        PickLine.objects.filter(pick_list=pick_list, order_line__order__in=gone).delete()
        pick_list.orders.remove(*gone)
    pick_list.state = PickList.State.PICKING
    pick_list.started_at = timezone.now()
    pick_list.save(update_fields=["state", "started_at"])


# --- Confirming a pick ------------------------------------------------------------------------


def confirm_pick(
    *, pick_line: PickLine, lot_number: str, quantity: int, user, weight_kg: Decimal | None = None
) -> PickLine:
    """Confirm one pick with the lot in the picker's hand and the quantity taken (see the module)."""
    with transaction.atomic():
        pick_list = PickList.objects.select_for_update().get(pk=pick_line.pick_list_id)
        _start(pick_list, user)
        try:
            line = (
                PickLine.objects.select_for_update(of=("self",))
                .select_related("lot", "location", "order_line", "picked_by")
                .get(pk=pick_line.pk)
            )
        except PickLine.DoesNotExist:
            raise PickingError(_("This pick is no longer on the list: its order was cancelled.")) from None
        _check(line, lot_number=lot_number, quantity=quantity, weight_kg=weight_kg)
        shortfall = line.quantity - quantity
        if shortfall:
            _short_pick(line, shortfall=shortfall, pick_list=pick_list, user=user)
        line.picked_quantity = quantity
        line.shortfall = shortfall
        line.actual_weight_kg = weight_kg
        line.picked_by = user
        line.picked_at = timezone.now()
        line.save(update_fields=["picked_quantity", "shortfall", "actual_weight_kg", "picked_by", "picked_at"])
        if not PickLine.objects.filter(pick_list=pick_list, picked_at__isnull=True).exists():
            pick_list.state = PickList.State.DONE
            pick_list.completed_at = timezone.now()
            pick_list.save(update_fields=["state", "completed_at"])
    return line


def _check(line: PickLine, *, lot_number: str, quantity: int, weight_kg: Decimal | None) -> None:
    lot = line.lot
    where = {"lot": lot.number, "location": line.location.code}
    if line.confirmed:
        raise PickingError(
            _("This pick was already confirmed by %(person)s at %(when)s.")
            % {
                "person": line.picked_by,
                "when": date_format(timezone.localtime(line.picked_at), "SHORT_DATETIME_FORMAT"),
            }
        )
    typed = (lot_number or "").strip()
    if not typed:
        raise PickingError(_("Scan or type the lot number: take lot %(lot)s from %(location)s.") % where)
    if typed.casefold() != lot.number.casefold():
        raise PickingError(_("This is lot %(typed)s; take lot %(lot)s from %(location)s.") % {"typed": typed, **where})
    if lot.expiry_date < timezone.localdate():
        raise PickingError(
            _("Lot %(lot)s expired on %(date)s: do not pick it; put it aside and ask for this line to be re-allocated.")
            % {"lot": lot.number, "date": date_format(lot.expiry_date, "SHORT_DATE_FORMAT")}
        )
    if lot.held_at is not None:
        raise PickingError(
            _("Lot %(lot)s is on quality hold: do not pick it; ask for this line to be re-allocated.") % where
        )
    if quantity is None or quantity < 0 or quantity > line.quantity:
        raise PickingError(
            _("Pick between 0 and %(quantity)s of lot %(lot)s.") % {"quantity": line.quantity, "lot": lot.number}
        )
    if weight_kg is not None and weight_kg <= 0:
        raise PickingError(_("A weight must be more than 0 kg."))
    if weight_kg is not None and quantity == 0:
        raise PickingError(_("Nothing was picked, so there is nothing to weigh."))
    _check_weight(line, quantity=quantity, weight_kg=weight_kg)


def _check_weight(line: PickLine, *, quantity: int, weight_kg: Decimal | None) -> None:
    """Catch weight (helper "catch"): a line charged by weight (as ordered) is confirmed only with
    the weight picked; one outside the product's tolerance is accepted and flagged on the pick
    (`PickLine.weight_flagged`) and the shipment line."""
    if line.order_line.catch_weight and quantity and weight_kg is None:
        raise PickingError(
            _(
                "%(sku)s is charged by weight: weigh the %(quantity)s picked and enter the weight "
                "in kg (about %(weight)s kg)."
            )
            % {
                "sku": line.order_line.sku,
                "quantity": quantity,
                "weight": catch_weight.format_kg(
                    catch_weight.estimated_weight_kg(
                        nominal_weight_kg=line.order_line.nominal_weight_kg, quantity=quantity
                    )
                ),
            }
        )


def _short_pick(line: PickLine, *, shortfall: int, pick_list: PickList, user) -> None:
    """`shortfall` of the pick was not on the shelf: back on backorder, the allocation shrinks,
    and on-hand is corrected at the location (as far as the location's books still hold it)."""
    stock_allocation.shorten(allocation_id=line.allocation_id, by=shortfall)
    OrderLine.objects.filter(pk=line.order_line_id).update(
        allocated_quantity=F("allocated_quantity") - shortfall,
        backorder_quantity=F("backorder_quantity") + shortfall,
    )
    booked = (
        StockLevel.objects.filter(lot_id=line.lot_id, location_id=line.location_id)
        .values_list("quantity", flat=True)
        .first()
        or 0
    )
    missing = min(shortfall, booked)
    if missing:
        try:
            adjust_stock(
                lot=line.lot,
                location=line.location,
                quantity=-missing,
                reason=_("Short pick on %(list)s") % {"list": pick_list.number},
                user=user,
            )
        except StockError as error:
            raise PickingError(str(error)) from error
