"""The clock: due times from the targets of the kind when opened, times to first answer and to
resolution, breaches running or closed (Python and SQL agree), the figures by kind, and each
breach told once."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from portal.tickets import clock, services
from portal.tickets.models import ServiceTarget, Ticket, TicketKind

OPENED = timezone.make_aware(datetime(2026, 12, 1, 9, 0))


def _open(company, buyer, shipped, kind=TicketKind.QUALITY):
    return services.open_ticket(
        company=company, user=buyer, kind=kind, subject="Soft", text="Thawed", about=f"order:{shipped['order'].pk}"
    )


def test_the_targets_are_seeded_and_fixed_on_the_ticket_when_it_opens(shipped, company, buyer):
    assert ServiceTarget.objects.get(kind=TicketKind.QUALITY).first_response_hours == 4
    with time_machine.travel(OPENED, tick=False):
        ticket = _open(company, buyer, shipped)
    assert ticket.respond_by == OPENED + timedelta(hours=4)
    assert ticket.resolve_by == OPENED + timedelta(hours=48)
    ServiceTarget.objects.filter(kind=TicketKind.QUALITY).update(first_response_hours=1, resolution_hours=2)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.respond_by == OPENED + timedelta(hours=4)  # the ticket keeps its own


def test_a_kind_without_a_target_row_takes_the_default(shipped, company, buyer):
    ServiceTarget.objects.filter(kind=TicketKind.LATE_DELIVERY).delete()
    with time_machine.travel(OPENED, tick=False):
        ticket = _open(company, buyer, shipped, kind=TicketKind.LATE_DELIVERY)
    assert (ticket.respond_by - OPENED, ticket.resolve_by - OPENED) == (timedelta(hours=2), timedelta(hours=24))


def _breached_in_sql(ticket, now):
    found = Ticket.objects.filter(pk=ticket.pk)
    return (
        found.filter(clock.response_breached(now)).exists(),
        found.filter(clock.resolution_breached(now)).exists(),
    )


def test_running_and_closed_breaches(shipped, company, buyer, staff_manager):
    with time_machine.travel(OPENED, tick=False) as travel:
        ticket = _open(company, buyer, shipped)  # 4 h to answer, 48 h to resolve
        travel.move_to(OPENED + timedelta(hours=3, minutes=59))
        now = timezone.now()
        running = clock.clock(Ticket.objects.get(pk=ticket.pk), now)
        assert running.to_first_response == timedelta(hours=3, minutes=59) and not running.breached
        assert _breached_in_sql(ticket, now) == (False, False)

        travel.move_to(OPENED + timedelta(hours=4, minutes=1))
        now = timezone.now()
        late = clock.clock(Ticket.objects.get(pk=ticket.pk), now)
        assert (late.response_breached, late.resolution_breached) == (True, False)
        assert _breached_in_sql(ticket, now) == (True, False)

        travel.move_to(OPENED + timedelta(hours=5))
        services.staff_reply(ticket=ticket, user=staff_manager, text="On it")
        travel.move_to(OPENED + timedelta(hours=30))
        services.resolve(ticket=ticket, user=staff_manager, resolution="Credited")
        travel.move_to(OPENED + timedelta(days=10))
        now = timezone.now()
        closed = clock.clock(Ticket.objects.get(pk=ticket.pk), now)
    # Answered after 5 h of 4 (a closed breach), resolved in 30 h of 48 (in time), whenever asked.
    assert (closed.to_first_response, closed.to_resolution) == (timedelta(hours=5), timedelta(hours=30))
    assert (closed.response_breached, closed.resolution_breached) == (True, False)
    assert _breached_in_sql(ticket, now) == (True, False)


def test_the_figures_by_kind(shipped, company, buyer, staff_manager):
    with time_machine.travel(OPENED, tick=False) as travel:
        first = _open(company, buyer, shipped)
        second = _open(company, buyer, shipped)
        _open(company, buyer, shipped, kind=TicketKind.LATE_DELIVERY)
        travel.move_to(OPENED + timedelta(hours=2))
        services.staff_reply(ticket=first, user=staff_manager, text="a")
        travel.move_to(OPENED + timedelta(hours=6))
        services.resolve(ticket=second, user=staff_manager, resolution="b")
        travel.move_to(OPENED + timedelta(hours=10))
        figures = {f.kind: f for f in clock.figures_by_kind(Ticket.objects.all(), timezone.now())}
    quality = figures[TicketKind.QUALITY]
    assert (quality.opened, quality.still_open, quality.breached) == (2, 1, 1)  # the second answered after 6 h
    assert quality.average_first_response == timedelta(hours=4)  # (2 + 6) / 2
    assert quality.average_resolution == timedelta(hours=6)
    late = figures[TicketKind.LATE_DELIVERY]
    assert (late.opened, late.still_open, late.breached, late.average_first_response) == (1, 1, 1, None)
    assert figures[TicketKind.TEMPERATURE].opened == 0


def test_each_breach_is_told_once_to_the_assignee_and_the_managers(
    shipped, company, buyer, staff_manager, staff_warehouse
):
    with time_machine.travel(OPENED, tick=False) as travel:
        ticket = _open(company, buyer, shipped)
        services.assign(ticket=ticket, assignee=staff_warehouse, user=staff_manager)
        travel.move_to(OPENED + timedelta(hours=3))
        assert services.send_breach_notices.call() == 0
        travel.move_to(OPENED + timedelta(hours=5))
        assert services.send_breach_notices.call() == 1
        assert services.send_breach_notices.call() == 0
        travel.move_to(OPENED + timedelta(hours=49))
        assert services.send_breach_notices.call() == 1
    told = Notification.objects.filter(kind=NotificationKind.TICKET_BREACHED)
    assert sorted(n.user.email for n in told) == sorted([staff_warehouse.email, staff_manager.email] * 2)
    titles = {n.body for n in told.filter(user=staff_manager)}
    assert any("the first answer was due" in body for body in titles)
    assert any("the resolution was due" in body for body in titles)


@pytest.mark.parametrize("hours", [(0, 5), (10, 5)])
def test_a_target_must_be_sensible(hours, db):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceTarget.objects.filter(kind=TicketKind.QUALITY).update(
            first_response_hours=hours[0], resolution_hours=hours[1]
        )
