"""The warehouse picks by typing lots on a phone: a wrong lot is refused and names the right one,
the right one (typed and Enter, as a scanner does) confirms the pick, and the list is done."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from accounts import roles
from ordering.fulfilment.models import PickList
from ordering.fulfilment.picking import create_pick_list
from ordering.models import OrderState
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [PHONE], indirect=True, ids=["phone"])
def test_pick_by_typing_lots(
    page, viewport, live_server, transactional_db, save_screenshot, totp_code, place_order, freezer_location
):
    picker = StaffFactory(email="picker@distributor.example")
    picker.groups.add(Group.objects.get(name=roles.WAREHOUSE))
    picker.totp_secret = generate_totp_secret()
    TOTP.activate(picker, picker.totp_secret)
    order = place_order(quantity=4, state=OrderState.APPROVED)  # lot L1 at F-01
    pick_list = create_pick_list(orders=[order], warehouse=freezer_location.warehouse, user=picker)
    url = f"{live_server.url}{reverse('fulfilment_admin:pick_list', args=[pick_list.pk])}"

    page.goto(url)
    page.get_by_label("Email").fill(picker.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(picker.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # The lot field has the focus: a scanner types into it and presses Enter.
    lot = page.get_by_label("Scan or type the lot")
    expect(lot).to_be_focused()
    page.keyboard.type("L2")
    page.keyboard.press("Enter")
    expect(page.locator("[data-pick-error]")).to_have_text("This is lot L2; take lot L1 from F-01.")
    save_screenshot("pick-wrong-lot-phone")

    # The refused lot is cleared and the field has the focus again: the next scan goes in alone.
    expect(page.get_by_label("Scan or type the lot")).to_be_focused()
    expect(page.get_by_label("Scan or type the lot")).to_have_value("")
    page.keyboard.type("L1")
    page.keyboard.press("Enter")
    expect(page.locator("[data-pick-done]")).to_be_visible()
    expect(page.locator("[data-picked]")).to_contain_text("Picked 4")
    save_screenshot("pick-done-phone")

    pick_list.refresh_from_db()
    assert pick_list.state == PickList.State.DONE
    order.refresh_from_db()
    assert order.state == OrderState.PICKING
