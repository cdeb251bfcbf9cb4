"""The sales dashboard page: who sees it, what a rep sees, its drill-downs, exports and queries."""

import io
from datetime import date

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from portal.dashboards import sales_views
from portal.dashboards.models import DailyProductSales
from tests.factories import CompanyFactory, ProductFactory, with_second_factor

from .conftest import ordered, sold

URL = "/backoffice/dashboards/sales/"
TODAY = date(2026, 3, 18)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(date(2026, 3, 18), tick=False):
        yield


@pytest.fixture
def march(world):
    sold(world["acme"], world["frozen"], date(2026, 3, 2), revenue="311.11", cost="200")
    sold(world["bolt"], world["chilled"], date(2026, 3, 4), revenue="987.65", cost="600")
    sold(world["acme"], world["frozen"], date(2026, 2, 10), revenue="100.00", cost="50")
    ordered(world["acme"], date(2026, 3, 2), orders=1, value="311.11", collected="311.11")
    ordered(world["bolt"], date(2026, 3, 4), orders=1, value="987.65")
    return world


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


def test_the_url_is_the_menu_s(db):
    assert reverse("dashboards_sales:sales") == URL


@pytest.mark.parametrize("role", ["staff_manager", "staff_finance", "staff_sales_rep"])
def test_managers_finance_and_reps_see_the_sales_dashboard_and_its_menu(client, request, role, march):
    client.force_login(with_second_factor(request.getfixturevalue(role)))
    page = client.get(URL)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    home = client.get("/backoffice/").content.decode()
    assert "Dashboards" in home and URL in home


@pytest.mark.parametrize("role", ["staff_warehouse", "staff_content_editor", "staff_order_approver"])
def test_the_warehouse_and_others_do_not(client, request, role, march):
    client.force_login(with_second_factor(request.getfixturevalue(role)))
    for url in (URL, URL + "?export=csv&chart=breakdown"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert URL not in client.get("/backoffice/").content.decode()


def test_the_manager_sees_every_region_with_drill_downs_to_the_orders(client, staff_manager, march):
    client.force_login(with_second_factor(staff_manager))
    html = client.get(URL).content.decode()
    assert "¥1,298.76" in html  # 311.11 + 987.65
    assert "East China" in html and "West China" in html
    drill = (
        reverse("orders:index")
        + f"?placed_at_after=2026-03-01&amp;placed_at_before=2026-03-31&amp;region={march['east'].pk}"
    )
    assert drill in html
    # The link leads to the orders list, filtered.
    assert client.get(drill.replace("&amp;", "&")).status_code == 200


def test_a_sales_rep_sees_only_their_customers_everywhere(client, staff_sales_rep, march):
    client.force_login(with_second_factor(staff_sales_rep))
    texts = {}
    for by in ("region", "rep", "customer", "category", "product"):
        texts[by] = client.get(f"{URL}?by={by}").content.decode()
        for chart in ("figures", "trend", "breakdown"):
            texts[f"{by} {chart} csv"] = client.get(f"{URL}?by={by}&export=csv&chart={chart}").content.decode(
                "utf-8-sig"
            )
            texts[f"{by} {chart} xlsx"] = _xlsx_text(client.get(f"{URL}?by={by}&export=xlsx&chart={chart}").content)
    for name, text in texts.items():
        assert "987.65" not in text and "987,65" not in text, name
        assert "Bolt Catering" not in text and "West China" not in text and "Olga" not in text, name
    assert "¥311.11" in texts["customer"]
    assert "Acme Foods" in texts["customer breakdown csv"]


def test_the_figures_compare_with_the_period_before_and_a_year_before(client, staff_manager, march):
    client.force_login(with_second_factor(staff_manager))
    csv = client.get(URL + "?export=csv&chart=figures").content.decode("utf-8-sig").splitlines()
    assert csv[0].split(",")[1:] == ["Mar 2026", "Feb 2026", "vs the period before", "Mar 2025", "vs a year before"]
    revenue = csv[1].split(",")
    assert revenue[:4] == ["Revenue", "1298.76", "100.00", "11.9876"]  # +1,198.76%


def test_a_day_s_and_a_week_s_dashboard(client, staff_manager, march):
    client.force_login(with_second_factor(staff_manager))
    day = client.get(URL + "?grain=day&date=2026-03-04").content.decode()
    assert "¥987.65" in day and "¥311.11" not in day.split("data-sales-figures")[1].split("</table>")[0]
    # An unknown currency falls back to the one sold: the week of 2 March in yuan, Acme's 311.11.
    week = client.get(URL + "?grain=week&by=product&currency=XXX&date=2026-03-02").content.decode()
    figures = week.split("data-sales-figures")[1].split("</table>")[0]
    assert "¥311.11" in figures, figures
    assert 'button button-small" href="?grain=week&amp;by=product&amp;currency=CNY' in week


def test_the_page_runs_a_fixed_number_of_queries(
    client, staff_manager, world, django_assert_max_num_queries, monkeypatch
):
    client.force_login(with_second_factor(staff_manager))
    march = {"grain": "month", "by": "customer"}
    sold(world["acme"], world["frozen"], date(2026, 3, 2), revenue="10", cost="5")
    client.get(URL, march)  # warm the session and permission caches
    with django_assert_max_num_queries(22) as small:
        client.get(URL, march)
    # A breakdown longer than the page's table adds one count (of the rows left to the download).
    monkeypatch.setattr(sales_views, "TABLE_ROWS", 5)
    for n in range(30):
        company = CompanyFactory(region=world["east" if n % 2 else "west"])
        product = ProductFactory()
        sold(company, product, date(2026, 3, 1 + n % 28), revenue=str(10 + n), cost="5")
        sold(company, product, date(2026, 2, 1 + n % 28), revenue=str(10 + n))
        ordered(company, date(2026, 3, 1 + n % 28), orders=1, value="10", collected="5")
    assert DailyProductSales.objects.count() == 61
    for by in ("region", "rep", "customer", "category", "product"):
        with django_assert_max_num_queries(len(small.captured_queries) + 1):
            assert client.get(URL, {"grain": "month", "by": by}).status_code == 200


def test_the_page_shows_the_first_rows_and_the_export_has_them_all(client, staff_manager, world):
    from portal.dashboards.sales_views import TABLE_ROWS

    client.force_login(with_second_factor(staff_manager))
    for n in range(TABLE_ROWS + 3):
        sold(world["acme"], ProductFactory(sku=f"MANY-{n:03d}"), date(2026, 3, 2), revenue=str(100 + n))
    html = client.get(URL, {"by": "product"}).content.decode()
    assert "3 more rows are in the download." in html
    assert "MANY-052" in html and "MANY-000" not in html  # largest revenue first
    csv = client.get(URL, {"by": "product", "export": "csv", "chart": "breakdown"}).content.decode("utf-8-sig")
    assert len(csv.splitlines()) == 1 + TABLE_ROWS + 3
