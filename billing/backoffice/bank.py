"""The bank screens of the back office, for finance: our bank accounts and how their files are
read, importing a statement (upload, preview of its rows and problems, import), the statement
lines by state with their suggestions (accept in one click, or choose the customer; ignore with
a reason), and recording a transfer by hand. They write only through billing.services.bank.

Finance only: `billing.add_payment` and seeing every customer (a bank line is nobody's until it
is matched, so whoever matches must see every customer; a sales rep never does)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages

from accounts.models import Company
from accounts.selectors import companies_for_staff, sees_all_companies
from kit import phrases
from kit.backoffice import LongSelect, PermissionTemplateMixin, form_error_summary
from kit.spreadsheets import ENCODINGS, SpreadsheetError

from ..bank_files import PRESETS, ROLES
from ..models import BankAccount, BankStatement, BankStatementLine, Invoice, Payment
from ..services import bank

RECORD_PAYMENTS = "billing.add_payment"
LINES_PER_PAGE = 50
PREVIEW_ROWS = 200


class BankScreenMixin(PermissionTemplateMixin):
    permission = RECORD_PAYMENTS
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not sees_all_companies(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_bank:accounts"), "label": _("Bank")},
            {"url": "", "label": self.get_page_title()},
        ]


# --- Bank accounts ------------------------------------------------------------------------------

ROLE_LABELS = {
    "date": _("Date column"),
    "amount": _("Amount column (signed)"),
    "credit": _("Credit (money in) column"),
    "debit": _("Debit (money out) column"),
    "payer": _("Payer name column"),
    "payer_account": _("Payer account column"),
    "reference": _("Reference column (摘要 / 附言)"),
    "serial": _("Bank serial number column"),
}


class BankAccountForm(forms.ModelForm):
    preset = forms.ChoiceField(
        label=_("Fill the mapping from"),
        required=False,
        choices=[("", "—")] + [(key, preset["label"]) for key, preset in PRESETS.items()],
        help_text=_("Fills the columns below that are left empty."),
    )
    header_row = forms.IntegerField(
        label=_("Heading row"),
        min_value=0,
        max_value=50,
        initial=0,
        required=False,
        help_text=_("The row number of the column headings; 0 finds the row holding the date column."),
    )
    encoding = forms.ChoiceField(
        label=_("CSV encoding"),
        required=False,
        choices=[(value, value or _("Find it (UTF-8, else GBK)")) for value in ENCODINGS],
    )

    class Meta:
        model = BankAccount
        fields = ["name", "bank", "account_number", "currency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in ROLES:
            self.fields[role] = forms.CharField(label=ROLE_LABELS[role], max_length=60, required=False)
        mapping = self.instance.mapping or {}
        for name in (*ROLES, "header_row", "encoding"):
            self.initial.setdefault(name, mapping.get(name, self.fields[name].initial))

    def clean(self):
        data = super().clean()
        preset = PRESETS.get(data.get("preset") or "", {})
        for role in ROLES:
            if not data.get(role) and preset.get(role):
                data[role] = preset[role]
        if not data.get("date"):
            self.add_error("date", _("Name the date column (the heading as the bank writes it)."))
        if not data.get("amount") and not data.get("credit"):
            self.add_error("credit", _("Name the amount column, or the credit column."))
        if data.get("amount") and (data.get("credit") or data.get("debit")):
            self.add_error("amount", _("Use one signed amount column, or credit and debit columns, not both."))
        return data

    def save(self, commit=True):
        account = super().save(commit=False)
        data = self.cleaned_data
        account.mapping = {role: data[role].strip() for role in ROLES if data.get(role)}
        account.mapping["header_row"] = data.get("header_row") or 0
        account.mapping["encoding"] = data.get("encoding") or ""
        if commit:
            account.save()
        return account


class AccountListView(BankScreenMixin, TemplateView):
    page_title = _("Bank accounts")
    template_name = "billing/admin/bank_accounts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        open_states = (BankStatementLine.State.UNMATCHED, BankStatementLine.State.SUGGESTED)
        context["accounts"] = BankAccount.objects.annotate(
            open_lines=Count("lines", filter=Q(lines__state__in=open_states, lines__amount__gt=0)),
            statement_count=Count("statements", distinct=True),
        )
        return context


class AccountFormView(BankScreenMixin, TemplateView):
    template_name = "billing/admin/bank_account_form.html"

    @cached_property
    def account(self):
        if "pk" in self.kwargs:
            return get_object_or_404(BankAccount, pk=self.kwargs["pk"])
        return None

    def get_page_title(self):
        return str(self.account) if self.account else _("New bank account")

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        form = form or BankAccountForm(instance=self.account)
        context.update(
            form=form,
            account=self.account,
            error_summary=form_error_summary(form) if form.is_bound else [],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = BankAccountForm(request.POST, instance=self.account)
        if form.is_valid():
            account = form.save()
            messages.success(request, _("Bank account “%(account)s” saved.") % {"account": account})
            return redirect("billing_bank:accounts")
        return self.render_to_response(self.get_context_data(form=form))


# --- Importing a statement ------------------------------------------------------------------------


class UploadForm(forms.Form):
    account = forms.ModelChoiceField(label=_("Bank account"), queryset=BankAccount.objects.all(), empty_label=None)
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("CSV or .xlsx as the bank exports it (GBK is fine), MT940 (.sta, .txt) or CAMT.053 (.xml)."),
    )


class UploadView(BankScreenMixin, TemplateView):
    page_title = _("Import a bank statement")
    template_name = "billing/admin/bank_upload.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        form = form or UploadForm(initial={"account": self.request.GET.get("account")})
        context.update(form=form, error_summary=form_error_summary(form) if form.is_bound else [])
        return context

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                statement = bank.upload_statement(
                    account=form.cleaned_data["account"], upload=form.cleaned_data["file"], actor=request.user
                )
            except SpreadsheetError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                if statement.state == BankStatement.State.IMPORTED:
                    messages.warning(
                        request,
                        _("This file was imported already (%(when)s); nothing was added.")
                        % {"when": timezone.localtime(statement.imported_at).strftime("%Y-%m-%d %H:%M")},
                    )
                    return redirect(f"{reverse('billing_bank:lines')}?statement={statement.pk}")
                return redirect("billing_bank:preview", statement.pk)
        return self.render_to_response(self.get_context_data(form=form))


class PreviewView(BankScreenMixin, TemplateView):
    page_title = _("Statement preview")
    template_name = "billing/admin/bank_preview.html"

    @cached_property
    def statement(self):
        return get_object_or_404(BankStatement.objects.select_related("account"), pk=self.kwargs["pk"])

    def get_page_subtitle(self):
        return f"{self.statement.file_name} · {self.statement.account}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        problems, lines, unreadable = [], [], []
        try:
            parsed = bank.preview_statement(self.statement)
            problems, lines = parsed.problems, parsed.lines
        except SpreadsheetError as error:
            unreadable = error.messages
        context.update(
            statement=self.statement,
            lines=lines[:PREVIEW_ROWS],
            line_count=len(lines),
            incoming=sum(1 for line in lines if line.amount > 0),
            problems=[str(problem) for problem in problems[:PREVIEW_ROWS]],
            problem_count=len(problems),
            unreadable=unreadable,
            importable=not problems and not unreadable and self.statement.state == BankStatement.State.DRAFT,
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            result = bank.import_statement(statement=self.statement, actor=request.user)
        except (bank.BankError, SpreadsheetError) as error:
            messages.error(request, str(error))
            return redirect("billing_bank:preview", self.statement.pk)
        if result.already_imported:
            messages.warning(request, _("This file was imported already; nothing was added."))
        else:
            messages.success(
                request,
                _("%(added)s lines added, %(duplicates)s already there, %(matched)s matched to invoices.")
                % {"added": result.added, "duplicates": result.duplicates, "matched": result.matched},
            )
        return redirect(f"{reverse('billing_bank:lines')}?statement={self.statement.pk}")


# --- Statement lines ------------------------------------------------------------------------------


class LinesView(BankScreenMixin, TemplateView):
    page_title = _("Bank statement lines")
    template_name = "billing/admin/bank_lines.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        lines = BankStatementLine.objects.select_related("account", "payment__company")
        state = query.get("state", "")
        if state in BankStatementLine.State.values:
            lines = lines.filter(state=state)
        elif not query.get("statement"):
            state = "open"
            lines = lines.filter(state__in=(BankStatementLine.State.UNMATCHED, BankStatementLine.State.SUGGESTED))
        account = query.get("account", "")
        if account.isdigit():
            lines = lines.filter(account_id=account)
        statement = query.get("statement", "")
        if statement.isdigit():
            lines = lines.filter(statement_id=statement)
        page = Paginator(lines.order_by("-booked_on", "-pk"), LINES_PER_PAGE).get_page(query.get("p"))
        page_lines = list(page.object_list)
        suggestions = bank.suggestion_rows(page_lines)
        rows = [
            {
                "line": line,
                "suggestions": suggestions.get(line.pk, []),
                "ignored_reason": phrases.render(line.ignored_reason, audience=phrases.STAFF)
                if line.ignored_reason
                else "",
            }
            for line in page_lines
        ]
        filters = query.copy()
        filters.pop("p", None)
        context.update(
            rows=rows,
            page=page,
            state=state,
            states=BankStatementLine.State,
            accounts=list(BankAccount.objects.all()),
            account=account,
            statement=statement,
            filter_query=filters.urlencode(),
            # One list of names for every line's "another customer" field (a datalist).
            company_names=list(Company.objects.order_by("legal_name").values_list("legal_name", flat=True))
            if any(row["line"].state != BankStatementLine.State.MATCHED for row in rows)
            else [],
        )
        return context


class AcceptView(BankScreenMixin, TemplateView):
    """Accept a suggestion (`suggestion`: its index) or a customer chosen by hand (`company`)."""

    def post(self, request, pk):
        line = get_object_or_404(BankStatementLine, pk=pk)
        back = request.POST.get("next") or reverse("billing_bank:lines")
        if not back.startswith(reverse("billing_bank:lines")):
            back = reverse("billing_bank:lines")
        try:
            index = request.POST.get("suggestion", "")
            if index.isdigit() and int(index) < len(line.suggestions):
                suggestion = line.suggestions[int(index)]
                if suggestion.get("payment"):
                    payment = get_object_or_404(Payment, pk=suggestion["payment"])
                    bank.link_line(line=line, payment=payment, actor=request.user)
                else:
                    company = get_object_or_404(Company, pk=suggestion["company"])
                    invoices = list(Invoice.objects.filter(pk__in=suggestion["invoices"], company=company))
                    bank.accept_line(line=line, company=company, invoices=invoices, actor=request.user)
            elif request.POST.get("company_name", "").strip():
                name = request.POST["company_name"].strip()
                company = Company.objects.filter(Q(legal_name=name) | Q(display_name=name)).order_by("pk").first()
                if company is None:
                    raise bank.BankError(_("No customer is called “%(name)s”.") % {"name": name})
                bank.accept_line(line=line, company=company, actor=request.user)
            else:
                raise bank.BankError(_("Choose a suggestion or a customer."))
        except bank.BankError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The line is matched and the payment booked."))
        return redirect(back)


class IgnoreView(BankScreenMixin, TemplateView):
    def post(self, request, pk):
        line = get_object_or_404(BankStatementLine, pk=pk)
        try:
            bank.ignore_line(line=line, reason=request.POST.get("reason", ""), actor=request.user)
        except bank.BankError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The line is ignored."))
        back = request.POST.get("next") or ""
        return redirect(back if back.startswith(reverse("billing_bank:lines")) else reverse("billing_bank:lines"))


class ReopenView(BankScreenMixin, TemplateView):
    """Take back a match to the wrong customer (its payment reversed) or an ignored line."""

    def post(self, request, pk):
        line = get_object_or_404(BankStatementLine.objects.select_related("payment"), pk=pk)
        try:
            bank.reopen_line(line=line, reason=request.POST.get("reason", ""), actor=request.user)
        except bank.BankError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The decision is taken back: the line waits for a match again."))
        back = request.POST.get("next") or ""
        return redirect(back if back.startswith(reverse("billing_bank:lines")) else reverse("billing_bank:lines"))


class RematchView(BankScreenMixin, TemplateView):
    def post(self, request):
        matched = bank.rematch_open_lines(actor=request.user)
        messages.success(request, _("%(matched)s lines matched.") % {"matched": matched})
        return redirect("billing_bank:lines")


# --- A transfer recorded by hand ------------------------------------------------------------------


class TransferForm(forms.Form):
    company = forms.ModelChoiceField(label=_("Customer"), queryset=Company.objects.none(), widget=LongSelect)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    payer_name = forms.CharField(label=_("Payer"), max_length=200, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=140, required=False)
    invoices = forms.CharField(
        label=_("Invoices the payer named"),
        required=False,
        help_text=_("Invoice numbers, separated by spaces or commas; empty: the oldest open invoices first."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies_for_staff(user).order_by("legal_name")

    def clean(self):
        data = super().clean()
        company = data.get("company")
        numbers = bank.invoice_numbers(data.get("invoices", ""))
        data["invoice_list"] = []
        if company is not None and numbers:
            found = {invoice.number: invoice for invoice in Invoice.objects.filter(company=company, number__in=numbers)}
            missing = [number for number in numbers if number not in found]
            if missing:
                self.add_error(
                    "invoices",
                    _("Not an invoice of this customer: %(numbers)s.") % {"numbers": ", ".join(missing)},
                )
            data["invoice_list"] = [found[number] for number in numbers if number in found]
        elif data.get("invoices", "").strip() and not numbers:
            self.add_error("invoices", _("Write invoice numbers like INV-2026-000123."))
        if company is not None and data.get("received_on") and data["received_on"] > timezone.localdate():
            self.add_error("received_on", _("A transfer is recorded once it has arrived, not in the future."))
        return data


class RecordTransferView(BankScreenMixin, TemplateView):
    page_title = _("Record a bank transfer")
    template_name = "billing/admin/bank_transfer.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        form = form or TransferForm(user=self.request.user, initial={"received_on": timezone.localdate()})
        context.update(form=form, error_summary=form_error_summary(form) if form.is_bound else [])
        return context

    def post(self, request, *args, **kwargs):
        form = TransferForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = bank.record_transfer(
                    company=data["company"],
                    amount=data["amount"],
                    received_on=data["received_on"],
                    reference=data["reference"],
                    payer_name=data["payer_name"],
                    invoices=data["invoice_list"],
                    actor=request.user,
                )
            except bank.BankError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Transfer of %(amount)s %(currency)s from %(company)s booked.")
                    % {"amount": payment.amount, "currency": payment.currency, "company": data["company"]},
                )
                return redirect(f"{reverse('billing_payments:payments')}?company={data['company'].pk}")
        return self.render_to_response(self.get_context_data(form=form))


urlpatterns = [
    path("", AccountListView.as_view(), name="accounts"),
    path("accounts/new/", AccountFormView.as_view(), name="account_new"),
    path("accounts/<int:pk>/", AccountFormView.as_view(), name="account"),
    path("import/", UploadView.as_view(), name="upload"),
    path("statements/<int:pk>/", PreviewView.as_view(), name="preview"),
    path("lines/", LinesView.as_view(), name="lines"),
    path("lines/match/", RematchView.as_view(), name="rematch"),
    path("lines/<int:pk>/accept/", AcceptView.as_view(), name="accept"),
    path("lines/<int:pk>/ignore/", IgnoreView.as_view(), name="ignore"),
    path("lines/<int:pk>/reopen/", ReopenView.as_view(), name="reopen"),
    path("transfer/", RecordTransferView.as_view(), name="transfer"),
]
