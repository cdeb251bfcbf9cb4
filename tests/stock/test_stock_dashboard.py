"""The stock dashboard: turnover, days of cover, slow movers and expiring lots computed by hand
with frozen time; the rollup kept by shipping equals the ledger's aggregate; the figures table
refreshed whole and said when; who sees values and whose customers; exports; a fixed number of
queries."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from catalog import allocation
from catalog.models import Allocation, Lot, ShippedMonth
from catalog.shipped import rebuild_shipped_months
from ordering.models import OrderLine
from portal.dashboards import stock_figures
from tests.factories import CompanyFactory, MembershipFactory, StaffFactory, category, with_second_factor

TODAY = date(2026, 3, 15)
DASHBOARD = "/backoffice/dashboards/stock/"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 3, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def _shipped(product, month: date, quantity: int):
    ShippedMonth.objects.create(product=product, month=month, quantity=quantity)


@pytest.fixture
def two_products(frozen, make_product):
    """Fast: 50 on hand at 2.00 a unit, shipped 30 + 20 + 10 in Jan–Mar (and 100 in December).
    Slow: 200 on hand at a standard cost of 1.50, shipped 10 in February."""
    meat, dry = category("Meat", slug="meat"), category("Dry goods", slug="dry")
    fast = make_product(stock=50, sku="FAST-1", name_en="Fast", category=meat)
    slow = make_product(stock=200, sku="SLOW-1", name_en="Slow", category=dry, standard_cost=Decimal("1.50"))
    Lot.objects.filter(product=fast).update(unit_cost=Decimal("2.00"))
    for month, quantity in ((date(2025, 12, 1), 100), (date(2026, 1, 1), 30), (date(2026, 2, 1), 20)):
        _shipped(fast, month, quantity)
    _shipped(fast, date(2026, 3, 1), 10)
    _shipped(slow, date(2026, 2, 1), 10)
    stock_figures.refresh(today=TODAY)
    return fast, slow


def test_turnover_days_of_cover_and_slow_movers_by_hand(two_products):
    fast, slow = two_products

    rows = {row.sku: row for row in stock_figures.turnover_by_product(months=3, day=TODAY)}

    # 1 January – 15 March: 74 days; shipped 30 + 20 + 10 = 60 of the fast one, 10 of the slow.
    assert (rows["FAST-1"].shipped, rows["FAST-1"].on_hand, rows["FAST-1"].days) == (60, 50, 74)
    assert rows["FAST-1"].turnover == Decimal("1.20")  # 60 ÷ 50
    assert rows["FAST-1"].days_of_cover == 61  # 50 × 74 ÷ 60 = 61.7
    assert rows["FAST-1"].value == Decimal("100.00")  # 50 × 2.00 (the lot's cost)
    assert rows["SLOW-1"].turnover == Decimal("0.05")  # 10 ÷ 200
    assert rows["SLOW-1"].days_of_cover == 1480  # 200 × 74 ÷ 10
    assert rows["SLOW-1"].value == Decimal("300.00")  # 200 × 1.50 (the product's standard cost)
    assert [row.sku for row in stock_figures.slow_movers(months=3, day=TODAY)] == ["SLOW-1"]
    # Ranked in the database, the fastest first; the limit keeps the first.
    assert [row.sku for row in stock_figures.turnover_by_product(months=3, day=TODAY, limit=1)] == ["FAST-1"]

    # One month: only March's 10 of the fast one (15 days); the slow one shipped nothing.
    march = {row.sku: row for row in stock_figures.turnover_by_product(months=1, day=TODAY)}
    assert (march["FAST-1"].turnover, march["FAST-1"].days_of_cover) == (Decimal("0.20"), 75)
    assert (march["SLOW-1"].turnover, march["SLOW-1"].days_of_cover) == (Decimal("0.00"), None)

    categories = {row.name: row for row in stock_figures.turnover_by_category(months=3, day=TODAY)}
    assert (categories["Meat"].turnover, categories["Dry goods"].value) == (Decimal("1.20"), Decimal("300.00"))


def test_a_refresh_replaces_the_figures_and_an_unknown_cost_leaves_the_value_unknown(two_products, make_product):
    make_product(stock=7, sku="NOCOST-1")  # no lot cost, no standard cost
    # Until the next refresh the page reads the figures as they were.
    assert "NOCOST-1" not in {row.sku for row in stock_figures.turnover_by_product(months=3, day=TODAY)}

    assert stock_figures.refresh(today=TODAY) == 3
    rows = {row.sku: row for row in stock_figures.turnover_by_product(months=3, day=TODAY)}
    assert (rows["NOCOST-1"].on_hand, rows["NOCOST-1"].value) == (7, None)
    assert rows["FAST-1"].value == Decimal("100.00")
    # Unknown values rank last among the slow movers; the slow one's 300.00 first.
    assert [row.sku for row in stock_figures.slow_movers(months=3, day=TODAY)] == ["SLOW-1", "NOCOST-1"]
    assert stock_figures.as_of().day == TODAY


def test_the_rollup_kept_by_shipping_equals_the_ledgers_aggregate(company, make_product, place_order, freezer_location):
    product = make_product(stock=40)
    order = place_order(company=company, product=product, quantity=7)
    line = OrderLine.objects.get(order=order)
    held = Allocation.objects.get(order_line_id=line.pk)
    user = StaffFactory()
    for quantity in (3, 4):
        allocation.ship(
            allocation_id=held.pk,
            lot_id=held.lot_id,
            location_id=freezer_location.pk,
            quantity=quantity,
            user=user,
            reference="SH-1",
        )

    month = timezone.localdate().replace(day=1)
    kept = list(ShippedMonth.objects.values_list("product_id", "month", "quantity"))
    assert kept == [(product.pk, month, 7)]
    assert rebuild_shipped_months() == 1
    assert list(ShippedMonth.objects.values_list("product_id", "month", "quantity")) == kept


@pytest.fixture
def expiring(frozen, make_product, stock_in, company, other_company, staff_sales_rep, place_order):
    """A lot of 10 expiring in 5 days at 3.00 a unit; Acme (the rep's) and Other Catering both buy the product."""
    product = make_product(stock=100, sku="SD-1", name_en="Short dated", standard_cost=Decimal("3.00"))
    stock_in(product, 10, lot="SD-LOT", days=5)
    company.sales_rep = staff_sales_rep
    company.save()
    for buyer_company in (company, other_company):
        buyer = MembershipFactory(company=buyer_company).user
        place_order(buyer=buyer, company=buyer_company, product=product, quantity=2)
    stock_figures.refresh()
    return Lot.objects.get(number="SD-LOT")


def test_lots_nearing_expiry_with_their_value_and_usual_buyers(expiring, company, other_company):
    rows = stock_figures.expiring_lots(today=TODAY, companies=Company.objects.all())
    (row,) = [row for row in rows if row.lot == expiring]
    # Both orders took 2 from the short-dated lot first (first expiry first): 6 left free.
    assert (row.free, row.value) == (6, Decimal("30.00"))  # 10 on hand × 3.00
    assert {name for _id, name, _orders in row.buyers} == {"Acme Foods", "Other Catering"}


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(
        str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell is not None
    )


def test_a_rep_sees_only_their_customers_as_buyers_on_the_page_and_in_exports(
    client, expiring, staff_sales_rep, company
):
    client.force_login(with_second_factor(staff_sales_rep))
    pages = {
        "page": client.get(DASHBOARD).content.decode(),
        "csv": client.get(DASHBOARD + "?export=csv&chart=expiring").content.decode("utf-8-sig"),
        "xlsx": _xlsx_text(client.get(DASHBOARD + "?export=xlsx&chart=expiring").content),
    }
    for name, text in pages.items():
        assert "Acme Foods" in text and "Other Catering" not in text, name
    offer_link = reverse("stock_offers:make", args=[expiring.product_id])
    assert f"{offer_link}?lots={expiring.pk}&amp;companies={company.pk}" in pages["page"]


def test_the_manager_sees_values_and_every_buyer(client, expiring, staff_manager):
    client.force_login(with_second_factor(staff_manager))
    page = client.get(DASHBOARD).content.decode()
    assert "Acme Foods" in page and "Other Catering" in page
    assert "Value at cost" in page and "¥30.00" in page
    assert "Value at cost" in client.get(DASHBOARD + "?export=csv&chart=slow").content.decode("utf-8-sig")


def test_the_warehouse_sees_stock_but_no_values(client, expiring, staff_warehouse):
    client.force_login(with_second_factor(staff_warehouse))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "SD-LOT" in page
    assert "Value at cost" not in page and "¥" not in page
    assert "Make a short-dated offer" not in page
    for chart in ("categories", "products", "slow", "expiring"):
        for fmt in ("csv", "xlsx"):
            response = client.get(DASHBOARD + f"?export={fmt}&chart={chart}")
            text = response.content.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(response.content)
            assert "Value at cost" not in text and "30.00" not in text, (chart, fmt)


def test_finance_does_not_see_the_dashboard(client, staff_finance):
    client.force_login(with_second_factor(staff_finance))
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_the_dashboard_takes_a_fixed_number_of_queries(
    client, frozen, staff_manager, make_product, stock_in, django_assert_max_num_queries
):
    client.force_login(with_second_factor(staff_manager))

    def grow(count: int):
        for index in range(count):
            product = make_product(stock=20 + index, standard_cost=Decimal("1.00"))
            stock_in(product, 5, lot=f"X{index}", days=3 + index)
            _shipped(product, date(2026, 3, 1), index)
            CompanyFactory()

    grow(2)
    stock_figures.refresh()
    with django_assert_max_num_queries(18):
        assert client.get(DASHBOARD).status_code == 200
    grow(25)
    stock_figures.refresh()
    with django_assert_max_num_queries(18):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    # The first SHOWN of the 27 products, ranked and named in the database.
    tables = {section["table"].key: section["table"] for section in response.context["sections"]}
    assert len(tables["products"].rows) == 15


def test_the_page_says_when_the_figures_were_refreshed_or_that_they_never_were(
    client, frozen, staff_manager, make_product
):
    client.force_login(with_second_factor(staff_manager))
    make_product(stock=5, sku="NEW-1")
    page = client.get(DASHBOARD).content.decode()
    assert "have not been computed yet" in page and "NEW-1" not in page

    stock_figures.refresh()
    page = client.get(DASHBOARD).content.decode()
    assert "Stock and turnover as of" in page and "NEW-1" in page
