"""Statements and their disputes in the back office ("billing_statements"): the statements (all,
or one customer's with `?company=`), one statement with its lines and disputes, its PDF; the
disputes queue (open disputes, the oldest first) and one dispute with the resolve form.

Finance, managers and sales reps read them (a rep only their customers':
`services.statements.statements_for_staff` / `disputes_for_staff`); finance resolves
(`billing.change_statementdispute`), a credit note through `invoicing.credit_lines`.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from accounts.models import Company
from accounts.selectors import companies_for_staff
from kit.backoffice import LongSelect, PermissionTemplateMixin, form_error_summary

from ..documents import store_statement_pdf
from ..models import Invoice, StatementDispute
from ..services import statements

VIEW_STATEMENTS = "billing.view_statement"
VIEW_DISPUTES = "billing.view_statementdispute"
RESOLVE_DISPUTES = statements.RESOLVE_DISPUTES
GENERATE_STATEMENTS = "billing.add_statement"
PER_PAGE = 50


class StatementListView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_STATEMENTS
    page_title = gettext_lazy("Statements")
    header_icon = "list-ul"
    template_name = "billing/admin/statements.html"

    def get_context_data(self, **kwargs):
        queryset = statements.statements_for_staff(self.request.user).order_by(
            "-period_end", "company__display_name", "pk"
        )
        company = self.request.GET.get("company", "")
        if company.isdigit():
            queryset = queryset.filter(company_id=int(company))
        page = Paginator(queryset, PER_PAGE).get_page(self.request.GET.get("p"))
        return super().get_context_data(page=page, statements=list(page.object_list), company=company, **kwargs)


class GenerateForm(forms.Form):
    company = forms.ModelChoiceField(label=gettext_lazy("Customer"), queryset=Company.objects.none(), widget=LongSelect)
    start = forms.DateField(label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    notify = forms.BooleanField(
        label=gettext_lazy("Tell the customer's finance and admins"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies_for_staff(user).order_by("display_name")


class GenerateView(PermissionTemplateMixin, FormView):
    """A statement of any period, by hand (the monthly ones come from the scheduler): the same
    period asked again answers the statement that exists."""

    permission = GENERATE_STATEMENTS
    page_title = gettext_lazy("State an account")
    header_icon = "list-ul"
    template_name = "billing/admin/statement_generate.html"
    form_class = GenerateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            statement = statements.statement_for(
                data["company"], data["start"], data["end"], notify_members=data["notify"]
            )
        except statements.StatementError as error:
            form.add_error("end", str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Statement %(number)s is ready.") % {"number": statement.number})
        return redirect("billing_statements:statement", statement.pk)


class StatementMixin(PermissionTemplateMixin):
    permission = VIEW_STATEMENTS

    @cached_property
    def statement(self):
        return get_object_or_404(statements.statements_for_staff(self.request.user), pk=self.kwargs["pk"])


class StatementDetailView(StatementMixin, TemplateView):
    page_title = gettext_lazy("Statement")
    header_icon = "list-ul"
    template_name = "billing/admin/statement_detail.html"

    def get_page_subtitle(self):
        return f"{self.statement.number} · {self.statement.company}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_statements:statements"), "label": _("Statements")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        lines = statements.statement_lines(self.statement)
        return super().get_context_data(
            statement=self.statement,
            lines=[(line, statements.entry_reference(line.entry)) for line in lines],
            **kwargs,
        )


class StatementPdfView(StatementMixin, View):
    def get(self, request, *args, **kwargs):
        stored = store_statement_pdf(self.statement)
        return FileResponse(stored.open("rb"), content_type="application/pdf", filename=f"{self.statement.number}.pdf")


class DisputeQueueView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_DISPUTES
    page_title = gettext_lazy("Statement disputes")
    header_icon = "warning"
    template_name = "billing/admin/disputes.html"

    def get_context_data(self, **kwargs):
        page = Paginator(statements.open_disputes_for_staff(self.request.user), PER_PAGE).get_page(
            self.request.GET.get("p")
        )
        disputes = [(d, statements.entry_reference(d.entry)) for d in page.object_list]
        return super().get_context_data(page=page, disputes=disputes, **kwargs)


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=gettext_lazy("Resolution"), choices=StatementDispute.Resolution.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The customer reads it on the statement."),
    )
    credit_note_number = forms.CharField(
        label=gettext_lazy("Existing credit note"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("A credit note already issued; or credit the invoice's lines below."),
    )

    def __init__(self, *args, invoice_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice_lines = list(invoice_lines)
        for line in self.invoice_lines:
            self.fields[f"qty-{line.pk}"] = forms.IntegerField(
                label=f"#{line.position} {line.sku} {line.name}", min_value=0, max_value=line.quantity, required=False
            )

    def quantity_fields(self):
        return [self[f"qty-{line.pk}"] for line in self.invoice_lines]

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"qty-{line.pk}") or 0 for line in self.invoice_lines}


class DisputeView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_DISPUTES
    page_title = gettext_lazy("Statement dispute")
    header_icon = "warning"
    template_name = "billing/admin/dispute.html"

    @cached_property
    def dispute(self):
        return get_object_or_404(statements.disputes_for_staff(self.request.user), pk=self.kwargs["pk"])

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_statements:disputes"), "label": _("Statement disputes")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_page_subtitle(self):
        return f"{self.dispute.statement.number} · {self.dispute.statement.company}"

    def _form(self, data=None):
        if not (self.dispute.is_open and self.request.user.has_perm(RESOLVE_DISPUTES)):
            return None
        invoice = self.dispute.entry.invoice
        lines = invoice.lines.order_by("position") if invoice and invoice.kind == Invoice.Kind.INVOICE else ()
        return ResolveForm(data, invoice_lines=lines)

    def get_context_data(self, form=None, **kwargs):
        form = form if form is not None else self._form()
        return super().get_context_data(
            dispute=self.dispute,
            reference=statements.entry_reference(self.dispute.entry),
            form=form,
            error_summary=form_error_summary(form) if form is not None and form.is_bound else [],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form is None:
            if not request.user.has_perm(RESOLVE_DISPUTES):
                return redirect("wagtailadmin_home")
            return redirect("billing_statements:dispute", self.dispute.pk)
        if form.is_valid():
            note = None
            number = form.cleaned_data["credit_note_number"].strip()
            if number:
                note = Invoice.objects.filter(
                    number=number, kind=Invoice.Kind.CREDIT_NOTE, company_id=self.dispute.statement.company_id
                ).first()
                if note is None:
                    form.add_error(
                        "credit_note_number", _("No credit note %(number)s of this customer.") % {"number": number}
                    )
            if form.is_valid():
                try:
                    statements.resolve(
                        self.dispute,
                        resolution=form.cleaned_data["resolution"],
                        text=form.cleaned_data["text"],
                        user=request.user,
                        credit_quantities=form.quantities(),
                        credit_note=note,
                    )
                except statements.StatementError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, _("The dispute is answered; the customer has been told."))
                    return redirect("billing_statements:disputes")
        return self.render_to_response(self.get_context_data(form=form))


urlpatterns = [
    path("", StatementListView.as_view(), name="statements"),
    path("new/", GenerateView.as_view(), name="generate"),
    path("<int:pk>/", StatementDetailView.as_view(), name="statement"),
    path("<int:pk>/pdf/", StatementPdfView.as_view(), name="statement_pdf"),
    path("disputes/", DisputeQueueView.as_view(), name="disputes"),
    path("disputes/<int:pk>/", DisputeView.as_view(), name="dispute"),
]
