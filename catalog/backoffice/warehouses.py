"""Warehouses and their locations in the back office."""

import django_filters
from django import forms
from django.db.models import (
    Count,
)
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import (
    Column,
)
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
    ProtectedDeleteView,
)

from ..models import (
    Location,
    TemperatureZone,
    Warehouse,
)
from .common import PER_PAGE

# --- Warehouses and locations ------------------------------------------------------------


class LocationDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s has stock history and cannot be deleted.")


class WarehouseDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s still has locations and cannot be deleted.")


class WarehouseIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Warehouses")

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(location_count=Count("locations"))

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "code",
                label=_("Code"),
                sort_key="code",
                get_url=lambda warehouse: self.get_edit_url(warehouse) or self.get_inspect_url(warehouse),
                get_buttons=self.get_list_buttons,
            ),
            Column("name", label=_("Name"), sort_key="name"),
            Column("location_count", label=_("Locations")),
        ]


class WarehouseViewSet(ModelViewSet):
    model = Warehouse
    icon = "home"
    menu_label = _("Warehouses")
    menu_name = "warehouses"
    menu_order = 80
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = WarehouseIndexView
    delete_view_class = WarehouseDeleteView
    form_fields = ["code", "name"]
    ordering = ["code"]
    search_fields = ["code", "name"]
    search_backend_name = None
    list_export = ["code", "name"]
    export_headings = {"code": _("Code"), "name": _("Name")}
    export_filename = "warehouses"


class LocationFilterSet(WagtailFilterSet):
    warehouse = django_filters.ModelChoiceFilter(label=_("Warehouse"), queryset=Warehouse.objects.all())
    zone = django_filters.ChoiceFilter(
        label=_("Temperature zone"), choices=TemperatureZone.choices, empty_label=_("All"), widget=forms.RadioSelect
    )

    class Meta:
        model = Location
        fields = ["warehouse", "zone"]


class LocationIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Locations")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("warehouse")

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "code",
                label=_("Code"),
                sort_key="code",
                get_url=lambda location: self.get_edit_url(location) or self.get_inspect_url(location),
                get_buttons=self.get_list_buttons,
            ),
            Column("warehouse", label=_("Warehouse"), accessor="warehouse.name", sort_key="warehouse__code"),
            Column("zone", label=_("Temperature zone"), accessor="get_zone_display", sort_key="zone"),
        ]

    def to_row_dict(self, item):
        return {"warehouse": item.warehouse.code, "code": item.code, "zone": item.get_zone_display()}


class LocationViewSet(ModelViewSet):
    model = Location
    icon = "site"
    menu_label = _("Locations")
    menu_name = "locations"
    menu_order = 90
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = LocationIndexView
    delete_view_class = LocationDeleteView
    form_fields = ["warehouse", "code", "zone"]
    ordering = ["warehouse__code", "code"]
    list_per_page = PER_PAGE
    search_fields = ["code", "warehouse__code", "warehouse__name"]
    search_backend_name = None
    filterset_class = LocationFilterSet
    list_export = ["warehouse", "code", "zone"]
    export_headings = {"warehouse": _("Warehouse"), "code": _("Code"), "zone": _("Temperature zone")}
    export_filename = "locations"
