"""Finance opens the finance dashboard on a phone: the overdue list worst first, the aging chart
whose "Over 90 days" bar drills to the invoices behind it, a chart's numbers one click away; then
the same page in Chinese."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from billing.models import Payment
from billing.services import invoicing, ledger
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, CompanyFactory, StaffFactory

pytestmark = pytest.mark.e2e

DASHBOARD = "/backoffice/dashboards/finance/"


def _invoice(company, staff, amount: str, issued_on: date):
    return invoicing.invoice_charges(
        company,
        [
            invoicing.ChargeLine(
                name_en="Cold-chain handling", quantity=1, unit_price=Decimal(amount), tax_rate=Decimal(0)
            )
        ],
        actor=staff,
        issued_on=issued_on,
        render=False,
    )


@pytest.fixture
def receivables(transactional_db):
    finance = StaffFactory(email="finance@distributor.example", first_name="Qing", last_name="Zhou")
    finance.groups.add(Group.objects.get(name=roles.FINANCE))
    finance.totp_secret = generate_totp_secret()
    TOTP.activate(finance, finance.totp_secret)
    today = timezone.localdate()
    xiguan = CompanyFactory(display_name="Old Xiguan Tea House", credit_limit=Decimal("100000.00"))
    mingde = CompanyFactory(display_name="Mingde School Canteens", credit_limit=Decimal("100000.00"))
    old = _invoice(xiguan, finance, "2400.00", today - timedelta(days=150))
    _invoice(mingde, finance, "1800.00", today - timedelta(days=75))
    _invoice(mingde, finance, "900.00", today - timedelta(days=20))
    with transaction.atomic():
        account = ledger.lock_books(xiguan.pk)
        payment = Payment.objects.create(
            company=xiguan,
            method=Payment.Method.TRANSFER,
            state=Payment.State.SUCCEEDED,
            currency="CNY",
            amount=Decimal("1200.00"),
            received_on=today - timedelta(days=100),
            reference=old.number,
        )
        ledger.book_payment(account, payment, actor=finance)
    return finance, old


@pytest.mark.parametrize("viewport", [PHONE], indirect=True, ids=["phone"])
def test_finance_reads_the_dashboard_and_drills_into_over_90_days(
    page, live_server, receivables, save_screenshot, totp_code
):
    finance, old = receivables
    page.goto(f"{live_server.url}{DASHBOARD}")
    page.get_by_label("Email").fill(finance.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(finance.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD}")

    rows = page.locator("[data-overdue-row]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(old.number)
    expect(rows.first).to_contain_text("Old Xiguan Tea House")
    expect(rows.first).to_contain_text("¥1,200.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot("finance-dashboard-phone")

    # A chart's numbers, one click away.
    flow = page.locator("#chart-flow-CNY")
    flow.get_by_text("Show the numbers").click()
    expect(flow.locator("table")).to_contain_text("¥3,900.00")

    # The aging chart's "Over 90 days" bar is a link to the invoices behind it.
    page.locator("#chart-aging-CNY svg a", has_text="Over 90 days").click()
    expect(page).to_have_url(re.compile(r"bucket=over_90"))
    expect(page.locator("main")).to_contain_text(old.number)

    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}{DASHBOARD}")
    expect(page.get_by_role("heading", name="逾期账单（最严重的在前）")).to_be_visible()
    save_screenshot("finance-dashboard-phone-zh")
