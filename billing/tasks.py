"""Billing's background work: rendering what was issued, invoicing what shipped."""

from django_tasks import task

from ordering.fulfilment.models import Shipment

from .documents import store_invoice_pdf
from .models import Invoice


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
