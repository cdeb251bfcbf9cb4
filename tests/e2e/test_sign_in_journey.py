"""A buyer of two companies signs in through the real form, switches company and language;
the sign-in and two-factor screens fit a desktop and a 375 px phone."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from accounts.models import Membership
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import PASSWORD, CompanyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_company_buyer(transactional_db):
    buyer = UserFactory(email="mei@acme.example", first_name="Mei", last_name="Lin")
    for name in ("Acme Foods", "Blue Harbour Catering"):
        MembershipFactory(user=buyer, company=CompanyFactory(display_name=name), role=Membership.Role.BUYER)
    return buyer


def sign_in(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()


def wrong_code(secret):
    valid_now = {format_hotp_value(hotp_value(secret, c)) for c in yield_hotp_counters_from_time()}
    return next(code for code in ("000000", "111111", "222222") if code not in valid_now)


def assert_fits_width(page):
    """Nothing sticks out sideways: the page never scrolls horizontally."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= page.viewport_size["width"], f"page is {scroll_width}px wide"


def test_buyer_signs_in_switches_company_and_language(page, live_server, two_company_buyer):
    sign_in(page, live_server, two_company_buyer.email)

    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Foods")

    page.get_by_test_id("company-switcher").click()
    page.get_by_role("button", name="Blue Harbour Catering").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Harbour Catering")
    expect(page.get_by_test_id("company-switcher")).to_contain_text("Blue Harbour Catering")

    page.get_by_test_id("language-switcher").get_by_role("button", name="简体中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Harbour Catering")


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_on_a_phone_the_company_switcher_is_in_the_menu(page, live_server, two_company_buyer):
    sign_in(page, live_server, two_company_buyer.email)

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Foods")
    switcher = page.get_by_test_id("company-switcher")
    expect(switcher).to_be_hidden()

    page.get_by_role("button", name="Menu").click()
    # The menu slides open; a click while it still moves can miss the switcher on a busy machine.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(page.locator("#main-nav")).not_to_have_class(re.compile(r"collapsing"))
    switcher.click()
    expect(switcher).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Blue Harbour Catering").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Harbour Catering")
    assert_fits_width(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_sign_in_and_two_factor_screens_fit_the_screen(
    page, live_server, two_company_buyer, viewport, save_screenshot, totp_code
):
    size = "phone" if viewport is PHONE else "desktop"
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    assert_fits_width(page)
    save_screenshot(f"sign-in-{size}")

    # A wrong password: the summary takes focus and the typed address stays.
    sign_in(page, live_server, two_company_buyer.email, "not the password")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(two_company_buyer.email)
    assert_fits_width(page)
    save_screenshot(f"sign-in-error-{size}")

    sign_in(page, live_server, two_company_buyer.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Foods")
    assert_fits_width(page)
    save_screenshot(f"portal-home-{size}")

    # Setting up the authenticator app asks for the password again first.
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    save_screenshot(f"reauthenticate-{size}")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    qr_code = page.locator("img.tc-qr")
    expect(qr_code).to_be_visible()
    assert qr_code.bounding_box()["width"] <= viewport["width"]
    secret = page.get_by_label("Authenticator secret")
    expect(secret).to_have_value(re.compile(r"^[A-Z2-7]{32}$"))
    # A phone cannot scan its own screen: there the otpauth:// link opens the app instead.
    assert page.get_by_test_id("totp-open-app").is_visible() == (size == "phone")
    assert_fits_width(page)
    save_screenshot(f"totp-setup-{size}")

    # The code from the app switches two-factor on; the recovery codes come next.
    page.get_by_label("Authenticator code").fill(totp_code(secret.input_value()))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    assert_fits_width(page)
    save_screenshot(f"recovery-codes-{size}")


@pytest.fixture
def totp_buyer(two_company_buyer):
    secret = generate_totp_secret()
    TOTP.activate(two_company_buyer, secret)
    RecoveryCodes.activate(two_company_buyer)
    two_company_buyer.totp_secret = secret
    return two_company_buyer


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_account_screens_fit_the_screen(page, live_server, totp_buyer, viewport, save_screenshot, totp_code):
    size = "phone" if viewport is PHONE else "desktop"
    signed_out = [
        ("/accounts/signup/", "Sign Up Closed", "signup-closed"),
        ("/accounts/password/reset/", "Password Reset", "password-reset"),
    ]
    for path, heading, name in signed_out:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_fits_width(page)
        save_screenshot(f"{name}-{size}")

    sign_in(page, live_server, totp_buyer.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    assert_fits_width(page)
    save_screenshot(f"mfa-code-{size}")
    page.get_by_label("Code").fill(wrong_code(totp_buyer.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Incorrect code.")
    save_screenshot(f"mfa-code-error-{size}")
    page.get_by_label("Code").fill(totp_code(totp_buyer.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Foods")

    signed_in = [
        ("/accounts/email/", "Email Addresses", "email"),
        ("/accounts/password/change/", "Change Password", "password-change"),
        ("/accounts/2fa/", "Two-Factor Authentication", "mfa-index"),
        ("/accounts/logout/", "Sign Out", "sign-out"),
    ]
    for path, heading, name in signed_in:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_fits_width(page)
        save_screenshot(f"{name}-{size}")

    page.get_by_role("main").get_by_role("button", name="Sign Out").click()
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
