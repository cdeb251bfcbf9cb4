"""Reminders for approval decisions that are overdue.

`remind_overdue_approvals` finds the pending approval steps past their due time that nobody was
reminded of in the last 24 hours, tells the people who may decide (the staff of the step's
group who see the customer, or the customer's own approvers for a customer-side step) and
notes when. It runs every hour: from cron through `manage.py send_approval_reminders`, or on
the task worker through `send_approval_reminders_task`. Running it again within 24 hours
reminds nobody twice.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts.models import NotificationKind
from accounts.services import notify
from kit import phrases

from .approval import deciders
from .models import ApprovalStep
from .notifications import order_params

REMIND_EVERY = timedelta(hours=24)


def _remind(step: ApprovalStep, now: datetime) -> bool:
    order = step.order
    if step.customer_side:
        users, url = deciders(step), reverse("ordering:order_detail", args=[order.number])
    else:
        users, url = deciders(step), reverse("ordering_admin:approval_queue")
    if not users:
        return False
    notify(
        users=users,
        kind=NotificationKind.APPROVAL_REMINDER,
        params=order_params(order, reason=step.phrase, due=phrases.moment(step.due_at)),
        company=order.company if step.customer_side else None,
        url=url,
    )
    return True


def _due_for_reminder(now: datetime):
    return ApprovalStep.objects.filter(status=ApprovalStep.Status.PENDING, due_at__lt=now).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_EVERY)
    )


def remind_overdue_approvals(now: datetime | None = None) -> int:
    """Remind the deciders of every overdue pending step once per 24 hours; the number reminded."""
    now = now or timezone.now()
    reminded = 0
    for step_id in _due_for_reminder(now).order_by("due_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Locked and checked again: two runs at once (cron overlapping the worker) skip the
            # step the other one holds, and a step decided meanwhile is no longer pending.
            step = (
                _due_for_reminder(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("order__company")
                .filter(pk=step_id)
                .first()
            )
            if step is None:
                continue
            if _remind(step, now):
                reminded += 1
            # Noted even when nobody could be told, so an empty group is not retried every hour.
            step.reminded_at = now
            step.save(update_fields=["reminded_at"])
    return reminded


@task()
def send_approval_reminders_task() -> int:
    return remind_overdue_approvals()
