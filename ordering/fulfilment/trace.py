"""Traceability both ways, and the recall of a lot.

Reads (each a fixed number of queries, whatever the number of receivers):
- `receivers_of_lot(lot)`: every customer, order, shipment and quantity that received the lot
  (from its shipment lines), then the orders still holding it (open allocations) marked
  "allocated, not shipped";
- `lots_of_order(order)`: every lot in an order, shipped and allocated;
- `orders_holding_lots(lot_ids)`: for expiry warnings, the orders holding allocations on lots.

The reads take `companies` (a queryset, e.g. `accounts.selectors.companies_for_staff(user)`) to
narrow the rows to the customers a staff user may see: a sales rep sees only their own.

Verb: `recall_lot(lot=..., reason=..., user=...)` puts the lot on quality hold (through
`catalog.allocation.put_on_hold`) and notifies, once, each customer that received it: their
company admins and the people who placed those orders, each in their own language.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.urls import reverse

from accounts.models import Company, Membership, NotificationKind
from accounts.services import notify
from catalog.allocation import put_on_hold
from catalog.models import Allocation, Lot
from kit import phrases
from ordering.models import Order, OrderLine

from .models import LotRecall, Shipment, ShipmentLine


@dataclass(frozen=True)
class LotReceiver:
    """One order that received (or still holds) the lot."""

    company: Company
    order: Order
    order_line_id: int
    quantity: int
    shipment: Shipment | None = None  # None: allocated, not shipped

    @property
    def shipped(self) -> bool:
        return self.shipment is not None

    @property
    def shipped_at(self) -> datetime | None:
        return self.shipment.shipped_at if self.shipment else None


@dataclass(frozen=True)
class OrderLot:
    """One lot in an order: shipped in `shipment`, or allocated and not shipped yet."""

    order_line: OrderLine
    lot: Lot
    quantity: int
    shipment: Shipment | None = None

    @property
    def shipped(self) -> bool:
        return self.shipment is not None


def _open_allocations(**filters) -> QuerySet[Allocation]:
    return Allocation.objects.filter(released_at__isnull=True, **filters)


def _lines_holding(lot_filter: dict, companies: QuerySet[Company] | None) -> QuerySet[OrderLine]:
    """Order lines with an open allocation on the lots of `lot_filter`, each with what it holds
    there (`held`), in one query."""
    held = (
        _open_allocations(order_line_id=OuterRef("pk"), **lot_filter)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    lines = OrderLine.objects.filter(pk__in=_open_allocations(**lot_filter).values("order_line_id")).annotate(
        held=Subquery(held)
    )
    if companies is not None:
        lines = lines.filter(order__company__in=companies.values("pk"))
    return lines.select_related("order__company")


_SHIPPED_FIELDS = (
    "quantity",
    "order_line_id",
    "shipment__number",
    "shipment__shipped_at",
    "shipment__order__number",
    "shipment__order__placed_at",
    "shipment__order__currency",
    "shipment__order__company__display_name",
    "shipment__order__company__legal_name",
)


def receivers_of_lot(lot: Lot, *, companies: QuerySet[Company] | None = None) -> list[LotReceiver]:
    """Shipped first (in shipping order), then allocated and not shipped (oldest order first).

    Two queries: the lot's shipment lines, and the order lines holding it."""
    shipped = ShipmentLine.objects.filter(lot=lot)
    if companies is not None:
        shipped = shipped.filter(shipment__order__company__in=companies.values("pk"))
    # Only what a receiver's row shows: a lot that reached 500 customers reads in milliseconds.
    shipped = (
        shipped.select_related("shipment__order__company").only(*_SHIPPED_FIELDS).order_by("shipment__shipped_at", "pk")
    )
    rows = [
        LotReceiver(
            company=line.shipment.order.company,
            order=line.shipment.order,
            order_line_id=line.order_line_id,
            quantity=line.quantity,
            shipment=line.shipment,
        )
        for line in shipped
    ]
    for line in _lines_holding({"lot_id": lot.pk}, companies).order_by("order__placed_at", "pk"):
        rows.append(
            LotReceiver(company=line.order.company, order=line.order, order_line_id=line.pk, quantity=line.held)
        )
    return rows


def lots_of_order(order: Order) -> list[OrderLot]:
    """Every lot in the order: shipped ones (by shipment), then those allocated and not shipped.

    Three queries: the order's lines, its shipment lines, its open allocations."""
    lines = {line.pk: line for line in order.lines.all()}
    rows = [
        OrderLot(order_line=lines[line.order_line_id], lot=line.lot, quantity=line.quantity, shipment=line.shipment)
        for line in ShipmentLine.objects.filter(shipment__order=order)
        .select_related("shipment", "lot__product")
        .order_by("shipment__shipped_at", "pk")
        if line.order_line_id in lines
    ]
    allocations = (
        _open_allocations(order_line_id__in=list(lines))
        .select_related("lot__product")
        .order_by("order_line_id", "lot__expiry_date", "pk")
    )
    rows += [
        OrderLot(order_line=lines[allocation.order_line_id], lot=allocation.lot, quantity=allocation.quantity)
        for allocation in allocations
    ]
    return rows


def orders_holding_lots(lot_ids, *, companies: QuerySet[Company] | None = None) -> dict[int, list[LotReceiver]]:
    """For each lot, the orders holding an open allocation on it (one query for the allocations,
    one for their order lines)."""
    lot_ids = list(lot_ids)
    if not lot_ids:
        return {}
    allocations = list(
        _open_allocations(lot_id__in=lot_ids)
        .order_by("lot_id", "pk")
        .values_list("lot_id", "order_line_id", "quantity")
    )
    line_ids = {order_line_id for _lot, order_line_id, _quantity in allocations}
    lines = OrderLine.objects.filter(pk__in=line_ids)
    if companies is not None:
        lines = lines.filter(order__company__in=companies.values("pk"))
    lines = {line.pk: line for line in lines.select_related("order__company")}
    holding: dict[int, list[LotReceiver]] = {}
    for lot_id, order_line_id, quantity in allocations:
        line = lines.get(order_line_id)
        if line is not None:
            holding.setdefault(lot_id, []).append(
                LotReceiver(company=line.order.company, order=line.order, order_line_id=line.pk, quantity=quantity)
            )
    return holding


# --- Recall -------------------------------------------------------------------------------------


def recall_of(lot: Lot) -> LotRecall | None:
    return LotRecall.objects.select_related("recalled_by").filter(lot=lot).first()


def recall_recipients(lot: Lot) -> dict[Company, list]:
    """Who hears of a recall, by customer that received the lot: its company admins and the
    people (still its members) who placed the orders that received it."""
    placed = set(
        ShipmentLine.objects.filter(lot=lot).values_list("shipment__order__company_id", "shipment__order__placed_by_id")
    )
    company_ids = {company_id for company_id, _user in placed}
    memberships = (
        Membership.objects.filter(company_id__in=company_ids, user__is_active=True)
        .select_related("company", "user")
        .order_by("company_id", "user_id")
    )
    recipients: dict[Company, list] = {}
    for membership in memberships:
        if membership.role == Membership.Role.ADMIN or (membership.company_id, membership.user_id) in placed:
            recipients.setdefault(membership.company, []).append(membership.user)
    return recipients


def recall_lot(*, lot: Lot, reason: str, user) -> tuple[LotRecall, bool]:
    """Put the lot on quality hold and tell each customer that received it, once: a second recall
    of the same lot answers the first (False) and changes nothing.

    Under the lot's row lock (taken by put_on_hold), so two recalls at once make one."""
    reason = reason.strip()[:200]
    with transaction.atomic():
        put_on_hold(lot_id=lot.pk, reason=reason)
        recall, created = LotRecall.objects.get_or_create(lot=lot, defaults={"reason": reason, "recalled_by": user})
        if not created:
            return recall, False
        product = lot.product
        params = {
            "product": phrases.bilingual(product.name_en, product.name_zh),
            "lot": lot.number,
            "reason": reason,
        }
        # Each customer's link goes to the latest of its orders that received the lot.
        latest_order = dict(
            ShipmentLine.objects.filter(lot=lot)
            .order_by("shipment__shipped_at", "pk")
            .values_list("shipment__order__company_id", "shipment__order__number")
        )
        people = 0
        for company, users in recall_recipients(lot).items():
            number = latest_order.get(company.pk)
            url = reverse("ordering:order_detail", args=[number]) if number else ""
            notify(users=users, kind=NotificationKind.LOT_RECALL, params=params, company=company, url=url)
            people += len(users)
        recall.notified = people
        recall.save(update_fields=["notified"])
    return recall, True
