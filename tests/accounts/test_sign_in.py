"""Signing in through django-allauth's own views, as a browser would: e-mail and password,
mandatory verification, rate limits, password reset, a TOTP second factor, sign-up by invitation
only; and every sign-in and account page wears the portal's frame (templates/allauth/)."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, InvitationFactory, UserFactory

NEW_PASSWORD = "plum sauce and a crate of leeks"

SECRET_ON_PAGE = re.compile(r'id="authenticator_secret" class="form-control font-monospace" value="([A-Z2-7]+)"')

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts attempts in the cache; every test starts (and leaves) with none."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def reauthenticate(client, password=PASSWORD):
    """allauth asks for the password again before two-factor settings change, even right
    after signing in (MFA_REAUTHENTICATION_REQUIRED)."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302
    return response


def signed_in_user_id(client):
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def link_in(message, path_prefix):
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(1)


def assert_portal_frame(response):
    html = response.content.decode()
    assert '<a class="navbar-brand fw-semibold"' in html
    assert ">Tradecounter</a>" in html
    assert "/static/css/portal.css" in html


@pytest.fixture
def totp_buyer(buyer):
    secret = generate_totp_secret()
    TOTP.activate(buyer, secret)
    RecoveryCodes.activate(buyer)
    buyer.totp_secret = secret
    return buyer


def test_verified_buyer_signs_in_with_email_and_password(client, buyer, company):
    response = sign_in(client, buyer.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert signed_in_user_id(client) == buyer.pk
    home = client.get(reverse("portal:home"))
    assert company.display_name in home.content.decode()


def test_email_is_matched_without_regard_to_case(client, buyer):
    response = sign_in(client, buyer.email.upper())

    assert response.status_code == 302
    assert signed_in_user_id(client) == buyer.pk


def test_unverified_user_is_sent_to_verify_and_the_link_lets_them_in(client):
    user = UserFactory(email="new@acme.example", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = sign_in(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    sent_page = client.get(response["Location"])
    assert_portal_frame(sent_page)
    assert "Verify Your Email Address" in sent_page.content.decode()
    assert [message.to for message in mail.outbox] == [[user.email]]

    confirm_url = link_in(mail.outbox[0], "/accounts/confirm-email/")
    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200
    assert_portal_frame(confirm_page)
    confirmed = client.post(confirm_url)

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(client) == user.pk


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(client, buyer):
    response = sign_in(client, buyer.email, "not the password")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    html = response.content.decode()
    assert 'data-testid="error-summary"' in html
    assert "There is a problem" in html
    assert "The email address and/or password you specified are not correct." in html
    assert f'value="{buyer.email}"' in html


def test_missing_email_is_linked_from_the_summary_and_shown_under_the_field(client):
    response = client.post(reverse("account_login"), {"login": "", "password": "something"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_login" class="alert-link">' in html
    assert 'id="id_login_error"' in html
    assert 'aria-invalid="true"' in html
    assert "is-invalid" in html


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, buyer):
    # ACCOUNT_RATE_LIMITS["login_failed"] allows 5 failures per address in 5 minutes.
    for _attempt in range(5):
        assert sign_in(client, buyer.email, "guess").status_code == 200

    response = sign_in(client, buyer.email)

    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_too_many_sign_in_attempts_from_one_address_answer_429(client, buyer):
    # ACCOUNT_RATE_LIMITS["login"]: 30 sign-in POSTs a minute per IP address.
    for _attempt in range(30):
        assert sign_in(client, buyer.email, "guess").status_code == 200

    response = sign_in(client, buyer.email)

    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_password_reset_mails_a_link_that_sets_a_new_password(client, buyer):
    response = client.post(reverse("account_reset_password"), {"email": buyer.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert_portal_frame(client.get(response["Location"]))
    assert [message.to for message in mail.outbox] == [[buyer.email]]

    # The key in the link is swapped for a session-held one before the form is shown.
    key_url = link_in(mail.outbox[0], "/accounts/password/reset/key/")
    redirect = client.get(key_url)
    assert redirect.status_code == 302
    form_page = client.get(redirect["Location"])
    assert form_page.status_code == 200
    assert_portal_frame(form_page)
    assert 'name="password1"' in form_page.content.decode()

    done = client.post(redirect["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert_portal_frame(client.get(done["Location"]))
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    assert sign_in(client, buyer.email, PASSWORD).status_code == 200
    assert sign_in(client, buyer.email, NEW_PASSWORD).status_code == 302
    assert signed_in_user_id(client) == buyer.pk


def test_password_reset_for_an_unknown_address_reveals_nothing(client, buyer):
    response = client.post(reverse("account_reset_password"), {"email": "stranger@nowhere.example"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert all(buyer.email not in message.to for message in mail.outbox)


def test_totp_user_is_asked_for_the_code_and_gets_in_with_it(client, totp_buyer, totp_code):
    response = sign_in(client, totp_buyer.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    code_page = client.get(response["Location"])
    assert_portal_frame(code_page)
    assert 'name="code"' in code_page.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_buyer.totp_secret)})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert signed_in_user_id(client) == totp_buyer.pk


def test_totp_user_with_a_wrong_code_stays_out(client, totp_buyer):
    valid_now = {format_hotp_value(hotp_value(totp_buyer.totp_secret, c)) for c in yield_hotp_counters_from_time()}
    wrong_code = next(code for code in ("000000", "111111", "222222") if code not in valid_now)
    sign_in(client, totp_buyer.email)

    response = client.post(reverse("mfa_authenticate"), {"code": wrong_code})

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Incorrect code." in html


def test_totp_user_gets_in_with_a_recovery_code(client, totp_buyer):
    recovery_code = RecoveryCodes(totp_buyer.authenticator_set.get(type="recovery_codes")).get_unused_codes()[0]
    sign_in(client, totp_buyer.email)

    response = client.post(reverse("mfa_authenticate"), {"code": recovery_code})

    assert response.status_code == 302
    assert signed_in_user_id(client) == totp_buyer.pk


def test_sign_up_is_closed_without_an_invitation(client):
    page = client.get(reverse("account_signup"))

    assert page.status_code == 200
    assert_portal_frame(page)
    html = page.content.decode()
    assert "Sign Up Closed" in html
    assert 'name="password1"' not in html

    client.post(
        reverse("account_signup"),
        {"email": "walkin@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert not get_user_model().objects.filter(email="walkin@example.com").exists()


def test_sign_up_opens_for_a_pending_invitation(client, company):
    invitation = InvitationFactory(company=company, email="newbuyer@acme.example")
    client.get(reverse("accounts:invitation", args=[invitation.token]))

    page = client.get(reverse("account_signup"))

    assert page.status_code == 200
    assert_portal_frame(page)
    html = page.content.decode()
    assert 'name="password1"' in html
    assert 'class="form-control' in html


def test_sign_in_page_says_accounts_are_by_invitation(client):
    page = client.get(reverse("account_login"))

    html = page.content.decode()
    assert_portal_frame(page)
    assert "sends you an invitation by e-mail" in html
    assert reverse("account_signup") not in html
    # Bootstrap inputs with visible labels, and the way back in if the password is lost.
    assert '<label class="form-label" for="id_login">' in html
    assert 'type="email" name="login" class="form-control"' in html
    assert f'href="{reverse("account_reset_password")}"' in html
    assert 'class="btn btn-primary" type="submit"' in html


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_signed_out_pages_render_in_the_entrance_card(client, db, url_name):
    page = client.get(reverse(url_name))

    assert page.status_code == 200
    assert_portal_frame(page)
    assert "tc-auth-entrance" in page.content.decode()


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("account_email", "Add Email Address"),
        ("account_change_password", 'name="oldpassword"'),
        ("account_logout", "Are you sure you want to sign out?"),
        ("mfa_index", "Authenticator App"),
        ("mfa_activate_totp", 'id="authenticator_secret"'),
        ("account_reauthenticate", 'name="password"'),
    ],
)
def test_account_pages_render_in_the_portal_frame(client, buyer, url_name, expected):
    sign_in(client, buyer.email)
    reauthenticate(client)

    page = client.get(reverse(url_name))

    assert page.status_code == 200
    assert_portal_frame(page)
    html = page.content.decode()
    assert expected in html
    assert "tc-auth-manage" in html or "tc-auth-entrance" in html


def test_totp_setup_asks_for_the_password_again_first(client, buyer):
    sign_in(client, buyer.email)

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"])
    assert_portal_frame(page)
    assert 'type="password" name="password" class="form-control"' in page.content.decode()


def test_totp_setup_shows_the_qr_code_and_a_copyable_secret(client, buyer):
    sign_in(client, buyer.email)
    reauthenticate(client)

    page = client.get(reverse("mfa_activate_totp"))

    html = page.content.decode()
    assert '<img src="data:image/svg+xml;base64,' in html
    secret = SECRET_ON_PAGE.search(html)
    assert secret, "the secret is not shown"
    assert "readonly" in html[secret.end() : secret.end() + 80]
    assert f"secret={secret.group(1)}" in html  # the otpauth:// link for phones


def test_recovery_codes_page_lists_the_codes(client, totp_buyer, totp_code):
    sign_in(client, totp_buyer.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_buyer.totp_secret)})
    reauthenticate(client)
    codes = RecoveryCodes(totp_buyer.authenticator_set.get(type="recovery_codes")).get_unused_codes()

    page = client.get(reverse("mfa_view_recovery_codes"))

    assert page.status_code == 200
    assert_portal_frame(page)
    html = page.content.decode()
    assert codes[0] in html
    assert 'class="form-control font-monospace"' in html


def test_buyer_turns_on_totp_with_a_code_from_the_app(client, buyer, totp_code):
    sign_in(client, buyer.email)
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    secret = SECRET_ON_PAGE.search(page.content.decode())

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret.group(1))})

    assert response.status_code == 302
    assert buyer.authenticator_set.filter(type="totp").exists()
    client.post(reverse("account_logout"))
    assert sign_in(client, buyer.email)["Location"] == reverse("mfa_authenticate")


def test_wrong_code_at_totp_setup_is_shown_under_the_field(client, buyer):
    sign_in(client, buyer.email)
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))

    response = client.post(reverse("mfa_activate_totp"), {"code": "12"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_code" class="alert-link">' in html
    assert 'id="id_code_error"' in html
    assert not buyer.authenticator_set.exists()


def test_totp_user_can_confirm_access_with_a_code(client, totp_buyer, totp_code):
    sign_in(client, totp_buyer.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_buyer.totp_secret)})

    page = client.get(reverse("mfa_reauthenticate"))

    assert page.status_code == 200
    assert_portal_frame(page)
    html = page.content.decode()
    assert 'name="code"' in html
    assert f'href="{reverse("account_reauthenticate")}' in html  # the password instead
