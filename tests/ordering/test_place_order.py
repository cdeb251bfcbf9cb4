"""Placing an order: re-priced, allocated FEFO under locks, credit checked, numbered, one per checkout."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import CreditAccount, Membership
from catalog.models import Allocation, Lot
from catalog.offers import QuantityError, snap_quantity
from kit import phrases
from ordering import services
from ordering.approval import ApprovalRule
from ordering.models import Order, OrderState
from ordering.services import OrderingError, PriceChanged
from tests.factories import AddressFactory


def _member(user, company):
    return Membership.objects.get(user=user, company=company)


def test_an_order_within_credit_is_confirmed_and_counts_in_the_exposure(buyer, company, make_product, place_order):
    product = make_product(price="100.00", tax_rate="13.00")
    order = place_order(buyer=buyer, product=product, quantity=3)
    assert order.state == OrderState.APPROVED
    assert (order.subtotal, order.tax_total, order.total) == (Decimal("300.00"), Decimal("39.00"), Decimal("339.00"))
    line = order.lines.get()
    assert (line.unit_price, line.price_source, line.allocated_quantity) == (Decimal("100.00"), "default", 3)
    assert CreditAccount.objects.get(company=company).approved_uninvoiced == Decimal("339.00")
    assert list(order.events.values_list("to_state", flat=True)) == ["submitted", "approved"]
    assert not services.cart_for(user=buyer, company=company).lines.exists()


def test_order_numbers_are_readable_and_follow_each_other(buyer, make_product, place_order):
    product = make_product()
    numbers = [place_order(buyer=buyer, product=product).number for _ in range(3)]
    year = timezone.localdate().year
    assert numbers == [f"SO-{year}-000001", f"SO-{year}-000002", f"SO-{year}-000003"]


def test_the_same_checkout_twice_places_one_order(buyer, place_order):
    key = uuid.uuid4()
    first = place_order(buyer=buyer, idempotency_key=key)
    # Submitted again: the cart is empty now, the form still carries the key and the total.
    second = place_order(buyer=buyer, lines=(), idempotency_key=key, expected_total=first.total)
    assert first.pk == second.pk
    assert Order.objects.count() == 1


def test_a_total_different_from_what_the_buyer_saw_is_refused(buyer, make_product, place_order):
    product = make_product(price="100.00")
    with pytest.raises(PriceChanged):
        place_order(buyer=buyer, product=product, expected_total=Decimal("1.00"))
    assert not Order.objects.exists()
    assert Lot.objects.get(product=product).allocated == 0


def test_allocation_is_first_expiry_first_out_within_the_shelf_life_rule(
    buyer, company, make_product, stock_in, place_order
):
    company.min_shelf_life_percent = 50
    company.save()
    product = make_product(stock=0, shelf_life_days=100)
    stock_in(product, 10, lot="SHORT", days=20)  # below 50% of 100 days: not for this company
    stock_in(product, 5, lot="SOON", days=60)
    stock_in(product, 10, lot="LATER", days=90)
    order = place_order(buyer=buyer, product=product, quantity=8)
    taken = dict(Allocation.objects.filter(order_line_id=order.lines.get().pk).values_list("lot__number", "quantity"))
    assert taken == {"SOON": 5, "LATER": 3}


def test_more_than_available_is_refused_naming_the_available_quantity(buyer, company, make_product, place_order):
    product = make_product(stock=10)
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=product, quantity=6)
    Lot.objects.filter(product=product).update(on_hand=4)  # stock went after it was added
    with pytest.raises(OrderingError, match="Only 4 available"):
        place_order(buyer=buyer, lines=())


def test_a_backorderable_product_allocates_what_there_is_and_backorders_the_rest(buyer, make_product, place_order):
    product = make_product(stock=4, allow_backorder=True)
    line = place_order(buyer=buyer, product=product, quantity=6).lines.get()
    assert (line.allocated_quantity, line.backorder_quantity) == (4, 2)


def test_over_credit_goes_on_credit_hold_not_refused(buyer, company, make_product, place_order):
    company.credit_limit = Decimal("200.00")
    company.save()
    product = make_product(price="100.00", tax_rate="0")
    order = place_order(buyer=buyer, product=product, quantity=3, state=OrderState.CREDIT_HOLD)
    (reason,) = order.hold_reasons
    assert reason == {
        "code": "hold.over_credit",
        "params": {
            "total": {"amount": "300.00", "currency": "CNY"},
            "available": {"amount": "200.00", "currency": "CNY"},
        },
    }
    assert CreditAccount.objects.get(company=company).approved_uninvoiced == 0


def test_a_hold_reason_reads_in_customer_words_to_the_customer_and_staff_words_to_staff(
    buyer, company, make_product, place_order
):
    company.credit_limit = Decimal("200.00")
    company.save()
    order = place_order(buyer=buyer, product=make_product(price="1000.00", tax_rate="0"), quantity=3)
    (reason,) = order.hold_reasons
    with translation.override("en"):
        assert phrases.render(reason) == "This order (¥3,000.00) is more than your available credit (¥200.00)."
        assert phrases.render(reason, audience=phrases.STAFF) == (
            "This order (¥3,000.00) is more than the customer's available credit (¥200.00)."
        )
    with translation.override("zh-hans"):
        assert "¥3,000.00" in phrases.render(reason) and "您的可用信用额度" in phrases.render(reason)
        assert "客户的可用信用额度" in phrases.render(reason, audience=phrases.STAFF)


def test_an_invoice_overdue_beyond_grace_days_puts_the_order_on_hold(buyer, company, place_order):
    company.grace_days = 5
    company.save()
    CreditAccount.objects.create(company=company, oldest_unpaid_due_date=timezone.localdate() - timedelta(days=6))
    assert place_order(buyer=buyer).state == OrderState.CREDIT_HOLD


def test_above_the_spending_limit_waits_for_the_company_approver_who_cannot_be_the_buyer(
    buyer, approver, company, place_order
):
    order = place_order(buyer=buyer, spending_limit="50.00")
    assert order.state == OrderState.AWAITING_CUSTOMER_APPROVAL
    with pytest.raises(OrderingError):
        services.decide_customer_approval(order=order, membership=_member(buyer, company), approve=True)
    services.decide_customer_approval(order=order, membership=_member(approver, company), approve=True)
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED


def test_rejection_needs_a_reason_and_releases_the_stock(buyer, approver, company, make_product, place_order):
    product = make_product(price="100.00")
    order = place_order(buyer=buyer, product=product, quantity=2, spending_limit="50.00")
    assert Lot.objects.get(product=product).allocated == 2
    with pytest.raises(OrderingError, match="reason"):
        services.decide_customer_approval(order=order, membership=_member(approver, company), approve=False)
    services.decide_customer_approval(
        order=order, membership=_member(approver, company), approve=False, comment="Not this week"
    )
    order.refresh_from_db()
    assert order.state == OrderState.REJECTED
    assert Lot.objects.get(product=product).allocated == 0


def test_staff_rules_chain_finance_then_director(buyer, make_product, place_order, staff_finance, staff_order_approver):
    finance, director = Group.objects.get(name=roles.FINANCE), Group.objects.get(name=roles.ORDER_APPROVER)
    ApprovalRule.objects.create(
        name="Big", condition="total_at_least", amount=Decimal("500"), approver_group=finance, step=1
    )
    ApprovalRule.objects.create(
        name="Big, director", condition="total_at_least", amount=Decimal("500"), approver_group=director, step=2
    )
    order = place_order(buyer=buyer, product=make_product(price="1000.00"), state=OrderState.AWAITING_APPROVAL)
    with pytest.raises(OrderingError, match="This step is for"):
        services.decide_staff_approval(order=order, user=staff_order_approver, approve=True)
    services.decide_staff_approval(order=order, user=staff_finance, approve=True)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_APPROVAL
    services.decide_staff_approval(order=order, user=staff_order_approver, approve=True, comment="OK")
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED


def test_first_order_rule(buyer, make_product, place_order, staff_order_approver):
    ApprovalRule.objects.create(
        name="New customer", condition="first_order", approver_group=Group.objects.get(name=roles.ORDER_APPROVER)
    )
    product = make_product()
    for expected in (OrderState.AWAITING_APPROVAL, OrderState.APPROVED):
        assert place_order(buyer=buyer, product=product).state == expected


def test_finance_releases_a_credit_hold(buyer, company, place_order, staff_finance, staff_sales_rep):
    company.credit_limit = Decimal("10.00")
    company.save()
    order = place_order(buyer=buyer, state=OrderState.CREDIT_HOLD)
    with pytest.raises(OrderingError, match="Only finance"):
        services.release_credit_hold(order=order, user=staff_sales_rep, approve=True)
    services.release_credit_hold(order=order, user=staff_finance, approve=True, comment="Paid by transfer")
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED


def test_cancel_before_picking_returns_stock_and_credit(buyer, company, make_product, place_order):
    product = make_product()
    order = place_order(buyer=buyer, product=product, quantity=2)
    services.cancel_order(order=order, user=buyer, reason="Ordered twice")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert Lot.objects.get(product=product).allocated == 0
    assert CreditAccount.objects.get(company=company).approved_uninvoiced == 0


def test_another_companys_address_is_refused(buyer, place_order, other_company):
    with pytest.raises(OrderingError, match="addresses"):
        place_order(buyer=buyer, ship_to=AddressFactory(company=other_company))


@pytest.mark.parametrize(("requested", "expected"), [(1, 12), (12, 12), (13, 18), (19, 24)])
def test_quantities_snap_to_minimum_and_multiple(requested, expected, make_product):
    product = make_product(min_order_quantity=12, order_multiple=6)
    assert snap_quantity(product, requested).quantity == expected


@pytest.mark.parametrize("requested", [0, -1, 10**9])
def test_impossible_quantities_are_refused(requested, make_product):
    with pytest.raises(QuantityError):
        snap_quantity(make_product(), requested)


def test_the_catalog_shows_stock_taken_and_released_by_orders_at_once(client, buyer, make_product, place_order):
    """The catalog caches availability per product until its lots change; orders change them."""
    product = make_product(stock=10)
    client.force_login(buyer)

    def badge() -> str:
        html = client.get(reverse("catalog:product_list")).content.decode()
        card = html[html.index(f'data-sku="{product.sku}"') :]
        return card[card.index('data-testid="stock-badge">') :].split(">", 1)[1].split("<", 1)[0]

    assert badge() == "In stock"
    order = place_order(buyer=buyer, product=product, quantity=9)
    assert badge() == "Low stock"

    services.cancel_order(order=order, user=buyer, reason="Ordered twice")
    assert badge() == "In stock"
