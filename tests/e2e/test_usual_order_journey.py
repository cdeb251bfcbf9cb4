"""A buyer finds "your usual order" on the home page, on a phone and in Chinese, adds it to the
cart in one click and sees its lines there, with the line the credit could not take left out."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import CreditAccount, Membership
from catalog.models import PriceList
from tests.e2e.test_order_journey import assert_fits_width
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
from tests.rhythm.orders import past_orders

pytestmark = pytest.mark.e2e
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def regular_buyer(transactional_db):
    ContentType.objects.clear_cache()
    company = CompanyFactory(display_name="Mingde School", credit_limit=Decimal("3000.00"))
    buyer = UserFactory(email="li@mingde.example", language="zh-hans")
    MembershipFactory(user=buyer, company=company, role=Membership.Role.BUYER)
    AddressFactory(company=company, label="Canteen", is_default=True)
    frozen = category("Frozen")
    prices = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    expiry = timezone.localdate() + timedelta(days=300)
    products = [
        ProductFactory(sku="FZ-2001", name_en="Chicken thighs", name_zh="鸡腿肉", category=frozen),
        ProductFactory(sku="FZ-2002", name_en="Broccoli florets", name_zh="西兰花", category=frozen),
        ProductFactory(sku="FZ-2003", name_en="Beef brisket", name_zh="牛腩", category=frozen),
    ]
    for product, price in zip(products, ("120.00", "60.00", "2400.00"), strict=True):
        PriceListEntryFactory(price_list=prices, product=product, unit_price=Decimal(price))
        LotFactory(product=product, on_hand=200, expiry_date=expiry)
    today = timezone.localdate()
    # Chicken and broccoli in all seven orders, the brisket in four of them: all three regular.
    usual = [(products[0], 5), (products[1], 8)]
    past_orders(company, days_ago=[7, 14, 21], today=today, lines=usual)
    past_orders(company, days_ago=[28, 35, 42, 49], today=today, lines=[*usual, (products[2], 1)])
    CreditAccount.objects.update_or_create(company=company, defaults={"open_invoices": Decimal("1000.00")})
    return buyer


@pytest.mark.parametrize("viewport", [PHONE_390], indirect=True)
def test_buyer_adds_the_usual_order_to_the_cart(page, live_server, regular_buyer, save_screenshot):
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    sign_in_chinese(page, live_server, regular_buyer.email)
    card = page.get_by_test_id("home-usual-order")
    expect(card).to_contain_text("您的常购清单")
    expect(card.locator("[data-usual-sku]")).to_have_count(2)
    # The brisket (¥2,400.00 and tax) would go over the ¥2,000.00 of credit left: left out.
    expect(card.get_by_test_id("usual-left-out")).to_contain_text("FZ-2003")
    card.scroll_into_view_if_needed()
    assert_fits_width(page)
    save_screenshot("usual-order-home-zh-390")

    card.get_by_test_id("usual-add").click()
    expect(page).to_have_url(f"{live_server.url}/portal/cart/")
    expect(page.locator("body")).to_contain_text("FZ-2001")
    expect(page.locator("body")).to_contain_text("FZ-2002")
    assert_fits_width(page)
    save_screenshot("usual-order-cart-zh-390")


def sign_in_chinese(page, live_server, email):
    """The sign-in form in Chinese: its labels are translated, so fill by field name."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
