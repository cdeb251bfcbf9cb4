"""Past orders written straight into the tables at the days a test names: the rhythm and the
usual order read only what was ordered and when, not how it was placed."""

import itertools
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ordering.models import Order, OrderLine, OrderState
from tests.factories import ProductFactory, UserFactory

_numbers = itertools.count(1)


def past_orders(company, *, days_ago, today, lines=None, state=OrderState.DELIVERED, total="100.00"):
    """Orders of `company` placed `days_ago` days before `today` (at 10:00), each with `lines`
    [(product, quantity)] (default: one new product)."""
    placer = UserFactory()
    lines = lines if lines is not None else [(ProductFactory(), 1)]
    orders = []
    for days in days_ago:
        order = Order.objects.create(
            company=company,
            number=f"H-{next(_numbers):06d}",
            state=state,
            placed_by=placer,
            ship_to_text="Dock 1",
            currency=company.currency,
            subtotal=Decimal(total),
            tax_total=Decimal("0.00"),
            total=Decimal(total),
        )
        at = timezone.make_aware(datetime.combine(today - timedelta(days=days), time(10, 0)))
        Order.objects.filter(pk=order.pk).update(placed_at=at)
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    product=product,
                    sku=product.sku,
                    name_en=product.name_en,
                    name_zh=product.name_zh,
                    sales_unit="case",
                    quantity=quantity,
                    allocated_quantity=quantity,
                    unit_price=Decimal("10.00"),
                    price_source="list",
                    tax_rate=Decimal("0"),
                    line_total=Decimal("10.00") * quantity,
                    tax_amount=Decimal("0.00"),
                )
                for product, quantity in lines
            ]
        )
        orders.append(order)
    return orders
