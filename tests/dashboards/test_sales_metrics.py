"""The sales dashboard's figures over small rollups whose sums are done by hand."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import Company
from portal.dashboards import sales
from portal.dashboards.sales import Figures, Period, period_containing

from .conftest import ordered, sold

pytestmark = pytest.mark.django_db

MARCH = period_containing(date(2026, 3, 18), "month")


def test_periods_and_their_comparisons():
    assert MARCH == Period("month", date(2026, 3, 1), date(2026, 3, 31))
    assert MARCH.previous() == Period("month", date(2026, 2, 1), date(2026, 2, 28))
    assert MARCH.year_before() == Period("month", date(2025, 3, 1), date(2025, 3, 31))
    week = period_containing(date(2026, 3, 18), "week")  # a Wednesday
    assert week == Period("week", date(2026, 3, 16), date(2026, 3, 22))
    assert week.previous().start == date(2026, 3, 9)
    assert week.year_before() == Period("week", date(2025, 3, 17), date(2025, 3, 23))  # ISO week 12
    leap = period_containing(date(2028, 2, 29), "day")
    assert leap.year_before() == Period("day", date(2027, 2, 28), date(2027, 2, 28))
    assert period_containing(date(2026, 1, 1), "month").previous().start == date(2025, 12, 1)


def test_margin_is_measured_only_on_revenue_with_a_known_cost():
    figures = Figures(revenue=Decimal("1000"), costed_revenue=Decimal("600"), cost=Decimal("450"))
    assert figures.margin == Decimal("150")
    assert figures.margin_rate == Decimal("0.25")
    assert figures.uncosted_revenue == Decimal("400")
    assert Figures(revenue=Decimal("500")).margin is None  # no cost known: unknown, not 100%
    assert Figures(revenue=Decimal("500")).margin_rate is None


def test_average_order_value_is_order_value_over_orders():
    assert Figures(orders=4, order_value=Decimal("1000")).average_order_value == Decimal("250")
    assert Figures(orders=0).average_order_value is None


def test_totals_add_the_period_only_in_its_currency(world):
    acme, bolt = world["acme"], world["bolt"]
    sold(acme, world["frozen"], date(2026, 3, 2), revenue="300", cost="200", quantity=3)
    sold(bolt, world["chilled"], date(2026, 3, 31), revenue="700")  # no cost known
    sold(acme, world["frozen"], date(2026, 2, 28), revenue="9999", cost="1")  # February
    sold(acme, world["frozen"], date(2026, 3, 5), revenue="5000", cost="1", currency="USD")
    ordered(acme, date(2026, 3, 2), orders=2, value="500", collected="120")
    ordered(bolt, date(2026, 3, 20), orders=1, value="250", collected="80")

    figures = sales.totals(companies=Company.objects.all(), currency="CNY", period=MARCH)
    assert figures.revenue == Decimal("1000")
    assert figures.margin == Decimal("100")  # 300 - 200; Bolt's 700 has no cost
    assert figures.uncosted_revenue == Decimal("700")
    assert figures.quantity == 4  # sold() default quantity 1 for Bolt
    assert figures.orders == 3
    assert figures.average_order_value == Decimal("250")  # (500 + 250) / 3
    assert figures.collected == Decimal("200")


def test_a_rep_s_figures_are_their_customers_only(world, staff_sales_rep):
    from accounts.selectors import companies_for_staff

    sold(world["acme"], world["frozen"], date(2026, 3, 2), revenue="300")
    sold(world["bolt"], world["frozen"], date(2026, 3, 2), revenue="700")
    figures = sales.totals(companies=companies_for_staff(staff_sales_rep), currency="CNY", period=MARCH)
    assert figures.revenue == Decimal("300")


def test_breakdowns_group_by_region_rep_customer_category_and_product(world):
    acme, bolt = world["acme"], world["bolt"]
    sold(acme, world["frozen"], date(2026, 3, 2), revenue="300", cost="200")
    sold(acme, world["chilled"], date(2026, 3, 3), revenue="100", cost="50")
    sold(bolt, world["frozen"], date(2026, 3, 4), revenue="700", cost="600")
    ordered(acme, date(2026, 3, 2), orders=2, value="400")
    ordered(bolt, date(2026, 3, 4), orders=1, value="700", collected="700")

    def by(grouping):
        rows = sales.breakdown(companies=Company.objects.all(), currency="CNY", period=MARCH, by=grouping)
        return [(group.name, figures.revenue, figures.margin, figures.orders) for group, figures in rows]

    assert by("region") == [
        ("West China", Decimal("700"), Decimal("100"), 1),
        ("East China", Decimal("400"), Decimal("150"), 2),
    ]
    assert by("customer") == [
        ("Bolt Catering", Decimal("700"), Decimal("100"), 1),
        ("Acme Foods", Decimal("400"), Decimal("150"), 2),
    ]
    assert by("rep")[0][0] == "Olga Other"
    # Orders are counted per company, not per product: unknown per category or product.
    assert by("category") == [
        ("Frozen", Decimal("1000"), Decimal("200"), None),
        ("Chilled", Decimal("100"), Decimal("50"), None),
    ]
    assert by("product") == [
        ("FZ-1 Chicken wings", Decimal("1000"), Decimal("200"), None),
        ("CH-1 Fresh milk", Decimal("100"), Decimal("50"), None),
    ]
    region_keys = [
        group.key
        for group, _f in sales.breakdown(companies=Company.objects.all(), currency="CNY", period=MARCH, by="region")
    ]
    assert region_keys == [world["west"].pk, world["east"].pk]


def test_the_trend_has_every_period_even_empty_ones(world):
    sold(world["acme"], world["frozen"], date(2026, 1, 15), revenue="100")
    sold(world["acme"], world["frozen"], date(2026, 3, 1), revenue="300")
    ordered(world["acme"], date(2026, 3, 1), orders=1, value="300", collected="50")
    points = sales.trend(companies=Company.objects.all(), currency="CNY", period=MARCH)
    assert len(points) == 12
    assert points[0][0].start == date(2025, 4, 1)
    assert [(p.start.month, f.revenue) for p, f in points[-3:]] == [
        (1, Decimal("100")),
        (2, Decimal("0")),
        (3, Decimal("300")),
    ]
    assert points[-1][1].collected == Decimal("50")
