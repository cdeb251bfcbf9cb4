"""The catalog's cached reads never show what has changed: each change made through the product
(back office, imports, stock services, ordering) reaches the next page at once.

Every test looks at a page first, so that what it shows is cached, then changes something the
way the product does, then looks again.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Notification, NotificationKind
from catalog import selectors
from catalog.imports import PRICES, PRODUCTS, ImportOptions, commit_import
from catalog.models import Assortment, PriceList, PriceListEntry, TemperatureZone
from catalog.pricing import cached_price_book
from catalog.services import Receipt, receive_stock, write_off_stock
from kit.spreadsheets import read_table
from tests.factories import (
    LocationFactory,
    LotFactory,
    PriceListEntryFactory,
    PriceListFactory,
    ProductFactory,
    category,
)

LIST = "catalog:product_list"


@pytest.fixture
def list_prices(db):
    return PriceListFactory(kind=PriceList.Kind.DEFAULT, name="List prices")


@pytest.fixture
def wings(list_prices):
    product = ProductFactory(
        sku="FZ-1001",
        name_en="Chicken wings",
        name_zh="鸡翅",
        category=category("Frozen"),
        temperature_zone=TemperatureZone.FROZEN,
    )
    PriceListEntryFactory(price_list=list_prices, product=product, unit_price=Decimal("50.00"))
    LotFactory(product=product, on_hand=100, expiry_date=timezone.localdate() + timedelta(days=300))
    return product


def _page(client, **params) -> str:
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return response.content.decode()


def _card(client, sku) -> str:
    html = _page(client)
    start = html.index(f'data-sku="{sku}"')
    return html[start : html.index("</article>", start)]


def _csv_upload(name, rows) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode())


def test_a_product_saved_in_the_back_office_shows_at_once(client, buyer, wings):
    client.force_login(buyer)
    assert "Chicken wings" in _card(client, "FZ-1001")

    wings.name_en = "Chicken wings, mid joint"
    wings.save()

    assert "Chicken wings, mid joint" in _card(client, "FZ-1001")


def test_products_imported_in_bulk_show_at_once(client, buyer, wings):
    client.force_login(buyer)
    assert "Chicken wings" in _card(client, "FZ-1001")

    upload = _csv_upload(
        "products.csv",
        [
            ["sku", "name_en", "name_zh", "category", "temperature_zone"],
            ["FZ-1001", "Wings, imported name", "鸡翅", wings.category.slug, "frozen"],
        ],
    )
    commit_import(kind=PRODUCTS, table=read_table(upload=upload, layout=PRODUCTS), options=ImportOptions(), user=None)

    assert "Wings, imported name" in _card(client, "FZ-1001")


def test_a_price_list_saved_with_its_entries_shows_at_once(client, buyer, wings, list_prices):
    client.force_login(buyer)
    assert "¥50.00" in _card(client, "FZ-1001")

    entry = list_prices.entries.get()
    entry.unit_price = Decimal("45.00")
    entry.save()
    list_prices.save()  # the back office saves a list and its entries together

    assert "¥45.00" in _card(client, "FZ-1001")


def test_an_entry_changed_through_the_orm_alone_shows_at_once_on_the_page_and_in_the_cart(client, buyer, wings):
    client.force_login(buyer)
    detail = reverse("catalog:product_detail", args=[wings.sku])
    assert "¥50.00" in client.get(detail).content.decode()

    entry = PriceListEntry.objects.get(product=wings)
    entry.unit_price = Decimal("42.00")
    entry.save()  # no list save: any path that writes an entry moves the catalog version

    assert "¥42.00" in client.get(detail).content.decode()
    client.post(reverse("ordering:cart_add"), {"product_id": wings.pk, "quantity": 1})
    assert buyer.carts.get().lines.get().unit_price_when_added == Decimal("42.00")

    entry.delete()

    assert "¥42.00" not in client.get(detail).content.decode()


def test_imported_prices_show_at_once(client, buyer, wings, list_prices):
    client.force_login(buyer)
    assert "¥50.00" in _card(client, "FZ-1001")

    upload = _csv_upload("prices.csv", [["sku", "min_quantity", "unit_price"], ["FZ-1001", "1", "44.00"]])
    options = ImportOptions(price_list_id=list_prices.pk)
    commit_import(kind=PRICES, table=read_table(upload=upload, layout=PRICES), options=options, user=None)

    assert "¥44.00" in _card(client, "FZ-1001")


def test_a_new_contract_list_shows_at_once_and_only_to_its_company(client, buyer, outsider, company, wings):
    client.force_login(buyer)
    assert "¥50.00" in _card(client, "FZ-1001")
    client.force_login(outsider)
    assert "¥50.00" in _card(client, "FZ-1001")

    contract = PriceListFactory(kind=PriceList.Kind.CONTRACT, company=company, name="Acme contract")
    PriceListEntryFactory(price_list=contract, product=wings, unit_price=Decimal("41.00"))
    contract.save()

    client.force_login(buyer)
    assert "¥41.00" in _card(client, "FZ-1001")
    client.force_login(outsider)
    outsider_card = _card(client, "FZ-1001")
    assert "¥50.00" in outsider_card and "41.00" not in outsider_card


def test_an_assortment_change_shows_at_once(client, buyer, company, wings):
    other = ProductFactory(sku="FZ-2002", category=wings.category)
    client.force_login(buyer)
    assert 'data-sku="FZ-2002"' in _page(client)

    range_ = Assortment.objects.create(name="Acme range")
    range_.companies.add(company)
    range_.products.add(wings)

    html = _page(client)
    assert 'data-sku="FZ-1001"' in html and 'data-sku="FZ-2002"' not in html

    range_.products.add(other)
    assert 'data-sku="FZ-2002"' in _page(client)


def test_stock_received_or_written_off_shows_at_once(client, buyer, wings, staff_warehouse):
    client.force_login(buyer)
    assert "In stock" in _card(client, "FZ-1001")

    lot = wings.lots.get()
    location = LocationFactory(zone=TemperatureZone.FROZEN)
    receive_stock(
        receipts=[
            Receipt(product=wings, lot_number=lot.number, expiry_date=lot.expiry_date, quantity=10, location=location)
        ],
        user=staff_warehouse,
    )
    write_off_stock(lot=lot, location=location, quantity=10, reason="Damaged", user=staff_warehouse)
    assert "In stock" in _card(client, "FZ-1001")

    lot.refresh_from_db()
    lot.on_hand, lot.allocated = 0, 0  # counted again: nothing left
    lot.save()
    assert "Out of stock" in _card(client, "FZ-1001")


def test_a_person_removed_from_a_company_loses_it_at_once(client, buyer, company, wings):
    client.force_login(buyer)
    assert 'data-sku="FZ-1001"' in _page(client)

    Membership.objects.filter(user=buyer, company=company).delete()

    response = client.get(reverse(LIST))
    assert response.status_code == 302
    assert response.url == reverse("portal:no_company")


def test_a_suspended_company_is_told_at_once(client, buyer, company, wings):
    client.force_login(buyer)
    assert "account is suspended" not in _page(client)

    company.status = company.Status.SUSPENDED
    company.save()

    assert "account is suspended" in _page(client)


def test_the_bell_counts_new_and_read_notifications_at_once(client, buyer, wings):
    client.force_login(buyer)
    assert 'data-testid="unread-count"' not in _page(client)

    notification = Notification.objects.create(
        user=buyer, kind=NotificationKind.ORDER_PLACED, params={"number": "SO-1"}, url=reverse(LIST)
    )
    assert 'data-testid="unread-count" aria-hidden="true">1<' in _page(client)

    client.get(reverse("accounts:notification_open", args=[notification.pk]))
    assert 'data-testid="unread-count"' not in _page(client)


def test_another_process_reads_products_and_prices_from_the_shared_cache_and_sees_a_change(
    company, wings, list_prices, django_assert_num_queries
):
    """A process keeps its own copies and the shared cache holds one for every process: a
    second process reads the product and the company's prices without a query, and a price
    changed since is not served from either."""

    def in_another_process():  # its own copies are empty; the shared cache is the same
        caches["local"].clear()
        selectors._products_in_process.clear()

    assert selectors.products_by_id([wings.pk])[0].sku == "FZ-1001"
    assert cached_price_book(company=company, product_ids=[wings.pk]).price(wings.pk, 1).unit_price == Decimal("50.00")

    in_another_process()
    with django_assert_num_queries(0):
        [product] = selectors.products_by_id([wings.pk])
        book = cached_price_book(company=company, product_ids=[wings.pk])
    assert (product.sku, product.category.name_en) == ("FZ-1001", "Frozen")
    assert book.price(wings.pk, 1).unit_price == Decimal("50.00")

    list_prices.entries.filter(product=wings).update(unit_price=Decimal("45.00"))
    list_prices.save()  # as the back office saves a list with its entries
    in_another_process()
    assert cached_price_book(company=company, product_ids=[wings.pk]).price(wings.pk, 1).unit_price == Decimal("45.00")
