"""The churn warnings and segments in the back office: a rep sees only their own customers (the
lists, the filters, the exports), one click to call, note a visit or send a message; the 360°
page's rhythm, notes and shipments sections; fixed query counts."""

import io
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.models import Membership, Notification, NotificationKind
from portal.rhythm.compute import compute_rhythm
from portal.rhythm.models import CustomerRhythm, VisitNote
from tests.conftest import _staff
from tests.factories import CompanyFactory, ContactFactory, MembershipFactory, with_second_factor

TODAY = date(2026, 12, 7)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to("2026-12-07 12:00:00+08:00", tick=False)


@pytest.fixture
def other_rep(db):
    return _staff(roles.SALES_REP, "other-rep@distributor.example")


@pytest.fixture
def world(history, staff_sales_rep, other_rep):
    """Two late customers of two reps and one on time."""
    mine = CompanyFactory(display_name="Mingde School", sales_rep=staff_sales_rep)
    ContactFactory(company=mine, phone="+86 20 8888 0001")
    theirs = CompanyFactory(display_name="Rival Canteen", sales_rep=other_rep)
    on_time = CompanyFactory(display_name="Bayside Bistro", sales_rep=staff_sales_rep)
    history(mine, days_ago=[40, 47, 54], today=TODAY)
    history(theirs, days_ago=[30, 44], today=TODAY)
    history(on_time, days_ago=[2, 9], today=TODAY)
    compute_rhythm(today=TODAY)
    return {"mine": mine, "theirs": theirs, "on_time": on_time}


def _login(client, user):
    client.force_login(with_second_factor(user))


def _sheet_text(response) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


def test_rep_sees_only_their_late_customers(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    response = client.get(reverse("rhythm_admin:warnings"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Mingde School" in text and "Rival Canteen" not in text and "Bayside Bistro" not in text
    assert 'href="tel:' not in text  # calling goes through the call view, which notes it


def test_manager_sees_every_late_customer_and_filters_by_rep(client, staff_manager, other_rep, world):
    _login(client, staff_manager)
    text = client.get(reverse("rhythm_admin:warnings")).content.decode()
    assert "Mingde School" in text and "Rival Canteen" in text
    text = client.get(reverse("rhythm_admin:warnings") + f"?rep={other_rep.pk}").content.decode()
    assert "Rival Canteen" in text and "Mingde School" not in text


def test_segments_list_filters_and_exports_for_the_rep_only(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    url = reverse("rhythm_admin:customers")
    text = client.get(url).content.decode()
    assert "Mingde School" in text and "Bayside Bistro" in text and "Rival Canteen" not in text
    text = client.get(url + "?late=no").content.decode()
    assert "Bayside Bistro" in text and "Mingde School" not in text
    csv = client.get(url + "?export=csv").content.decode("utf-8-sig")
    assert "Mingde School" in csv and "Rival Canteen" not in csv
    xlsx = _sheet_text(client.get(url + "?export=xlsx"))
    assert "Bayside Bistro" in xlsx and "Rival Canteen" not in xlsx


def test_segment_filter(client, staff_manager, world):
    segments = dict(CustomerRhythm.objects.values_list("company__display_name", "segment"))
    _login(client, staff_manager)
    text = client.get(reverse("rhythm_admin:customers") + f"?segment={segments['Bayside Bistro']}").content.decode()
    assert "Bayside Bistro" in text
    for name, segment in segments.items():
        if segment != segments["Bayside Bistro"]:
            assert name not in text


def test_warehouse_and_finance_do_not_see_the_lists(client, staff_warehouse, staff_finance, world):
    for user in (staff_warehouse, staff_finance):
        _login(client, user)
        assert client.get(reverse("rhythm_admin:warnings")).status_code in (302, 403)


def test_call_notes_the_call_and_dials(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    response = client.post(reverse("rhythm_admin:call", args=[world["mine"].pk]))
    assert response.status_code == 302 and response.url == "tel:+862088880001"
    note = VisitNote.objects.get(company=world["mine"])
    assert (note.kind, note.author, note.text) == ("call", staff_sales_rep, "+86 20 8888 0001")


def test_call_without_a_number_says_so(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    response = client.post(reverse("rhythm_admin:call", args=[world["on_time"].pk]), follow=True)
    assert "has no phone number on file" in response.content.decode()
    assert not VisitNote.objects.exists()


def test_note_a_visit(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    url = reverse("rhythm_admin:note", args=[world["mine"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "visit", "text": "Met the canteen manager: new menu next term."})
    assert response.status_code == 302
    note = VisitNote.objects.get()
    assert note.kind == "visit" and note.text.startswith("Met the canteen manager")


def test_an_empty_note_is_refused_by_field(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    response = client.post(reverse("rhythm_admin:note", args=[world["mine"].pk]), {"kind": "visit", "text": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not VisitNote.objects.exists()


def test_message_reaches_the_buyers_verbatim(client, staff_sales_rep, world):
    buyer = MembershipFactory(company=world["mine"], role=Membership.Role.BUYER).user
    finance = MembershipFactory(company=world["mine"], role=Membership.Role.FINANCE).user
    _login(client, staff_sales_rep)
    text = "Frozen broccoli 10% off this week: 20 cases at ¥85."
    response = client.post(reverse("rhythm_admin:message", args=[world["mine"].pk]), {"text": text})
    assert response.status_code == 302
    notice = Notification.objects.get(kind=NotificationKind.REP_MESSAGE)
    assert notice.user == buyer and notice.company == world["mine"]
    assert notice.body == text
    assert not Notification.objects.filter(user=finance, kind=NotificationKind.REP_MESSAGE).exists()
    assert VisitNote.objects.get().kind == "message"


def test_message_to_a_customer_without_buyers_is_refused(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    response = client.post(reverse("rhythm_admin:message", args=[world["mine"].pk]), {"text": "Hello"})
    assert response.status_code == 200 and "nobody who orders" in response.content.decode()
    assert not VisitNote.objects.exists()


def test_a_rep_cannot_act_on_another_reps_customer(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    theirs = world["theirs"].pk
    assert client.post(reverse("rhythm_admin:call", args=[theirs])).status_code == 404
    assert client.post(reverse("rhythm_admin:note", args=[theirs]), {"kind": "visit", "text": "x"}).status_code == 404
    assert not VisitNote.objects.exists()


def test_the_360_page_shows_rhythm_notes_and_shipments(client, staff_sales_rep, world):
    _login(client, staff_sales_rep)
    client.post(reverse("rhythm_admin:note", args=[world["mine"].pk]), {"kind": "visit", "text": "Tasting on Friday"})
    text = client.get(reverse("customers:inspect", args=[world["mine"].pk])).content.decode()
    assert "data-customer-rhythm" in text and "data-late" in text
    assert "Tasting on Friday" in text and "data-add-note" in text
    assert "data-customer-shipments" in text


@pytest.mark.parametrize("customers", [2, 10])
def test_lists_have_fixed_query_counts(client, history, staff_manager, customers, django_assert_max_num_queries):
    for n in range(customers):
        company = CompanyFactory(sales_rep=staff_manager)
        ContactFactory(company=company, phone="+86 20 1234 0000")
        history(company, days_ago=[40 + n, 50 + n, 60 + n], today=TODAY)
    compute_rhythm(today=TODAY)
    _login(client, staff_manager)
    for name in ("rhythm_admin:warnings", "rhythm_admin:customers"):
        with django_assert_max_num_queries(16):
            assert client.get(reverse(name)).status_code == 200


def test_the_360_sections_do_not_grow_with_notes_or_orders(client, staff_sales_rep, history, world):
    _login(client, staff_sales_rep)
    url = reverse("customers:inspect", args=[world["mine"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(15):
        VisitNote.objects.create(company=world["mine"], author=staff_sales_rep, kind="visit", text=f"Visit {n}")
    history(world["mine"], days_ago=[60, 67, 74], today=TODAY)
    compute_rhythm(today=TODAY)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('data-note="visit"') == 10
    assert len(many.captured_queries) == len(few.captured_queries)
