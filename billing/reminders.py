"""Overdue reminders: customers told about invoices past due, on the days finance sets.

`ReminderPolicy.days_after_due` (e.g. 1, 7, 14, 30; the back office's Settings → "Overdue
reminders") names the steps. Each run (daily, from the scheduler: `portal/schedule.py`) takes
every open invoice past its due date and the last step it has reached; an invoice is reminded at
that step once (`ReminderSent`), and a step passed while reminders were off or the scheduler was
down is not sent late once a later step is reached (the customer gets the latest reminder, not a
burst of old ones).

A company's invoices reminded in one run go out as one message per currency to its finance and
admin members: an in-portal notification and an e-mail in each person's language
(`accounts.services.notify`, which honours their preferences), stored as codes and parameters
(`billing/phrases.py`).
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts.models import Company, Membership, NotificationKind
from accounts.services import notify
from kit import phrases

from .models import Invoice, ReminderPolicy, ReminderSent

RECIPIENT_ROLES = (Membership.Role.FINANCE, Membership.Role.ADMIN)


def step_reached(*, due_on: date, today: date, steps: list[int]) -> int | None:
    """The last step (days after due) an invoice due on `due_on` has reached by `today`."""
    days = (today - due_on).days
    reached = [step for step in steps if step <= days]
    return max(reached) if reached else None


def _overdue(today: date):
    return Invoice.objects.filter(kind=Invoice.Kind.INVOICE, open_amount__gt=0, due_on__lt=today)


def _recipients(company_id: int) -> list:
    memberships = Membership.objects.filter(
        company_id=company_id, role__in=RECIPIENT_ROLES, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships]


def _remind_company(company_id: int, *, today: date, steps: list[int]) -> int:
    """Remind one company of its invoices at the steps they reached; the number of invoices."""
    with transaction.atomic():
        # Locked, skipping rows another run holds: two runs at once (a second scheduler, a manual
        # run) never remind the same invoice twice; the unique (invoice, step) backs this up.
        invoices = list(
            _overdue(today)
            .filter(company_id=company_id)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_on", "pk")
        )
        highest_sent = defaultdict(int)
        for invoice_id, step in ReminderSent.objects.filter(invoice__in=invoices).values_list("invoice_id", "step"):
            highest_sent[invoice_id] = max(highest_sent[invoice_id], step)
        due = []
        for invoice in invoices:
            step = step_reached(due_on=invoice.due_on, today=today, steps=steps)
            if step is not None and step > highest_sent[invoice.pk]:
                due.append((invoice, step))
        if not due:
            return 0
        ReminderSent.objects.bulk_create([ReminderSent(invoice=invoice, step=step) for invoice, step in due])
        company = Company.objects.get(pk=company_id)
        users = _recipients(company_id)
        by_currency = defaultdict(list)
        for invoice, _step in due:
            by_currency[invoice.currency].append(invoice)
        for currency, reminded in by_currency.items():
            notify(
                users=users,
                kind=NotificationKind.INVOICE_OVERDUE,
                params={
                    "company": company.display_name,
                    "invoices": ", ".join(invoice.number for invoice in reminded),
                    "amount": phrases.money(sum((i.open_amount for i in reminded), Decimal("0.00")), currency),
                    "days": max(invoice.days_overdue(today) for invoice in reminded),
                },
                company=company,
                url=reverse("billing:invoice_list") + "?status=overdue",
            )
        return len(due)


def remind_overdue_invoices(*, today: date | None = None) -> int:
    """Remind every company with invoices past due at the steps finance set; the number of
    invoices reminded (0 when reminders are off)."""
    policy = ReminderPolicy.load()
    steps = policy.steps
    if not policy.enabled or not steps:
        return 0
    today = today or timezone.localdate()
    company_ids = _overdue(today).values_list("company_id", flat=True).distinct().order_by("company_id")
    return sum(_remind_company(company_id, today=today, steps=steps) for company_id in list(company_ids))


@task()
def send_overdue_reminders() -> int:
    """The scheduled run (daily, portal/schedule.py)."""
    return remind_overdue_invoices()
