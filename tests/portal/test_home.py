"""The customer's home: the credit picture, recent orders, what waits for this person, order
again, saved lists; the finance member's home; only the active company's data; fixed queries."""

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.credit import account_for_reading
from accounts.models import Membership
from ordering.models import Order, OrderState, SavedList
from tests.factories import MembershipFactory

_numbers = itertools.count(1)


def _order(company, user, state=OrderState.APPROVED, total="100.00", po=""):
    return Order.objects.create(
        company=company,
        number=f"SO-T{next(_numbers):05d}",
        state=state,
        placed_by=user,
        po_number=po,
        ship_to_text="1 Test Road",
        currency=company.currency,
        subtotal=Decimal(total),
        tax_total=Decimal("0.00"),
        total=Decimal(total),
    )


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def _set_exposure(company, approved_uninvoiced):
    account = account_for_reading(company)
    account.approved_uninvoiced = Decimal(approved_uninvoiced)
    account.save()


def test_home_shows_limit_used_and_available_with_a_bar(client, buyer, company):
    company.credit_limit = Decimal("10000.00")
    company.save()
    _set_exposure(company, "8500.00")
    page = _home(client, buyer)
    assert "¥10,000.00" in page
    assert "¥8,500.00" in page
    assert "¥1,500.00" in page
    assert 'value="85"' in page
    assert "credit-bar-warning" in page  # amber from 80% used
    assert "85% of your limit used" in page


def test_home_bar_is_red_when_over_the_limit(client, buyer, company):
    company.credit_limit = Decimal("1000.00")
    company.save()
    _set_exposure(company, "1200.00")
    page = _home(client, buyer)
    assert "credit-bar-danger" in page
    assert 'value="100"' in page
    assert "-¥200.00" in page
    assert "Over your credit limit" in page


def test_prepaid_company_sees_prepaid_and_no_bar(client, buyer, company):
    company.credit_limit = Decimal("0.00")
    company.save()
    page = _home(client, buyer)
    assert 'data-testid="prepaid"' in page
    assert "Prepaid" in page
    assert 'data-testid="credit-bar"' not in page


def test_recent_orders_are_the_last_five_with_their_status(client, buyer, company):
    orders = [_order(company, buyer) for _ in range(6)]
    orders[-1].state = OrderState.SHIPPED
    orders[-1].save()
    page = _home(client, buyer)
    assert orders[0].number not in page  # the sixth most recent
    for order in orders[1:]:
        assert order.number in page
    assert "Shipped" in page
    assert 'data-testid="order-status"' in page


def test_reorder_offers_the_last_order_of_this_person(client, buyer, company_admin, company):
    mine = _order(company, buyer)
    _order(company, company_admin)  # a colleague's, newer
    page = _home(client, buyer)
    assert reverse("ordering:reorder", args=[mine.number]) in page
    assert reverse("ordering:quick_order") in page


def test_saved_lists_are_linked(client, buyer, company, other_company):
    saved = SavedList.objects.create(company=company, name="Monday restock", created_by=buyer)
    SavedList.objects.create(company=other_company, name="Their secret list")
    page = _home(client, buyer)
    assert "Monday restock" in page
    assert reverse("ordering:saved_list", args=[saved.pk]) in page
    assert "Their secret list" not in page


def test_approver_sees_orders_awaiting_their_approval(client, approver, buyer, company):
    waiting = _order(company, buyer, state=OrderState.AWAITING_CUSTOMER_APPROVAL)
    _order(company, approver, state=OrderState.AWAITING_CUSTOMER_APPROVAL)  # their own: not theirs to decide
    page = _home(client, approver)
    assert 'data-testid="home-approvals"' in page
    assert "1 order waits for your approval" in page
    assert waiting.number in page
    assert reverse("ordering:approvals") in page


def test_buyer_is_not_shown_approvals_but_sees_their_own_waiting_orders(client, buyer, company):
    held = _order(company, buyer, state=OrderState.CREDIT_HOLD)
    page = _home(client, buyer)
    assert 'data-testid="home-approvals"' not in page
    assert 'data-testid="home-my-waiting"' in page
    assert held.number in page
    assert "1 of your orders is waiting" in page


def test_finance_home_puts_credit_open_orders_and_holds_first(client, company_finance, buyer, company):
    _order(company, buyer, state=OrderState.APPROVED, total="300.00")
    _order(company, buyer, state=OrderState.PICKING, total="200.00")
    held = _order(company, buyer, state=OrderState.CREDIT_HOLD, total="900.00")
    _order(company, buyer, state=OrderState.CANCELLED, total="7777.00")
    page = _home(client, company_finance)
    assert page.index('data-testid="home-credit"') < page.index('data-testid="home-open-orders"')
    open_section = page[page.index('data-testid="home-open-orders"') :]
    assert "2 orders · ¥500.00" in open_section
    holds = page[page.index('data-testid="home-credit-holds"') : page.index('data-testid="home-open-orders"')]
    assert held.number in holds
    assert "1 order · ¥900.00" in holds
    assert "7777" not in page
    assert 'data-testid="home-order-again"' not in page


def test_home_shows_only_the_active_company(client, buyer, company, other_company):
    MembershipFactory(user=buyer, company=other_company, role=Membership.Role.APPROVER)
    ours = _order(company, buyer)
    theirs = _order(other_company, buyer, state=OrderState.AWAITING_CUSTOMER_APPROVAL)
    SavedList.objects.create(company=other_company, name="Other list")
    _set_exposure(other_company, "4321.00")
    client.force_login(buyer)
    client.post(reverse("accounts:switch_company", args=[company.pk]))
    page = client.get(reverse("portal:home")).content.decode()
    assert ours.number in page
    assert theirs.number not in page
    assert "Other list" not in page
    assert "4,321.00" not in page
    assert 'data-testid="home-approvals"' not in page  # bob approves only at the other company


def _fill(company, users, how_many):
    for index in range(how_many):
        user = users[index % len(users)]
        _order(company, user, state=OrderState.AWAITING_CUSTOMER_APPROVAL)
        _order(company, user, state=OrderState.CREDIT_HOLD)
        _order(company, user, state=OrderState.APPROVED)
        SavedList.objects.create(company=company, name=f"List {next(_numbers)}", created_by=user)


@pytest.mark.parametrize("role", [Membership.Role.APPROVER, Membership.Role.FINANCE, Membership.Role.BUYER])
def test_home_queries_do_not_grow_with_orders_or_lists(client, company, buyer, role, django_assert_max_num_queries):
    user = MembershipFactory(company=company, role=role).user
    client.force_login(user)
    url = reverse("portal:home")
    _fill(company, [user, buyer], 1)
    client.get(url)  # the first request stores the active company in the session
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    _fill(company, [user, buyer], 20)
    with django_assert_max_num_queries(14) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_finance_sees_what_is_open_and_overdue_on_the_home(client, company, company_finance):
    from datetime import timedelta

    from billing.services import invoicing

    for days_ago, amount in ((90, "300.00"), (0, "120.00")):
        invoicing.invoice_charges(
            company,
            [invoicing.ChargeLine(name_en="Handling", quantity=1, unit_price=Decimal(amount), tax_rate=Decimal("0"))],
            actor=None,
            issued_on=timezone.localdate() - timedelta(days=days_ago),
            render=False,
        )
    client.force_login(company_finance)

    response = client.get(reverse("portal:home"))

    figures = response.context["summary"].account[0]
    assert (figures.open, figures.overdue) == (Decimal("420.00"), Decimal("300.00"))
    page = response.content.decode()
    assert "¥300.00" in page and "?status=overdue" in page


def test_a_buyer_does_not_see_the_account_on_the_home(client, company, buyer):
    client.force_login(buyer)
    assert client.get(reverse("portal:home")).context["summary"].account is None
