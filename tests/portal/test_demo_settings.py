"""`make run` serves the demo as production does: DEBUG off (the product's own error pages),
static files through whitenoise, e-mails written to files under var/mail/, and only the staff
second factor relaxed."""

import importlib

import pytest

from portal.settings import base


@pytest.fixture
def demo(monkeypatch):
    # The settings module as `make run` loads it, whatever the shell running the tests exports.
    for name in ("DEBUG", "EMAIL_BACKEND", "ALLOWED_HOSTS", "TRADECOUNTER_REQUIRE_STAFF_MFA", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return importlib.reload(importlib.import_module("portal.settings.dev"))


def test_the_demo_runs_without_debug(demo):
    assert demo.DEBUG is False


def test_demo_mail_goes_to_files_under_var(demo):
    assert demo.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
    assert demo.EMAIL_FILE_PATH == base.VAR_DIR / "mail"


def test_the_demo_serves_static_files_as_production_does(demo):
    production_storage = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert demo.STORAGES["staticfiles"]["BACKEND"] == production_storage
    assert demo.STATIC_ROOT == base.BASE_DIR / "staticfiles"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in demo.MIDDLEWARE
    assert not getattr(demo, "WHITENOISE_USE_FINDERS", False)


def test_the_demo_answers_on_the_loopback_names(demo):
    assert {"127.0.0.1", "localhost"} <= set(demo.ALLOWED_HOSTS)


def test_only_the_staff_second_factor_is_relaxed(demo):
    assert demo.TRADECOUNTER_REQUIRE_STAFF_MFA is False
    assert base.TRADECOUNTER_REQUIRE_STAFF_MFA is True


@pytest.mark.django_db
def test_a_missing_page_in_the_demo_shows_the_products_404(demo, client, settings):
    settings.DEBUG = demo.DEBUG
    response = client.get("/portal/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "The page or record does not exist, or it belongs to another company." in body
    # Not Django's technical 404, which lists every URL pattern.
    assert "Using the URLconf" not in body
    assert "Page not found (404)" not in body
