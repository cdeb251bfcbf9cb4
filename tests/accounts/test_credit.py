"""accounts.credit is the one writer of a company's credit exposure: each verb moves the money
where its name says, exactly, in Decimal."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts import credit
from accounts.models import CreditAccount


def _account(company) -> CreditAccount:
    return CreditAccount.objects.get(company=company)


def test_an_order_approved_invoiced_and_paid_moves_through_the_exposure(company):
    with transaction.atomic():
        account = credit.locked_account(company.pk)
        credit.order_approved(account, Decimal("1234.56"))
    assert (_account(company).approved_uninvoiced, _account(company).open_invoices) == (Decimal("1234.56"), 0)

    with transaction.atomic():
        account = credit.locked_account(company.pk)
        credit.order_invoiced(account, Decimal("1234.56"), due_on=date(2027, 1, 31))
    account = _account(company)
    assert (account.approved_uninvoiced, account.open_invoices) == (0, Decimal("1234.56"))
    assert account.oldest_unpaid_due_date == date(2027, 1, 31)
    assert account.exposure == Decimal("1234.56")

    with transaction.atomic():
        account = credit.locked_account(company.pk)
        credit.invoice_paid(account, Decimal("1000.00"))
        credit.invoice_written_off(account, Decimal("234.56"))
    assert _account(company).exposure == 0


def test_a_released_order_leaves_the_exposure_and_an_earlier_due_date_is_kept(company):
    with transaction.atomic():
        account = credit.locked_account(company.pk, with_company=True)
        assert account.company == company
        credit.order_approved(account, Decimal("300.00"))
        credit.order_approved(account, Decimal("200.00"))
        credit.order_invoiced(account, Decimal("200.00"), due_on=date(2027, 1, 10))
        credit.order_invoiced(account, Decimal("0.00"), due_on=date(2027, 2, 10))
        credit.approved_order_released(account, Decimal("300.00"))
    account = _account(company)
    assert (account.approved_uninvoiced, account.open_invoices) == (0, Decimal("200.00"))
    assert account.oldest_unpaid_due_date == date(2027, 1, 10)
    assert credit.account_for_reading(company).exposure == Decimal("200.00")
