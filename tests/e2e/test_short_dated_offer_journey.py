"""The manager finds a lot nearing expiry on the stock dashboard (on a phone), makes a short-dated
offer from it to the customer who usually buys the product, and that customer's buyer sees the
offer on the catalog card, in Chinese."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from accounts.models import Membership
from catalog.models import TemperatureZone
from catalog.services import Receipt, receive_stock
from portal.dashboards import stock_figures
from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    PASSWORD,
    CompanyFactory,
    LocationFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def world(transactional_db, place_order):
    from datetime import timedelta

    from django.utils import timezone

    acme = CompanyFactory(display_name="Acme Foods")
    buyer = UserFactory(email="mei@acme.example")
    MembershipFactory(user=buyer, company=acme, role=Membership.Role.BUYER)
    product = ProductFactory(
        sku="FZ-1001", name_en="Chicken wings", name_zh="冷冻鸡翅中", temperature_zone="frozen", tax_rate=Decimal("0")
    )
    PriceListEntryFactory(
        price_list=PriceListFactory(kind="default", name="List prices"), product=product, unit_price=Decimal("100.00")
    )
    location = LocationFactory(code="F-01", zone=TemperatureZone.FROZEN)
    today = timezone.localdate()
    receive_stock(
        receipts=[
            Receipt(
                product=product,
                lot_number=number,
                expiry_date=today + timedelta(days=days),
                quantity=quantity,
                location=location,
            )  # fmt: skip
            for number, days, quantity in (("L-LONG", 300, 50), ("SD-7", 8, 12))
        ],
        user=StaffFactory(),
    )
    place_order(buyer=buyer, company=acme, product=product, quantity=2)
    stock_figures.refresh()  # as the scheduler does every ten minutes
    manager = StaffFactory(email="yan@distributor.example")
    manager.groups.add(Group.objects.get(name=roles.MANAGER))
    manager.totp_secret = generate_totp_secret()
    TOTP.activate(manager, manager.totp_secret)
    return manager, buyer


@pytest.mark.parametrize("viewport", [PHONE_390], indirect=True)
def test_a_manager_offers_a_short_dated_lot_and_the_buyer_sees_it(
    page, browser, viewport, live_server, world, totp_code, save_screenshot
):
    manager, buyer = world
    dashboard = f"{live_server.url}/backoffice/dashboards/stock/"
    page.goto(dashboard)
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(manager.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(dashboard)

    row = page.locator("[data-expiring-lot]", has_text="SD-7")
    expect(row).to_contain_text("Acme Foods")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    save_screenshot("stock-dashboard-phone")

    row.get_by_role("link", name="Make a short-dated offer").click()
    expect(page.locator("input[name=lots]:checked")).to_have_count(1)
    page.get_by_label("Offer price").fill("60.00")
    page.get_by_role("button", name="Make the offer and tell the customers").click()
    expect(page.get_by_text("Offer made: FZ-1001 to 1 customers, who were told.")).to_be_visible()

    customer = browser.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True, locale="zh-CN")
    customer.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    shop = customer.new_page()
    shop.goto(f"{live_server.url}/accounts/login/")
    shop.locator("input[name=login]").fill(buyer.email)
    shop.locator("input[name=password]").fill(PASSWORD)
    shop.locator("form:has(input[name=password]) button[type=submit]").click()
    shop.goto(f"{live_server.url}/portal/catalog/")
    badge = shop.locator("[data-testid=short-dated-offer]")
    expect(badge).to_contain_text("临期特价")
    expect(badge).to_contain_text("¥60.00（原价 ¥100.00）")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shop.screenshot(path=str(ARTIFACTS / "short-dated-offer-zh-phone.png"), full_page=True)
    customer.close()
