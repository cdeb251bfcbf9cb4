"""Stock allocation, the only code that writes `Lot.allocated`.

Verbs: `pick()` locks the lots a set of lines could take stock from (by primary key, the lock
order every placement shares) and picks each line's stock first-expiry-first within the
company's shelf-life rule; `hold()` writes those picks against order lines (the lots' new
`allocated` in one statement, the allocations in another); `release()` gives an order's held
stock back; `put_on_hold()` takes a lot out of sale (a quality hold: damage, a failed check, a
recall) and `release_hold()` gives it back; `shorten()` takes from an allocation what a short
pick did not find; `ship()` takes shipped stock out of the lot, its allocation and the ledger;
`allocate_more()` adds stock to an existing order line (a backorder filled when stock arrives);
`reallocate()` moves an allocation to other lots by hand, with who and why kept on the
allocations themselves. Ordering calls them; fulfilment (picking, shipping) adds its verbs here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Company

from .models import Allocation, Location, Lot, Product, StockMove
from .services import StockError, _move
from .stock import earliest_sellable_expiry, forget_stock


@dataclass(slots=True)
class LockedLot:
    """The few fields of a locked lot that allocation reads and writes (no model instance: an
    order locks dozens of lots)."""

    pk: int
    product_id: int
    expiry_date: date
    on_hand: int
    allocated: int


@dataclass
class Picks:
    """What `pick()` took for each product: [(lot, quantity)], and the products it could not
    fill, with what they got (the caller decides whether a short line may be backordered)."""

    by_product: dict[int, list[tuple[LockedLot, int]]] = field(default_factory=dict)
    short: dict[int, int] = field(default_factory=dict)
    # What each product with preferred lots got from them (a short-dated offer's lots).
    from_preferred: dict[int, int] = field(default_factory=dict)

    def quantity(self, product_id: int) -> int:
        return sum(quantity for _lot, quantity in self.by_product.get(product_id, ()))


class AllocationError(Exception):
    """A re-allocation that breaks a rule; the message is for the user."""


def pick(
    *,
    company: Company,
    lines: list[tuple[Product, int]],
    today: date,
    exclude_lot_ids: frozenset = frozenset(),
    among_lot_ids: frozenset | None = None,
    preferred_lots: dict[int, frozenset] | None = None,
) -> Picks:
    """Lock the lots of every product in `lines` (by primary key) and take each line's stock
    from the lots that expire first and still have the company's share of shelf life.

    Nothing is written: the picks are added to the locked lots' `allocated` in memory, and
    `hold()` saves them once the order lines exist. `exclude_lot_ids` are never taken from (the
    lot an allocation is being moved away from); when `among_lot_ids` is given, only those lots
    are (the lots a backorder fill locked first). `preferred_lots` (product id → lot ids: a
    short-dated offer's lots, which the customer was offered by name) are taken first, earliest
    expiry first, whatever the company's shelf-life rule says, as long as they have not expired;
    what they cannot give comes from the usual lots."""
    preferred_lots = preferred_lots or {}
    preferred_ids = frozenset().union(*preferred_lots.values()) if preferred_lots else frozenset()
    first_expiry = {
        product.pk: earliest_sellable_expiry(
            shelf_life_days=product.shelf_life_days,
            min_shelf_life_percent=company.min_shelf_life_percent,
            today=today,
        )
        for product, _quantity in lines
    }
    picks = Picks()
    if not first_expiry:
        return picks
    # Lots expiring before every line's first acceptable date can give nothing: not locked.
    within_rule = Q(expiry_date__gte=min(first_expiry.values()))
    if preferred_ids:
        within_rule |= Q(pk__in=preferred_ids, expiry_date__gt=today)
    rows = (
        Lot.objects.select_for_update()
        .filter(within_rule, product_id__in=first_expiry, on_hand__gt=F("allocated"), held_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "product_id", "expiry_date", "on_hand", "allocated")
    )
    by_product: dict[int, list[LockedLot]] = defaultdict(list)
    for row in rows:
        lot = LockedLot(*row)
        if (
            (lot.expiry_date >= first_expiry[lot.product_id] or lot.pk in preferred_lots.get(lot.product_id, ()))
            and lot.pk not in exclude_lot_ids
            and (among_lot_ids is None or lot.pk in among_lot_ids)
        ):
            by_product[lot.product_id].append(lot)
    for product, wanted in lines:
        needed, taken = wanted, []
        preferred = preferred_lots.get(product.pk, frozenset())
        # Preferred lots first, then the rest; each group first expiry first.
        order = sorted(by_product[product.pk], key=lambda lot: (lot.pk not in preferred, lot.expiry_date, lot.pk))
        for lot in order:
            if needed == 0:
                break
            quantity = min(needed, lot.on_hand - lot.allocated)
            if quantity > 0:
                taken.append((lot, quantity))
                lot.allocated += quantity
                needed -= quantity
        picks.by_product[product.pk] = taken
        if preferred:
            picks.from_preferred[product.pk] = sum(quantity for lot, quantity in taken if lot.pk in preferred)
        if needed:
            picks.short[product.pk] = wanted - needed
    return picks


def hold(picks: Picks, *, company: Company, order_lines: dict[int, int]) -> None:
    """Write `picks` against the order lines (`order_lines`: product id → order line id): the
    lots' new `allocated` in one UPDATE and the allocations in one INSERT, whatever the number
    of lines."""
    rows = [
        (order_lines[product_id], lot, quantity)
        for product_id, taken in picks.by_product.items()
        for lot, quantity in taken
    ]
    _save_allocated({lot.pk: lot for _line, lot, _quantity in rows}.values())
    Allocation.objects.bulk_create(
        Allocation(lot_id=lot.pk, company=company, order_line_id=order_line_id, quantity=quantity)
        for order_line_id, lot, quantity in rows
    )


def release(order_line_ids) -> None:
    """Give back the stock these order lines hold (a rejected or cancelled order, or one shipped
    outside fulfilment in the demo's history)."""
    allocations = list(
        Allocation.objects.select_for_update()
        .filter(order_line_id__in=order_line_ids, released_at__isnull=True)
        .order_by("lot_id")
    )
    for allocation in allocations:
        Lot.objects.filter(pk=allocation.lot_id).update(allocated=F("allocated") - allocation.quantity)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(released_at=timezone.now())
    if allocations:
        forget_stock(Lot.objects.filter(pk__in={a.lot_id for a in allocations}).values_list("product_id", flat=True))


def _save_allocated(lots) -> None:
    """Write the lots' `allocated` in one UPDATE.

    pick() holds these lots' row locks and has added the picks to `allocated`: no one else can
    have changed them since it read them, so the new values are written as they are. (One UPDATE
    from a VALUES list, which PostgreSQL and SQLite both run; QuerySet.bulk_update would build a
    CASE expression per lot, which costs more Python than the statement costs the database.)"""
    lots = list(lots)
    if not lots:
        return
    table = connection.ops.quote_name(Lot._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(lots))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET allocated = picked.column2 FROM (VALUES {rows}) AS picked "
            f"WHERE {table}.id = picked.column1",
            [value for lot in lots for value in (lot.pk, lot.allocated)],
        )


def put_on_hold(*, lot_id: int, reason: str) -> list[Allocation]:
    """Put a lot on quality hold: from now on its free stock is not sellable and nothing new is
    allocated from it. Answers the lot's open allocations, which wait to be moved to other lots
    (they are not moved here: which lot takes them is the warehouse's decision). Holding a lot
    already on hold keeps its first reason and time."""
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        if lot.held_at is None:
            lot.held_at = timezone.now()
            lot.hold_reason = reason
            lot.save(update_fields=["held_at", "hold_reason"])
            forget_stock([lot.product_id])
        return list(Allocation.objects.filter(lot_id=lot_id, released_at__isnull=True).order_by("created_at", "pk"))


def release_hold(*, lot_id: int) -> None:
    """The lot is fit to sell again."""
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot_id)
        if lot.held_at is not None:
            lot.held_at = None
            lot.hold_reason = ""
            lot.save(update_fields=["held_at", "hold_reason"])
            forget_stock([lot.product_id])


# --- Shipping: stock leaves the warehouse (fulfilment's verb) ---------------------------------


def ship(*, allocation_id: int, lot_id: int, location_id: int, quantity: int, user, reference: str):
    """Take `quantity` of a lot out of the warehouse from `location_id` for the allocation it was
    held by: the allocation shrinks (closed when it reaches nothing), the lot's `allocated` and
    `on_hand` go down, its level at the location too, and the ledger gets a negative SHIPMENT
    move (catalog.services' ledger writer, so the ledger sum stays equal to `on_hand`).

    The caller's transaction holds it together; the lot is locked first, then its allocation
    (lots by primary key: a caller shipping several lots ships them in `lot_id` order)."""
    if quantity <= 0:
        raise StockError(_("Ship a positive quantity."))
    lot = Lot.objects.select_for_update().get(pk=lot_id)
    allocation = Allocation.objects.select_for_update().get(pk=allocation_id)
    if allocation.lot_id != lot.pk or allocation.released_at is not None or allocation.quantity < quantity:
        raise StockError(
            _("Lot %(lot)s does not hold %(quantity)s for this order any more.")
            % {"lot": lot.number, "quantity": quantity}
        )
    if allocation.quantity == quantity:
        Allocation.objects.filter(pk=allocation.pk).update(released_at=timezone.now())
    else:
        Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - quantity)
    # Allocated first, so that on hand never drops below it (the lot's check constraint).
    Lot.objects.filter(pk=lot.pk).update(allocated=F("allocated") - quantity)
    lot.allocated -= quantity
    return _move(
        lot=lot,
        location=Location.objects.get(pk=location_id),
        quantity=-quantity,
        kind=StockMove.Kind.SHIPMENT,
        reason="",
        reference=reference,
        user=user,
    )


def shorten(*, allocation_id: int, by: int) -> Allocation:
    """A pick found `by` fewer units of the allocation's lot than the allocation holds: it holds
    that much less (it is released when nothing is left), and so does the lot's `allocated`.

    This alone would give the units back to the lot's free stock, to be sold again. A short pick
    means they are not on the shelf, so the caller (fulfilment's confirm_pick) also corrects the
    lot's on-hand in the same transaction with catalog.services.adjust_stock (reason "short
    pick"): the lot's free stock is then what it was, and the ledger says why on-hand fell.
    Locks the lot, then the allocation (the lot first, as placement does)."""
    lot_id = Allocation.objects.values_list("lot_id", flat=True).get(pk=allocation_id)
    Lot.objects.select_for_update().filter(pk=lot_id).values_list("pk", flat=True).get()
    allocation = Allocation.objects.select_for_update().get(pk=allocation_id)
    if by <= 0 or allocation.released_at is not None or by > allocation.quantity:
        raise ValueError(f"cannot shorten allocation {allocation_id} ({allocation.quantity}) by {by}")
    if by == allocation.quantity:
        # The allocation keeps its last quantity as a record; released, it holds nothing.
        allocation.released_at = timezone.now()
        allocation.save(update_fields=["released_at"])
    else:
        allocation.quantity -= by
        allocation.save(update_fields=["quantity"])
    Lot.objects.filter(pk=lot_id).update(allocated=F("allocated") - by)
    forget_stock(Lot.objects.filter(pk=lot_id).values_list("product_id", flat=True))
    return allocation


def lock_lots(product_ids) -> frozenset[int]:
    """Lock every lot of these products (by primary key) and answer their ids.

    A backorder fill takes from these lots only: a lot whose receipt commits while the fill runs
    would otherwise become visible half-way through it, and a newer order could take stock that
    an older one, already passed over, was waiting for. That receipt's own fill follows."""
    return frozenset(
        Lot.objects.select_for_update().filter(product_id__in=product_ids).order_by("pk").values_list("pk", flat=True)
    )


def allocate_more(
    *,
    company: Company,
    order_line_id: int,
    product: Product,
    quantity: int,
    today: date,
    among_lot_ids: frozenset | None = None,
) -> int:
    """Allocate up to `quantity` more of `product` to an existing order line, first expiry first
    within the company's shelf-life rule (`pick`, then `hold`; only from `among_lot_ids` when
    given); answers how much it got. The caller holds the order line's lock and moves that much
    from its backorder."""
    picks = pick(company=company, lines=[(product, quantity)], today=today, among_lot_ids=among_lot_ids)
    hold(picks, company=company, order_lines={product.pk: order_line_id})
    got = picks.quantity(product.pk)
    if got:
        forget_stock([product.pk])
    return got


@dataclass
class Reallocation:
    """What `reallocate()` did: the allocation it released, those that replace it, and how much
    found no other lot (the caller backorders it)."""

    released: Allocation
    new: list[Allocation]
    short: int


def reallocate(*, allocation_id: int, to_lot_id: int | None, reason: str, user, today: date) -> Reallocation:
    """Move an open allocation to `to_lot_id` (all of it), or, when None, to the lots that expire
    first within the company's shelf-life rule, the allocation's own lot excepted (as much as
    they have). The old allocation is released with who and why; the new ones name it.

    Locks every lot of the product by primary key before anything else, the order `pick()`
    and placement share, so a re-allocation never deadlocks with a placement or a receipt's
    backorder fill."""
    if not reason.strip():
        raise AllocationError(_("Give a reason for the re-allocation."))
    with transaction.atomic():
        return _reallocate(allocation_id=allocation_id, to_lot_id=to_lot_id, reason=reason, user=user, today=today)


def _reallocate(*, allocation_id: int, to_lot_id: int | None, reason: str, user, today: date) -> Reallocation:
    try:
        old = (
            Allocation.objects.select_for_update()
            .select_related("company")
            .get(pk=allocation_id, released_at__isnull=True)
        )
    except Allocation.DoesNotExist:
        raise AllocationError(_("This allocation has been released or moved already.")) from None
    product = Product.objects.get(lots=old.lot_id)
    lots = {
        row[0]: LockedLot(*row)
        for row in Lot.objects.select_for_update()
        .filter(product=product)
        .order_by("pk")
        .values_list("pk", "product_id", "expiry_date", "on_hand", "allocated")
    }
    if to_lot_id is None:
        picks = pick(
            company=old.company, lines=[(product, old.quantity)], today=today, exclude_lot_ids=frozenset([old.lot_id])
        )
        taken = picks.by_product[product.pk]
    else:
        taken = [(_chosen_lot(old=old, lot=lots.get(to_lot_id), product=product, today=today), old.quantity)]
    _save_allocated(lot for lot, _quantity in taken)
    new = Allocation.objects.bulk_create(
        Allocation(lot_id=lot.pk, company=old.company, order_line_id=old.order_line_id, quantity=quantity, replaces=old)
        for lot, quantity in taken
    )
    Lot.objects.filter(pk=old.lot_id).update(allocated=F("allocated") - old.quantity)
    old.released_at = timezone.now()
    old.released_by = user
    old.release_reason = reason.strip()
    old.save(update_fields=["released_at", "released_by", "release_reason"])
    forget_stock([product.pk])
    return Reallocation(released=old, new=new, short=old.quantity - sum(quantity for _lot, quantity in taken))


def _chosen_lot(*, old: Allocation, lot: LockedLot | None, product: Product, today: date) -> LockedLot:
    """The lot staff chose, if it may take the whole allocation: the same product, another lot,
    not on hold, within the company's shelf-life rule, with the free stock. The caller holds its
    lock; its `allocated` grows in memory."""
    if lot is None or lot.pk == old.lot_id:
        raise AllocationError(_("Choose another lot of the same product."))
    if Lot.objects.filter(pk=lot.pk, held_at__isnull=False).exists():
        raise AllocationError(_("That lot is on quality hold."))
    first = earliest_sellable_expiry(
        shelf_life_days=product.shelf_life_days,
        min_shelf_life_percent=old.company.min_shelf_life_percent,
        today=today,
    )
    if lot.expiry_date < first:
        raise AllocationError(_("That lot expires too soon for this customer."))
    if lot.on_hand - lot.allocated < old.quantity:
        raise AllocationError(
            _("That lot has only %(free)s free; the allocation needs %(quantity)s.")
            % {"free": lot.on_hand - lot.allocated, "quantity": old.quantity}
        )
    lot.allocated += old.quantity
    return lot
