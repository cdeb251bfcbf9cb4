"""Customer-facing data in both languages: descriptions, pack texts, tier, region and price list
names, licence kinds, announcements and content pages read in the reader's language."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Licence, LicenceKind, PriceTier, Region
from catalog.models import PriceList, Product
from catalog.offers import Refusal, refusal_text
from catalog.pricing import price_book
from ordering import services
from portal.pages.models import ContentPage, HomePage
from tests.factories import LicenceFactory, PriceListEntryFactory, PriceListFactory, PriceTierFactory, category

ZH = "zh-hans"


def _in(language, function):
    with translation.override(language):
        return function()


@pytest.fixture
def chinese(client):
    def sign_in(user):
        client.force_login(user)
        client.post(reverse("set_language"), {"language": ZH})
        return client

    return sign_in


@pytest.fixture
def wings(make_product):
    return make_product(
        sku="FZ-1001",
        name_en="Chicken wings",
        name_zh="鸡翅中",
        description="IQF chicken wings.",
        description_zh="单冻鸡翅中。",
        unit_description="10 × 1 kg bags",
        unit_description_zh="10袋 × 1公斤",
    )


@pytest.fixture
def contract(company, wings):
    price_list = PriceListFactory(
        kind=PriceList.Kind.CONTRACT, company=company, name="2026 master agreement", name_zh="2026年总协议"
    )
    PriceListEntryFactory(price_list=price_list, product=wings, unit_price=Decimal("45.00"))
    return price_list


# --- Accessors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ("Tier A", "East China", "Contract 2026")), (ZH, ("A级客户", "华东地区", "2026年合同"))],
)
def test_a_tier_region_and_price_list_name_read_in_the_active_language(language, expected):
    tier = PriceTier(code="A", name="Tier A", name_zh="A级客户")
    region = Region(code="east", name="East China", name_zh="华东地区")
    price_list = PriceList(name="Contract 2026", name_zh="2026年合同")
    assert _in(language, lambda: (tier.local_name, region.local_name, price_list.local_name)) == expected
    assert _in(language, lambda: (str(tier), str(region), str(price_list))) == expected


def test_a_name_without_chinese_falls_back_to_english():
    tier = PriceTier(code="B", name="Tier B", name_zh="")
    assert _in(ZH, lambda: tier.local_name) == "Tier B"


@pytest.mark.parametrize(
    ("language", "expected"), [("en", ("IQF.", "10 × 1 kg bags")), (ZH, ("单冻。", "10袋 × 1公斤"))]
)
def test_a_products_description_and_pack_read_in_the_active_language(language, expected):
    product = Product(
        description="IQF.",
        description_zh="单冻。",
        unit_description="10 × 1 kg bags",
        unit_description_zh="10袋 × 1公斤",
    )
    assert _in(language, lambda: (product.local_description, product.local_unit_description)) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Contract · 2026 master agreement"), (ZH, "合同价 · 2026年总协议")],
)
def test_the_price_list_label_reads_in_the_active_language(company, wings, contract, language, expected):
    price = price_book(company=company, product_ids=[wings.pk]).price(wings.pk, 1)
    assert _in(language, lambda: price.list_label) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Contract · 2026 master agreement"), (ZH, "合同价 · 2026年总协议")],
)
def test_an_order_line_keeps_both_list_names(place_order, buyer, wings, contract, language, expected):
    order = place_order(buyer=buyer, product=wings, quantity=1)
    line = order.lines.get()
    assert (line.price_list_name, line.price_list_name_zh) == ("2026 master agreement", "2026年总协议")
    assert _in(language, lambda: line.price_list_label) == expected


@pytest.mark.parametrize(("language", "expected"), [("en", "Veterinary drug trading licence"), (ZH, "兽药经营许可证")])
def test_licence_kinds_are_a_fixed_set_with_translated_labels(company, language, expected):
    licence = LicenceFactory(company=company, kind=LicenceKind.VETERINARY_DRUG, number="VD-1")
    assert _in(language, licence.get_kind_display) == expected
    assert _in(language, lambda: str(licence)) == f"{expected} VD-1"


def test_a_licence_refusal_names_the_kind_in_chinese():
    params = {"kind": LicenceKind.VETERINARY_DRUG}
    assert _in(ZH, lambda: refusal_text(Refusal.LICENCE_MISSING, params)) == "需要备案有效的许可证：兽药经营许可证。"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Veterinary drug licence", "veterinary_drug"),
        ("Veterinary drug trading licence", "veterinary_drug"),
        ("兽药经营许可证", "veterinary_drug"),
        ("Food business licence", "food_business"),
        ("cold chain", "cold_chain"),
        ("liquor", "liquor"),
        ("Fishing permit", "other"),
        ("", ""),
    ],
)
def test_the_data_migrations_map_free_text_licence_kinds(text, kind):
    for module in ("accounts.migrations.0004_bilingual_data", "catalog.migrations.0005_bilingual_data"):
        assert importlib.import_module(module).licence_kind_of(text) == kind


def test_the_mapped_kinds_are_the_models_choices():
    migration = importlib.import_module("accounts.migrations.0004_bilingual_data")
    mapped = {migration.licence_kind_of(text) for text in ("vet drugs", "food", "cold chain", "wine", "permit")}
    assert mapped == {value for value, _label in Licence._meta.get_field("kind").choices}


# --- Pages in Chinese ---------------------------------------------------------------------------


def test_the_product_page_in_chinese_shows_the_chinese_description_pack_and_list(chinese, buyer, wings, contract):
    html = chinese(buyer).get(reverse("catalog:product_detail", args=[wings.sku])).content.decode()
    assert "单冻鸡翅中。" in html and "10袋 × 1公斤" in html and "2026年总协议" in html
    assert "IQF chicken wings" not in html and "10 × 1 kg bags" not in html and "master agreement" not in html


def test_the_product_page_says_ordering_as_in_placing_orders_not_sorting(chinese, buyer, wings):
    html = chinese(buyer).get(reverse("catalog:product_detail", args=[wings.sku])).content.decode()
    assert "订货信息" in html and "排序" not in html
    assert _in(ZH, lambda: str(translation.pgettext("product page section", "Ordering"))) == "订货信息"
    assert _in(ZH, lambda: str(translation.gettext("Ordering"))) == "订货"


def test_the_catalog_in_chinese_shows_the_chinese_pack(chinese, buyer, wings, contract):
    html = chinese(buyer).get(reverse("catalog:product_list")).content.decode()
    assert "10袋 × 1公斤" in html and "10 × 1 kg bags" not in html


def test_the_cart_in_chinese_shows_the_chinese_list_name(chinese, buyer, company, wings, contract):
    services.add_to_cart(cart=services.cart_for(user=buyer, company=company), product=wings, quantity=1)
    html = chinese(buyer).get(reverse("ordering:cart")).content.decode()
    assert "2026年总协议" in html and "master agreement" not in html


def test_a_restricted_product_names_the_licence_kind_in_chinese(chinese, company, buyer, make_product):
    vet = category("Vet drugs", slug="vet", restricted=True, licence_kind=LicenceKind.VETERINARY_DRUG)
    product = make_product(category=vet)
    LicenceFactory(
        company=company, kind=LicenceKind.VETERINARY_DRUG, expires_on=timezone.localdate() + timedelta(days=30)
    )
    html = chinese(buyer).get(reverse("catalog:product_detail", args=[product.sku])).content.decode()
    assert "兽药经营许可证" in html and "veterinary_drug" not in html


def _home_with_announcement():
    home = HomePage.objects.get()
    home.title_zh = "冷链食品订货平台"
    home.intro = "<p>Welcome to the portal.</p>"
    home.intro_zh = "<p>欢迎使用订货平台。</p>"
    home.announcements = [
        {
            "type": "announcement",
            "value": {
                "kind": "cutoff",
                "title": "Order by 15:00",
                "body": "<p>Orders placed by 15:00 arrive tomorrow.</p>",
                "title_zh": "15:00前下单",
                "body_zh": "<p>15:00前下单，次日送达。</p>",
                "show_from": None,
                "show_until": None,
            },
        }
    ]
    home.save_revision().publish()
    return home


def test_current_announcements_read_in_the_active_language(db):
    home = _home_with_announcement()
    [block] = HomePage.objects.get(pk=home.pk).current_announcements()
    assert _in(ZH, lambda: (block.value.local_title(), str(block.value.local_body()))) == (
        "15:00前下单",
        "<p>15:00前下单，次日送达。</p>",
    )
    assert _in("en", block.value.local_title) == "Order by 15:00"


def test_the_public_home_page_in_chinese_shows_the_chinese_content(client, db):
    _home_with_announcement()
    client.post(reverse("set_language"), {"language": ZH})
    html = client.get("/").content.decode()
    assert "冷链食品订货平台" in html and "欢迎使用订货平台。" in html and "15:00前下单，次日送达。" in html
    assert "Welcome to the portal" not in html and "arrive tomorrow" not in html


def test_a_content_page_in_chinese_shows_its_chinese_title_and_body(client, db):
    home = HomePage.objects.get()
    page = ContentPage(
        title="Delivery", slug="delivery", title_zh="配送", body="<p>We deliver daily.</p>", body_zh="<p>每日送货。</p>"
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    client.post(reverse("set_language"), {"language": ZH})
    html = client.get(page.url).content.decode()
    assert "配送" in html and "每日送货。" in html and "We deliver daily" not in html
    client.post(reverse("set_language"), {"language": "en"})
    assert "We deliver daily." in client.get(page.url).content.decode()


def test_a_companys_tier_shows_in_chinese_on_the_portal_home(chinese, company, buyer):
    company.price_tier = PriceTierFactory(code="A", name="Tier A: key accounts", name_zh="A级：重点客户")
    company.save()
    html = chinese(buyer).get(reverse("portal:home")).content.decode()
    assert "A级：重点客户" in html and "key accounts" not in html


def test_an_announcement_stored_before_the_chinese_fields_reads_in_english(db):
    home = HomePage.objects.get()
    old = {"kind": "notice", "title": "Closed on Sunday", "body": "<p>No deliveries.</p>"}
    home.announcements = [{"type": "announcement", "value": {**old, "show_from": None, "show_until": None}}]
    home.save()
    [block] = HomePage.objects.get(pk=home.pk).current_announcements()
    assert _in(ZH, lambda: (block.value.local_title(), str(block.value.local_body()))) == (
        "Closed on Sunday",
        "<p>No deliveries.</p>",
    )
