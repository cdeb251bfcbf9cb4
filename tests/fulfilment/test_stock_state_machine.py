"""Stateful property test of stock after placement: random receipts (which fill backorders),
orders, quality holds and their release, re-allocations, cancellations and days passing keep
the stock invariants: per lot 0 ≤ allocated ≤ on hand and allocated = its open allocations; the
ledger, the lots and the stock levels agree; no allocation is ever made from an expired, held or
too-short lot; every order line's allocated + backordered = ordered, and allocated = what it
holds while its order holds stock."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Max, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from accounts.models import Membership
from catalog import allocation
from catalog.models import Allocation, Lot, PriceList, StockLevel, StockMove
from catalog.services import Receipt, receive_stock
from catalog.stock import earliest_sellable_expiry
from ordering import services
from ordering.fulfilment.backorders import FILLS_BACKORDERS, ReallocationError, reallocate_allocation
from ordering.models import Order, OrderLine
from ordering.services import Checkout, OrderingError
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    LocationFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
)


class StockMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self):
        # The clock stands still at noon and moves only when a rule lets days pass, so placement,
        # receipts (and the backorder fill they trigger) and the checks all read the same day.
        self.now = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time())) + timedelta(
            hours=12
        )
        self.clock = time_machine.travel(self.now, tick=False)
        self.clock.start()
        self.staff = StaffFactory(is_superuser=True)
        self.location = LocationFactory(code=f"F-{uuid.uuid4().hex[:6]}")
        price_list = PriceListFactory(kind=PriceList.Kind.DEFAULT)
        self.products = []
        for _index in range(2):
            product = ProductFactory(allow_backorder=True, shelf_life_days=100, tax_rate=Decimal("0"))
            PriceListEntryFactory(price_list=price_list, product=product, unit_price=Decimal("10.00"))
            self.products.append(product)
        # One customer takes any unexpired lot, the other wants half the shelf life left.
        self.buyers = []
        for percent in (0, 50):
            company = CompanyFactory(credit_limit=Decimal("1000000.00"), min_shelf_life_percent=percent)
            buyer = MembershipFactory(company=company, role=Membership.Role.BUYER, spending_limit=None)
            self.buyers.append((buyer, AddressFactory(company=company)))
        self.seen_allocation = Allocation.objects.aggregate(m=Max("pk"))["m"] or 0
        self.lot_count = 0

    def teardown(self):
        if hasattr(self, "clock"):
            self.clock.stop()

    def _lots(self):
        return list(Lot.objects.filter(product__in=self.products).order_by("pk"))

    @property
    def today(self):
        return self.now.date()

    @rule(index=st.integers(0, 1), quantity=st.integers(1, 10), days=st.integers(-3, 100))
    def receive(self, index, quantity, days):
        self.lot_count += 1
        receive_stock(
            receipts=[
                Receipt(
                    product=self.products[index],
                    lot_number=f"R{self.lot_count}",
                    expiry_date=self.today + timedelta(days=days),
                    quantity=quantity,
                    location=self.location,
                )
            ],
            user=self.staff,
        )

    @rule(customer=st.integers(0, 1), index=st.integers(0, 1), quantity=st.integers(1, 8))
    def place(self, customer, index, quantity):
        membership, ship_to = self.buyers[customer]
        cart = services.cart_for(user=membership.user, company=membership.company)
        services.set_cart_quantity(cart=cart, product=self.products[index], quantity=quantity)
        quote = services.quote_cart(cart=cart)
        services.place_order(
            cart=cart,
            membership=membership,
            checkout=Checkout(ship_to=ship_to),
            expected_total=quote.total,
            idempotency_key=uuid.uuid4(),
        )

    @rule(pick=st.integers(0, 50))
    def hold(self, pick):
        lots = self._lots()
        if lots:
            allocation.put_on_hold(lot_id=lots[pick % len(lots)].pk, reason="Failed check")

    @rule(pick=st.integers(0, 50))
    def release_hold(self, pick):
        lots = self._lots()
        if lots:
            allocation.release_hold(lot_id=lots[pick % len(lots)].pk)

    @rule(pick=st.integers(0, 50), to=st.none() | st.integers(0, 50))
    def reallocate(self, pick, to):
        open_allocations = list(
            Allocation.objects.filter(lot__product__in=self.products, released_at__isnull=True).order_by("pk")
        )
        if not open_allocations:
            return
        lots = self._lots()
        chosen = open_allocations[pick % len(open_allocations)]
        try:
            reallocate_allocation(
                allocation_id=chosen.pk,
                to_lot_id=None if to is None else lots[to % len(lots)].pk,
                reason="Damaged",
                user=self.staff,
            )
        except ReallocationError:
            assert Allocation.objects.filter(pk=chosen.pk, released_at__isnull=True).exists()

    @rule(pick=st.integers(0, 50))
    def cancel(self, pick):
        orders = list(Order.objects.filter(lines__product__in=self.products).distinct().order_by("pk"))
        if not orders:
            return
        order = orders[pick % len(orders)]
        try:
            services.cancel_order(order=order, user=order.placed_by, reason="x")
        except OrderingError:
            pass

    @rule(days=st.integers(1, 40))
    def let_days_pass(self, days):
        self.clock.stop()
        self.now += timedelta(days=days)
        self.clock = time_machine.travel(self.now, tick=False)
        self.clock.start()

    @invariant()
    def lots_ledger_and_levels_agree(self):
        if not hasattr(self, "products"):
            return
        for lot in self._lots():
            assert 0 <= lot.allocated <= lot.on_hand
            held = Allocation.objects.filter(lot=lot, released_at__isnull=True).aggregate(t=Sum("quantity"))["t"] or 0
            assert held == lot.allocated
            ledger = StockMove.objects.filter(lot=lot).aggregate(t=Sum("quantity"))["t"] or 0
            levels = StockLevel.objects.filter(lot=lot).aggregate(t=Sum("quantity"))["t"] or 0
            assert ledger == lot.on_hand == levels

    @invariant()
    def no_allocation_is_made_from_an_unfit_lot(self):
        if not hasattr(self, "products"):
            return
        new = Allocation.objects.filter(pk__gt=self.seen_allocation, lot__product__in=self.products)
        for made in new.select_related("lot__product", "company"):
            assert made.lot.held_at is None
            assert made.lot.expiry_date >= earliest_sellable_expiry(
                shelf_life_days=made.lot.product.shelf_life_days,
                min_shelf_life_percent=made.company.min_shelf_life_percent,
                today=self.today,
            )
        self.seen_allocation = Allocation.objects.aggregate(m=Max("pk"))["m"] or 0

    @invariant()
    def order_lines_add_up(self):
        if not hasattr(self, "products"):
            return
        for line in OrderLine.objects.filter(product__in=self.products).select_related("order"):
            assert line.allocated_quantity + line.backorder_quantity == line.quantity
            held = (
                Allocation.objects.filter(order_line_id=line.pk, released_at__isnull=True).aggregate(t=Sum("quantity"))[
                    "t"
                ]
                or 0
            )
            if line.order.state in FILLS_BACKORDERS:
                assert held == line.allocated_quantity
            elif line.order.state == "cancelled":
                assert held == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stock_state_machine():
    StockMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
    )
    StockMachine.TestCase("runTest").runTest()
