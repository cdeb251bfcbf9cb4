"""Service tickets' verbs: opening one about the company's own things only, photos, the
conversation (internal notes), assign, resolve, reopen, rate, and the notifications both ways."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from portal.tickets import services
from portal.tickets.models import Ticket, TicketKind, TicketMessage, TicketPhoto
from tests.factories import CompanyFactory, LotFactory, StaffFactory
from tests.tickets.helpers import image_bytes, upload


def _open(company, user, about, kind=TicketKind.QUALITY, photos=()):
    return services.open_ticket(
        company=company,
        user=user,
        kind=kind,
        subject="Thawed on arrival",
        text="The cases were soft when they arrived.",
        about=about,
        photos=photos,
    )


@pytest.mark.parametrize("what", ["order", "line", "shipment", "lot", "invoice"])
def test_a_buyer_opens_a_ticket_about_each_kind_of_thing_of_theirs(what, shipped, company, buyer):
    ticket = _open(company, buyer, f"{what}:{shipped[what].pk}")
    field = "order_line" if what == "line" else what
    assert getattr(ticket, field) == shipped[what]
    assert ticket.number == f"TK-{ticket.pk:06d}" and ticket.state == Ticket.State.OPEN
    assert ticket.messages.get().text == "The cases were soft when they arrived."
    if what in ("line", "shipment"):
        assert ticket.order == shipped["order"]


@pytest.mark.parametrize("what", ["order", "line", "shipment", "lot", "invoice"])
def test_another_companys_things_are_refused(what, shipped, other_company, outsider):
    with pytest.raises(services.TicketError, match="choose one of your"):
        _open(other_company, outsider, f"{what}:{shipped[what].pk}")
    assert Ticket.objects.count() == 0


def test_a_lot_the_company_never_received_is_refused(shipped, company, buyer):
    with pytest.raises(services.TicketError, match="choose one of your"):
        _open(company, buyer, f"lot:{LotFactory().pk}")


def test_a_statement_dispute_is_not_opened_by_hand(shipped, company, buyer):
    with pytest.raises(services.TicketError, match="Kind"):
        _open(company, buyer, f"order:{shipped['order'].pk}", kind=TicketKind.STATEMENT_DISPUTE)


def test_photos_are_kept_under_the_type_found_and_a_bad_one_refuses_all(shipped, company, buyer):
    ticket = _open(
        company,
        buyer,
        f"lot:{shipped['lot'].pk}",
        photos=[upload("a.jpg", image_bytes("PNG")), upload("b.webp", image_bytes("WEBP"))],
    )
    names = sorted(photo.file.name.rsplit(".", 1)[-1] for photo in ticket.photos.all())
    assert names == ["png", "webp"]
    assert {photo.name for photo in ticket.photos.all()} == {"a.jpg", "b.webp"}

    with pytest.raises(services.TicketError, match="Photo “b.gif”: Send a JPEG, PNG or WebP photo"):
        _open(company, buyer, f"lot:{shipped['lot'].pk}", photos=[upload("a.png"), upload("b.gif", image_bytes("GIF"))])
    assert Ticket.objects.count() == 1 and TicketPhoto.objects.count() == 2


def test_at_most_five_photos_at_once(shipped, company, buyer):
    with pytest.raises(services.TicketError, match="at most 5"):
        _open(company, buyer, f"order:{shipped['order'].pk}", photos=[upload(f"{n}.png") for n in range(6)])


def test_the_rep_hears_of_a_new_ticket_else_the_staff_handling_its_kind(
    shipped, company, buyer, staff_sales_rep, staff_manager, staff_warehouse
):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    ticket = _open(company, buyer, f"lot:{shipped['lot'].pk}")
    opened = Notification.objects.filter(kind=NotificationKind.TICKET_OPENED)
    assert [n.user for n in opened] == [staff_sales_rep]
    assert opened.get().title == f"New service ticket {ticket.number}: Quality problem"

    company.sales_rep = None
    company.save(update_fields=["sales_rep"])
    Notification.objects.all().delete()
    _open(company, buyer, f"lot:{shipped['lot'].pk}")
    assert {n.user for n in Notification.objects.filter(kind=NotificationKind.TICKET_OPENED)} == {
        staff_manager,
        staff_warehouse,
    }
    Notification.objects.all().delete()
    # A late delivery is not the warehouse's.
    _open(company, buyer, f"order:{shipped['order'].pk}", kind=TicketKind.LATE_DELIVERY)
    assert {n.user for n in Notification.objects.filter(kind=NotificationKind.TICKET_OPENED)} == {staff_manager}


def test_internal_notes_are_staffs_and_a_reply_stops_the_response_clock(shipped, company, buyer, staff_manager):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ticket = _open(company, buyer, f"lot:{shipped['lot'].pk}")
        clock.shift(timedelta(hours=1))
        services.staff_reply(ticket=ticket, user=staff_manager, text="Checking the lot.", internal=True)
        assert Ticket.objects.get(pk=ticket.pk).first_response_at is None
        assert not Notification.objects.filter(user=buyer, kind=NotificationKind.TICKET_UPDATED).exists()
        clock.shift(timedelta(hours=1))
        services.staff_reply(ticket=ticket, user=staff_manager, text="Sorry: we will credit them.")
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert ticket.first_response_at - ticket.opened_at == timedelta(hours=2)
    told = Notification.objects.get(user=buyer, kind=NotificationKind.TICKET_UPDATED)
    assert told.title == f"Your ticket {ticket.number}: we replied"
    assert TicketMessage.objects.filter(ticket=ticket, internal=True).count() == 1


def test_the_assignee_hears_the_customers_reply(shipped, company, buyer, staff_manager, staff_warehouse):
    ticket = _open(company, buyer, f"lot:{shipped['lot'].pk}")
    services.assign(ticket=ticket, assignee=staff_warehouse, user=staff_manager)
    assert Notification.objects.filter(user=staff_warehouse, kind=NotificationKind.TICKET_UPDATED).count() == 1
    services.customer_reply(ticket=ticket, user=buyer, text="Photos attached.", photos=[upload("c.png")])
    told = Notification.objects.filter(user=staff_warehouse, kind=NotificationKind.TICKET_UPDATED).first()
    assert told.title == f"Ticket {ticket.number} ({company}): the customer replied"


def test_only_a_colleague_who_handles_the_kind_and_customer_is_assigned(
    shipped, company, buyer, staff_manager, staff_warehouse, staff_sales_rep
):
    ticket = _open(company, buyer, f"order:{shipped['order'].pk}", kind=TicketKind.LATE_DELIVERY)
    with pytest.raises(services.TicketError, match="Assign to"):
        services.assign(ticket=ticket, assignee=staff_warehouse, user=staff_manager)  # not their kind
    with pytest.raises(services.TicketError, match="Assign to"):
        services.assign(ticket=ticket, assignee=staff_sales_rep, user=staff_manager)  # not their customer
    with pytest.raises(services.TicketError, match="Assign to"):
        services.assign(ticket=ticket, assignee=StaffFactory(), user=staff_manager)  # no role


def test_resolve_rate_once_and_reopen(shipped, company, buyer, staff_manager):
    ticket = _open(company, buyer, f"lot:{shipped['lot'].pk}")
    with pytest.raises(services.TicketError, match="once it is resolved"):
        services.rate(ticket=ticket, user=buyer, rating=5)
    services.resolve(ticket=ticket, user=staff_manager, resolution="Credited 2 cases.")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.state == Ticket.State.RESOLVED and ticket.first_response_at == ticket.resolved_at
    with pytest.raises(services.TicketError, match="resolved: rate"):
        services.customer_reply(ticket=ticket, user=buyer, text="And?")
    with pytest.raises(services.TicketError, match="1 to 5"):
        services.rate(ticket=ticket, user=buyer, rating=6)
    services.rate(ticket=ticket, user=buyer, rating=4, comment="Quick")
    with pytest.raises(services.TicketError, match="rated already"):
        services.rate(ticket=ticket, user=buyer, rating=1)
    services.reopen(ticket=ticket, user=staff_manager, reason="The credit note is missing.")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.state, ticket.resolved_at, ticket.rating) == (Ticket.State.OPEN, None, None)
    assert ticket.messages.last().text == "The credit note is missing."


def test_an_empty_message_names_the_field(shipped, company, buyer):
    with pytest.raises(services.TicketError, match="What happened: write something"):
        services.open_ticket(
            company=company,
            user=buyer,
            kind=TicketKind.QUALITY,
            subject="S",
            text="  ",
            about=f"order:{shipped['order'].pk}",
        )


def test_tickets_of_other_companies_never_mix(shipped, company, buyer):
    _open(company, buyer, f"order:{shipped['order'].pk}")
    assert not Ticket.objects.filter(company=CompanyFactory()).exists()
