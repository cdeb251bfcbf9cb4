"""Role fixtures: alice is Acme's admin, bob buys for Acme, carol approves, dave does finance;
the outsider belongs to another company. Staff fixtures carry their groups.

`totp_code` gives an authenticator's code without waiting for a fresh one. Catalog fixtures:
`make_product` makes a priced product in stock, `stock_in` receives more of it. `place_order`
places an order through the placement service, as checkout does."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.utils import timezone, translation

from accounts import roles
from accounts.models import Address, Membership
from catalog.models import PriceList, TemperatureZone
from catalog.services import Receipt, receive_stock
from ordering import services
from ordering.models import OrderState
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    LocationFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English: LocaleMiddleware leaves the thread in the language of the
    last request, so a Chinese page in one test would otherwise change the next one's texts."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts and ends with an empty cache: cached catalog pages, cards and prices are
    keyed by ids that the next test's rows may reuse, and rows rolled back send no signal."""
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def company(db):
    return CompanyFactory(display_name="Acme Foods", legal_name="Acme Foods Trading Co., Ltd.")


@pytest.fixture
def other_company(db):
    return CompanyFactory(display_name="Other Catering", legal_name="Other Catering Ltd.")


def _member(company, role, email):
    return MembershipFactory(company=company, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def company_admin(company):
    return _member(company, Membership.Role.ADMIN, "alice@acme.example")


@pytest.fixture
def buyer(company):
    return _member(company, Membership.Role.BUYER, "bob@acme.example")


@pytest.fixture
def approver(company):
    return _member(company, Membership.Role.APPROVER, "carol@acme.example")


@pytest.fixture
def company_finance(company):
    return _member(company, Membership.Role.FINANCE, "dave@acme.example")


@pytest.fixture
def outsider(other_company):
    """An admin of another company: the most powerful customer who must still see nothing of ours."""
    return _member(other_company, Membership.Role.ADMIN, "olga@other.example")


def _staff(group_name, email):
    user = StaffFactory(email=email)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def staff_sales_rep(db):
    return _staff(roles.SALES_REP, "rep@distributor.example")


@pytest.fixture
def staff_finance(db):
    return _staff(roles.FINANCE, "finance@distributor.example")


@pytest.fixture
def staff_manager(db):
    return _staff(roles.MANAGER, "manager@distributor.example")


@pytest.fixture
def staff_warehouse(db):
    return _staff(roles.WAREHOUSE, "warehouse@distributor.example")


@pytest.fixture
def staff_content_editor(db):
    return _staff(roles.CONTENT_EDITOR, "editor@distributor.example")


@pytest.fixture
def staff_order_approver(db):
    return _staff(roles.ORDER_APPROVER, "director@distributor.example")


@pytest.fixture
def totp_code(time_machine):
    """totp_code(secret) is the code an authenticator app shows for `secret`, fresh.

    A code is accepted only within its own 30-second window, so one read just before the window
    ends could expire before the server checks it. Rather than wait for the next window, the
    clock moves to its start (time-machine, still ticking) and the code of that window is used:
    it has the whole window ahead of it. time-machine changes the clock of the whole process,
    so a live server's thread checks the code at the same time. Each call moves on to a new
    window, so no code is used twice."""

    def code(secret: str) -> str:
        window = int(time.time()) // mfa_settings.TOTP_PERIOD + 1
        time_machine.move_to(datetime.fromtimestamp(window * mfa_settings.TOTP_PERIOD, tz=UTC), tick=True)
        return format_hotp_value(hotp_value(secret, window))

    return code


# Catalog -----------------------------------------------------------------------------------------


@pytest.fixture
def default_list(db):
    return PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")


@pytest.fixture
def freezer_location(db):
    """Location F-01 of the cold store, in the frozen zone, where stock_in puts stock."""
    return LocationFactory(code="F-01", zone=TemperatureZone.FROZEN)


@pytest.fixture
def stock_in(freezer_location):
    user = StaffFactory()

    def receive(product, quantity, *, lot="L1", days=300):
        receive_stock(
            receipts=[
                Receipt(
                    product=product,
                    lot_number=lot,
                    expiry_date=timezone.localdate() + timedelta(days=days),
                    quantity=quantity,
                    location=freezer_location,
                )
            ],
            user=user,
        )

    return receive


@pytest.fixture
def make_product(default_list, stock_in):
    def make(*, price="100.00", stock=100, tax_rate="13.00", **fields):
        product = ProductFactory(tax_rate=Decimal(tax_rate), **fields)
        PriceListEntryFactory(price_list=default_list, product=product, unit_price=Decimal(price))
        if stock:
            stock_in(product, stock)
        return product

    return make


@pytest.fixture
def ship_to(company):
    return AddressFactory(company=company, is_default=True)


# Ordering ----------------------------------------------------------------------------------------


@pytest.fixture
def place_order(request, db):
    """place_order(...) puts lines in a cart and places it with `ordering.services.place_order`,
    as checkout does (quoted, then placed at the quoted total), and returns the Order.

    Every option is a keyword, and each has a default:
    - buyer: who places it. Default: bob (the `buyer` fixture), or a new buyer of `company`.
    - company: default: the buyer's company (pass it when the buyer belongs to several).
    - product, quantity: one line. Default: a new product at 100.00 without tax, in stock, so
      the order's total is 100.00 × quantity.
    - lines: [(product, quantity), ...] instead of product and quantity; `lines=()` places the
      cart as the test filled it.
    - ship_to: default: the company's default shipping address (one is made if it has none).
    - po_number, requested_delivery_date, notes: the rest of the checkout form.
    - idempotency_key: default: a new one, as each visit to checkout has.
    - expected_total: the total the buyer saw. Default: the quote's.
    - spending_limit: set on the buyer's membership first ("50.00"); above it the company's
      approver decides first.
    - state: the state the order must be in once placed (checked). For AWAITING_CUSTOMER_APPROVAL
      a placer without a spending limit is given one of 0.00; other states come from what the
      test arranged (spending limits, credit, approval rules).
    - placed_for_customer_by: a sales rep placing it from the back office, from their own cart.
    - durable: False inside a transaction the test opened itself.
    """

    def place(
        *,
        buyer=None,
        company=None,
        product=None,
        quantity=1,
        lines=None,
        ship_to=None,
        po_number="PO-1",
        idempotency_key=None,
        expected_total=None,
        spending_limit=None,
        state=None,
        placed_for_customer_by=None,
        durable=True,
        **checkout,
    ):
        if buyer is None:
            buyer = (
                request.getfixturevalue("buyer")
                if company is None
                else MembershipFactory(company=company, role=Membership.Role.BUYER).user
            )
        memberships = Membership.objects.filter(user=buyer)
        if company is None:
            assert memberships.count() == 1, f"{buyer} belongs to several companies: pass company="
            membership = memberships.select_related("company").get()
        else:
            membership = memberships.select_related("company").get(company=company)
        company = membership.company
        if (
            spending_limit is None
            and membership.spending_limit is None
            and state == OrderState.AWAITING_CUSTOMER_APPROVAL
        ):
            spending_limit = "0.00"
        if spending_limit is not None:
            membership.spending_limit = Decimal(spending_limit)
            membership.save(update_fields=["spending_limit"])
        if lines is None:
            if product is None:
                product = request.getfixturevalue("make_product")(price="100.00", tax_rate="0")
            lines = [(product, quantity)]
        if ship_to is None:
            ship_to = Address.objects.filter(company=company, kind=Address.Kind.SHIPPING).first() or AddressFactory(
                company=company, is_default=True
            )
        cart = services.cart_for(user=placed_for_customer_by or buyer, company=company)
        for line_product, line_quantity in lines:
            services.add_to_cart(cart=cart, product=line_product, quantity=line_quantity)
        order = services.place_order(
            cart=cart,
            membership=membership,
            checkout=services.Checkout(ship_to=ship_to, po_number=po_number, **checkout),
            expected_total=services.quote_cart(cart=cart).total if expected_total is None else expected_total,
            idempotency_key=idempotency_key or uuid.uuid4(),
            placed_for_customer_by=placed_for_customer_by,
            durable=durable,
        )
        if state is not None:
            assert order.state == state, f"the order is {order.state}, not {state}"
        return order

    return place
