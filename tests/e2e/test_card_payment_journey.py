"""Dave, Acme's finance user, pays two open invoices together by card against localstripe (the
local fake Stripe server the tests start) and sees them paid; the payments list shows it. Then he
confirms the month's statement (对账), which shows both invoices and his payment."""

import re
import time
from decimal import Decimal

import pytest
import requests
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Company
from billing.models import Invoice, LedgerEntry, Payment, StripeEvent
from billing.services import statements
from tests.billing.conftest import (  # noqa: F401
    WEBHOOK_SECRET,
    invoiced,
    localstripe_server,
    ship_order,
    stripe_keys,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def localstripe_webhook(live_server, localstripe_server):  # noqa: F811
    """localstripe sends its own signed events to this live server's webhook, then goes quiet."""
    hook = f"{localstripe_server}/_config/webhooks/portal"
    url = f"{live_server.url}/portal/billing/stripe/webhook/"
    requests.post(hook, data={"url": url, "secret": WEBHOOK_SECRET}, timeout=5).raise_for_status()
    yield
    requests.post(
        hook, data={"url": url, "secret": WEBHOOK_SECRET, "events[]": "tradecounter.none"}, timeout=5
    ).raise_for_status()


@pytest.fixture
def two_open_invoices(transactional_db, stripe_keys, company_finance, invoiced):  # noqa: F811
    # Content types may carry other ids than this process cached (see test_approval_journey).
    ContentType.objects.clear_cache()
    return invoiced(price="100.00"), invoiced(price="50.00")


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")


def test_finance_pays_two_invoices_by_card_and_sees_them_paid(
    page, live_server, two_open_invoices, localstripe_webhook, save_screenshot
):
    first, second = two_open_invoices
    sign_in(page, live_server, "dave@acme.example")

    page.goto(f"{live_server.url}/portal/billing/pay/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay invoices")
    rows = page.get_by_test_id("open-invoice")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("open-total")).to_contain_text("¥169.50")
    page.get_by_label(first.number).check()
    page.get_by_label(second.number).check()
    page.get_by_test_id("test-card").select_option(label="Test Visa 4242 4242 4242 4242 (paid)")
    save_screenshot("card-payment-choose")
    page.get_by_role("button", name="Pay by card").click()

    expect(page).to_have_url(re.compile(r"/portal/billing/payments/\d+/$"))
    expect(page.get_by_test_id("payment-state")).to_have_text("Received")
    expect(page.get_by_test_id("payment-amount")).to_have_text("¥169.50")
    expect(page.get_by_test_id("invoice-paid")).to_have_count(2)
    save_screenshot("card-payment-paid")

    payment = Payment.objects.get()
    assert (payment.state, payment.amount) == (Payment.State.SUCCEEDED, Decimal("169.50"))
    assert payment.stripe_payment_intent.startswith("pi_")
    assert set(Invoice.objects.filter(pk__in=[first.pk, second.pk]).values_list("open_amount", flat=True)) == {
        Decimal("0.00")
    }
    assert LedgerEntry.objects.filter(payment=payment, kind=LedgerEntry.Kind.PAYMENT).count() == 1
    # localstripe's own webhook (signed by it, a second later) is verified, stored and changes nothing.
    deadline = time.monotonic() + 15
    while not StripeEvent.objects.filter(type="payment_intent.succeeded", processed_at__isnull=False).exists():
        assert time.monotonic() < deadline, "localstripe's event did not arrive"
        time.sleep(0.2)
    assert StripeEvent.objects.get(type="payment_intent.succeeded").object_id == payment.stripe_payment_intent
    assert LedgerEntry.objects.filter(payment=payment, kind=LedgerEntry.Kind.PAYMENT).count() == 1

    # Nothing is left to pay, and the payments list shows the payment received.
    page.goto(f"{live_server.url}/portal/billing/pay/")
    expect(page.get_by_test_id("nothing-to-pay")).to_be_visible()
    page.get_by_test_id("billing-tabs").get_by_role("link", name="Payments").click()
    expect(page.get_by_test_id("payment-row")).to_have_count(1)
    expect(page.get_by_test_id("payment-row-state")).to_have_text("Received")

    # The month's statement: both invoices and the payment; Dave confirms it.
    today = timezone.localdate()
    statement = statements.statement_for(
        Company.objects.get(memberships__user__email="dave@acme.example"), today.replace(day=1), today
    )
    assert statement.closing_balance == Decimal("0.00")
    page.get_by_test_id("billing-tabs").get_by_role("link", name="Statements").click()
    page.get_by_test_id("statement-row").get_by_role("link").first.click()
    expect(page.get_by_test_id("statement-line")).to_have_count(3)
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("statement-state")).to_contain_text("Confirmed")
    save_screenshot("statement-confirmed")
    statement.refresh_from_db()
    assert statement.state == statement.State.CONFIRMED
