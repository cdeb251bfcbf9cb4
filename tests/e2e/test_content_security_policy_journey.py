"""Under the Content-Security-Policy (only the project's own scripts, styles and images) a buyer
signs in, browses and searches the catalog, steps a quantity, adds to cart, changes the cart,
checks out and opens the order, on a desktop and in the phone menu, and Chromium reports no
violation: every script, style and handler the portal needs comes from its static files."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from catalog.models import PriceList
from ordering.models import Order
from tests.e2e.conftest import PHONE
from tests.factories import (
    PASSWORD,
    AddressFactory,
    CompanyFactory,
    LotFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    category,
    with_second_factor,
)

pytestmark = pytest.mark.e2e

# Runs in every document before its own scripts: a refused script, style or handler fires this
# event, whatever Chromium itself writes to the console.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
                + ` in ${event.sourceFile || location.pathname}:${event.lineNumber}`);
}, true);
"""


@pytest.fixture
def acme(transactional_db):
    # Content types are cached per process; an earlier transactional test can leave stale ids,
    # and placing an order indexes references by content type.
    ContentType.objects.clear_cache()
    company = CompanyFactory(display_name="Acme Foods", credit_limit=Decimal("20000.00"))
    buyer = UserFactory(email="mei@acme.example")
    MembershipFactory(user=buyer, company=company, role=Membership.Role.BUYER)
    AddressFactory(company=company, label="Main kitchen", line1="88 Century Avenue", is_default=True)
    frozen = category("Frozen")
    poultry = category("Poultry", parent=frozen)  # indented in the category tree
    list_prices = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    wings = ProductFactory(
        sku="FZ-1001",
        name_en="Chicken wings, mid joint",
        name_zh="冷冻鸡翅中",
        category=poultry,
        min_order_quantity=12,
        order_multiple=6,
    )
    dumplings = ProductFactory(sku="FZ-1200", name_en="Pork dumplings", name_zh="猪肉水饺", category=frozen)
    expiry = timezone.localdate() + timedelta(days=300)
    for product in (wings, dumplings):
        PriceListEntryFactory(price_list=list_prices, product=product, unit_price=Decimal("48.00"))
        LotFactory(product=product, on_hand=120, expiry_date=expiry)
    return {"company": company, "buyer": buyer}


@pytest.fixture
def policy_reports(page):
    """Console lines about the Content-Security-Policy, and uncaught script errors."""
    reports = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            reports.append(message.text)
            if "securitypolicyviolation" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: reports.append(f"pageerror: {error}"))
    return reports


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def cards(page):
    return page.get_by_test_id("product-card")


def test_the_portal_works_under_its_content_security_policy(page, live_server, acme, policy_reports):
    sign_in(page, live_server, acme["buyer"].email)
    page.get_by_role("link", name="Catalog", exact=True).click()
    expect(cards(page)).to_have_count(2)
    expect(page.get_by_test_id("category-tree").get_by_role("link", name="Poultry")).to_be_visible()

    # htmx searches as the buyer types, and swaps the results in place.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Search the catalog").press_sequentially("鸡翅")
    expect(page).to_have_url(re.compile(r"q=%E9%B8%A1%E7%BF%85"))  # the last keystroke's results
    expect(cards(page)).to_have_count(1)
    # Changing a filter swaps the results too (hx-trigger names the filters, no event filter code).
    page.get_by_label("Sort by").select_option(index=1)
    expect(page).to_have_url(re.compile(r"sort=sku"))
    expect(cards(page)).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True

    # The stepper's + (static/js/portal.js, no inline handler) steps by the order multiple;
    # adding to cart swaps the form by htmx.
    card = cards(page).first
    quantity = card.get_by_label(re.compile("Quantity of Chicken wings"))
    expect(quantity).to_have_value("12")
    card.get_by_role("button", name="More").click()
    expect(quantity).to_have_value("18")
    card.get_by_role("button", name="Fewer").click()
    card.get_by_role("button", name="More").click()
    expect(quantity).to_have_value("18")
    card.get_by_role("button", name="Add to cart").click()
    expect(card.get_by_test_id("add-outcome")).to_contain_text("View cart")
    assert page.evaluate("window.notReloaded") is True

    card.get_by_role("link", name="Chicken wings, mid joint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chicken wings, mid joint")
    # The product page's stepper swaps by htmx too; htmx settles only classes (setting the
    # swapped input's style attribute would break the policy).
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("add-outcome")).to_contain_text("View cart")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("add-outcome")).to_contain_text("42")

    page.get_by_test_id("nav-cart").click()
    line = page.locator('[data-testid="cart-line"][data-sku="FZ-1001"]')
    expect(line.get_by_test_id("quantity")).to_have_value("42")
    line.get_by_role("button", name="Change to 36").click()
    expect(line.get_by_test_id("quantity")).to_have_value("36")

    page.get_by_test_id("cart-summary").get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    page.get_by_label("Requested delivery date").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/portal/orders/SO-\d{4}-\d{6}/$"))
    expect(page.get_by_test_id("timeline-entry").first).to_be_visible()
    assert Order.objects.count() == 1

    # Bootstrap's dropdown (Popper positions it) and the quick order page.
    page.get_by_test_id("account-menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{live_server.url}/portal/quick-order/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quick order")

    # On a phone the navigation folds into the menu (Bootstrap's collapse).
    page.set_viewport_size(PHONE)
    page.reload()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(page.locator("#main-nav")).not_to_have_class(re.compile(r"collapsing"))
    page.locator("#main-nav").get_by_role("link", name="Catalog").click()
    expect(cards(page)).to_have_count(2)

    assert policy_reports == []

    # And the policy is really enforced: an inline style, as an injected payload would carry,
    # is refused and reported.
    page.evaluate("""document.querySelector("main").insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')""")
    for _attempt in range(40):
        if policy_reports:
            break
        page.wait_for_timeout(50)  # the report reaches us as a console event
    assert any("style-src" in report for report in policy_reports), policy_reports


@pytest.fixture
def signed_in_superuser(transactional_db, page, live_server):
    """A superuser with a second factor, signed in through a session cookie: the journeys above
    and tests/e2e/test_staff_approval_journey.py cover typing the code."""
    ContentType.objects.clear_cache()
    admin = with_second_factor(StaffFactory(email="admin@distributor.example", is_superuser=True))
    client = Client()
    client.force_login(admin)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return admin


def test_the_back_office_works_under_its_own_policy(page, live_server, signed_in_superuser, home_page, policy_reports):
    back_office = f"{live_server.url}{settings.TRADECOUNTER_BACK_OFFICE_PREFIX}"
    # Wagtail's dashboard, forms with its date widgets and inline panels (inline scripts), our
    # assortment widget (an inline script and style) and the page editor with its live preview.
    for path, heading in [
        ("", "Tradecounter"),
        ("products/new/", "product"),
        ("price-lists/new/", "price list"),
        ("assortments/new/", "assortment"),
        (f"pages/{home_page.pk}/edit/", None),
    ]:
        page.goto(back_office + path)
        if heading:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading, ignore_case=True)
    page.get_by_role("button", name="Toggle preview").click()
    # The preview renders the public page under the portal's policy, framed by the back office.
    expect(page.frame_locator("#w-preview-iframe").locator("h1")).to_be_visible()

    assert policy_reports == []
