"""Every customer's rhythm computed from the orders and stored; reps told once of a customer
newly late; a fixed number of queries however many customers."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Notification, NotificationKind
from ordering.models import OrderState
from portal.rhythm.compute import compute_rhythm
from portal.rhythm.metrics import Segment
from portal.rhythm.models import CustomerRhythm
from portal.schedule import JOBS
from tests.factories import CompanyFactory, ProductFactory

TODAY = date(2026, 12, 7)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to("2026-12-07 12:00:00+08:00", tick=False)


def test_weekly_customer_on_time(history, staff_sales_rep):
    company = CompanyFactory(sales_rep=staff_sales_rep)
    history(company, days_ago=[3, 10, 17, 24], today=TODAY)
    compute_rhythm(today=TODAY)
    rhythm = CustomerRhythm.objects.get(company=company)
    assert rhythm.interval_days == Decimal("7.0")
    assert rhythm.last_order_on == date(2026, 12, 4)
    assert rhythm.next_order_on == date(2026, 12, 11)
    assert rhythm.late is False and rhythm.days_late == 0
    assert rhythm.orders_in_window == 4 and rhythm.monetary == Decimal("400.00")


def test_cancelled_and_rejected_orders_do_not_count(history):
    company = CompanyFactory()
    history(company, days_ago=[30, 44], today=TODAY)
    history(company, days_ago=[2, 16], today=TODAY, state=OrderState.CANCELLED)
    history(company, days_ago=[9], today=TODAY, state=OrderState.REJECTED)
    compute_rhythm(today=TODAY)
    rhythm = CustomerRhythm.objects.get(company=company)
    assert rhythm.last_order_on == date(2026, 11, 7)
    assert rhythm.interval_days == Decimal("14.0")
    # 30 days since, 1.5 × 14 = 21 passed, 16 days past the predicted 21 Nov.
    assert (rhythm.late, rhythm.days_late) == (True, 16)


def test_repurchase_rate_counts_products_bought_again(history):
    company = CompanyFactory()
    again, once, twice = ProductFactory(), ProductFactory(), ProductFactory()
    history(company, days_ago=[5], today=TODAY, lines=[(again, 2), (twice, 1)])
    history(company, days_ago=[12], today=TODAY, lines=[(again, 3), (once, 1), (twice, 4)])
    compute_rhythm(today=TODAY)
    assert CustomerRhythm.objects.get(company=company).repurchase_rate == Decimal("0.67")


def test_rfm_segments_over_the_last_year(history):
    champion, new, sleeping, gone = (CompanyFactory() for _ in range(4))
    history(champion, days_ago=[2, 9, 16, 23, 30, 37], today=TODAY, total="900.00")
    history(new, days_ago=[1], today=TODAY, total="50.00")
    history(sleeping, days_ago=[200, 230], today=TODAY, total="100.00")
    history(gone, days_ago=[400, 430], today=TODAY)
    compute_rhythm(today=TODAY)
    rows = {row.company_id: row for row in CustomerRhythm.objects.all()}
    # Recency (days) 2, 1, 200: not better than 2, 3, 1 of 3 → ⌈10/3⌉ = 4, 5, ⌈5/3⌉ = 2;
    # frequency 6, 1, 2 → 5, 2, 4; monetary 5400, 50, 200 → 5, 2, 4.
    assert rows[champion.pk].rfm == "R4 F5 M5"
    assert rows[champion.pk].segment == Segment.CHAMPIONS
    assert rows[new.pk].rfm == "R5 F2 M2" and rows[new.pk].segment == Segment.NEW
    assert rows[sleeping.pk].rfm == "R2 F4 M4" and rows[sleeping.pk].segment == Segment.AT_RISK
    assert rows[gone.pk].segment == Segment.LOST and rows[gone.pk].rfm == ""
    assert rows[gone.pk].late and rows[sleeping.pk].late


def test_rep_is_told_once_of_a_newly_late_customer(history, staff_sales_rep):
    company = CompanyFactory(sales_rep=staff_sales_rep, display_name="Mingde School")
    history(company, days_ago=[40, 47, 54], today=TODAY)
    report = compute_rhythm(today=TODAY)
    assert report.newly_late == [company.pk]
    compute_rhythm(today=TODAY)
    notices = Notification.objects.filter(user=staff_sales_rep, kind=NotificationKind.CUSTOMER_LATE)
    assert notices.count() == 1
    assert notices.get().title == "Mingde School is ordering late"
    assert "40 days ago (usually every 7 days)" in notices.get().body
    assert CustomerRhythm.objects.get(company=company).late_since == TODAY


def test_late_again_after_ordering_again_is_told_again(history, staff_sales_rep):
    company = CompanyFactory(sales_rep=staff_sales_rep)
    history(company, days_ago=[40, 47, 54], today=TODAY)
    compute_rhythm(today=TODAY)
    history(company, days_ago=[0], today=TODAY)
    compute_rhythm(today=TODAY)
    assert CustomerRhythm.objects.get(company=company).late_since is None
    later = date(2027, 3, 20)
    compute_rhythm(today=later)
    assert Notification.objects.filter(user=staff_sales_rep, kind=NotificationKind.CUSTOMER_LATE).count() == 2


@pytest.mark.parametrize("companies", [2, 12])
def test_fixed_number_of_queries(history, companies, django_assert_max_num_queries):
    for n in range(companies):
        history(CompanyFactory(), days_ago=[1 + n % 3, 8, 15], today=TODAY)
    with django_assert_max_num_queries(8):
        report = compute_rhythm(today=TODAY)
    assert report.companies == companies


def test_command_and_schedule(history, capsys):
    history(CompanyFactory(), days_ago=[3, 10], today=TODAY)
    call_command("compute_rhythm")
    assert "Rhythm computed for 1 customers" in capsys.readouterr().out
    assert any(job.task == "portal.rhythm.tasks.compute_rhythm_task" for job in JOBS)
