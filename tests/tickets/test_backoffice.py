"""Tickets in the back office: the role matrix (who sees which kinds, of which customers, who
acts), a rep never sees another rep's customers' tickets (queue, ticket, photo, dashboard, 360°),
the queue's filters and fixed query counts, the trace link of a quality ticket on a lot, and the
Service dashboard's figures."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from ordering.models import OrderState
from portal.tickets.models import Ticket, TicketKind
from tests.factories import CompanyFactory, LotFactory, MembershipFactory, StaffFactory, with_second_factor
from tests.tickets.helpers import make_ticket

ROLE_FIXTURES = {
    roles.SALES_REP: "staff_sales_rep",
    roles.ORDER_APPROVER: "staff_order_approver",
    roles.FINANCE: "staff_finance",
    roles.WAREHOUSE: "staff_warehouse",
    roles.MANAGER: "staff_manager",
    roles.CONTENT_EDITOR: "staff_content_editor",
}
GOODS = {TicketKind.QUALITY, TicketKind.MISSING_ITEM, TicketKind.TEMPERATURE}
# Which kinds each role sees (of the customers it sees) and whether it acts on them.
SEES = {
    roles.SALES_REP: set(TicketKind.values),
    roles.ORDER_APPROVER: set(),
    roles.FINANCE: {TicketKind.STATEMENT_DISPUTE},
    roles.WAREHOUSE: GOODS,
    roles.MANAGER: set(TicketKind.values),
    roles.CONTENT_EDITOR: set(),
}


def _staff_client(user) -> Client:
    client = Client()
    client.force_login(with_second_factor(user))
    return client


@pytest.fixture
def tickets_of_every_kind(company, buyer, staff_sales_rep):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    return {kind: make_ticket(company, buyer, kind=kind, photo=True) for kind in TicketKind.values}


@pytest.mark.parametrize("role", list(ROLE_FIXTURES))
def test_the_role_matrix(role, request, tickets_of_every_kind):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    client = _staff_client(user)
    queue = client.get(reverse("tickets_backoffice:queue"))
    for kind, ticket in tickets_of_every_kind.items():
        page = client.get(reverse("tickets_backoffice:ticket", args=[ticket.pk]))
        photo = client.get(reverse("tickets_backoffice:photo", args=[ticket.pk, ticket.photos.get().pk]))
        replied = client.post(
            reverse("tickets_backoffice:ticket", args=[ticket.pk]), {"action": "reply", "text": f"Answer by {role}"}
        )
        answered = ticket.messages.filter(text=f"Answer by {role}").exists()
        if kind in SEES[role]:
            assert page.status_code == 200 and photo.status_code == 200, (role, kind)
            assert ticket.number in queue.content.decode()
            assert replied.status_code == 302 and answered, (role, kind)
        else:
            assert page.status_code in (302, 403, 404) and photo.status_code in (302, 403, 404), (role, kind)
            assert queue.status_code != 200 or ticket.number not in queue.content.decode()
            assert not answered, (role, kind)


def test_the_role_table_gives_ticket_powers_as_the_matrix_says():
    for role, kinds in SEES.items():
        granted = roles.STAFF_GROUP_PERMISSIONS[role]
        assert ("tickets.change_ticket" in granted) == bool(kinds), role
    # Only the manager keeps the service targets.
    keepers = {r for r, perms in roles.STAFF_GROUP_PERMISSIONS.items() if "tickets.change_servicetarget" in perms}
    assert keepers == {roles.MANAGER}


def test_a_rep_never_sees_another_reps_customers_tickets(client, company, buyer, staff_sales_rep):
    theirs = CompanyFactory(sales_rep=StaffFactory())
    other_buyer = MembershipFactory(company=theirs).user
    hidden = make_ticket(theirs, other_buyer, kind=TicketKind.QUALITY, photo=True)
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    mine = make_ticket(company, buyer, kind=TicketKind.QUALITY)
    rep = _staff_client(staff_sales_rep)
    queue = rep.get(reverse("tickets_backoffice:queue") + "?state=all").content.decode()
    assert mine.number in queue and hidden.number not in queue
    assert rep.get(reverse("tickets_backoffice:ticket", args=[hidden.pk])).status_code == 404
    assert rep.get(reverse("tickets_backoffice:photo", args=[hidden.pk, hidden.photos.get().pk])).status_code == 404
    # Both breached (opened long ago): only the rep's own is counted and listed.
    Ticket.objects.update(opened_at=timezone.now() - timedelta(days=5), respond_by=timezone.now() - timedelta(days=4))
    dashboard = rep.get(reverse("tickets_backoffice:dashboard"))
    assert next(f for f in dashboard.context["figures"] if f.kind == TicketKind.QUALITY).opened == 1
    assert [t.number for t in dashboard.context["breaches"]] == [mine.number]
    section = rep.get(reverse("customers:inspect", args=[company.pk])).content.decode()
    assert "data-360-tickets" in section and mine.number in section


def test_the_queue_filters_and_its_queries_do_not_grow(
    company, buyer, staff_manager, staff_warehouse, django_assert_max_num_queries
):
    client = _staff_client(staff_manager)
    make_ticket(company, buyer, kind=TicketKind.QUALITY, assignee=staff_warehouse)
    url = reverse("tickets_backoffice:queue")
    client.get(url)

    def queries():
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    past = timezone.now() - timedelta(days=5)
    for n in range(15):
        make_ticket(company, buyer, kind=TicketKind.LATE_DELIVERY, opened_at=past if n % 2 else None)
    many = queries()
    assert many == few
    breached = client.get(url + "?breached=1").context["tickets"]
    assert len(breached) == 7 and all(t.clock.breached for t in breached)
    assert len(client.get(url + f"?assignee={staff_warehouse.pk}").context["tickets"]) == 1
    assert len(client.get(url + "?assignee=none&kind=late_delivery").context["tickets"]) == 15


def test_the_dashboard_and_the_360_section_keep_their_queries(
    company, buyer, staff_manager, django_assert_max_num_queries
):
    client = _staff_client(staff_manager)
    url = reverse("tickets_backoffice:dashboard")
    make_ticket(company, buyer, opened_at=timezone.now() - timedelta(days=4))
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _n in range(12):
        make_ticket(company, buyer, kind=TicketKind.QUALITY, opened_at=timezone.now() - timedelta(days=3))
    with django_assert_max_num_queries(30) as many:
        response = client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(response.context["breaches"]) == 13


def test_a_quality_ticket_on_a_lot_links_to_its_trace(company, buyer, staff_manager, staff_sales_rep):
    lot = LotFactory()
    ticket = make_ticket(company, buyer, kind=TicketKind.QUALITY, lot=lot)
    client = _staff_client(staff_manager)
    page = client.get(reverse("tickets_backoffice:ticket", args=[ticket.pk])).content.decode()
    assert reverse("fulfilment_trace:lot", args=[lot.pk]) in page
    question = make_ticket(company, buyer, kind=TicketKind.TECHNICAL_QUESTION, lot=lot)
    page = client.get(reverse("tickets_backoffice:ticket", args=[question.pk])).content.decode()
    assert "data-trace-link" not in page


def test_staff_assign_resolve_and_reopen_through_the_screen(place_order, company, buyer, staff_manager):
    order = place_order(company=company, state=OrderState.AWAITING_CUSTOMER_APPROVAL)
    ticket = make_ticket(company, buyer, kind=TicketKind.LATE_DELIVERY, order=order)
    client = _staff_client(staff_manager)
    url = reverse("tickets_backoffice:ticket", args=[ticket.pk])
    assert client.post(url, {"action": "assign", "assignee": str(staff_manager.pk)}).status_code == 302
    empty = client.post(url, {"action": "resolve", "resolution": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert client.post(url, {"action": "resolve", "resolution": "Delivered this morning."}).status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.assignee, ticket.state, ticket.resolution) == (staff_manager, "resolved", "Delivered this morning.")
    assert client.post(url, {"action": "reopen", "reason": "Only half came."}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).state == Ticket.State.OPEN


def test_the_manager_keeps_the_service_targets(staff_manager, staff_sales_rep):
    from portal.tickets.models import ServiceTarget

    target = ServiceTarget.objects.get(kind=TicketKind.QUALITY)
    url = reverse("service-targets:edit", args=[target.pk])
    assert _staff_client(staff_sales_rep).get(url).status_code in (302, 403)
    response = _staff_client(staff_manager).post(url, {"first_response_hours": "6", "resolution_hours": "36"})
    assert response.status_code == 302
    assert ServiceTarget.objects.get(pk=target.pk).first_response_hours == 6
