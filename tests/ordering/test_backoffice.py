"""The staff side of ordering in the back office (/backoffice/orders/): the orders, the approval
queue, placing an order for a customer, the approval rules and the 360° section.

Cast: `rep` owns Acme Foods (bob buys there), `other_rep` owns Other Catering, `director` is an
order approver, `finance` releases credit holds, `manager` keeps the approval rules. Staff reach
the back office only with a second factor, so every staff fixture has a TOTP authenticator.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import CreditAccount, Membership
from ordering import services
from ordering.approval import ApprovalRule, ApprovalStep
from ordering.models import Cart, Order, OrderState
from portal.templatetags import backoffice_chrome
from tests.factories import MembershipFactory, StaffFactory, UserFactory, with_second_factor

S = OrderState


def _staff(email, *group_names):
    user = StaffFactory(email=email)
    for name in group_names:
        user.groups.add(Group.objects.get(name=name))
    return with_second_factor(user)


@pytest.fixture
def rep(staff_sales_rep):
    return with_second_factor(staff_sales_rep)


@pytest.fixture
def other_rep(db):
    return _staff("other-rep@distributor.example", roles.SALES_REP)


@pytest.fixture
def director(staff_order_approver):
    return with_second_factor(staff_order_approver)


@pytest.fixture
def second_director(db):
    return _staff("deputy@distributor.example", roles.ORDER_APPROVER)


@pytest.fixture
def finance(staff_finance):
    return with_second_factor(staff_finance)


@pytest.fixture
def manager(staff_manager):
    return with_second_factor(staff_manager)


@pytest.fixture
def acme(company, rep):
    company.sales_rep = rep
    company.save()
    return company


@pytest.fixture
def other(other_company, other_rep):
    other_company.sales_rep = other_rep
    other_company.save()
    return other_company


@pytest.fixture
def big_orders_rule(db):
    """Orders of 1,000.00 or more wait for a director: 20 of place_order's product at 100.00."""
    return ApprovalRule.objects.create(
        name="Big orders",
        condition=ApprovalRule.Condition.TOTAL_AT_LEAST,
        amount=Decimal("1000.00"),
        approver_group=Group.objects.get(name=roles.ORDER_APPROVER),
    )


def _reload(order):
    return Order.objects.get(pk=order.pk)


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


INDEX = "/backoffice/orders/"
QUEUE = "/backoffice/orders/approvals/"


def _inspect(order):
    return reverse("orders:inspect", args=[order.pk])


def _decide(client, order, decision, comment="", *, state=None, step=None):
    order = _reload(order)
    if step is None and order.state == S.AWAITING_APPROVAL:
        step = order.approval_steps.get(status="pending").pk
    prefix = f"order-{order.pk}"
    return client.post(
        reverse("ordering_admin:decide", args=[order.pk]),
        {
            f"{prefix}-decision": decision,
            f"{prefix}-comment": comment,
            f"{prefix}-state": state or order.state,
            f"{prefix}-step": step or "",
        },
    )


# --- URLs -------------------------------------------------------------------------------------


def test_the_queue_has_the_url_notifications_link_to():
    assert reverse("ordering_admin:approval_queue") == QUEUE
    assert reverse("orders:index") == INDEX


# --- Who gets in ------------------------------------------------------------------------------


def test_buyer_gets_no_back_office(client, buyer, acme):
    client.force_login(buyer)

    for url in (INDEX, QUEUE, reverse("ordering_admin:place_for_customer")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_warehouse_is_turned_away_from_orders(client, staff_warehouse):
    client.force_login(with_second_factor(staff_warehouse))

    assert client.get(INDEX).url == reverse("wagtailadmin_home")
    assert client.get(QUEUE).url == reverse("wagtailadmin_home")


def test_orders_menu_shows_approvals_for_approvers_and_place_for_reps(client, rep, director):
    client.force_login(rep)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert QUEUE in html and reverse("ordering_admin:place_for_customer") in html

    client.force_login(director)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert QUEUE in html
    assert reverse("ordering_admin:place_for_customer") not in html


# --- Orders list ------------------------------------------------------------------------------


def test_rep_lists_only_their_own_customers_orders(client, rep, acme, other, buyer, outsider, place_order):
    mine = place_order(buyer=buyer)
    theirs = place_order(buyer=outsider)
    client.force_login(rep)

    html = client.get(INDEX).content.decode()

    assert mine.number in html
    assert theirs.number not in html


def test_rep_gets_404_for_another_reps_order(client, rep, other, outsider, place_order):
    theirs = place_order(buyer=outsider)
    client.force_login(rep)

    assert client.get(_inspect(theirs)).status_code == 404


def test_finance_lists_every_customers_orders(client, finance, acme, other, buyer, outsider, place_order):
    orders = [place_order(buyer=buyer), place_order(buyer=outsider)]
    client.force_login(finance)

    html = client.get(INDEX).content.decode()

    assert all(order.number in html for order in orders)


def test_orders_cannot_be_added_edited_or_deleted_in_the_back_office(client, finance, acme, buyer, place_order):
    order = place_order(buyer=buyer)
    client.force_login(finance)

    assert client.get(INDEX + "new/").status_code == 404
    assert client.get(f"{INDEX}edit/{order.pk}/").status_code == 404
    assert client.get(f"{INDEX}delete/{order.pk}/").status_code == 404
    assert f"{INDEX}edit/{order.pk}/" not in client.get(INDEX).content.decode()


def test_search_finds_orders_by_po_number_and_customer(client, finance, acme, other, buyer, outsider, place_order):
    acme_order = place_order(buyer=buyer, po_number="PO-ACME-77")
    other_order = place_order(buyer=outsider, po_number="PO-OTHER-1")
    client.force_login(finance)

    html = client.get(INDEX, {"q": "ACME-77"}).content.decode()
    assert acme_order.number in html and other_order.number not in html

    html = client.get(INDEX, {"q": "Other Catering"}).content.decode()
    assert other_order.number in html and acme_order.number not in html

    html = client.get(INDEX, {"q": other_order.number}).content.decode()
    assert other_order.number in html and acme_order.number not in html


def test_filters_narrow_by_status_customer_rep_and_date(
    client, finance, rep, acme, other, buyer, outsider, place_order, big_orders_rule
):
    waiting = place_order(buyer=buyer, quantity=20)  # 2,000.00: waits for the director
    confirmed = place_order(buyer=outsider)
    Order.objects.filter(pk=confirmed.pk).update(placed_at=timezone.now() - timedelta(days=10))
    client.force_login(finance)

    def listed(**params):
        html = client.get(INDEX, params).content.decode()
        return {order.number for order in (waiting, confirmed) if order.number in html}

    assert listed(state=S.AWAITING_APPROVAL) == {waiting.number}
    assert listed(company=other.pk) == {confirmed.number}
    assert listed(sales_rep=rep.pk) == {waiting.number}
    today = timezone.localdate()
    assert listed(placed_at_from=(today - timedelta(days=1)).isoformat(), placed_at_to=today.isoformat()) == {
        waiting.number
    }


def test_csv_export_holds_only_the_reps_customers_orders(client, rep, acme, other, buyer, outsider, place_order):
    mine = place_order(buyer=buyer, po_number="=HYPERLINK(1)")
    theirs = place_order(buyer=outsider)
    client.force_login(rep)

    response = client.get(INDEX, {"export": "csv"})

    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert mine.number in csv_text and theirs.number not in csv_text
    assert "'=HYPERLINK(1)" in csv_text  # a formula stays text in a spreadsheet


def test_rep_has_no_sales_rep_filter(client, rep, acme):
    client.force_login(rep)

    assert 'name="sales_rep"' not in client.get(INDEX).content.decode()


def test_order_list_queries_do_not_grow_with_orders(client, finance, acme, buyer, place_order):
    place_order(buyer=buyer)
    client.force_login(finance)
    client.get(INDEX)  # warm per-process caches
    few, _html = _queries(client, INDEX)

    for _ in range(6):
        place_order(buyer=buyer)
    many, html = _queries(client, INDEX)

    assert html.count('href="/backoffice/orders/inspect/') >= 7
    assert many == few


# --- One order --------------------------------------------------------------------------------


def test_order_page_shows_lines_lots_totals_steps_and_timeline(
    client, director, acme, buyer, place_order, big_orders_rule, stock_in, make_product
):
    order = place_order(buyer=buyer, product=make_product(price="60.00", tax_rate="0"), quantity=20)
    client.force_login(director)

    html = client.get(_inspect(order)).content.decode()

    line = order.lines.get()
    assert f'data-line="{line.sku}"' in html
    assert "List" in html  # the price's source
    assert 'data-lot="L1"' in html
    assert "¥1,200.00" in html
    assert 'data-step="1"' in html and "Order total is at least ¥1,000.00" in html
    assert 'data-event="submitted"' in html and 'data-event="awaiting_approval"' in html
    assert "This order is waiting for your decision." in html


def test_order_page_shows_why_an_order_is_on_credit_hold(client, finance, acme, buyer, place_order):
    acme.credit_limit = Decimal("50.00")
    acme.save()
    order = place_order(buyer=buyer)
    client.force_login(finance)

    html = client.get(_inspect(order)).content.decode()

    assert "data-hold-reasons" in html
    assert "more than the customer&#x27;s available credit" in html and "your available credit" not in html


def test_order_page_queries_do_not_grow_with_lines_and_events(
    client, director, acme, buyer, make_product, big_orders_rule, place_order
):
    def order_with(lines):
        return place_order(buyer=buyer, lines=[(make_product(price="600.00"), 2) for _ in range(lines)])

    small, large = order_with(1), order_with(6)
    client.force_login(director)
    client.get(_inspect(small))
    few, _html = _queries(client, _inspect(small))
    many, html = _queries(client, _inspect(large))

    assert html.count("data-line=") == 6
    assert many == few


# --- Approval queue ---------------------------------------------------------------------------


def test_director_sees_a_card_with_the_reason_credit_and_overdue_invoice(
    client, director, acme, buyer, place_order, big_orders_rule
):
    CreditAccount.objects.update_or_create(
        company=acme,
        defaults={
            "open_invoices": Decimal("10000.00"),
            "oldest_unpaid_due_date": timezone.localdate() - timedelta(days=3),
        },
    )
    acme.grace_days = 30  # overdue, but within the grace days: no credit hold
    acme.save()
    order = place_order(buyer=buyer, quantity=20)
    client.force_login(director)

    html = client.get(QUEUE).content.decode()

    assert f'data-approval-card="{order.number}"' in html
    assert "Acme Foods" in html
    assert "¥2,000.00" in html
    assert "Order total is at least ¥1,000.00" in html
    # 50,000 limit − 10,000 open invoices; this order is not approved yet, so not in the exposure.
    assert "¥40,000.00" in html
    assert "3 days late" in html


def test_the_card_says_how_long_the_order_waited_and_when_the_decision_is_late(
    client, director, acme, buyer, place_order, big_orders_rule
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        place_order(buyer=buyer, quantity=20)  # to be decided within 24 hours
        client.force_login(director)
        clock.shift(timedelta(hours=3))
        html = client.get(QUEUE).content.decode()
        assert "3\xa0hours" in html
        assert "decision overdue" not in html

        clock.shift(timedelta(hours=23))
        html = client.get(QUEUE).content.decode()
        assert "1\xa0day, 2\xa0hours" in html
        assert "decision overdue" in html


def test_the_queue_shows_only_orders_for_the_viewers_role(
    client, rep, finance, director, acme, buyer, place_order, big_orders_rule
):
    place_order(buyer=buyer, quantity=20)
    for user in (rep, finance):
        client.force_login(user)
        assert "data-approval-card=" not in client.get(QUEUE).content.decode()

    client.force_login(director)
    assert "data-approval-card=" in client.get(QUEUE).content.decode()


def test_menu_shows_how_many_orders_wait(client, director, acme, buyer, place_order, big_orders_rule):
    place_order(buyer=buyer, quantity=20)
    place_order(buyer=buyer, quantity=30)
    client.force_login(director)

    assert "Approvals (2)" in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_sidebar_is_kept_per_person_but_a_new_count_shows_at_once(
    client, director, rep, acme, buyer, place_order, big_orders_rule, monkeypatch
):
    drawn = []
    draw = backoffice_chrome.sidebar_props
    monkeypatch.setattr(backoffice_chrome, "sidebar_props", lambda context: drawn.append(1) or draw(context))
    client.force_login(director)
    home = reverse("wagtailadmin_home")
    first = client.get(home).content.decode()
    assert "Approvals (" not in first and '"Approvals"' in first

    # A new order waiting for the director: the count is read live, so the sidebar is drawn anew.
    place_order(buyer=buyer, quantity=20)
    assert "Approvals (1)" in client.get(home).content.decode()
    assert len(drawn) == 2
    # Kept: another page shows the same sidebar without drawing it.
    assert "Approvals (1)" in client.get(QUEUE).content.decode()
    assert len(drawn) == 2

    # Kept per person: the rep, who decides nothing here, sees no count.
    client.force_login(rep)
    assert "Approvals (" not in client.get(home).content.decode()


def test_director_approves_from_the_queue(client, director, acme, buyer, place_order, big_orders_rule):
    order = place_order(buyer=buyer, quantity=20)
    client.force_login(director)

    response = _decide(client, order, "approve", "Regular customer")

    assert response.status_code == 302 and response.url == QUEUE
    order = _reload(order)
    assert order.state == S.APPROVED
    step = order.approval_steps.get()
    assert (step.status, step.decided_by, step.comment) == ("approved", director, "Regular customer")
    assert any("approved and confirmed" in message for message in _messages(response))


def test_rejecting_needs_a_reason(client, director, acme, buyer, place_order, big_orders_rule):
    order = place_order(buyer=buyer, quantity=20)
    client.force_login(director)

    response = _decide(client, order, "reject", "   ")

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Give a reason for rejecting" in html
    assert _reload(order).state == S.AWAITING_APPROVAL


def test_director_rejects_with_a_reason(client, director, acme, buyer, place_order, big_orders_rule):
    order = place_order(buyer=buyer, quantity=20)
    client.force_login(director)

    _decide(client, order, "reject", "Too much for one delivery")

    order = _reload(order)
    assert order.state == S.REJECTED
    assert order.events.last().reason == "Too much for one delivery"


def test_a_second_decision_after_a_colleagues_shows_who_decided(
    client, director, second_director, acme, buyer, place_order, big_orders_rule
):
    order = place_order(buyer=buyer, quantity=20)
    client.force_login(director)
    stale_step = order.approval_steps.get(status="pending").pk
    services.decide_staff_approval(order=order, user=second_director, approve=True, comment="Fine")

    response = _decide(client, order, "reject", "Too big", state=S.AWAITING_APPROVAL, step=stale_step)

    assert _reload(order).state == S.APPROVED
    [message] = _messages(response)
    assert "already approved by" in message
    assert str(second_director) in message
    assert "It is now Confirmed" in message


def test_a_colleagues_decision_on_the_first_step_is_not_overridden_by_a_stale_card(
    client, acme, buyer, place_order, big_orders_rule
):
    # Two steps for the same group: a stale card for step 1 must not decide step 2.
    ApprovalRule.objects.create(
        name="Very big orders",
        condition=ApprovalRule.Condition.TOTAL_AT_LEAST,
        amount=Decimal("1500.00"),
        approver_group=big_orders_rule.approver_group,
        step=2,
    )
    first, second = (_staff(f"d{n}@distributor.example", roles.ORDER_APPROVER) for n in (1, 2))
    order = place_order(buyer=buyer, quantity=20)
    step_one = order.approval_steps.get(status="pending").pk
    services.decide_staff_approval(order=order, user=first, approve=True)
    client.force_login(second)

    response = _decide(client, order, "approve", state=S.AWAITING_APPROVAL, step=step_one)

    order = _reload(order)
    assert order.state == S.AWAITING_APPROVAL
    assert order.approval_steps.get(status="pending").sequence == 2
    assert str(first) in _messages(response)[0]


def test_the_card_shows_earlier_decisions(client, finance, director, acme, buyer, place_order):
    ApprovalRule.objects.create(
        name="Finance first",
        condition=ApprovalRule.Condition.FIRST_ORDER,
        approver_group=Group.objects.get(name=roles.FINANCE),
    )
    ApprovalRule.objects.create(
        name="Then the director",
        condition=ApprovalRule.Condition.FIRST_ORDER,
        approver_group=Group.objects.get(name=roles.ORDER_APPROVER),
        step=2,
    )
    order = place_order(buyer=buyer)
    services.decide_staff_approval(order=order, user=finance, approve=True, comment="Checked the licence")
    client.force_login(director)

    html = client.get(QUEUE).content.decode()

    assert f'data-approval-card="{order.number}"' in html
    assert f"Approved by {finance}" in html
    assert "Checked the licence" in html


def test_an_approver_cannot_approve_an_order_they_placed_for_a_customer(
    client, acme, buyer, place_order, big_orders_rule
):
    rep_and_director = _staff("both@distributor.example", roles.SALES_REP, roles.ORDER_APPROVER)
    acme.sales_rep = rep_and_director
    acme.save()
    order = place_order(buyer=buyer, quantity=20, placed_for_customer_by=rep_and_director)
    assert order.state == S.AWAITING_APPROVAL
    client.force_login(rep_and_director)

    assert f'data-approval-card="{order.number}"' not in client.get(QUEUE).content.decode()
    response = _decide(client, order, "approve")

    assert _reload(order).state == S.AWAITING_APPROVAL
    assert "You cannot approve an order you placed." in _messages(response)[0]


def test_an_approver_outside_the_steps_group_is_refused(client, finance, acme, buyer, place_order, big_orders_rule):
    order = place_order(buyer=buyer, quantity=20)
    client.force_login(finance)

    response = _decide(client, order, "approve")

    assert _reload(order).state == S.AWAITING_APPROVAL
    assert "This step is for Order approver" in _messages(response)[0]


def test_rep_gets_404_deciding_another_reps_order(client, rep, other, outsider, place_order, big_orders_rule):
    order = place_order(buyer=outsider, quantity=20)
    client.force_login(rep)

    assert _decide(client, order, "approve").status_code == 404
    assert _reload(order).state == S.AWAITING_APPROVAL


@pytest.fixture
def held_order(acme, buyer, place_order):
    acme.credit_limit = Decimal("50.00")
    acme.save()
    order = place_order(buyer=buyer)
    assert order.state == S.CREDIT_HOLD
    return order


def test_finance_sees_credit_holds_with_their_reasons(client, finance, held_order):
    client.force_login(finance)

    html = client.get(QUEUE).content.decode()

    assert f'data-approval-card="{held_order.number}"' in html
    assert "On credit hold" in html
    assert "more than the customer&#x27;s available credit" in html and "your available credit" not in html
    assert "Release" in html


def test_rep_cannot_release_a_credit_hold(client, rep, held_order):
    client.force_login(rep)

    response = _decide(client, held_order, "approve")

    assert _reload(held_order).state == S.CREDIT_HOLD
    assert "Only finance can release a credit hold." in _messages(response)[0]


def test_finance_releases_a_credit_hold(client, finance, held_order):
    client.force_login(finance)

    response = _decide(client, held_order, "approve", "Paid by transfer this morning")

    order = _reload(held_order)
    assert order.state == S.APPROVED
    assert order.hold_reasons == []
    assert order.events.filter(from_state=S.CREDIT_HOLD, actor=finance).exists()
    assert "released" in _messages(response)[0]
    html = client.get(reverse("orders:inspect", args=[order.pk])).content.decode()
    assert "<q data-event-comment>Paid by transfer this morning</q>" in html


def test_finance_rejects_a_credit_hold_with_a_reason(client, finance, held_order):
    client.force_login(finance)

    _decide(client, held_order, "reject", "Three invoices unpaid")

    assert _reload(held_order).state == S.REJECTED


def test_queue_queries_do_not_grow_with_orders(client, director, acme, buyer, place_order, big_orders_rule):
    place_order(buyer=buyer, quantity=20)
    client.force_login(director)
    client.get(QUEUE)
    few, _html = _queries(client, QUEUE)

    for quantity in range(21, 27):
        place_order(buyer=buyer, quantity=quantity)
    client.get(QUEUE)  # the new count draws the sidebar anew once; then it is kept again
    many, html = _queries(client, QUEUE)

    assert html.count("data-approval-card=") == 7
    assert html.count('data-testid="approval-line"') == 7  # what was ordered, on every card
    assert many == few


def test_a_card_lists_what_was_ordered(client, director, acme, buyer, place_order, big_orders_rule):
    order = place_order(buyer=buyer, quantity=20)
    line = order.lines.get()
    client.force_login(director)

    html = client.get(QUEUE).content.decode()

    assert 'data-testid="approval-line"' in html
    assert f"<td>{line.sku}</td><td>{line.name_en}</td>" in html
    assert f"{line.quantity} {line.sales_unit}" in html and "¥2,000.00" in html


def test_staff_screens_name_the_customers_approver_not_yours(client, finance, buyer, place_order):
    order = place_order(buyer=buyer, state=S.AWAITING_CUSTOMER_APPROVAL)
    client.force_login(finance)

    html = client.get(_inspect(order)).content.decode()

    assert "Awaiting the customer&#x27;s approver" in html
    assert "Awaiting your approver" not in html


# --- Place an order on a customer's behalf ----------------------------------------------------


def test_rep_chooses_among_their_own_customers_only(client, rep, acme, other):
    client.force_login(rep)
    url = reverse("ordering_admin:place_for_customer")

    html = client.get(url).content.decode()
    assert "Acme Foods" in html and "Other Catering" not in html

    response = client.get(url, {"company": acme.pk})
    assert response.url == reverse("ordering_admin:place_cart", args=[acme.pk])
    assert "Choose one of your customers." in client.get(url, {"company": other.pk}).content.decode()


def test_rep_gets_404_ordering_for_another_reps_customer(client, rep, other):
    client.force_login(rep)

    assert client.get(reverse("ordering_admin:place_cart", args=[other.pk])).status_code == 404


def test_director_cannot_place_orders_for_customers(client, director, acme):
    client.force_login(director)

    response = client.get(reverse("ordering_admin:place_cart", args=[acme.pk]))

    assert response.url == reverse("wagtailadmin_home")


def test_rep_places_an_order_for_a_customer_without_touching_their_cart(
    client, rep, acme, buyer, ship_to, make_product
):
    make_product(sku="FZ-1001", price="45.00", tax_rate="0")
    dumplings = make_product(sku="FZ-1200", price="30.00", tax_rate="0")
    buyers_cart = services.cart_for(user=buyer, company=acme)
    services.add_to_cart(cart=buyers_cart, product=dumplings, quantity=3)
    client.force_login(rep)
    cart_url = reverse("ordering_admin:place_cart", args=[acme.pk])

    response = client.post(reverse("ordering_admin:place_add_line", args=[acme.pk]), {"sku": "fz-1001", "quantity": 4})
    assert response.url == cart_url
    html = client.get(cart_url).content.decode()
    assert 'data-cart-line="FZ-1001"' in html
    assert "¥180.00" in html

    membership = Membership.objects.get(user=buyer, company=acme)
    response = client.post(
        cart_url,
        {
            "membership": membership.pk,
            "ship_to": ship_to.pk,
            "po_number": "PHONE-0412",
            "expected_total": "180.00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )

    order = Order.objects.get()
    assert response.url == _inspect(order)
    assert (order.placed_by, order.placed_for_customer_by, order.po_number) == (buyer, rep, "PHONE-0412")
    first_event = order.events.first()
    assert first_event.actor == rep
    assert first_event.phrase == {"code": "placed_for_customer", "params": {"rep": str(rep)}}
    # The customer's own cart is as it was; the rep's cart for them is empty again.
    assert list(buyers_cart.lines.values_list("product__sku", "quantity")) == [("FZ-1200", 3)]
    assert not Cart.objects.get(user=rep, company=acme).lines.exists()


def test_placing_as_a_user_of_another_company_is_refused(client, rep, acme, outsider, other, ship_to, make_product):
    product = make_product(price="45.00", tax_rate="0")
    services.add_to_cart(cart=services.cart_for(user=rep, company=acme), product=product, quantity=1)
    client.force_login(rep)

    response = client.post(
        reverse("ordering_admin:place_cart", args=[acme.pk]),
        {
            "membership": Membership.objects.get(user=outsider).pk,
            "ship_to": ship_to.pk,
            "expected_total": "45.00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 400
    assert "Choose one of this customer&#x27;s users." in response.content.decode()
    assert not Order.objects.exists()


def test_a_changed_total_is_shown_again_not_placed(client, rep, acme, buyer, ship_to, make_product):
    product = make_product(price="45.00", tax_rate="0")
    services.add_to_cart(cart=services.cart_for(user=rep, company=acme), product=product, quantity=1)
    client.force_login(rep)

    response = client.post(
        reverse("ordering_admin:place_cart", args=[acme.pk]),
        {
            "membership": Membership.objects.get(user=buyer).pk,
            "ship_to": ship_to.pk,
            "expected_total": "40.00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 400
    assert "the total is now ¥45.00" in response.content.decode()
    assert not Order.objects.exists()


def test_an_unknown_sku_is_explained(client, rep, acme):
    client.force_login(rep)

    response = client.post(reverse("ordering_admin:place_add_line", args=[acme.pk]), {"sku": "NOPE-1", "quantity": 2})

    assert response.status_code == 400
    assert "NOPE-1 was not found" in response.content.decode()


def test_rep_removes_a_line(client, rep, acme, make_product):
    product = make_product()
    cart = services.cart_for(user=rep, company=acme)
    services.add_to_cart(cart=cart, product=product, quantity=1)
    client.force_login(rep)

    client.post(reverse("ordering_admin:place_remove_line", args=[acme.pk, product.pk]))

    assert not cart.lines.exists()


# --- Approval rules ---------------------------------------------------------------------------


RULES = "/backoffice/approval-rules/"


def _rule_form(**overrides):
    data = {
        "name": "Big orders",
        "condition": ApprovalRule.Condition.TOTAL_AT_LEAST,
        "amount": "20000",
        "approver_group": Group.objects.get(name=roles.ORDER_APPROVER).pk,
        "step": "1",
        "decide_within_hours": "24",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_manager_adds_an_approval_rule(client, manager):
    client.force_login(manager)

    response = client.post(RULES + "new/", _rule_form())

    assert response.status_code == 302
    rule = ApprovalRule.objects.get()
    assert (rule.amount, rule.approver_group.name, rule.active) == (Decimal("20000"), roles.ORDER_APPROVER, True)


@pytest.mark.parametrize(
    ("condition", "amount", "error"),
    [
        (ApprovalRule.Condition.TOTAL_AT_LEAST, "", "Enter the order total from which this rule applies"),
        (ApprovalRule.Condition.BELOW_FLOOR, "", "Enter the floor as a percentage of the list price"),
        (ApprovalRule.Condition.BELOW_FLOOR, "120", "Enter a percentage between 1 and 100."),
        (ApprovalRule.Condition.OVER_CREDIT, "500", "does not use an amount; leave it empty."),
    ],
)
def test_rule_amount_must_fit_the_condition(client, manager, condition, amount, error):
    client.force_login(manager)

    response = client.post(RULES + "new/", _rule_form(condition=condition, amount=amount))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ApprovalRule.objects.exists()


def test_a_rule_can_only_go_to_a_role_that_sees_orders(client, manager):
    client.force_login(manager)

    html = client.get(RULES + "new/").content.decode()
    warehouse = Group.objects.get(name=roles.WAREHOUSE)
    assert ">Order approver</option>" in html
    assert f'<option value="{warehouse.pk}"' not in html

    response = client.post(RULES + "new/", _rule_form(approver_group=warehouse.pk))
    assert "Choose one of the staff roles that decide orders." in response.content.decode()
    assert not ApprovalRule.objects.exists()


def test_reps_and_directors_cannot_change_rules(client, rep, director, big_orders_rule):
    for user in (rep, director):
        client.force_login(user)
        response = client.post(f"{RULES}edit/{big_orders_rule.pk}/", _rule_form(amount="1"))
        assert response.url == reverse("wagtailadmin_home")
    assert ApprovalRule.objects.get().amount == Decimal("1000.00")


def test_a_rule_that_routed_orders_is_deactivated_not_deleted(
    client, manager, acme, buyer, place_order, big_orders_rule
):
    place_order(buyer=buyer, quantity=20)
    client.force_login(manager)

    response = client.post(f"{RULES}delete/{big_orders_rule.pk}/")

    assert ApprovalRule.objects.filter(pk=big_orders_rule.pk).exists()
    assert "make it inactive instead" in _messages(response)[0]


def test_a_new_rule_routes_the_next_order(client, manager, acme, buyer, place_order):
    client.force_login(manager)
    client.post(RULES + "new/", _rule_form(amount="500"))

    order = place_order(buyer=buyer, quantity=6)

    assert order.state == S.AWAITING_APPROVAL
    assert order.approval_steps.get().approver_group.name == roles.ORDER_APPROVER


# --- Customer 360° ----------------------------------------------------------------------------


def test_360_page_shows_the_customers_orders(client, rep, acme, buyer, place_order, big_orders_rule):
    waiting = place_order(buyer=buyer, quantity=20)
    confirmed = place_order(buyer=buyer, quantity=2)
    client.force_login(rep)

    html = client.get(reverse("customers:inspect", args=[acme.pk])).content.decode()

    assert "data-customer-orders" in html
    assert 'data-open-state="awaiting_approval"' in html and "¥2,000.00" in html
    assert 'data-open-state="approved"' in html and "¥200.00" in html
    assert f'data-recent-order="{waiting.number}"' in html
    assert f'data-recent-order="{confirmed.number}"' in html
    assert reverse("ordering_admin:place_cart", args=[acme.pk]) in html


def test_360_orders_section_queries_do_not_grow_with_orders(client, rep, acme, buyer, place_order):
    place_order(buyer=buyer)
    client.force_login(rep)
    url = reverse("customers:inspect", args=[acme.pk])
    client.get(url)
    few, _html = _queries(client, url)

    for _ in range(12):
        place_order(buyer=buyer)
    many, html = _queries(client, url)

    assert html.count("data-recent-order=") == 10
    assert many == few


def test_360_page_has_no_orders_section_for_staff_without_orders(client, acme, db):
    # A content editor may not see customers at all; a user who sees customers but not orders
    # (a superuser sees everything, so build one by hand) gets no section.
    user = with_second_factor(StaffFactory(email="viewer@distributor.example"))
    group = Group.objects.create(name="Customer viewers")
    group.permissions.set(Group.objects.get(name=roles.MANAGER).permissions.exclude(content_type__app_label="ordering"))
    user.groups.add(group)
    client.force_login(user)

    html = client.get(reverse("customers:inspect", args=[acme.pk])).content.decode()

    assert "Acme Foods" in html
    assert "data-customer-orders" not in html


def test_membership_factory_users_can_be_placed_as(client, rep, acme, ship_to, make_product):
    """Any of the customer's users may be placed as, with their own rules (here: a spending
    limit sends the order to the customer's approver first)."""
    limited = MembershipFactory(company=acme, user=UserFactory(email="li@acme.example"), spending_limit=Decimal("10"))
    product = make_product(price="45.00", tax_rate="0")
    services.add_to_cart(cart=services.cart_for(user=rep, company=acme), product=product, quantity=1)
    client.force_login(rep)

    client.post(
        reverse("ordering_admin:place_cart", args=[acme.pk]),
        {
            "membership": limited.pk,
            "ship_to": ship_to.pk,
            "expected_total": "45.00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )

    order = Order.objects.get()
    assert order.state == S.AWAITING_CUSTOMER_APPROVAL
    assert ApprovalStep.objects.get(order=order).customer_side
