"""Overdue reminders: the customer's finance and admins are told at the steps finance set (days
after due), once per invoice and step, in their own language, by e-mail and in the portal."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Membership, Notification, NotificationKind, NotificationPreference
from billing.models import Payment, ReminderPolicy, ReminderSent, parse_reminder_days
from billing.reminders import remind_overdue_invoices, send_overdue_reminders, step_reached
from billing.services import ledger
from tests.factories import MembershipFactory, UserFactory, with_second_factor


@pytest.fixture
def overdue(invoiced, company_admin, company_finance, buyer, time_machine):
    """An invoice of Acme's, and a function moving the clock to N days after its due date."""
    invoice = invoiced(price="100.00", quantity=2)
    mail.outbox.clear()  # the "shipped" notice

    def days_after_due(days: int):
        day = invoice.due_on + timedelta(days=days)
        time_machine.move_to(datetime.combine(day, time(9), tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
        return invoice.due_on + timedelta(days=days)

    return invoice, days_after_due


def _policy(days="1,7,14,30", enabled=True):
    policy = ReminderPolicy.load()
    policy.days_after_due, policy.enabled = days, enabled
    policy.save()
    return policy


def test_steps_are_read_from_what_finance_typed():
    assert parse_reminder_days(" 14, 1,7 ,30，7") == [1, 7, 14, 30]
    with pytest.raises(ValidationError) as error:
        parse_reminder_days("1,seven")
    assert "seven" in str(error.value)
    assert step_reached(due_on=_day(10), today=_day(10), steps=[1, 7]) is None
    assert step_reached(due_on=_day(10), today=_day(18), steps=[1, 7, 14]) == 7


def _day(n):
    return date(2026, 12, n)


def test_nothing_is_sent_before_the_first_step(overdue, company_finance):
    invoice, days_after_due = overdue
    _policy("3,10")
    days_after_due(2)
    assert remind_overdue_invoices() == 0
    assert not mail.outbox and not ReminderSent.objects.exists()


def test_finance_and_admins_are_reminded_at_each_step_once(
    overdue, company_finance, company_admin, buyer, django_capture_on_commit_callbacks
):
    invoice, days_after_due = overdue
    _policy("1,7,14")
    for days, expected in [(1, 1), (1, 0), (3, 0), (7, 1), (8, 0), (14, 1), (40, 0)]:
        days_after_due(days)
        with django_capture_on_commit_callbacks(execute=True):
            assert remind_overdue_invoices() == expected, days
    assert list(ReminderSent.objects.filter(invoice=invoice).order_by("step").values_list("step", flat=True)) == [
        1,
        7,
        14,
    ]
    # Three reminders, each to finance and the admin (the buyer is not told).
    assert sorted(message.to[0] for message in mail.outbox) == sorted([company_finance.email, company_admin.email] * 3)
    notes = Notification.objects.filter(kind=NotificationKind.INVOICE_OVERDUE)
    assert {note.user for note in notes} == {company_finance, company_admin}
    assert notes.count() == 6
    note = notes.filter(user=company_finance).first()
    assert note.company == invoice.company
    assert invoice.number in note.title
    assert "¥226.00" in note.body and "Acme Foods" in note.body
    # Stored as codes and parameters, put into words when read.
    assert note.params["invoices"] == invoice.number and note.params["amount"]["amount"] == "226.00"


def test_a_step_missed_is_not_sent_late(overdue, company_finance):
    invoice, days_after_due = overdue
    _policy("1,7,14")
    days_after_due(9)  # the scheduler was down on days 1 to 8
    assert remind_overdue_invoices() == 1
    assert list(ReminderSent.objects.values_list("step", flat=True)) == [7]
    days_after_due(10)
    assert remind_overdue_invoices() == 0


def test_the_email_is_in_the_readers_language(overdue, company, django_capture_on_commit_callbacks):
    invoice, days_after_due = overdue
    chinese = MembershipFactory(
        company=company, role=Membership.Role.FINANCE, user=UserFactory(email="li@acme.example", language="zh-hans")
    ).user
    _policy("1")
    days_after_due(1)
    with django_capture_on_commit_callbacks(execute=True):
        remind_overdue_invoices()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert by_recipient[chinese.email].subject == f"付款逾期：{invoice.number}"
    assert "请" in by_recipient[chinese.email].body
    assert by_recipient["alice@acme.example"].subject == f"Payment overdue: {invoice.number}"


def test_switched_off_reminders_send_nothing(overdue, company_finance):
    invoice, days_after_due = overdue
    _policy("1", enabled=False)
    days_after_due(5)
    assert send_overdue_reminders.call() == 0
    _policy("1")
    assert send_overdue_reminders.call() == 1


def test_a_paid_invoice_is_not_reminded(overdue, company_finance):
    invoice, days_after_due = overdue
    _policy("1")
    days_after_due(3)
    pay(invoice, invoice.total)
    assert remind_overdue_invoices() == 0


def pay(invoice, amount, *, actor=None):
    """A bank transfer received and booked through the ledger, as finance records one."""
    payment = Payment.objects.create(
        company=invoice.company,
        method=Payment.Method.TRANSFER,
        state=Payment.State.SUCCEEDED,
        currency=invoice.currency,
        amount=amount,
        received_on=invoice.issued_on,
        created_by=actor,
    )
    with transaction.atomic():
        account = ledger.lock_books(invoice.company_id)
        ledger.book_payment(account, payment, actor=actor)
    return payment


def test_someone_who_turned_the_email_off_only_sees_it_in_the_portal(
    overdue, company_finance, company_admin, django_capture_on_commit_callbacks
):
    invoice, days_after_due = overdue
    NotificationPreference.objects.create(user=company_admin, kind=NotificationKind.INVOICE_OVERDUE, email=False)
    _policy("1")
    days_after_due(1)
    with django_capture_on_commit_callbacks(execute=True):
        remind_overdue_invoices()
    assert [message.to for message in mail.outbox] == [[company_finance.email]]
    assert Notification.objects.filter(user=company_admin, kind=NotificationKind.INVOICE_OVERDUE).exists()


def test_the_database_refuses_a_second_reminder_of_a_step(overdue):
    invoice, _days_after_due = overdue
    ReminderSent.objects.create(invoice=invoice, step=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(invoice=invoice, step=7)


def test_finance_sets_the_days_in_the_back_office(client, staff_finance, staff_sales_rep):
    url = reverse("wagtailsettings:edit", args=["billing", "reminderpolicy", ReminderPolicy.load().pk])
    client.force_login(with_second_factor(staff_finance))
    response = client.post(url, {"days_after_due": "2, 9", "enabled": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == url
    assert ReminderPolicy.load().steps == [2, 9]
    response = client.post(url, {"days_after_due": "2, soon", "enabled": "on"})
    assert response.status_code == 200 and "soon" in response.content.decode()
    assert ReminderPolicy.load().steps == [2, 9]
    client.force_login(with_second_factor(staff_sales_rep))
    response = client.post(url, {"days_after_due": "1", "enabled": "on"})
    assert response.status_code == 302 and response.url != url  # refused: back to the admin home
    assert ReminderPolicy.load().steps == [2, 9]
