"""`manage.py seed_demo` stocks the demo catalog: about 300 bilingual products in a category tree,
price lists that resolve by contract, tier and list, assortments, and lots booked through the
stock ledger with expiry dates that make the warnings worth looking at."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Company
from catalog.models import (
    Assortment,
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    Product,
    StockLevel,
    StockMove,
    TemperatureZone,
    Warehouse,
)
from catalog.offers import licence_refusal, licences_on_file
from catalog.pricing import unit_price
from catalog.selectors import visible_products
from catalog.stock import availability_for, lots_expiring
from portal import demo
from portal.demo.catalog import RECALLED_LOT
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def output(django_db_setup, django_db_blocker):
    """The seed runs once for this module, in a transaction rolled back after its last test;
    each test still runs in its own savepoint, so what a test writes is undone after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def catalog_counts() -> dict:
    models = [Category, Product, PriceList, PriceListEntry, Assortment, Warehouse, Location, Lot, StockLevel, StockMove]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["assortment products"] = Assortment.products.through.objects.count()
    counts["assortment companies"] = Assortment.companies.through.objects.count()
    return counts


def test_about_three_hundred_bilingual_products_in_every_zone(output):
    products = Product.objects.select_related("category")
    assert 250 <= products.count() <= 350
    assert not products.filter(name_en="").exists()
    assert not products.filter(name_zh="").exists()
    assert set(products.values_list("temperature_zone", flat=True)) == set(TemperatureZone.values)
    assert {sku[:3] for sku in products.values_list("sku", flat=True)} == {"FZ-", "CH-", "AM-", "VD-"}
    assert set(products.values_list("tax_rate", flat=True)) == {Decimal("9.00"), Decimal("13.00")}
    assert 1 <= products.filter(active=False).count() <= 10
    assert products.filter(allow_backorder=True).exists()
    assert {6, 12} <= set(products.values_list("order_multiple", flat=True))
    assert products.filter(unit_description="10 × 1 kg bags").exists()

    assert products.filter(unit_description="10 × 1 kg bags", unit_description_zh="10袋 × 1公斤").exists()
    shelf_life = {"frozen": (365, 540), "chilled": (7, 60), "ambient": (180, 720)}
    for product in products:
        low, high = shelf_life[product.temperature_zone]
        assert low <= product.shelf_life_days <= high, product.sku
        assert product.category.is_leaf() or product.category.restricted, product.sku
        assert product.search_text  # catalog search finds them (bulk-created products too)

    wings = Product.objects.get(name_en="Frozen chicken wings, mid joint 1 kg")
    assert wings.name_zh == "冷冻鸡翅中 1kg"
    assert "jichizhong" in wings.search_text
    # What the home page announcements talk about.
    assert Product.objects.filter(name_en="Frozen shrimp dumplings 1 kg").exists()
    assert Product.objects.filter(name_en__startswith="Frozen beef rolls").count() >= 2
    assert Product.objects.filter(name_en__startswith="Frozen lamb rolls").count() >= 2


def test_category_tree_with_a_restricted_veterinary_category(output):
    roots = {root.slug: root for root in Category.get_root_nodes()}
    assert {"frozen", "chilled", "ambient", "veterinary-drugs"} <= set(roots)
    frozen_children = {child.name_en for child in roots["frozen"].get_children()}
    assert {"Meat & poultry", "Seafood", "Dumplings & dim sum", "Vegetables", "Desserts"} <= frozen_children
    assert {child.name_en for child in roots["chilled"].get_children()} >= {"Dairy", "Fresh meat", "Tofu & soy"}
    assert all(category.name_zh for category in Category.objects.all())

    vet = Category.objects.get(restricted=True)
    assert vet.licence_kind == demo.VET_LICENCE
    assert 8 <= vet.products.count() <= 12
    # The farm's licence is valid, the clinic's has expired.
    today = timezone.localdate()
    assert licence_refusal(vet, licences_on_file(demo.company_by_key("greenfields")), today) is None
    assert licence_refusal(vet, licences_on_file(demo.company_by_key("petcare")), today) is not None


def test_prices_resolve_by_contract_then_tier_then_list(output):
    today = timezone.localdate()
    default = PriceList.objects.get(kind=PriceList.Kind.DEFAULT, name="List prices 2026")
    active = Product.objects.filter(active=True)
    assert default.entries.filter(min_quantity=1).count() == active.count()
    assert PriceList.objects.filter(kind=PriceList.Kind.TIER).count() == 3
    for amount in PriceListEntry.objects.values_list("unit_price", flat=True)[:200]:
        assert amount == amount.quantize(Decimal("0.01")) and amount > 0

    bayside = demo.company_by_key("bayside")
    contract = PriceList.objects.get(company=bayside, valid_until__gte=today)
    product_id = contract.entries.filter(min_quantity=1).values_list("product_id", flat=True).first()
    price = unit_price(company=bayside, product_id=product_id, quantity=1)
    assert price.source == PriceList.Kind.CONTRACT
    assert price.unit_price < default.entries.get(product_id=product_id).unit_price

    # Hot pot rolls are on Bayside's contract from 10 cases: fewer are priced by its tier.
    rolls = Product.objects.get(name_en="Frozen beef rolls, sliced for hot pot 1 kg")
    assert unit_price(company=bayside, product_id=rolls.pk, quantity=5).source == PriceList.Kind.TIER
    assert unit_price(company=bayside, product_id=rolls.pk, quantity=10).source == PriceList.Kind.CONTRACT

    # No contract: the tier list, cheaper again from its quantity breaks.
    jade = demo.company_by_key("jadegarden")
    assert not PriceList.objects.filter(company=jade).exists()
    broken = PriceListEntry.objects.filter(price_list__price_tier=jade.price_tier, min_quantity=10).first()
    one = unit_price(company=jade, product_id=broken.product_id, quantity=1)
    ten = unit_price(company=jade, product_id=broken.product_id, quantity=10)
    assert one.source == ten.source == PriceList.Kind.TIER
    assert ten.unit_price < one.unit_price

    # No tier and no contract: the default list.
    walk_in = CompanyFactory(price_tier=None, currency="CNY")
    assert unit_price(company=walk_in, product_id=product_id, quantity=1).source == PriceList.Kind.DEFAULT

    # An expired contract and one that starts next month price nothing today.
    expired = PriceList.objects.get(kind=PriceList.Kind.CONTRACT, valid_until__lt=today)
    upcoming = PriceList.objects.get(kind=PriceList.Kind.CONTRACT, valid_from__gt=today)
    assert upcoming.valid_from.day == 1
    for price_list in (expired, upcoming):
        for entry in price_list.entries.all():
            price = unit_price(company=price_list.company, product_id=entry.product_id, quantity=entry.min_quantity)
            assert price.price_list_id != price_list.pk
    freshmart_entry = upcoming.entries.first()
    assert unit_price(company=upcoming.company, product_id=freshmart_entry.product_id, quantity=1).source == "tier"
    assert PriceList.objects.filter(kind=PriceList.Kind.CONTRACT).values("company").distinct().count() >= 3


def test_assortments_narrow_the_catalog_for_the_school_and_the_clinic(output):
    everything = Product.objects.filter(active=True).count()
    assert visible_products(demo.company_by_key("bayside")).count() == everything
    school = visible_products(demo.company_by_key("mingde"))
    assert 0 < school.count() < everything
    assert not school.filter(category__restricted=True).exists()
    clinic = visible_products(demo.company_by_key("petcare"))
    assert clinic.filter(category__restricted=True).exists()
    assert not clinic.filter(temperature_zone=TemperatureZone.FROZEN).exists()


def test_stock_has_lots_near_expiry_expired_out_and_a_ledger_that_agrees(output, django_assert_num_queries):
    today = timezone.localdate()
    shanghai = Warehouse.objects.get(code="sh1")
    assert shanghai.name == "Shanghai cold store"
    assert set(shanghai.locations.values_list("zone", flat=True)) == set(TemperatureZone.values)
    assert shanghai.locations.filter(code="F-10", zone=TemperatureZone.FROZEN).exists()
    assert StockLevel.objects.filter(location__warehouse__code="gz1", quantity__gt=0).exists()

    expiring = lots_expiring(today=today)
    assert any(lot.expiry_date < today for lot in expiring)
    assert any(lot.expiry_date >= today for lot in expiring)
    lot_tracked = Product.objects.filter(active=True, lot_tracked=True)
    stocked = lot_tracked.filter(lots__on_hand__gt=0).distinct().count()
    assert stocked >= 0.8 * lot_tracked.count()
    assert lot_tracked.exclude(lots__on_hand__gt=0).exists()  # a few are out of stock

    # Every lot's on-hand is the sum of its ledger: one aggregate query.
    with django_assert_num_queries(1):
        disagreeing = list(
            Lot.objects.annotate(ledger=Coalesce(Sum("moves__quantity"), 0))
            .exclude(ledger=F("on_hand"))
            .values_list("number", "on_hand", "ledger")
        )
    assert disagreeing == []
    assert StockMove.objects.filter(kind=StockMove.Kind.RECEIPT, user__email__startswith="warehouse@").count() == (
        Lot.objects.count()
    )

    # The recalled lot reached customers in the order history and was recalled: on quality hold,
    # none of it for sale (what is left is held by orders waiting to be re-allocated).
    recalled = Lot.objects.get(number=RECALLED_LOT, product__name_en="Frozen shrimp dumplings 1 kg")
    assert recalled.held_at is not None
    assert recalled.on_hand == recalled.allocated
    assert recalled.moves.filter(kind=StockMove.Kind.SHIPMENT).exists()

    bayside = demo.company_by_key("bayside")
    wings = Product.objects.get(name_en="Frozen chicken wings, mid joint 1 kg")
    assert availability_for(company=bayside, products=[wings])[wings.pk].available > 0


def test_running_twice_changes_no_counts_and_creates_nothing(output):
    assert "Catalog: " in output
    before = catalog_counts()
    products = list(Product.objects.order_by("pk").values())
    entries = list(PriceListEntry.objects.order_by("pk").values_list("pk", "unit_price"))
    on_hand = list(Lot.objects.order_by("pk").values_list("pk", "on_hand"))
    second = seed()
    assert catalog_counts() == before
    assert list(Product.objects.order_by("pk").values()) == products
    assert list(PriceListEntry.objects.order_by("pk").values_list("pk", "unit_price")) == entries
    assert list(Lot.objects.order_by("pk").values_list("pk", "on_hand")) == on_hand
    assert "0 rows created" in second
    assert Company.objects.count() == 12


def test_customer_facing_data_is_in_chinese_too(output):
    """Descriptions, pack texts and price list names have Chinese of their own, not a copy of the English."""
    products = Product.objects.all()
    assert not products.filter(description_zh="").exists()
    assert not products.filter(unit_description_zh="").exists()
    for product in products:
        assert product.description_zh != product.description, product.sku
        assert re.search(r"[\u4e00-\u9fff]", product.description_zh), product.sku
        assert re.search(r"[\u4e00-\u9fff]", product.unit_description_zh), product.sku
    for price_list in PriceList.objects.all():
        assert re.search(r"[\u4e00-\u9fff]", price_list.name_zh), price_list.name
