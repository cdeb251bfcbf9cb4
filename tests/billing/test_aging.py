"""Receivables aging: each open invoice in one bucket by days past due (frozen time at the
bucket edges), by customer, sales rep and region, in one SQL aggregate; the drill-down to the
invoices of a cell; days sales outstanding; the back-office report, its exports (formula-safe)
and a sales rep seeing only their own customers everywhere."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from accounts.selectors import companies_for_staff
from billing import aging
from billing.models import Invoice
from tests.factories import CompanyFactory, RegionFactory, with_second_factor

TODAY = date(2026, 12, 7)


def _invoice(company, *, due_in_days_ago: int, amount="100.00", open_amount=None, issued_days_ago=30, currency="CNY"):
    """An open invoice row (the report reads only invoices; how they were issued is tested in
    test_invoicing): due `due_in_days_ago` days before TODAY."""
    amount = Decimal(amount)
    return Invoice.objects.create(
        number=f"INV-T-{Invoice.objects.count() + 1:06d}",
        company=company,
        issued_on=TODAY - timedelta(days=issued_days_ago),
        due_on=TODAY - timedelta(days=due_in_days_ago),
        currency=currency,
        subtotal=amount,
        tax_total=Decimal("0.00"),
        total=amount,
        open_amount=amount if open_amount is None else Decimal(open_amount),
    )


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (0, aging.NOT_DUE),
        (30, aging.DAYS_1_30),
        (31, aging.DAYS_31_60),
        (60, aging.DAYS_31_60),
        (61, aging.DAYS_61_90),
        (90, aging.DAYS_61_90),
        (91, aging.OVER_90),
        (1, aging.DAYS_1_30),
        (-5, aging.NOT_DUE),
    ],
)
def test_an_issued_invoice_ages_into_its_bucket(invoiced, company, days_past_due, bucket):
    """A real invoice (shipped and issued), then the clock moved to its due date + N days."""
    invoice = invoiced(price="100.00", quantity=1)
    moment = timezone.make_aware(datetime.combine(invoice.due_on + timedelta(days=days_past_due), datetime.min.time()))
    with time_machine.travel(moment + timedelta(hours=12), tick=False):
        today = timezone.localdate()
        (row,) = aging.aging(Company.objects.all(), today)
        drilled = list(aging.invoices_in_bucket(Company.objects.all(), today, bucket=bucket))
    assert row.buckets == {name: (Decimal("113.00") if name == bucket else Decimal("0.00")) for name in aging.BUCKETS}
    assert drilled == [invoice] and invoice.days_overdue(today) == max(days_past_due, 0)


def test_aging_is_one_aggregate_grouped_by_company_rep_and_region_and_one_naming_query(
    django_assert_num_queries, staff_sales_rep
):
    north, south = RegionFactory(name="North", name_zh="华北"), RegionFactory(name="South", name_zh="华南")
    repped = CompanyFactory(display_name="Harbour Grill", region=north, sales_rep=staff_sales_rep)
    other = CompanyFactory(display_name="Lotus Canteen", region=south)
    _invoice(repped, due_in_days_ago=10, amount="100.00")
    _invoice(repped, due_in_days_ago=45, amount="200.00", open_amount="50.00")
    _invoice(other, due_in_days_ago=120, amount="300.00")
    _invoice(other, due_in_days_ago=-3, amount="40.00")
    paid = _invoice(other, due_in_days_ago=200, amount="999.00", open_amount="0.00")

    with django_assert_num_queries(2):
        by_company = aging.aging(Company.objects.all(), TODAY, group_by="company")
    assert [(row.names[0], row.amounts(), row.invoices) for row in by_company] == [
        (
            "Lotus Canteen",
            [
                (aging.NOT_DUE, Decimal("40.00")),
                (aging.DAYS_1_30, 0),
                (aging.DAYS_31_60, 0),
                (aging.DAYS_61_90, 0),
                (aging.OVER_90, Decimal("300.00")),
            ],
            2,
        ),
        (
            "Harbour Grill",
            [
                (aging.NOT_DUE, 0),
                (aging.DAYS_1_30, Decimal("100.00")),
                (aging.DAYS_31_60, Decimal("50.00")),
                (aging.DAYS_61_90, 0),
                (aging.OVER_90, 0),
            ],
            2,
        ),
    ]
    with django_assert_num_queries(2):
        by_rep = aging.aging(Company.objects.all(), TODAY, group_by="sales_rep")
    assert {row.key: row.total for row in by_rep} == {staff_sales_rep.pk: Decimal("150.00"), None: Decimal("340.00")}
    by_region = aging.aging(Company.objects.all(), TODAY, group_by="region")
    assert {row.names: row.overdue for row in by_region} == {
        ("North", "华北"): Decimal("150.00"),
        ("South", "华南"): Decimal("300.00"),
    }
    (total,) = aging.totals(by_company)
    assert (total.total, total.invoices) == (Decimal("490.00"), 4)
    # Without a grouping: the totals per currency, in one query and no naming one.
    with django_assert_num_queries(1):
        (whole,) = aging.aging(Company.objects.all(), TODAY, group_by=None)
    assert (whole.amounts(), whole.invoices, whole.names) == (total.amounts(), 4, ())
    # A paid invoice is in no bucket and no drill-down.
    assert paid not in aging.invoices_in_bucket(Company.objects.all(), TODAY)
    # The drill-down of one group's cell.
    cell = aging.invoices_in_bucket(Company.objects.all(), TODAY, bucket=aging.OVER_90, group_by="region", key=south.pk)
    assert [invoice.total for invoice in cell] == [Decimal("300.00")]
    unassigned = aging.invoices_in_bucket(Company.objects.all(), TODAY, group_by="sales_rep", key=None)
    assert {invoice.company for invoice in unassigned} == {other}


def test_currencies_are_never_added_together(db):
    company = CompanyFactory()
    _invoice(company, due_in_days_ago=5, amount="100.00", currency="CNY")
    _invoice(company, due_in_days_ago=5, amount="10.00", currency="USD")
    rows = aging.aging(Company.objects.all(), TODAY)
    assert sorted((row.currency, row.total) for row in rows) == [("CNY", Decimal("100.00")), ("USD", Decimal("10.00"))]


def test_days_sales_outstanding_is_receivables_over_the_last_90_days_sales(db, django_assert_num_queries):
    company = CompanyFactory()
    _invoice(company, due_in_days_ago=0, amount="900.00", open_amount="300.00", issued_days_ago=10)
    _invoice(company, due_in_days_ago=0, amount="900.00", open_amount="0.00", issued_days_ago=89)
    _invoice(company, due_in_days_ago=100, amount="150.00", issued_days_ago=130)  # open, sold before the window
    with django_assert_num_queries(1):
        result = aging.dso(Company.objects.all(), TODAY)
    # (300 + 150) open ÷ 1,800 sold in 90 days × 90 days.
    assert result == {"CNY": Decimal("22.5")}
    assert aging.dso(Company.objects.filter(pk=-1), TODAY) == {}


@pytest.fixture
def two_reps_customers(staff_sales_rep):
    ours = CompanyFactory(display_name="Our Bistro", sales_rep=staff_sales_rep)
    theirs = CompanyFactory(display_name="Rival Canteen")
    _invoice(ours, due_in_days_ago=40, amount="11.11")
    _invoice(theirs, due_in_days_ago=40, amount="987.65")
    return ours, theirs


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


def test_a_sales_rep_sees_only_their_customers_in_the_report_drill_down_and_exports(
    client, staff_sales_rep, two_reps_customers
):
    ours, theirs = two_reps_customers
    assert set(companies_for_staff(staff_sales_rep)) == {ours}
    client.force_login(with_second_factor(staff_sales_rep))
    report = reverse("billing_aging:report")
    drill = reverse("billing_aging:invoices")
    date_query = f"date={TODAY.isoformat()}"
    pages = {
        "report": client.get(f"{report}?{date_query}").content.decode(),
        "by rep": client.get(f"{report}?group_by=sales_rep&{date_query}").content.decode(),
        "by region": client.get(f"{report}?group_by=region&{date_query}").content.decode(),
        "drill-down": client.get(f"{drill}?bucket=31_60&{date_query}").content.decode(),
        "report csv": client.get(f"{report}?export=csv&{date_query}").content.decode("utf-8-sig"),
        "drill-down csv": client.get(f"{drill}?export=csv&{date_query}").content.decode("utf-8-sig"),
        "report xlsx": _xlsx_text(client.get(f"{report}?export=xlsx&{date_query}").content),
        "drill-down xlsx": _xlsx_text(client.get(f"{drill}?export=xlsx&{date_query}").content),
        # Naming the other rep's customer's key shows nothing of it.
        "their key": client.get(f"{drill}?group_by=company&key={theirs.pk}&{date_query}").content.decode(),
    }
    for name, text in pages.items():
        assert "Rival" not in text and "987.65" not in text, name
    for name in ("report", "drill-down", "report csv", "drill-down csv", "report xlsx", "drill-down xlsx"):
        assert "11.11" in pages[name], name
    assert "Our Bistro" in pages["report"] and "Our Bistro" in pages["drill-down xlsx"]


def test_finance_sees_every_customer_and_the_dso(client, staff_finance, two_reps_customers):
    client.force_login(with_second_factor(staff_finance))
    page = client.get(reverse("billing_aging:report") + f"?date={TODAY.isoformat()}").content.decode()
    assert "Rival Canteen" in page and "Our Bistro" in page
    assert "Days sales outstanding" in page


def test_exports_neutralise_formulas(client, staff_finance):
    company = CompanyFactory(display_name='=HYPERLINK("http://evil.example")')
    _invoice(company, due_in_days_ago=5)
    client.force_login(with_second_factor(staff_finance))
    csv_text = client.get(reverse("billing_aging:report") + f"?export=csv&date={TODAY.isoformat()}").content.decode(
        "utf-8-sig"
    )
    assert "'=HYPERLINK" in csv_text
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("billing_aging:invoices") + f"?export=xlsx&date={TODAY.isoformat()}").content)
    )
    cells = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert '\'=HYPERLINK("http://evil.example")' in cells


def test_a_warehouse_user_does_not_see_the_report(client, staff_warehouse):
    client.force_login(with_second_factor(staff_warehouse))
    response = client.get(reverse("billing_aging:report"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def test_the_report_and_drill_down_take_a_fixed_number_of_queries(client, staff_finance, django_assert_max_num_queries):
    for index in range(30):
        _invoice(CompanyFactory(), due_in_days_ago=index * 5)
    client.force_login(with_second_factor(staff_finance))
    for url in (reverse("billing_aging:report"), reverse("billing_aging:invoices")):
        for group_by in ("company", "sales_rep", "region"):
            with django_assert_max_num_queries(13):
                response = client.get(f"{url}?group_by={group_by}&date={TODAY.isoformat()}")
            assert response.status_code == 200


def test_the_report_pages_its_rows_with_the_totals_and_dso_of_them_all(client, staff_finance):
    # 55 customers, each with one overdue invoice issued 30 days ago: customer n owes 100 + n.
    for n in range(55):
        _invoice(CompanyFactory(display_name=f"Customer {n:02d}"), due_in_days_ago=n + 1, amount=f"{100 + n}.00")
    client.force_login(with_second_factor(staff_finance))
    report = reverse("billing_aging:report") + f"?date={TODAY.isoformat()}"
    first, second = (client.get(f"{report}&p={p}").content.decode() for p in (1, 2))
    assert first.count("data-aging-row") == 50 and second.count("data-aging-row") == 5
    # The most overdue first: Customer 54 heads the first page, Customer 00 ends the second.
    assert "Customer 54" in first and "Customer 00" not in first and "Customer 00" in second
    assert "55 rows, the most overdue first." in first and "Page 1 of 2" in first
    for page in (first, second):
        assert "¥6,985.00" in page  # the total of every row on each page
    # DSO = 6,985.00 open ÷ 6,985.00 invoiced in the last 90 days × 90, as the one-query form says.
    assert aging.dso(Company.objects.all(), TODAY) == {"CNY": Decimal("90.0")}
    assert "CNY 90.0" in first
    csv = client.get(f"{report}&export=csv").content.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 1 + 55
