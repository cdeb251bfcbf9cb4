"""The warehouse receives stock on a laptop (1366 px) and on a phone: the receipt form fits the
screen, and each location names its warehouse."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from accounts import roles
from catalog.models import TemperatureZone
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, LocationFactory, ProductFactory, StaffFactory

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], indirect=True, ids=["laptop", "phone"])
def test_the_receipt_form_fits_the_screen(page, viewport, live_server, transactional_db, save_screenshot, totp_code):
    clerk = StaffFactory(email="goods-in@distributor.example")
    clerk.groups.add(Group.objects.get(name=roles.WAREHOUSE))
    clerk.totp_secret = generate_totp_secret()
    TOTP.activate(clerk, clerk.totp_secret)
    LocationFactory(code="A-01", zone=TemperatureZone.AMBIENT)
    ProductFactory(sku="FZ-1001")
    receive = f"{live_server.url}{reverse('catalog_stock:receive')}?sku=FZ-1001"

    page.goto(receive)
    page.get_by_label("Email").fill(clerk.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(clerk.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(receive)

    width = viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Every field of the first line, down to the location, is on the screen, not clipped.
    for name in ("sku", "lot_number", "production_date", "expiry_date", "quantity", "location"):
        field = page.locator(f"[name='lines-0-{name}']")
        box = field.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
        clip = field.evaluate(
            """el => { let right = el.getBoundingClientRect().right;
                for (let p = el.parentElement; p; p = p.parentElement) {
                    const style = getComputedStyle(p);
                    const clipped = p.getBoundingClientRect().right < right - 1;
                    if (style.overflowX !== 'visible' && clipped) return p.className;
                } return null; }"""
        )
        assert clip is None, (name, clip)
    location = page.locator("[name='lines-0-location'] option", has_text="A-01")
    expect(location).to_have_text("Shanghai cold store · A-01 · Ambient", use_inner_text=True)
    save_screenshot(f"stock-receipt-{'phone' if width < 576 else 'laptop'}")
