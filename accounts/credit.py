"""The one writer of a company's credit exposure (its CreditAccount row).

Every change goes through a verb here, named for what happened to the money: an order was
approved (it now counts against the limit), an approved order was released (cancelled before it
was invoiced), an order was invoiced (its amount moves from approved-not-invoiced to open
invoices), an invoice was paid or written off. Billing will call the last three.

The verbs take the account as `locked_account()` returned it, inside the caller's transaction:
placement and the decisions lock the credit account first of all their locks, so the new
value is computed from the loaded one in Decimal (an F() expression would be computed in
floating point on SQLite) and written while no one else can.
"""

from datetime import date
from decimal import Decimal

from .models import Company, CreditAccount


def locked_account(company_id: int, *, with_company: bool = False) -> CreditAccount:
    """The company's account under a row lock (created if it has none yet); with the company
    loaded in the same query when `with_company`."""
    accounts = CreditAccount.objects.select_for_update(of=("self",))
    if with_company:
        accounts = accounts.select_related("company")
    account, _created = accounts.get_or_create(company_id=company_id)
    return account


def account_for_reading(company: Company) -> CreditAccount:
    """The company's account as it is now, without a lock: for showing credit, never for deciding."""
    account, _created = CreditAccount.objects.get_or_create(company=company)
    return account


def order_approved(account: CreditAccount, amount: Decimal) -> None:
    _change(account, approved_uninvoiced=amount)


def approved_order_released(account: CreditAccount, amount: Decimal) -> None:
    """An approved order was cancelled or rejected before it was invoiced."""
    _change(account, approved_uninvoiced=-amount)


def order_invoiced(
    account: CreditAccount, amount: Decimal, *, approved: Decimal | None = None, due_on: date | None = None
) -> None:
    """Shipped goods were invoiced for `amount`, due on `due_on`: the approved exposure they stood
    for (`approved`, the order's estimate for what shipped; `amount` when not given) leaves
    approved-not-invoiced and the invoice joins open invoices. Catch weight makes the two differ."""
    approved = amount if approved is None else approved
    also = []
    if due_on is not None and (account.oldest_unpaid_due_date is None or due_on < account.oldest_unpaid_due_date):
        account.oldest_unpaid_due_date = due_on
        also = ["oldest_unpaid_due_date"]
    # Never below zero: exposure from orders approved before it was counted is not released twice.
    released = min(approved, account.approved_uninvoiced)
    _change(account, also=also, approved_uninvoiced=-released, open_invoices=amount)


def invoice_paid(account: CreditAccount, amount: Decimal, *, oldest_unpaid_due_date: date | None = None) -> None:
    """`amount` of open invoices was paid or credited; `oldest_unpaid_due_date` is the due date
    of the oldest invoice still unpaid afterwards (billing knows it; None when none is)."""
    account.oldest_unpaid_due_date = oldest_unpaid_due_date
    _change(account, also=["oldest_unpaid_due_date"], open_invoices=-amount)


def invoice_reopened(account: CreditAccount, amount: Decimal, *, oldest_unpaid_due_date: date | None = None) -> None:
    """A payment set against invoices was refunded or reversed: `amount` is unpaid again."""
    account.oldest_unpaid_due_date = oldest_unpaid_due_date
    _change(account, also=["oldest_unpaid_due_date"], open_invoices=amount)


def invoice_written_off(account: CreditAccount, amount: Decimal, *, oldest_unpaid_due_date: date | None = None) -> None:
    account.oldest_unpaid_due_date = oldest_unpaid_due_date
    _change(account, also=["oldest_unpaid_due_date"], open_invoices=-amount)


def _change(account: CreditAccount, *, also=(), **amounts: Decimal) -> None:
    """Add `amounts` to the account's parts and write them (and the fields named in `also`) in one UPDATE."""
    for name, amount in amounts.items():
        setattr(account, name, getattr(account, name) + amount)
    account.save(update_fields=[*amounts, *also, "updated_at"])
