"""Assortments in the back office: which products a company or tier sees.

Every view reads the assortments through `catalog.selectors.assortments_for_staff`: a sales rep
sees the assortments of price tiers (or of nobody) and those of their own customers; another
rep's customer's assortment is not in their listing or export and answers 404 at every URL that
takes its id. Where a visible assortment also names another rep's customers, those are left out
of what the rep is shown (`assortment_companies_for_staff`).
"""

from django import forms
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import (
    Column,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.models import Company
from accounts.selectors import companies_for_staff
from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
)

from ..models import (
    Assortment,
    Product,
)
from ..selectors import assortment_companies_for_staff, assortments_for_staff
from .common import PER_PAGE, StaffScopedObjectMixin

# --- Assortments ----------------------------------------------------------------------------


class FilteredCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes with a box that filters them as one types, and a "chosen only" switch."""

    template_name = "catalog/admin/widgets/filtered_checkboxes.html"


class AssortmentForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "products" in self.fields:
            self.fields["products"].queryset = Product.objects.order_by("sku")
            self.fields["products"].label_from_instance = lambda product: " · ".join(
                part for part in (product.sku, product.name_en, product.name_zh) if part
            )
        if "companies" in self.fields:
            # Only the customers the user sees are offered (a rep: their own); the others an
            # assortment already has are kept as they are (see clean_companies).
            companies = companies_for_staff(self.for_user) if self.for_user is not None else Company.objects.all()
            self.fields["companies"].queryset = companies.order_by("display_name")

    def clean_companies(self):
        chosen = self.cleaned_data["companies"]
        if self.instance.pk is None:
            return chosen
        unseen = self.instance.companies.exclude(pk__in=self.fields["companies"].queryset.values("pk"))
        return Company.objects.filter(Q(pk__in=chosen) | Q(pk__in=unseen.values("pk")))


assortment_panels = [
    FieldPanel("name"),
    FieldPanel(
        "products",
        widget=FilteredCheckboxSelectMultiple,
        help_text=_("The products these companies see in the portal."),
    ),
    MultiFieldPanel(
        [
            FieldPanel("companies", widget=FilteredCheckboxSelectMultiple),
            FieldPanel("price_tiers", widget=forms.CheckboxSelectMultiple),
        ],
        heading=_("Who sees it"),
        help_text=_(
            "Companies chosen here, and every company of the chosen price tiers, see only the products "
            "of their assortments. A company with no assortment sees every active product."
        ),
    ),
]


def _count_of(links, owner_field: str):
    """Count related rows (`links`, a queryset of a many-to-many's through rows) with a subquery:
    two counts over joins would multiply each other."""
    return Coalesce(
        Subquery(
            links.filter(**{owner_field: OuterRef("pk")})
            .order_by()
            .values(owner_field)
            .annotate(count=Count("*"))
            .values("count"),
            output_field=IntegerField(),
        ),
        0,
    )


class AssortmentIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Assortments")

    def get_base_queryset(self):
        user = self.request.user
        # Only the companies the user sees are counted (a rep: their own customers).
        company_links = Assortment.companies.through.objects.filter(company__in=companies_for_staff(user).values("pk"))
        return (
            assortments_for_staff(user)
            .annotate(
                product_count=_count_of(Assortment.products.through.objects.all(), "assortment"),
                company_count=_count_of(company_links, "assortment"),
            )
            .prefetch_related("price_tiers")
        )

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "name",
                label=_("Name"),
                sort_key="name",
                get_url=lambda assortment: self.get_edit_url(assortment) or self.get_inspect_url(assortment),
                get_buttons=self.get_list_buttons,
            ),
            Column("product_count", label=_("Products"), sort_key="product_count"),
            Column("company_count", label=_("Companies"), sort_key="company_count"),
            Column("price_tiers", label=_("Price tiers"), accessor=_tier_names),
        ]

    def to_row_dict(self, item):
        return {
            "name": item.name,
            "product_count": item.product_count,
            "company_count": item.company_count,
            "price_tiers": _tier_names(item),
        }


def _tier_names(assortment: Assortment) -> str:
    return ", ".join(tier.name for tier in assortment.price_tiers.all())


class AssortmentScopeMixin(StaffScopedObjectMixin):
    def objects_for_staff(self, user):
        return assortments_for_staff(user)


class AssortmentEditView(AssortmentScopeMixin, generic.EditView):
    pass


class AssortmentInspectView(AssortmentScopeMixin, generic.InspectView):
    def get_companies_display_value(self):
        companies = assortment_companies_for_staff(self.request.user, self.object)
        return ", ".join(str(company) for company in companies) or "-"


class AssortmentDeleteView(AssortmentScopeMixin, generic.DeleteView):
    pass


class AssortmentHistoryView(AssortmentScopeMixin, HistoryView):
    pass


class AssortmentUsageView(AssortmentScopeMixin, UsageView):
    pass


class AssortmentViewSet(ModelViewSet):
    model = Assortment
    icon = "list-ul"
    menu_label = _("Assortments")
    menu_name = "assortments"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = AssortmentIndexView
    edit_view_class = AssortmentEditView
    inspect_view_class = AssortmentInspectView
    delete_view_class = AssortmentDeleteView
    history_view_class = AssortmentHistoryView
    usage_view_class = AssortmentUsageView
    edit_handler = ObjectList(assortment_panels, base_form_class=AssortmentForm)
    ordering = ["name"]
    list_per_page = PER_PAGE
    search_fields = ["name"]
    search_backend_name = None
    inspect_view_fields = ["name", "products", "companies", "price_tiers"]
    list_export = ["name", "product_count", "company_count", "price_tiers"]
    export_headings = {
        "name": _("Name"),
        "product_count": _("Products"),
        "company_count": _("Companies"),
        "price_tiers": _("Price tiers"),
    }
    export_filename = "assortments"
