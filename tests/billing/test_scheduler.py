"""The schedule (portal/schedule.py): every job names a task, the scheduler is built with the
jobs' cron triggers in the portal's time zone, and a job's run only enqueues its task (the
immediate backend of the tests then runs it, as a worker would)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.core.management import get_commands
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks.base import TaskResultStatus as ResultStatus

from accounts.models import Company
from billing.models import Invoice
from ordering.models import OrderState
from portal.schedule import JOBS, build_scheduler, enqueue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _next(scheduler, name, after):
    return scheduler.get_job(name).trigger.get_next_fire_time(None, after)


def test_every_job_names_a_task_with_the_arguments_it_takes():
    assert len({job.name for job in JOBS}) == len(JOBS)
    for job in JOBS:
        task = import_string(job.task)
        assert isinstance(task, Task), job.task
        assert task.get_backend() is not None
    assert {job.task for job in JOBS} >= {
        "ordering.reminders.send_approval_reminders_task",
        "billing.tasks.issue_monthly_invoices",
        "billing.reminders.send_overdue_reminders",
    }


def test_the_scheduler_is_built_with_each_jobs_cron_trigger_without_starting():
    scheduler = build_scheduler()

    assert isinstance(scheduler, BlockingScheduler) and not scheduler.running
    assert {job.id for job in scheduler.get_jobs()} == {job.name for job in JOBS}
    for job in scheduler.get_jobs():
        assert isinstance(job.trigger, CronTrigger)
        assert job.func is enqueue and job.coalesce and job.max_instances == 1
    now = datetime(2026, 12, 7, 15, 30, tzinfo=SHANGHAI)
    assert _next(scheduler, "monthly-invoices", now) == datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI)
    assert _next(scheduler, "overdue-reminders", now) == datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    assert _next(scheduler, "approval-reminders", now) == datetime(2026, 12, 7, 16, 5, tzinfo=SHANGHAI)
    assert scheduler.get_job("monthly-invoices").args == ("billing.tasks.issue_monthly_invoices", {})


def test_the_overdue_reminders_job_enqueues_its_task(db):
    scheduler = build_scheduler()
    job = scheduler.get_job("overdue-reminders")

    result = job.func(*job.args, **job.kwargs)

    assert result.task.name == "send_overdue_reminders"
    assert result.status == ResultStatus.SUCCESSFUL and result.return_value == 0


def test_on_the_first_the_monthly_job_invoices_last_month(place_order, make_product, ship_order, company, time_machine):
    company.credit_limit = Decimal("100000.00")
    company.invoicing = Company.Invoicing.MONTHLY
    company.save(update_fields=["credit_limit", "invoicing"])
    product = make_product(price="10.00", tax_rate="0", stock=50)
    time_machine.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI), tick=False)
    ship_order(place_order(product=product, quantity=4, state=OrderState.APPROVED))
    assert not Invoice.objects.exists()

    time_machine.move_to(datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI), tick=False)
    job = build_scheduler().get_job("monthly-invoices")
    result = job.func(*job.args, **job.kwargs)

    invoice = Invoice.objects.get(company=company)
    assert result.status == ResultStatus.SUCCESSFUL and result.return_value == [invoice.number]
    assert (invoice.period_start.isoformat(), invoice.period_end.isoformat()) == ("2026-11-01", "2026-11-30")
    assert invoice.total == Decimal("40.00") and invoice.issued_on.isoformat() == "2026-12-01"
    # Run again (a second scheduler, a retry): the month's invoice is not issued twice.
    assert job.func(*job.args, **job.kwargs).return_value == [invoice.number]
    assert Invoice.objects.count() == 1


def test_the_command_is_portals():
    assert get_commands()["run_scheduler"] == "portal"
