"""The catalog and stock back office: stock receipts, adjustments and write-offs through
catalog.services, the category tree, price lists with their owners and entries, the stock and
expiry pages, and who may reach what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from catalog.backoffice import (
    INLINE_PRICE_LIMIT,
    assortment_viewset,
    category_viewset,
    location_viewset,
    price_list_viewset,
    product_chooser_viewset,
    product_viewset,
    stock_urlpatterns,
    warehouse_viewset,
)
from catalog.models import (
    Assortment,
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    StockLevel,
    StockMove,
    TemperatureZone,
)
from catalog.services import Receipt, receive_stock, write_off_stock
from tests.factories import (
    LocationFactory,
    PriceListEntryFactory,
    PriceListFactory,
    PriceTierFactory,
    ProductFactory,
    category,
    with_second_factor,
)

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def staff_need_a_second_factor(settings):
    settings.TRADECOUNTER_REQUIRE_STAFF_MFA = True


def signed_in(user) -> Client:
    """A client for a staff member with a TOTP authenticator, as the back office requires."""
    with_second_factor(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def warehouse(staff_warehouse):
    return signed_in(staff_warehouse)


@pytest.fixture
def manager(staff_manager):
    return signed_in(staff_manager)


@pytest.fixture
def sales_rep(staff_sales_rep):
    return signed_in(staff_sales_rep)


@pytest.fixture
def chiller_location(db):
    return LocationFactory(code="C-01", zone=TemperatureZone.CHILLED)


@pytest.fixture
def wings(db):
    return ProductFactory(sku="FZ-1001", name_en="Chicken wings")


@pytest.fixture
def prawns(db):
    return ProductFactory(sku="FZ-1002", name_en="Prawns")


def _receive(product, location, number, *, expiry, quantity, user=None):
    receive_stock(
        receipts=[
            Receipt(product=product, lot_number=number, expiry_date=expiry, quantity=quantity, location=location)
        ],
        user=user,
    )
    return Lot.objects.get(product=product, number=number)


def _csv_rows(response) -> list[str]:
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")  # so that Excel reads the UTF-8 (Chinese names)
    return content.removeprefix("\ufeff").splitlines()


def _assert_ledger_consistent(lot):
    lot.refresh_from_db()
    ledger = StockMove.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0
    levels = StockLevel.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] or 0
    assert lot.on_hand == ledger == levels


# --- Receiving stock ------------------------------------------------------------------------


def _receipt_data(*lines, reference="DN-2026-001", total=3):
    data = {
        "reference": reference,
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = value
    return data


def _line(product, location, lot_number, *, quantity="10", expiry=None, produced=None):
    return {
        "sku": product.sku,
        "lot_number": lot_number,
        "production_date": (produced or TODAY - timedelta(days=5)).isoformat(),
        "expiry_date": (expiry or TODAY + timedelta(days=300)).isoformat(),
        "quantity": quantity,
        "location": str(location.pk),
    }


def test_warehouse_receives_a_two_line_receipt(warehouse, staff_warehouse, wings, prawns, freezer_location):
    response = warehouse.post(
        reverse("catalog_stock:receive"),
        _receipt_data(
            _line(wings, freezer_location, "W-1", quantity="40"), _line(prawns, freezer_location, "P-1", quantity="12")
        ),
    )

    assert response.status_code == 302
    assert response.url == reverse("catalog_stock:receive")
    wings_lot = Lot.objects.get(product=wings, number="W-1")
    prawns_lot = Lot.objects.get(product=prawns, number="P-1")
    assert (wings_lot.on_hand, prawns_lot.on_hand) == (40, 12)
    assert wings_lot.production_date == TODAY - timedelta(days=5)
    moves = StockMove.objects.order_by("pk")
    assert [(move.kind, move.quantity, move.reference, move.user) for move in moves] == [
        ("receipt", 40, "DN-2026-001", staff_warehouse),
        ("receipt", 12, "DN-2026-001", staff_warehouse),
    ]
    _assert_ledger_consistent(wings_lot)
    _assert_ledger_consistent(prawns_lot)
    assert StockLevel.objects.get(lot=wings_lot, location=freezer_location).quantity == 40
    confirmation = warehouse.get(response.url).content.decode()
    assert "Received 2 lines into stock." in confirmation
    assert reverse("catalog_stock:product", args=[wings.pk]) in confirmation


def test_a_receipt_with_a_line_in_the_wrong_temperature_zone_saves_nothing_and_names_the_line(
    warehouse, wings, prawns, freezer_location, chiller_location
):
    response = warehouse.post(
        reverse("catalog_stock:receive"),
        _receipt_data(_line(wings, freezer_location, "W-1"), _line(prawns, chiller_location, "P-1")),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Nothing was received." in page
    assert "Line 2, FZ-1002 is stored Frozen (−18 °C); sh1/C-01 is not." in page
    assert Lot.objects.count() == 0
    assert StockMove.objects.count() == 0
    assert StockLevel.objects.count() == 0
    # What was typed is kept.
    assert 'value="W-1"' in page and 'value="P-1"' in page


def test_a_receipt_with_a_bad_date_saves_nothing_and_names_the_line(warehouse, wings, prawns, freezer_location):
    bad = _line(prawns, freezer_location, "P-1", produced=TODAY - timedelta(days=2), expiry=TODAY - timedelta(days=1))
    bad["production_date"] = (TODAY + timedelta(days=40)).isoformat()
    bad["expiry_date"] = (TODAY + timedelta(days=30)).isoformat()

    response = warehouse.post(
        reverse("catalog_stock:receive"), _receipt_data(_line(wings, freezer_location, "W-1"), bad)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 2, Production date: The production date is in the future." in page
    assert "Line 2, Expiry date: The expiry date must be after the production date." in page
    assert 'href="#id_lines-1-expiry_date"' in page
    assert Lot.objects.count() == 0
    assert StockMove.objects.count() == 0


def test_a_receipt_naming_an_unknown_sku_is_refused(warehouse, wings, freezer_location):
    line = _line(wings, freezer_location, "W-1")
    line["sku"] = "FZ-9999"

    response = warehouse.post(reverse("catalog_stock:receive"), _receipt_data(line))

    assert response.status_code == 200
    assert "Line 1, Product SKU: No product has the SKU FZ-9999." in response.content.decode()
    assert Lot.objects.count() == 0


def test_a_second_line_contradicting_the_first_names_the_second(warehouse, wings, freezer_location):
    first = _line(wings, freezer_location, "W-1", expiry=TODAY + timedelta(days=300))
    second = _line(wings, freezer_location, "W-1", expiry=TODAY + timedelta(days=200))

    response = warehouse.post(reverse("catalog_stock:receive"), _receipt_data(first, second))

    assert response.status_code == 200
    page = response.content.decode()
    expected = f"Line 2, Lot W-1 of FZ-1001 already exists with expiry date {TODAY + timedelta(days=300)}."
    assert expected in page
    assert Lot.objects.count() == 0
    assert StockMove.objects.count() == 0


def test_an_empty_receipt_is_refused(warehouse, freezer_location):
    response = warehouse.post(reverse("catalog_stock:receive"), _receipt_data())

    assert response.status_code == 200
    assert "Enter at least one line." in response.content.decode()


def test_the_receipt_form_shows_the_locations_and_can_start_from_a_sku(
    warehouse, wings, freezer_location, chiller_location
):
    response = warehouse.get(reverse("catalog_stock:receive") + "?sku=FZ-1001")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="FZ-1001"' in page
    # Each location names its warehouse: a closed select does not show the option's group.
    assert "Shanghai cold store · F-01 · Frozen (−18 °C)" in page
    assert "Shanghai cold store · C-01 · Chilled (0–4 °C)" in page
    # The prefilled line may still be left blank: it is not an "initial" form.
    assert 'name="lines-INITIAL_FORMS" value="0"' in page


# --- Adjustments and write-offs -------------------------------------------------------------


@pytest.fixture
def wings_lot(wings, freezer_location, staff_warehouse):
    return _receive(
        wings, freezer_location, "W-1", expiry=TODAY + timedelta(days=200), quantity=10, user=staff_warehouse
    )


def _move_data(lot, location, quantity, reason):
    return {
        "sku": lot.product.sku,
        "lot_number": lot.number,
        "location": str(location.pk),
        "quantity": str(quantity),
        "reason": reason,
    }


def test_write_off_without_a_reason_is_refused(warehouse, wings_lot, freezer_location):
    response = warehouse.post(reverse("catalog_stock:write_off"), _move_data(wings_lot, freezer_location, 2, "   "))

    assert response.status_code == 200
    assert "Give a reason for the write-off." in response.content.decode()
    assert not StockMove.objects.filter(kind=StockMove.Kind.WRITE_OFF).exists()
    wings_lot.refresh_from_db()
    assert wings_lot.on_hand == 10


def test_write_off_of_more_than_is_on_hand_is_refused_with_the_quantity_there_is(
    warehouse, wings_lot, freezer_location
):
    response = warehouse.post(reverse("catalog_stock:write_off"), _move_data(wings_lot, freezer_location, 11, "Thawed"))

    assert response.status_code == 200
    assert "Only 10 of lot W-1 are at sh1/F-01." in response.content.decode()
    assert not StockMove.objects.filter(kind=StockMove.Kind.WRITE_OFF).exists()
    wings_lot.refresh_from_db()
    assert wings_lot.on_hand == 10


def test_warehouse_writes_off_damaged_stock(warehouse, staff_warehouse, wings_lot, freezer_location):
    response = warehouse.post(
        reverse("catalog_stock:write_off"), _move_data(wings_lot, freezer_location, 3, "Crushed cartons")
    )

    assert response.status_code == 302
    assert response.url == reverse("catalog_stock:product", args=[wings_lot.product_id])
    move = StockMove.objects.get(kind=StockMove.Kind.WRITE_OFF)
    assert (move.quantity, move.reason, move.user) == (-3, "Crushed cartons", staff_warehouse)
    _assert_ledger_consistent(wings_lot)
    assert wings_lot.on_hand == 7


def test_warehouse_adjusts_a_count_either_way(warehouse, wings_lot, freezer_location):
    assert (
        warehouse.post(
            reverse("catalog_stock:adjust"), _move_data(wings_lot, freezer_location, -4, "Count")
        ).status_code
        == 302
    )
    assert (
        warehouse.post(
            reverse("catalog_stock:adjust"), _move_data(wings_lot, freezer_location, 1, "Found one")
        ).status_code
        == 302
    )

    _assert_ledger_consistent(wings_lot)
    assert wings_lot.on_hand == 7


def test_an_adjustment_of_nothing_or_of_an_unknown_lot_is_refused(warehouse, wings_lot, freezer_location):
    response = warehouse.post(reverse("catalog_stock:adjust"), _move_data(wings_lot, freezer_location, 0, "Count"))
    assert "Enter the difference found: more or less than zero." in response.content.decode()

    data = _move_data(wings_lot, freezer_location, 2, "Count")
    data["lot_number"] = "NOPE"
    response = warehouse.post(reverse("catalog_stock:adjust"), data)
    assert "FZ-1001 has no lot NOPE." in response.content.decode()

    assert StockMove.objects.filter(kind=StockMove.Kind.ADJUSTMENT).count() == 0


def test_the_write_off_form_starts_from_a_lot_and_location_of_the_stock_page(warehouse, wings_lot, freezer_location):
    url = reverse("catalog_stock:write_off") + f"?lot={wings_lot.pk}&location={freezer_location.pk}"

    page = warehouse.get(url).content.decode()

    assert 'value="FZ-1001"' in page
    assert 'value="W-1"' in page
    assert f'<option value="{freezer_location.pk}" selected>' in page


# --- A product's stock ----------------------------------------------------------------------


def _stock_up(product, lots, freezer_location, other):
    for index in range(lots):
        lot = _receive(
            product,
            freezer_location,
            f"{product.sku}-L{index}",
            expiry=TODAY + timedelta(days=100 + index),
            quantity=20,
        )
        receive_stock(
            receipts=[
                Receipt(product=product, lot_number=lot.number, expiry_date=lot.expiry_date, quantity=5, location=other)
            ],
            user=None,
        )
        write_off_stock(lot=lot, location=freezer_location, quantity=1, reason="Torn", user=None)


def test_the_product_stock_page_shows_lots_levels_and_moves_in_a_fixed_number_of_queries(warehouse, freezer_location):
    other = LocationFactory(code="F-02", zone=TemperatureZone.FROZEN)
    few, many = ProductFactory(), ProductFactory()
    _stock_up(few, 2, freezer_location, other)
    _stock_up(many, 10, freezer_location, other)
    warehouse.get(reverse("catalog_stock:product", args=[few.pk]))  # warm caches (content types, menus)

    with CaptureQueriesContext(connection) as few_queries:
        response = warehouse.get(reverse("catalog_stock:product", args=[few.pk]))
    with CaptureQueriesContext(connection) as many_queries:
        many_response = warehouse.get(reverse("catalog_stock:product", args=[many.pk]))

    assert response.status_code == many_response.status_code == 200
    assert len(few_queries) == len(many_queries)
    page = many_response.content.decode()
    assert page.count('data-lot="') == 10
    assert "sh1/F-01: 19" in page and "sh1/F-02: 5" in page
    assert "Torn" in page
    assert f"{many.sku}-L9" in page


def test_the_product_list_links_to_the_stock_page(warehouse, wings):
    page = warehouse.get(reverse(product_viewset.get_url_name("index"))).content.decode()

    assert reverse("catalog_stock:product", args=[wings.pk]) in page


def test_stock_by_product_lists_quantities_and_finds_by_pinyin_or_sku(warehouse, wings_lot, prawns):
    response = warehouse.get(reverse("catalog_stock:products") + "?q=fz-1001")

    assert response.status_code == 200
    page = response.content.decode()
    assert "FZ-1001" in page and "FZ-1002" not in page
    for query in ("fz1001", "FZ 1001"):  # the catalog's search: SKU without its punctuation, any case
        page = warehouse.get(reverse("catalog_stock:products"), {"q": query}).content.decode()
        assert "FZ-1001" in page and "FZ-1002" not in page

    export = warehouse.get(reverse("catalog_stock:products") + "?export=csv")
    rows = _csv_rows(export)
    assert rows[0].startswith("SKU,Name (English)")
    assert any(row.startswith("FZ-1001,") and ",10,0,10,1," in row for row in rows)


def test_stock_by_product_shows_the_next_expiry_date_and_the_days_left(warehouse, wings, freezer_location):
    expiry = TODAY + timedelta(days=30)
    _receive(wings, freezer_location, "W-1", expiry=expiry, quantity=10)
    _receive(wings, freezer_location, "W-2", expiry=TODAY + timedelta(days=90), quantity=10)

    page = warehouse.get(reverse("catalog_stock:products")).content.decode()

    assert "Just now" not in page
    assert f"{date_format(expiry, 'SHORT_DATE_FORMAT')} · 30 days left" in page


# --- Expiry warnings ------------------------------------------------------------------------


def test_expiry_warnings_list_lots_within_their_categorys_window_and_flag_expired_ones(warehouse, freezer_location):
    frozen = category("Frozen", expiry_warning_days=30)
    product = ProductFactory(sku="FZ-2001", category=frozen)
    _receive(product, freezer_location, "EXPIRED", expiry=TODAY - timedelta(days=3), quantity=4)
    _receive(product, freezer_location, "SOON", expiry=TODAY + timedelta(days=10), quantity=6)
    _receive(product, freezer_location, "LATER", expiry=TODAY + timedelta(days=90), quantity=8)
    gone = _receive(product, freezer_location, "GONE", expiry=TODAY + timedelta(days=5), quantity=2)
    write_off_stock(lot=gone, location=freezer_location, quantity=2, reason="Damaged", user=None)

    response = warehouse.get(reverse("catalog_stock:expiring"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "EXPIRED" in page and "SOON" in page
    assert "LATER" not in page and "GONE" not in page
    assert page.index("EXPIRED") < page.index("SOON")
    assert "Expired" in page and "Expiring" in page
    assert "sh1/F-01: 6" in page

    export = warehouse.get(reverse("catalog_stock:expiring") + "?export=csv")
    rows = _csv_rows(export)
    assert rows[0] == "SKU,Product,Lot number,Expiry date,Days left,Status,On hand,Allocated,Where"
    assert rows[1].startswith("FZ-2001,") and ",EXPIRED," in rows[1] and ",-3,Expired,4,0," in rows[1]
    assert ",SOON," in rows[2]
    assert len(rows) == 3


# --- Categories -------------------------------------------------------------------------------


def _category_data(name, slug, parent=None, **fields):
    return {
        "parent": str(parent.pk) if parent else "",
        "name_en": name,
        "name_zh": "",
        "slug": slug,
        "licence_kind": "",
        "expiry_warning_days": "30",
        **fields,
    }


def test_manager_creates_a_top_level_category_and_a_child(manager):
    add_url = reverse(category_viewset.get_url_name("add"))

    assert manager.post(add_url, _category_data("Frozen food", "frozen-food")).status_code == 302
    frozen = Category.objects.get(slug="frozen-food")
    assert frozen.is_root()

    response = manager.post(add_url, _category_data("Seafood", "seafood", parent=frozen, restricted="on"))
    assert response.status_code == 302
    seafood = Category.objects.get(slug="seafood")
    assert seafood.get_parent() == frozen
    assert seafood.depth == 2 and seafood.restricted
    frozen.refresh_from_db()
    assert frozen.numchild == 1

    page = manager.get(reverse(category_viewset.get_url_name("index"))).content.decode()
    assert page.index("Frozen food") < page.index("Seafood")
    assert "calc(1 * 1.5rem)" in page  # the child is indented under its parent


def test_manager_moves_a_category_but_not_below_itself(manager):
    frozen = category("Frozen food", slug="frozen-food")
    seafood = category("Seafood", slug="seafood", parent=frozen)
    dry = category("Dry goods", slug="dry-goods")
    edit_url = reverse(category_viewset.get_url_name("edit"), args=[frozen.pk])

    response = manager.post(edit_url, _category_data("Frozen food", "frozen-food", parent=seafood))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()

    response = manager.post(
        reverse(category_viewset.get_url_name("edit"), args=[seafood.pk]),
        _category_data("Seafood", "seafood", parent=dry),
    )
    assert response.status_code == 302
    assert Category.objects.get(pk=seafood.pk).get_parent() == dry


def test_a_category_with_products_is_not_deleted(manager, wings):
    frozen = wings.category

    response = manager.post(reverse(category_viewset.get_url_name("delete"), args=[frozen.pk]))

    assert response.status_code == 302
    assert Category.objects.filter(pk=frozen.pk).exists()


# --- Price lists ------------------------------------------------------------------------------


def _price_list_data(*, kind, company=None, tier=None, entries=(), currency="CNY"):
    data = {
        "name": "Spring prices",
        "kind": kind,
        "company": str(company.pk) if company else "",
        "price_tier": str(tier.pk) if tier else "",
        "currency": currency,
        "valid_from": "",
        "valid_until": "",
        "priority": "100",
        "active": "on",
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
    }
    for index, (product, quantity, price) in enumerate(entries):
        data |= {
            f"entries-{index}-id": "",
            f"entries-{index}-product": str(product.pk),
            f"entries-{index}-min_quantity": str(quantity),
            f"entries-{index}-unit_price": price,
        }
    return data


def test_a_price_list_whose_owner_does_not_match_its_kind_is_a_form_error(manager, company):
    tier = PriceTierFactory(code="A", name="Tier A")
    add_url = reverse(price_list_viewset.get_url_name("add"))

    response = manager.post(add_url, _price_list_data(kind="contract", tier=tier))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A contract price list belongs to one company: choose it." in page
    assert "A contract price list has no price tier: clear this field." in page

    response = manager.post(add_url, _price_list_data(kind="default", company=company))
    assert response.status_code == 200
    assert "The list price list applies to every company: clear this field." in response.content.decode()

    response = manager.post(add_url, _price_list_data(kind="tier"))
    assert response.status_code == 200
    assert "A tier price list belongs to one price tier: choose it." in response.content.decode()

    assert PriceList.objects.count() == 0


def test_a_contract_list_in_another_currency_than_the_company_pays_in_is_refused(manager, company):
    response = manager.post(
        reverse(price_list_viewset.get_url_name("add")),
        _price_list_data(kind="contract", company=company, currency="USD"),
    )

    assert response.status_code == 200
    assert "would never apply" in response.content.decode()
    assert PriceList.objects.count() == 0


def test_manager_saves_a_price_list_with_its_prices_inline(manager, company, wings, prawns):
    response = manager.post(
        reverse(price_list_viewset.get_url_name("add")),
        _price_list_data(
            kind="contract",
            company=company,
            entries=[(wings, 1, "88.00"), (wings, 10, "80.50"), (prawns, 1, "120.00")],
        ),
    )

    assert response.status_code == 302
    price_list = PriceList.objects.get()
    assert (price_list.kind, price_list.company) == ("contract", company)
    assert list(price_list.entries.values_list("product__sku", "min_quantity", "unit_price")) == [
        ("FZ-1001", 1, Decimal("88.00")),
        ("FZ-1001", 10, Decimal("80.50")),
        ("FZ-1002", 1, Decimal("120.00")),
    ]


def test_two_prices_for_the_same_break_are_a_form_error_not_a_500(manager, wings):
    response = manager.post(
        reverse(price_list_viewset.get_url_name("add")),
        _price_list_data(kind="default", entries=[(wings, 5, "10.00"), (wings, 5, "9.00")]),
    )

    assert response.status_code == 200
    assert "FZ-1001 already has a price from 5 in this list." in response.content.decode()
    assert PriceList.objects.count() == 0


def test_a_small_list_edits_its_prices_inline_and_a_big_one_pages_them(manager, wings):
    small = PriceListEntryFactory(product=wings).price_list
    small_page = manager.get(reverse(price_list_viewset.get_url_name("edit"), args=[small.pk])).content.decode()
    assert 'name="entries-TOTAL_FORMS"' in small_page
    assert "too long to edit its prices on this page" not in small_page

    big = PriceListFactory()
    products = ProductFactory.create_batch(INLINE_PRICE_LIMIT + 1)
    PriceListEntry.objects.bulk_create(
        PriceListEntry(price_list=big, product=product, unit_price=Decimal("5.00")) for product in products
    )
    response = manager.get(reverse(price_list_viewset.get_url_name("edit"), args=[big.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="entries-TOTAL_FORMS"' not in page
    assert "too long to edit its prices on this page" in page
    assert f"{INLINE_PRICE_LIMIT + 1} prices" in page
    assert "Page 1 of 5" in page
    assert products[0].sku in page

    # The way to change them: download, edit, import (catalog.import_admin).
    assert reverse("catalog_import:export_price_list", args=[big.pk, "csv"]) in page
    assert reverse("catalog_import:price_list", kwargs={"price_list": big.pk}) in page

    # Saving the details of a big list keeps every price.
    data = _price_list_data(kind="default")
    response = manager.post(reverse(price_list_viewset.get_url_name("edit"), args=[big.pk]), data)
    assert response.status_code == 302
    assert big.entries.count() == INLINE_PRICE_LIMIT + 1


def test_a_big_lists_prices_are_found_by_sku(manager):
    big = PriceListFactory()
    products = ProductFactory.create_batch(INLINE_PRICE_LIMIT + 1)
    PriceListEntry.objects.bulk_create(
        PriceListEntry(price_list=big, product=product, unit_price=Decimal("5.00")) for product in products
    )
    wanted = products[-1]

    url = reverse(price_list_viewset.get_url_name("edit"), args=[big.pk]) + f"?entries={wanted.sku}"
    page = manager.get(url).content.decode()

    assert f"<td>{wanted.sku}</td>" in page
    assert f"<td>{products[0].sku}</td>" not in page


def test_editing_a_price_list_inline_takes_the_same_queries_for_5_or_50_prices(manager):
    def edit_page_queries(entries):
        price_list = PriceListFactory()
        PriceListEntry.objects.bulk_create(
            PriceListEntry(price_list=price_list, product=product, unit_price=Decimal("1.00"))
            for product in ProductFactory.create_batch(entries)
        )
        url = reverse(price_list_viewset.get_url_name("edit"), args=[price_list.pk])
        manager.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(url).status_code == 200
        return len(queries)

    assert edit_page_queries(5) == edit_page_queries(50)


def test_finance_sees_a_price_list_without_editing_it(staff_finance, wings):
    entry = PriceListEntryFactory(product=wings, unit_price=Decimal("12.34"))
    finance = signed_in(staff_finance)

    page = finance.get(reverse(price_list_viewset.get_url_name("inspect"), args=[entry.price_list_id])).content.decode()
    assert "FZ-1001" in page and "12.34" in page
    assert reverse("catalog_import:export_price_list", args=[entry.price_list_id, "csv"]) in page
    assert reverse("catalog_import:price_list", kwargs={"price_list": entry.price_list_id}) not in page

    response = finance.get(reverse(price_list_viewset.get_url_name("edit"), args=[entry.price_list_id]))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


# --- Products and assortments ---------------------------------------------------------------


def test_manager_creates_a_product_and_its_order_rule_is_checked(manager):
    frozen = category("Frozen")
    data = {
        "sku": "FZ-3001",
        "name_en": "Duck legs",
        "name_zh": "鸭腿",
        "category": str(frozen.pk),
        "description": "",
        "active": "on",
        "sales_unit": "case",
        "units_per_case": "6",
        "unit_description": "6 × 1 kg",
        "min_order_quantity": "3",
        "order_multiple": "2",
        "tax_rate": "13.00",
        "temperature_zone": "frozen",
        "shelf_life_days": "365",
        "lot_tracked": "on",
    }
    add_url = reverse(product_viewset.get_url_name("add"))

    response = manager.post(add_url, data)
    assert response.status_code == 200
    assert "The minimum order (3) must be a multiple of the order multiple (2)." in response.content.decode()

    data["min_order_quantity"] = "4"
    assert manager.post(add_url, data).status_code == 302
    product = frozen.products.get(sku="FZ-3001")
    assert product.name_zh == "鸭腿" and product.search_text  # saved through Product.save


def test_products_filter_by_zone_and_export_as_csv(manager, wings):
    ProductFactory(sku="AM-1", temperature_zone=TemperatureZone.AMBIENT)
    index = reverse(product_viewset.get_url_name("index"))

    page = manager.get(index + "?temperature_zone=ambient").content.decode()
    assert "AM-1" in page and "FZ-1001" not in page

    seafood = category("Seafood", parent=wings.category)
    ProductFactory(sku="SF-1", category=seafood)
    ProductFactory(sku="DRY-1", category=category("Dry goods"))
    page = manager.get(index + f"?category={wings.category.pk}").content.decode()
    assert "FZ-1001" in page and "SF-1" in page and "DRY-1" not in page

    ProductFactory(sku="FZ-9", name_en="=HYPERLINK(1)")

    export = manager.get(index + "?export=csv")
    rows = _csv_rows(export)
    assert rows[0].startswith("SKU,Name (English),Name (Chinese),Category,Category slug")
    assert any(row.startswith("FZ-1001,Chicken wings,冷冻鸡翅中,Frozen,frozen,") for row in rows)
    assert any(row.startswith("FZ-9,'=HYPERLINK(1),") for row in rows)


def test_manager_builds_an_assortment_for_companies_and_a_tier(manager, company, wings, prawns):
    tier = PriceTierFactory(code="B", name="Tier B")

    response = manager.post(
        reverse(assortment_viewset.get_url_name("add")),
        {
            "name": "Hotel range",
            "products": [str(wings.pk), str(prawns.pk)],
            "companies": [str(company.pk)],
            "price_tiers": [str(tier.pk)],
        },
    )

    assert response.status_code == 302
    page = manager.get(reverse(assortment_viewset.get_url_name("index"))).content.decode()
    assert "Hotel range" in page and "Tier B" in page


# --- Who reaches what ---------------------------------------------------------------------------


def test_warehouse_has_a_stock_menu_and_a_sales_rep_only_its_read_part(warehouse, sales_rep):
    warehouse_home = warehouse.get(reverse("wagtailadmin_home")).content.decode()
    for label in ("Receive stock", "Adjust stock", "Write off stock", "Expiry warnings", "Stock by product"):
        assert label in warehouse_home
    assert "Price lists" not in warehouse_home

    rep_home = sales_rep.get(reverse("wagtailadmin_home")).content.decode()
    assert "Expiry warnings" in rep_home and "Price lists" in rep_home
    assert "Receive stock" not in rep_home


def test_a_sales_rep_cannot_receive_stock(sales_rep, wings, freezer_location):
    assert sales_rep.get(reverse("catalog_stock:receive")).url == reverse("wagtailadmin_home")

    response = sales_rep.post(reverse("catalog_stock:receive"), _receipt_data(_line(wings, freezer_location, "W-1")))

    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")
    assert Lot.objects.count() == 0
    assert StockMove.objects.count() == 0


def test_a_sales_rep_cannot_change_the_catalog(sales_rep, wings):
    response = sales_rep.get(reverse(product_viewset.get_url_name("edit"), args=[wings.pk]))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")

    page = sales_rep.get(reverse(product_viewset.get_url_name("inspect"), args=[wings.pk])).content.decode()
    assert "Chicken wings" in page


def _catalog_admin_urls(objects):
    """Every URL of the catalog's back office, with an existing object's id where one is needed."""
    urls = []
    for viewset, instance in [
        (product_viewset, objects["product"]),
        (category_viewset, objects["category"]),
        (assortment_viewset, objects["assortment"]),
        (price_list_viewset, objects["price_list"]),
        (warehouse_viewset, objects["location"].warehouse),
        (location_viewset, objects["location"]),
        (product_chooser_viewset, objects["product"]),
    ]:
        for pattern in viewset.get_urlpatterns():
            kwargs = {"pk": instance.pk} if "<" in str(pattern.pattern) else {}
            urls.append(reverse(viewset.get_url_name(pattern.name), kwargs=kwargs))
    for pattern in stock_urlpatterns:
        kwargs = {"pk": objects["product"].pk} if "<" in str(pattern.pattern) else {}
        urls.append(reverse(f"catalog_stock:{pattern.name}", kwargs=kwargs))
    return urls


def test_a_buyer_reaches_no_catalog_admin_url(client, buyer, wings, freezer_location):
    objects = {
        "product": wings,
        "category": wings.category,
        "assortment": Assortment.objects.create(name="Hotel range"),
        "price_list": PriceListFactory(),
        "location": freezer_location,
    }
    client.force_login(buyer)
    urls = _catalog_admin_urls(objects)
    assert len(urls) > 40

    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login")), url
    assert Lot.objects.count() == 0
    assert Location.objects.count() == 1
