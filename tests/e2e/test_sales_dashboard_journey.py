"""A manager signs in on a 390 px phone, opens the sales dashboard from the Dashboards menu's
link, clicks the East China bar, then the order in the list it opens, and reaches the order; the
same dashboard then reads in Chinese, and on a desktop its chart keeps to its frame
(screenshots: test-artifacts/sales-dashboard-*.png)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from catalog.models import PriceList
from ordering.models import OrderState
from portal.dashboards.models import DailyCompanySales, DailyProductSales
from tests.dashboards.conftest import periods_again
from tests.factories import (
    PASSWORD,
    CompanyFactory,
    LotFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    RegionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}
DASHBOARD = "/backoffice/dashboards/sales/"


@pytest.fixture
def sales(transactional_db, place_order):
    manager = StaffFactory(email="manager@distributor.example", first_name="Wang", last_name="Fang")
    manager.groups.add(Group.objects.get(name=roles.MANAGER))
    manager.totp_secret = generate_totp_secret()
    TOTP.activate(manager, manager.totp_secret)
    east = RegionFactory(code="east", name="East China", name_zh="华东")
    west = RegionFactory(code="west", name="West China", name_zh="华西")
    acme = CompanyFactory(display_name="Acme Foods", region=east, credit_limit=Decimal("50000.00"))
    bolt = CompanyFactory(display_name="Bolt Catering", region=west)
    buyer = UserFactory(email="mei@acme.example")
    MembershipFactory(user=buyer, company=acme)
    prices = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    wings = ProductFactory(sku="FZ-1001", name_en="Chicken wings", name_zh="鸡翅中", tax_rate=Decimal("0"))
    PriceListEntryFactory(price_list=prices, product=wings, unit_price=Decimal("48.00"))
    LotFactory(product=wings, on_hand=500)
    order = place_order(buyer=buyer, product=wings, quantity=10, po_number="PO-EAST-1", state=OrderState.APPROVED)
    today = timezone.localdate()
    for company, revenue in ((acme, "4800.00"), (bolt, "2100.00")):
        figures = {"quantity": 10, "revenue": Decimal(revenue), "costed_revenue": Decimal(revenue),
                   "cost": Decimal(revenue) * Decimal("0.7")}  # fmt: skip
        DailyProductSales.objects.create(day=today, company=company, product=wings, currency="CNY", **figures)
        # Placing the order above already wrote Acme's company-day row (its order): add to it.
        DailyCompanySales.objects.update_or_create(day=today, company=company, currency="CNY", defaults=figures)
    last_year = {"quantity": 5, "revenue": Decimal("2400.00"), "costed_revenue": Decimal("2400.00"),
                 "cost": Decimal("1700.00")}  # fmt: skip
    a_year_ago = date(today.year - 1, today.month, 1)
    DailyProductSales.objects.create(day=a_year_ago, company=acme, product=wings, currency="CNY", **last_year)
    DailyCompanySales.objects.create(day=a_year_ago, company=acme, currency="CNY", **last_year)
    for company, day in ((acme, today), (bolt, today), (acme, a_year_ago)):
        periods_again(company, day)
    return manager, order


def assert_fits_width(page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.viewport_size["width"], f"page is {scroll_width}px wide"


@pytest.mark.parametrize("viewport", [PHONE_390], indirect=True, ids=["phone-390"])
def test_a_manager_drills_from_a_region_bar_to_an_order(page, live_server, sales, save_screenshot, totp_code):
    manager, order = sales
    page.goto(f"{live_server.url}{DASHBOARD}")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(manager.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD}")
    expect(page.get_by_role("heading", name="Sales dashboard")).to_be_visible()

    chart = page.locator("#chart-breakdown svg[role=img]")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] <= 390
    assert_fits_width(page)
    expect(chart.locator("text.chart-value").first).to_have_text("¥4,800.00")
    page.get_by_text("Show the numbers").last.click()
    expect(page.locator("#chart-breakdown table")).to_contain_text("West China")
    save_screenshot("sales-dashboard-phone")

    # The East China bar is a link to the orders placed this month in East China.
    chart.locator("a", has=page.locator("text.chart-label", has_text="East China")).click()
    expect(page).to_have_url(re.compile(r"/backoffice/orders/\?.*region="))
    row = page.get_by_role("link", name=order.number)
    expect(row).to_be_visible()
    expect(page.locator("table.listing tbody tr")).to_have_count(1)
    row.click()
    expect(page.get_by_role("heading", name=order.number)).to_be_visible()

    # The same dashboard in Chinese.
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}{DASHBOARD}")
    expect(page.get_by_role("heading", name="销售看板")).to_be_visible()
    expect(page.locator("#chart-breakdown text.chart-label").first).to_have_text("华东")
    save_screenshot("sales-dashboard-phone-zh")

    # On a wide desktop the chart stops at its frame (static/css/charts.css), so its words keep
    # the page's size instead of scaling with the window.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()
    box = page.locator("#chart-breakdown svg[role=img]").bounding_box()
    assert box["width"] <= 36 * 16, f"chart is {box['width']}px wide on a desktop"
    save_screenshot("sales-dashboard-desktop-zh")
