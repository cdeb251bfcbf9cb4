"""Tickets' fixtures: a delivered order of the company (so it has an order, a line, a shipment,
a lot received and an invoice to open tickets about), photos made in memory."""

from decimal import Decimal

import pytest

from billing.models import Invoice
from ordering.models import OrderState
from tests.billing.conftest import invoiced, ship_order  # noqa: F401  (fixtures shared with billing)


@pytest.fixture
def shipped(place_order, make_product, ship_order, company):  # noqa: F811
    """An order of `company`, shipped (and so invoiced): its order, line, shipment, lot, invoice."""
    company.credit_limit = Decimal("100000.00")
    company.save(update_fields=["credit_limit"])
    product = make_product(price="100.00", stock=20)
    order = place_order(company=company, product=product, quantity=2, state=OrderState.APPROVED)
    shipment = ship_order(order)
    line = shipment.lines.select_related("lot", "order_line").get()
    return {
        "order": order,
        "line": line.order_line,
        "shipment": shipment,
        "lot": line.lot,
        "invoice": Invoice.objects.get(shipment=shipment),
    }
