"""Finance's invoice screens: the invoices (filter by status, search by number or customer), one
invoice with its lines, what settled it and its ledger entries, and what finance does to it:
record the official tax invoice (发票), credit lines (a correction), void it, write off what is
left. Shipments not yet invoiced, and 月结 months, are invoiced by hand from their own screen;
charges (delivery, handling) too.

Every write goes through `billing.services` (invoicing, ledger); who sees which customer comes
from `accounts.selectors.companies_for_staff` (a sales rep: their own, read-only).
"""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages

from accounts.models import Company
from accounts.selectors import companies_for_staff
from kit.backoffice import LongSelect, PermissionTemplateMixin
from ordering.fulfilment.models import ReturnRequest, Shipment

from ..documents import invoice_pdf_name, store_invoice_pdf
from ..models import Allocation, Invoice, LedgerEntry
from ..selectors import STATUS_LABELS, filter_by_status, invoice_status
from ..services import invoicing, ledger

VIEW_INVOICES = "billing.view_invoice"
ISSUE = "billing.add_invoice"
RECORD = "billing.change_invoice"
ROWS_PER_PAGE = 50


def invoices_for_staff(user):
    """The invoices and credit notes of the customers `user` may see."""
    return Invoice.objects.filter(company__in=companies_for_staff(user).values("pk"))


class InvoiceScreenMixin(PermissionTemplateMixin):
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_invoices:index"), "label": gettext_lazy("Invoices")},
            {"url": "", "label": self.get_page_title()},
        ]


# --- The invoices ------------------------------------------------------------------------------


class InvoiceIndexView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_INVOICES
    page_title = gettext_lazy("Invoices")
    header_icon = "doc-full"
    template_name = "billing/admin/invoices.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        status = self.request.GET.get("status", "")
        q = self.request.GET.get("q", "").strip()
        invoices = invoices_for_staff(self.request.user).select_related("company")
        company = self.request.GET.get("company", "")
        if company.isdigit():
            invoices = invoices.filter(company_id=int(company))
        invoices = filter_by_status(invoices, status, today)
        if q:
            invoices = invoices.filter(
                Q(number__icontains=q) | Q(company__display_name__icontains=q) | Q(company__legal_name__icontains=q)
            )
        page = Paginator(invoices.order_by("-issued_on", "-pk"), ROWS_PER_PAGE).get_page(self.request.GET.get("p"))
        rows = list(page.object_list)
        for invoice in rows:
            invoice.status = invoice_status(invoice, today)
            invoice.status_label = STATUS_LABELS[invoice.status]
        user = self.request.user
        context.update(
            page=page,
            invoices=rows,
            status=status,
            q=q,
            statuses=[
                ("", _("All")),
                ("open", _("Open")),
                ("overdue", _("Overdue")),
                ("paid", _("Paid")),
                ("credit", _("Credit notes")),
            ],
            may_issue=user.has_perm(ISSUE),
            uninvoiced=uninvoiced_shipments(user).count() if user.has_perm(ISSUE) else 0,
        )
        return context


# --- One invoice -------------------------------------------------------------------------------


class TaxInvoiceForm(forms.Form):
    tax_invoice_number = forms.CharField(label=gettext_lazy("Tax invoice (发票) number"), max_length=40)
    tax_invoice_date = forms.DateField(label=gettext_lazy("Tax invoice (发票) date"))

    def clean_tax_invoice_date(self):
        value = self.cleaned_data["tax_invoice_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A tax invoice cannot be dated in the future."))
        return value


class WriteOffForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount to write off"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    memo = forms.CharField(label=gettext_lazy("Why"), max_length=300)


class VoidForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Why it is voided"), max_length=500)


class InvoiceDetailView(InvoiceScreenMixin, TemplateView):
    """The invoice as issued, what settled it, its ledger entries; finance's actions on it (each
    a POST with `action`: tax_invoice, write_off, void)."""

    permission = VIEW_INVOICES
    template_name = "billing/admin/invoice_detail.html"

    @cached_property
    def invoice(self) -> Invoice:
        return get_object_or_404(
            invoices_for_staff(self.request.user)
            .select_related("company", "order", "shipment", "credited_invoice", "created_by")
            .prefetch_related(
                "lines",
                Prefetch(
                    "allocations", queryset=Allocation.objects.select_related("payment", "credit_note").order_by("pk")
                ),
                Prefetch("applications", queryset=Allocation.objects.select_related("invoice").order_by("pk")),
                Prefetch("entries", queryset=LedgerEntry.objects.select_related("created_by").order_by("pk")),
                Prefetch("credit_notes", queryset=Invoice.objects.order_by("pk")),
            ),
            pk=self.kwargs["invoice_id"],
        )

    def get_page_title(self):
        return self.invoice.number

    def get_page_subtitle(self):
        return str(self.invoice.company)

    def forms(self, data=None):
        invoice = self.invoice
        return {
            "tax_invoice": TaxInvoiceForm(
                data if data is not None and data.get("action") == "tax_invoice" else None,
                initial={
                    "tax_invoice_number": invoice.tax_invoice_number,
                    "tax_invoice_date": invoice.tax_invoice_date,
                },
                prefix="tax",
            ),
            "write_off": WriteOffForm(
                data if data is not None and data.get("action") == "write_off" else None,
                initial={"amount": invoice.open_amount},
                prefix="write_off",
            ),
            "void": VoidForm(data if data is not None and data.get("action") == "void" else None, prefix="void"),
        }

    def get_context_data(self, forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.invoice
        today = timezone.localdate()
        user = self.request.user
        context.update(
            invoice=invoice,
            status_label=STATUS_LABELS[invoice_status(invoice, today)],
            days_overdue=invoice.days_overdue(today),
            forms=forms or self.forms(),
            may_record=user.has_perm(RECORD),
            may_issue=user.has_perm(ISSUE) and not invoice.is_credit_note,
            may_void=user.has_perm(ISSUE) and not invoice.is_credit_note and invoice.open_amount == invoice.total,
            may_write_off=user.has_perm(RECORD) and not invoice.is_credit_note and invoice.open_amount > 0,
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        needed = {"tax_invoice": RECORD, "write_off": RECORD, "void": ISSUE}.get(action)
        if needed is None or not request.user.has_perm(needed):
            raise PermissionDenied
        forms = self.forms(request.POST)
        form = forms[action]
        if form.is_valid():
            try:
                message = getattr(self, f"do_{action}")(form.cleaned_data)
            except (invoicing.InvoicingError, ledger.LedgerError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, message)
                return redirect("billing_invoices:detail", self.invoice.pk)
        return self.render_to_response(self.get_context_data(forms=forms))

    def do_tax_invoice(self, data) -> str:
        invoice = self.invoice
        if invoice.is_credit_note:
            raise invoicing.InvoicingError(_("A tax invoice is recorded against an invoice, not a credit note."))
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            locked.tax_invoice_number = data["tax_invoice_number"].strip()
            locked.tax_invoice_date = data["tax_invoice_date"]
            locked.save(update_fields=["tax_invoice_number", "tax_invoice_date"])
        return _("Tax invoice %(number)s recorded: the customer sees it.") % {"number": data["tax_invoice_number"]}

    def do_write_off(self, data) -> str:
        with transaction.atomic():
            account = ledger.lock_books(self.invoice.company_id)
            ledger.write_off(account, self.invoice, data["amount"], actor=self.request.user, memo=data["memo"])
        return _("%(number)s: written off.") % {"number": self.invoice.number}

    def do_void(self, data) -> str:
        note = invoicing.void_invoice(self.invoice, comment=data["comment"], actor=self.request.user)
        return _("%(number)s is voided by credit note %(note)s.") % {"number": self.invoice.number, "note": note.number}


# --- Credit lines of an invoice (a correction) --------------------------------------------------


class CreditLinesView(InvoiceScreenMixin, TemplateView):
    """How many of each line to credit, why; a credit note is issued for them."""

    permission = ISSUE
    page_title = gettext_lazy("Credit note")
    template_name = "billing/admin/credit_lines.html"

    @cached_property
    def invoice(self) -> Invoice:
        return get_object_or_404(
            invoices_for_staff(self.request.user).filter(kind=Invoice.Kind.INVOICE).select_related("company"),
            pk=self.kwargs["invoice_id"],
        )

    def get_page_subtitle(self):
        return f"{self.invoice.number} · {self.invoice.company}"

    def lines(self):
        lines = list(self.invoice.lines.prefetch_related("credit_lines").order_by("position"))
        for line in lines:
            line.creditable = line.quantity - sum(credit.quantity for credit in line.credit_lines.all())
        return lines

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("lines", self.lines())
        context.update(
            invoice=self.invoice,
            reasons=[(Invoice.CreditReason.CORRECTION, Invoice.CreditReason.CORRECTION.label)],
        )
        return context

    def post(self, request, *args, **kwargs):
        lines = self.lines()
        quantities, errors = {}, []
        for line in lines:
            raw = request.POST.get(f"line-{line.pk}", "").strip() or "0"
            if not raw.isdigit():
                errors.append(_("Line %(position)s: the quantity is a whole number.") % {"position": line.position})
                continue
            if int(raw):
                quantities[line.pk] = int(raw)
        comment = request.POST.get("comment", "")
        if not errors:
            try:
                note = invoicing.credit_lines(
                    self.invoice,
                    quantities,
                    reason=Invoice.CreditReason.CORRECTION,
                    comment=comment,
                    actor=request.user,
                )
            except invoicing.InvoicingError as error:
                errors.append(str(error))
            else:
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
                return redirect("billing_invoices:detail", note.pk)
        return self.render_to_response(
            self.get_context_data(lines=lines, errors=errors, posted=request.POST, comment=comment)
        )


# --- What is not invoiced yet ------------------------------------------------------------------


def uninvoiced_shipments(user):
    """Shipments with lines no invoice bills yet, of the customers `user` may see."""
    return (
        Shipment.objects.filter(order__company__in=companies_for_staff(user).values("pk"))
        .filter(lines__invoice_line__isnull=True)
        .distinct()
    )


def returns_to_credit(user):
    """Received returns no credit note credits yet, of the customers `user` may see."""
    return ReturnRequest.objects.filter(
        company__in=companies_for_staff(user).values("pk"),
        state=ReturnRequest.State.RECEIVED,
        credit_note__isnull=True,
    )


def last_month(today: date) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


class UninvoicedView(InvoiceScreenMixin, TemplateView):
    """Shipments not invoiced yet (a 月结 company's, waiting for the month's invoice, or one whose
    invoice failed), with "Invoice now"; the 月结 companies with "Invoice last month"; received
    returns with "Issue the credit note"."""

    permission = ISSUE
    page_title = gettext_lazy("Not invoiced yet")
    template_name = "billing/admin/uninvoiced.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shipments = (
            uninvoiced_shipments(self.request.user).select_related("order__company").order_by("shipped_at", "pk")
        )
        page = Paginator(shipments, ROWS_PER_PAGE).get_page(self.request.GET.get("p"))
        year, month = last_month(timezone.localdate())
        context.update(
            page=page,
            shipments=list(page.object_list),
            returns=list(returns_to_credit(self.request.user).select_related("order", "company").order_by("pk")),
            monthly=list(
                companies_for_staff(self.request.user)
                .filter(invoicing=Company.Invoicing.MONTHLY)
                .order_by("display_name")
            ),
            last_month=date(year, month, 1),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            if "return" in request.POST:
                return_request = get_object_or_404(returns_to_credit(request.user), pk=request.POST["return"])
                note = invoicing.credit_return(return_request, actor=request.user)
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
            elif "shipment" in request.POST:
                shipment = get_object_or_404(uninvoiced_shipments(request.user), pk=request.POST["shipment"])
                invoice = invoicing.invoice_shipment(shipment, actor=request.user)
                messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
            else:
                company = get_object_or_404(
                    companies_for_staff(request.user).filter(invoicing=Company.Invoicing.MONTHLY),
                    pk=request.POST.get("company"),
                )
                year, month = last_month(timezone.localdate())
                invoice = invoicing.invoice_month(company, year=year, month=month, actor=request.user)
                if invoice is None:
                    messages.warning(
                        request,
                        _("%(company)s shipped nothing last month that is not invoiced.") % {"company": company},
                    )
                else:
                    messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
        except invoicing.InvoicingError as error:
            messages.error(request, str(error))
        return redirect("billing_invoices:uninvoiced")


# --- Charges by hand ---------------------------------------------------------------------------


class ChargesForm(forms.Form):
    company = forms.ModelChoiceField(label=gettext_lazy("Customer"), queryset=Company.objects.none(), widget=LongSelect)
    description = forms.CharField(label=gettext_lazy("Description (English)"), max_length=200)
    description_zh = forms.CharField(label=gettext_lazy("Description (Chinese)"), max_length=200, required=False)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, initial=1)
    unit_price = forms.DecimalField(
        label=gettext_lazy("Unit price"), max_digits=14, decimal_places=2, min_value=Decimal("0")
    )
    tax_rate = forms.DecimalField(
        label=gettext_lazy("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("6"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies_for_staff(user).order_by("display_name")


class ChargesView(InvoiceScreenMixin, FormView):
    """An invoice for a charge that did not ship (delivery, cold-chain handling, a fee)."""

    permission = ISSUE
    page_title = gettext_lazy("Invoice a charge")
    template_name = "billing/admin/charges.html"
    form_class = ChargesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        line = invoicing.ChargeLine(
            name_en=data["description"],
            name_zh=data["description_zh"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            tax_rate=data["tax_rate"],
        )
        try:
            invoice = invoicing.invoice_charges(data["company"], [line], actor=self.request.user)
        except invoicing.InvoicingError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Invoice %(number)s issued.") % {"number": invoice.number})
        return redirect("billing_invoices:detail", invoice.pk)


def invoice_pdf(request, invoice_id: int):
    """The stored PDF (rendered once, at its first download if the task has not yet)."""
    if not request.user.has_perm(VIEW_INVOICES):
        raise PermissionDenied
    invoice = get_object_or_404(invoices_for_staff(request.user), pk=invoice_id)
    stored = store_invoice_pdf(invoice)
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=invoice_pdf_name(invoice), content_type="application/pdf"
    )


urlpatterns = [
    path("", InvoiceIndexView.as_view(), name="index"),
    path("not-invoiced/", UninvoicedView.as_view(), name="uninvoiced"),
    path("charge/", ChargesView.as_view(), name="charges"),
    path("<int:invoice_id>/", InvoiceDetailView.as_view(), name="detail"),
    path("<int:invoice_id>/credit/", CreditLinesView.as_view(), name="credit"),
    path("<int:invoice_id>/pdf/", invoice_pdf, name="pdf"),
]
