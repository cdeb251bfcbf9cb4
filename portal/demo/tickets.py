"""The demo's service tickets (the last step of seed_demo): a customer's quality ticket on the
recalled lot, answered, resolved and rated; a late delivery nobody has answered, past its
targets (the Service dashboard's breach); a temperature complaint answered in time and still
open; and a fresh technical question. Each is found again by its company and subject, so a
second run adds nothing. The tickets are opened through portal.tickets.services (the clock and
notifications as in real life), then moved back to when they happened."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, User
from catalog.models import Lot
from ordering.fulfilment.models import Shipment, ShipmentLine
from ordering.models import Order
from portal.tickets import clock, services
from portal.tickets.models import Ticket, TicketKind, TicketMessage

from .catalog import RECALLED_LOT
from .data import STAFF_DOMAIN
from .people import SeedReport

RECALL_SUBJECT = "Recalled dumplings: what do we do with our stock?"
LATE_SUBJECT = "This order has not arrived"
TEMPERATURE_SUBJECT = "Chilled cases arrived warm"
QUESTION_SUBJECT = "How long do the fish fillets keep once thawed?"


def _buyer(company) -> User | None:
    membership = (
        Membership.objects.filter(company=company, role__in=[Membership.Role.BUYER, Membership.Role.ADMIN])
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership else None


def _staff(key: str) -> User:
    return User.objects.get(email=f"{key}@{STAFF_DOMAIN}")


def _back_in_time(ticket: Ticket, hours: float) -> None:
    """Move the ticket and all it holds `hours` into the past (the clock keeps its spans)."""
    shift = timedelta(hours=hours)
    Ticket.objects.filter(pk=ticket.pk).update(
        opened_at=F("opened_at") - shift,
        respond_by=F("respond_by") - shift,
        resolve_by=F("resolve_by") - shift,
        first_response_at=F("first_response_at") - shift,
        resolved_at=F("resolved_at") - shift,
        rated_at=F("rated_at") - shift,
    )
    TicketMessage.objects.filter(ticket=ticket).update(created_at=F("created_at") - shift)


def _open(report, company, user, *, kind, subject, text, about) -> Ticket | None:
    if Ticket.objects.filter(company=company, subject=subject).exists():
        return None
    ticket = services.open_ticket(company=company, user=user, kind=kind, subject=subject, text=text, about=about)
    report.record(ticket, True)
    return ticket


def _recall_ticket(report, manager, warehouse) -> None:
    line = (
        ShipmentLine.objects.filter(lot__number=RECALLED_LOT)
        .select_related("shipment__order__company")
        .order_by("shipment__shipped_at", "pk")
        .first()
    )
    if line is None:
        return
    company = line.shipment.order.company
    buyer = _buyer(company)
    lot = Lot.objects.get(pk=line.lot_id)
    ticket = _open(
        report,
        company,
        buyer,
        kind=TicketKind.QUALITY,
        subject=RECALL_SUBJECT,
        text=f"We got your recall notice for lot {lot.number}. We still have 3 cases in our freezer: "
        "do you collect them, and will they be credited?",
        about=f"lot:{lot.pk}",
    )
    if ticket is None:
        return
    services.assign(ticket=ticket, assignee=warehouse, user=manager)
    services.staff_reply(ticket=ticket, user=warehouse, text="Checked the trace: 3 cases went to you.", internal=True)
    services.staff_reply(
        ticket=ticket, user=warehouse, text="Our van collects the 3 cases tomorrow morning; keep them frozen."
    )
    services.resolve(
        ticket=ticket,
        user=warehouse,
        resolution="Collected 3 cases; a credit note for them follows with your statement.",
    )
    services.rate(ticket=ticket, user=buyer, rating=5, comment="Fast and clear, thank you.")
    _back_in_time(ticket, 24 * 6)


def _late_ticket(report) -> None:
    """Unanswered for two days: both its targets are breached (running)."""
    order = Order.objects.filter(shipments__isnull=True).select_related("company").order_by("-pk").first()
    if order is None or (buyer := _buyer(order.company)) is None:
        return
    ticket = _open(
        report,
        order.company,
        buyer,
        kind=TicketKind.LATE_DELIVERY,
        subject=LATE_SUBJECT,
        text="We expected it yesterday before 10:00 and our kitchen is waiting.",
        about=f"order:{order.pk}",
    )
    if ticket:
        _back_in_time(ticket, 50)


def _temperature_ticket(report, warehouse) -> None:
    shipment = (
        Shipment.objects.filter(state=Shipment.State.DELIVERED).select_related("order__company").order_by("-pk").first()
    )
    if shipment is None or (buyer := _buyer(shipment.order.company)) is None:
        return
    ticket = _open(
        report,
        shipment.order.company,
        buyer,
        kind=TicketKind.TEMPERATURE,
        subject=TEMPERATURE_SUBJECT,
        text="The probe read 9 °C on two chilled cases when they arrived.",
        about=f"shipment:{shipment.pk}",
    )
    if ticket:
        services.assign(ticket=ticket, assignee=warehouse, user=warehouse)
        services.staff_reply(
            ticket=ticket, user=warehouse, text="Sorry: we are reading the van's logger and will call you today."
        )
        _back_in_time(ticket, 3)


def _question_ticket(report) -> None:
    order = Order.objects.select_related("company").order_by("-pk").first()
    if order is None or (buyer := _buyer(order.company)) is None:
        return
    _open(
        report,
        order.company,
        buyer,
        kind=TicketKind.TECHNICAL_QUESTION,
        subject=QUESTION_SUBJECT,
        text="Our chef asks how many days they keep in the fridge after thawing.",
        about=f"order:{order.pk}",
    )


def seed_tickets(report: SeedReport) -> None:
    manager, warehouse = _staff("manager"), _staff("warehouse")
    _recall_ticket(report, manager, warehouse)
    _late_ticket(report)
    _temperature_ticket(report, warehouse)
    _question_ticket(report)
    breached = Ticket.objects.filter(clock.breached(timezone.now())).count()
    report.insight.append(f"{Ticket.objects.count()} tickets, {breached} past target")
