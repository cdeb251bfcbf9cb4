"""The staff back office for customers (Wagtail admin at /backoffice/customers/).

`CompanyViewSet` lists, searches, filters, exports, creates and edits companies, and shows the
customer 360° page (the viewset's inspect view) with an "Invite a user" form beside it.

Who sees what:
- every view's queryset comes from `accounts.selectors.companies_for_staff`, so a sales rep
  gets 404 for another rep's customer and finance, managers and approvers see all;
- `CompanyPermissionPolicy` applies the same narrowing to Wagtail's own per-instance checks
  (edit links, the admin URL finder);
- credit limit and payment terms are form fields only for holders of
  `accounts.change_credit_terms` (Finance, superusers): Wagtail's `FieldPanel(permission=...)`
  puts them in the form's `field_permissions`, so for everyone else they are not form fields at
  all and a posted value is ignored; those users see them read-only.

Other apps add sections to the 360° page with the `register_company_360_section` hook (see
`CompanySection`), so accounts never imports the apps above it.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from kit.backoffice import CsvForExcelMixin, ListingTitleColumn
from kit.history import FieldChangesHistoryMixin
from kit.money import format_money

from .forms import InviteMemberForm
from .models import Address, Company, Invitation, Membership, PriceTier, Region
from .selectors import companies_for_staff, sales_reps, sees_all_companies
from .services import AccountsError, invite_member

CHANGE_CREDIT_TERMS = "accounts.change_credit_terms"
CREDIT_TERMS_FIELDS = ["credit_limit", "currency", "payment_terms_kind", "payment_terms_days", "grace_days"]
# Licences expiring within this many days are flagged on the 360° page.
LICENCE_WARNING_DAYS = 30


# --- Who may do what ----------------------------------------------------------------------


def _can_see(user, company: Company) -> bool:
    return companies_for_staff(user).filter(pk=company.pk).exists()


class CompanyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions from the staff groups, narrowed per instance to the companies the user
    may see (`companies_for_staff`): a sales rep holds `change_company`, but only for their own
    customers."""

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and _can_see(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and _can_see(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return Company.objects.none()
        return companies_for_staff(user)


def _company_policy():
    return policy_registry.get_by_type(Company)


def can_invite(user, company: Company) -> bool:
    """Staff who may change this company (reps: only their own) and hold `add_invitation`."""
    return user.has_perm("accounts.add_invitation") and _company_policy().user_has_permission_for_instance(
        user, "change", company
    )


# --- Forms and panels ---------------------------------------------------------------------


class CompanyForm(WagtailAdminModelForm):
    """The company form of the back office.

    A rep who sees only their own customers can only name themselves as sales rep: handing a
    customer to a colleague would take it out of their sight, so that is left to staff who see
    every customer (finance, superusers). The others choose among the active sales reps.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None or "sales_rep" not in self.fields:
            return
        field = self.fields["sales_rep"]
        if not sees_all_companies(user):
            field.queryset = get_user_model().objects.filter(pk=user.pk)
            field.required = True
            field.empty_label = None
            if self.instance.pk is None:
                self.initial["sales_rep"] = user.pk
        else:
            field.queryset = (
                get_user_model()
                .objects.filter(Q(pk__in=sales_reps()) | Q(pk=self.instance.sales_rep_id))
                .order_by("first_name", "last_name", "email")
            )

    def clean(self):
        cleaned_data = super().clean()
        addresses = self.formsets.get("addresses")
        if addresses is not None:
            # The database allows one default address per kind; say so instead of failing on save.
            kinds = [
                form.cleaned_data.get("kind")
                for form in addresses.forms
                if form.is_valid() and form.cleaned_data.get("is_default") and not form.cleaned_data.get("DELETE")
            ]
            for kind in {kind for kind in kinds if kinds.count(kind) > 1}:
                self.add_error(
                    None,
                    _("Only one %(kind)s address can be the default.") % {"kind": Address.Kind(kind).label.lower()},
                )
        return cleaned_data


class ReadOnlyWithoutPermissionPanel(FieldPanel):
    """Shows a field's value, read-only, to users who lack the permission to edit it.

    Paired with `FieldPanel(name, permission=...)`: holders of the permission get the editable
    field and never this panel; everyone else gets this panel and no form field.
    """

    def __init__(self, field_name, *, editable_with, **kwargs):
        kwargs["read_only"] = True
        super().__init__(field_name, **kwargs)
        self.editable_with = editable_with

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs.pop("read_only")
        kwargs["editable_with"] = self.editable_with
        return kwargs

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            return super().is_shown() and not self.request.user.has_perm(self.panel.editable_with)


company_panels = [
    MultiFieldPanel(
        [
            FieldPanel("display_name"),
            FieldPanel("legal_name"),
            FieldPanel("tax_number"),
            FieldPanel("region"),
            FieldPanel("sales_rep"),
            FieldPanel("price_tier"),
            FieldPanel("status"),
            FieldPanel("min_shelf_life_percent"),
            FieldPanel("notes"),
        ],
        heading=_("Details"),
    ),
    MultiFieldPanel(
        [FieldPanel(name, permission=CHANGE_CREDIT_TERMS) for name in CREDIT_TERMS_FIELDS]
        + [ReadOnlyWithoutPermissionPanel(name, editable_with=CHANGE_CREDIT_TERMS) for name in CREDIT_TERMS_FIELDS],
        heading=_("Credit and terms"),
        help_text=_("Set by finance. A credit limit of 0 means the customer prepays by card."),
    ),
    InlinePanel("addresses", heading=_("Addresses"), label=_("Address")),
    InlinePanel("contacts", heading=_("Contacts"), label=_("Contact")),
    InlinePanel("licences", heading=_("Licences"), label=_("Licence")),
]


# --- Listing ------------------------------------------------------------------------------


class SalesRepFilterMixin:
    """A listing's "sales rep" filter, shown only to staff who see every customer: a rep's list
    holds only their own customers, so a rep filter would only confuse."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and not sees_all_companies(self.request.user):
            del self.filters["sales_rep"]


class CompanyFilterSet(SalesRepFilterMixin, WagtailFilterSet):
    region = django_filters.ModelChoiceFilter(label=_("Region"), queryset=Region.objects.all())
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Company.Status.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    sales_rep = django_filters.ModelChoiceFilter(label=_("Sales rep"), queryset=lambda request: sales_reps())
    price_tier = django_filters.ModelChoiceFilter(label=_("Price tier"), queryset=PriceTier.objects.all())

    class Meta:
        model = Company
        fields = ["region", "status", "sales_rep", "price_tier"]


class CompanyIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Customers")
    add_item_label = _("Add a customer")

    def get_base_queryset(self):
        return companies_for_staff(self.request.user)

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "display_name",
                label=_("Customer"),
                sort_key="display_name",
                get_url=self.get_inspect_url,
                get_buttons=self.get_list_buttons,
            ),
            Column("legal_name", label=_("Legal name"), sort_key="legal_name"),
            Column("region", label=_("Region"), sort_key="region__name"),
            Column("sales_rep", label=_("Sales rep"), sort_key="sales_rep__email"),
            Column("price_tier", label=_("Price tier"), sort_key="price_tier__code"),
            StatusTagColumn(
                "status",
                label=_("Status"),
                accessor="get_status_display",
                primary=lambda company: company.is_active,
                sort_key="status",
            ),
            Column(
                "credit_limit",
                label=_("Credit limit"),
                accessor=lambda company: format_money(company.credit_limit, company.currency),
                sort_key="credit_limit",
            ),
        ]

    def get_list_more_buttons(self, instance):
        buttons = []
        if inspect_url := self.get_inspect_url(instance):
            buttons.append(MenuItem(_("Customer 360°"), inspect_url, icon_name="view", priority=10))
        if edit_url := self.get_edit_url(instance):
            buttons.append(MenuItem(_("Edit"), edit_url, icon_name="edit", priority=20))
        if delete_url := self.get_delete_url(instance):
            buttons.append(MenuItem(_("Delete"), delete_url, icon_name="bin", priority=30))
        return buttons

    def to_row_dict(self, item):
        # Built by hand rather than by dotted paths: a company without a tier or rep would
        # break `price_tier.name`, and every text value is neutralised (CsvForExcelMixin).
        return {
            "display_name": item.display_name,
            "legal_name": item.legal_name,
            "tax_number": item.tax_number,
            "region": item.region.name,
            "sales_rep": str(item.sales_rep) if item.sales_rep else "",
            "sales_rep_email": item.sales_rep.email if item.sales_rep else "",
            "price_tier": item.price_tier.name if item.price_tier else "",
            "status": item.get_status_display(),
            "credit_limit": item.credit_limit,
            "currency": item.currency,
            "payment_terms": item.payment_terms_display(),
            "grace_days": item.grace_days,
        }


# --- Create, edit, delete, history: all narrowed to the companies the user may see ----------


class CompanyCreateView(generic.CreateView):
    page_title = _("New customer")


class CompanyEditView(generic.EditView):
    def get_queryset(self):
        return companies_for_staff(self.request.user)


class CompanyDeleteView(generic.DeleteView):
    def get_queryset(self):
        return companies_for_staff(self.request.user)


class CompanyHistoryView(FieldChangesHistoryMixin, HistoryView):
    """Wagtail's log of the customer, with the audit trail of its fields (credit limit, terms...)."""

    def get_base_object_queryset(self):
        return companies_for_staff(self.request.user)


class CompanyUsageView(UsageView):
    def get_base_object_queryset(self):
        return companies_for_staff(self.request.user)


# --- Customer 360° ------------------------------------------------------------------------


class CompanySection(Component):
    """One section of the customer 360° page.

    Sections render in `order`. Other apps contribute theirs with the
    `register_company_360_section` hook: a function `(request, company)` returning a
    `CompanySection` or None (e.g. when the user may not see that part). A section must
    load what it shows in a fixed number of queries, whatever the size of the customer.
    """

    order = 100
    template_name = ""

    def __init__(self, request, company: Company, **extra):
        self.request = request
        self.company = company
        self.extra = extra

    def get_context_data(self, parent_context=None):
        return {"company": self.company, "request": self.request, **self.extra}


class DetailsSection(CompanySection):
    order = 10
    template_name = "accounts/admin/company_360/details.html"


class CreditSection(CompanySection):
    order = 20
    template_name = "accounts/admin/company_360/credit.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        context["credit_limit"] = format_money(self.company.credit_limit, self.company.currency)
        return context


class UsersSection(CompanySection):
    order = 30
    template_name = "accounts/admin/company_360/users.html"


class LicencesSection(CompanySection):
    order = 40
    template_name = "accounts/admin/company_360/licences.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        today = timezone.localdate()
        soon = today + timedelta(days=LICENCE_WARNING_DAYS)
        context["licences"] = [
            {
                "licence": licence,
                "expired": not licence.is_valid_on(today),
                "expiring_soon": licence.is_valid_on(today) and licence.expires_on <= soon,
            }
            for licence in self.company.licences.all()
        ]
        return context


class AddressesSection(CompanySection):
    order = 50
    template_name = "accounts/admin/company_360/addresses.html"


class ContactsSection(CompanySection):
    order = 60
    template_name = "accounts/admin/company_360/contacts.html"


class Company360View(generic.InspectView):
    """The customer at a glance; each part is a `CompanySection`."""

    page_title = _("Customer 360°")
    template_name = "accounts/admin/company_360.html"
    invite_url_name = None

    def get_object(self, queryset=None):
        open_invitations = Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("invited_by")
        companies = companies_for_staff(self.request.user).prefetch_related(
            "addresses",
            "contacts",
            "licences",
            Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("user__email")),
            Prefetch("invitations", queryset=open_invitations, to_attr="open_invitations"),
        )
        return get_object_or_404(companies, pk=self.pk)

    def get_fields_context(self):
        # The sections below show the company; Wagtail's generic field list is not used.
        return []

    @cached_property
    def invite_url(self):
        if self.invite_url_name and can_invite(self.request.user, self.object):
            return reverse(self.invite_url_name, args=[self.object.pk])
        return None

    def get_header_buttons(self):
        buttons = super().get_header_buttons()
        if self.invite_url:
            buttons.insert(0, HeaderButton(_("Invite a user"), url=self.invite_url, icon_name="mail"))
        return buttons

    def get_sections(self) -> list[CompanySection]:
        sections = [
            DetailsSection(self.request, self.object, edit_url=self.get_edit_url()),
            CreditSection(self.request, self.object),
            UsersSection(self.request, self.object, invite_url=self.invite_url),
            LicencesSection(self.request, self.object),
            AddressesSection(self.request, self.object),
            ContactsSection(self.request, self.object),
        ]
        for hook in hooks.get_hooks("register_company_360_section"):
            if (section := hook(self.request, self.object)) is not None:
                sections.append(section)
        return sorted(sections, key=lambda section: section.order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = self.get_sections()
        return context


class InviteMemberView(WagtailAdminTemplateMixin, FormView):
    """Invite a person to a customer's portal, from the 360° page."""

    form_class = InviteMemberForm
    template_name = "accounts/admin/invite_member.html"
    page_title = _("Invite a user")
    header_icon = "mail"
    index_url_name = None
    inspect_url_name = None
    invite_url_name = None

    def dispatch(self, request, *args, **kwargs):
        # A company outside the user's customers is 404, as in every view of this viewset;
        # one they see but may not change is a permission denial.
        self.company = get_object_or_404(companies_for_staff(request.user), pk=kwargs["pk"])
        if not can_invite(request.user, self.company):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.company)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Customers")},
            {"url": self.get_success_url(), "label": str(self.company)},
            {"url": "", "label": self.page_title},
        ]

    def get_success_url(self):
        return reverse(self.inspect_url_name, args=[self.company.pk])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "currency": self.company.currency}

    def form_valid(self, form):
        try:
            invitation = invite_member(
                company=self.company,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                spending_limit=form.cleaned_data["spending_limit"],
                invited_by=self.request.user,
                language=get_language(),
            )
        except AccountsError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            company=self.company,
            action_url=reverse(self.invite_url_name, args=[self.company.pk]),
            submit_button_label=_("Send invitation"),
            submit_button_active_label=_("Sending…"),
        )
        return context


# --- The viewset --------------------------------------------------------------------------


class CompanyViewSet(ModelViewSet):
    model = Company
    icon = "group"
    menu_label = _("Customers")
    menu_name = "customers"
    menu_order = 150
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = CompanyIndexView
    add_view_class = CompanyCreateView
    edit_view_class = CompanyEditView
    delete_view_class = CompanyDeleteView
    history_view_class = CompanyHistoryView
    usage_view_class = CompanyUsageView
    inspect_view_class = Company360View

    edit_handler = ObjectList(company_panels, base_form_class=CompanyForm)

    ordering = ["display_name"]
    list_per_page = 50
    search_fields = ["display_name", "legal_name", "tax_number"]
    search_backend_name = None  # plain database search; companies are not in Wagtail's index
    filterset_class = CompanyFilterSet
    list_export = [
        "display_name",
        "legal_name",
        "tax_number",
        "region",
        "sales_rep",
        "sales_rep_email",
        "price_tier",
        "status",
        "credit_limit",
        "currency",
        "payment_terms",
        "grace_days",
    ]
    export_headings = {
        "display_name": _("Customer"),
        "legal_name": _("Legal name"),
        "tax_number": _("Tax number"),
        "region": _("Region"),
        "sales_rep": _("Sales rep"),
        "sales_rep_email": _("Sales rep e-mail"),
        "price_tier": _("Price tier"),
        "status": _("Status"),
        "credit_limit": _("Credit limit"),
        "currency": _("Currency"),
        "payment_terms": _("Payment terms"),
        "grace_days": _("Grace days"),
    }
    export_filename = "customers"

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(invite_url_name=self.get_url_name("invite"), **kwargs)

    @property
    def invite_view(self):
        return self.construct_view(
            InviteMemberView,
            inspect_url_name=self.get_url_name("inspect"),
            invite_url_name=self.get_url_name("invite"),
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("invite/<int:pk>/", self.invite_view, name="invite")]


company_viewset = CompanyViewSet("customers")
