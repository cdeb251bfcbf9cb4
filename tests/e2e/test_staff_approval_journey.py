"""An order approver (the sales director) signs in with their authenticator code on a phone, opens
the approval queue as the notification links to it, and decides: one order rejected only with a
reason, the other approved; each card says why the order waits, the customer's credit and how
long it has waited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from accounts.models import CreditAccount, Membership
from catalog.models import PriceList
from ordering.approval import ApprovalRule
from ordering.models import Order, OrderState
from tests.e2e.conftest import PHONE
from tests.factories import (
    PASSWORD,
    CompanyFactory,
    LotFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

QUEUE = "/backoffice/orders/approvals/"


def assert_fits_width(page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.viewport_size["width"], f"page is {scroll_width}px wide"


def small_tap_targets(card) -> list[str]:
    """Visible links and buttons in a card smaller than 44 px high."""
    return card.evaluate(
        """card => [...card.querySelectorAll('a, button, textarea')]
          .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
          .map(el => `${el.tagName} "${(el.innerText || el.name).trim()}" ${el.getBoundingClientRect().height}px`)"""
    )


@pytest.fixture
def waiting_orders(transactional_db, place_order):
    """Two orders of Acme Foods above 1,000.00, waiting for the order approvers."""
    director = StaffFactory(email="director@distributor.example", first_name="Li", last_name="Wei")
    director.groups.add(Group.objects.get(name=roles.ORDER_APPROVER))
    director.totp_secret = generate_totp_secret()
    TOTP.activate(director, director.totp_secret)
    ApprovalRule.objects.create(
        name="Big orders",
        condition=ApprovalRule.Condition.TOTAL_AT_LEAST,
        amount=Decimal("1000.00"),
        approver_group=Group.objects.get(name=roles.ORDER_APPROVER),
    )

    acme = CompanyFactory(display_name="Acme Foods", credit_limit=Decimal("50000.00"), grace_days=30)
    CreditAccount.objects.create(
        company=acme,
        open_invoices=Decimal("12000.00"),
        oldest_unpaid_due_date=timezone.localdate() - timedelta(days=5),
    )
    buyer = UserFactory(email="mei@acme.example", first_name="Mei", last_name="Lin")
    MembershipFactory(user=buyer, company=acme, role=Membership.Role.BUYER)
    prices = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    wings = ProductFactory(sku="FZ-1001", name_en="Chicken wings, mid joint", tax_rate=Decimal("0"))
    PriceListEntryFactory(price_list=prices, product=wings, unit_price=Decimal("48.00"))
    LotFactory(product=wings, on_hand=500, expiry_date=timezone.localdate() + timedelta(days=300))

    orders = [
        place_order(buyer=buyer, product=wings, quantity=quantity, po_number=po, state=OrderState.AWAITING_APPROVAL)
        for quantity, po in ((30, "PO-7781"), (60, "PO-7782"))
    ]
    return director, orders


@pytest.mark.parametrize("viewport", [PHONE], indirect=True, ids=["phone"])
def test_order_approver_decides_from_the_queue_on_a_phone(
    page, live_server, waiting_orders, save_screenshot, totp_code
):
    director, (small, large) = waiting_orders

    # The notification links to the queue; signing in asks for the authenticator code.
    page.goto(f"{live_server.url}{QUEUE}")
    page.get_by_label("Email").fill(director.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(director.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}{QUEUE}")

    cards = page.locator("[data-approval-card]")
    expect(cards).to_have_count(2)
    expect(page.locator("[data-approval-count]")).to_contain_text("2 orders wait for your decision.")
    card = page.locator(f'[data-approval-card="{small.number}"]')
    expect(card.get_by_role("heading", level=2)).to_have_text("Acme Foods")
    expect(card.locator("[data-total]")).to_have_text("¥1,440.00")
    expect(card.locator("[data-reasons]")).to_contain_text("Order total is at least ¥1,000.00")
    expect(card.locator("[data-available-credit]")).to_contain_text("¥38,000.00")
    expect(card.locator("[data-overdue-invoice]")).to_contain_text("5 days late")
    expect(card.locator("[data-waiting]")).to_contain_text("less than a minute")
    assert_fits_width(page)
    assert small_tap_targets(card) == []
    save_screenshot("backoffice-approvals-queue-phone")

    # Rejecting needs a reason; the card says so and nothing is decided.
    large_card = page.locator(f'[data-approval-card="{large.number}"]')
    large_card.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator(f'[data-approval-card="{large.number}"]')).to_contain_text(
        "Give a reason for rejecting: the customer reads it."
    )
    assert Order.objects.get(pk=large.pk).state == OrderState.AWAITING_APPROVAL
    assert_fits_width(page)
    save_screenshot("backoffice-approvals-reject-error-phone")

    card = page.locator(f'[data-approval-card="{small.number}"]')
    card.get_by_label("Comment").fill("Regular weekly order, fine.")
    card.get_by_role("button", name="Approve").click()

    expect(page.locator(".messages")).to_contain_text(f"Order {small.number} is approved and confirmed")
    expect(cards).to_have_count(1)
    expect(page.locator(f'[data-approval-card="{small.number}"]')).to_have_count(0)
    order = Order.objects.get(pk=small.pk)
    assert order.state == OrderState.APPROVED
    step = order.approval_steps.get()
    assert (step.decided_by_id, step.comment) == (director.pk, "Regular weekly order, fine.")
    assert_fits_width(page)
    save_screenshot("backoffice-approvals-approved-phone")
