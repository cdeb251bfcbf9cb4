"""Billing reads several screens share: a company's account in figures (balance, open, overdue,
unapplied credit) and the status of an invoice."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from ordering.services.common import money

from .models import ZERO, Invoice, Payment

STATUS_LABELS = {
    "paid": _("Paid"),
    "part_paid": _("Partly paid"),
    "open": _("Open"),
    "overdue": _("Overdue"),
    "credit_open": _("Credit available"),
    "credit_used": _("Credit applied"),
}
STATUS_CLASSES = {
    "paid": "success",
    "part_paid": "info",
    "open": "secondary",
    "overdue": "danger",
    "credit_open": "warning",
    "credit_used": "light",
}


def invoice_status(invoice: Invoice, today: date) -> str:
    if invoice.is_credit_note:
        return "credit_open" if invoice.open_amount > 0 else "credit_used"
    if invoice.open_amount == 0:
        return "paid"
    if invoice.is_overdue(today):
        return "overdue"
    return "part_paid" if invoice.open_amount < invoice.total else "open"


def filter_by_status(invoices: QuerySet[Invoice], status: str, today: date) -> QuerySet[Invoice]:
    """The list's status filter, in SQL."""
    is_invoice = Q(kind=Invoice.Kind.INVOICE)
    filters = {
        "open": is_invoice & Q(open_amount__gt=0),
        "overdue": is_invoice & Q(open_amount__gt=0, due_on__lt=today),
        "paid": is_invoice & Q(open_amount=0),
        "credit": Q(kind=Invoice.Kind.CREDIT_NOTE),
    }
    return invoices.filter(filters[status]) if status in filters else invoices


@dataclass(frozen=True)
class AccountFigures:
    """What a company's account stands at, per currency: what it owes on open invoices, how much
    of it is overdue, the credit not yet applied (credit notes, payments), and the balance."""

    currency: str
    open: Decimal
    overdue: Decimal
    overdue_count: int
    unapplied: Decimal

    @property
    def balance(self) -> Decimal:
        return self.open - self.unapplied


def account_figures(company_id: int, today: date) -> list[AccountFigures]:
    """Two queries whatever the number of invoices and payments."""
    invoices = (
        Invoice.objects.filter(company_id=company_id, open_amount__gt=0)
        .values("currency")
        .annotate(
            open=Sum("open_amount", filter=Q(kind=Invoice.Kind.INVOICE), default=ZERO),
            overdue=Sum("open_amount", filter=Q(kind=Invoice.Kind.INVOICE, due_on__lt=today), default=ZERO),
            overdue_count=Count("pk", filter=Q(kind=Invoice.Kind.INVOICE, due_on__lt=today)),
            credit=Sum("open_amount", filter=Q(kind=Invoice.Kind.CREDIT_NOTE), default=ZERO),
        )
    )
    payments = (
        Payment.objects.filter(company_id=company_id, unallocated__gt=0)
        .values("currency")
        .annotate(unallocated=Sum("unallocated"))
    )
    figures: dict[str, dict] = {}
    for row in invoices:
        figures[row["currency"]] = {
            "open": row["open"],
            "overdue": row["overdue"],
            "overdue_count": row["overdue_count"],
            "unapplied": row["credit"],
        }
    for row in payments:
        entry = figures.setdefault(
            row["currency"], {"open": ZERO, "overdue": ZERO, "overdue_count": 0, "unapplied": ZERO}
        )
        entry["unapplied"] += row["unallocated"]
    # Sums back to cents: SQLite sums decimals with more places.
    return [
        AccountFigures(
            currency=currency,
            open=money(values["open"]),
            overdue=money(values["overdue"]),
            overdue_count=values["overdue_count"],
            unapplied=money(values["unapplied"]),
        )
        for currency, values in sorted(figures.items())
    ]
