"""Staff reach the back office only with a second factor; customers never."""

import time
from datetime import UTC, datetime

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
)
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture
def totp_secret():
    return generate_totp_secret()


def test_staff_without_a_second_factor_is_sent_to_set_one_up(client, staff_manager):
    client.force_login(staff_manager)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_staff_signs_in_with_password_and_code_and_reaches_the_back_office(
    client, staff_manager, totp_secret, totp_code
):
    TOTP.activate(staff_manager, totp_secret)
    response = client.post(reverse("account_login"), {"login": staff_manager.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    # The password alone is not a session.
    assert client.get("/backoffice/").status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(totp_secret)})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200


def test_a_code_read_as_its_window_closes_is_accepted_without_waiting(
    client, staff_manager, totp_secret, totp_code, time_machine
):
    """A quarter of a second before the authenticator's window closes, the code used is the next
    window's, at once: the test moves the clock instead of sleeping until that window opens."""
    TOTP.activate(staff_manager, totp_secret)
    client.post(reverse("account_login"), {"login": staff_manager.email, "password": PASSWORD})
    window_closes = (int(time.time()) // mfa_settings.TOTP_PERIOD + 1) * mfa_settings.TOTP_PERIOD
    time_machine.move_to(datetime.fromtimestamp(window_closes - 0.25, tz=UTC), tick=True)

    started = time.monotonic()  # not moved by time-machine
    code = totp_code(totp_secret)
    assert time.monotonic() - started < 0.1

    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200


def test_a_wrong_code_does_not_sign_staff_in(client, staff_manager, totp_secret, totp_code):
    TOTP.activate(staff_manager, totp_secret)
    client.post(reverse("account_login"), {"login": staff_manager.email, "password": PASSWORD})
    response = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if totp_code(totp_secret) != "000000" else "111111"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_wagtails_own_login_form_cannot_bypass_the_second_factor(client, staff_manager, totp_secret):
    TOTP.activate(staff_manager, totp_secret)
    response = client.post("/backoffice/login/", {"username": staff_manager.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_buyer_cannot_reach_the_back_office(client, buyer):
    client.force_login(buyer)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_production_settings_always_require_staff_mfa(monkeypatch):
    """The demo may relax it; production ignores the environment switch."""
    import importlib

    monkeypatch.setenv("TRADECOUNTER_REQUIRE_STAFF_MFA", "false")
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    production = importlib.import_module("portal.settings.production")
    production = importlib.reload(production)
    assert production.TRADECOUNTER_REQUIRE_STAFF_MFA is True
