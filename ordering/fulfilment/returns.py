"""Returns (RMA): a customer sends delivered goods back, staff decide, the warehouse receives.

Verbs (keyword-only, one transaction each):
- `request_return(order=..., user=..., reason=..., reason_text=..., quantities=..., photo=...)`:
  lines of the order's delivered shipments, each at most what was shipped minus what is already
  being returned (refused returns give their quantity back); prices and tax rates copied from
  the order line's snapshot. Numbered RMA-000001…. Only within `return_days()` days of the
  shipment's delivery (TRADECOUNTER_RETURN_DAYS, counted in local days: delivered on the 1st
  with 30 days, returnable up to and including the 31st). Staff hear of it after commit
  (`send_return_requested`: the company's sales rep, or without one the staff who decide returns).
- `decide_return(return_request=..., approve=..., reason=..., user=...)`: approve, or refuse
  with a reason; the requester is told after commit, in their language.
- `receive_return(return_request=..., outcomes=..., user=...)`: each line of an approved return
  goes back into its lot at a location (`catalog.services.return_to_stock`) or is written off
  (booked back in and written off at once, so the ledger shows what came back and where it went).
- `close_return(return_request=..., user=...)`: billing has credited a received return.

Reads: `returnable_lines(order, today=)`, `returns_for_staff(user)`, `credit_note_lines(return_request)`
(what billing turns into a credit note: quantity × snapshot unit price, tax, totals, currency).

Locks: the order row first (two requests for the same lines at once: the second sees the
first's quantities), then the return row; stock through catalog's verbs (lot locks by primary key).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import NotificationKind
from accounts.selectors import companies_for_staff, sees_all_companies, staff_holding
from accounts.services import notify
from catalog.models import Location
from catalog.services import StockError, return_to_stock, write_off_stock
from kit import phrases as kit_phrases
from kit import uploads
from kit.uploads import validate_photo
from ordering.models import Order
from ordering.services.common import money

from . import phrases
from .models import ReturnLine, ReturnReason, ReturnRequest, Shipment, ShipmentLine

# The permission of staff who approve or refuse returns (the back office checks the same).
DECIDE_RETURNS = "fulfilment.decide_returnrequest"


class ReturnError(Exception):
    """A return that breaks a rule; the message is for the user."""


# --- The photo -------------------------------------------------------------------------------
# What a photo may be is kit.uploads' rule (shared with service tickets): `validate_photo`.


def photo_content_type(return_request: ReturnRequest) -> str:
    return uploads.photo_content_type(return_request.photo.name)


# --- Reads -----------------------------------------------------------------------------------

# What a return holds on a shipment line: every return but the refused ones.
_HELD = ~Q(return_lines__request__state=ReturnRequest.State.REFUSED)


def return_days() -> int:
    """How many days after delivery goods may still be returned (TRADECOUNTER_RETURN_DAYS)."""
    return settings.TRADECOUNTER_RETURN_DAYS


def delivered_since(today: date | None = None) -> datetime:
    """The first moment of the oldest local day whose deliveries may still be returned today."""
    today = today or timezone.localdate()
    first_day = today - timedelta(days=return_days())
    return timezone.make_aware(datetime.combine(first_day, time.min))


def _delivered_lines(order: Order) -> QuerySet[ShipmentLine]:
    return ShipmentLine.objects.filter(shipment__order=order, shipment__state=Shipment.State.DELIVERED)


def returnable_lines(order: Order, *, today: date | None = None) -> QuerySet[ShipmentLine]:
    """The order's shipment lines delivered within the return window, with `returned` (already
    being returned) and `returnable` (shipped minus returned) annotated, in shipment order."""
    return (
        _delivered_lines(order)
        .filter(shipment__delivered_at__gte=delivered_since(today))
        .annotate(returned=Coalesce(Sum("return_lines__quantity", filter=_HELD), 0))
        .annotate(returnable=F("quantity") - F("returned"))
        .select_related("shipment", "lot", "order_line")
        .order_by("shipment__shipped_at", "pk")
    )


def may_request_return(order: Order) -> bool:
    return order.shipments.filter(state=Shipment.State.DELIVERED, delivered_at__gte=delivered_since()).exists()


def returns_for_staff(user) -> QuerySet[ReturnRequest]:
    """The returns of the customers this staff user may see (a sales rep: their own)."""
    if sees_all_companies(user):
        return ReturnRequest.objects.all()
    return ReturnRequest.objects.filter(company__in=companies_for_staff(user).values("pk"))


def return_number(pk: int) -> str:
    return f"RMA-{pk:06d}"


# --- Requesting ------------------------------------------------------------------------------


def request_return(
    *, order: Order, user, reason: str, reason_text: str = "", quantities: dict[int, int], photo=None
) -> ReturnRequest:
    """Ask to return `quantities` ({shipment line id: quantity}) of `order`'s delivered lines
    (see the module's docstring)."""
    reason_text = (reason_text or "").strip()
    if reason not in ReturnReason.values:
        raise ReturnError(_("Choose a reason from the list."))
    if reason == ReturnReason.OTHER and not reason_text:
        raise ReturnError(_("Say what is wrong with the goods."))
    wanted = {int(pk): int(quantity) for pk, quantity in quantities.items() if quantity}
    if not wanted:
        raise ReturnError(_("Say how much of which line you want to return."))
    if any(quantity < 0 for quantity in wanted.values()):
        raise ReturnError(_("A returned quantity must be positive."))
    extension = validate_photo(photo) if photo else None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        lines = {line.pk: line for line in returnable_lines(order).filter(pk__in=list(wanted))}
        for pk, quantity in sorted(wanted.items()):
            line = lines.get(pk)
            if line is None:
                raise ReturnError(_too_late(order, pk) or _("Only delivered lines of this order can be returned."))
            if quantity > line.returnable:
                raise ReturnError(
                    _("At most %(count)s of %(sku)s, lot %(lot)s, can still be returned.")
                    % {"count": line.returnable, "sku": line.order_line.sku, "lot": line.lot.number}
                )
        return_request = ReturnRequest.objects.create(
            number=f"new-{uuid.uuid4().hex[:12]}",
            order=order,
            company_id=order.company_id,
            requested_by=user,
            reason=reason,
            reason_text=reason_text,
        )
        return_request.number = return_number(return_request.pk)
        return_request.save(update_fields=["number"])
        ReturnLine.objects.bulk_create(
            ReturnLine(
                request=return_request,
                shipment_line=line,
                order_line=line.order_line,
                lot=line.lot,
                quantity=wanted[pk],
                unit_price=line.order_line.unit_price,
                tax_rate=line.order_line.tax_rate,
            )
            for pk, line in sorted(lines.items())
        )
        if photo:
            return_request.photo.save(f"photo.{extension}", photo, save=True)
        pk = return_request.pk
        transaction.on_commit(lambda: send_return_requested.enqueue(return_id=pk), robust=True)
    return return_request


def _too_late(order: Order, shipment_line_id: int) -> str:
    """Why a delivered line of the order can no longer be returned, or "" if it is not one."""
    line = _delivered_lines(order).filter(pk=shipment_line_id).select_related("shipment", "order_line", "lot").first()
    if line is None:
        return ""
    return _(
        "%(sku)s, lot %(lot)s, was delivered on %(date)s: goods can be returned only within %(days)s days of delivery."
    ) % {
        "sku": line.order_line.sku,
        "lot": line.lot.number,
        "date": date_format(timezone.localtime(line.shipment.delivered_at).date(), "SHORT_DATE_FORMAT"),
        "days": return_days(),
    }


def return_deciders(company) -> list:
    """Who in the back office hears of a company's new return: its sales rep, or, for a company
    without one, the active staff whose roles (or own permissions) decide returns."""
    if company.sales_rep_id and company.sales_rep.is_active:
        return [company.sales_rep]
    return staff_holding(DECIDE_RETURNS)


@task()
def send_return_requested(*, return_id: int) -> None:
    """Tell staff a return waits for their decision, each in their own language (kit.phrases).

    A staff notification (no company) of its own kind, so staff can choose how they hear of
    returns apart from approvals."""
    return_request = ReturnRequest.objects.select_related("order", "company__sales_rep").get(pk=return_id)
    notify(
        users=return_deciders(return_request.company),
        kind=NotificationKind.RETURN_REQUESTED,
        params={
            "number": return_request.number,
            "order": return_request.order.number,
            "company": str(return_request.company),
            "reason": kit_phrases.phrase(phrases.return_reason_code(return_request.reason)),
        },
        url=reverse("fulfilment_returns:return", args=[return_request.pk]),
    )


# --- Deciding --------------------------------------------------------------------------------


def decide_return(*, return_request: ReturnRequest, approve: bool, reason: str = "", user) -> ReturnRequest:
    """Approve or refuse a requested return (a refusal needs a reason); the requester is told."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ReturnError(_("Say why the return is refused."))
    with transaction.atomic():
        return_request = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
        if return_request.state != ReturnRequest.State.REQUESTED:
            raise ReturnError(
                _("Return %(number)s is already %(state)s.")
                % {"number": return_request.number, "state": return_request.get_state_display().lower()}
            )
        return_request.state = ReturnRequest.State.APPROVED if approve else ReturnRequest.State.REFUSED
        return_request.decision_reason = reason
        return_request.decided_by = user
        return_request.decided_at = timezone.now()
        return_request.save(update_fields=["state", "decision_reason", "decided_by", "decided_at"])
        pk = return_request.pk
        transaction.on_commit(lambda: send_return_decided.enqueue(return_id=pk), robust=True)
    return return_request


@task()
def send_return_decided(*, return_id: int) -> None:
    """Tell the requester what staff decided, in their language (kit.phrases)."""
    return_request = ReturnRequest.objects.select_related("order", "company", "requested_by").get(pk=return_id)
    approved = return_request.state != ReturnRequest.State.REFUSED
    notify(
        users=[return_request.requested_by],
        kind=NotificationKind.RETURN_APPROVED if approved else NotificationKind.RETURN_REFUSED,
        params={
            "number": return_request.number,
            "order": return_request.order.number,
            "reason": return_request.decision_reason,
        },
        company=return_request.company,
        url=reverse("fulfilment:return_detail", args=[return_request.number]),
    )


# --- Receiving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happens to one return line: restocked or written off, at `location`."""

    outcome: str
    location: Location


def receive_return(*, return_request: ReturnRequest, outcomes: dict[int, Outcome], user) -> ReturnRequest:
    """Receive an approved return: every line restocked into its lot or written off, at a
    location of the product's temperature zone (`outcomes`: {return line id: Outcome})."""
    with transaction.atomic():
        return_request = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
        if return_request.state != ReturnRequest.State.APPROVED:
            raise ReturnError(
                _("Only an approved return can be received; %(number)s is %(state)s.")
                % {"number": return_request.number, "state": return_request.get_state_display().lower()}
            )
        # Lots by primary key: the lock order every stock change shares.
        lines = list(return_request.lines.select_related("lot__product").order_by("lot_id", "pk"))
        if set(outcomes) != {line.pk for line in lines}:
            raise ReturnError(_("Say for every line whether it goes back to stock or is written off."))
        today = timezone.localdate()
        try:
            for line in lines:
                _receive_line(line, outcomes[line.pk], return_request, user, today)
        except StockError as error:
            raise ReturnError(str(error)) from error
        ReturnLine.objects.bulk_update(lines, ["outcome", "location"])
        return_request.state = ReturnRequest.State.RECEIVED
        return_request.received_by = user
        return_request.received_at = timezone.now()
        return_request.save(update_fields=["state", "received_by", "received_at"])
    return return_request


def _receive_line(line: ReturnLine, outcome: Outcome, return_request: ReturnRequest, user, today) -> None:
    if outcome.outcome not in ReturnLine.Outcome.values:
        raise ReturnError(_("Say for every line whether it goes back to stock or is written off."))
    if outcome.outcome == ReturnLine.Outcome.RESTOCK and line.lot.expiry_date < today:
        raise ReturnError(
            _("Lot %(lot)s has expired: write it off instead of restocking it.") % {"lot": line.lot.number}
        )
    why = _("Return %(number)s: %(reason)s") % {
        "number": return_request.number,
        "reason": kit_phrases.phrase(phrases.return_reason_code(return_request.reason)),
    }
    return_to_stock(
        lot=line.lot,
        location=outcome.location,
        quantity=line.quantity,
        reason=why,
        user=user,
        reference=return_request.number,
    )
    if outcome.outcome == ReturnLine.Outcome.WRITE_OFF:
        write_off_stock(lot=line.lot, location=outcome.location, quantity=line.quantity, reason=why, user=user)
    line.outcome = outcome.outcome
    line.location = outcome.location


def close_return(*, return_request: ReturnRequest, user) -> ReturnRequest:
    """A received return that billing has credited is closed."""
    with transaction.atomic():
        return_request = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
        if return_request.state != ReturnRequest.State.RECEIVED:
            raise ReturnError(_("Only a received return can be closed."))
        return_request.state = ReturnRequest.State.CLOSED
        return_request.closed_at = timezone.now()
        return_request.save(update_fields=["state", "closed_at"])
    return return_request


# --- The credit note's basis -----------------------------------------------------------------


@dataclass(frozen=True)
class CreditLine:
    order_line_id: int
    sku: str
    name_en: str
    name_zh: str
    lot: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class CreditNoteBasis:
    """What billing credits for a received return, in the order's currency."""

    return_number: str
    order_number: str
    currency: str
    lines: tuple[CreditLine, ...]

    @property
    def net_total(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal("0.00"))

    @property
    def tax_total(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.net_total + self.tax_total


def credit_note_lines(return_request: ReturnRequest) -> CreditNoteBasis:
    """Each returned line at the order's snapshot price: net = quantity × unit price, tax =
    net × rate, both rounded to the cent as the order rounded them (ordering.services.common.money)."""
    if return_request.state not in (ReturnRequest.State.RECEIVED, ReturnRequest.State.CLOSED):
        raise ReturnError(_("Only a received return is credited."))
    lines = []
    for line in return_request.lines.select_related("order_line", "lot").order_by("pk"):
        net = money(line.unit_price * line.quantity)
        lines.append(
            CreditLine(
                order_line_id=line.order_line_id,
                sku=line.order_line.sku,
                name_en=line.order_line.name_en,
                name_zh=line.order_line.name_zh,
                lot=line.lot.number,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                net=net,
                tax=money(net * line.tax_rate / 100),
            )
        )
    return CreditNoteBasis(
        return_number=return_request.number,
        order_number=return_request.order.number,
        currency=return_request.order.currency,
        lines=tuple(lines),
    )
