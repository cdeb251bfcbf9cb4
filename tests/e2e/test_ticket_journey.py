"""A customer opens a service ticket on a lot from their phone (with a photo), staff reply and
resolve it in the back office (the ticket links to the lot's recall trace), and the customer,
reading in Chinese, rates the resolution."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from ordering.fulfilment.picking import confirm_pick, create_pick_list, start_picking
from ordering.fulfilment.shipping import ship
from ordering.models import OrderState
from portal.tickets.models import Ticket
from tests.factories import PASSWORD, StaffFactory
from tests.tickets.helpers import image_bytes

pytestmark = pytest.mark.e2e
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def shipped_order(transactional_db, place_order, freezer_location, staff_warehouse):
    order = place_order(quantity=4, state=OrderState.APPROVED)  # lot L1, frozen
    pick_list = create_pick_list(orders=[order], warehouse=freezer_location.warehouse, user=staff_warehouse)
    start_picking(pick_list=pick_list, user=staff_warehouse)
    for pick in pick_list.lines.all():
        confirm_pick(pick_line=pick, lot_number=pick.lot.number, quantity=pick.quantity, user=staff_warehouse)
    ship(order=order, carrier="Van 7", dispatch_temperature=Decimal("-20.5"), user=staff_warehouse)
    return order


@pytest.fixture
def manager(transactional_db):
    user = StaffFactory(email="yan@distributor.example", first_name="Yan", last_name="Zhou")
    user.groups.add(Group.objects.get(name=roles.MANAGER))
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def _sign_in(page, url, email):
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.parametrize("viewport", [PHONE_390], indirect=True, ids=["phone"])
def test_a_ticket_on_a_lot_from_open_to_rated(
    page, browser, viewport, live_server, shipped_order, manager, save_screenshot, totp_code
):
    buyer = shipped_order.placed_by
    _sign_in(page, f"{live_server.url}/portal/orders/{shipped_order.number}/", buyer.email)

    # "Report a problem with this lot" on the shipment opens the form with the lot chosen.
    page.get_by_test_id("report-lot").click()
    form = page.get_by_test_id("ticket-form")
    expect(form.get_by_label("What it is about")).to_contain_text("L1")
    form.get_by_label("Kind of problem").select_option(label="Quality problem")
    form.get_by_label("Subject").fill("Wings thawed and refrozen")
    form.get_by_label("What happened").fill("Ice crystals inside the bags; see the photo.")
    form.get_by_label("Photos").set_input_files(
        [{"name": "bag.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (64, 48))}]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    save_screenshot("ticket-new-phone")
    form.get_by_role("button", name="Open the ticket").click()

    ticket = Ticket.objects.get()
    expect(page).to_have_url(f"{live_server.url}/portal/tickets/{ticket.number}/")
    expect(page.get_by_test_id("ticket-about")).to_contain_text("Lot L1")
    photo = page.get_by_test_id("ticket-photo")
    expect(photo).to_have_count(1)
    assert photo.locator("img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 64  # served
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    save_screenshot("ticket-detail-phone")

    # Staff answer and resolve it in the back office; the lot's recall trace is one click away.
    staff = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    back_office = staff.new_page()
    _sign_in(back_office, f"{live_server.url}/backoffice/tickets/{ticket.pk}/", manager.email)
    back_office.get_by_label("Code").fill(totp_code(manager.totp_secret))
    back_office.get_by_role("button", name="Sign In").click()
    expect(back_office.locator("[data-trace-link]")).to_have_attribute(
        "href", f"/backoffice/fulfilment/trace/lots/{ticket.lot_id}/"
    )
    expect(back_office.locator("[data-photo]")).to_have_count(1)
    reply = back_office.locator('form[data-action="reply"]')
    reply.get_by_label("Reply").fill("Sorry: we credit the bags and check the lot today.")
    reply.get_by_role("button", name="Send").click()
    resolve = back_office.locator('form[data-action="resolve"]')
    resolve.get_by_label("Resolution").fill("Credited 4 cases; the lot is on quality hold.")
    resolve.get_by_role("button", name="Resolve").click()
    expect(back_office.locator("[data-state]")).to_have_text("Resolved")
    staff.close()

    # The customer, reading in Chinese, sees the answer and rates it.
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/portal/tickets/{ticket.number}/")
    expect(page.get_by_test_id("ticket-resolution")).to_contain_text("Credited 4 cases")
    expect(page.get_by_test_id("conversation")).to_contain_text("我们的团队")
    rating = page.get_by_test_id("rating-form")
    rating.get_by_text("5", exact=True).click()
    rating.get_by_label("备注").fill("处理很快，谢谢")
    save_screenshot("ticket-rate-phone-zh")
    rating.get_by_role("button", name="提交评分").click()
    expect(page.get_by_test_id("ticket-rating")).to_contain_text("5 / 5")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    save_screenshot("ticket-rated-phone-zh")
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.rating, ticket.first_response_at is not None) == ("resolved", 5, True)
