"""Writes to the catalog's stock ledger.

Verbs: receive_stock, return_to_stock, adjust_stock, write_off_stock. A receipt, once committed, sends
`catalog.signals.stock_received` (fulfilment fills backorders from it). Each writes one StockMove and updates the
lot's on-hand quantity and its level at the location in the same transaction, under a row lock
on the lot, so the ledger, the levels and Lot.on_hand always agree. The database refuses
negative stock and allocations above what is on hand, whatever the code does.
"""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .models import Location, Lot, Product, StockLevel, StockMove
from .shipped import record_shipped
from .signals import stock_received
from .stock import forget_stock


class StockError(Exception):
    """A stock change that would break a rule; the message is for the user."""


@dataclass(frozen=True)
class Receipt:
    product: Product
    lot_number: str
    expiry_date: date
    quantity: int
    location: Location
    production_date: date | None = None


def _move(*, lot: Lot, location: Location, quantity: int, kind: str, reason: str, reference: str, user) -> StockMove:
    """Apply `quantity` (signed) to the lot at the location and record it. Caller holds the lot lock."""
    if quantity == 0:
        raise StockError(_("The quantity must not be zero."))
    level, _created = StockLevel.objects.select_for_update().get_or_create(lot=lot, location=location)
    if level.quantity + quantity < 0:
        raise StockError(
            _("Only %(available)s of lot %(lot)s are at %(location)s.")
            % {"available": level.quantity, "lot": lot.number, "location": location}
        )
    if lot.on_hand + quantity < lot.allocated:
        raise StockError(
            _("%(allocated)s of lot %(lot)s are allocated to orders; release them before removing this stock.")
            % {"allocated": lot.allocated, "lot": lot.number}
        )
    StockLevel.objects.filter(pk=level.pk).update(quantity=F("quantity") + quantity)
    Lot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") + quantity)
    lot.on_hand += quantity
    forget_stock([lot.product_id])
    if kind == StockMove.Kind.SHIPMENT:
        record_shipped(product_id=lot.product_id, quantity=-quantity)
    return StockMove.objects.create(
        kind=kind, lot=lot, location=location, quantity=quantity, reason=reason, reference=reference, user=user
    )


def receive_stock(*, receipts: list[Receipt], user, reference: str = "") -> list[StockMove]:
    """Book goods into lots (created if new) at locations: all lines or none."""
    moves = []
    try:
        with transaction.atomic():
            for receipt in receipts:
                if receipt.quantity <= 0:
                    raise StockError(_("A receipt quantity must be positive."))
                if receipt.location.zone != receipt.product.temperature_zone:
                    raise StockError(
                        _("%(sku)s is stored %(zone)s; %(location)s is not.")
                        % {
                            "sku": receipt.product.sku,
                            "zone": receipt.product.get_temperature_zone_display(),
                            "location": receipt.location,
                        }
                    )
                lot, created = Lot.objects.select_for_update().get_or_create(
                    product=receipt.product,
                    number=receipt.lot_number,
                    defaults={"expiry_date": receipt.expiry_date, "production_date": receipt.production_date},
                )
                if not created and lot.expiry_date != receipt.expiry_date:
                    raise StockError(
                        _("Lot %(lot)s of %(sku)s already exists with expiry date %(date)s.")
                        % {"lot": lot.number, "sku": receipt.product.sku, "date": lot.expiry_date}
                    )
                moves.append(
                    _move(
                        lot=lot,
                        location=receipt.location,
                        quantity=receipt.quantity,
                        kind=StockMove.Kind.RECEIPT,
                        reason="",
                        reference=reference,
                        user=user,
                    )
                )
            product_ids = {receipt.product.pk for receipt in receipts}
            # After commit, and robust (a failing receiver is logged): the goods stay booked in.
            transaction.on_commit(lambda: stock_received.send(sender=Lot, product_ids=product_ids), robust=True)
    except IntegrityError as error:
        raise StockError(_("The receipt could not be saved: %(error)s") % {"error": error}) from error
    return moves


def return_to_stock(
    *, lot: Lot, location: Location, quantity: int, reason: str, user, reference: str = ""
) -> StockMove:
    """Book goods a customer sent back into their own lot at a location (a "return" move, positive).

    The location must keep the product's temperature zone, as for a receipt. The lot's expiry
    is not checked here: the caller decides whether returned goods are sellable.
    """
    if quantity <= 0:
        raise StockError(_("A returned quantity must be positive."))
    with transaction.atomic():
        lot = Lot.objects.select_for_update().select_related("product").get(pk=lot.pk)
        if location.zone != lot.product.temperature_zone:
            raise StockError(
                _("%(sku)s is stored %(zone)s; %(location)s is not.")
                % {"sku": lot.product.sku, "zone": lot.product.get_temperature_zone_display(), "location": location}
            )
        return _move(
            lot=lot,
            location=location,
            quantity=quantity,
            kind=StockMove.Kind.RETURN,
            reason=reason,
            reference=reference,
            user=user,
        )


def adjust_stock(*, lot: Lot, location: Location, quantity: int, reason: str, user) -> StockMove:
    """Correct a count (positive or negative) with a reason."""
    if not reason.strip():
        raise StockError(_("Give a reason for the adjustment."))
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        return _move(
            lot=lot,
            location=location,
            quantity=quantity,
            kind=StockMove.Kind.ADJUSTMENT,
            reason=reason,
            reference="",
            user=user,
        )


def write_off_stock(*, lot: Lot, location: Location, quantity: int, reason: str, user) -> StockMove:
    """Take damaged or expired stock out of the books with a reason."""
    if quantity <= 0:
        raise StockError(_("Write off a positive quantity."))
    if not reason.strip():
        raise StockError(_("Give a reason for the write-off."))
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        return _move(
            lot=lot,
            location=location,
            quantity=-quantity,
            kind=StockMove.Kind.WRITE_OFF,
            reason=reason,
            reference="",
            user=user,
        )
