"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live_server.

Nothing is downloaded: Playwright launches the system Chromium (CHROMIUM_PATH, default
/usr/bin/chromium); never run `playwright install`. Each test gets a fresh browser context, so
no cookies leak between tests. The viewport is desktop unless a test parametrizes it:

    @pytest.mark.parametrize("viewport", [PHONE], indirect=True)

live_server runs the tests as transactional tests: data created in a test is committed so the
server thread sees it, and every table is flushed afterwards, including the rows migrations
created (Wagtail's page tree and site, staff groups, permissions). So each journey uses
Django's serialized rollback: it starts from a snapshot of the database as the first journey
found it (`migrated_data`). After the last journey of a run of them the snapshot is put back,
so that tests collected after them (other transactional tests) and the next run with
--reuse-db (pyproject.toml) still have those rows.

On failure the page is saved to test-artifacts/failures/ (gitignored); journeys save the
screens they want reviewed to test-artifacts/ with `save_screenshot`.
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import sync_playwright
from wagtail.models import Locale, Page, Site

from portal.pages.models import HomePage

# Playwright's sync API runs an asyncio event loop in this thread; Django would otherwise
# refuse the ORM calls the tests make (factories, assertions on the database).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"))

_call_report = pytest.StashKey()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


def _snapshot() -> str:
    return _sorted(connection.creation.serialize_db_to_string())


def _sorted(serialized: str) -> str:
    objects = json.loads(serialized)
    # Content types first (a stable sort keeps the rest in order): Wagtail's Page.__init__
    # looks up its content type, creating it if missing, while the pages load, which would
    # then clash with the snapshot's own row for it.
    objects.sort(key=lambda obj: obj["model"] != "contenttypes.contenttype")
    return json.dumps(objects)


def _restore(snapshot: str) -> None:
    # Empty every table without post_migrate recreating content types and groups under new
    # ids, then load the snapshot with its own ids.
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=False)
    connection.creation.deserialize_db_from_string(snapshot)
    ContentType.objects.clear_cache()


_migrated = {}


@pytest.fixture(scope="session")
def migrated_data(django_db_setup, django_db_blocker):
    """The database as the first journey found it, serialized; put back after the last one.

    Django's TransactionTestCase with serialized_rollback loads the connection's
    `_test_serialized_contents` before each test and, after it, flushes without post_migrate.
    Ours replaces the one taken at database setup: it is taken now, so loading it the first
    time only rewrites rows with their own values, and its content types come first.
    """
    with django_db_blocker.unblock():
        # Prefer the copy Django took right after migrating: transactional tests that ran
        # before the first journey (threads in tests/ordering) may have left the tables empty.
        serialized = getattr(connection, "_test_serialized_contents", None)
        snapshot = _sorted(serialized) if serialized else _snapshot()
    connection._test_serialized_contents = snapshot
    _migrated.update(snapshot=snapshot, blocker=django_db_blocker)
    yield snapshot
    with django_db_blocker.unblock():
        _restore(snapshot)
    _migrated.clear()


@pytest.fixture(autouse=True)
def _start_from_migrated_data(migrated_data, django_db_serialized_rollback, live_server):
    """Every e2e test is a live_server test with serialized rollback."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    # The flush after this journey has run (fixture teardown). If a test other than a
    # journey comes next, give it the migrated rows back now, not at the end of the session.
    if nextitem is not None and "migrated_data" not in nextitem.fixturenames and _migrated:
        with _migrated["blocker"].unblock():
            _restore(_migrated["snapshot"])
    return result


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture
def viewport(request):
    """DESKTOP unless the test parametrizes it (indirect=True) with PHONE or another size."""
    return getattr(request, "param", DESKTOP)


@pytest.fixture
def page(browser, viewport, request):
    phone = viewport["width"] < 576
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        locale="en-GB",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = request.node.stash.get(_call_report, None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        path = ARTIFACTS / "failures" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    context.close()


@pytest.fixture
def save_screenshot(page):
    """save_screenshot("sign-in-phone") writes test-artifacts/sign-in-phone.png (whole page)."""

    def save(name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def home_page(transactional_db):
    """The public home page that migrations create. After an earlier journey the database may come
    back without Wagtail's page tree (groups return through post_migrate, pages do not), so it is
    planted again when missing."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_page
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="Tradecounter", slug="home", intro="<p>Order online.</p>"))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Tradecounter")
    return home
