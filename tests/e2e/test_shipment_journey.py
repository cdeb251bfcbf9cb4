"""The warehouse picks and ships an order; the buyer opens it on a phone, sees the shipment with
its lot, expiry and dispatch temperature, and downloads the delivery note, a PDF that names the
lot."""

import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ordering.fulfilment.models import Shipment
from ordering.fulfilment.picking import confirm_pick, create_pick_list, start_picking
from ordering.fulfilment.shipping import ship
from ordering.models import OrderState
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def shipped_order(transactional_db, place_order, freezer_location, staff_warehouse):
    order = place_order(quantity=4, state=OrderState.APPROVED)  # lot L1 at F-01, frozen
    pick_list = create_pick_list(orders=[order], warehouse=freezer_location.warehouse, user=staff_warehouse)
    start_picking(pick_list=pick_list, user=staff_warehouse)
    for pick in pick_list.lines.all():
        confirm_pick(pick_line=pick, lot_number=pick.lot.number, quantity=pick.quantity, user=staff_warehouse)
    ship(order=order, carrier="Van 7", dispatch_temperature=Decimal("-20.5"), user=staff_warehouse)
    return order


@pytest.mark.parametrize("viewport", [PHONE], indirect=True, ids=["phone"])
def test_the_buyer_sees_the_shipment_and_downloads_its_delivery_note(
    page, viewport, live_server, shipped_order, save_screenshot, tmp_path
):
    shipment = Shipment.objects.get(order=shipped_order)
    assert shipment.delivery_note  # rendered and stored as the shipment committed

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(shipped_order.placed_by.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/portal/orders/{shipped_order.number}/")

    card = page.get_by_test_id("shipment")
    expect(card).to_contain_text(shipment.number)
    expect(card.get_by_test_id("shipment-lot")).to_contain_text("Lot L1")
    expect(card.get_by_test_id("dispatch-temperature")).to_have_text("-20.5 °C")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    save_screenshot("shipment-on-order-phone")

    link = card.get_by_test_id("delivery-note")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert shipment.number in text and "L1" in text and shipped_order.number in text
