"""Sign-in limits count each client, not the proxy in front of production: every request reaches
Django from the proxy's address, and allauth is told (portal/settings/production.py) where the
client's own address is."""

import runpy

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
TOO_MANY = "Too many failed login attempts. Try again later."


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts attempts in the cache; every test starts (and leaves) with none."""
    cache.clear()
    yield
    cache.clear()


def production_settings(monkeypatch, **environment) -> dict:
    """The settings production computes from this environment (its required variables filled)."""
    monkeypatch.setenv("SECRET_KEY", "p" * 60)
    monkeypatch.setenv("DATABASE_URL", "postgres://tradecounter@db.internal:5432/tradecounter")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.delenv("TRUSTED_CLIENT_IP_HEADER", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("portal.settings.production")


def use_client_address_settings(settings, production):
    """Take production's answer to "where is the client's address" (allauth's defaults if it
    gives none: trust no proxy, so every client is the proxy)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = production.get("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = production.get("ALLAUTH_TRUSTED_CLIENT_IP_HEADER")


@pytest.fixture
def behind_one_proxy(settings, monkeypatch):
    """Production's defaults: one proxy that appends the client's address to X-Forwarded-For."""
    use_client_address_settings(settings, production_settings(monkeypatch))


def client_behind_proxy(forwarded_for: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def fail_ten_times(client):
    """ACCOUNT_RATE_LIMITS["login_failed"] allows 10 failures a minute per address; each
    failure names another e-mail so that only the per-address limit is spent."""
    for attempt in range(10):
        response = sign_in(client, f"guess{attempt}@nowhere.example", "guess")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()


def test_two_clients_behind_one_proxy_are_limited_separately(behind_one_proxy, buyer, company_admin):
    attacker = client_behind_proxy("203.0.113.7")
    colleague = client_behind_proxy("198.51.100.4")
    fail_ten_times(attacker)

    refused = sign_in(attacker, company_admin.email)
    let_in = sign_in(colleague, buyer.email)

    assert TOO_MANY in refused.content.decode()
    assert "_auth_user_id" not in attacker.session
    assert let_in.status_code == 302
    assert int(colleague.session["_auth_user_id"]) == buyer.pk


def test_a_client_cannot_escape_its_limit_with_a_forged_forwarded_for(behind_one_proxy, buyer):
    # The client sends its own X-Forwarded-For; the proxy appends the address it saw.
    attacker = client_behind_proxy("203.0.113.7")
    fail_ten_times(attacker)

    forged = client_behind_proxy("192.0.2.99, 203.0.113.7")
    response = sign_in(forged, buyer.email)

    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in forged.session


def test_a_proxy_that_names_the_client_in_its_own_header_is_believed(settings, monkeypatch, buyer):
    use_client_address_settings(settings, production_settings(monkeypatch, TRUSTED_CLIENT_IP_HEADER="X-Real-IP"))
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.4", HTTP_X_FORWARDED_FOR="192.0.2.1")
    fail_ten_times(attacker)

    assert TOO_MANY in sign_in(attacker, buyer.email).content.decode()
    assert sign_in(colleague, buyer.email).status_code == 302


def test_production_refuses_a_proxy_count_that_is_not_a_number(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
        production_settings(monkeypatch, TRUSTED_PROXY_COUNT="one")
