"""Returns, continued: staff hear of a new request (the company's rep, or without one the staff
who decide returns), in their own language; and goods may come back only within
TRADECOUNTER_RETURN_DAYS days of their delivery."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import Notification
from ordering.fulfilment import returns, shipping
from ordering.fulfilment.models import ReturnReason, ReturnRequest
from ordering.fulfilment.returns import ReturnError
from ordering.models import OrderState
from tests.fulfilment.test_returns import _request, _ship

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def order(place_order, make_product):
    product = make_product(price="50.00", tax_rate="13.00", stock=20)
    return place_order(product=product, quantity=6, state=OrderState.APPROVED)


@pytest.fixture
def delivered(order, staff_warehouse, freezer_location):
    """The order, shipped and delivered today; its one shipment line."""
    return _ship(order, staff_warehouse, freezer_location).lines.get()


# --- Staff hear of a new request --------------------------------------------------------------


def _notices(user):
    return list(Notification.objects.filter(user=user))


def test_the_companys_rep_hears_of_a_new_request_in_their_language(
    order, delivered, buyer, staff_sales_rep, staff_order_approver, django_capture_on_commit_callbacks
):
    order.company.sales_rep = staff_sales_rep
    order.company.save(update_fields=["sales_rep"])
    staff_sales_rep.language = "zh-hans"
    staff_sales_rep.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        return_request = _request(order, delivered, buyer, reason=ReturnReason.DAMAGED)

    [notice] = _notices(staff_sales_rep)
    assert notice.company_id is None  # a staff notification
    assert notice.url == reverse("fulfilment_returns:return", args=[return_request.pk])
    with translation.override("en"):
        assert notice.title == f"Return {return_request.number} requested"
        assert order.number in notice.body and str(order.company) in notice.body
        assert ReturnReason.DAMAGED.label.lower() in notice.body.lower()
    with translation.override("zh-hans"):
        assert return_request.number in notice.title and notice.title != f"Return {return_request.number} requested"
        assert "Return" not in notice.body and order.number in notice.body
    assert _notices(staff_order_approver) == []  # the rep decides for their customer
    assert _notices(buyer) == []


def test_without_a_rep_the_staff_who_decide_returns_hear_of_it(
    order,
    delivered,
    buyer,
    staff_sales_rep,
    staff_order_approver,
    staff_warehouse,
    staff_finance,
    django_capture_on_commit_callbacks,
):
    assert order.company.sales_rep_id is None
    with django_capture_on_commit_callbacks(execute=True):
        return_request = _request(order, delivered, buyer)

    [notice] = _notices(staff_order_approver)
    with translation.override("en"):
        assert notice.title == f"Return {return_request.number} requested"
    # A rep holds the permission for their own customers only; the warehouse and finance do not decide.
    assert _notices(staff_sales_rep) == []
    assert _notices(staff_warehouse) == []
    assert _notices(staff_finance) == []


def test_a_refused_request_tells_no_one(
    order, delivered, buyer, staff_order_approver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReturnError):
        _request(order, delivered, buyer, quantity=99)
    assert ReturnRequest.objects.count() == 0
    assert _notices(staff_order_approver) == []


# --- The return window -----------------------------------------------------------------------


@pytest.fixture
def delivered_on_the_first(order, staff_warehouse, freezer_location, time_machine):
    """The order delivered on 1 March, 18:00 Shanghai time; its one shipment line."""
    time_machine.move_to(datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=False)
    shipment = _ship(order, staff_warehouse, freezer_location, deliver=False)
    shipping.confirm_delivery(
        shipment=shipment,
        received_by="Chef Wang",
        delivered_at=datetime(2027, 3, 1, 18, 0, tzinfo=SHANGHAI),
        arrival_temperature=Decimal("-19"),
        user=staff_warehouse,
    )
    return shipment.lines.get()


def test_a_line_may_be_returned_on_the_thirtieth_day(settings, order, delivered_on_the_first, buyer, time_machine):
    settings.TRADECOUNTER_RETURN_DAYS = 30
    time_machine.move_to(datetime(2027, 3, 31, 23, 30, tzinfo=SHANGHAI), tick=False)  # day 30, late evening
    assert [line.pk for line in returns.returnable_lines(order)] == [delivered_on_the_first.pk]
    assert returns.may_request_return(order)
    return_request = _request(order, delivered_on_the_first, buyer)
    assert return_request.lines.get().quantity == 2


def test_on_the_thirty_first_day_the_line_is_no_longer_returnable(
    settings, order, delivered_on_the_first, buyer, time_machine
):
    settings.TRADECOUNTER_RETURN_DAYS = 30
    time_machine.move_to(datetime(2027, 4, 1, 0, 30, tzinfo=SHANGHAI), tick=False)  # day 31, just after midnight
    assert list(returns.returnable_lines(order)) == []
    assert not returns.may_request_return(order)
    with translation.override("en"), pytest.raises(ReturnError) as refused:
        _request(order, delivered_on_the_first, buyer)
    message = str(refused.value)
    assert delivered_on_the_first.lot.number in message
    assert "within 30 days of delivery" in message
    assert date_format(date(2027, 3, 1), "SHORT_DATE_FORMAT") in message
    assert ReturnRequest.objects.count() == 0


def test_the_window_follows_the_setting(settings, order, delivered_on_the_first, buyer, time_machine):
    settings.TRADECOUNTER_RETURN_DAYS = 7
    time_machine.move_to(datetime(2027, 3, 9, 10, 0, tzinfo=SHANGHAI), tick=False)  # day 8
    assert list(returns.returnable_lines(order)) == []
    settings.TRADECOUNTER_RETURN_DAYS = 8
    assert len(returns.returnable_lines(order)) == 1


def test_the_return_page_says_the_window_and_offers_nothing_late(
    settings, order, delivered_on_the_first, buyer, time_machine
):
    settings.TRADECOUNTER_RETURN_DAYS = 30
    url = reverse("fulfilment:return_new", args=[order.number])
    time_machine.move_to(datetime(2027, 3, 31, 12, 0, tzinfo=SHANGHAI), tick=False)
    client = Client()
    client.force_login(buyer)
    page = client.get(url).content.decode()
    assert "Goods can be returned within 30 days of delivery." in page
    assert 'data-testid="return-line"' in page
    time_machine.move_to(datetime(2027, 4, 1, 12, 0, tzinfo=SHANGHAI), tick=False)
    client.force_login(buyer)
    page = client.get(url).content.decode()
    assert 'data-testid="return-line"' not in page
