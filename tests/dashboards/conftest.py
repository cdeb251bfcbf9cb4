"""The dashboards' fixtures: two reps' customers in two regions, and rollup rows written by hand
(the metric tests check sums the reader can do in their head)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from portal.dashboards import rollups
from portal.dashboards.models import DailyCompanySales, DailyProductSales

# Fixture loading for shipping and invoicing, as billing's tests do.
from tests.billing.conftest import invoiced, ship_order  # noqa: F401
from tests.factories import CompanyFactory, ProductFactory, RegionFactory, StaffFactory, category


@pytest.fixture
def world(staff_sales_rep):
    """East (the rep's customer Acme) and West (another rep's customer Bolt); a frozen and a
    chilled product."""
    east = RegionFactory(code="east", name="East China", name_zh="华东")
    west = RegionFactory(code="west", name="West China", name_zh="华西")
    other_rep = StaffFactory(email="other-rep@distributor.example", first_name="Olga", last_name="Other")
    chilled = category("Chilled")
    return {
        "acme": CompanyFactory(display_name="Acme Foods", region=east, sales_rep=staff_sales_rep),
        "bolt": CompanyFactory(display_name="Bolt Catering", region=west, sales_rep=other_rep),
        "frozen": ProductFactory(sku="FZ-1", name_en="Chicken wings"),
        "chilled": ProductFactory(sku="CH-1", name_en="Fresh milk", category=chilled),
        "east": east,
        "west": west,
        "other_rep": other_rep,
    }


def _company_day(company, day: date, currency: str) -> DailyCompanySales:
    return DailyCompanySales.objects.get_or_create(day=day, company=company, currency=currency)[0]


def periods_again(company, day: date) -> None:
    """The company's week and month rows, and its day's products' over every customer, summed
    again from the day rows, as rollups.recompute_day does after writing them."""
    products = set(DailyProductSales.objects.filter(company=company, day=day).values_list("product_id", flat=True))
    with connection.cursor() as cursor:
        rollups.recompute_periods(cursor, company_id=company.pk, day=day, products=products)


def sold(company, product, day: date, *, revenue, cost=None, quantity=1, currency="CNY"):
    """A product row, added to its company-day row as rollups.py does: `cost` None means no cost
    was known (its revenue is not costed)."""
    costed = Decimal(revenue) if cost is not None else Decimal(0)
    row = DailyProductSales.objects.create(
        day=day, company=company, product=product, currency=currency, quantity=quantity,
        revenue=Decimal(revenue), costed_revenue=costed, cost=Decimal(cost or 0),
    )  # fmt: skip
    summary = _company_day(company, day, currency)
    summary.quantity += quantity
    summary.revenue += Decimal(revenue)
    summary.costed_revenue += costed
    summary.cost += Decimal(cost or 0)
    summary.save()
    periods_again(company, day)
    return row


def ordered(company, day: date, *, orders=0, value="0", collected="0", currency="CNY"):
    summary = _company_day(company, day, currency)
    summary.orders += orders
    summary.order_value += Decimal(value)
    summary.collected += Decimal(collected)
    summary.save()
    periods_again(company, day)
    return summary
