"""The customer's invoices and credit notes: the list (filtered by status, searched by number),
one invoice with its lines, what was set against it and its credit notes, and its PDF.

Invoices are the company's finance and admin members' business (`BILLING_ROLES`); every read goes
through `accounts.access` (another company's invoice answers 404). The list runs a fixed number
of queries whatever the number of invoices; the detail too whatever its lines and payments.
"""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.access import get_for_member, member_required, scoped
from accounts.forms import BootstrapFormMixin
from accounts.models import Membership

from ..documents import invoice_pdf_name, store_invoice_pdf
from ..models import Allocation, Invoice
from ..selectors import STATUS_CLASSES, STATUS_LABELS, account_figures, filter_by_status, invoice_status

BILLING_ROLES = (Membership.Role.FINANCE, Membership.Role.ADMIN)
INVOICES_PER_PAGE = 25


class InvoiceFilterForm(BootstrapFormMixin, forms.Form):
    """GET parameters from links and bookmarks: a value that does not validate is dropped."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("open", gettext_lazy("Open")),
            ("overdue", gettext_lazy("Overdue")),
            ("paid", gettext_lazy("Paid")),
            ("credit", gettext_lazy("Credit notes")),
        ],
    )
    q = forms.CharField(label=gettext_lazy("Number"), required=False, max_length=40)


def _with_status(invoices, today):
    for invoice in invoices:
        invoice.status = invoice_status(invoice, today)
        invoice.status_label = STATUS_LABELS[invoice.status]
        invoice.status_class = STATUS_CLASSES[invoice.status]
    return invoices


@member_required(roles=BILLING_ROLES)
def invoice_list(request):
    today = timezone.localdate()
    form = InvoiceFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    invoices = scoped(request, Invoice.objects.all()).select_related("order").order_by("-issued_on", "-pk")
    invoices = filter_by_status(invoices, filters.get("status", ""), today)
    if filters.get("q"):
        invoices = invoices.filter(number__icontains=filters["q"].strip())
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    _with_status(page.object_list, today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "page": page,
            "form": form,
            "figures": account_figures(request.membership.company_id, today),
            "query": query.urlencode(),
            "today": today,
        },
    )


@member_required(roles=BILLING_ROLES)
def invoice_detail(request, number: str):
    today = timezone.localdate()
    invoice = get_for_member(
        request,
        Invoice.objects.select_related("order", "shipment", "credited_invoice").prefetch_related(
            "lines",
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("payment", "credit_note").order_by("pk"),
            ),
            Prefetch("credit_notes", queryset=Invoice.objects.order_by("issued_on", "pk")),
        ),
        number=number,
    )
    _with_status([invoice], today)
    return render(
        request,
        "billing/invoice_detail.html",
        {"invoice": invoice, "today": today, "days_overdue": invoice.days_overdue(today)},
    )


@member_required(roles=BILLING_ROLES)
def invoice_pdf(request, number: str):
    invoice = get_for_member(request, Invoice, number=number)
    stored = store_invoice_pdf(invoice)
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=invoice_pdf_name(invoice), content_type="application/pdf"
    )
