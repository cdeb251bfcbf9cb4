"""Fulfilment's PDFs: the delivery note (rendered once, stored, in the customer's language), the
pick list, and the one renderer every PDF goes through (kit.pdf), which fetches nothing but the
project's own static files.

Shipments are made directly from rows here (the ship service is not this file's subject); PDFs
are read back with poppler's `pdftotext`."""

import subprocess
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Membership
from catalog.models import TemperatureZone
from kit import pdf as kit_pdf
from kit.pdf import StaticOnlyFetcher, render_pdf, static_name
from ordering.fulfilment import documents
from ordering.fulfilment.documents import pick_list_pdf, render_delivery_note, store_delivery_note
from ordering.fulfilment.models import PickLine, PickList, Shipment, ShipmentLine
from ordering.models import Order, OrderLine, OrderState
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    LocationFactory,
    LotFactory,
    MembershipFactory,
    ProductFactory,
    StaffFactory,
    WarehouseFactory,
    with_second_factor,
)

STATIC_CSS = "https://pdf.invalid/static/css/pdf.css"


def pdf_text(content: bytes) -> str:
    """The PDF's text as poppler extracts it (layout kept, so a table row stays on one line)."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def pdf_pages(content: bytes) -> int:
    result = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True, timeout=60)
    line = next(line for line in result.stdout.decode().splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def make_order(
    company, placed_by, *, products, number="SO-2026-000101", ship_to_text="Acme Kitchen\n88 Century Avenue\nShanghai"
):
    """An order with one line of 3 per product, fully allocated, made from rows."""
    order = Order.objects.create(
        company=company,
        number=number,
        state=OrderState.SHIPPED,
        placed_by=placed_by,
        po_number="PO-7781",
        ship_to_text=ship_to_text,
        requested_delivery_date=date(2026, 12, 9),
        currency=company.currency,
        subtotal=Decimal("0.00"),
        tax_total=Decimal("0.00"),
        total=Decimal("0.00"),
    )
    for product in products:
        OrderLine.objects.create(
            order=order,
            product=product,
            sku=product.sku,
            name_en=product.name_en,
            name_zh=product.name_zh,
            sales_unit=product.sales_unit,
            quantity=3,
            allocated_quantity=3,
            unit_price=Decimal("10.00"),
            price_source="default",
            tax_rate=Decimal("0.00"),
            line_total=Decimal("30.00"),
            tax_amount=Decimal("0.00"),
        )
    return order


def make_shipment(order, *, number=None, carrier="Truck 沪A·12345", temperature="-19.5", weights=True):
    shipment = Shipment.objects.create(
        number=number or f"SH-{order.number}",
        order=order,
        carrier=carrier,
        dispatch_temperature=Decimal(temperature) if temperature else None,
        shipped_by=StaffFactory(),
    )
    for line in order.lines.select_related("product"):
        ShipmentLine.objects.create(
            shipment=shipment,
            order_line=line,
            lot=LotFactory(product=line.product, number=f"LOT-{line.sku}", expiry_date=date(2027, 3, 31)),
            quantity=line.quantity,
            weight_kg=Decimal("12.345") if weights else None,
        )
    return shipment


@pytest.fixture
def customer(company):
    company.legal_name = "Acme Catering Co., Ltd."
    company.save(update_fields=["legal_name"])
    return company


@pytest.fixture
def shipment(customer, buyer):
    product = ProductFactory(sku="FZ-WING-1", name_en="Chicken wings 1 kg", name_zh="冷冻鸡翅中 1公斤")
    return make_shipment(make_order(customer, buyer, products=[product]))


# --- The delivery note's content ----------------------------------------------------------------


def test_the_delivery_note_lists_lines_lots_dates_zones_weights_and_both_parties(shipment):
    text = pdf_text(documents.delivery_note_pdf(shipment))

    assert "Delivery note" in text
    for expected in (
        shipment.number,
        "SO-2026-000101",
        "PO-7781",
        "FZ-WING-1",
        "Chicken wings 1 kg",
        "LOT-FZ-WING-1",
        "31 Mar 2027",  # expiry, in the English date format
        "Frozen",
        "3 cases",
        "12.345",
        "Truck 沪A·12345",
        "-19.5 °C",
        "9 Dec 2026",  # requested delivery
        settings.TRADECOUNTER_DISTRIBUTOR_NAME,
        settings.TRADECOUNTER_DISTRIBUTOR_ADDRESS[0],
        "Acme Catering Co., Ltd.",
        "88 Century Avenue",
    ):
        assert expected in text, f"{expected!r} missing from the delivery note"
    assert "冷冻鸡翅中" not in text  # an English reader gets the English name


def test_the_delivery_note_is_in_the_language_of_the_person_who_placed_the_order(shipment, buyer):
    buyer.language = "zh-hans"
    buyer.save(update_fields=["language"])

    text = pdf_text(documents.delivery_note_pdf(Shipment.objects.get(pk=shipment.pk)))

    assert "送货单" in text
    assert "冷冻鸡翅中 1公斤" in text
    assert "2027年3月31日" in text
    assert "批次" in text  # the lot column
    assert "Delivery note" not in text


# --- Nothing is fetched but the project's static files ------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a URL or a socket fails the test loudly (and is recorded)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"a PDF tried to reach out: {args!r}")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    monkeypatch.setattr("socket.socket.connect", refuse)
    return attempts


def test_hostile_html_fetches_nothing_and_still_renders(no_network):
    fetcher = StaticOnlyFetcher()
    html = (
        '<html><head><link rel="stylesheet" href="/static/css/pdf.css">'
        "<style>@import url(http://evil.example/x.css); @import url(file:///etc/passwd);</style></head>"
        '<body><h1>Still here</h1><img src="file:///etc/passwd"><img src="http://evil.example/pixel.png">'
        '<img src="https://127.0.0.1/redirect"><img src="/static/../../../etc/passwd">'
        '<img src="data:image/svg+xml,<svg xmlns=%22http://www.w3.org/2000/svg%22/>"></body></html>'
    )

    content = render_pdf(html, fetcher=fetcher)

    assert content.startswith(b"%PDF")
    assert "Still here" in pdf_text(content)
    assert fetcher.asked[0] == STATIC_CSS
    assert STATIC_CSS not in fetcher.refused
    assert set(fetcher.refused) >= {
        "http://evil.example/x.css",
        "file:///etc/passwd",
        "http://evil.example/pixel.png",
        "https://127.0.0.1/redirect",
    }
    assert any(url.startswith("data:") for url in fetcher.refused)
    assert any(url.endswith("/etc/passwd") and url.startswith("https://pdf.invalid") for url in fetcher.refused)
    assert len(fetcher.asked) == len(fetcher.refused) + 1  # the stylesheet alone was served
    assert no_network == []


def test_a_delivery_note_whose_data_holds_markup_prints_it_as_text_and_fetches_only_its_stylesheet(
    customer, buyer, no_network
):
    product = ProductFactory(sku="FZ-EVIL", name_en='<img src="file:///etc/passwd"> wings')
    order = make_order(
        customer,
        buyer,
        products=[product],
        ship_to_text='<img src="http://evil.example/track.png">\n<style>@import url(http://evil.example/x.css);</style>',
    )
    shipment = make_shipment(order, carrier='<link rel="stylesheet" href="http://evil.example/a.css">')
    fetcher = StaticOnlyFetcher()

    text = pdf_text(documents.delivery_note_pdf(shipment, fetcher=fetcher))

    assert fetcher.asked == [STATIC_CSS]
    assert fetcher.refused == []
    assert '<img src="file:///etc/passwd"> wings' in text
    assert "root:" not in text
    assert no_network == []


def test_the_fetcher_serves_static_files_and_refuses_the_rest():
    served = StaticOnlyFetcher().fetch(STATIC_CSS)
    assert served.read() == (Path(settings.BASE_DIR) / "static/css/pdf.css").read_bytes()
    assert served.content_type == "text/css"

    for url in (
        "file:///etc/passwd",
        "http://pdf.invalid/static/css/pdf.css",  # another scheme
        "https://pdf.invalid.evil.example/static/css/pdf.css",
        "https://pdf.invalid/static/%2e%2e/portal/settings/base.py",
        "https://pdf.invalid/static//etc/passwd",
        "https://pdf.invalid/static/css/missing.css",
        "https://pdf.invalid/media/delivery-notes/x.pdf",
        "data:text/css,body{}",
    ):
        fetcher = StaticOnlyFetcher()
        with pytest.raises(kit_pdf.RefusedURL):
            fetcher.fetch(url)
        assert fetcher.refused == [url]
    assert static_name("https://pdf.invalid/static/css/pdf.css") == "css/pdf.css"


# --- Rendered once, stored ------------------------------------------------------------------------


@pytest.fixture
def render_count(monkeypatch):
    calls = []
    real = documents.delivery_note_pdf

    def counting(shipment, **kwargs):
        calls.append(shipment.pk)
        return real(shipment, **kwargs)

    monkeypatch.setattr(documents, "delivery_note_pdf", counting)
    return calls


def test_the_delivery_note_is_rendered_once_and_stored(shipment, render_count):
    first = store_delivery_note(shipment)
    stored_name = Shipment.objects.get(pk=shipment.pk).delivery_note.name
    assert stored_name == first.name
    assert stored_name.startswith("delivery-notes/") and stored_name.endswith(".pdf")
    with first.open("rb") as file:
        assert "Delivery note" in pdf_text(file.read())

    again = store_delivery_note(Shipment.objects.get(pk=shipment.pk))

    assert again.name == stored_name
    assert render_count == [shipment.pk]


def test_a_render_that_loses_the_race_keeps_the_first_note(shipment, render_count):
    stale = Shipment.objects.get(pk=shipment.pk)  # read before the other render stored its note
    first = store_delivery_note(shipment)

    folder = first.name.rpartition("/")[0]
    files_before = first.storage.listdir(folder)[1]

    second = store_delivery_note(stale)

    assert second.name == first.name
    assert Shipment.objects.get(pk=shipment.pk).delivery_note.name == first.name
    assert len(render_count) == 2  # the loser rendered, but its file was not kept
    assert first.storage.listdir(folder)[1] == files_before  # the loser's file was deleted


def test_the_background_task_stores_the_note(shipment, render_count):
    render_delivery_note.enqueue(shipment.pk)  # the test backend runs it at once

    assert Shipment.objects.get(pk=shipment.pk).delivery_note.name.endswith(".pdf")
    assert render_count == [shipment.pk]


def test_a_forty_line_delivery_note_renders_in_a_fixed_number_of_queries(
    customer, buyer, django_assert_max_num_queries
):
    products = [ProductFactory(sku=f"FZ-{n:03d}", name_en=f"Frozen item {n}") for n in range(40)]
    shipment = make_shipment(make_order(customer, buyer, products=products))
    shipment = documents._shipment_for_note(shipment.pk)

    with django_assert_max_num_queries(1):  # the lines with their products and lots
        content = documents.delivery_note_pdf(shipment)

    text = pdf_text(content)
    assert all(f"FZ-{n:03d}" in text for n in range(40))
    assert "40 lines" in text
    assert pdf_pages(content) >= 2


# --- The customer's download --------------------------------------------------------------------


def test_a_member_downloads_the_stored_note(client, shipment, company_admin, render_count):
    client.force_login(company_admin)
    url = reverse("fulfilment:delivery_note", kwargs={"number": shipment.number})

    response = client.get(url)
    content = b"".join(response.streaming_content)
    again = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{shipment.number}.pdf"' in response["Content-Disposition"]
    assert "Delivery note" in pdf_text(content)
    assert b"".join(again.streaming_content) == content
    assert render_count == [shipment.pk]  # rendered at the first download, then served as stored


def test_another_companys_member_gets_404(client, shipment, outsider, render_count):
    client.force_login(outsider)

    response = client.get(reverse("fulfilment:delivery_note", kwargs={"number": shipment.number}))

    assert response.status_code == 404
    assert render_count == []


# --- The back office ----------------------------------------------------------------------------


def _staff_client(client, user):
    client.force_login(with_second_factor(user))
    return client


def test_the_warehouse_downloads_any_customers_note(client, shipment, staff_warehouse):
    response = _staff_client(client, staff_warehouse).get(
        reverse("fulfilment_documents:delivery_note", kwargs={"number": shipment.number})
    )

    assert response.status_code == 200
    assert "Delivery note" in pdf_text(b"".join(response.streaming_content))


def test_a_rep_downloads_their_customers_note_and_not_another_reps(client, shipment, staff_sales_rep):
    url = reverse("fulfilment_documents:delivery_note", kwargs={"number": shipment.number})
    staff_client = _staff_client(client, staff_sales_rep)

    assert staff_client.get(url).status_code == 404  # not their customer

    shipment.order.company.sales_rep = staff_sales_rep
    shipment.order.company.save(update_fields=["sales_rep"])
    assert staff_client.get(url).status_code == 200


def test_staff_without_the_permission_are_refused(client, shipment, staff_content_editor):
    response = _staff_client(client, staff_content_editor).get(
        reverse("fulfilment_documents:delivery_note", kwargs={"number": shipment.number})
    )

    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


# --- The pick list ------------------------------------------------------------------------------


@pytest.fixture
def pick_list(customer, buyer):
    """A wave of two orders of two companies, with a frozen, an ambient and a chilled pick."""
    warehouse = WarehouseFactory()
    frozen = ProductFactory(sku="FZ-PRAWN", name_en="King prawns", temperature_zone=TemperatureZone.FROZEN)
    ambient = ProductFactory(sku="AM-RICE", name_en="Jasmine rice", temperature_zone=TemperatureZone.AMBIENT)
    chilled = ProductFactory(sku="CH-MILK", name_en="Fresh milk", temperature_zone=TemperatureZone.CHILLED)
    first = make_order(customer, buyer, products=[frozen, ambient], number="SO-2026-000201")
    other = CompanyFactory(display_name="Bistro Two")
    AddressFactory(company=other, is_default=True)
    second = make_order(
        other,
        MembershipFactory(company=other, role=Membership.Role.BUYER).user,
        products=[chilled],
        number="SO-2026-000202",
    )
    pick_list = PickList.objects.create(number="PL-2026-0007", warehouse=warehouse, created_by=StaffFactory())
    pick_list.orders.add(first, second)
    locations = {
        TemperatureZone.FROZEN: LocationFactory(warehouse=warehouse, code="F-09", zone=TemperatureZone.FROZEN),
        TemperatureZone.AMBIENT: LocationFactory(warehouse=warehouse, code="A-01", zone=TemperatureZone.AMBIENT),
        TemperatureZone.CHILLED: LocationFactory(warehouse=warehouse, code="C-03", zone=TemperatureZone.CHILLED),
    }
    # Stored in an order that is not the walking order: the PDF sorts.
    for sequence, line in enumerate(OrderLine.objects.filter(order__in=[first, second]).order_by("-pk")):
        zone = line.product.temperature_zone
        PickLine.objects.create(
            pick_list=pick_list,
            order_line=line,
            allocation_id=0,
            lot=LotFactory(product=line.product, number=f"LOT-{line.sku}"),
            location=locations[zone],
            zone=zone,
            sequence=sequence,
            quantity=line.quantity,
        )
    return pick_list


def test_the_pick_list_is_grouped_by_zone_in_walking_order(pick_list, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the pick list with its warehouse; the lines with all they show
        content = pick_list_pdf(pick_list)

    text = pdf_text(content)

    positions = [text.index(marker) for marker in ("Ambient", "Chilled", "Frozen")]
    assert positions == sorted(positions)
    assert text.index("A-01") < text.index("C-03") < text.index("F-09")
    for expected in ("PL-2026-0007", "LOT-FZ-PRAWN", "LOT-AM-RICE", "LOT-CH-MILK", "SO-2026-000201", "Bistro Two"):
        assert expected in text
    rice_row = next(line for line in text.splitlines() if "AM-RICE" in line)
    assert "A-01" in rice_row and "LOT-AM-RICE" in rice_row


def test_the_warehouse_prints_a_pick_list_and_a_rep_cannot(client, pick_list, staff_warehouse, staff_sales_rep):
    url = reverse("fulfilment_documents:pick_list_pdf", kwargs={"number": pick_list.number})

    response = _staff_client(client, staff_warehouse).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "PL-2026-0007" in pdf_text(response.content)

    refused = _staff_client(client, staff_sales_rep).get(url)
    assert refused.status_code == 302
    assert refused.url == reverse("wagtailadmin_home")
