"""The company approver's queue and decisions: who may decide, never one's own order, a reason
for every rejection, and a clear word when a colleague decided first."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import Membership
from ordering.approval import ApprovalRule
from ordering.models import ApprovalStep, Order, OrderState
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The words asserted here are the English ones, whatever language an earlier test left active
    in this thread (LocaleMiddleware activates a language per request and never deactivates it)."""
    with translation.override("en"):
        yield


S = OrderState


@pytest.fixture
def waiting_order(buyer, make_product, place_order):
    """Bob's order of ¥113.00, above his spending limit of ¥50.00."""
    order = place_order(buyer=buyer, product=make_product(price="100.00"), spending_limit="50.00")
    assert order.state == S.AWAITING_CUSTOMER_APPROVAL
    return order


def _approve(client, order, **data):
    return client.post(reverse("ordering:order_approve", args=[order.number]), data)


def _reject(client, order, reason=None, **data):
    if reason is not None:
        data[f"order-{order.pk}-reason"] = reason
    return client.post(reverse("ordering:order_reject", args=[order.number]), data)


def _state(order):
    order.refresh_from_db()
    return order.state


# Who may decide -----------------------------------------------------------------------------


def test_the_approver_approves_and_the_order_is_confirmed(client, approver, waiting_order):
    client.force_login(approver)
    response = _approve(client, waiting_order, back="approvals")
    assert response.status_code == 302 and response.url == reverse("ordering:approvals")
    assert _state(waiting_order) == S.APPROVED
    step = ApprovalStep.objects.get(order=waiting_order, customer_side=True)
    assert (step.status, step.decided_by) == ("approved", approver)
    page = client.get(response.url).content.decode()
    assert f"You approved order {waiting_order.number}; it is now confirmed." in page


def test_a_company_admin_may_decide_too(client, company_admin, waiting_order):
    client.force_login(company_admin)
    _approve(client, waiting_order)
    assert _state(waiting_order) == S.APPROVED


@pytest.mark.parametrize("role", [Membership.Role.BUYER, Membership.Role.FINANCE])
def test_a_buyer_or_finance_member_may_not_decide_nor_see_the_queue(client, role, company, waiting_order):
    member = MembershipFactory(company=company, role=role).user
    client.force_login(member)
    assert _approve(client, waiting_order).status_code == 403
    assert _reject(client, waiting_order, "No").status_code == 403
    assert client.get(reverse("ordering:approvals")).status_code == 403
    assert _state(waiting_order) == S.AWAITING_CUSTOMER_APPROVAL


def test_the_buyer_does_not_see_approval_actions_on_their_order(client, buyer, waiting_order):
    client.force_login(buyer)
    html = client.get(reverse("ordering:order_detail", args=[waiting_order.number])).content.decode()
    assert 'data-testid="needs-your-approval"' not in html
    assert f"Waiting for your approver: Above {buyer}&#x27;s spending limit of ¥50.00" in html


def test_an_approver_of_another_company_gets_404(client, outsider, waiting_order):
    client.force_login(outsider)  # an admin, with every power, of another company
    assert _approve(client, waiting_order).status_code == 404
    assert _reject(client, waiting_order, "No").status_code == 404
    assert _state(waiting_order) == S.AWAITING_CUSTOMER_APPROVAL


def test_nobody_approves_their_own_order(client, company_admin, company, make_product, place_order):
    order = place_order(buyer=company_admin, product=make_product(price="100.00"), spending_limit="50.00")
    assert order.state == S.AWAITING_CUSTOMER_APPROVAL
    client.force_login(company_admin)

    queue = client.get(reverse("ordering:approvals")).content.decode()
    assert "You placed this order, so another approver or a company admin decides it." in queue
    assert reverse("ordering:order_approve", args=[order.number]) not in queue

    # The server refuses even when the form is forged.
    response = client.post(reverse("ordering:order_approve", args=[order.number]), follow=True)
    assert "You cannot approve your own order." in response.content.decode()
    assert _state(order) == S.AWAITING_CUSTOMER_APPROVAL


def test_approve_and_reject_only_answer_post(client, approver, waiting_order):
    client.force_login(approver)
    assert client.get(reverse("ordering:order_approve", args=[waiting_order.number])).status_code == 405
    assert client.get(reverse("ordering:order_reject", args=[waiting_order.number])).status_code == 405


# Rejecting ----------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_and_keeps_the_approver_on_the_queue(client, approver, waiting_order):
    client.force_login(approver)
    response = _reject(client, waiting_order, "   ", back="approvals")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-summary"' in html and "There is a problem" in html
    assert "Give a reason for the rejection." in html
    assert "<details open>" in html  # the reject form stays open with its error
    assert 'data-testid="approval-card"' in html
    assert _state(waiting_order) == S.AWAITING_CUSTOMER_APPROVAL


def test_a_rejection_without_reason_from_the_order_page_shows_the_order_again(client, approver, waiting_order):
    client.force_login(approver)
    response = _reject(client, waiting_order, "", back="detail")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Order {waiting_order.number}" in html and "Give a reason for the rejection." in html
    assert _state(waiting_order) == S.AWAITING_CUSTOMER_APPROVAL


def test_the_approver_rejects_with_a_reason(client, approver, buyer, waiting_order):
    client.force_login(approver)
    response = _reject(client, waiting_order, "Not this week", back="detail")
    assert response.status_code == 302
    assert response.url == reverse("ordering:order_detail", args=[waiting_order.number])
    assert _state(waiting_order) == S.REJECTED
    html = client.get(response.url).content.decode()
    assert f"You rejected order {waiting_order.number}." in html
    assert f"Rejected by {approver}: Not this week" in html


# A colleague decided first ------------------------------------------------------------------


def test_a_colleague_who_decided_first_is_named(client, approver, company_admin, waiting_order):
    client.force_login(approver)
    _approve(client, waiting_order)
    decided_at = timezone.localtime(ApprovalStep.objects.get(order=waiting_order).decided_at)

    client.force_login(company_admin)
    response = _approve(client, waiting_order, back="approvals")
    html = client.get(response.url).content.decode()
    assert f"{approver} already approved order {waiting_order.number} on" in html
    assert str(decided_at.year) in html
    # And the queue's list of recent decisions says who and when.
    assert f"Approved by {approver}," in html


def test_a_colleagues_rejection_is_named_too(client, approver, company_admin, waiting_order):
    client.force_login(approver)
    _reject(client, waiting_order, "Too much")
    client.force_login(company_admin)
    response = _reject(client, waiting_order, "Me too", back="approvals")
    assert f"{approver} already rejected order {waiting_order.number} on" in client.get(response.url).content.decode()


def test_a_cancelled_order_cannot_be_approved_and_says_why(client, approver, buyer, waiting_order):
    client.force_login(buyer)
    client.post(reverse("ordering:order_cancel", args=[waiting_order.number]), {"reason": "Changed my mind"})
    client.force_login(approver)
    response = _approve(client, waiting_order)
    assert "This order is Cancelled." in client.get(response.url).content.decode()
    assert _state(waiting_order) == S.CANCELLED


# The queue ----------------------------------------------------------------------------------


def test_the_queue_shows_requester_total_why_and_how_long(client, approver, buyer, waiting_order):
    Order.objects.filter(pk=waiting_order.pk).update(placed_at=timezone.now() - timedelta(hours=3))
    client.force_login(approver)
    html = client.get(reverse("ordering:approvals")).content.decode()
    assert waiting_order.number in html
    assert str(buyer) in html
    assert "¥113.00" in html
    assert f"Above {buyer}&#x27;s spending limit of ¥50.00" in html
    assert "3\xa0hours" in html
    assert "Overdue" not in html


def test_a_decision_past_its_due_time_is_flagged(client, approver, waiting_order):
    ApprovalStep.objects.filter(order=waiting_order).update(due_at=timezone.now() - timedelta(minutes=1))
    client.force_login(approver)
    assert "Overdue" in client.get(reverse("ordering:approvals")).content.decode()


def test_the_queue_shows_only_this_companys_waiting_orders(
    client, approver, buyer, company, outsider, other_company, waiting_order, place_order
):
    confirmed = place_order(buyer=buyer, spending_limit="100000.00")
    other_buyer = MembershipFactory(company=other_company, role=Membership.Role.BUYER, spending_limit=1).user
    theirs = place_order(buyer=other_buyer)
    assert theirs.state == S.AWAITING_CUSTOMER_APPROVAL

    client.force_login(approver)
    html = client.get(reverse("ordering:approvals")).content.decode()
    assert waiting_order.number in html
    assert confirmed.number not in html and theirs.number not in html


def test_an_empty_queue_says_so(client, approver):
    client.force_login(approver)
    assert "Nothing waits for your approval." in client.get(reverse("ordering:approvals")).content.decode()


def test_the_approver_sees_needs_your_approval_on_the_order(client, approver, waiting_order):
    client.force_login(approver)
    html = client.get(reverse("ordering:order_detail", args=[waiting_order.number])).content.decode()
    assert 'data-testid="needs-your-approval"' in html
    assert reverse("ordering:order_approve", args=[waiting_order.number]) in html
    assert reverse("ordering:order_reject", args=[waiting_order.number]) in html


def test_the_queue_runs_the_same_queries_for_2_or_10_orders(
    client, approver, company, make_product, django_assert_max_num_queries, place_order
):
    product = make_product(price="100.00", stock=1000)
    buyers = [MembershipFactory(company=company, role=Membership.Role.BUYER, spending_limit=1).user for _ in range(2)]

    def queue_queries():
        with django_assert_max_num_queries(12) as captured:
            response = client.get(reverse("ordering:approvals"))
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode().count('data-testid="approval-card"')

    client.force_login(approver)
    client.get(reverse("ordering:approvals"))  # the first request stores the active company in the session
    for user in buyers:
        place_order(buyer=user, product=product)
    few = queue_queries()
    for n in range(8):
        place_order(buyer=buyers[n % 2], product=product)
    many = queue_queries()
    assert (few[1], many[1]) == (2, 10)
    assert few[0] == many[0]


def test_a_card_lists_what_was_ordered(client, approver, waiting_order):
    line = waiting_order.lines.get()
    client.force_login(approver)
    with translation.override("zh-hans"):
        html = client.get(reverse("ordering:approvals"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert html.count('data-testid="approval-line"') == 1
    assert f"<td>{line.sku}</td><td>{line.name_zh or line.name_en}</td>" in html
    assert "¥100.00" in html  # the line total, before tax


def test_approving_says_who_decides_next(client, approver, waiting_order, staff_finance):
    ApprovalRule.objects.create(
        name="Big", condition="total_at_least", amount="100", approver_group=Group.objects.get(name=roles.FINANCE)
    )
    client.force_login(approver)
    response = _approve(client, waiting_order, back="approvals")
    assert _state(waiting_order) == S.AWAITING_APPROVAL
    page = client.get(response.url).content.decode()
    assert (
        f"You approved order {waiting_order.number}; it now goes to our approvers (Order total is at least ¥100.00)."
        in page
    )
