"""Allocation after placement: backorders filled when stock arrives, re-allocation by hand.

Verbs: `fill_backorders()` (connected to `catalog.signals.stock_received` in
FulfilmentConfig.ready()) gives the backordered quantities of open orders for the received
products the stock that came in, first expiry first within each customer's shelf-life rule,
oldest order first (and `release_quality_hold()` after a hold is lifted, since the lot's free
stock becomes sellable again); `reallocate_allocation()` moves one allocation to other lots with a reason
(catalog.allocation.reallocate) and backorders what found no lot.

Locks: the orders (by primary key), then their lines, then the lots (catalog.allocation, by
primary key), the order cancellation takes too (credit account, order, lots). Two receipts of
the same product committing together both fill: the second waits for the first's order locks
and then reads the backorders the first has left, so no backorder is filled twice; and each fill
takes only from the lots it locked at its start (`catalog.allocation.lock_lots`), so a lot that
commits half-way through a fill goes to the oldest orders in its own receipt's fill.
"""

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import allocation
from catalog.models import Allocation, Lot
from ordering.models import Order, OrderLine, OrderState

from .models import PickLine

# The orders whose backorders stock arriving fills: confirmed and not yet wholly shipped.
FILLS_BACKORDERS = (OrderState.APPROVED, OrderState.PICKING, OrderState.PARTLY_SHIPPED)
# The orders whose allocations staff may move: those that hold stock.
HOLDS_ALLOCATIONS = FILLS_BACKORDERS + (
    OrderState.SUBMITTED,
    OrderState.AWAITING_CUSTOMER_APPROVAL,
    OrderState.AWAITING_APPROVAL,
    OrderState.CREDIT_HOLD,
)


def fill_backorders(*, product_ids, today: date | None = None) -> int:
    """Allocate what is free of `product_ids` to backordered lines of open orders, oldest order
    first; answers the quantity allocated."""
    today = today or timezone.localdate()
    product_ids = list(product_ids)
    filled = 0
    with transaction.atomic():
        waiting = OrderLine.objects.filter(product_id__in=product_ids, backorder_quantity__gt=0)
        order_ids = list(
            Order.objects.select_for_update()
            .filter(pk__in=waiting.values("order_id"), state__in=FILLS_BACKORDERS)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not order_ids:
            return 0
        lines = list(
            waiting.select_for_update(of=("self",))
            .filter(order_id__in=order_ids)
            .select_related("order__company", "product")
            .order_by("order__placed_at", "order_id", "pk")
        )
        lot_ids = allocation.lock_lots(product_ids)
        for line in lines:
            got = allocation.allocate_more(
                company=line.order.company,
                order_line_id=line.pk,
                product=line.product,
                quantity=line.backorder_quantity,
                today=today,
                among_lot_ids=lot_ids,
            )
            if got:
                OrderLine.objects.filter(pk=line.pk).update(
                    allocated_quantity=F("allocated_quantity") + got, backorder_quantity=F("backorder_quantity") - got
                )
                filled += got
    return filled


def release_quality_hold(*, lot_id: int) -> int:
    """Lift a lot's quality hold; its free stock fills waiting backorders at once. Answers the
    quantity allocated."""
    with transaction.atomic():
        allocation.release_hold(lot_id=lot_id)
        product_id = Lot.objects.values_list("product_id", flat=True).get(pk=lot_id)
        return fill_backorders(product_ids=[product_id])


def stock_received(sender, *, product_ids, **kwargs) -> None:
    """Receiver of catalog.signals.stock_received."""
    fill_backorders(product_ids=product_ids)


class ReallocationError(Exception):
    """A re-allocation refused; the message is for the user."""


def reallocate_allocation(
    *, allocation_id: int, to_lot_id: int | None, reason: str, user, today: date | None = None
) -> allocation.Reallocation:
    """Move an order line's allocation to `to_lot_id`, or first expiry first to other lots when
    None; what no lot can take goes back on the line's backorder."""
    today = today or timezone.localdate()
    with transaction.atomic():
        line_id = Allocation.objects.filter(pk=allocation_id).values_list("order_line_id", flat=True).first()
        line = OrderLine.objects.filter(pk=line_id).first() if line_id else None
        if line is None:
            raise ReallocationError(_("This allocation belongs to no order line."))
        order = Order.objects.select_for_update().get(pk=line.order_id)
        if order.state not in HOLDS_ALLOCATIONS:
            raise ReallocationError(_("Order %(number)s no longer holds stock.") % {"number": order.number})
        pick = PickLine.objects.filter(allocation_id=allocation_id).select_related("pick_list").first()
        if pick is not None and pick.picked_quantity is not None:
            raise ReallocationError(_("This allocation has been picked already."))
        if pick is not None:
            # The pick list sends a picker to this lot; moving the allocation under it would send
            # them to stock that is no longer held. The picker records what they find instead.
            raise ReallocationError(
                _("This allocation is on pick list %(number)s: confirm or short-pick it there.")
                % {"number": pick.pick_list.number}
            )
        line = OrderLine.objects.select_for_update().get(pk=line.pk)
        try:
            result = allocation.reallocate(
                allocation_id=allocation_id, to_lot_id=to_lot_id, reason=reason, user=user, today=today
            )
        except allocation.AllocationError as error:
            raise ReallocationError(str(error)) from error
        if result.short:
            OrderLine.objects.filter(pk=line.pk).update(
                allocated_quantity=F("allocated_quantity") - result.short,
                backorder_quantity=F("backorder_quantity") + result.short,
            )
    return result
