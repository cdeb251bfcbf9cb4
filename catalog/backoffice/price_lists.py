"""Price lists in the back office: default, tier and contract lists with their entries inline (or,
for long lists, a table and the import screen).

Every view reads the lists through `catalog.selectors.price_lists_for_staff`: a sales rep sees the
tier and default lists and the contract lists of their own customers; another rep's customer's
contract list is not in their listing or export and answers 404 at every URL that takes its id.
"""

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import (
    Count,
    Q,
)
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import (
    BooleanColumn,
    Column,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect

from accounts.models import CURRENCY_CHOICES, PriceTier
from accounts.selectors import companies_for_staff
from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
)
from kit.history import ChangeSection, FieldChangesHistoryMixin, field_changes

from ..import_admin import can_export_price_lists, can_import
from ..imports import PRICES
from ..models import (
    PriceList,
    PriceListEntry,
    Product,
)
from ..search import search_filter
from ..selectors import price_lists_for_staff
from .common import INLINE_PRICE_LIMIT, PER_PAGE, StaffScopedObjectMixin
from .products import ProductChooserWidget

# --- Price lists ----------------------------------------------------------------------------


class PriceListForm(WagtailAdminModelForm):
    """The price list form.

    The database insists that a contract list has a company, a tier list a price tier and the
    default list neither (`price_list_owner_matches_kind`); this form says so field by field
    before the database has to.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "company" in self.fields and self.for_user is not None:
            # A contract list is for one of the customers the user sees (a rep: their own).
            self.fields["company"].queryset = companies_for_staff(self.for_user).order_by("display_name")
        self._load_entry_products()

    def _load_entry_products(self):
        """One query for the products of every entry row (saved or as posted back)."""
        entries = self.formsets.get("entries")
        if entries is None:
            return
        ids = set()
        for form in entries.forms:
            value = form["product"].value()
            if str(value or "").isdigit():
                ids.add(int(value))
        products = Product.objects.in_bulk(ids)
        for form in entries.forms:
            widget = form.fields["product"].widget
            if isinstance(widget, ProductChooserWidget):
                widget.known_products = products

    def clean(self):
        cleaned_data = super().clean()
        kind = cleaned_data.get("kind")
        company = cleaned_data.get("company")
        tier = cleaned_data.get("price_tier")
        if kind == PriceList.Kind.CONTRACT:
            if company is None:
                self.add_error("company", _("A contract price list belongs to one company: choose it."))
            if tier is not None:
                self.add_error("price_tier", _("A contract price list has no price tier: clear this field."))
        elif kind == PriceList.Kind.TIER:
            if tier is None:
                self.add_error("price_tier", _("A tier price list belongs to one price tier: choose it."))
            if company is not None:
                self.add_error("company", _("A tier price list has no company: clear this field."))
        elif kind == PriceList.Kind.DEFAULT:
            if company is not None:
                self.add_error("company", _("The list price list applies to every company: clear this field."))
            if tier is not None:
                self.add_error("price_tier", _("The list price list applies to every tier: clear this field."))

        currency = cleaned_data.get("currency")
        if kind == PriceList.Kind.CONTRACT and company is not None and currency and currency != company.currency:
            # Prices resolve only from lists in the company's currency: this list would never apply.
            self.add_error(
                "currency",
                _("%(company)s is invoiced in %(company_currency)s; a contract list in %(currency)s would never apply.")
                % {"company": company, "company_currency": company.currency, "currency": currency},
            )

        valid_from, valid_until = cleaned_data.get("valid_from"), cleaned_data.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("The list cannot end before it starts."))

        self._check_one_price_per_break()
        return cleaned_data

    def _check_one_price_per_break(self):
        entries = self.formsets.get("entries")
        if entries is None:
            return
        seen = set()
        for form in entries.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            product, minimum = form.cleaned_data.get("product"), form.cleaned_data.get("min_quantity")
            if product is None or minimum is None:
                continue
            if (product.pk, minimum) in seen:
                form.add_error(
                    "min_quantity",
                    _("%(sku)s already has a price from %(quantity)s in this list.")
                    % {"sku": product.sku, "quantity": minimum},
                )
            seen.add((product.pk, minimum))


_price_list_details = [
    MultiFieldPanel(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("name_zh")]),
            FieldPanel(
                "kind",
                help_text=_(
                    "Contract: one company's own prices. Tier: prices for every company of a price tier. "
                    "List: the default prices, for everyone."
                ),
            ),
            FieldRowPanel([FieldPanel("company"), FieldPanel("price_tier")]),
            FieldPanel("currency"),
            FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
            FieldPanel("priority"),
            FieldPanel("active"),
        ],
        heading=_("Price list"),
    ),
]

price_list_edit_handler = ObjectList(
    _price_list_details
    + [
        InlinePanel(
            "entries",
            heading=_("Prices"),
            label=_("Price"),
            help_text=_("One row per product and quantity break: the price applies from that quantity up."),
            panels=[FieldPanel("product"), FieldPanel("min_quantity"), FieldPanel("unit_price")],
        )
    ],
    base_form_class=PriceListForm,
)
# For lists too big to edit row by row on one page: the details only.
price_list_details_handler = ObjectList(_price_list_details, base_form_class=PriceListForm).bind_to_model(PriceList)


class PriceListEntriesMixin:
    """A page of a price list's entries, searchable by SKU or name (`?entries=`, `?p=`), with the
    links to download them and to import changes (catalog.import_admin) for those allowed."""

    entries_per_page = PER_PAGE

    def get_entries_context(self, price_list: PriceList) -> dict:
        user = self.request.user
        query = self.request.GET.get("entries", "").strip()
        entries = (
            PriceListEntry.objects.filter(price_list=price_list)
            .select_related("product")
            .order_by("product__sku", "min_quantity")
        )
        if query:
            entries = entries.filter(
                Q(product__sku__icontains=query) | search_filter(query, field="product__search_text")
            )
        paginator = Paginator(entries, self.entries_per_page)
        page = paginator.get_page(self.request.GET.get("p"))
        return {
            "entries_page": page,
            "entries_page_range": paginator.get_elided_page_range(page.number),
            "entries_query": query,
            "entries_total": paginator.count
            if not query
            else PriceListEntry.objects.filter(price_list=price_list).count(),
            "entries_exports": [
                (fmt.upper(), reverse("catalog_import:export_price_list", args=[price_list.pk, fmt]))
                for fmt in ("csv", "xlsx")
            ]
            if can_export_price_lists(user)
            else [],
            "price_import_url": reverse("catalog_import:price_list", kwargs={"price_list": price_list.pk})
            if can_import(user, PRICES)
            else None,
            "price_list": price_list,
        }


class IntegrityErrorAsFormErrorMixin:
    """A database refusal that the form could not foresee (a race with another save) becomes a
    form error; nothing of the attempt is kept."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            if isinstance(self, generic.CreateView):
                form.instance.pk = None
            form.add_error(
                None,
                _(
                    "The price list could not be saved: it conflicts with changes saved meanwhile. "
                    "Check it and save again."
                ),
            )
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class PriceListIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Price lists")

    def get_base_queryset(self):
        return (
            price_lists_for_staff(self.request.user)
            .select_related("company", "price_tier")
            .annotate(entry_count=Count("entries"))
        )

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "name",
                label=_("Name"),
                sort_key="name",
                get_url=lambda price_list: self.get_edit_url(price_list) or self.get_inspect_url(price_list),
                get_buttons=self.get_list_buttons,
            ),
            Column("kind", label=_("Kind"), accessor="get_kind_display", sort_key="kind"),
            Column("owner", label=_("For"), accessor=_owner),
            Column("currency", label=_("Currency"), sort_key="currency"),
            Column("valid", label=_("Valid"), accessor=_validity),
            Column("priority", label=_("Priority"), sort_key="priority"),
            Column("entry_count", label=_("Prices"), sort_key="entry_count"),
            BooleanColumn("active", label=_("Active"), sort_key="active"),
        ]

    def to_row_dict(self, item):
        return {
            "name": item.name,
            "name_zh": item.name_zh,
            "kind": item.get_kind_display(),
            "company": item.company.display_name if item.company else "",
            "price_tier": item.price_tier.name if item.price_tier else "",
            "currency": item.currency,
            "valid_from": item.valid_from,
            "valid_until": item.valid_until,
            "priority": item.priority,
            "active": item.active,
            "entry_count": item.entry_count,
        }


def _owner(price_list: PriceList) -> str:
    if price_list.company_id:
        return str(price_list.company)
    if price_list.price_tier_id:
        return str(price_list.price_tier)
    return str(_("Everyone"))


def _validity(price_list: PriceList) -> str:
    start = price_list.valid_from.isoformat() if price_list.valid_from else "…"
    end = price_list.valid_until.isoformat() if price_list.valid_until else "…"
    if not (price_list.valid_from or price_list.valid_until):
        return str(_("Always"))
    return f"{start} – {end}"


class PriceListFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=PriceList.Kind.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    price_tier = django_filters.ModelChoiceFilter(label=_("Price tier"), queryset=PriceTier.objects.all())
    currency = django_filters.ChoiceFilter(label=_("Currency"), choices=CURRENCY_CHOICES, empty_label=_("All"))
    active = django_filters.BooleanFilter(label=_("Active"), widget=BooleanRadioSelect)

    class Meta:
        model = PriceList
        fields = ["kind", "price_tier", "currency", "active"]


class PriceListCreateView(IntegrityErrorAsFormErrorMixin, generic.CreateView):
    pass


class PriceListScopeMixin(StaffScopedObjectMixin):
    def objects_for_staff(self, user):
        return price_lists_for_staff(user).select_related("company", "price_tier")


class PriceListEditView(PriceListScopeMixin, IntegrityErrorAsFormErrorMixin, PriceListEntriesMixin, generic.EditView):
    """Small lists edit their prices inline; big ones show them page by page, read-only."""

    def get_panel(self):
        self.entry_count = PriceListEntry.objects.filter(price_list_id=self.object_pk).count()
        self.edits_prices_inline = self.entry_count <= INLINE_PRICE_LIMIT
        return self.panel if self.edits_prices_inline else price_list_details_handler

    def get_form_class(self):
        return self.panel.get_form_class()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["edits_prices_inline"] = self.edits_prices_inline
        context["inline_price_limit"] = INLINE_PRICE_LIMIT
        if not self.edits_prices_inline:
            context.update(self.get_entries_context(self.object))
        return context


class PriceListInspectView(PriceListScopeMixin, PriceListEntriesMixin, generic.InspectView):
    template_name = "catalog/admin/price_list_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.get_entries_context(self.object))
        return context


class PriceListDeleteView(PriceListScopeMixin, generic.DeleteView):
    pass


class PriceListHistoryView(PriceListScopeMixin, FieldChangesHistoryMixin, HistoryView):
    """Wagtail's log of the list, with the audit trail of the list and of its prices (imports
    included: catalog.imports.commit records them)."""

    def get_change_sections(self) -> list[ChangeSection]:
        entries = PriceListEntry.history.filter(price_list_id=self.object.pk)
        return [
            ChangeSection(_("Changes to the list"), field_changes(self.object.history.all())),
            ChangeSection(
                _("Changes to its prices"),
                field_changes(entries, label_fields=("product", "min_quantity"), exclude=("price_list",)),
                show_record=True,
            ),
        ]


class PriceListUsageView(PriceListScopeMixin, UsageView):
    pass


class PriceListViewSet(ModelViewSet):
    model = PriceList
    icon = "form"
    menu_label = _("Price lists")
    menu_name = "price-lists"
    # Wagtail's reference index would re-read every entry of a list each time one entry is
    # saved (entries are the list's cluster children): quadratic for an import of thousands.
    # Deleting a list is safe anyway (its entries go with it), so the index is not kept.
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = PriceListIndexView
    add_view_class = PriceListCreateView
    edit_view_class = PriceListEditView
    inspect_view_class = PriceListInspectView
    delete_view_class = PriceListDeleteView
    history_view_class = PriceListHistoryView
    usage_view_class = PriceListUsageView
    edit_template_name = "catalog/admin/price_list_edit.html"

    edit_handler = price_list_edit_handler
    ordering = ["kind", "priority", "name"]
    list_per_page = PER_PAGE
    search_fields = ["name", "name_zh", "company__display_name", "price_tier__name"]
    search_backend_name = None
    filterset_class = PriceListFilterSet
    inspect_view_fields = [
        "name",
        "name_zh",
        "kind",
        "company",
        "price_tier",
        "currency",
        "valid_from",
        "valid_until",
        "priority",
        "active",
    ]
    list_export = [
        "name",
        "name_zh",
        "kind",
        "company",
        "price_tier",
        "currency",
        "valid_from",
        "valid_until",
        "priority",
        "active",
        "entry_count",
    ]
    export_headings = {
        "name": _("Name"),
        "name_zh": _("Name (Chinese)"),
        "kind": _("Kind"),
        "company": _("Company"),
        "price_tier": _("Price tier"),
        "currency": _("Currency"),
        "valid_from": _("Valid from"),
        "valid_until": _("Valid until"),
        "priority": _("Priority"),
        "active": _("Active"),
        "entry_count": _("Prices"),
    }
    export_filename = "price-lists"
