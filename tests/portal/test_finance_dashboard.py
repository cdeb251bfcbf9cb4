"""The finance dashboard: DSO by month and collected vs invoiced hand-computed on a small ledger
with frozen time (booked through billing's own ledger, so the rollup is the ledger's), the
overdue list worst first, a sales rep seeing only their customers in charts, tables and exports,
exports of every chart, and a fixed number of queries."""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company
from billing import aging, rollup
from billing.models import Payment
from billing.services import invoicing, ledger
from portal.dashboards.finance import finance_figures
from tests.factories import CompanyFactory, StaffFactory, with_second_factor

TODAY = date(2026, 12, 7)
D = Decimal


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 7, 12, 0)), tick=False):
        yield


def _invoice(company, staff, amount: str, issued_on: date):
    return invoicing.invoice_charges(
        company,
        [invoicing.ChargeLine(name_en="Cold-chain handling", quantity=1, unit_price=D(amount), tax_rate=D("0"))],
        actor=staff,
        issued_on=issued_on,
        render=False,
    )


def _pay(company, staff, amount: str, received_on: date):
    with transaction.atomic():
        account = ledger.lock_books(company.pk)
        payment = Payment.objects.create(
            company=company,
            method=Payment.Method.TRANSFER,
            state=Payment.State.SUCCEEDED,
            currency=company.currency,
            amount=D(amount),
            received_on=received_on,
            reference="T-1",
        )
        ledger.book_payment(account, payment, actor=staff)


def _write_off(invoice, staff, amount: str):
    with transaction.atomic():
        account = ledger.lock_books(invoice.company_id)
        ledger.write_off(account, invoice, D(amount), actor=staff, memo="bad debt")


def _book_story(company, staff):
    """October 1,000 invoiced; November 500 invoiced, 400 collected; December (to the 7th) 300
    invoiced, 200 collected, 100 written off."""
    first = _invoice(company, staff, "1000.00", date(2026, 10, 5))
    _invoice(company, staff, "500.00", date(2026, 11, 10))
    _pay(company, staff, "400.00", date(2026, 11, 20))
    _invoice(company, staff, "300.00", date(2026, 12, 2))
    _pay(company, staff, "200.00", date(2026, 12, 5))
    _write_off(first, staff, "100.00")
    return first


@pytest.fixture
def story(db, frozen, staff_sales_rep):
    staff = StaffFactory(is_superuser=True)
    ours = CompanyFactory(display_name="Our Bistro", sales_rep=staff_sales_rep, credit_limit=D("100000.00"))
    theirs = CompanyFactory(display_name="Their Canteen", credit_limit=D("100000.00"))
    first = _book_story(ours, staff)
    _invoice(theirs, staff, "7777.00", date(2026, 6, 1))
    return ours, theirs, first


def test_collected_vs_invoiced_and_closing_balances_by_month(story):
    ours, _theirs, _first = story
    figures = finance_figures(Company.objects.filter(pk=ours.pk), today=TODAY, period=3)
    (months,) = figures.months.values()
    assert [
        (m.month, m.invoiced, m.credited, m.collected, m.written_off, m.closing_balance, m.collection_rate)
        for m in months
    ] == [
        (date(2026, 10, 1), D("1000.00"), 0, 0, 0, D("1000.00"), D("0.0")),
        (date(2026, 11, 1), D("500.00"), 0, D("400.00"), 0, D("1100.00"), D("80.0")),
        (date(2026, 12, 1), D("300.00"), 0, D("200.00"), D("100.00"), D("1100.00"), D("66.7")),
    ]


def test_dso_by_month_is_receivables_over_three_months_of_sales(story):
    ours, _theirs, _first = story
    companies = Company.objects.filter(pk=ours.pk)
    figures = finance_figures(companies, today=TODAY, period=3)
    points = figures.dso["CNY"][-3:]
    # October: 1,000 ÷ 1,000 (Aug–Oct) × 92 days; November: 1,100 ÷ 1,500 (Sep–Nov) × 91;
    # December to the 7th: 1,100 ÷ 1,800 (Oct 1 – Dec 7) × 68.
    assert [(p.month, p.receivables, p.sales, p.days, p.dso) for p in points] == [
        (date(2026, 10, 1), D("1000.00"), D("1000.00"), 92, D("92.0")),
        (date(2026, 11, 1), D("1100.00"), D("1500.00"), 91, D("66.7")),
        (date(2026, 12, 1), D("1100.00"), D("1800.00"), 68, D("41.6")),
    ]
    # Today's point is billing.aging.dso over the same days (no credit left unapplied here).
    assert aging.dso(companies, TODAY, days=68) == {"CNY": D("41.6")}


def test_the_rollup_rebuilt_from_the_entries_is_what_the_ledger_kept(story):
    kept = list(rollup.MonthlyRollup.objects.values_list("company", "month", *rollup.COLUMNS, "closing_balance"))
    rollup.rebuild()
    assert (
        list(rollup.MonthlyRollup.objects.values_list("company", "month", *rollup.COLUMNS, "closing_balance")) == kept
    )


def test_overdue_list_worst_first_links_to_the_360_page_and_invoice(client, story, staff_finance):
    ours, theirs, first = story
    client.force_login(with_second_factor(staff_finance))
    page = client.get(reverse("dashboards_finance:index")).content.decode()
    # Their June invoice is the longest overdue, so it comes first.
    assert page.index("Their Canteen") < page.index(first.number)
    assert reverse("customers:inspect", args=[ours.pk]) in page
    assert reverse("billing_invoices:detail", args=[first.pk]) in page


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


def test_a_sales_rep_sees_only_their_customers_in_charts_tables_and_exports(client, story, staff_sales_rep):
    ours, theirs, _first = story
    their_invoice = theirs.invoices.get()
    client.force_login(with_second_factor(staff_sales_rep))
    url = reverse("dashboards_finance:index")
    seen = {
        "page": client.get(url).content.decode(),
        "page 24 months": client.get(f"{url}?months=24").content.decode(),
        "overdue csv": client.get(f"{url}?export=csv&chart=overdue").content.decode("utf-8-sig"),
        "overdue xlsx": _xlsx_text(client.get(f"{url}?export=xlsx&chart=overdue").content),
        "aging csv": client.get(f"{url}?export=csv&chart=aging-CNY").content.decode("utf-8-sig"),
        "flow xlsx": _xlsx_text(client.get(f"{url}?export=xlsx&chart=flow-CNY&months=24").content),
        "dso csv": client.get(f"{url}?export=csv&chart=dso-CNY&months=24").content.decode("utf-8-sig"),
    }
    for name, text in seen.items():
        assert "Their Canteen" not in text and their_invoice.number not in text, name
        assert "7777" not in text.replace(",", "") and "7,777" not in text, name
    assert "Our Bistro" in seen["page"] and "Our Bistro" in seen["overdue csv"]
    assert "1100" in seen["dso csv"]


def test_finance_and_the_manager_see_every_customer(client, story, staff_finance, staff_manager):
    _ours, theirs, _first = story
    for user in (staff_finance, staff_manager):
        client.force_login(with_second_factor(user))
        response = client.get(reverse("dashboards_finance:index") + "?export=csv&chart=overdue")
        assert theirs.invoices.get().number in response.content.decode("utf-8-sig")


def test_exports_of_each_chart_and_an_unknown_chart(client, story, staff_finance):
    client.force_login(with_second_factor(staff_finance))
    url = reverse("dashboards_finance:index")
    flow = client.get(f"{url}?export=csv&chart=flow-CNY&months=3").content.decode("utf-8-sig").splitlines()
    assert len(flow) == 4 and flow[-1].split(",")[1:6] == ["300.00", "0.00", "200.00", "100.00", "8877.00"]
    aging_rows = client.get(f"{url}?export=csv&chart=aging-CNY").content.decode("utf-8-sig").splitlines()
    assert len(aging_rows) == 1 + len(aging.BUCKETS)
    assert client.get(f"{url}?export=csv&chart=nothing").status_code == 404


def test_a_warehouse_user_does_not_see_the_dashboard(client, db, staff_warehouse):
    client.force_login(with_second_factor(staff_warehouse))
    response = client.get(reverse("dashboards_finance:index") + "?export=csv&chart=overdue")
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.mark.parametrize("customers", [1, 8])
def test_the_dashboard_takes_a_fixed_number_of_queries(
    client, db, frozen, staff_finance, staff_sales_rep, django_assert_max_num_queries, customers
):
    staff = StaffFactory(is_superuser=True)
    for index in range(customers):
        company = CompanyFactory(credit_limit=D("100000.00"), sales_rep=staff_sales_rep if index % 2 else None)
        _invoice(company, staff, "120.00", date(2026, 8 + index % 4, 3))
        _pay(company, staff, "50.00", date(2026, 11, 3))
    for user in (staff_finance, staff_sales_rep):
        client.force_login(with_second_factor(user))
        with django_assert_max_num_queries(14):
            response = client.get(reverse("dashboards_finance:index") + "?months=24")
        assert response.status_code == 200
