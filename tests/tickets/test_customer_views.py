"""The customer's ticket screens: the list (fixed queries), opening a ticket from "Report a
problem" (only about the company's own things: 404 otherwise), photos refused with the field
named, the conversation without internal notes, the rating, the photos served to the company only."""

import pytest
from django.urls import reverse

from ordering.models import OrderState
from portal.tickets.models import Ticket, TicketKind, TicketMessage
from tests.factories import StaffFactory
from tests.tickets.helpers import image_bytes, make_ticket, upload


@pytest.fixture
def order(place_order, company):
    return place_order(company=company, state=OrderState.AWAITING_CUSTOMER_APPROVAL)


def _list_queries(client, url, django_assert_max_num_queries, limit=14):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_shows_the_companys_tickets_in_fixed_queries(
    client, company, buyer, other_company, outsider, order, django_assert_max_num_queries
):
    make_ticket(company, buyer, order=order)
    make_ticket(other_company, outsider, kind=TicketKind.QUALITY)
    client.force_login(buyer)
    url = reverse("tickets:tickets")
    client.get(url)
    few = _list_queries(client, url, django_assert_max_num_queries)
    for _n in range(20):
        make_ticket(company, buyer, order=order)
    many = _list_queries(client, url, django_assert_max_num_queries)
    assert many == few
    page = client.get(url).content.decode()
    assert page.count('data-testid="ticket-row"') == 21


def test_report_a_problem_on_an_order_preselects_it(client, buyer, order):
    client.force_login(buyer)
    page = client.get(reverse("tickets:ticket_new") + f"?order={order.number}").content.decode()
    assert f'value="order:{order.pk}" selected' in page


@pytest.mark.parametrize("param", ["order", "line", "invoice", "shipment", "lot"])
def test_report_a_problem_on_another_companys_thing_is_404(param, client, outsider, order):
    value = {"order": order.number, "line": order.lines.get().pk}.get(param, "99999")
    client.force_login(outsider)
    assert client.get(reverse("tickets:ticket_new") + f"?{param}={value}").status_code == 404


def test_a_buyer_opens_a_ticket_with_photos(client, buyer, order):
    client.force_login(buyer)
    response = client.post(
        reverse("tickets:ticket_new"),
        {
            "kind": TicketKind.MISSING_ITEM,
            "about": f"order:{order.pk}",
            "subject": "One case short",
            "text": "We got 1 of 2.",
            "photos": [upload("one.png"), upload("two.jpg", image_bytes("JPEG"))],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("tickets:ticket", args=[ticket.number])
    assert ticket.photos.count() == 2


def test_a_bad_photo_is_named_under_its_field_and_nothing_is_saved(client, buyer, order):
    client.force_login(buyer)
    response = client.post(
        reverse("tickets:ticket_new"),
        {
            "kind": TicketKind.QUALITY,
            "about": f"order:{order.pk}",
            "subject": "Soft",
            "text": "Thawed",
            "photos": [upload("fine.png"), upload("evil.png", b"MZ" + b"\x00" * 100)],
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Photos: Photo “evil.png”: Send a JPEG, PNG or WebP photo." in page
    assert Ticket.objects.count() == 0


def test_the_customer_never_sees_internal_notes(client, company, buyer, order, staff_manager):
    ticket = make_ticket(company, buyer, order=order)
    TicketMessage.objects.create(
        ticket=ticket,
        author=staff_manager,
        by_staff=True,
        internal=True,
        text="Customer is difficult",
        created_at=ticket.opened_at,
    )
    client.force_login(buyer)
    page = client.get(reverse("tickets:ticket", args=[ticket.number])).content.decode()
    assert "Once thawed?" in page and "Customer is difficult" not in page


def test_the_customer_replies_and_rates_once_resolved(client, company, buyer, order):
    ticket = make_ticket(company, buyer, order=order)
    client.force_login(buyer)
    url = reverse("tickets:ticket", args=[ticket.number])
    assert client.post(url, {"text": "Any news?"}).status_code == 302
    assert ticket.messages.count() == 2
    assert "Your message: This field is required." in client.post(url, {"text": ""}).content.decode()
    Ticket.objects.filter(pk=ticket.pk).update(
        state=Ticket.State.RESOLVED, resolved_at=ticket.opened_at, resolution="Keeps 2 days chilled."
    )
    page = client.get(url).content.decode()
    assert 'data-testid="rating-form"' in page and 'data-testid="reply-form"' not in page
    client.post(reverse("tickets:ticket_rate", args=[ticket.number]), {"rating": "5", "comment": "Clear"})
    assert Ticket.objects.get(pk=ticket.pk).rating == 5
    assert 'data-testid="ticket-rating"' in client.get(url).content.decode()


def test_a_photo_is_served_to_the_company_only_with_the_type_found(client, company, buyer, outsider, order):
    ticket = make_ticket(company, buyer, order=order, photo=True)
    photo = ticket.photos.get()
    url = reverse("tickets:ticket_photo", args=[ticket.number, photo.pk])
    client.force_login(buyer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    # Another ticket's number with this photo's id is 404 too.
    other = make_ticket(company, buyer, order=order)
    client.force_login(buyer)
    assert client.get(reverse("tickets:ticket_photo", args=[other.number, photo.pk])).status_code == 404


def test_the_navbar_and_the_order_page_lead_to_tickets(client, buyer, order):
    client.force_login(buyer)
    page = client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    assert 'data-testid="nav-tickets"' in page
    assert f"{reverse('tickets:ticket_new')}?order={order.number}" in page


def test_staff_without_membership_do_not_reach_customer_tickets(client, company, buyer, order):
    ticket = make_ticket(company, buyer, order=order)
    client.force_login(StaffFactory())
    response = client.get(reverse("tickets:ticket", args=[ticket.number]))
    assert response.status_code in (302, 404)
