"""Li Wei orders above his spending limit; Zhang Min, the company's approver, opens Approvals on
her phone, approves the order and sees it confirmed in the order's timeline."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import Membership
from catalog.models import PriceList
from ordering import services
from ordering.models import Order, OrderState
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import (
    PASSWORD,
    CompanyFactory,
    LotFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    UserFactory,
    category,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def order_above_the_limit(transactional_db, place_order):
    """Li Wei (buyer, limit ¥5,000) places 2 cases at ¥2,800 + 13% tax: ¥6,328.00."""
    # The database was just loaded from the e2e snapshot, whose content types may carry other ids
    # than this process cached while earlier (transactional) tests ran; placing an order writes
    # Wagtail's reference index, which looks content types up.
    ContentType.objects.clear_cache()
    acme = CompanyFactory(display_name="Acme Foods", credit_limit=Decimal("100000.00"))
    li_wei = UserFactory(email="li.wei@acme.example", first_name="Li", last_name="Wei")
    zhang_min = UserFactory(email="zhang.min@acme.example", first_name="Zhang", last_name="Min")
    MembershipFactory(user=li_wei, company=acme, role=Membership.Role.BUYER, spending_limit=Decimal("5000.00"))
    MembershipFactory(user=zhang_min, company=acme, role=Membership.Role.APPROVER)
    product = ProductFactory(
        sku="FZ-2001", name_en="Beef brisket, frozen", name_zh="冷冻牛腩", category=category("Frozen"), tax_rate=13
    )
    PriceListEntryFactory(
        price_list=PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices"),
        product=product,
        unit_price=Decimal("2800.00"),
    )
    LotFactory(product=product, on_hand=50, expiry_date=timezone.localdate() + timedelta(days=300))

    # The notifications and reasons are written in the language active here; the journey reads English.
    with translation.override("en"):
        return place_order(
            buyer=li_wei,
            product=product,
            quantity=2,
            po_number="PO-4471",
            state=OrderState.AWAITING_CUSTOMER_APPROVAL,
        )


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def assert_fits_width(page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.viewport_size["width"], f"page is {scroll_width}px wide"


def small_tap_targets(page) -> list[str]:
    """Visible links and controls in <main> smaller than 44 px high. A stretched link counts as
    the whole item it stretches over, a checkbox as the label wrapped around it."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main a, main button, main select, main input, main summary')]
          .filter(el => el.offsetParent !== null && !el.matches('[type=hidden]'))
          .map(el => [el, el.matches('.stretched-link') ? el.closest('.list-group-item, .card')
                        : el.matches('[type=checkbox]') ? (el.closest('label') || el) : el])
          .filter(([el, box]) => box.getBoundingClientRect().height < 44)
          .map(([el, box]) => `${el.tagName} "${(el.innerText || el.name || '').trim()}" `
                              + `${Math.round(box.getBoundingClientRect().height)}px`)"""
    )


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_the_approver_approves_on_her_phone_and_sees_the_order_confirmed(
    page, live_server, order_above_the_limit, save_screenshot
):
    order = order_above_the_limit
    sign_in(page, live_server, "zhang.min@acme.example")

    # The bell already tells her something waits (the notification went out after placement).
    expect(page.get_by_test_id("notification-bell")).to_have_attribute("aria-label", "Notifications, 1 unread")

    page.get_by_role("button", name="Menu").click()
    # The menu slides open; a click while it still moves can miss the link on a busy machine.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(page.locator("#main-nav")).not_to_have_class(re.compile(r"collapsing"))
    page.get_by_role("link", name="Approvals", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals")
    card = page.get_by_test_id("approval-card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("link", name=order.number)).to_be_visible()
    expect(card.get_by_test_id("requester")).to_have_text("Li Wei")
    expect(card.get_by_test_id("approval-total")).to_have_text("¥6,328.00")
    expect(card.get_by_test_id("approval-reason")).to_have_text("Above Li Wei's spending limit of ¥5,000.00")
    expect(card.get_by_test_id("waited")).to_contain_text("minute")
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot("approvals-queue-phone")

    # Rejecting without a reason is refused, with the reason asked for beside the field.
    card.get_by_text("Reject…").click()
    card.get_by_role("button", name="Reject this order").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Give a reason for the rejection.")
    assert Order.objects.get(pk=order.pk).state == OrderState.AWAITING_CUSTOMER_APPROVAL
    assert_fits_width(page)
    save_screenshot("approvals-reject-error-phone")

    page.get_by_test_id("approval-card").get_by_role("button", name="Approve").click()

    expect(page.get_by_role("status").filter(has_text="You approved order")).to_contain_text(
        f"You approved order {order.number}; it is now confirmed."
    )
    expect(page.get_by_test_id("empty-state")).to_contain_text("Nothing waits for your approval.")
    expect(page.get_by_test_id("recent-decisions")).to_contain_text("Approved by Zhang Min")
    save_screenshot("approvals-approved-phone")

    page.get_by_test_id("recent-decisions").get_by_role("link", name=order.number).click()

    expect(page).to_have_url(re.compile(rf"/portal/orders/{order.number}/$"))
    expect(page.get_by_test_id("order-status")).to_have_text("Confirmed")
    timeline = page.get_by_test_id("timeline-entry")
    expect(timeline).to_have_count(4)
    expect(timeline.nth(0)).to_contain_text("Placed by Li Wei")
    expect(timeline.nth(1)).to_contain_text("Waiting for your approver: Above Li Wei's spending limit of ¥5,000.00")
    expect(timeline.nth(2)).to_contain_text("Approved by Zhang Min")
    expect(timeline.nth(3)).to_contain_text("Confirmed")
    expect(page.get_by_test_id("order-total")).to_have_text("¥6,328.00")
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot("order-confirmed-phone")

    assert Order.objects.get(pk=order.pk).state == OrderState.APPROVED


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_buyer_follows_the_bell_to_his_confirmed_order(
    page, live_server, order_above_the_limit, viewport, save_screenshot
):
    order = order_above_the_limit
    size = "phone" if viewport is PHONE else "desktop"
    with translation.override("en"):
        services.decide_customer_approval(
            order=order,
            membership=Membership.objects.get(user__email="zhang.min@acme.example"),
            approve=True,
        )
    sign_in(page, live_server, "li.wei@acme.example")

    # Placed, then confirmed: two unread.
    bell = page.get_by_test_id("notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")
    expect(bell.get_by_test_id("unread-count")).to_have_text("2")
    bell.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_test_id("notification")).to_have_count(2)
    expect(page.get_by_test_id("unread")).to_have_count(2)
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot(f"notifications-{size}")

    # Each kind has its own switches for e-mail and the portal, big enough for a thumb.
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    expect(page.get_by_label("E-mail: Order placed")).to_be_checked()
    page.get_by_label("E-mail: Order placed").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_label("E-mail: Order placed")).not_to_be_checked()
    expect(page.get_by_label("In the portal: Order placed")).to_be_checked()
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot(f"notification-settings-{size}")
    page.go_back()
    page.go_back()

    page.get_by_role("link", name=f"Order {order.number} confirmed").click()

    expect(page).to_have_url(re.compile(rf"/portal/orders/{order.number}/$"))
    expect(page.get_by_test_id("timeline-entry").last).to_contain_text("Confirmed")
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    if size == "desktop":
        assert_fits_width(page)
        save_screenshot("order-confirmed-desktop")

    if size == "phone":
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    row = page.get_by_test_id("order-row")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=order.number)).to_be_visible()
    expect(row.get_by_test_id("order-status")).to_have_text("Confirmed")
    expect(row).to_contain_text("¥6,328.00")
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot(f"orders-{size}")

    # A filter that hides everything says so and offers the way back.
    page.get_by_label("Status").select_option("cancelled")
    page.get_by_role("button", name="Show orders").click()
    expect(page.get_by_test_id("empty-state")).to_contain_text("No orders match these filters.")
    page.get_by_test_id("empty-state").get_by_role("link", name="Clear filters").click()
    expect(page.get_by_test_id("order-row")).to_have_count(1)
