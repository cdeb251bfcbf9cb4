"""The warehouse's part of the demo history, done with fulfilment's own verbs.

`portal.demo.orders` tells each order's story; once an order is approved and its time has come,
the warehouse here picks it (`ordering.fulfilment.picking`: a pick list, picking started, every
pick confirmed with its lot), ships it (`ordering.fulfilment.shipping.ship`: a carrier, the
temperature at dispatch) and the customer signs for it (`confirm_delivery`: who, when, the
temperature on arrival). Stock leaves the history lots through those verbs (catalog's `ship`,
`shorten` and the "short pick" adjustment), so the ledger has one shipment move per pick.

Dates: the verbs stamp "now"; after each one, the rows it stamped in the block (pick list,
picks, shipment, stock moves, released allocations; the order's events are dated by the
caller's `_dated`) are set to the historic time with plain queryset updates, as the rest of the
demo history is backdated. `confirm_delivery` takes its time as an argument.

Short picks: the recent partly shipped order (SCENARIOS in orders.py) is picked short on two
lines (one not found at all, one only half), so it ships partly and its shortfall is on
backorder. History orders are picked in full: an order with a short pick stays partly shipped
until its backorder is filled, which is not part of this history.

Temperatures: frozen goods leave at −20 to −18.5 °C, chilled at 1 to 4 °C; every
WARM_ARRIVAL_EVERY-th cold shipment of the history arrives too warm, so a couple of shipments are
flagged. History shipments tell no one (their "shipped" notification and background delivery
note are dropped from the seed's after-commit work); the delivery notes of the most recent
RECENT_NOTES shipments are rendered during the seed (each takes a good part of a second).

The recall: the recalled lot (`portal.demo.catalog.RECALLED_LOT`) is the history lot of the
recalled product, so it reached the customers that ordered that product through real
shipments; `recall_demo_lot` recalls it with `ordering.fulfilment.trace.recall_lot` (quality
hold, one notice per person) once the history is written.

Returns (`seed_demo_returns`, after the recall): two of the most recent deliveries, still
within the return window, come back through `ordering.fulfilment.returns`' verbs. One is
requested by the ordering customer and waits for staff (its rep is told); the other was
requested, approved by the company's rep (or the manager) and received back into its lot by the
warehouse: received, not closed, as billing credits and closes it. Made "now" (no backdating):
the window counts from the delivery. A second run finds the returns and makes none.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from catalog.models import Allocation, Location, Lot, StockMove, TemperatureZone, Warehouse
from ordering.fulfilment import picking, returns, shipping, trace
from ordering.fulfilment.documents import store_delivery_note
from ordering.fulfilment.models import (
    LotRecall,
    PickLine,
    PickList,
    ReturnLine,
    ReturnReason,
    ReturnRequest,
    Shipment,
    ShipmentLine,
)
from ordering.models import Order

from .catalog import RECALLED_LOT, RECALLED_PRODUCT

HISTORY_WAREHOUSE = "sh1"  # the history lots lie here: an order is picked on one list, in one store
CARRIERS = ["ColdChain van 1 (沪A·D3721)", "ColdChain van 2 (沪A·F0958)", "SF Cold Chain", "JD Cold Chain"]
WARM_ARRIVAL_EVERY = 150
RECENT_NOTES = 10
RECALL_REASON = (
    "Producer recall of lot {lot}: possible undercooked filling. Stop using it, keep it frozen and set it aside; "
    "our driver collects it with your next delivery."
)


class DemoWarehouse:
    """The warehouse user's verbs for the history, each dated at the story's time."""

    def __init__(self, user):
        self.user = user
        self.warehouse = Warehouse.objects.get(code=HISTORY_WAREHOUSE)
        self.cold_shipments = 0

    def start_picking(self, order: Order, at: datetime, *, confirm_share: float = 0.0) -> Order:
        """A pick list for the order, picking started (the order moves to picking); with
        `confirm_share`, that share of its picks already confirmed (a list half walked)."""
        started = timezone.now()
        pick_list = picking.create_pick_list(orders=[order], warehouse=self.warehouse, user=self.user)
        picking.start_picking(pick_list=pick_list, user=self.user)
        picks = list(pick_list.lines.order_by("sequence"))
        for pick in picks[: int(len(picks) * confirm_share)]:
            picking.confirm_pick(pick_line=pick, lot_number=pick.lot.number, quantity=pick.quantity, user=self.user)
        PickList.objects.filter(pk=pick_list.pk).update(created_at=at, started_at=at)
        self._date_picks(pick_list, started, at)
        return Order.objects.get(pk=order.pk)

    def pick_and_ship(self, order: Order, at: datetime, rng, *, short: int = 0, quiet: bool = True) -> Shipment:
        """Confirm the order's remaining picks (the last `short` of them short: the first found
        none, the others half), then ship what was picked; `quiet`: tell no one (history)."""
        started = timezone.now()
        pick_list = PickList.objects.get(orders=order)
        picks = list(pick_list.lines.filter(picked_at__isnull=True).select_related("lot").order_by("sequence"))
        shorts = {
            pick.pk: (0 if n == 0 else pick.quantity // 2) for n, pick in enumerate(picks[-short:] if short else [])
        }
        for pick in picks:
            quantity = shorts.get(pick.pk, pick.quantity)
            picking.confirm_pick(pick_line=pick, lot_number=pick.lot.number, quantity=quantity, user=self.user)
        PickList.objects.filter(pk=pick_list.pk).update(completed_at=at)
        self._date_picks(pick_list, started, at)
        zone = shipping.coldest_zone(pick.zone for pick in picks)
        shipment = shipping.ship(
            order=order,
            carrier=rng.choice(CARRIERS),
            dispatch_temperature=self._reading(zone, rng),
            user=self.user,
            notify=not quiet,
        )
        Shipment.objects.filter(pk=shipment.pk).update(shipped_at=at)
        StockMove.objects.filter(reference=shipment.number, created_at__gte=started).update(created_at=at)
        return Shipment.objects.get(pk=shipment.pk)

    def deliver(self, order: Order, at: datetime, rng) -> Order:
        """The customer signs for the order's shipments (all but the last already delivered)."""
        receiver = order.ship_to.recipient or order.placed_by.get_full_name() or order.placed_by.email
        for shipment in order.shipments.filter(state=Shipment.State.SHIPPED).order_by("pk"):
            zone = shipping.shipment_zone(shipment)
            reading = self._reading(zone, rng)
            if zone is not None:
                self.cold_shipments += 1
                if self.cold_shipments % WARM_ARRIVAL_EVERY == 0:
                    reading = Decimal("-14.5") if zone == TemperatureZone.FROZEN else Decimal("6.5")
            shipping.confirm_delivery(
                shipment=shipment, received_by=receiver, delivered_at=at, arrival_temperature=reading, user=None
            )
        return Order.objects.get(pk=order.pk)

    @staticmethod
    def _reading(zone: str | None, rng) -> Decimal | None:
        if zone is None:
            return None
        low, high = (-200, -185) if zone == TemperatureZone.FROZEN else (10, 40)
        return Decimal(rng.randint(low, high)) / 10

    @staticmethod
    def _date_picks(pick_list: PickList, started: datetime, at: datetime) -> None:
        PickLine.objects.filter(pick_list=pick_list, picked_at__gte=started).update(picked_at=at)
        line_ids = pick_list.lines.values("order_line_id")
        Allocation.objects.filter(order_line_id__in=line_ids, released_at__gte=started).update(released_at=at)
        StockMove.objects.filter(lot_id__in=pick_list.lines.values("lot_id"), created_at__gte=started).update(
            created_at=at
        )


def render_recent_notes() -> str:
    """The delivery notes of the RECENT_NOTES most recent shipments, those not rendered yet
    (older shipments' notes are rendered when someone first downloads them). Answers why none
    could be rendered, or "": the notes need the collected static files (`make run` collects
    them before seeding; `make seed` alone does not), and a seed without them still stands."""
    recent = Shipment.objects.order_by("-shipped_at", "-pk")[:RECENT_NOTES]
    for shipment in [shipment for shipment in recent if not shipment.delivery_note]:
        try:
            store_delivery_note(shipment)
        except ValueError as error:  # "Missing staticfiles manifest entry": static not collected
            return str(error)
    return ""


def recall_demo_lot(user) -> LotRecall | None:
    """Recall the demo's recalled lot once it has reached customers (a second run finds the
    recall and changes nothing)."""
    lot = Lot.objects.filter(number=RECALLED_LOT, product__name_en=RECALLED_PRODUCT).select_related("product").first()
    if lot is None or LotRecall.objects.filter(lot=lot).exists():
        return None
    if not ShipmentLine.objects.filter(lot=lot).exists():
        return None
    recall, created = trace.recall_lot(lot=lot, reason=RECALL_REASON.format(lot=lot.number), user=user)
    return recall if created else None


# The two demo returns: (reason, the customer's words, how far staff took it).
DEMO_RETURNS = [
    (ReturnReason.DAMAGED, "Two cartons arrived crushed, the bags inside are torn.", "requested"),
    (ReturnReason.WRONG_PRODUCT, "We ordered the 1 kg bags, these are the wrong pack.", "received"),
]


def seed_demo_returns(*, warehouse_user, manager) -> list[ReturnRequest]:
    """One return waiting for staff and one received back into stock (see the module's
    docstring); none if the demo has returns already."""
    if ReturnRequest.objects.exists():
        return []
    made = []
    for line, (reason, words, how_far) in zip(_lines_to_return(), DEMO_RETURNS, strict=False):
        order = line.shipment.order
        return_request = returns.request_return(
            order=order, user=order.placed_by, reason=reason, reason_text=words, quantities={line.pk: 1}
        )
        if how_far == "received":
            decider = order.company.sales_rep or manager
            returns.decide_return(return_request=return_request, approve=True, user=decider)
            outcomes = {
                return_line.pk: returns.Outcome(
                    outcome=ReturnLine.Outcome.RESTOCK, location=_restock_location(return_line.lot)
                )
                for return_line in return_request.lines.select_related("lot__product")
            }
            return_request = returns.receive_return(
                return_request=return_request, outcomes=outcomes, user=warehouse_user
            )
        made.append(return_request)
    return made


def _lines_to_return() -> list[ShipmentLine]:
    """The latest delivered lines still within the return window, of different orders, of lots
    not expired or recalled (the received one goes back into its lot)."""
    today = timezone.localdate()
    candidates = (
        ShipmentLine.objects.filter(
            shipment__state=Shipment.State.DELIVERED,
            shipment__delivered_at__gte=returns.delivered_since(today),
            lot__expiry_date__gt=today,
            lot__held_at__isnull=True,
            quantity__gte=2,
        )
        .select_related("shipment__order__company__sales_rep", "shipment__order__placed_by", "lot")
        .order_by("-shipment__delivered_at", "-pk")[:50]
    )
    chosen, orders = [], set()
    for line in candidates:
        if line.shipment.order_id not in orders:
            chosen.append(line)
            orders.add(line.shipment.order_id)
        if len(chosen) == len(DEMO_RETURNS):
            break
    return chosen


def _restock_location(lot: Lot) -> Location:
    """Where the lot lies now (its first stocked location), else the history store's first
    location of the product's temperature zone."""
    level = lot.levels.select_related("location").filter(quantity__gt=0).order_by("location__code").first()
    if level is not None:
        return level.location
    return (
        Location.objects.filter(warehouse__code=HISTORY_WAREHOUSE, zone=lot.product.temperature_zone)
        .order_by("code")
        .first()
    )
