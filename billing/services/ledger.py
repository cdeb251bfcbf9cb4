"""The ledger: the one writer of money movements.

Every movement on a company's account is a `LedgerEntry` (an invoice, a credit note, a payment,
a refund, a write-off, a reversal), added and never changed; the balance is their sum. Setting a
payment or a credit note against invoices is an `Allocation`, added the same way. What derives
from them is written here and only here, in the same transaction:

- `Invoice.open_amount` (what an invoice still waits for; what a credit note has not yet given),
- `Payment.unallocated` (a payment's credit on the account) and `Payment.refunded`,
- the company's credit exposure, through `accounts.credit` (open invoices and the oldest unpaid
  due date), so credit hold and the overdue hold follow every invoice and payment,
- the monthly rollup (`billing.rollup.record`: each entry in its company's, currency's and
  month's row), which the finance dashboard reads.

So for every company: balance = Σ open invoices − Σ open credit notes − Σ unallocated payments.

Each verb runs inside the caller's transaction with the company's credit account locked first
(`lock_books`), the lock placement and approval take first too, then the rows it changes.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import credit
from accounts.models import CreditAccount

from .. import rollup
from ..models import ZERO, Allocation, Invoice, LedgerEntry, Payment


class LedgerError(Exception):
    pass


def lock_books(company_id: int) -> CreditAccount:
    """The company's credit account under its row lock: every money movement takes it first."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Money moves inside one transaction.")
    return credit.locked_account(company_id)


def balance(company_id: int) -> Decimal:
    """What the company owes (negative: credit in its favour): the sum of its entries."""
    return LedgerEntry.objects.filter(company_id=company_id).aggregate(total=Sum("amount"))["total"] or ZERO


def oldest_unpaid_due_date(company_id: int) -> date | None:
    return Invoice.objects.filter(company_id=company_id, kind=Invoice.Kind.INVOICE, open_amount__gt=0).aggregate(
        oldest=Min("due_on")
    )["oldest"]


def _entry(
    *,
    company_id,
    kind,
    currency,
    amount,
    booked_on=None,
    invoice=None,
    payment=None,
    reverses=None,
    actor=None,
    memo="",
):
    """Every entry is added here, and to its month in the rollup in the same transaction."""
    entry = LedgerEntry.objects.create(
        company_id=company_id,
        kind=kind,
        currency=currency,
        amount=amount,
        booked_on=booked_on or timezone.localdate(),
        invoice=invoice,
        payment=payment,
        reverses=reverses,
        created_by=actor,
        memo=memo,
    )
    rollup.record(entry)
    return entry


# --- Documents -------------------------------------------------------------------------------


def book_invoice(account: CreditAccount, invoice: Invoice, *, approved: Decimal, actor=None) -> None:
    """An invoice was issued: the customer owes its total; the approved exposure it stands for
    (`approved`) becomes an open invoice. Credit already on the account is applied to it."""
    _entry(
        company_id=invoice.company_id,
        kind=LedgerEntry.Kind.INVOICE,
        currency=invoice.currency,
        amount=invoice.total,
        booked_on=invoice.issued_on,
        invoice=invoice,
        actor=actor,
    )
    credit.order_invoiced(account, invoice.total, approved=approved, due_on=invoice.due_on)
    apply_credit(account, actor=actor)


def book_credit_note(account: CreditAccount, note: Invoice, *, actor=None) -> None:
    """A credit note was issued: the customer owes its total less. It settles the invoice it
    credits first, then the oldest open invoices; what is left stays as credit on the account."""
    _entry(
        company_id=note.company_id,
        kind=LedgerEntry.Kind.CREDIT_NOTE,
        currency=note.currency,
        amount=-note.total,
        booked_on=note.issued_on,
        invoice=note,
        actor=actor,
    )
    if note.credited_invoice_id:
        invoice = Invoice.objects.select_for_update().get(pk=note.credited_invoice_id)
        _allocate(
            account, invoice=invoice, credit_note=note, amount=min(note.open_amount, invoice.open_amount), actor=actor
        )
    apply_credit(account, actor=actor)


# --- Payments ----------------------------------------------------------------------------------


def book_payment(account: CreditAccount, payment: Payment, *, actor=None) -> None:
    """Money arrived (a payment now succeeded): it lowers the balance and settles the invoices the
    payer named, then the oldest open ones; the rest stays as credit on the account."""
    if payment.state != Payment.State.SUCCEEDED:
        raise LedgerError("Only a received payment is booked.")
    if payment.entries.exists():
        raise LedgerError("This payment is booked already.")
    _entry(
        company_id=payment.company_id,
        kind=LedgerEntry.Kind.PAYMENT,
        currency=payment.currency,
        amount=-payment.amount,
        booked_on=payment.received_on,
        payment=payment,
        actor=actor,
        memo=payment.reference[:300],
    )
    payment.unallocated = payment.amount
    payment.save(update_fields=["unallocated"])
    named = list(payment.requested_invoices.order_by("due_on", "pk").values_list("pk", flat=True))
    for invoice in _open_invoices(payment.company_id, currency=payment.currency, only=named):
        if payment.unallocated == 0:
            break
        _allocate(
            account, invoice=invoice, payment=payment, amount=min(payment.unallocated, invoice.open_amount), actor=actor
        )
    apply_credit(account, actor=actor)


def refund_payment(account: CreditAccount, payment: Payment, amount: Decimal, *, actor=None, memo: str = "") -> None:
    """Money paid back to the customer (a card refund, a transfer sent back): its unallocated
    part first, then its allocations undone from the newest invoice back, so those are unpaid again."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if amount <= 0 or amount > payment.amount - payment.refunded:
        raise LedgerError(_("A refund is more than zero and at most what was paid and not yet refunded."))
    _entry(
        company_id=payment.company_id,
        kind=LedgerEntry.Kind.REFUND,
        currency=payment.currency,
        amount=amount,
        payment=payment,
        actor=actor,
        memo=memo,
    )
    _take_back(account, payment, amount, actor=actor)
    payment.refunded += amount
    payment.save(update_fields=["refunded"])


def reverse_payment(account: CreditAccount, payment: Payment, *, actor=None, memo: str = "") -> LedgerEntry:
    """A payment booked in error (a transfer matched to the wrong company, a bounced payment): its
    entry is reversed by an opposite one and its allocations undone."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    entry = payment.entries.filter(kind=LedgerEntry.Kind.PAYMENT).first()
    if entry is None or hasattr(entry, "reversed_by"):
        raise LedgerError(_("This payment is not booked, or is reversed already."))
    remaining = payment.amount - payment.refunded
    _take_back(account, payment, remaining, actor=actor)
    return _entry(
        company_id=payment.company_id,
        kind=LedgerEntry.Kind.REVERSAL,
        currency=payment.currency,
        amount=remaining,
        payment=payment,
        reverses=entry,
        actor=actor,
        memo=memo,
    )


def write_off(account: CreditAccount, invoice: Invoice, amount: Decimal, *, actor=None, memo: str = "") -> None:
    """An amount the customer will not pay is written off the invoice."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if amount <= 0 or amount > invoice.open_amount:
        raise LedgerError(_("A write-off is more than zero and at most what the invoice still waits for."))
    _entry(
        company_id=invoice.company_id,
        kind=LedgerEntry.Kind.WRITE_OFF,
        currency=invoice.currency,
        amount=-amount,
        invoice=invoice,
        actor=actor,
        memo=memo,
    )
    invoice.open_amount -= amount
    invoice.save(update_fields=["open_amount"])
    credit.invoice_written_off(account, amount, oldest_unpaid_due_date=oldest_unpaid_due_date(invoice.company_id))


# --- Allocation --------------------------------------------------------------------------------


def apply_credit(account: CreditAccount, *, actor=None) -> None:
    """Credit on the account (unallocated payments, then unapplied credit notes, oldest first)
    settles open invoices, oldest due first."""
    company_id = account.company_id
    sources = list(
        Payment.objects.select_for_update()
        .filter(company_id=company_id, state=Payment.State.SUCCEEDED, unallocated__gt=0)
        .order_by("received_on", "pk")
    ) + list(
        Invoice.objects.select_for_update()
        .filter(company_id=company_id, kind=Invoice.Kind.CREDIT_NOTE, open_amount__gt=0)
        .order_by("issued_on", "pk")
    )
    if not sources:
        return
    invoices = _open_invoices(company_id)
    for source in sources:
        currency = source.currency
        for invoice in invoices:
            left = source.unallocated if isinstance(source, Payment) else source.open_amount
            if left == 0:
                break
            if invoice.open_amount == 0 or invoice.currency != currency:
                continue
            amount = min(left, invoice.open_amount)
            if isinstance(source, Payment):
                _allocate(account, invoice=invoice, payment=source, amount=amount, actor=actor)
            else:
                _allocate(account, invoice=invoice, credit_note=source, amount=amount, actor=actor)


def _open_invoices(company_id: int, *, currency: str | None = None, only: list[int] | None = None) -> list[Invoice]:
    """Open invoices under their row locks, oldest due first (the payer's named ones, when given)."""
    invoices = Invoice.objects.select_for_update().filter(
        company_id=company_id, kind=Invoice.Kind.INVOICE, open_amount__gt=0
    )
    if currency:
        invoices = invoices.filter(currency=currency)
    invoices = list(invoices.order_by("due_on", "issued_on", "pk"))
    if only:
        rank = {pk: index for index, pk in enumerate(only)}
        invoices.sort(key=lambda invoice: (invoice.pk not in rank, rank.get(invoice.pk, 0)))
    return invoices


def _allocate(
    account,
    *,
    invoice: Invoice,
    amount: Decimal,
    payment: Payment | None = None,
    credit_note: Invoice | None = None,
    actor=None,
) -> None:
    if amount <= 0:
        return
    Allocation.objects.create(
        invoice=invoice, payment=payment, credit_note=credit_note, amount=amount, created_by=actor
    )
    invoice.open_amount -= amount
    invoice.save(update_fields=["open_amount"])
    if payment is not None:
        payment.unallocated -= amount
        payment.save(update_fields=["unallocated"])
    else:
        credit_note.open_amount -= amount
        credit_note.save(update_fields=["open_amount"])
    credit.invoice_paid(account, amount, oldest_unpaid_due_date=oldest_unpaid_due_date(invoice.company_id))


def _take_back(account, payment: Payment, amount: Decimal, *, actor=None) -> None:
    """Take `amount` of a payment back: from its unallocated part, then from its allocations,
    newest first (each undone by a negative allocation; the invoice is open again)."""
    from_credit = min(payment.unallocated, amount)
    payment.unallocated -= from_credit
    payment.save(update_fields=["unallocated"])
    left = amount - from_credit
    if left == 0:
        return
    by_invoice = (
        payment.allocations.values("invoice_id").annotate(net=Sum("amount")).filter(net__gt=0).order_by("-invoice_id")
    )
    reopened = ZERO
    for row in by_invoice:
        take = min(row["net"], left)
        invoice = Invoice.objects.select_for_update().get(pk=row["invoice_id"])
        Allocation.objects.create(invoice=invoice, payment=payment, amount=-take, created_by=actor)
        invoice.open_amount += take
        invoice.save(update_fields=["open_amount"])
        reopened += take
        left -= take
        if left == 0:
            break
    credit.invoice_reopened(account, reopened, oldest_unpaid_due_date=oldest_unpaid_due_date(payment.company_id))
