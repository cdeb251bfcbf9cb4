"""Every role of the demo signs in on a phone in Chinese and reads its pages without English or
a bare amount: the company admin, buyer, approver and finance of a customer, a buyer of two
companies, and each staff role in the back office. Each role's home is saved for review
(test-artifacts/zh-phone-<role>.png).

The demo is seeded once (`seed_demo`, the data a new user meets), so the check covers the data
too: product texts, tiers, reasons, notifications and announcements, not only the UI strings.
Words that stay as they are in Chinese are proper names (companies, people, e-mail addresses,
SKUs, lot and order numbers, a product's English name, which cards show beside its Chinese one,
and what people wrote themselves, addresses included), taken from the demo's own rows.
"""

import io
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from accounts.models import Company, Contact, User
from catalog.models import Location, Lot, Product, Warehouse
from ordering.fulfilment.models import Shipment
from ordering.models import Order, OrderEvent
from portal.demo.data import DEMO_PASSWORD
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

# Words a Chinese page keeps: the product's name, currency codes, units and formats everyone
# writes in Latin letters.
ALLOWED = {"Tradecounter", "English", "CNY", "HKD", "USD", "TOTP", "PDF", "CSV", "XLSX", "SKU", "ColdChain"}
WORD = re.compile(r"[A-Za-z]{3,}")
# An amount is a figure with two decimals; it must carry its currency (¥1,234.50, HK$, US$).
AMOUNT = re.compile(r"(?<![\d.,])(?P<figure>\d[\d,]*\.\d{2})(?![\d%])")
CURRENCY_BEFORE = re.compile(r"(¥|HK\$|US\$|CNY|HKD|USD)\s?-?$")

CUSTOMER_PAGES = {
    "buyer": [
        "/portal/",
        "/portal/catalog/",
        "/portal/catalog/products/FZ-1001/",
        "/portal/cart/",
        "/portal/orders/",
        "/portal/notifications/",
    ],
    "approver": ["/portal/", "/portal/approvals/"],
    "admin": ["/portal/", "/portal/company/users/"],
    "finance": ["/portal/", "/portal/orders/"],
}
STAFF_PAGES = {
    "rep_east": ["/backoffice/", "/backoffice/orders/", "/backoffice/customers/"],
    "director": ["/backoffice/", "/backoffice/orders/approvals/"],
    "finance": ["/backoffice/", "/backoffice/orders/approvals/", "/backoffice/customers/"],
    "warehouse": ["/backoffice/", "/backoffice/stock/products/"],
    "manager": ["/backoffice/", "/backoffice/orders/"],
    "editor": ["/backoffice/"],
}


def proper_names() -> set[str]:
    """Names that stay as written: the demo's companies, people, addresses, codes and numbers."""
    names = set()
    for company in Company.objects.all():
        names |= {company.display_name, company.legal_name}
    for user in User.objects.all():
        names |= {user.email, user.first_name, user.last_name, user.get_full_name()}
    for contact in Contact.objects.all():
        names |= {contact.name, contact.email}
    names |= set(Product.objects.values_list("sku", flat=True))
    # A product card names the product in both languages on purpose (the English name is how
    # a supplier's label or a staff member may know it); its other texts must be Chinese.
    names |= set(Product.objects.values_list("name_en", flat=True))
    names |= set(Lot.objects.values_list("number", flat=True))
    names |= set(Order.objects.values_list("number", flat=True))
    names |= set(Order.objects.exclude(po_number="").values_list("po_number", flat=True))
    # What a person wrote (a comment when rejecting or cancelling, an order's notes) is shown as
    # they wrote it, in their language; the demo's staff write English.
    names |= set(OrderEvent.objects.exclude(reason="").values_list("reason", flat=True))
    names |= set(Order.objects.exclude(notes="").values_list("notes", flat=True))
    # Addresses are written as the company wrote them.
    names |= {
        line.strip() for text in Order.objects.values_list("ship_to_text", flat=True) for line in text.splitlines()
    }
    names |= set(Warehouse.objects.values_list("code", flat=True))
    names |= set(Location.objects.values_list("code", flat=True))
    # A carrier and whoever signed for a delivery are named as the warehouse wrote them ("JD Cold
    # Chain", "Head chef": which of the demo's shipments reach a buyer's page depends on the day
    # it is seeded).
    names |= set(Shipment.objects.values_list("carrier", flat=True))
    names |= set(Shipment.objects.exclude(received_by="").values_list("received_by", flat=True))
    return {name for name in names if name}


def visible_text(page) -> str:
    """What a person reads: the page's text plus labels in attributes."""
    return page.evaluate(
        """() => [document.body.innerText,
                  ...[...document.querySelectorAll('[placeholder],[title],[aria-label],img[alt]')]
                     .filter(el => el.closest('[hidden], .visually-hidden') === null)
                     .map(el => el.getAttribute('placeholder') || el.getAttribute('title')
                                 || el.getAttribute('aria-label') || el.getAttribute('alt'))
                 ].join('\\n')"""
    )


def english_left(text: str, names: set[str]) -> list[str]:
    """The lines of `text` that still hold an English word once proper names are taken out."""
    names_pattern = re.compile(
        "|".join(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])" for name in sorted(names, key=len, reverse=True))
    )
    lines = []
    for line in text.splitlines():
        if any(word not in ALLOWED for word in WORD.findall(names_pattern.sub(" ", line))):
            lines.append(line.strip()[:120])
    return lines


def bare_amounts(text: str) -> list[str]:
    return [
        match["figure"]
        for match in AMOUNT.finditer(text)
        if not CURRENCY_BEFORE.search(text[max(0, match.start() - 6) : match.start()])
    ]


@pytest.fixture
def demo_world(transactional_db, home_page):
    ContentType.objects.clear_cache()
    call_command("seed_demo", stdout=io.StringIO())
    return proper_names()


def sign_in(page, live_server, email, *, code=None):
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    if code is not None:
        page.locator("input[name=code]").fill(code())
        page.locator("form:has(input[name=code]) button[type=submit]:not([form])").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def read_pages(page, live_server, role, paths, names, save_screenshot) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        if response is None or response.status != 200:
            problems.append(f"{role} {path}: HTTP {response.status if response else '-'}")
            continue
        if not page.url.endswith(path):
            problems.append(f"{role} {path}: sent to {page.url}")
            continue
        if page.locator("html").get_attribute("lang") != "zh-hans":
            problems.append(f"{role} {path}: not in Chinese")
        text = visible_text(page)
        if lines := english_left(text, names):
            problems.append(f"{role} {path}: English in {sorted(set(lines))[:12]}")
        if amounts := bare_amounts(text):
            problems.append(f"{role} {path}: amounts without currency {amounts[:10]}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{role} {path}: {width}px wide on a {PHONE['width']}px phone")
        if path in ("/portal/", "/backoffice/"):
            save_screenshot(f"zh-phone-{role}")
    return problems


@pytest.mark.parametrize("viewport", [PHONE], indirect=True)
def test_every_role_reads_chinese_on_a_phone(page, live_server, demo_world, save_screenshot, totp_code):
    from portal.demo.data import COMPANIES, STAFF

    domain = COMPANIES[0]["domain"]
    company = Company.objects.get(memberships__user__email=f"buyer@{domain}")
    # The company's orders that wait (for its approver, our approval, finance) and its last one.
    orders = Order.objects.filter(company=company).order_by("-placed_at")
    waiting = orders.filter(state__in=["awaiting_customer_approval", "awaiting_approval", "credit_hold"])
    order_pages = [f"/portal/orders/{order.number}/" for order in [*waiting[:2], orders[0]]]
    problems = []
    for role, paths in CUSTOMER_PAGES.items():
        if role == "buyer":
            paths = paths + order_pages
        sign_in(page, live_server, f"{role}@{domain}")
        problems += read_pages(page, live_server, f"customer-{role}", paths, demo_world, save_screenshot)
        page.context.clear_cookies()

    sign_in(page, live_server, "tao.lin@harbour-hospitality.example")
    problems += read_pages(page, live_server, "customer-two-companies", ["/portal/"], demo_world, save_screenshot)
    page.context.clear_cookies()

    staff = {row["key"]: row["email"] for row in STAFF}
    for key, paths in STAFF_PAGES.items():
        user = User.objects.get(email=staff[key])
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        sign_in(page, live_server, user.email, code=lambda secret=secret: totp_code(secret))
        problems += read_pages(page, live_server, f"staff-{key}", paths, demo_world, save_screenshot)
        page.context.clear_cookies()

    assert not problems, "\n".join(problems)
