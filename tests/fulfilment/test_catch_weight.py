"""Catch weight (issue 12, item 3): ordered per case, charged per kg. The buyer sees an estimate
(catalog page, cart, checkout), the order line keeps the weights it was priced with, the picker
must weigh, a weight far from nominal is flagged, and the order page shows the actual weight and
amount against the estimate."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import catch_weight
from catalog.imports import PRODUCTS, ImportOptions, check_import, commit_import
from catalog.imports.exports import product_export
from catalog.models import Product
from kit.spreadsheets import read_table
from ordering import services
from ordering.fulfilment import shipping
from ordering.fulfilment.models import PickLine
from ordering.fulfilment.picking import PickingError, confirm_pick, create_pick_list, start_picking
from ordering.models import OrderState
from tests.factories import ProductFactory, with_second_factor

ZH = "zh-hans"


@pytest.fixture
def salmon(make_product):
    """Salmon sides by the case: ¥48.00 per kg, a case weighs about 10 kg, tolerance 10%."""
    return make_product(
        price="48.00",
        tax_rate="13.00",
        sku="SF-2001",
        name_en="Salmon sides",
        catch_weight=True,
        nominal_weight_kg=Decimal("10.000"),
        weight_tolerance_percent=Decimal("10.00"),
    )


def _client(user, language="en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


# --- Arithmetic --------------------------------------------------------------------------------


def test_the_arithmetic_is_decimal_to_the_gram_and_half_up_to_the_cent():
    assert catch_weight.kilograms(Decimal("1.0005")) == Decimal("1.001")  # half-up, not half-even
    assert catch_weight.estimated_weight_kg(nominal_weight_kg=Decimal("2.345"), quantity=3) == Decimal("7.035")
    # 7.035 kg × 33.33 = 234.47655
    assert catch_weight.estimated_amount(
        nominal_weight_kg=Decimal("2.345"), quantity=3, price_per_kg=Decimal("33.33")
    ) == Decimal("234.48")
    # Exactly half a cent rounds up.
    assert catch_weight.weighed_amount(weight_kg=Decimal("0.250"), price_per_kg=Decimal("0.02")) == Decimal("0.01")
    assert catch_weight.weighed_amount(weight_kg=Decimal("20.5"), price_per_kg=Decimal("48.00")) == Decimal("984.00")
    assert catch_weight.format_kg(Decimal("10")) == "10.0"
    assert catch_weight.format_kg(Decimal("10.250")) == "10.25"
    assert catch_weight.format_kg(Decimal("2.125")) == "2.125"
    # Tolerance: 10% of 20 kg is 2 kg either way; the limit itself is inside.
    assert not catch_weight.out_of_tolerance(
        weight_kg=Decimal("22.000"), expected_kg=Decimal("20.000"), tolerance_percent=Decimal("10")
    )
    assert catch_weight.out_of_tolerance(
        weight_kg=Decimal("22.001"), expected_kg=Decimal("20.000"), tolerance_percent=Decimal("10")
    )
    assert catch_weight.out_of_tolerance(
        weight_kg=Decimal("17.999"), expected_kg=Decimal("20.000"), tolerance_percent=Decimal("10")
    )


def test_a_product_charged_by_weight_needs_a_nominal_weight(db):
    product = ProductFactory.build(catch_weight=True, nominal_weight_kg=None, category=ProductFactory().category)
    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    assert "nominal_weight_kg" in refused.value.message_dict


# --- What the buyer sees before ordering ---------------------------------------------------------


def test_the_product_page_and_card_show_the_price_per_kg_and_the_estimate_in_both_languages(salmon, buyer):
    english = _client(buyer)
    page = english.get(reverse("catalog:product_detail", args=[salmon.sku])).content.decode()
    assert "per kg" in page
    assert "1 case: about 10.0 kg, about ¥480.00" in page
    assert "the invoice uses the actual weight" in page
    card = english.get(reverse("catalog:product_list")).content.decode()
    assert "about 10.0 kg, about ¥480.00" in card

    chinese = _client(buyer, ZH)
    page = chinese.get(reverse("catalog:product_detail", args=[salmon.sku])).content.decode()
    assert "每千克" in page
    assert "约 10.0 千克，约 ¥480.00" in page
    assert "约 10.0 千克，约 ¥480.00" in chinese.get(reverse("catalog:product_list")).content.decode()


def test_the_cart_and_checkout_quote_the_estimate(salmon, buyer, company, ship_to):
    cart = services.cart_for(user=buyer, company=company)
    services.add_to_cart(cart=cart, product=salmon, quantity=2)

    quote = services.quote_cart(cart=cart)
    line = quote.lines[0]
    assert line.estimated_weight_kg == Decimal("20.000")
    assert line.line_total == Decimal("960.00")  # 2 × 10 kg × ¥48.00, not 2 × ¥48.00
    assert line.tax_amount == Decimal("124.80")
    assert quote.total == Decimal("1084.80")
    assert quote.credit.this_order == Decimal("1084.80")  # credit and approval see the estimate

    english = _client(buyer)
    for url in (reverse("ordering:cart"), reverse("ordering:checkout")):
        html = english.get(url).content.decode()
        assert "¥48.00 per kg" in html
        assert "about 20.0 kg, about ¥960.00" in html
        assert "the invoice uses the weight we pick" in html
        assert "Includes goods charged by weight: an estimate until we weigh them" in html
    chinese = _client(buyer, ZH)
    for url in (reverse("ordering:cart"), reverse("ordering:checkout")):
        html = chinese.get(url).content.decode()
        assert "每千克 ¥48.00" in html
        assert "约 20.0 千克，约 ¥960.00" in html


def test_estimates_cost_no_query_per_product(make_product, buyer, company):
    """The catalog and the cart run as many queries for three products charged by weight as for one."""
    client = _client(buyer)
    cart = services.cart_for(user=buyer, company=company)

    def product(n):
        return make_product(price="48.00", catch_weight=True, nominal_weight_kg=Decimal("1.250"), sku=f"SF-40{n}")

    def count(url):
        client.get(url)  # warm: the caches follow the catalog's version, which new products move
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.add_to_cart(cart=cart, product=product(1), quantity=1)
    one = (count(reverse("catalog:product_list")), count(reverse("ordering:cart")))
    for n in (2, 3):
        services.add_to_cart(cart=cart, product=product(n), quantity=2)
    three = (count(reverse("catalog:product_list")), count(reverse("ordering:cart")))
    assert three == one
    assert client.get(reverse("ordering:cart")).content.decode().count('data-testid="catch-estimate"') == 3


def test_the_order_line_keeps_the_weights_it_was_priced_with(salmon, place_order):
    order = place_order(product=salmon, quantity=3)
    line = order.lines.get()
    assert (line.catch_weight, line.nominal_weight_kg, line.weight_tolerance_percent) == (
        True,
        Decimal("10.000"),
        Decimal("10.00"),
    )
    assert line.unit_price == Decimal("48.00")  # the price per kg
    assert line.line_total == Decimal("1440.00")
    assert order.subtotal == Decimal("1440.00")

    salmon.nominal_weight_kg = Decimal("12.000")
    salmon.save()
    line.refresh_from_db()
    assert line.estimated_weight_kg == Decimal("30.000")


def test_a_product_sold_by_the_unit_is_unchanged(make_product, place_order):
    order = place_order(product=make_product(price="48.00", tax_rate="0"), quantity=3)
    line = order.lines.get()
    assert (line.catch_weight, line.nominal_weight_kg, line.line_total) == (False, None, Decimal("144.00"))


# --- Picking and shipping -------------------------------------------------------------------------


@pytest.fixture
def salmon_pick(salmon, place_order, freezer_location, staff_warehouse):
    order = place_order(product=salmon, quantity=2, state=OrderState.APPROVED)
    pick_list = create_pick_list(orders=[order], warehouse=freezer_location.warehouse, user=staff_warehouse)
    start_picking(pick_list=pick_list, user=staff_warehouse)
    return PickLine.objects.select_related("order_line").get(pick_list=pick_list)


def test_a_pick_charged_by_weight_is_refused_without_a_weight(salmon_pick, staff_warehouse):
    with pytest.raises(PickingError) as refused:
        confirm_pick(pick_line=salmon_pick, lot_number="L1", quantity=2, user=staff_warehouse)
    assert str(refused.value) == (
        "SF-2001 is charged by weight: weigh the 2 picked and enter the weight in kg (about 20.0 kg)."
    )
    salmon_pick.refresh_from_db()
    assert not salmon_pick.confirmed

    picked = confirm_pick(
        pick_line=salmon_pick, lot_number="L1", quantity=2, user=staff_warehouse, weight_kg=Decimal("21.400")
    )
    assert picked.actual_weight_kg == Decimal("21.400")
    assert not picked.weight_flagged


def test_a_weight_outside_the_tolerance_is_accepted_and_flagged(salmon_pick, staff_warehouse):
    client = Client()
    client.force_login(with_second_factor(staff_warehouse))
    prefix = f"pick-{salmon_pick.pk}"
    url = reverse("fulfilment_admin:confirm_pick", args=[salmon_pick.pick_list_id, salmon_pick.pk])

    without = client.post(url, {f"{prefix}-lot_number": "L1", f"{prefix}-quantity": "2"})
    assert without.status_code == 400
    assert "SF-2001 is charged by weight" in without.content.decode()

    response = client.post(
        url, {f"{prefix}-lot_number": "L1", f"{prefix}-quantity": "2", f"{prefix}-weight_kg": "23.5"}, follow=True
    )
    html = response.content.decode()
    assert "The weight of SF-2001 is outside its tolerance: it is flagged." in html
    assert "data-weight-flagged" in html
    assert "Weight outside tolerance: expected about 20.0 kg (± 10%)" in html
    picked = PickLine.objects.select_related("order_line").get(pk=salmon_pick.pk)
    assert picked.actual_weight_kg == Decimal("23.500")
    assert picked.weight_flagged

    shipment = shipping.ship(
        order=picked.order_line.order, carrier="Van 3", dispatch_temperature=Decimal("-20.0"), user=staff_warehouse
    )
    line = shipment.lines.select_related("order_line").get()
    assert line.weight_kg == Decimal("23.500")
    assert line.weight_flagged
    delivery = client.get(reverse("fulfilment_shipping:confirm_delivery", args=[shipment.pk]))
    assert "Weight outside tolerance (expected about 20.0 kg)" in delivery.content.decode()


def test_the_order_page_shows_the_actual_weight_and_amount_against_the_estimate(salmon_pick, staff_warehouse, buyer):
    confirm_pick(pick_line=salmon_pick, lot_number="L1", quantity=2, user=staff_warehouse, weight_kg=Decimal("20.5"))
    order = salmon_pick.order_line.order
    shipping.ship(order=order, carrier="Van 3", dispatch_temperature=Decimal("-20.0"), user=staff_warehouse)

    english = _client(buyer).get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    assert "¥48.00 per kg" in english
    assert "about 20.0 kg, about ¥960.00" in english
    assert "Weighed 20.5 kg (estimate 20.0 kg): ¥984.00 (estimate ¥960.00), the amount your invoice uses" in english
    chinese = _client(buyer, ZH).get(reverse("ordering:order_detail", args=[order.number])).content.decode()
    assert "实称 20.5 千克（预估 20.0 千克）：¥984.00（预估 ¥960.00），账单以此金额为准" in chinese


# --- Imports -------------------------------------------------------------------------------------


def _table(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    upload = SimpleUploadedFile("products.csv", buffer.getvalue().encode())
    return read_table(upload=upload, layout=PRODUCTS)


def test_the_product_import_reads_the_catch_weight_columns(db):
    category = ProductFactory().category.slug
    heading = ["sku", "name_en", "category", "catch_weight", "nominal_weight_kg", "weight_tolerance_percent"]

    refused = check_import(
        kind=PRODUCTS,
        table=_table(
            [heading, ["SF-3001", "Prawns", category, "yes", "", ""], ["SF-3002", "Crab", category, "1", "0", ""]]
        ),
        options=ImportOptions(),
    ).preview
    problems = [str(error) for error in refused.errors]
    assert problems == [
        "Row 2, nominal_weight_kg: is empty; a product charged by weight needs its nominal weight per unit",
        "Row 3, nominal_weight_kg: must be more than 0 kg",
    ]

    commit_import(
        kind=PRODUCTS,
        table=_table([heading, ["SF-3001", "Prawns", category, "yes", "2.5", "7.5"]]),
        options=ImportOptions(),
        user=None,
    )
    prawns = Product.objects.get(sku="SF-3001")
    assert (prawns.catch_weight, prawns.nominal_weight_kg, prawns.weight_tolerance_percent) == (
        True,
        Decimal("2.500"),
        Decimal("7.50"),
    )
    exported = product_export(fmt="csv").content.decode("utf-8-sig")
    assert "catch_weight,nominal_weight_kg,weight_tolerance_percent" in exported
    assert "SF-3001,Prawns" in exported and ",2.500,7.50," in exported
