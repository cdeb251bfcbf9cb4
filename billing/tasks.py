"""Billing's background work: rendering what was issued, invoicing what shipped, the monthly
invoices of 月结 companies (scheduled on the 1st: portal/schedule.py)."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from ordering.fulfilment.models import Shipment

from .documents import store_invoice_pdf
from .models import Invoice

logger = logging.getLogger(__name__)


@task()
def render_invoice_pdf(invoice_id: int) -> None:
    """Render and store an invoice's or credit note's PDF after it commits."""
    store_invoice_pdf(Invoice.objects.get(pk=invoice_id))


@task()
def invoice_shipment(shipment_id: int) -> None:
    """Invoice a shipment that just left, for a company invoiced per shipment (not 月结)."""
    from .services.invoicing import invoice_shipment as issue

    shipment = Shipment.objects.select_related("order__company").get(pk=shipment_id)
    if shipment.order.company.invoicing == shipment.order.company.Invoicing.PER_SHIPMENT:
        issue(shipment)


@task()
def generate_monthly_statements(year: int | None = None, month: int | None = None) -> int:
    """A month's statements (last month's by default) for every company with something to
    state; each company's finance and admin members are told. Returns how many there are."""
    from django.utils import timezone

    from .services import statements

    if year is None or month is None:
        year, month = statements.month_before(timezone.localdate())
    return len(statements.generate_monthly(year, month))


@task()
def issue_monthly_invoices(year: int | None = None, month: int | None = None) -> list[str]:
    """One invoice per 月结 company for last month's shipments not yet invoiced (or the given
    month); the month's invoice numbers. Running it again issues nothing new (`invoice_month`
    finds the month's invoice), and one company's refusal (shipments in several currencies) is
    logged without stopping the others."""
    from .services.invoicing import InvoicingError, invoice_month, monthly_companies

    if year is None or month is None:
        first_of_this_month = timezone.localdate().replace(day=1)
        last_month = first_of_this_month - timedelta(days=1)
        year, month = last_month.year, last_month.month
    issued = []
    for company in monthly_companies().order_by("pk"):
        try:
            invoice = invoice_month(company, year=year, month=month)
        except InvoicingError:
            logger.exception("Monthly invoice of company %s for %s-%02d refused", company.pk, year, month)
            continue
        if invoice is not None:
            issued.append(invoice.number)
    return issued
