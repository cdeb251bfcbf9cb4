"""Reminders for overdue approval decisions: once per 24 hours, to the people who may decide."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts import roles
from accounts.models import Membership, Notification, NotificationKind
from ordering import services
from ordering.approval import ApprovalRule, ApprovalStep
from ordering.reminders import remind_overdue_approvals, send_approval_reminders_task
from tests.factories import StaffFactory

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def director(staff_order_approver):
    return staff_order_approver


@pytest.fixture
def rule(db):
    """Orders of 1,000.00 or more wait for a director: 20 of place_order's product at 100.00."""
    return ApprovalRule.objects.create(
        name="Big orders",
        condition=ApprovalRule.Condition.TOTAL_AT_LEAST,
        amount=Decimal("1000.00"),
        approver_group=Group.objects.get(name=roles.ORDER_APPROVER),
        decide_within_hours=4,
    )


def _reminders(user=None):
    reminders = Notification.objects.filter(kind=NotificationKind.APPROVAL_REMINDER)
    return reminders.filter(user=user) if user else reminders


def _run(capture, now=None):
    with capture(execute=True):
        return remind_overdue_approvals(now=now)


def test_an_overdue_decision_is_reminded_once_a_day(
    clock, buyer, director, rule, place_order, django_capture_on_commit_callbacks
):
    gone = StaffFactory(email="left@distributor.example", is_active=False)
    gone.groups.add(Group.objects.get(name=roles.ORDER_APPROVER))
    order = place_order(buyer=buyer, quantity=20)
    mail.outbox.clear()

    clock.move_to(START + timedelta(hours=3))
    assert _run(django_capture_on_commit_callbacks) == 0  # due in 4 hours: not late yet

    clock.move_to(START + timedelta(hours=5))
    assert _run(django_capture_on_commit_callbacks) == 1
    reminder = _reminders(director).get()
    assert order.number in reminder.title
    assert reminder.url == "/backoffice/orders/approvals/"
    assert [message.to for message in mail.outbox] == [[director.email]]
    assert order.number in mail.outbox[0].subject

    clock.move_to(START + timedelta(hours=20))
    assert _run(django_capture_on_commit_callbacks) == 0  # reminded 15 hours ago
    assert _reminders().count() == 1 and len(mail.outbox) == 1

    clock.move_to(START + timedelta(hours=29, minutes=1))
    assert _run(django_capture_on_commit_callbacks) == 1  # a day after the first reminder
    assert _reminders(director).count() == 2 and len(mail.outbox) == 2
    step = ApprovalStep.objects.get(order=order)
    assert step.reminded_at == START + timedelta(hours=29, minutes=1)


def test_a_decided_step_is_not_reminded(clock, buyer, director, rule, place_order, django_capture_on_commit_callbacks):
    order = place_order(buyer=buyer, quantity=20)
    services.decide_staff_approval(order=order, user=director, approve=True)

    clock.move_to(START + timedelta(days=2))

    assert _run(django_capture_on_commit_callbacks) == 0
    assert not _reminders().exists()


def test_only_staff_of_the_steps_group_who_see_the_customer_are_reminded(
    clock, company, buyer, staff_sales_rep, place_order, django_capture_on_commit_callbacks
):
    # A customer's first order goes to their sales rep; other reps do not see this customer.
    ApprovalRule.objects.create(
        name="First orders",
        condition=ApprovalRule.Condition.FIRST_ORDER,
        approver_group=Group.objects.get(name=roles.SALES_REP),
    )
    company.sales_rep = staff_sales_rep
    company.save()
    other_rep = StaffFactory(email="other-rep@distributor.example")
    other_rep.groups.add(Group.objects.get(name=roles.SALES_REP))
    place_order(buyer=buyer, quantity=20)

    clock.move_to(START + timedelta(hours=25))
    _run(django_capture_on_commit_callbacks)

    assert set(_reminders().values_list("user__email", flat=True)) == {staff_sales_rep.email}


def test_the_rep_who_placed_the_order_is_not_reminded_to_approve_it(
    clock, company, buyer, director, rule, place_order, django_capture_on_commit_callbacks
):
    rep_and_director = StaffFactory(email="both@distributor.example")
    rep_and_director.groups.add(Group.objects.get(name=roles.SALES_REP), Group.objects.get(name=roles.ORDER_APPROVER))
    company.sales_rep = rep_and_director
    company.save()
    place_order(buyer=buyer, quantity=20, placed_for_customer_by=rep_and_director)

    clock.move_to(START + timedelta(hours=5))
    _run(django_capture_on_commit_callbacks)

    assert set(_reminders().values_list("user__email", flat=True)) == {director.email}


def test_a_customer_side_step_reminds_the_companys_approvers_not_the_buyer(
    clock, company, buyer, approver, company_admin, place_order, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=buyer, company=company).update(spending_limit=Decimal("50.00"))
    order = place_order(buyer=buyer, quantity=1)
    assert ApprovalStep.objects.get(order=order).customer_side

    clock.move_to(START + timedelta(hours=25))
    assert _run(django_capture_on_commit_callbacks) == 1

    assert set(_reminders().values_list("user__email", flat=True)) == {approver.email, company_admin.email}
    assert _reminders(approver).get().url == f"/portal/orders/{order.number}/"
    assert sorted(message.to[0] for message in mail.outbox if "Reminder" in message.subject) == sorted(
        [approver.email, company_admin.email]
    )


def test_the_command_and_the_task_send_the_reminders(clock, buyer, director, rule, place_order):
    place_order(buyer=buyer, quantity=20)
    place_order(buyer=buyer, quantity=30)
    clock.move_to(START + timedelta(hours=5))
    out = StringIO()

    call_command("send_approval_reminders", stdout=out)

    assert "Reminded the approvers of 2 orders." in out.getvalue()
    assert _reminders(director).count() == 2
    # The same hour again, from the task worker: nobody twice.
    assert send_approval_reminders_task.enqueue().return_value == 0
    assert _reminders(director).count() == 2
