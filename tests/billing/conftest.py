"""Billing's fixtures: orders shipped by fulfilment's own verbs, so each shipment is invoiced the
way it is in production (the `shipment_shipped` signal; tasks run immediately in tests)."""

import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import Invoice
from ordering.fulfilment import shipping
from ordering.models import OrderState
from tests.fulfilment.test_shipping import _picking


@pytest.fixture
def ship_order(staff_warehouse, django_capture_on_commit_callbacks):
    """ship_order(order, picked=None) picks everything (or `picked` of each line) and ships it;
    returns the shipment (invoiced at once for a company invoiced per shipment)."""

    def ship(order, *, picked=None, weight=None):
        _picking(order, staff_warehouse, picked=picked, weight=weight)
        # What runs after the shipment commits (the invoice among it) runs here.
        with django_capture_on_commit_callbacks(execute=True):
            return shipping.ship(
                order=order, carrier="Van 沪A-12345", dispatch_temperature=Decimal("-20"), user=staff_warehouse
            )

    return ship


@pytest.fixture
def invoiced(place_order, make_product, ship_order, company):
    """invoiced(price="100.00", quantity=1, tax_rate="13.00") places, approves, ships and so
    invoices an order for `company`; returns the invoice. Credit is given so orders approve."""
    if company.credit_limit < Decimal("100000"):
        company.credit_limit = Decimal("100000.00")
        company.save(update_fields=["credit_limit"])

    def make(*, price="100.00", quantity=1, tax_rate="13.00", **order_fields):
        product = make_product(price=price, tax_rate=tax_rate, stock=quantity + 10)
        order = place_order(product=product, quantity=quantity, state=OrderState.APPROVED, **order_fields)
        shipment = ship_order(order)
        return Invoice.objects.get(shipment=shipment)

    return make


# --- Card payments: a real localstripe process ------------------------------------------------

WEBHOOK_SECRET = "whsec_test_tradecounter"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_server():
    """localstripe (billing.localstripe_server) on a free port of 127.0.0.1, for the session."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "billing.localstripe_server", "--port", str(port)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_keys(settings, localstripe_server):
    """The portal talks to localstripe with test keys; the webhook secret signs test events."""
    settings.STRIPE_API_BASE = localstripe_server
    settings.STRIPE_SECRET_KEY = "sk_test_tradecounter"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_tradecounter"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings
