"""Statements (对账): opening balance, the period's ledger lines, closing balance; generated once
per company and period; the customer's finance confirms or disputes lines; finance answers each
dispute (a credit note, a correction, an explanation) and the customer reads the answer; the
monthly task; the PDF read back, in English and in Chinese."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Notification, NotificationKind
from billing.documents import statement_pdf
from billing.models import Invoice, LedgerEntry, Payment, Statement, StatementDispute
from billing.services import invoicing, ledger, statements
from billing.tasks import generate_monthly_statements
from tests.factories import MembershipFactory, UserFactory, with_second_factor
from tests.fulfilment.test_documents import pdf_text


def _at(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour, 0))


def _pay(company, amount, received_on):
    payment = Payment.objects.create(
        company=company,
        method=Payment.Method.TRANSFER,
        state=Payment.State.SUCCEEDED,
        currency=company.currency,
        amount=Decimal(amount),
        received_on=received_on,
        reference=f"BANK-{received_on:%m%d}",
    )
    with transaction.atomic():
        ledger.book_payment(ledger.lock_books(company.pk), payment)
    return payment


@pytest.fixture
def november(invoiced, company):
    """October's invoice (November's opening balance), then in November an invoice and a payment
    of October's: opening 113.00, lines +226.00 and -113.00, closing 226.00."""
    with time_machine.travel(_at(2026, 10, 20), tick=False) as clock:
        october = invoiced(price="100.00", quantity=1)
        clock.move_to(_at(2026, 11, 10))
        november_invoice = invoiced(price="100.00", quantity=2)
        clock.move_to(_at(2026, 11, 12))
        payment = _pay(company, "113.00", date(2026, 11, 12))
        clock.move_to(_at(2026, 12, 1, 6))
        statement = statements.statement_for(company, date(2026, 11, 1), date(2026, 11, 30))
    return {"october": october, "invoice": november_invoice, "payment": payment, "statement": statement}


def test_a_statement_states_opening_lines_and_closing(november, company):
    statement = november["statement"]
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("113.00"), Decimal("226.00"))
    lines = statements.statement_lines(statement)
    assert [(line.entry.kind, line.entry.amount, line.balance) for line in lines] == [
        (LedgerEntry.Kind.INVOICE, Decimal("226.00"), Decimal("339.00")),
        (LedgerEntry.Kind.PAYMENT, Decimal("-113.00"), Decimal("226.00")),
    ]
    assert statements.entry_reference(lines[0].entry) == november["invoice"].number
    # The closing balance is the ledger's balance at the period's end.
    assert statement.closing_balance == ledger.balance(company.pk)


def test_asking_twice_gives_the_same_statement(november, company):
    again = statements.statement_for(company, date(2026, 11, 1), date(2026, 11, 30))
    assert again == november["statement"] and Statement.objects.count() == 1


def test_a_payment_recorded_later_with_an_earlier_date_does_not_change_the_statement(november, company):
    with time_machine.travel(_at(2026, 12, 3), tick=False):
        _pay(company, "50.00", date(2026, 11, 20))
    statement = Statement.objects.get(pk=november["statement"].pk)
    assert len(statements.statement_lines(statement)) == 2
    assert statement.closing_balance == Decimal("226.00")
    # December's statement opens with it.
    with time_machine.travel(_at(2027, 1, 1, 6), tick=False):
        december = statements.statement_for(company, date(2026, 12, 1), date(2026, 12, 31))
    assert december.opening_balance == Decimal("176.00")


def test_the_customers_finance_confirms_the_statement(november, client, company_finance):
    statement = november["statement"]
    client.force_login(company_finance)
    response = client.post(reverse("billing:statement_confirm", args=[statement.pk]))
    assert response.status_code == 302
    statement = Statement.objects.get(pk=statement.pk)
    assert (statement.state, statement.confirmed_by) == (Statement.State.CONFIRMED, company_finance)
    # A confirmed statement is no longer disputed.
    with pytest.raises(statements.StatementError):
        statements.dispute(
            statement, {statements.statement_lines(statement)[0].entry.pk: "Wrong"}, user=company_finance
        )


def test_a_buyer_does_not_see_statements(november, client, buyer):
    client.force_login(buyer)
    assert client.get(reverse("billing:statements")).status_code == 403
    assert 'data-testid="nav-billing"' not in client.get(reverse("ordering:order_list")).content.decode()
    assert client.get(reverse("billing:statement", args=[november["statement"].pk])).status_code == 403


def test_disputing_lines_lands_in_finances_queue_and_blocks_confirmation(
    november, client, company_finance, staff_finance
):
    statement = november["statement"]
    invoice_line, payment_line = statements.statement_lines(statement)
    client.force_login(company_finance)
    response = client.post(
        reverse("billing:statement_dispute", args=[statement.pk]),
        {f"comment-{invoice_line.entry.pk}": "Two cases were damaged", f"comment-{payment_line.entry.pk}": ""},
    )
    assert response.status_code == 302
    dispute = StatementDispute.objects.get()
    assert (dispute.entry, dispute.comment, dispute.raised_by) == (
        invoice_line.entry,
        "Two cases were damaged",
        company_finance,
    )
    assert Statement.objects.get(pk=statement.pk).state == Statement.State.DISPUTED
    # Not confirmed while it waits for an answer.
    client.post(reverse("billing:statement_confirm", args=[statement.pk]))
    assert Statement.objects.get(pk=statement.pk).state == Statement.State.DISPUTED
    # The distributor's finance sees it in the queue.
    client.force_login(with_second_factor(staff_finance))
    queue = client.get(reverse("billing_statements:disputes"))
    assert queue.status_code == 200 and "Two cases were damaged" in queue.content.decode()


def test_a_dispute_of_a_line_not_on_the_statement_refuses_them_all(november, company_finance):
    statement = november["statement"]
    line = statements.statement_lines(statement)[0]
    october_entry = LedgerEntry.objects.get(invoice=november["october"])
    with pytest.raises(statements.StatementError, match="is not on this statement"):
        statements.dispute(statement, {line.entry.pk: "Wrong", october_entry.pk: "Also wrong"}, user=company_finance)
    assert StatementDispute.objects.count() == 0
    assert Statement.objects.get(pk=statement.pk).state == Statement.State.ISSUED


def test_an_empty_dispute_is_refused_with_a_message(november, client, company_finance):
    client.force_login(company_finance)
    response = client.post(reverse("billing:statement_dispute", args=[november["statement"].pk]), {})
    assert response.status_code == 200
    assert "Write a comment on at least one line" in response.content.decode()
    assert StatementDispute.objects.count() == 0


def test_finance_resolves_a_dispute_with_a_credit_note_and_the_customer_reads_it(
    november, client, company, company_finance, staff_finance, django_capture_on_commit_callbacks
):
    statement = november["statement"]
    invoice = november["invoice"]
    line = statements.statement_lines(statement)[0]
    (dispute,) = statements.dispute(statement, {line.entry.pk: "Two cases were damaged"}, user=company_finance)
    invoice_line = invoice.lines.get()
    client.force_login(with_second_factor(staff_finance))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("billing_statements:dispute", args=[dispute.pk]),
            {"resolution": "credit_note", "text": "Credited the damaged cases.", f"qty-{invoice_line.pk}": "1"},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    dispute = StatementDispute.objects.get(pk=dispute.pk)
    note = dispute.credit_note
    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.credited_invoice == invoice
    assert note.total == Decimal("113.00") and note.credit_reason == Invoice.CreditReason.CORRECTION
    assert (dispute.resolution, dispute.resolved_by) == (StatementDispute.Resolution.CREDIT_NOTE, staff_finance)
    assert Statement.objects.get(pk=statement.pk).state == Statement.State.RESOLVED
    assert ledger.balance(company.pk) == Decimal("113.00")
    # The customer is told and reads the answer on the statement.
    notification = Notification.objects.get(user=company_finance, kind=NotificationKind.STATEMENT_DISPUTE_RESOLVED)
    assert notification.title == f"Your dispute of {invoice.number} was answered"
    assert notification.body == "Credit note: Credited the damaged cases."
    client.force_login(company_finance)
    page = client.get(reverse("billing:statement", args=[statement.pk])).content.decode()
    assert "Credited the damaged cases." in page and note.number in page
    # Now it can be confirmed.
    statements.confirm(statement, user=company_finance)
    assert Statement.objects.get(pk=statement.pk).state == Statement.State.CONFIRMED


def test_an_explanation_resolves_without_money_moving(november, company, company_finance, staff_finance):
    statement = november["statement"]
    payment_line = statements.statement_lines(statement)[1]
    (dispute,) = statements.dispute(statement, {payment_line.entry.pk: "We paid 213"}, user=company_finance)
    statements.resolve(dispute, resolution="explanation", text="Your bank sent 113.00 on 12 Nov.", user=staff_finance)
    assert StatementDispute.objects.get(pk=dispute.pk).resolution_text == "Your bank sent 113.00 on 12 Nov."
    assert ledger.balance(company.pk) == Decimal("226.00")
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 0


def test_a_resolution_needs_an_answer_and_a_bad_credit_is_refused_whole(november, company_finance, staff_finance):
    statement = november["statement"]
    line = statements.statement_lines(statement)[0]
    (dispute,) = statements.dispute(statement, {line.entry.pk: "Wrong"}, user=company_finance)
    with pytest.raises(statements.StatementError, match="Write the answer"):
        statements.resolve(dispute, resolution="explanation", text=" ", user=staff_finance)
    invoice_line = november["invoice"].lines.get()
    with pytest.raises(statements.StatementError, match="at most 2 can be credited"):
        statements.resolve(
            dispute, resolution="credit_note", text="Credit", user=staff_finance, credit_quantities={invoice_line.pk: 3}
        )
    assert StatementDispute.objects.get(pk=dispute.pk).is_open
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 0


def test_a_sales_rep_reads_disputes_but_does_not_resolve_them(
    november, client, company, company_finance, staff_sales_rep
):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    line = statements.statement_lines(november["statement"])[0]
    (dispute,) = statements.dispute(november["statement"], {line.entry.pk: "Wrong"}, user=company_finance)
    client.force_login(with_second_factor(staff_sales_rep))
    url = reverse("billing_statements:dispute", args=[dispute.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="resolution"' not in page.content.decode()
    client.post(url, {"resolution": "explanation", "text": "Fine"})
    assert StatementDispute.objects.get(pk=dispute.pk).is_open


def test_the_monthly_task_states_every_company_with_entries_and_tells_finance_and_admins(
    invoiced, company, company_finance, company_admin, buyer, other_company
):
    with time_machine.travel(_at(2026, 11, 10), tick=False) as clock:
        invoiced()
        clock.move_to(_at(2026, 12, 1, 6))
        generate_monthly_statements.enqueue()
        statement = Statement.objects.get()
        assert (statement.company, statement.period_start, statement.period_end) == (
            company,
            date(2026, 11, 1),
            date(2026, 11, 30),
        )
        told = set(Notification.objects.filter(kind=NotificationKind.STATEMENT_ISSUED).values_list("user", flat=True))
        assert told == {company_finance.pk, company_admin.pk}
        notification = Notification.objects.get(user=company_finance, kind=NotificationKind.STATEMENT_ISSUED)
        assert notification.url == reverse("billing:statement", args=[statement.pk])
        assert "Closing balance ¥113.00" in notification.body
        # Again: nothing new, nobody told twice. A company without entries gets none.
        generate_monthly_statements.enqueue(year=2026, month=11)
    assert Statement.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.STATEMENT_ISSUED).count() == 2
    assert not Statement.objects.filter(company=other_company).exists()


def test_the_pdf_reads_back_in_english(november, client, company_finance):
    statement = november["statement"]
    client.force_login(company_finance)
    response = client.get(reverse("billing:statement_pdf", args=[statement.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content))
    assert "Statement of account" in text and statement.number in text
    assert "Opening balance" in text and "¥113.00" in text
    assert "Closing balance" in text and "¥226.00" in text
    assert november["invoice"].number in text and "BANK-1112" in text
    # Stored once: the second download is the same file.
    stored = Statement.objects.get(pk=statement.pk).pdf.name
    client.get(reverse("billing:statement_pdf", args=[statement.pk]))
    assert Statement.objects.get(pk=statement.pk).pdf.name == stored


def test_the_pdf_reads_back_in_chinese(invoiced, company):
    MembershipFactory(company=company, role=Membership.Role.FINANCE, user=UserFactory(language="zh-hans"))
    company.legal_name = "上海鲜味餐饮管理有限公司"
    company.save(update_fields=["legal_name"])
    with time_machine.travel(_at(2026, 11, 10), tick=False) as clock:
        invoiced()
        clock.move_to(_at(2026, 12, 1, 6))
        statement = statements.statement_for(company, date(2026, 11, 1), date(2026, 11, 30))
    assert statement.language == "zh-hans"
    text = pdf_text(statement_pdf(statement))
    assert "对账单" in text and "期初余额" in text and "期末余额" in text
    assert "上海鲜味餐饮管理有限公司" in text and "¥113.00" in text


def test_lists_take_a_fixed_number_of_queries(
    invoiced, company, client, company_finance, staff_finance, django_assert_max_num_queries
):
    with time_machine.travel(_at(2026, 11, 10), tick=False) as clock:
        for _ in range(3):
            invoiced()
        clock.move_to(_at(2026, 12, 1, 6))
        for month in (9, 10, 11):
            statement = statements.statement_for(company, *invoicing.month_bounds(2026, month))
    assert len(statements.statement_lines(statement)) == 3
    client.force_login(company_finance)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:statements"))
    assert response.status_code == 200 and 'data-testid="nav-billing"' in response.content.decode()
    assert response.content.decode().count('data-testid="statement-row"') == 3
    with django_assert_max_num_queries(14):
        assert client.get(reverse("billing:statement", args=[statement.pk])).status_code == 200
    client.force_login(with_second_factor(staff_finance))
    for name in ("billing_statements:statements", "billing_statements:disputes"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("billing_statements:statement", args=[statement.pk])).status_code == 200


def test_a_dispute_tells_finance_and_the_companys_rep_at_once(
    november, company, company_finance, staff_finance, staff_sales_rep, staff_warehouse
):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    statement = november["statement"]
    lines = statements.statement_lines(statement)
    statements.dispute(
        statement, {lines[0].entry.pk: "Two cases were damaged", lines[1].entry.pk: "Paid more"}, user=company_finance
    )
    told = Notification.objects.filter(kind=NotificationKind.STATEMENT_DISPUTED)
    assert sorted(n.user_id for n in told) == sorted([staff_finance.pk, staff_sales_rep.pk])
    notice = told.get(user=staff_finance)
    assert notice.company is None
    assert notice.title == f"{company} disputes its statement for 1 Nov 2026 – 30 Nov 2026"
    assert notice.body.startswith("2 line(s) disputed")
    assert notice.url == reverse("billing_statements:disputes")


def test_finance_states_an_account_for_any_period_by_hand(
    client, invoiced, company, company_finance, staff_finance, django_capture_on_commit_callbacks
):
    with time_machine.travel(_at(2026, 10, 20), tick=False):
        invoiced(price="100.00", quantity=1)
    client.force_login(with_second_factor(staff_finance))
    url = reverse("billing_statements:generate")
    refused = client.post(url, {"company": company.pk, "start": "2026-10-31", "end": "2026-10-01", "notify": "on"})
    assert "A statement&#x27;s period ends on or after its first day." in refused.content.decode()
    assert not Statement.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"company": company.pk, "start": "2026-10-01", "end": "2026-10-31", "notify": "on"})

    statement = Statement.objects.get()
    assert response.status_code == 302 and response.url == reverse("billing_statements:statement", args=[statement.pk])
    assert (statement.period_start, statement.closing_balance) == (date(2026, 10, 1), Decimal("113.00"))
    assert Notification.objects.filter(user=company_finance, kind=NotificationKind.STATEMENT_ISSUED).count() == 1
    # The same period again answers the same statement.
    client.post(url, {"company": company.pk, "start": "2026-10-01", "end": "2026-10-31"})
    assert Statement.objects.count() == 1


def test_a_sales_rep_does_not_state_accounts(client, company, staff_sales_rep):
    company.sales_rep = staff_sales_rep
    company.save(update_fields=["sales_rep"])
    client.force_login(with_second_factor(staff_sales_rep))
    url = reverse("billing_statements:generate")
    assert client.get(url).status_code in (302, 403)
    client.post(url, {"company": company.pk, "start": "2026-10-01", "end": "2026-10-31"})
    assert not Statement.objects.exists()
