"""A buyer pastes a list from a chat into the quick order, takes the suggested SKU for a typo,
adds the valid lines to the cart, raises a quantity with the stepper, checks out and lands on
the order; on a phone, the checkout's main action stays in reach and one tap places one order."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from catalog.models import PriceList
from ordering import services
from ordering.models import Order
from tests.e2e.conftest import ARTIFACTS, PHONE
from tests.factories import (
    PASSWORD,
    AddressFactory,
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
def acme(transactional_db):
    # Content types are cached for the whole process; a transactional test that ran before (the
    # ordering concurrency tests flush every table) can leave ids in the cache that no longer
    # exist, and placing an order indexes references by content type.
    ContentType.objects.clear_cache()
    company = CompanyFactory(display_name="Acme Foods", credit_limit=Decimal("20000.00"))
    buyer = UserFactory(email="mei@acme.example")
    MembershipFactory(user=buyer, company=company, role=Membership.Role.BUYER)
    AddressFactory(company=company, label="Main kitchen", line1="88 Century Avenue", is_default=True)
    AddressFactory(company=company, label="Pudong store", line1="5 Zhangyang Road")
    frozen, chilled = category("Frozen"), category("Chilled")
    list_prices = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    contract = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=company, name="Acme contract")
    products = {
        "wings": ProductFactory(
            sku="FZ-1001",
            name_en="Chicken wings, mid joint",
            name_zh="冷冻鸡翅中",
            category=frozen,
            min_order_quantity=12,
            order_multiple=6,
        ),
        "dumplings": ProductFactory(sku="FZ-1200", name_en="Pork dumplings", name_zh="猪肉水饺", category=frozen),
        "fresh": ProductFactory(
            sku="CH-1101", name_en="Fresh chicken wings", name_zh="鲜鸡翅", category=chilled, temperature_zone="chilled"
        ),
    }
    expiry = timezone.localdate() + timedelta(days=300)
    for product in products.values():
        PriceListEntryFactory(price_list=list_prices, product=product, unit_price=Decimal("48.00"))
        LotFactory(product=product, on_hand=120, expiry_date=expiry)
    PriceListEntryFactory(price_list=contract, product=products["wings"], min_quantity=12, unit_price=Decimal("41.00"))
    return {"company": company, "buyer": buyer, **products}


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def assert_fits_width(page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.viewport_size["width"], f"page is {scroll_width}px wide"


def save_viewport(page, name):
    """What the phone shows before any scrolling (save_screenshot takes the whole page)."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def small_tap_targets(page) -> list[str]:
    """Visible controls in <main> under 44 px high; a radio counts as its whole labelled box."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main a.btn, main button, main select, main input, main textarea')]
          .filter(el => el.offsetParent !== null && !el.matches('[type=hidden], .visually-hidden'))
          .map(el => [el, el.matches('[type=radio], [type=checkbox]') ? el.closest('.form-check') : el])
          .filter(([el, box]) => box.getBoundingClientRect().height < 44)
          .map(([el, box]) => `${el.tagName} "${(el.innerText || el.name || '').trim()}" `
                              + `${Math.round(box.getBoundingClientRect().height)}px`)"""
    )


def test_paste_a_list_fix_a_typo_add_to_cart_and_place_the_order(page, live_server, acme, save_screenshot):
    sign_in(page, live_server, acme["buyer"].email)
    page.get_by_test_id("nav-cart").click()
    expect(page.get_by_test_id("empty-state")).to_contain_text("Your cart is empty.")
    page.get_by_role("link", name="Paste a list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quick order")

    page.get_by_label("Paste a list").fill("FZ-1001 12\n猪肉水饺 ×3\nCH-110, 4\n")
    page.get_by_role("button", name="Check", exact=True).click()

    expect(page.get_by_test_id("valid-count")).to_have_text("Valid (2)")
    expect(page.get_by_test_id("error-count")).to_have_text("Errors (1)")
    expect(page.get_by_test_id("error-list")).to_have_text("Pasted line 3: CH-110 not found; did you mean CH-1101?")
    expect(page.get_by_test_id("valid-lines")).to_contain_text("¥41.00")  # the contract price
    save_screenshot("quick-order-check-desktop")

    page.get_by_role("button", name="Use CH-1101").click()
    expect(page.get_by_test_id("valid-count")).to_have_text("Valid (3)")
    expect(page.get_by_label("Paste a list")).to_have_value("FZ-1001 12\n猪肉水饺 ×3\nCH-1101 4")
    page.get_by_role("button", name="Add 3 valid lines to cart").click()

    expect(page).to_have_url(f"{live_server.url}/portal/cart/")
    expect(page.get_by_text("Added 3 lines to your cart.")).to_be_visible()
    expect(page.get_by_test_id("cart-line")).to_have_count(3)
    expect(page.get_by_test_id("zone-group")).to_have_count(2)
    expect(page.get_by_test_id("cart-count")).to_contain_text("3")
    summary = page.get_by_test_id("cart-summary")
    expect(summary.get_by_test_id("total")).to_contain_text("¥935.64")  # (12 × 41 + 3 × 48 + 4 × 48) × 1.13

    # The stepper adds one multiple (6 cases) in place: no reload, new totals from the server.
    page.evaluate("window.notReloaded = true")
    wings = page.locator('[data-testid="cart-line"][data-sku="FZ-1001"]')
    wings.get_by_role("button", name="Change to 18").click()
    expect(wings.get_by_test_id("quantity")).to_have_value("18")
    expect(summary.get_by_test_id("total")).to_contain_text("¥1,213.62")
    assert page.evaluate("window.notReloaded") is True
    save_screenshot("cart-desktop")

    summary.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_label("Main kitchen, 88 Century Avenue, Shanghai")).to_be_checked()
    expect(page.get_by_test_id("what-happens-next")).to_contain_text("We confirm the order → we pick it")
    expect(page.get_by_test_id("checkout-line")).to_have_count(3)
    expect(page.get_by_test_id("checkout-line").first).to_contain_text("Contract")
    page.get_by_label("Pudong store, 5 Zhangyang Road, Shanghai").check()
    page.get_by_label("Your PO number").fill("PO-2026-118")
    page.get_by_label("Requested delivery date").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    save_screenshot("checkout-desktop")
    page.get_by_role("button", name="Place order").click()

    expect(page).to_have_url(re.compile(r"/portal/orders/SO-\d{4}-\d{6}/$"))
    order = Order.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    assert (order.po_number, order.total, order.ship_to.label) == ("PO-2026-118", Decimal("1213.62"), "Pudong store")
    save_screenshot("order-placed-desktop")

    # The order page's "Order these again" fills the cart at today's prices.
    page.get_by_role("button", name="Order these again").click()
    expect(page).to_have_url(f"{live_server.url}/portal/cart/")
    expect(page.get_by_text(f"Added 3 lines from {order.number} to your cart at today's prices.")).to_be_visible()
    expect(page.get_by_test_id("cart-line")).to_have_count(3)


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_checkout_on_a_phone_keeps_the_main_action_in_reach_and_places_one_order(
    page, live_server, acme, save_screenshot
):
    cart = services.cart_for(user=acme["buyer"], company=acme["company"])
    services.add_to_cart(cart=cart, product=acme["wings"], quantity=12)
    services.add_to_cart(cart=cart, product=acme["fresh"], quantity=4)
    sign_in(page, live_server, acme["buyer"].email)

    # The quick order's report fits a phone too.
    page.goto(f"{live_server.url}/portal/quick-order/")
    page.get_by_label("Paste a list").fill("FZ-1001 13\n鲜鸡翅 2\n")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_test_id("error-list")).to_have_text("Pasted line 1: FZ-1001: must be a multiple of 6")
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot("quick-order-check-phone")

    page.goto(f"{live_server.url}/portal/cart/")
    expect(page.get_by_test_id("sticky-bar")).to_be_in_viewport()
    assert_fits_width(page)
    save_screenshot("cart-phone")
    save_viewport(page, "cart-phone-viewport")
    page.get_by_test_id("sticky-bar").get_by_role("link", name="Go to checkout").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    place = page.get_by_role("button", name="Place order")
    expect(place).to_be_in_viewport()  # the sticky bar, before any scrolling
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot("checkout-phone")
    save_viewport(page, "checkout-phone-viewport")

    # A past date: the error summary, the date kept, nothing placed.
    page.get_by_label("Requested delivery date").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    place.click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("The delivery date is in the past")
    assert not Order.objects.exists()
    save_screenshot("checkout-error-phone")

    page.get_by_label("Requested delivery date").fill("")
    page.get_by_role("button", name="Place order").dblclick()
    expect(page).to_have_url(re.compile(r"/portal/orders/SO-\d{4}-\d{6}/$"))
    assert Order.objects.count() == 1
    save_screenshot("order-placed-phone")
