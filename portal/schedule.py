"""The schedule: which background tasks run when. One table, read by `manage.py run_scheduler`.

The scheduler process (APScheduler 3, cron triggers in settings.TIME_ZONE) only *enqueues*
django-tasks tasks at their times; the work itself runs in the task workers (`manage.py
db_worker`), with their retries, logs and results. Run exactly one scheduler per deployment: two
would enqueue every job twice (the jobs tolerate it, since each task is idempotent, but the
work would be done twice over). It lives in portal because it names tasks of every app.

Each job: a name, the cron fields (APScheduler's `CronTrigger` arguments: minute, hour, day,
month, day_of_week...), the dotted path of a `@task` function, and its keyword arguments.
"""

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    cron: dict
    task: str
    kwargs: dict = field(default_factory=dict)


JOBS = [
    # Approval decisions past due: reminded at most once a day per step (ordering.reminders).
    Job("approval-reminders", {"minute": "5"}, "ordering.reminders.send_approval_reminders_task"),
    # 月结 companies: last month's invoice, on the 1st at 02:00.
    Job("monthly-invoices", {"day": "1", "hour": "2", "minute": "0"}, "billing.tasks.issue_monthly_invoices"),
    # Monthly statements, after the month's invoices: on the 1st at 03:00.
    Job("monthly-statements", {"day": "1", "hour": "3", "minute": "0"}, "billing.tasks.generate_monthly_statements"),
    # Invoices past due, at the steps finance sets (billing.reminders): every morning at 09:00.
    Job("overdue-reminders", {"hour": "9", "minute": "0"}, "billing.reminders.send_overdue_reminders"),
    # Service tickets past their targets: each breach told once (portal.tickets.services), every 15 minutes.
    Job("ticket-breaches", {"minute": "*/15"}, "portal.tickets.services.send_breach_notices"),
    # Every customer's rhythm and RFM segment, and late customers told to their rep: at 06:30.
    Job("customer-rhythm", {"hour": "6", "minute": "30"}, "portal.rhythm.tasks.compute_rhythm_task"),
    # The stock dashboard's per-product figures (portal.dashboards.stock_figures.refresh): every ten minutes.
    Job("stock-figures", {"minute": "*/10"}, "portal.dashboards.tasks.refresh_stock_figures"),
    # The sales rollups recomputed whole from the base tables (portal.dashboards.rollups): 01:30.
    Job("sales-rollups", {"hour": "1", "minute": "30"}, "portal.dashboards.tasks.rebuild_sales_rollups"),
]


def enqueue(task_path: str, kwargs: dict | None = None):
    """What a job does when its time comes: enqueue the task for the workers, nothing more."""
    _drop_stale_connections()
    try:
        result = import_string(task_path).enqueue(**(kwargs or {}))
        logger.info("Enqueued %s (%s)", task_path, result.id)
        return result
    finally:
        _drop_stale_connections()


def _drop_stale_connections() -> None:
    """The scheduler is a long-running process, not a request: drop connections the database
    closed meanwhile (or too old), as Django does around each request. Never inside a
    transaction (a caller's, or a test's)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def build_scheduler(jobs: list[Job] = JOBS) -> BlockingScheduler:
    """The scheduler with every job added, not started (`start()` blocks)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    scheduler = BlockingScheduler(timezone=zone)
    for job in jobs:
        scheduler.add_job(
            enqueue,
            CronTrigger(timezone=zone, **job.cron),
            args=[job.task, job.kwargs],
            id=job.name,
            name=job.name,
            # A run missed while the scheduler was down (up to an hour) is enqueued once on start;
            # several missed runs collapse into one.
            misfire_grace_time=3600,
            coalesce=True,
            max_instances=1,
        )
    return scheduler
