"""Orders list and order detail: scoped to the active company, filters, paging, the timeline in
plain words, cancelling while it is still allowed; fixed query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import CreditAccount, Membership
from ordering import services, states, tracking_views
from ordering.approval import ApprovalRule
from ordering.models import Order, OrderEvent, OrderLine, OrderState
from tests.factories import MembershipFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The words asserted here are the English ones, whatever language an earlier test left active
    in this thread (LocaleMiddleware activates a language per request and never deactivates it)."""
    with translation.override("en"):
        yield


S = OrderState


def order_rows(company, user, count, *, state=S.APPROVED, lines=1, events=1):
    """Orders written straight to the database, for counting queries over many rows."""
    orders = []
    for n in range(count):
        order = Order.objects.create(
            company=company,
            number=f"SO-T-{company.pk}-{Order.objects.count() + 1:05d}",
            state=state,
            placed_by=user,
            ship_to_text="88 Century Avenue, Shanghai",
            currency="CNY",
            subtotal=Decimal("100.00"),
            tax_total=Decimal("13.00"),
            total=Decimal("113.00"),
            po_number=f"PO-{n}",
        )
        product = ProductFactory()
        for _ in range(lines):
            OrderLine.objects.create(
                order=order,
                product=product,
                sku=product.sku,
                name_en=product.name_en,
                sales_unit=product.sales_unit,
                quantity=2,
                allocated_quantity=2,
                unit_price=Decimal("50.00"),
                price_source="default",
                tax_rate=Decimal("13.00"),
                line_total=Decimal("100.00"),
                tax_amount=Decimal("13.00"),
            )
        OrderEvent.objects.create(order=order, actor=user, from_state="", to_state=S.SUBMITTED)
        for _ in range(events - 1):
            OrderEvent.objects.create(
                order=order, actor=user, from_state=S.AWAITING_APPROVAL, to_state=S.AWAITING_APPROVAL
            )
        orders.append(order)
    return orders


def timeline_texts(order):
    order = Order.objects.select_related("placed_for_customer_by").get(pk=order.pk)
    return [entry.text for entry in tracking_views.timeline(order, list(order.events.select_related("actor")))]


# Orders list --------------------------------------------------------------------------------


def test_a_buyer_sees_every_order_of_the_company_and_none_of_another(
    client, buyer, company_admin, make_product, outsider, place_order
):
    product = make_product()
    mine = place_order(buyer=buyer, product=product, po_number="PO-BOB")
    colleagues = place_order(buyer=company_admin, product=product, po_number="PO-ALICE")
    theirs = place_order(buyer=outsider, product=product, po_number="PO-OLGA")

    client.force_login(buyer)
    response = client.get(reverse("ordering:order_list"))

    html = response.content.decode()
    assert mine.number in html and colleagues.number in html
    assert "PO-ALICE" in html and str(company_admin) in html
    assert theirs.number not in html and "PO-OLGA" not in html
    assert "¥113.00" in html  # 100.00 + 13% tax, with its currency


def test_an_outsider_gets_404_for_an_order_of_another_company(client, buyer, outsider, place_order):
    order = place_order(buyer=buyer)
    client.force_login(outsider)
    assert client.get(reverse("ordering:order_detail", args=[order.number])).status_code == 404


def test_the_empty_list_offers_the_catalog(client, buyer):
    client.force_login(buyer)
    response = client.get(reverse("ordering:order_list"))
    html = response.content.decode()
    assert "No orders yet: start from the catalog or paste a list." in html
    assert f'href="{reverse("catalog:product_list")}"' in html


def test_filters_narrow_the_list_and_say_so_when_nothing_matches(
    client, buyer, company_admin, make_product, place_order
):
    product = make_product()
    bobs = place_order(buyer=buyer, product=product)
    alices = place_order(buyer=company_admin, product=product)
    services.cancel_order(order=alices, user=company_admin, reason="Wrong week")
    client.force_login(buyer)
    url = reverse("ordering:order_list")

    by_status = client.get(url, {"status": S.CANCELLED}).content.decode()
    assert alices.number in by_status and bobs.number not in by_status

    by_person = client.get(url, {"placed_by": buyer.pk}).content.decode()
    assert bobs.number in by_person and alices.number not in by_person

    today = timezone.localdate()
    in_range = client.get(url, {"placed_from": today.isoformat(), "placed_to": today.isoformat()}).content.decode()
    assert bobs.number in in_range and alices.number in in_range
    tomorrow = (today + timedelta(days=1)).isoformat()
    nothing = client.get(url, {"placed_from": tomorrow}).content.decode()
    assert bobs.number not in nothing
    assert "No orders match these filters." in nothing and "Clear filters" in nothing


def test_a_filter_value_that_does_not_validate_is_ignored(client, buyer, place_order):
    order = place_order(buyer=buyer)
    client.force_login(buyer)
    response = client.get(reverse("ordering:order_list"), {"status": "bogus", "placed_from": "not-a-date"})
    assert response.status_code == 200
    assert order.number in response.content.decode()


def test_needs_my_action_lists_what_the_approver_may_decide(client, buyer, approver, make_product, place_order):
    product = make_product(price="100.00")
    waiting = place_order(buyer=buyer, product=product, spending_limit="50.00")
    confirmed = place_order(buyer=buyer, product=product, spending_limit="100000.00")
    assert (waiting.state, confirmed.state) == (S.AWAITING_CUSTOMER_APPROVAL, S.APPROVED)

    client.force_login(approver)
    html = client.get(reverse("ordering:order_list"), {"needs_my_action": "on"}).content.decode()
    assert waiting.number in html and confirmed.number not in html


def test_a_buyer_has_no_needs_my_action_filter(client, buyer):
    client.force_login(buyer)
    assert 'name="needs_my_action"' not in client.get(reverse("ordering:order_list")).content.decode()


def test_the_list_pages(client, buyer, company, monkeypatch):
    monkeypatch.setattr(tracking_views, "ORDERS_PER_PAGE", 2)
    orders = order_rows(company, buyer, 3)
    client.force_login(buyer)
    first = client.get(reverse("ordering:order_list")).content.decode()
    second = client.get(reverse("ordering:order_list"), {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and orders[0].number not in first
    assert orders[0].number in second and orders[2].number not in second


def _queries(client, django_assert_max_num_queries, url, limit=12):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_runs_the_same_queries_for_2_or_10_orders(client, buyer, company, django_assert_max_num_queries):
    client.force_login(buyer)
    url = reverse("ordering:order_list")
    client.get(url)  # the first request stores the active company in the session
    order_rows(company, buyer, 2)
    few = _queries(client, django_assert_max_num_queries, url)
    order_rows(company, MembershipFactory(company=company).user, 8)
    many = _queries(client, django_assert_max_num_queries, url)
    assert few == many


# Order detail -------------------------------------------------------------------------------


def test_the_detail_shows_the_header_lines_prices_and_totals(client, buyer, make_product, place_order):
    product = make_product(price="100.00", stock=4, allow_backorder=True, name_en="Chicken wings")
    order = place_order(
        buyer=buyer,
        product=product,
        quantity=6,
        po_number="PO-778",
        requested_delivery_date=timezone.localdate() + timedelta(days=3),
        notes="Back door after 6 pm",
    )
    client.force_login(buyer)
    html = client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()

    assert f"Order {order.number}" in html
    assert "PO-778" in html and "Back door after 6 pm" in html and "88 Century Avenue" in html
    assert "Chicken wings" in html and product.sku in html
    assert "6 cases ordered" in html and "4 cases reserved for you" in html and "2 cases backordered" in html
    assert "¥100.00" in html and "List" in html  # the unit price and its source
    assert "¥600.00" in html and "¥78.00" in html and "¥678.00" in html  # subtotal, tax, total
    assert f'action="{reverse("ordering:order_detail", args=[order.number])}reorder/"' in html


def test_an_order_a_rep_placed_says_so(client, buyer, staff_sales_rep, place_order):
    order = place_order(buyer=buyer, placed_for_customer_by=staff_sales_rep)
    client.force_login(buyer)
    html = client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    assert f"{staff_sales_rep} on your behalf (for {buyer})" in html
    assert f"Placed by {staff_sales_rep} on your behalf" in html


def test_a_credit_hold_explains_why_in_plain_words(client, buyer, company, make_product, place_order):
    company.credit_limit = Decimal("50.00")
    company.save()
    order = place_order(buyer=buyer, product=make_product(price="100.00", tax_rate="0"))
    client.force_login(buyer)
    html = client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    assert "Why this order is on credit hold" in html
    assert "This order (¥100.00) is more than your available credit (¥50.00)." in html


def test_the_detail_runs_the_same_queries_for_2_or_10_lines_and_events(
    client, buyer, company, django_assert_max_num_queries
):
    client.force_login(buyer)
    (small,) = order_rows(company, buyer, 1, lines=2, events=2)
    (large,) = order_rows(company, buyer, 1, lines=10, events=10)
    client.get(reverse("ordering:order_list"))
    few = _queries(client, django_assert_max_num_queries, reverse("ordering:order_detail", args=[small.number]))
    many = _queries(client, django_assert_max_num_queries, reverse("ordering:order_detail", args=[large.number]))
    assert few == many


# The timeline, state by state ----------------------------------------------------------------


def test_timeline_of_an_order_confirmed_at_once(buyer, place_order):
    order = place_order(buyer=buyer)
    assert timeline_texts(order) == [f"Placed by {buyer}", "Confirmed"]


def test_timeline_of_an_order_waiting_for_the_company_approver_then_approved(
    buyer, approver, company, make_product, place_order
):
    order = place_order(buyer=buyer, product=make_product(price="100.00"), spending_limit="50.00")
    assert timeline_texts(order) == [
        f"Placed by {buyer}",
        f"Waiting for your approver: Above {buyer}'s spending limit of ¥50.00",
    ]
    services.decide_customer_approval(
        order=order, membership=Membership.objects.get(user=approver, company=company), approve=True
    )
    assert timeline_texts(order)[2:] == [f"Approved by {approver}", "Confirmed"]


def test_timeline_of_a_rejection(buyer, approver, company, make_product, place_order):
    order = place_order(buyer=buyer, product=make_product(price="100.00"), spending_limit="50.00")
    services.decide_customer_approval(
        order=order,
        membership=Membership.objects.get(user=approver, company=company),
        approve=False,
        comment="Not this week",
    )
    assert timeline_texts(order)[-1] == f"Rejected by {approver}: Not this week"


def test_timeline_of_a_credit_hold_released_by_finance(buyer, company, make_product, staff_finance, place_order):
    company.credit_limit = Decimal("50.00")
    company.save()
    order = place_order(buyer=buyer, product=make_product(price="100.00", tax_rate="0"))
    assert timeline_texts(order)[-1] == (
        "On credit hold: This order (¥100.00) is more than your available credit (¥50.00)."
    )
    services.release_credit_hold(order=order, user=staff_finance, approve=True, comment="Paid by transfer")
    assert timeline_texts(order)[-2:] == [f"Released from credit hold by {staff_finance}", "Confirmed"]


def test_finances_release_comment_shows_in_the_customers_timeline(
    client, buyer, company, make_product, staff_finance, place_order
):
    company.credit_limit = Decimal("50.00")
    company.save()
    order = place_order(buyer=buyer, product=make_product(price="100.00", tax_rate="0"))
    services.release_credit_hold(order=order, user=staff_finance, approve=True, comment="Paid by transfer")
    order = Order.objects.select_related("placed_for_customer_by").get(pk=order.pk)
    entries = tracking_views.timeline(order, list(order.events.select_related("actor")))
    released = next(entry for entry in entries if entry.text.startswith("Released"))
    assert released.detail == "Paid by transfer"
    client.force_login(buyer)
    assert "“Paid by transfer”" in client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()


def test_timeline_of_staff_approvals(buyer, make_product, staff_finance, staff_order_approver, place_order):
    for step, group in enumerate((roles.FINANCE, roles.ORDER_APPROVER), start=1):
        ApprovalRule.objects.create(
            name=f"Big {step}",
            condition="total_at_least",
            amount=Decimal("500"),
            approver_group=Group.objects.get(name=group),
            step=step,
        )
    order = place_order(buyer=buyer, product=make_product(price="1000.00"))
    assert timeline_texts(order)[-1] == "Waiting for our approval: Order total is at least ¥500.00"
    services.decide_staff_approval(order=order, user=staff_finance, approve=True)
    services.decide_staff_approval(order=order, user=staff_order_approver, approve=True, comment="OK")
    assert timeline_texts(order)[2:] == [
        f"Approved by {staff_finance}",
        "Waiting for our approval: Order total is at least ¥500.00",
        f"Confirmed by {staff_order_approver}",
    ]


def test_timeline_of_a_cancellation_and_of_fulfilment(buyer, make_product, place_order):
    product = make_product()
    cancelled = place_order(buyer=buyer, product=product)
    services.cancel_order(order=cancelled, user=buyer, reason="Ordered twice")
    assert timeline_texts(cancelled)[-1] == f"Cancelled by {buyer}: Ordered twice"

    shipped = place_order(buyer=buyer, product=product)
    for target in (S.PICKING, S.SHIPPED, S.DELIVERED, S.CLOSED):
        states.transition(order=shipped, to_state=target, actor=None)
    assert timeline_texts(shipped)[2:] == ["We started picking", "Shipped", "Delivered", "Closed"]


def test_the_timeline_is_on_the_page_with_time_and_person(client, buyer, place_order):
    order = place_order(buyer=buyer)
    client.force_login(buyer)
    response = client.get(reverse("ordering:order_detail", args=[order.number]))
    html = response.content.decode()
    assert f"Placed by {buyer}" in html
    event = order.events.first()
    assert f'datetime="{timezone.localtime(event.at).isoformat()}"' in html


# Cancelling ---------------------------------------------------------------------------------


def test_the_buyer_cancels_their_order_with_a_reason(client, buyer, company, place_order):
    order = place_order(buyer=buyer)
    client.force_login(buyer)
    detail = reverse("ordering:order_detail", args=[order.number])
    assert "Cancel this order" in client.get(detail).content.decode()

    response = client.post(reverse("ordering:order_cancel", args=[order.number]), {"reason": "Ordered twice"})

    assert response.status_code == 302 and response.url == detail
    order.refresh_from_db()
    assert order.state == S.CANCELLED
    assert CreditAccount.objects.get(company=company).approved_uninvoiced == 0
    html = client.get(detail).content.decode()
    assert f"Order {order.number} is cancelled." in html
    assert f"Cancelled by {buyer}: Ordered twice" in html
    assert "Cancel this order" not in html


def test_cancelling_after_picking_started_is_refused_with_the_reason(client, buyer, place_order):
    order = place_order(buyer=buyer)
    states.transition(order=order, to_state=S.PICKING, actor=None)
    client.force_login(buyer)
    detail = reverse("ordering:order_detail", args=[order.number])
    html = client.get(detail).content.decode()
    assert "Cancel this order" not in html
    assert "Picking has started, so the order can no longer be cancelled" in html

    response = client.post(reverse("ordering:order_cancel", args=[order.number]), {"reason": "Too late?"}, follow=True)

    assert "This order is Being picked and can no longer be cancelled; contact your sales rep." in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.state == S.PICKING


def test_a_buyer_cannot_cancel_a_colleagues_order(client, buyer, company_admin, company, place_order):
    order = place_order(buyer=company_admin)
    client.force_login(buyer)
    assert "Cancel this order" not in client.get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    response = client.post(reverse("ordering:order_cancel", args=[order.number]), follow=True)
    assert "Only the person who placed this order, an approver or a company admin can cancel it." in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.state == S.APPROVED


def test_the_company_admin_may_cancel_a_buyers_order(client, buyer, company_admin, place_order):
    order = place_order(buyer=buyer)
    client.force_login(company_admin)
    client.post(reverse("ordering:order_cancel", args=[order.number]), {"reason": ""})
    order.refresh_from_db()
    assert order.state == S.CANCELLED
    assert timeline_texts(order)[-1] == f"Cancelled by {company_admin}"


def test_cancel_only_answers_post(client, buyer, place_order):
    order = place_order(buyer=buyer)
    client.force_login(buyer)
    assert client.get(reverse("ordering:order_cancel", args=[order.number])).status_code == 405


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("ordering:order_list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_person_of_two_companies_sees_the_active_companys_orders(client, buyer, company, other_company, place_order):
    order = place_order(buyer=buyer)
    MembershipFactory(user=buyer, company=other_company, role=Membership.Role.BUYER)
    client.force_login(buyer)
    client.post(reverse("accounts:switch_company", args=[other_company.pk]))
    assert order.number not in client.get(reverse("ordering:order_list")).content.decode()
    assert client.get(reverse("ordering:order_detail", args=[order.number])).status_code == 404


def test_someone_without_a_company_is_sent_to_the_page_that_explains_it(client):
    client.force_login(UserFactory())
    response = client.get(reverse("ordering:order_list"))
    assert response.status_code == 302 and response.url == reverse("portal:no_company")
