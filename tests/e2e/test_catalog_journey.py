"""A buyer finds chicken wings in the catalog by their Chinese name, narrows to frozen and opens
the product to see the company's contract price; on a phone as on a desktop, with and without
JavaScript."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from catalog.models import PriceList
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
def acme_buyer(transactional_db):
    acme = CompanyFactory(display_name="Acme Foods")
    buyer = UserFactory(email="mei@acme.example")
    MembershipFactory(user=buyer, company=acme, role=Membership.Role.BUYER)

    frozen = category("Frozen")
    poultry = category("Poultry", parent=frozen)
    chilled = category("Chilled")
    vet = category("Vet drugs", slug="vet", restricted=True, licence_kind="veterinary_drug")
    list_prices = PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")
    contract = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=acme, name="Acme contract")
    products = [
        ProductFactory(
            sku="FZ-1001",
            name_en="Chicken wings, mid joint",
            name_zh="冷冻鸡翅中",
            category=poultry,
            temperature_zone="frozen",
            units_per_case=10,
            unit_description="10 × 1 kg bags",
            min_order_quantity=12,
            order_multiple=6,
            description="IQF chicken mid-joint wings, glazed, from Shandong.",
        ),
        ProductFactory(
            sku="CH-1101", name_en="Fresh chicken wings", name_zh="鲜鸡翅", category=chilled, temperature_zone="chilled"
        ),
        ProductFactory(
            sku="FZ-1200", name_en="Pork dumplings", name_zh="猪肉水饺", category=frozen, temperature_zone="frozen"
        ),
        ProductFactory(
            sku="AM-3001", name_en="Dried noodles", name_zh="挂面", category=chilled, temperature_zone="ambient"
        ),
        ProductFactory(
            sku="VD-4001", name_en="Poultry vaccine", name_zh="禽流感疫苗", category=vet, temperature_zone="chilled"
        ),
    ]
    expiry = timezone.localdate() + timedelta(days=300)
    for product in products:
        PriceListEntryFactory(price_list=list_prices, product=product, unit_price=Decimal("48.00"))
        LotFactory(product=product, on_hand=120, expiry_date=expiry)
    PriceListEntryFactory(price_list=list_prices, product=products[0], min_quantity=60, unit_price=Decimal("44.00"))
    PriceListEntryFactory(price_list=contract, product=products[0], min_quantity=12, unit_price=Decimal("41.00"))
    PriceListEntryFactory(price_list=contract, product=products[0], min_quantity=120, unit_price=Decimal("38.50"))
    return buyer


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
    """Visible links and controls in <main> smaller than 44 px high. A card's stretched link
    counts as the whole card, and Bootstrap's .btn-check input is drawn by its label."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main a, main button, main select, main input, main label.btn')]
          .filter(el => el.offsetParent !== null && !el.matches('.btn-check, [type=hidden]'))
          .map(el => [el, el.matches('.stretched-link') ? el.closest('.card') : el])
          .filter(([el, box]) => box.getBoundingClientRect().height < 44)
          .map(([el, box]) => `${el.tagName} "${(el.innerText || el.name || '').trim()}" `
                              + `${Math.round(box.getBoundingClientRect().height)}px`)"""
    )


def cards(page):
    return page.get_by_test_id("product-card")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_buyer_searches_in_chinese_filters_frozen_and_sees_the_contract_price(
    page, live_server, acme_buyer, viewport, save_screenshot
):
    size = "phone" if viewport is PHONE else "desktop"
    sign_in(page, live_server, acme_buyer.email)
    if size == "phone":
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Catalog", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
    expect(cards(page)).to_have_count(5)
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot(f"catalog-list-{size}")

    # Typing searches by itself after a pause; htmx swaps only the results (the marker survives).
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Search the catalog").press_sequentially("鸡翅")
    expect(cards(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=%E9%B8%A1%E7%BF%85"))
    expect(page.get_by_test_id("result-count")).to_contain_text("2 products")

    page.get_by_label("Temperature").select_option("frozen")
    expect(cards(page)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"zone=frozen"))
    assert page.evaluate("window.notReloaded") is True
    card = cards(page).first
    expect(card).to_contain_text("Chicken wings, mid joint")
    expect(card).to_contain_text("冷冻鸡翅中")
    expect(card).to_contain_text("Sold in multiples of 6 cases, minimum 12 cases")
    expect(card.get_by_test_id("price")).to_contain_text("¥41.00")
    expect(card.get_by_test_id("price-source")).to_have_text("Price source: Contract")
    expect(card.get_by_test_id("price-breaks")).to_contain_text("From 120 cases: ¥38.50")
    expect(card.get_by_test_id("zone-badge")).to_have_text("Frozen (−18 °C)")
    expect(card.get_by_test_id("stock-badge")).to_have_text("In stock")
    expect(page.get_by_test_id("active-filters")).to_contain_text("Clear filters")
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot(f"catalog-search-frozen-{size}")

    if size == "desktop":
        # The category links were swapped in with the results: they keep the search and filter.
        page.get_by_test_id("category-tree").get_by_role("link", name="Poultry").click()
        expect(page).to_have_url(re.compile(r"(?=.*q=%E9%B8%A1%E7%BF%85)(?=.*zone=frozen)(?=.*category=poultry)"))
        expect(cards(page)).to_have_count(1)
        card = cards(page).first

    card.get_by_role("link", name="Chicken wings, mid joint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Chicken wings, mid joint")
    expect(page.get_by_test_id("price").first).to_contain_text("¥41.00")
    expect(page.get_by_test_id("price-source").first).to_have_text("Price source: Contract · Acme contract")
    breaks = page.get_by_test_id("price-breaks")
    expect(breaks.get_by_role("row")).to_have_count(3)  # header, from 12, from 120
    expect(breaks).to_contain_text("from 120 cases")
    expect(page.get_by_test_id("shelf-life")).to_have_text("365 days")
    assert_fits_width(page)
    assert small_tap_targets(page) == []
    save_screenshot(f"catalog-product-{size}")

    # Back to the filtered list, as the buyer left it.
    page.go_back()
    expect(cards(page)).to_have_count(1)
    expect(page.get_by_label("Search the catalog")).to_have_value("鸡翅")


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_a_restricted_product_explains_the_licence_rule(page, live_server, acme_buyer, save_screenshot):
    sign_in(page, live_server, acme_buyer.email)
    page.goto(f"{live_server.url}/portal/catalog/?q=vaccine")

    card = cards(page).first
    expect(card.get_by_test_id("licence-badge")).to_have_text("Licence required")
    card.get_by_role("link").click()

    expect(page.get_by_test_id("licence-rule")).to_contain_text(
        "Only companies with a valid Veterinary drug trading licence on file may order Vet drugs products."
    )
    assert_fits_width(page)
    save_screenshot("catalog-product-licence-phone")


def test_the_catalog_works_without_javascript(browser, live_server, acme_buyer):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server, acme_buyer.email)
        page.goto(f"{live_server.url}/portal/catalog/")

        page.get_by_label("Search the catalog").fill("jichi")
        page.get_by_label("Temperature").select_option("frozen")
        page.get_by_role("button", name="Search").click()

        expect(page).to_have_url(re.compile(r"(?=.*q=jichi)(?=.*zone=frozen)"))
        expect(cards(page)).to_have_count(1)
        page.get_by_role("link", name="Poultry", exact=True).click()
        expect(cards(page)).to_have_count(1)
        expect(page).to_have_url(re.compile(r"category=poultry"))
        page.get_by_role("link", name="Clear filters").click()
        expect(cards(page)).to_have_count(2)
        expect(page).not_to_have_url(re.compile(r"zone=|category="))
    finally:
        context.close()
