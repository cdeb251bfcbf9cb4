"""Rhythm's back-office screens ("rhythm_admin"): the churn warnings (late customers, with one
click to call, note a visit or send a message), the customers by RFM segment and rhythm
(filtered by segment, late, rep and region, exported as CSV or XLSX), and the forms behind the
actions.

A sales rep sees only their own customers everywhere here (the lists, the exports and every
company-taking URL read `companies_for_staff`); the manager and the sales director see all.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.widgets.button import HeaderButton

from accounts.models import Address, Company, Contact, Region, User
from accounts.selectors import companies_for_staff, sees_all_companies
from kit.backoffice import PermissionTemplateMixin
from kit.spreadsheets import download

from . import services
from .metrics import days_text
from .models import SEGMENT_LABELS, CustomerRhythm, VisitNote

VIEW_RHYTHM = "rhythm.view_customerrhythm"
ADD_NOTE = "rhythm.add_visitnote"
FORMATS = ("csv", "xlsx")
ROWS_PER_PAGE = 50


def rhythms_for_staff(user):
    """The rhythm rows of the customers this person may see, with what the lists show."""
    return CustomerRhythm.objects.filter(company__in=companies_for_staff(user)).select_related(
        "company", "company__sales_rep", "company__region"
    )


def company_for_staff(user, company_id: int) -> Company:
    return get_object_or_404(companies_for_staff(user), pk=company_id)


def contact_phone(company: Company) -> str:
    """The number to call: the first contact's with one, else a shipping address's (prefetched)."""
    for contact in company.contacts.all():
        if contact.phone:
            return contact.phone
    for address in company.addresses.all():
        if address.phone:
            return address.phone
    return ""


class FilterForm(forms.Form):
    segment = forms.ChoiceField(label=gettext_lazy("Segment"), required=False)
    late = forms.ChoiceField(
        label=gettext_lazy("Late"),
        required=False,
        choices=[("", gettext_lazy("All")), ("yes", gettext_lazy("Late")), ("no", gettext_lazy("On time"))],
    )
    rep = forms.ModelChoiceField(label=gettext_lazy("Sales rep"), required=False, queryset=User.objects.none())
    region = forms.ModelChoiceField(label=gettext_lazy("Region"), required=False, queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("All"))] + [(key, label) for key, label in SEGMENT_LABELS.items()]
        self.fields["region"].queryset = Region.objects.order_by("code")
        if sees_all_companies(user):
            self.fields["rep"].queryset = User.objects.filter(customers__isnull=False).distinct().order_by("email")
        else:
            del self.fields["rep"]

    def narrow(self, rows):
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        if data.get("segment"):
            rows = rows.filter(segment=data["segment"])
        if data.get("late"):
            rows = rows.filter(late=data["late"] == "yes")
        if data.get("rep"):
            rows = rows.filter(company__sales_rep=data["rep"])
        if data.get("region"):
            rows = rows.filter(company__region=data["region"])
        return rows


class CustomersView(PermissionTemplateMixin, TemplateView):
    """Every customer with its segment and rhythm, filtered, paged and exportable."""

    permission = VIEW_RHYTHM
    page_title = gettext_lazy("Customer rhythm and segments")
    header_icon = "group"
    template_name = "rhythm/admin/customers.html"
    warnings = False

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") in FORMATS:
            return self.export(request.GET["export"])
        return super().get(request, *args, **kwargs)

    def form(self):
        form = FilterForm(self.request.GET or None, user=self.request.user)
        if self.warnings:
            del form.fields["late"]  # every row is late here
        return form

    def rows(self):
        rows = self.form().narrow(rhythms_for_staff(self.request.user))
        return rows.order_by("company__display_name", "pk")

    def get_header_buttons(self):
        query = self.request.GET.copy()
        query.pop("p", None)
        buttons = []
        for fmt, label in (("csv", _("Download CSV")), ("xlsx", _("Download XLSX"))):
            query["export"] = fmt
            buttons.append(HeaderButton(label, url=f"?{query.urlencode()}"))
        return buttons

    def get_context_data(self, **kwargs):
        rows = self.rows().prefetch_related(
            Prefetch("company__contacts", queryset=Contact.objects.order_by("pk")),
            Prefetch("company__addresses", queryset=Address.objects.order_by("-is_default", "pk")),
        )
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        return super().get_context_data(
            form=self.form(),
            page=page,
            rows=[
                {"rhythm": rhythm, "interval": days_text(rhythm.interval_days), "phone": contact_phone(rhythm.company)}
                for rhythm in page.object_list
            ],
            query=query.urlencode(),
            warnings=self.warnings,
            may_note=self.request.user.has_perm(ADD_NOTE),
            **kwargs,
        )

    def export(self, fmt: str) -> HttpResponse:
        headers = [
            _("Customer"),
            _("Sales rep"),
            _("Region"),
            _("Segment"),
            "RFM",
            _("Last order"),
            _("Usual interval (days)"),
            _("Next order expected"),
            _("Late"),
            _("Days late"),
            _("Repurchase rate"),
            _("Orders (12 months)"),
            _("Currency"),
            _("Ordered (12 months)"),
        ]
        body = [
            [
                rhythm.company.display_name,
                str(rhythm.company.sales_rep or ""),
                str(rhythm.company.region),
                rhythm.segment_label,
                rhythm.rfm,
                rhythm.last_order_on,
                rhythm.interval_days,
                rhythm.next_order_on,
                _("Yes") if rhythm.late else _("No"),
                rhythm.days_late,
                rhythm.repurchase_rate,
                rhythm.orders_in_window,
                rhythm.currency,
                rhythm.monetary,
            ]
            for rhythm in self.rows().iterator(chunk_size=2000)
        ]
        name = "churn-warnings" if self.warnings else "customer-segments"
        sheet = download(name, fmt, headers, body, str(self.page_title))
        response = HttpResponse(sheet.content, content_type=sheet.content_type)
        response["Content-Disposition"] = f'attachment; filename="{sheet.filename}"'
        return response


class WarningsView(CustomersView):
    """The late customers, longest late first: the rep's churn warnings."""

    page_title = gettext_lazy("Churn warnings")
    header_icon = "warning"
    warnings = True

    def rows(self):
        rows = self.form().narrow(rhythms_for_staff(self.request.user))
        return rows.filter(late=True).order_by("-days_late", "company__display_name", "pk")


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(kind, kind.label) for kind in (VisitNote.Kind.VISIT, VisitNote.Kind.CALL)],
    )
    text = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        help_text=gettext_lazy("Sent as you write it to the customer's buyers, in the portal and by e-mail."),
    )


class CompanyActionMixin(PermissionTemplateMixin):
    permission = ADD_NOTE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        # Another rep's customer answers 404, as every company-taking back-office URL does.
        self.company = company_for_staff(request.user, kwargs["company_id"])
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if target.startswith("/") and not target.startswith("//"):
            return target
        return reverse("customers:inspect", args=[self.company.pk])


class NoteView(CompanyActionMixin, FormView):
    """Note a visit or a call: a short form."""

    template_name = "rhythm/admin/note_form.html"
    form_class = NoteForm
    header_icon = "edit"

    def get_page_title(self):
        return _("Note a visit to %(company)s") % {"company": self.company.display_name}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind") or VisitNote.Kind.VISIT}

    def form_valid(self, form):
        services.add_note(company=self.company, author=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Note saved."))
        return redirect(self.next_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(company=self.company, next=self.next_url(), **kwargs)


class MessageView(CompanyActionMixin, FormView):
    """A message (an offer, a reminder) to the customer's buyers."""

    template_name = "rhythm/admin/note_form.html"
    form_class = MessageForm
    header_icon = "mail"

    def get_page_title(self):
        return _("Send %(company)s a message") % {"company": self.company.display_name}

    def form_valid(self, form):
        if not services.message_recipients(self.company):
            form.add_error("text", _("This customer has nobody who orders to read it."))
            return self.form_invalid(form)
        services.send_message(company=self.company, author=self.request.user, text=form.cleaned_data["text"])
        messages.success(self.request, _("Message sent to %(company)s.") % {"company": self.company.display_name})
        return redirect(self.next_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(company=self.company, next=self.next_url(), **kwargs)


class TelephoneRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


class CallView(CompanyActionMixin, View):
    """One click to call: the call is noted, then the browser dials the company's number."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        company = (
            Company.objects.filter(pk=self.company.pk)
            .prefetch_related(
                Prefetch("contacts", queryset=Contact.objects.order_by("pk")),
                Prefetch("addresses", queryset=Address.objects.order_by("-is_default", "pk")),
            )
            .get()
        )
        phone = contact_phone(company)
        if not phone:
            messages.error(request, _("%(company)s has no phone number on file.") % {"company": company.display_name})
            return redirect(self.next_url())
        services.add_note(company=company, author=request.user, kind=VisitNote.Kind.CALL, text=phone)
        return TelephoneRedirect("tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+"))


urlpatterns = [
    path("", WarningsView.as_view(), name="warnings"),
    path("customers/", CustomersView.as_view(), name="customers"),
    path("<int:company_id>/note/", NoteView.as_view(), name="note"),
    path("<int:company_id>/message/", MessageView.as_view(), name="message"),
    path("<int:company_id>/call/", CallView.as_view(), name="call"),
]
