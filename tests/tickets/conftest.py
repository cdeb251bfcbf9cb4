"""Tickets' fixtures: a delivered order of the company (so it has an order, a line, a shipment,
a lot received and an invoice to open tickets about), photos made in memory."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billing.models import Invoice
from ordering.models import OrderState
from tests.billing.conftest import invoiced, ship_order  # noqa: F401  (fixtures shared with billing)


def image_bytes(fmt: str = "PNG", size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str = "thawed.png", content: bytes | None = None, content_type: str = "image/png"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


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
