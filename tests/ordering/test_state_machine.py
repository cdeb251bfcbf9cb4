"""Stateful property tests: random sequences of cart edits and order decisions keep the
invariants: stock never oversold, allocations match open orders, exposure matches approved
orders, and every state change is a legal transition with an event."""

import uuid
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from accounts.models import CreditAccount, Membership
from catalog.models import Allocation, Lot, PriceList
from catalog.offers import largest_orderable_at_most
from catalog.stock import availability_for
from ordering import services, states
from ordering.models import Order, OrderEvent, OrderState
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


class OrderingMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self):
        from datetime import timedelta

        from django.utils import timezone

        from catalog.services import Receipt, receive_stock

        self.company = CompanyFactory(credit_limit=Decimal("5000.00"))
        self.buyer = MembershipFactory(company=self.company, role=Membership.Role.BUYER, spending_limit=Decimal("800"))
        self.approver = MembershipFactory(company=self.company, role=Membership.Role.APPROVER)
        self.finance = StaffFactory(is_superuser=True)
        self.ship_to = AddressFactory(company=self.company)
        price_list = PriceListFactory(kind=PriceList.Kind.DEFAULT)
        location = LocationFactory(code="F-PROP")
        self.products = []
        for index, multiple in enumerate((1, 2, 5)):
            product = ProductFactory(order_multiple=multiple, allow_backorder=index == 2, tax_rate=Decimal("0"))
            PriceListEntryFactory(price_list=price_list, product=product, unit_price=Decimal("100.00"))
            receive_stock(
                receipts=[
                    Receipt(
                        product=product,
                        lot_number=f"P{index}",
                        location=location,
                        quantity=20,
                        expiry_date=timezone.localdate() + timedelta(days=300),
                    )
                ],
                user=self.finance,
            )
            self.products.append(product)
        self.cart = services.cart_for(user=self.buyer.user, company=self.company)

    @rule(index=st.integers(0, 2), quantity=st.integers(-2, 30))
    def set_quantity(self, index, quantity):
        product = self.products[index]
        available = availability_for(company=self.company, products=[product])[product.pk].available
        fits = largest_orderable_at_most(product, available)
        try:
            services.set_cart_quantity(cart=self.cart, product=product, quantity=quantity)
        except OrderingError:
            # A quantity no line can hold, or none of a product that may not be backordered.
            assert quantity < 0 or (not product.allow_backorder and fits == 0)
            return
        line = self.cart.lines.filter(product=product).first()
        if quantity == 0:
            assert line is None
        else:
            assert line.quantity % product.order_multiple == 0
            # Snapped up to the rules, or capped to the stock there is.
            assert line.quantity >= quantity or (not product.allow_backorder and line.quantity == fits)

    @rule()
    def place(self):
        quote = services.quote_cart(cart=self.cart)
        try:
            services.place_order(
                cart=self.cart,
                membership=self.buyer,
                checkout=Checkout(ship_to=self.ship_to),
                expected_total=quote.total,
                idempotency_key=uuid.uuid4(),
            )
        except OrderingError:
            assert not quote.can_place

    @rule(pick=st.integers(0, 50), approve=st.booleans())
    def decide(self, pick, approve):
        # Examples share the database, so everything is narrowed to this example's company; the
        # pick is drawn the same way whatever the database holds, as Hypothesis requires.
        orders = list(
            Order.objects.filter(company=self.company)
            .exclude(state__in=[OrderState.REJECTED, OrderState.CANCELLED])
            .order_by("pk")
        )
        if not orders:
            return
        order = orders[pick % len(orders)]
        try:
            if order.state == OrderState.AWAITING_CUSTOMER_APPROVAL:
                services.decide_customer_approval(order=order, membership=self.approver, approve=approve, comment="x")
            elif order.state == OrderState.CREDIT_HOLD:
                services.release_credit_hold(order=order, user=self.finance, approve=approve, comment="x")
            else:
                services.cancel_order(order=order, user=self.buyer.user, reason="x")
        except OrderingError:
            order.refresh_from_db()
            assert order.state not in states.CANCELLABLE

    @invariant()
    def stock_is_never_oversold_and_allocations_match_open_orders(self):
        if not hasattr(self, "company"):
            return
        for lot in Lot.objects.filter(product__in=self.products):
            assert 0 <= lot.allocated <= lot.on_hand
            held = Allocation.objects.filter(lot=lot, released_at__isnull=True).aggregate(t=Sum("quantity"))["t"] or 0
            assert held == lot.allocated
        released_orders = Order.objects.filter(company=self.company).exclude(state__in=states.HOLDS_STOCK)
        assert not Allocation.objects.filter(
            released_at__isnull=True, order_line_id__in=released_orders.values("lines__pk")
        ).exists()

    @invariant()
    def exposure_is_the_approved_orders(self):
        if not hasattr(self, "company"):
            return
        approved = Order.objects.filter(company=self.company, state__in=states.COUNTS_AS_APPROVED)
        total = approved.aggregate(t=Sum("total"))["t"] or Decimal("0")
        account = CreditAccount.objects.filter(company=self.company).first()
        assert (account.approved_uninvoiced if account else Decimal("0")) == total

    @invariant()
    def every_event_is_a_legal_transition(self):
        if not hasattr(self, "company"):
            return
        for event in OrderEvent.objects.filter(order__company=self.company).exclude(from_state=""):
            assert event.to_state in states.TRANSITIONS[event.from_state]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ordering_state_machine():
    OrderingMachine.TestCase.settings = settings(
        max_examples=15, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    OrderingMachine.TestCase("runTest").runTest()
