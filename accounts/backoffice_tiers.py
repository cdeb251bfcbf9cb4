"""Regions and price tiers in the back office (Settings › Regions, Price tiers).

Customers read both names (a tier on their home page, a region on their records) in their
language, so the forms ask for the English and the Chinese name; a new row must have its Chinese
name. The listing shows how many customers use each row: for a sales rep, how many of their own
customers (`companies_for_staff`), so the count says nothing of a colleague's customers.

Who edits them comes from the staff groups (`accounts.roles`): tiers are pricing and regions
shape the sales organisation, so the manager keeps both; the roles that see customers read them.
A row still in use (by a customer, or a tier by its price list) cannot be deleted: the foreign
keys PROTECT it and `ProtectedDeleteView` says so.
"""

from django.db.models import Count, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from kit.backoffice import CsvForExcelMixin, ListingTitleColumn, ProtectedDeleteView

from .models import PriceTier, Region
from .selectors import companies_for_staff


class BilingualNameForm(WagtailAdminModelForm):
    """Code, English and Chinese name. The Chinese name is required for a new row (customers
    read it); a row kept from before may be saved without it until someone fills it in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["name_zh"].required = True


bilingual_name_panels = ObjectList(
    [FieldPanel("code"), FieldRowPanel([FieldPanel("name"), FieldPanel("name_zh")])],
    base_form_class=BilingualNameForm,
)


class BilingualNameIndexView(CsvForExcelMixin, generic.IndexView):
    """Code, both names and how many of the user's customers use the row, in one query."""

    def get_base_queryset(self):
        customers = companies_for_staff(self.request.user).values("pk")
        return super().get_base_queryset().annotate(company_count=Count("companies", filter=Q(companies__in=customers)))

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "code",
                label=_("Code"),
                sort_key="code",
                get_url=lambda row: self.get_edit_url(row) or self.get_inspect_url(row),
                get_buttons=self.get_list_buttons,
            ),
            Column("name", label=_("English name"), sort_key="name"),
            Column("name_zh", label=_("Chinese name"), sort_key="name_zh"),
            Column("company_count", label=_("Customers"), sort_key="company_count"),
        ]

    def to_row_dict(self, item):
        return {"code": item.code, "name": item.name, "name_zh": item.name_zh, "company_count": item.company_count}


class RegionIndexView(BilingualNameIndexView):
    page_title = _("Regions")
    add_item_label = _("Add a region")


class PriceTierIndexView(BilingualNameIndexView):
    page_title = _("Price tiers")
    add_item_label = _("Add a price tier")


class RegionDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s is still the region of customers and cannot be deleted.")


class PriceTierDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s still has customers or price lists and cannot be deleted.")


class BilingualNameViewSet(ModelViewSet):
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    edit_handler = bilingual_name_panels
    ordering = ["code"]
    search_fields = ["code", "name", "name_zh"]
    search_backend_name = None  # plain database search
    list_export = ["code", "name", "name_zh", "company_count"]
    export_headings = {
        "code": _("Code"),
        "name": _("English name"),
        "name_zh": _("Chinese name"),
        "company_count": _("Customers"),
    }


class RegionViewSet(BilingualNameViewSet):
    model = Region
    icon = "site"
    menu_label = _("Regions")
    menu_name = "regions"
    menu_order = 500
    index_view_class = RegionIndexView
    delete_view_class = RegionDeleteView
    export_filename = "regions"


class PriceTierViewSet(BilingualNameViewSet):
    model = PriceTier
    icon = "tag"
    menu_label = _("Price tiers")
    menu_name = "price-tiers"
    menu_order = 510
    index_view_class = PriceTierIndexView
    delete_view_class = PriceTierDeleteView
    export_filename = "price-tiers"


region_viewset = RegionViewSet("regions")
price_tier_viewset = PriceTierViewSet("price-tiers")
