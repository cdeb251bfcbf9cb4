"""The dashboards' fixtures: two reps' customers in two regions, and rollup rows written by hand
(the metric tests check sums the reader can do in their head)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from portal.dashboards import rollups
from portal.dashboards.models import DailyCompanySales, DailyProductSales, MonthlyCompanySales

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


def month_again(company, day: date) -> None:
    """The company's month row summed again from its day rows, as rollups.recompute_day does."""
    start = day.replace(day=1)
    MonthlyCompanySales.objects.filter(company=company, month=start).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            rollups.monthly_company_sales("d.company_id = %s AND d.day >= %s AND d.day < %s"),
            [company.pk, start, (start + timedelta(days=32)).replace(day=1)],
        )


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
    month_again(company, day)
    return row


def ordered(company, day: date, *, orders=0, value="0", collected="0", currency="CNY"):
    summary = _company_day(company, day, currency)
    summary.orders += orders
    summary.order_value += Decimal(value)
    summary.collected += Decimal(collected)
    summary.save()
    month_again(company, day)
    return summary
