"""A statement dispute (billing) opens a ticket of kind statement dispute linked to the statement,
through billing's signal sent on commit; finance's answers are the ticket's replies, and the
last answer resolves it."""

from datetime import date

import pytest
import time_machine

from accounts.models import Notification, NotificationKind
from billing.services import statements
from portal.tickets.models import Ticket, TicketKind
from tests.billing.test_statements import _at, _pay


@pytest.fixture
def statement(invoiced, company):
    with time_machine.travel(_at(2026, 11, 10), tick=False) as clock:
        invoiced(price="100.00", quantity=2)
        clock.move_to(_at(2026, 11, 12))
        _pay(company, "50.00", date(2026, 11, 12))
        clock.move_to(_at(2026, 12, 1, 6))
        return statements.statement_for(company, date(2026, 11, 1), date(2026, 11, 30))


def test_a_dispute_opens_a_ticket_and_finance_resolves_both(
    statement, company_finance, staff_finance, staff_manager, django_capture_on_commit_callbacks
):
    invoice_line, payment_line = statements.statement_lines(statement)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = statements.dispute(
            statement,
            {invoice_line.entry.pk: "Two cases were damaged", payment_line.entry.pk: "We paid 60"},
            user=company_finance,
        )
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.statement, ticket.company) == (
        TicketKind.STATEMENT_DISPUTE,
        statement,
        statement.company,
    )
    assert ticket.opened_by == company_finance and "Two cases were damaged" in ticket.messages.get().text
    assert Notification.objects.filter(user=staff_manager, kind=NotificationKind.TICKET_OPENED).exists()

    with django_capture_on_commit_callbacks(execute=True):
        statements.resolve(first, resolution="explanation", text="They arrived whole.", user=staff_finance)
    ticket = Ticket.objects.get()
    assert ticket.state == Ticket.State.OPEN and ticket.first_response_at is not None
    assert "They arrived whole." in ticket.messages.last().text

    with django_capture_on_commit_callbacks(execute=True):
        statements.resolve(second, resolution="explanation", text="The bank says 50.", user=staff_finance)
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.resolved_by) == (Ticket.State.RESOLVED, staff_finance)


def test_a_second_dispute_of_the_same_statement_joins_its_open_ticket(
    statement, company_finance, django_capture_on_commit_callbacks
):
    invoice_line, payment_line = statements.statement_lines(statement)
    with django_capture_on_commit_callbacks(execute=True):
        statements.dispute(statement, {invoice_line.entry.pk: "Wrong price"}, user=company_finance)
    with django_capture_on_commit_callbacks(execute=True):
        statements.dispute(statement, {payment_line.entry.pk: "Missing payment"}, user=company_finance)
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2


def test_a_refused_dispute_opens_no_ticket(statement, company_finance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(statements.StatementError):
        statements.dispute(statement, {}, user=company_finance)
    assert not Ticket.objects.exists()
