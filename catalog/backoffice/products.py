"""Products in the back office: the product chooser (price-list entries and any product field) and
the products viewset."""

import django_filters
from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import (
    BooleanColumn,
    Column,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import Button
from wagtail.admin.widgets.chooser import BaseChooser

from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
    ProtectedDeleteView,
)

from ..models import (
    Category,
    Product,
    TemperatureZone,
)
from .common import PER_PAGE, CategoryTreeFilter, can_view_stock, indented_name, product_search, product_stock_url

# --- Product chooser (for price list entries and any product field in the back office) ------


class ProductChooserWidget(BaseChooser):
    # Products already loaded by a form with many rows (a price list's entries), by id, so
    # that each row does not fetch its own.
    known_products: dict[int, Product] | None = None

    def get_instance(self, value):
        if self.known_products and value not in (None, "") and not isinstance(value, Product):
            try:
                return self.known_products[int(value)]
            except (KeyError, TypeError, ValueError):
                pass
        return super().get_instance(value)

    def get_display_title(self, instance):
        return f"{instance.sku} · {instance.name}"


class ProductChooseFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("SKU, name or pinyin")}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q")
        if query:
            objects = objects.filter(product_search(query))
            self.is_searching = True
            self.search_query = query
        return objects


class ProductChooseColumnsMixin:
    filter_form_class = ProductChooseFilterForm
    ordering = ["sku"]

    @property
    def columns(self):
        return [
            self.title_column,
            Column("sku", label=_("SKU")),
            Column("temperature_zone", label=_("Temperature zone"), accessor="get_temperature_zone_display"),
            BooleanColumn("active", label=_("Active")),
        ]


class ProductChooseView(ProductChooseColumnsMixin, chooser_views.ChooseView):
    pass


class ProductChooseResultsView(ProductChooseColumnsMixin, chooser_views.ChooseResultsView):
    pass


class ProductChooserViewSet(ChooserViewSet):
    model = Product
    icon = "tag"
    choose_one_text = _("Choose a product")
    choose_another_text = _("Choose another product")
    edit_item_text = _("Edit this product")
    per_page = 20
    base_widget_class = ProductChooserWidget
    choose_view_class = ProductChooseView
    choose_results_view_class = ProductChooseResultsView


product_chooser_viewset = ProductChooserViewSet("product_chooser")


# --- Products -------------------------------------------------------------------------------


class ProductForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "category" in self.fields:
            field = self.fields["category"]
            field.queryset = Category.objects.order_by("path")
            field.label_from_instance = indented_name
        if "weight_tolerance_percent" in self.fields:
            # Only products charged by weight use it: left empty, it keeps the model's default.
            self.fields["weight_tolerance_percent"].required = False

    def clean_weight_tolerance_percent(self):
        value = self.cleaned_data.get("weight_tolerance_percent")
        if value is None:
            return Product._meta.get_field("weight_tolerance_percent").default
        return value

    def clean(self):
        cleaned_data = super().clean()
        minimum, multiple = cleaned_data.get("min_order_quantity"), cleaned_data.get("order_multiple")
        if minimum and multiple and minimum % multiple:
            self.add_error(
                "min_order_quantity",
                _("The minimum order (%(minimum)s) must be a multiple of the order multiple (%(multiple)s).")
                % {"minimum": minimum, "multiple": multiple},
            )
        return cleaned_data


product_panels = [
    MultiFieldPanel(
        [
            FieldPanel("sku"),
            FieldRowPanel([FieldPanel("name_en"), FieldPanel("name_zh")]),
            FieldPanel("category"),
            FieldRowPanel([FieldPanel("description"), FieldPanel("description_zh")]),
            FieldPanel("image"),
            FieldPanel("active"),
        ],
        heading=_("Product"),
    ),
    MultiFieldPanel(
        [
            FieldRowPanel([FieldPanel("sales_unit"), FieldPanel("units_per_case")]),
            FieldRowPanel([FieldPanel("unit_description"), FieldPanel("unit_description_zh")]),
            FieldRowPanel([FieldPanel("min_order_quantity"), FieldPanel("order_multiple")]),
            FieldPanel("allow_backorder"),
            FieldPanel("tax_rate"),
        ],
        heading=_("Selling"),
        help_text=_("Quantities are counted in sales units: a minimum of 2 and a multiple of 2 means 2, 4, 6 cases…"),
    ),
    MultiFieldPanel(
        [
            FieldPanel("catch_weight"),
            FieldRowPanel([FieldPanel("nominal_weight_kg"), FieldPanel("weight_tolerance_percent")]),
        ],
        heading=_("Charged by weight"),
        help_text=_(
            "Frozen meat and seafood: ordered per sales unit, charged per kg. Its price-list prices are "
            "prices per kg; the buyer sees an estimate and the invoice uses the weight picked."
        ),
    ),
    MultiFieldPanel(
        [FieldPanel("temperature_zone"), FieldPanel("shelf_life_days"), FieldPanel("lot_tracked")],
        heading=_("Storage"),
    ),
]


class ProductFilterSet(WagtailFilterSet):
    category = CategoryTreeFilter(label=_("Category"), queryset=Category.objects.order_by("path"))
    temperature_zone = django_filters.ChoiceFilter(
        label=_("Temperature zone"), choices=TemperatureZone.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    active = django_filters.BooleanFilter(label=_("Active"), widget=BooleanRadioSelect)

    class Meta:
        model = Product
        fields = ["category", "temperature_zone", "active"]


class ProductIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Products")

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("category")

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "sku",
                label=_("SKU"),
                sort_key="sku",
                get_url=lambda product: self.get_edit_url(product) or self.get_inspect_url(product),
                get_buttons=self.get_list_buttons,
            ),
            Column("name_en", label=_("Name (English)"), sort_key="name_en"),
            Column("name_zh", label=_("Name (Chinese)")),
            Column("category", label=_("Category"), accessor="category.name", sort_key="category__path"),
            Column("temperature_zone", label=_("Temperature zone"), accessor="get_temperature_zone_display"),
            Column("pack", label=_("Pack"), accessor=_pack_description),
            BooleanColumn("active", label=_("Active"), sort_key="active"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if can_view_stock(self.request.user):
            buttons.append(MenuItem(_("Stock"), product_stock_url(instance.pk), icon_name="list-ul", priority=5))
        return buttons

    def to_row_dict(self, item):
        return {
            "sku": item.sku,
            "name_en": item.name_en,
            "name_zh": item.name_zh,
            "category": item.category.name_en,
            "category_slug": item.category.slug,
            "temperature_zone": item.get_temperature_zone_display(),
            "sales_unit": item.get_sales_unit_display(),
            "units_per_case": item.units_per_case,
            "unit_description": item.unit_description,
            "unit_description_zh": item.unit_description_zh,
            "min_order_quantity": item.min_order_quantity,
            "order_multiple": item.order_multiple,
            "shelf_life_days": item.shelf_life_days,
            "lot_tracked": item.lot_tracked,
            "allow_backorder": item.allow_backorder,
            "tax_rate": item.tax_rate,
            "catch_weight": item.catch_weight,
            "nominal_weight_kg": item.nominal_weight_kg,
            "weight_tolerance_percent": item.weight_tolerance_percent,
            "active": item.active,
        }


def _pack_description(product: Product) -> str:
    unit = product.get_sales_unit_display()
    if product.unit_description:
        return f"{unit}: {product.unit_description}"
    if product.units_per_case > 1:
        return f"{unit} × {product.units_per_case}"
    return str(unit)


class StockButtonMixin:
    """A "Stock" header button on a product's edit and inspect pages."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_view_stock(self.request.user):
            buttons.append(Button(_("Stock"), url=product_stock_url(self.object.pk), icon_name="list-ul", priority=5))
        return buttons


class ProductEditView(StockButtonMixin, generic.EditView):
    pass


class ProductInspectView(StockButtonMixin, generic.InspectView):
    pass


class ProductDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s has stock lots or orders and cannot be deleted; mark it inactive instead.")


class ProductViewSet(ModelViewSet):
    model = Product
    icon = "tag"
    menu_label = _("Products")
    menu_name = "products"
    add_to_reference_index = False  # see the note on PriceListViewSet
    inspect_view_enabled = True

    index_view_class = ProductIndexView
    edit_view_class = ProductEditView
    inspect_view_class = ProductInspectView
    delete_view_class = ProductDeleteView

    edit_handler = ObjectList(product_panels, base_form_class=ProductForm)
    ordering = ["sku"]
    list_per_page = PER_PAGE
    search_fields = ["sku", "name_en", "name_zh", "search_text"]
    search_backend_name = None
    filterset_class = ProductFilterSet
    inspect_view_fields = [
        "sku",
        "name_en",
        "name_zh",
        "category",
        "description",
        "description_zh",
        "sales_unit",
        "units_per_case",
        "unit_description",
        "unit_description_zh",
        "min_order_quantity",
        "order_multiple",
        "temperature_zone",
        "shelf_life_days",
        "lot_tracked",
        "allow_backorder",
        "tax_rate",
        "catch_weight",
        "nominal_weight_kg",
        "weight_tolerance_percent",
        "active",
    ]
    list_export = [
        "sku",
        "name_en",
        "name_zh",
        "category",
        "category_slug",
        "temperature_zone",
        "sales_unit",
        "units_per_case",
        "unit_description",
        "unit_description_zh",
        "min_order_quantity",
        "order_multiple",
        "shelf_life_days",
        "lot_tracked",
        "allow_backorder",
        "tax_rate",
        "catch_weight",
        "nominal_weight_kg",
        "weight_tolerance_percent",
        "active",
    ]
    export_headings = {
        "sku": _("SKU"),
        "name_en": _("Name (English)"),
        "name_zh": _("Name (Chinese)"),
        "category": _("Category"),
        "category_slug": _("Category slug"),
        "temperature_zone": _("Temperature zone"),
        "sales_unit": _("Sales unit"),
        "units_per_case": _("Units per case"),
        "unit_description": _("Pack description"),
        "unit_description_zh": _("Pack description (Chinese)"),
        "min_order_quantity": _("Minimum order quantity"),
        "order_multiple": _("Order multiple"),
        "shelf_life_days": _("Shelf life (days)"),
        "lot_tracked": _("Lot-tracked"),
        "allow_backorder": _("Backorders allowed"),
        "tax_rate": _("Tax rate (%)"),
        "catch_weight": _("Charged by weight"),
        "nominal_weight_kg": _("Nominal weight (kg)"),
        "weight_tolerance_percent": _("Weight tolerance (%)"),
        "active": _("Active"),
    }
    export_filename = "products"
