"""The customer catalog: who sees which products at which prices, search, filters, paging, the
licence rule, the htmx partial and the query budget of the list page."""

import importlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.cache import caches
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import LicenceKind
from catalog.models import Assortment, PriceList, Product, TemperatureZone
from catalog.offers import licences_on_file
from catalog.search import search_text_for
from catalog.selectors import (
    forget_category_tree,
    visible_product,
    visible_products,
)
from catalog.stock import forget_stock
from tests.factories import (
    CompanyFactory,
    LicenceFactory,
    LotFactory,
    MembershipFactory,
    PriceListEntryFactory,
    PriceListFactory,
    PriceTierFactory,
    ProductFactory,
    UserFactory,
    category,
)

LIST = "catalog:product_list"
VET_LICENCE = LicenceKind.VETERINARY_DRUG


def _detail(product):
    return reverse("catalog:product_detail", args=[product.sku])


def _skus(response) -> list[str]:
    """The SKUs of the product cards, in the order shown."""
    return re.findall(r'data-testid="product-card" data-sku="([^"]+)"', response.content.decode())


def _get_list(client, **params):
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return response


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def price_list(db):
    return PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")


@pytest.fixture
def shelves(db, price_list, today):
    """Four products in four zones and categories, each with a list price; wings and noodles in
    stock, beef only in a lot close to expiry, the vaccine (a restricted category) not at all."""
    frozen = category("Frozen")
    poultry = category("Poultry", parent=frozen)
    chilled = category("Chilled")
    vet = category("Vet drugs", slug="vet", restricted=True, licence_kind=VET_LICENCE)
    products = {
        "wings": ProductFactory(
            sku="FZ-1001",
            name_en="Chicken wings, mid joint",
            name_zh="鸡翅中",
            category=poultry,
            temperature_zone=TemperatureZone.FROZEN,
            units_per_case=10,
            unit_description="10 × 1 kg bags",
            min_order_quantity=12,
            order_multiple=6,
        ),
        "dumplings": ProductFactory(
            sku="FZ-1002", name_en="Pork dumplings", name_zh="猪肉水饺", category=frozen, temperature_zone="frozen"
        ),
        "beef": ProductFactory(
            sku="CH-2001", name_en="Beef brisket", name_zh="牛腩", category=chilled, temperature_zone="chilled"
        ),
        "noodles": ProductFactory(
            sku="AM-3001", name_en="Dried noodles", name_zh="挂面", category=chilled, temperature_zone="ambient"
        ),
        "vaccine": ProductFactory(
            sku="VD-4001", name_en="Poultry vaccine", name_zh="禽流感疫苗", category=vet, temperature_zone="chilled"
        ),
    }
    for product in products.values():
        PriceListEntryFactory(price_list=price_list, product=product, unit_price=Decimal("50.00"))
    LotFactory(product=products["wings"], on_hand=500, expiry_date=today + timedelta(days=300))
    LotFactory(product=products["dumplings"], on_hand=100, expiry_date=today + timedelta(days=300))
    LotFactory(product=products["noodles"], on_hand=100, expiry_date=today + timedelta(days=300))
    LotFactory(product=products["beef"], on_hand=100, expiry_date=today + timedelta(days=20))
    return products


# Who sees what ---------------------------------------------------------------------------------


def test_a_company_without_assortments_sees_every_active_product(client, buyer, shelves):
    shelves["beef"].active = False
    shelves["beef"].save()
    client.force_login(buyer)

    assert sorted(_skus(_get_list(client))) == ["AM-3001", "FZ-1001", "FZ-1002", "VD-4001"]
    assert client.get(_detail(shelves["beef"])).status_code == 404


def test_a_company_with_an_assortment_sees_only_its_products(client, buyer, company, shelves):
    range_ = Assortment.objects.create(name="Acme range")
    range_.companies.add(company)
    range_.products.add(shelves["wings"], shelves["noodles"])
    client.force_login(buyer)

    assert sorted(_skus(_get_list(client))) == ["AM-3001", "FZ-1001"]
    assert client.get(_detail(shelves["wings"])).status_code == 200
    assert client.get(_detail(shelves["beef"])).status_code == 404
    assert _skus(_get_list(client, q="beef")) == []


def test_an_assortment_of_the_price_tier_applies_to_its_companies(client, buyer, company, shelves):
    tier = PriceTierFactory(code="a", name="A")
    company.price_tier = tier
    company.save()
    tier_range = Assortment.objects.create(name="Tier A range")
    tier_range.price_tiers.add(tier)
    tier_range.products.add(shelves["beef"])
    client.force_login(buyer)

    assert _skus(_get_list(client)) == ["CH-2001"]


def test_an_inactive_product_in_the_assortment_stays_hidden(client, buyer, company, shelves):
    range_ = Assortment.objects.create(name="Acme range")
    range_.companies.add(company)
    range_.products.add(shelves["wings"], shelves["noodles"])
    Product.objects.filter(pk=shelves["noodles"].pk).update(active=False)
    client.force_login(buyer)

    assert _skus(_get_list(client)) == ["FZ-1001"]
    assert client.get(_detail(shelves["noodles"])).status_code == 404


def test_visitors_sign_in_first_and_people_without_a_company_are_told_why(client, db):
    response = client.get(reverse(LIST))
    assert response.status_code == 302
    assert reverse("account_login") in response.url

    client.force_login(UserFactory())
    assert client.get(reverse(LIST)).url == reverse("portal:no_company")


# Prices -----------------------------------------------------------------------------------------


@pytest.fixture
def contracts(company, other_company, shelves):
    """Acme's contract prices the wings at 41.00 from 12; the other company's at 33.33."""
    ours = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=company, name="Acme contract")
    PriceListEntryFactory(price_list=ours, product=shelves["wings"], min_quantity=12, unit_price=Decimal("41.00"))
    theirs = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=other_company, name="Other contract")
    PriceListEntryFactory(price_list=theirs, product=shelves["wings"], unit_price=Decimal("33.33"))
    return ours, theirs


def _card(response, sku) -> str:
    html = response.content.decode()
    start = html.index(f'data-sku="{sku}"')
    return html[start : html.index("</article>", start)]


def test_a_card_shows_the_companys_price_its_source_and_breaks(client, buyer, shelves, price_list, contracts):
    PriceListEntryFactory(price_list=price_list, product=shelves["wings"], min_quantity=60, unit_price=Decimal("39"))
    PriceListEntryFactory(price_list=contracts[0], product=shelves["wings"], min_quantity=120, unit_price=Decimal("37"))
    client.force_login(buyer)

    card = _card(_get_list(client), "FZ-1001")

    assert "¥41.00" in card
    assert ">Contract</span>" in card
    assert "From 120 cases: ¥37.00" in card
    assert "¥39.00" not in card  # the contract list prices 60 cases; the list's break never applies
    assert "Sold in multiples of 6 cases, minimum 12 cases" in card
    assert "case of 10 · 10 × 1 kg bags" in card
    noodles = _card(_get_list(client), "AM-3001")
    assert "¥50.00" in noodles and ">List</span>" in noodles


def test_a_company_never_sees_another_companys_contract_price(client, buyer, outsider, shelves, contracts):
    client.force_login(buyer)
    pages = [_get_list(client), _get_list(client, q="鸡翅"), client.get(_detail(shelves["wings"]))]
    for response in pages:
        assert response.status_code == 200
        assert "41.00" in response.content.decode()
        assert "33.33" not in response.content.decode()

    client.force_login(outsider)
    assert "¥33.33" in client.get(_detail(shelves["wings"])).content.decode()


def test_a_product_without_a_price_says_whom_to_ask(client, buyer, db):
    ProductFactory(sku="NP-1")
    client.force_login(buyer)

    assert "No price yet: ask your sales rep." in _card(_get_list(client), "NP-1")


def test_a_price_that_starts_above_the_smallest_order_says_from_which_quantity(client, buyer, price_list):
    product = ProductFactory(sku="BULK-1")
    PriceListEntryFactory(price_list=price_list, product=product, min_quantity=10, unit_price=Decimal("9.50"))
    client.force_login(buyer)

    card = _card(_get_list(client), "BULK-1")
    assert "From 10 cases:" in card and "¥9.50" in card


# Search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FZ-1001",
        "fz-1001",
        "fz1001",
        "FZ 1001",
        "FZ–1001",
        "ＦＺ－１００１",
        "chicken wings",
        "wings chicken",
        "鸡翅",
        "jichi",
        "ji chi",
        "jc",
        "  JICHI ",
    ],
)
def test_search_finds_by_sku_english_chinese_pinyin_and_initials(client, buyer, shelves, text):
    client.force_login(buyer)

    assert _skus(_get_list(client, q=text)) == ["FZ-1001"]


def test_the_search_text_of_existing_products_is_rebuilt_with_the_compact_sku(client, buyer, shelves):
    """Migration 0004 brings rows written before the SKU's compact form was searched in line."""
    wings = Product.objects.get(sku="FZ-1001")
    Product.objects.filter(pk=wings.pk).update(search_text="fz-1001 | chicken wings | 鸡翅")
    client.force_login(buyer)
    assert _skus(_get_list(client, q="fz1001")) == []

    importlib.import_module("catalog.migrations.0004_search_text_compact_sku").rebuild(django_apps, None)

    wings.refresh_from_db()
    assert wings.search_text == search_text_for(wings)
    caches["local"].clear()  # a deploy that migrates starts with empty caches
    assert _skus(_get_list(client, q="fz1001")) == ["FZ-1001"]


def test_no_match_suggests_the_sku_or_the_rep_and_escapes_the_text(client, buyer, shelves):
    client.force_login(buyer)

    html = _get_list(client, q="<b>tofu</b>").content.decode()

    assert "No match for “&lt;b&gt;tofu&lt;/b&gt;”; try the SKU or ask your rep." in html
    assert 'data-testid="product-card"' not in html


# Filters, sort, paging --------------------------------------------------------------------------


def test_a_category_includes_its_subcategories(client, buyer, shelves):
    client.force_login(buyer)

    assert sorted(_skus(_get_list(client, category="frozen"))) == ["FZ-1001", "FZ-1002"]
    poultry = _get_list(client, category="poultry")
    assert _skus(poultry) == ["FZ-1001"]
    assert "1 product in Poultry" in poultry.content.decode()
    # An unknown category (an old link) shows everything rather than an error.
    assert len(_skus(_get_list(client, category="gone"))) == 5


def test_filter_by_temperature_zone(client, buyer, shelves):
    client.force_login(buyer)

    assert sorted(_skus(_get_list(client, zone="chilled"))) == ["CH-2001", "VD-4001"]
    assert _skus(_get_list(client, zone="ambient")) == ["AM-3001"]


def test_in_stock_only_follows_the_companys_shelf_life_rule(client, buyer, company, shelves):
    client.force_login(buyer)
    assert sorted(_skus(_get_list(client, in_stock="on"))) == ["AM-3001", "CH-2001", "FZ-1001", "FZ-1002"]

    # Beef's only lot has 20 of 365 days left; a company that wants 60% left cannot get it.
    company.min_shelf_life_percent = 60
    company.save()
    assert sorted(_skus(_get_list(client, in_stock="on"))) == ["AM-3001", "FZ-1001", "FZ-1002"]
    assert "CH-2001" in _skus(_get_list(client))


def test_a_list_hidden_by_filters_says_so_and_clears_them(client, buyer, shelves):
    client.force_login(buyer)

    html = _get_list(client, q="beef", zone="frozen", sort="sku").content.decode()

    assert "No match for “beef” with these filters." in html
    clear = re.search(r'href="([^"]+)">Clear filters<', html).group(1).replace("&amp;", "&")
    assert "zone" not in clear and "q=beef" in clear
    assert _skus(client.get(clear)) == ["CH-2001"]

    html = _get_list(client, zone="frozen").content.decode()
    assert 'data-testid="active-filters"' in html and "Clear filters" in html
    assert "No products match these filters." in _get_list(client, zone="frozen", category="chilled").content.decode()


def test_an_empty_catalog_explains_itself(client, buyer, db):
    client.force_login(buyer)

    assert "There are no products in your catalog yet." in _get_list(client).content.decode()


def test_sort_by_name_sku_or_newest(client, buyer, shelves):
    client.force_login(buyer)

    assert _skus(_get_list(client)) == ["CH-2001", "FZ-1001", "AM-3001", "FZ-1002", "VD-4001"]  # by name
    assert _skus(_get_list(client, sort="sku")) == ["AM-3001", "CH-2001", "FZ-1001", "FZ-1002", "VD-4001"]
    assert _skus(_get_list(client, sort="newest")) == ["VD-4001", "AM-3001", "CH-2001", "FZ-1002", "FZ-1001"]
    assert _skus(_get_list(client, sort="price")) == _skus(_get_list(client))  # unknown: the default


def test_paging_with_a_choice_of_page_size(client, buyer, price_list):
    ProductFactory.create_batch(30, name_zh="")
    client.force_login(buyer)

    first = _get_list(client, per_page=12)
    assert len(_skus(first)) == 12
    assert "Page 1 of 3" in first.content.decode()
    last = _get_list(client, per_page=12, page=3)
    assert len(_skus(last)) == 6
    assert set(_skus(first)).isdisjoint(_skus(last))
    # A page beyond the end (an old link) shows the last one.
    assert _skus(_get_list(client, per_page=12, page=99)) == _skus(last)
    # Page sizes other than 12, 24 and 48 fall back to 24.
    assert len(_skus(_get_list(client, per_page=13))) == 24
    assert len(_skus(_get_list(client, per_page=48))) == 30
    assert len(_skus(_get_list(client, in_stock="", per_page=12, page="x"))) == 12


def test_renaming_a_category_shows_at_once(client, buyer, shelves):
    client.force_login(buyer)
    assert "Chilled</a>" in _get_list(client).content.decode()

    chilled = shelves["beef"].category
    chilled.name_en = "Cold room"
    chilled.save()

    html = _get_list(client).content.decode()
    assert "Cold room</a>" in html and "Chilled</a>" not in html


# The licence rule -------------------------------------------------------------------------------


def _shows_licence_required(client, product) -> tuple[bool, bool]:
    card = _card(_get_list(client), product.sku)
    detail = client.get(_detail(product)).content.decode()
    return 'data-testid="licence-badge"' in card, "you cannot order this product yet" in detail


def test_an_unlicensed_company_sees_licence_required(client, buyer, shelves):
    client.force_login(buyer)

    assert _shows_licence_required(client, shelves["vaccine"]) == (True, True)
    assert _shows_licence_required(client, shelves["wings"]) == (False, False)
    detail = client.get(_detail(shelves["vaccine"])).content.decode()
    assert "Only companies with a valid Veterinary drug trading licence on file may order Vet drugs products." in detail


def test_a_licensed_company_may_order_restricted_products(client, buyer, company, shelves, today):
    LicenceFactory(company=company, kind=VET_LICENCE, expires_on=today)
    client.force_login(buyer)

    assert _shows_licence_required(client, shelves["vaccine"]) == (False, False)
    assert (
        "Your company has one, so you can order this product."
        in client.get(_detail(shelves["vaccine"])).content.decode()
    )


@pytest.mark.parametrize(
    "kind, expires_in_days",
    [pytest.param(VET_LICENCE, -1, id="expired"), pytest.param(LicenceKind.FOOD_BUSINESS, 300, id="other-kind")],
)
def test_an_expired_or_unrelated_licence_does_not_count(client, buyer, company, shelves, today, kind, expires_in_days):
    LicenceFactory(company=company, kind=kind, expires_on=today + timedelta(days=expires_in_days))
    client.force_login(buyer)

    assert _shows_licence_required(client, shelves["vaccine"]) == (True, True)


def test_a_licence_counts_from_the_moment_it_is_saved_until_it_is_removed(client, buyer, company, shelves, today):
    """The licence kinds are cached for every page; saving or deleting a licence drops them."""
    client.force_login(buyer)
    assert _shows_licence_required(client, shelves["vaccine"]) == (True, True)

    licence = LicenceFactory(company=company, kind=VET_LICENCE, expires_on=today + timedelta(days=30))
    assert _shows_licence_required(client, shelves["vaccine"]) == (False, False)
    assert [licence.kind for licence in licences_on_file(company)] == [VET_LICENCE]

    licence.expires_on = today - timedelta(days=1)
    licence.save()
    assert _shows_licence_required(client, shelves["vaccine"]) == (True, True)
    # The buyer is told why, with the date it expired.
    page = client.get(reverse("catalog:product_detail", args=[shelves["vaccine"].sku])).content.decode()
    assert f"expired on {date_format(licence.expires_on)}" in page

    licence.expires_on = today + timedelta(days=30)
    licence.save()
    licence.delete()
    assert _shows_licence_required(client, shelves["vaccine"]) == (True, True)
    assert licences_on_file(company) == ()


# The product page -------------------------------------------------------------------------------


def test_the_product_page_tells_everything_a_buyer_needs(client, buyer, company, shelves, contracts, today):
    wings = shelves["wings"]
    wings.description = "IQF, glazed 5%."
    wings.save()
    LotFactory(product=wings, on_hand=20, expiry_date=today + timedelta(days=200))
    company.min_shelf_life_percent = 60
    company.save()
    client.force_login(buyer)

    html = client.get(_detail(wings)).content.decode()

    assert "IQF, glazed 5%." in html
    assert "鸡翅中" in html
    assert re.search(r'data-testid="shelf-life">365 days<', html)
    assert re.search(r'data-testid="storage">Frozen \(−18 °C\)<', html)
    # The lot with 200 days left is below Acme's 60% of 365 days; it would get the one with 300.
    assert date_format(today + timedelta(days=300), "DATE_FORMAT") in html
    assert date_format(today + timedelta(days=200), "DATE_FORMAT") not in html
    assert "at least 60% of its shelf life left" in html
    # The contract prices every quantity from the smallest order on: one price, no table of breaks.
    assert "¥41.00" in html and 'data-testid="price-breaks"' not in html
    assert "500 cases available to you" in html


def test_the_product_page_lists_every_break_with_its_source(client, buyer, shelves, price_list, contracts):
    PriceListEntryFactory(price_list=contracts[0], product=shelves["wings"], min_quantity=60, unit_price=Decimal("39"))
    client.force_login(buyer)

    html = client.get(_detail(shelves["wings"])).content.decode()
    table = html[html.index('data-testid="price-breaks"') : html.index("</table>")]

    rows = re.findall(r"<td[^>]*>from (\d+) cases</td>\s*<td[^>]*>([^<]+)</td>\s*<td><span[^>]*>([^<]+)</span>", table)
    # The headline names the list that set the price; a break from the same list says its kind.
    assert rows == [("12", "¥41.00", "Contract"), ("60", "¥39.00", "Contract")]
    assert f"Contract · {contracts[0].name}" in html


def test_the_product_page_is_bilingual(client, buyer, shelves):
    client.force_login(buyer)
    client.cookies["django_language"] = "zh-hans"

    html = client.get(_detail(shelves["wings"])).content.decode()

    assert '<h1 class="h3 mb-0">鸡翅中</h1>' in html
    assert '<p class="lead text-body-secondary" lang="en">Chicken wings, mid joint</p>' in html


# htmx ---------------------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results(client, buyer, shelves):
    client.force_login(buyer)

    response = client.get(reverse(LIST), {"q": "jc"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html and 'data-testid="catalog-filters"' not in html
    assert _skus(response) == ["FZ-1001"]
    assert "HX-Request" in response["Vary"]
    # The category links come along out of band, carrying the new search.
    assert '<nav id="category-nav"' in html and 'hx-swap-oob="true"' in html
    assert 'href="/portal/catalog/?q=jc&amp;category=poultry"' in html
    assert "hx-swap-oob" not in _get_list(client, q="jc").content.decode()


def test_a_history_restore_gets_the_whole_page(client, buyer, shelves):
    client.force_login(buyer)

    response = client.get(
        reverse(LIST), {"q": "jc"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()
    assert _skus(response) == ["FZ-1001"]


# Query budget ---------------------------------------------------------------------------------------


@pytest.fixture
def big_catalog(company, price_list, today):
    """48 products over two categories (one restricted), with list, tier and contract prices and stock."""
    tier = PriceTierFactory(code="b", name="B")
    company.price_tier = tier
    company.save()
    tier_list = PriceListFactory(kind=PriceList.Kind.TIER, price_tier=tier)
    contract = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=company)
    frozen = category("Frozen")
    vet = category("Vet drugs", slug="vet", restricted=True, licence_kind=VET_LICENCE)
    for n in range(48):
        product = ProductFactory(category=vet if n % 5 == 0 else frozen, name_zh="冷冻鸡翅中")
        PriceListEntryFactory(price_list=price_list, product=product, unit_price=Decimal("50"))
        PriceListEntryFactory(price_list=tier_list, product=product, min_quantity=10, unit_price=Decimal("45"))
        PriceListEntryFactory(price_list=contract, product=product, min_quantity=50, unit_price=Decimal("40"))
        LotFactory(product=product, on_hand=n)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "jichi", "category": "frozen", "zone": "frozen", "sort": "newest"}, {"in_stock": "on"}],
    ids=["plain", "searched-and-filtered", "in-stock"],
)
def test_the_list_runs_the_same_few_queries_whatever_the_page_size(
    client, buyer, big_catalog, django_assert_max_num_queries, params
):
    client.force_login(buyer)
    client.get(reverse(LIST))  # stores the active company in the session

    cold, warm = [], []
    for per_page in (12, 48):
        # Nothing of the catalog cached: the tree, products, prices, stock and cards are read again.
        forget_category_tree()
        forget_stock(Product.objects.values_list("pk", flat=True))
        caches["local"].clear()
        for counts in (cold, warm):  # then the same page again, from the cache
            with django_assert_max_num_queries(8) as captured:
                response = client.get(reverse(LIST), {**params, "per_page": per_page})
            assert response.status_code == 200
            assert len(_skus(response)) > (12 if per_page == 48 else 0)
            counts.append(len(captured.captured_queries))

    assert cold[0] == cold[1]
    assert warm[0] == warm[1] < cold[0]


def test_the_product_page_runs_a_fixed_few_queries(client, buyer, big_catalog, django_assert_max_num_queries):
    client.force_login(buyer)
    product = Product.objects.filter(category__restricted=True).first()
    client.get(_detail(product))

    with django_assert_max_num_queries(8):
        assert client.get(_detail(product)).status_code == 200


# Words and numbers ----------------------------------------------------------------------------------


def _render(source, **context):
    return Template("{% load catalog_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    "moq, multiple, unit, words",
    [
        (1, 1, "case", "Sold per case"),
        (12, 1, "case", "Minimum order 12 cases"),
        (1, 6, "carton", "Sold in multiples of 6 cartons"),
        (6, 6, "case", "Sold in multiples of 6 cases"),
        (10, 6, "case", "Sold in multiples of 6 cases, minimum 12 cases"),
        (5, 1, "kg", "Minimum order 5 kg"),
        (2, 2, "bottle", "Sold in multiples of 2 bottles"),
    ],
)
def test_the_quantity_rule_in_words(moq, multiple, unit, words):
    product = Product(min_order_quantity=moq, order_multiple=multiple, sales_unit=unit)

    assert _render("{{ product|quantity_rule }}", product=product) == words


@pytest.mark.parametrize(
    "amount, currency, shown",
    [
        (Decimal("38"), "CNY", "¥38.00"),
        (Decimal("1234.5"), "HKD", "HK$1,234.50"),
        (Decimal("0.005"), "USD", "US$0.01"),
        (Decimal("7.1"), "EUR", "EUR 7.10"),
    ],
)
def test_money_always_has_its_currency_and_two_decimals(amount, currency, shown):
    assert _render("{{ amount|money:currency }}", amount=amount, currency=currency) == shown


def test_other_members_of_other_companies_do_not_change_what_a_company_sees(client, buyer, company, shelves):
    """A second company with its own assortment changes nothing for Acme (no assortment: all)."""
    other = CompanyFactory()
    MembershipFactory(company=other)
    theirs = Assortment.objects.create(name="Other range")
    theirs.companies.add(other)
    theirs.products.add(shelves["wings"])
    client.force_login(buyer)

    assert len(_skus(_get_list(client))) == 5


def test_visible_product_agrees_with_visible_products(company, other_company, shelves):
    """The cached one-product test (adding to the cart) answers as the list's query does, with
    no assortment, the company's own, its tier's, and for an inactive product."""
    tier = PriceTierFactory(code="t", name="T")
    other_company.price_tier = tier
    other_company.save()
    own = Assortment.objects.create(name="Own range")
    own.companies.add(company)
    own.products.add(shelves["wings"], shelves["noodles"])
    tiers = Assortment.objects.create(name="Tier range")
    tiers.price_tiers.add(tier)
    tiers.products.add(shelves["beef"])
    third = CompanyFactory()  # no assortment: every active product
    shelves["noodles"].active = False
    shelves["noodles"].save()

    for who in (company, other_company, third):
        expected = set(visible_products(who).values_list("pk", flat=True))
        answered = {product.pk for product in shelves.values() if visible_product(who, product.pk) is not None}
        assert answered == expected
