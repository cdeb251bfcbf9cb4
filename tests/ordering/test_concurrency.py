"""Races on PostgreSQL with real threads released together by a barrier.

PostgreSQL here allows 100 connections, so each test runs at most 40 threads at once; where a
test has more buyers than threads, each thread places its share as fast as it can.
"""

import threading
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from accounts.models import CreditAccount, Membership
from catalog.models import Allocation, Lot
from ordering import services
from ordering.models import Order, OrderState
from ordering.services import Checkout, OrderingError
from tests.factories import AddressFactory, CompanyFactory, MembershipFactory

THREADS = 40

# serialized_rollback puts back what migrations created (staff groups, the home page) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _race(jobs, threads=THREADS):
    """Run `jobs` (callables) on `threads` threads started together; return their outcomes."""
    barrier = threading.Barrier(min(threads, len(jobs)))
    outcomes: list[str] = []
    lock = threading.Lock()
    shares = [jobs[i :: min(threads, len(jobs))] for i in range(min(threads, len(jobs)))]

    def worker(share):
        try:
            barrier.wait(timeout=60)
            for job in share:
                try:
                    outcome = job()
                except OrderingError:
                    outcome = "refused"
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in workers), "a thread did not finish"
    return outcomes


def _prepared_checkout(membership, product, quantity):
    cart = services.cart_for(user=membership.user, company=membership.company)
    services.add_to_cart(cart=cart, product=product, quantity=quantity)
    quote = services.quote_cart(cart=cart)
    ship_to = AddressFactory(company=membership.company)
    return cart, quote.total, ship_to


def _placer(membership, cart, total, ship_to, key=None):
    def place():
        order = services.place_order(
            cart=cart,
            membership=membership,
            checkout=Checkout(ship_to=ship_to),
            expected_total=total,
            idempotency_key=key or uuid.uuid4(),
        )
        return order.state

    return place


def test_200_buyers_racing_for_10_units_buy_exactly_10(make_product, stock_in):
    product = make_product(stock=0, price="10.00")
    stock_in(product, 6, lot="A", days=200)
    stock_in(product, 4, lot="B", days=300)
    companies = [CompanyFactory(credit_limit=Decimal("1000.00")) for _ in range(20)]
    jobs = []
    for index in range(200):
        membership = MembershipFactory(company=companies[index % 20], role=Membership.Role.BUYER)
        cart, total, ship_to = _prepared_checkout(membership, product, 1)
        jobs.append(_placer(membership, cart, total, ship_to))

    outcomes = Counter(_race(jobs))

    assert outcomes == {OrderState.APPROVED: 10, "refused": 190}
    assert sum(Lot.objects.filter(product=product).values_list("allocated", flat=True)) == 10
    assert Allocation.objects.aggregate(total=Sum("quantity"))["total"] == 10
    assert Order.objects.count() == 10
    for lot in Lot.objects.filter(product=product):
        assert lot.allocated <= lot.on_hand


def test_50_concurrent_orders_of_1000_never_exceed_a_credit_limit_of_10000(make_product):
    company = CompanyFactory(credit_limit=Decimal("10000.00"))
    product = make_product(stock=1000, price="1000.00", tax_rate="0")
    jobs = []
    for _ in range(50):
        membership = MembershipFactory(company=company, role=Membership.Role.BUYER)
        cart, total, ship_to = _prepared_checkout(membership, product, 1)
        jobs.append(_placer(membership, cart, total, ship_to))

    outcomes = Counter(_race(jobs))

    approved_total = Order.objects.filter(company=company, state=OrderState.APPROVED).aggregate(t=Sum("total"))["t"]
    assert approved_total == Decimal("10000.00")
    assert outcomes == {OrderState.APPROVED: 10, OrderState.CREDIT_HOLD: 40}
    assert CreditAccount.objects.get(company=company).approved_uninvoiced == approved_total


def test_the_same_checkout_posted_100_times_at_once_places_one_order(make_product):
    product = make_product(stock=50, price="10.00")
    membership = MembershipFactory(company=CompanyFactory(), role=Membership.Role.BUYER)
    cart, total, ship_to = _prepared_checkout(membership, product, 2)
    key = uuid.uuid4()
    jobs = [_placer(membership, cart, total, ship_to, key=key) for _ in range(100)]

    outcomes = Counter(_race(jobs))

    assert Order.objects.count() == 1
    assert outcomes == {OrderState.APPROVED: 100}
    assert Lot.objects.get(product=product).allocated == 2


@pytest.mark.parametrize("own_cart", [False, True], ids=["add_to_cart", "add_to_own_cart"])
@pytest.mark.parametrize("already_in_cart", [False, True])
def test_three_adds_of_the_same_product_at_once_all_count(make_product, already_in_cart, own_cart):
    product = make_product(stock=50, price="10.00")
    membership = MembershipFactory(company=CompanyFactory(), role=Membership.Role.BUYER)
    cart = services.cart_for(user=membership.user, company=membership.company)
    if already_in_cart:
        services.add_to_cart(cart=cart, product=product, quantity=1)

    def add():
        if own_cart:
            user, company = membership.user, membership.company
            added = services.add_to_own_cart(user=user, company=company, product=product, quantity=2)
            return ("added", added.line_count)
        services.add_to_cart(cart=cart, product=product, quantity=2)
        return ("added", 1)

    outcomes = Counter(_race([add] * 3))

    assert outcomes == {("added", 1): 3}
    assert cart.lines.get().quantity == 6 + already_in_cart
