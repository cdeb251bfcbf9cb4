"""The staff back office for the catalog and stock (Wagtail admin at /backoffice/).

Catalog menu (`catalog_menu`): products, categories (a tree), assortments and price lists, each
a `ModelViewSet`. Stock menu (`stock_menu`): receive, adjust and write off stock, expiry
warnings and stock by product (admin views registered in catalog.wagtail_hooks, which write
only through catalog.services), then warehouses and locations (`ModelViewSet`s).

Who may do what (groups in accounts.roles):
- the viewsets follow Wagtail's model permissions (`view_`, `add_`, `change_`, `delete_`);
- every stock movement (receipt, adjustment, write-off) needs `catalog.add_stockmove`
  (`MOVE_STOCK`), the stock pages and expiry warnings `catalog.view_lot` (`VIEW_STOCK`).

Rows that are still used elsewhere (a product with lots, a category with products) are
protected by the database; the delete views turn that refusal into a message.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    ProtectedError,
    Q,
    RestrictedError,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.forms.formsets import BaseFormSetMixin
from wagtail.admin.menu import MenuItem as SidebarMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import (
    BooleanColumn,
    ButtonsColumnMixin,
    Column,
    DateColumn,
    NumberColumn,
    StatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import AdminDateInput, BooleanRadioSelect
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.admin.widgets.chooser import BaseChooser

from accounts.models import CURRENCY_CHOICES, Company, PriceTier

from .import_admin import can_export_price_lists, can_import
from .imports import PRICES, RECEIPTS, neutralise
from .models import (
    Assortment,
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    Product,
    StockLevel,
    StockMove,
    TemperatureZone,
    Warehouse,
)
from .services import Receipt, StockError, adjust_stock, receive_stock, write_off_stock
from .stock import lots_expiring

MOVE_STOCK = "catalog.add_stockmove"
VIEW_STOCK = "catalog.view_lot"

# Sub-items of the Stock menu come from this hook (the stock admin views register theirs).
STOCK_MENU_HOOK = "register_stock_menu_item"

# A price list with more entries than this is not edited inline (each entry is a form row with a
# product chooser); it shows a paginated table and sends people to the import screen
# (catalog.import_admin) instead.
INLINE_PRICE_LIMIT = 200

RECENT_MOVES = 50
PER_PAGE = 50


# --- Shared pieces ------------------------------------------------------------------------


class CsvForExcelMixin:
    """CSV exports that Excel opens safely: text a spreadsheet would run as a formula is
    neutralised (Wagtail already writes XLSX cells as text), and a byte order mark makes Excel
    read the UTF-8, so Chinese names survive."""

    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        str: {SpreadsheetExportMixin.FORMAT_CSV: neutralise},
    }

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)


class ListingTitleColumn(ButtonsColumnMixin, TitleColumn):
    """A listing's first column: a link, with the row's action buttons."""

    def __init__(self, name, *, get_buttons, **kwargs):
        super().__init__(name, **kwargs)
        self._get_buttons = get_buttons

    def get_buttons(self, instance, parent_context):
        return self._get_buttons(instance)


class ProtectedDeleteView(generic.DeleteView):
    """Deleting a row that other rows still need is refused with a message, not a 500."""

    protected_message = _("%(object)s is still in use and cannot be deleted.")

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            messages.error(self.request, self.protected_message % {"object": self.object})
            return redirect(reverse(self.index_url_name))


def _indented(category: Category) -> str:
    return "— " * (category.depth - 1) + category.name


class CategoryTreeChoiceField(forms.ModelChoiceField):
    """Categories in tree order, indented by depth."""

    def label_from_instance(self, obj):
        return _indented(obj)


class CategoryTreeFilter(django_filters.ModelChoiceFilter):
    """A category and everything below it."""

    field_class = CategoryTreeChoiceField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__path__startswith": value.path})


def _can_view_stock(user) -> bool:
    return user.has_perm(VIEW_STOCK)


def product_stock_url(product_id: int) -> str:
    return reverse("catalog_stock:product", args=[product_id])


def _product_search(query: str) -> Q:
    # `search_text` holds SKU, both names and the names' pinyin, lower-cased.
    return Q(sku__icontains=query) | Q(search_text__icontains=query.lower())


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
            objects = objects.filter(_product_search(query))
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
            field.label_from_instance = _indented

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
            FieldPanel("description"),
            FieldPanel("image"),
            FieldPanel("active"),
        ],
        heading=_("Product"),
    ),
    MultiFieldPanel(
        [
            FieldRowPanel([FieldPanel("sales_unit"), FieldPanel("units_per_case"), FieldPanel("unit_description")]),
            FieldRowPanel([FieldPanel("min_order_quantity"), FieldPanel("order_multiple")]),
            FieldPanel("allow_backorder"),
            FieldPanel("tax_rate"),
        ],
        heading=_("Selling"),
        help_text=_("Quantities are counted in sales units: a minimum of 2 and a multiple of 2 means 2, 4, 6 cases…"),
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
        if _can_view_stock(self.request.user):
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
            "min_order_quantity": item.min_order_quantity,
            "order_multiple": item.order_multiple,
            "shelf_life_days": item.shelf_life_days,
            "lot_tracked": item.lot_tracked,
            "allow_backorder": item.allow_backorder,
            "tax_rate": item.tax_rate,
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
        if _can_view_stock(self.request.user):
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
        "sales_unit",
        "units_per_case",
        "unit_description",
        "min_order_quantity",
        "order_multiple",
        "temperature_zone",
        "shelf_life_days",
        "lot_tracked",
        "allow_backorder",
        "tax_rate",
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
        "min_order_quantity",
        "order_multiple",
        "shelf_life_days",
        "lot_tracked",
        "allow_backorder",
        "tax_rate",
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
        "min_order_quantity": _("Minimum order quantity"),
        "order_multiple": _("Order multiple"),
        "shelf_life_days": _("Shelf life (days)"),
        "lot_tracked": _("Lot-tracked"),
        "allow_backorder": _("Backorders allowed"),
        "tax_rate": _("Tax rate (%)"),
        "active": _("Active"),
    }
    export_filename = "products"


# --- Categories: a tree ------------------------------------------------------------------


class CategoryForm(WagtailAdminModelForm):
    """The category form, with the place in the tree.

    Category is a treebeard node: a new one is created with `add_root` / `add_child`, and a
    change of parent is a `move`, never a plain save of path fields.
    """

    parent = CategoryTreeChoiceField(
        queryset=Category.objects.none(),
        required=False,
        label=_("Parent category"),
        empty_label=_("None: a top-level category"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = Category.objects.order_by("path")
        self.current_parent = None
        if self.instance.pk:
            # A category cannot move below itself or one of its own subcategories.
            candidates = candidates.exclude(path__startswith=self.instance.path)
            self.current_parent = self.instance.get_parent()
            self.initial["parent"] = self.current_parent.pk if self.current_parent else None
        self.fields["parent"].queryset = candidates

    def save(self, commit=True):
        parent = self.cleaned_data.get("parent")
        category = self.instance
        if category.pk is None:
            if parent is None:
                return Category.add_root(instance=category)
            return parent.add_child(instance=category)
        category = super().save(commit=commit)
        if (parent and parent.pk) != (self.current_parent and self.current_parent.pk):
            if parent is None:
                category.move(Category.get_first_root_node(), "sorted-sibling")
            else:
                category.move(parent, "sorted-child")
            category = Category.objects.get(pk=category.pk)
        return category


category_panels = [
    FieldPanel("parent"),
    FieldRowPanel([FieldPanel("name_en"), FieldPanel("name_zh")]),
    FieldPanel("slug"),
    MultiFieldPanel(
        [FieldPanel("restricted"), FieldPanel("licence_kind")],
        heading=_("Restriction"),
    ),
    FieldPanel("expiry_warning_days"),
]


class CategoryTitleColumn(ListingTitleColumn):
    cell_template_name = "catalog/admin/category_title_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["depth"] = instance.depth - 1
        return context


class CategoryFilterSet(WagtailFilterSet):
    restricted = django_filters.BooleanFilter(label=_("Restricted"), widget=BooleanRadioSelect)

    class Meta:
        model = Category
        fields = ["restricted"]


class CategoryIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = _("Categories")

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(product_count=Count("products"))

    def order_queryset(self, queryset):
        # Tree order, always: a child sits under its parent.
        return queryset.order_by("path")

    @cached_property
    def columns(self):
        return [
            CategoryTitleColumn(
                "name",
                label=_("Category"),
                get_url=lambda category: self.get_edit_url(category) or self.get_inspect_url(category),
                get_buttons=self.get_list_buttons,
            ),
            Column("name_zh", label=_("Name (Chinese)")),
            Column("slug", label=_("Slug")),
            Column("product_count", label=_("Products")),
            Column(
                "restricted",
                label=_("Restriction"),
                accessor=lambda category: _restriction(category),
            ),
            Column("expiry_warning_days", label=_("Expiry warning (days ahead)")),
        ]

    @cached_property
    def _slug_by_path(self):
        return dict(Category.objects.values_list("path", "slug"))

    def to_row_dict(self, item):
        parent_path = item.path[: -Category.steplen]
        return {
            "name_en": item.name_en,
            "name_zh": item.name_zh,
            "slug": item.slug,
            "parent": self._slug_by_path.get(parent_path, ""),
            "restricted": item.restricted,
            "licence_kind": item.licence_kind,
            "expiry_warning_days": item.expiry_warning_days,
        }


def _restriction(category: Category) -> str:
    if not category.restricted:
        return ""
    return category.licence_kind or str(_("Any valid licence"))


class CategoryDeleteView(ProtectedDeleteView):
    protected_message = _("%(object)s still has products; move them to another category first.")

    def form_valid(self, form):
        if self.object.get_children_count():
            messages.error(
                self.request,
                _("%(object)s has subcategories; move or delete them first.") % {"object": self.object},
            )
            return redirect(reverse(self.index_url_name))
        return super().form_valid(form)


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    menu_name = "categories"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = CategoryIndexView
    delete_view_class = CategoryDeleteView
    edit_handler = ObjectList(category_panels, base_form_class=CategoryForm)
    list_per_page = 100
    search_fields = ["name_en", "name_zh", "slug"]
    search_backend_name = None
    filterset_class = CategoryFilterSet
    inspect_view_fields = ["name_en", "name_zh", "slug", "restricted", "licence_kind", "expiry_warning_days"]
    list_export = ["name_en", "name_zh", "slug", "parent", "restricted", "licence_kind", "expiry_warning_days"]
    export_headings = {
        "name_en": _("Name (English)"),
        "name_zh": _("Name (Chinese)"),
        "slug": _("Slug"),
        "parent": _("Parent category (slug)"),
        "restricted": _("Restricted"),
        "licence_kind": _("Licence required"),
        "expiry_warning_days": _("Expiry warning (days ahead)"),
    }
    export_filename = "categories"


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
            self.fields["companies"].queryset = Company.objects.order_by("display_name")


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


def _count_of(through, owner_field: str):
    """Count related rows with a subquery: two counts over joins would multiply each other."""
    return Coalesce(
        Subquery(
            through.objects.filter(**{owner_field: OuterRef("pk")})
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
        return (
            super()
            .get_base_queryset()
            .annotate(
                product_count=_count_of(Assortment.products.through, "assortment"),
                company_count=_count_of(Assortment.companies.through, "assortment"),
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


class AssortmentViewSet(ModelViewSet):
    model = Assortment
    icon = "list-ul"
    menu_label = _("Assortments")
    menu_name = "assortments"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = AssortmentIndexView
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


# --- Price lists ----------------------------------------------------------------------------


class PriceListForm(WagtailAdminModelForm):
    """The price list form.

    The database insists that a contract list has a company, a tier list a price tier and the
    default list neither (`price_list_owner_matches_kind`); this form says so field by field
    before the database has to.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
            FieldPanel("name"),
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
                Q(product__sku__icontains=query) | Q(product__search_text__icontains=query.lower())
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
            super().get_base_queryset().select_related("company", "price_tier").annotate(entry_count=Count("entries"))
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


class PriceListEditView(IntegrityErrorAsFormErrorMixin, PriceListEntriesMixin, generic.EditView):
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


class PriceListInspectView(PriceListEntriesMixin, generic.InspectView):
    template_name = "catalog/admin/price_list_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(PriceList.objects.select_related("company", "price_tier"), pk=self.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.get_entries_context(self.object))
        return context


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
    edit_template_name = "catalog/admin/price_list_edit.html"

    edit_handler = price_list_edit_handler
    ordering = ["kind", "priority", "name"]
    list_per_page = PER_PAGE
    search_fields = ["name", "company__display_name", "price_tier__name"]
    search_backend_name = None
    filterset_class = PriceListFilterSet
    inspect_view_fields = [
        "name",
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


# --- Menus ------------------------------------------------------------------------------------

product_viewset = ProductViewSet("products")
category_viewset = CategoryViewSet("categories")
assortment_viewset = AssortmentViewSet("assortments")
price_list_viewset = PriceListViewSet("price-lists")
warehouse_viewset = WarehouseViewSet("warehouses")
location_viewset = LocationViewSet("locations")


class CatalogMenu(ModelViewSetGroup):
    menu_label = _("Catalog")
    menu_name = "catalog"
    menu_icon = "tag"
    menu_order = 200
    items = (product_viewset, category_viewset, assortment_viewset, price_list_viewset)


class StockMenu(ModelViewSetGroup):
    """The stock admin views (from `STOCK_MENU_HOOK`), then warehouses and locations."""

    menu_label = _("Stock")
    menu_name = "stock"
    menu_icon = "clipboard-list"
    menu_order = 210
    submenu_hook = STOCK_MENU_HOOK
    items = (warehouse_viewset, location_viewset)


catalog_menu = CatalogMenu()
stock_menu = StockMenu()


class PermissionMenuItem(SidebarMenuItem):
    """A sidebar item shown only to holders of one permission."""

    def __init__(self, label, url, *, permission, **kwargs):
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


# --- Stock admin views: permission and layout ----------------------------------------------


def form_error_summary(form, line: int | None = None) -> list[tuple[str, str]]:
    """(field id, message) for each error of a form, as the error summary lists them."""
    summary = []
    for name, errors in form.errors.items():
        field = form[name] if name in form.fields else None
        for error in errors:
            if field is not None:
                target, message = field.id_for_label, f"{field.label}: {error}"
            else:
                target, message = (f"line-{line}" if line else ""), str(error)
            if line is not None:
                message = _("Line %(line)s, %(error)s") % {"line": line, "error": message}
            summary.append((target, message))
    return summary


class StockViewMixin(WagtailAdminTemplateMixin):
    """Admin chrome and one permission for the stock screens."""

    permission = VIEW_STOCK
    header_icon = "clipboard-list"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


def _locations_by_id() -> dict[int, Location]:
    return {location.pk: location for location in Location.objects.select_related("warehouse")}


def _location_choices(locations) -> list:
    """Locations grouped by warehouse, with their temperature zone."""
    groups: dict[str, list] = {}
    for location in locations:
        groups.setdefault(location.warehouse.name, []).append(
            (location.pk, f"{location.code} · {location.get_zone_display()}")
        )
    return [("", "---------")] + [(warehouse, choices) for warehouse, choices in groups.items()]


class LocationField(forms.TypedChoiceField):
    """A location picked from choices built once per page (not one query per form row)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, label=_("Location"), **kwargs)

    def bind_locations(self, locations: dict[int, Location]):
        self.locations = locations
        self.choices = _location_choices(locations.values())

    def clean(self, value):
        location_id = super().clean(value)
        return self.locations[location_id] if location_id not in (None, "") else None


# --- Receive stock --------------------------------------------------------------------------


class ReceiptHeaderForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The supplier's delivery note or our purchase order number."),
    )


class ReceiptLineForm(forms.Form):
    sku = forms.CharField(label=_("Product SKU"), max_length=40)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=AdminDateInput)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=AdminDateInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    location = LocationField()

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].bind_locations(locations)
        self.product = None

    def clean(self):
        cleaned_data = super().clean()
        produced, expires = cleaned_data.get("production_date"), cleaned_data.get("expiry_date")
        today = timezone.localdate()
        if produced and produced > today:
            self.add_error("production_date", _("The production date is in the future."))
        if produced and expires and expires <= produced:
            self.add_error("expiry_date", _("The expiry date must be after the production date."))
        elif expires and expires < today:
            self.add_error("expiry_date", _("This lot has already expired; do not book it into stock."))
        return cleaned_data


class BaseReceiptLineFormSet(BaseFormSetMixin, forms.BaseFormSet):
    """The lines of one receipt; blank lines are ignored."""

    def __init__(self, *args, **kwargs):
        self.locations = _locations_by_id()
        kwargs.setdefault("form_kwargs", {})["locations"] = self.locations
        super().__init__(*args, **kwargs)

    def initial_form_count(self):
        # A line prefilled with a SKU (from a product's stock page) is still an extra line: it
        # may be left blank like the others.
        return super().initial_form_count() if self.is_bound else 0

    def clean(self):
        super().clean()
        lines = [form for form in self.forms if form.has_changed()]
        if not lines:
            raise ValidationError(_("Enter at least one line."))
        # One query for every SKU of the receipt.
        skus = {form.cleaned_data["sku"] for form in lines if form.cleaned_data.get("sku")}
        products = {product.sku: product for product in Product.objects.filter(sku__in=skus)}
        for form in lines:
            sku = form.cleaned_data.get("sku")
            if not sku:
                continue
            form.product = products.get(sku)
            if form.product is None:
                form.add_error("sku", _("No product has the SKU %(sku)s.") % {"sku": sku})

    def receipt_lines(self) -> list[tuple[int, Receipt]]:
        """(line number as shown, receipt) for every filled-in line."""
        return [
            (
                number,
                Receipt(
                    product=form.product,
                    lot_number=form.cleaned_data["lot_number"],
                    expiry_date=form.cleaned_data["expiry_date"],
                    production_date=form.cleaned_data["production_date"],
                    quantity=form.cleaned_data["quantity"],
                    location=form.cleaned_data["location"],
                ),
            )
            for number, form in enumerate(self.forms, start=1)
            if form.has_changed()
        ]


ReceiptLineFormSet = forms.formset_factory(ReceiptLineForm, formset=BaseReceiptLineFormSet, extra=3)


class _Rollback(Exception):
    pass


def _first_failing_line(lines: list[tuple[int, Receipt]], *, user, reference: str) -> tuple[int, str] | None:
    """Which line made `receive_stock` refuse the receipt, and why.

    The service answers for the receipt as a whole. To name the line, the lines are booked
    again one by one, in order (a line may fail only because of an earlier one, such as the
    same lot with another expiry date), inside a transaction that is always rolled back.
    """
    failing = None
    try:
        with transaction.atomic():
            for number, receipt in lines:
                try:
                    receive_stock(receipts=[receipt], user=user, reference=reference)
                except StockError as error:
                    failing = (number, str(error))
                    break
            raise _Rollback
    except _Rollback:
        pass
    return failing


class ReceiveStockView(StockViewMixin, TemplateView):
    """Goods in: several lines, booked all together or not at all."""

    permission = MOVE_STOCK
    page_title = _("Receive stock")
    template_name = "catalog/admin/stock_receipt.html"
    prefix = "lines"

    def get(self, request, *args, **kwargs):
        initial = [{"sku": request.GET["sku"]}] if request.GET.get("sku") else None
        lines = ReceiptLineFormSet(prefix=self.prefix, initial=initial)
        return self.render_to_response(self.get_context_data(header=ReceiptHeaderForm(), lines=lines))

    def post(self, request, *args, **kwargs):
        header = ReceiptHeaderForm(request.POST)
        lines = ReceiptLineFormSet(request.POST, prefix=self.prefix)
        if not (header.is_valid() and lines.is_valid()):
            return self.render_to_response(self.get_context_data(header=header, lines=lines))

        receipt_lines = lines.receipt_lines()
        reference = header.cleaned_data["reference"]
        try:
            moves = receive_stock(
                receipts=[receipt for _number, receipt in receipt_lines], user=request.user, reference=reference
            )
        except StockError as error:
            failing = _first_failing_line(receipt_lines, user=request.user, reference=reference)
            if failing is None:
                lines.non_form_errors().append(_("Nothing was received: %(error)s") % {"error": error})
            else:
                number, message = failing
                lines.non_form_errors().append(_("Nothing was received."))
                lines.forms[number - 1].add_error(None, message)
            return self.render_to_response(self.get_context_data(header=header, lines=lines))

        messages.success(
            request,
            ngettext(
                "Received %(count)s line into stock.",
                "Received %(count)s lines into stock.",
                len(moves),
            )
            % {"count": len(moves)},
            buttons=[
                messages.button(product_stock_url(product_id), sku)
                for product_id, sku in dict.fromkeys((move.lot.product_id, move.lot.product.sku) for move in moves)
            ],
        )
        return redirect(reverse("catalog_stock:receive"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = context["lines"]
        context["media"] = lines.media + context["header"].media
        header = context["header"]
        summary = form_error_summary(header) if header.is_bound else []
        if lines.is_bound:
            summary += [("", str(error)) for error in lines.non_form_errors()]
            for number, form in enumerate(lines.forms, start=1):
                summary += form_error_summary(form, line=number)
        context["error_summary"] = summary
        if can_import(self.request.user, RECEIPTS):
            context["upload_url"] = reverse("catalog_import:upload", args=[RECEIPTS.slug])
        context["submit_button_label"] = _("Receive")
        context["submit_button_active_label"] = _("Receiving…")
        context["action_url"] = reverse("catalog_stock:receive")
        return context


# --- Adjust and write off ---------------------------------------------------------------------


def _reason_field(message):
    return forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": message},
        help_text=_("Kept in the stock ledger."),
    )


class LotAtLocationForm(forms.Form):
    """One lot (by SKU and lot number, as printed on the carton) at one location."""

    sku = forms.CharField(label=_("Product SKU"), max_length=40)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60)
    location = LocationField()

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].bind_locations(locations)
        self.lot = None

    def clean(self):
        cleaned_data = super().clean()
        sku, number = cleaned_data.get("sku"), cleaned_data.get("lot_number")
        if sku and number:
            self.lot = Lot.objects.select_related("product").filter(product__sku=sku, number=number).first()
            if self.lot is None:
                self.add_error("lot_number", _("%(sku)s has no lot %(lot)s.") % {"sku": sku, "lot": number})
        return cleaned_data


class AdjustStockForm(LotAtLocationForm):
    quantity = forms.IntegerField(
        label=_("Change in quantity"),
        help_text=_("Positive when more was counted than the books show, negative when less."),
    )
    reason = _reason_field(_("Give a reason for the adjustment."))

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise ValidationError(_("Enter the difference found: more or less than zero."))
        return quantity


class WriteOffStockForm(LotAtLocationForm):
    quantity = forms.IntegerField(label=_("Quantity to write off"), min_value=1)
    reason = _reason_field(_("Give a reason for the write-off."))


class StockMoveFormView(StockViewMixin, FormView):
    """One stock movement with a reason, for one lot at one location."""

    permission = MOVE_STOCK
    template_name = "catalog/admin/stock_move_form.html"
    url_name = ""
    intro = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["locations"] = _locations_by_id()
        return kwargs

    def get_initial(self):
        # Links from a product's stock page name the lot and the location.
        initial = {}
        lot_id, location_id = self.request.GET.get("lot"), self.request.GET.get("location")
        if lot_id and lot_id.isdigit():
            lot = Lot.objects.select_related("product").filter(pk=lot_id).first()
            if lot:
                initial.update(sku=lot.product.sku, lot_number=lot.number)
        if location_id and location_id.isdigit():
            initial["location"] = int(location_id)
        return initial

    service = None  # catalog.services.adjust_stock or write_off_stock

    def move(self, form) -> StockMove:
        return self.service(
            lot=form.lot,
            location=form.cleaned_data["location"],
            quantity=form.cleaned_data["quantity"],
            reason=form.cleaned_data["reason"],
            user=self.request.user,
        )

    def success_message(self, move: StockMove) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            move = self.move(form)
        except StockError as error:
            form.add_error("quantity", str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(move))
        return redirect(product_stock_url(form.lot.product_id))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["media"] = context["form"].media
        context["error_summary"] = form_error_summary(context["form"]) if context["form"].is_bound else []
        context["action_url"] = reverse(self.url_name)
        context["intro"] = self.intro
        context["submit_button_label"] = self.submit_button_label
        return context


class AdjustStockView(StockMoveFormView):
    page_title = _("Adjust stock")
    url_name = "catalog_stock:adjust"
    form_class = AdjustStockForm
    submit_button_label = _("Adjust")
    intro = _("Correct the books after a count. Damaged or expired goods are written off instead.")

    service = staticmethod(adjust_stock)

    def success_message(self, move):
        return _("Adjusted lot %(lot)s at %(location)s by %(quantity)+d.") % {
            "lot": move.lot.number,
            "location": move.location,
            "quantity": move.quantity,
        }


class WriteOffStockView(StockMoveFormView):
    page_title = _("Write off stock")
    url_name = "catalog_stock:write_off"
    form_class = WriteOffStockForm
    submit_button_label = _("Write off")
    intro = _("Take damaged or expired goods out of stock. Allocated stock must be released from its orders first.")

    service = staticmethod(write_off_stock)

    def success_message(self, move):
        return _("Wrote off %(quantity)s of lot %(lot)s at %(location)s.") % {
            "lot": move.lot.number,
            "location": move.location,
            "quantity": -move.quantity,
        }


# --- A product's stock ----------------------------------------------------------------------


def _expiry_status(lot: Lot, today) -> str:
    if lot.expiry_date < today:
        return "expired"
    if lot.expiry_date <= today + timedelta(days=lot.product.category.expiry_warning_days):
        return "expiring"
    return "ok"


class ProductStockView(StockViewMixin, TemplateView):
    """Lots of one product with their dates, quantities and places, and the latest moves.

    A fixed number of queries whatever the number of lots: the product, its lots, their levels
    (one prefetch) and the recent moves.
    """

    template_name = "catalog/admin/product_stock.html"
    page_title = _("Stock")

    def get_page_subtitle(self):
        return f"{self.product.sku} · {self.product.name}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("catalog_stock:products"), "label": _("Stock by product")},
            {"url": "", "label": self.get_page_subtitle()},
        ]

    def get_header_buttons(self):
        buttons = []
        user = self.request.user
        if user.has_perm(MOVE_STOCK):
            buttons.append(
                HeaderButton(
                    _("Receive"),
                    url=reverse("catalog_stock:receive") + f"?sku={self.product.sku}",
                    icon_name="plus",
                )
            )
        if user.has_perm("catalog.change_product"):
            buttons.append(
                HeaderButton(
                    _("Edit product"),
                    url=reverse(product_viewset.get_url_name("edit"), args=[self.product.pk]),
                    icon_name="edit",
                )
            )
        return buttons

    def get(self, request, *args, **kwargs):
        self.product = get_object_or_404(Product.objects.select_related("category"), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.product
        today = timezone.localdate()
        show_empty = self.request.GET.get("empty") == "1"
        lots = Lot.objects.filter(product=product).prefetch_related(
            Prefetch(
                "levels",
                queryset=StockLevel.objects.filter(quantity__gt=0)
                .select_related("location__warehouse")
                .order_by("location__warehouse__code", "location__code"),
                to_attr="stocked_levels",
            )
        )
        if not show_empty:
            lots = lots.filter(Q(on_hand__gt=0) | Q(allocated__gt=0))
        lots = list(lots.order_by("expiry_date", "number"))
        rows = []
        for lot in lots:
            lot.product = product  # the lot's product is this one: no query per lot
            rows.append({"lot": lot, "free": lot.on_hand - lot.allocated, "status": _expiry_status(lot, today)})
        moves = list(
            StockMove.objects.filter(lot__product=product)
            .select_related("lot", "location__warehouse", "user")
            .order_by("-created_at", "-pk")[:RECENT_MOVES]
        )
        context.update(
            product=product,
            rows=rows,
            moves=moves,
            show_empty=show_empty,
            totals={
                "on_hand": sum(lot.on_hand for lot in lots),
                "allocated": sum(lot.allocated for lot in lots),
                "free": sum(lot.on_hand - lot.allocated for lot in lots),
            },
            can_move_stock=self.request.user.has_perm(MOVE_STOCK),
            adjust_url=reverse("catalog_stock:adjust"),
            write_off_url=reverse("catalog_stock:write_off"),
            recent_moves=RECENT_MOVES,
        )
        return context


# --- Stock by product -----------------------------------------------------------------------


class StockByProductFilterSet(WagtailFilterSet):
    category = CategoryTreeFilter(label=_("Category"), queryset=Category.objects.order_by("path"))
    temperature_zone = django_filters.ChoiceFilter(
        label=_("Temperature zone"), choices=TemperatureZone.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    in_stock = django_filters.BooleanFilter(label=_("In stock"), method="filter_in_stock", widget=BooleanRadioSelect)

    class Meta:
        model = Product
        fields = ["category", "temperature_zone"]

    def filter_in_stock(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(on_hand__gt=0) if value else queryset.filter(on_hand=0)


class StockByProductView(StockViewMixin, CsvForExcelMixin, SpreadsheetExportMixin, BaseListingView):
    """Every product with its stock: on hand, allocated, free, lots and the next expiry."""

    page_title = _("Stock by product")
    index_url_name = "catalog_stock:products"
    index_results_url_name = "catalog_stock:products_results"
    paginate_by = PER_PAGE
    is_searchable = True
    search_fields = ["sku", "search_text"]
    search_backend_name = None
    filterset_class = StockByProductFilterSet
    default_ordering = "sku"
    verbose_name_plural = _("products")
    list_export = [
        "sku",
        "name_en",
        "name_zh",
        "temperature_zone",
        "on_hand",
        "allocated",
        "free",
        "lots",
        "next_expiry",
    ]
    export_headings = {
        "sku": _("SKU"),
        "name_en": _("Name (English)"),
        "name_zh": _("Name (Chinese)"),
        "temperature_zone": _("Temperature zone"),
        "on_hand": _("On hand"),
        "allocated": _("Allocated"),
        "free": _("Free"),
        "lots": _("Lots in stock"),
        "next_expiry": _("Next expiry"),
    }
    export_filename = "stock-by-product"

    def get_base_queryset(self):
        stocked = Q(lots__on_hand__gt=0)
        return Product.objects.annotate(
            on_hand=Coalesce(Sum("lots__on_hand"), 0),
            allocated=Coalesce(Sum("lots__allocated"), 0),
            lot_count=Count("lots", filter=stocked),
            next_expiry=Min("lots__expiry_date", filter=stocked),
        )

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(_product_search(self.search_query))

    @cached_property
    def columns(self):
        return [
            TitleColumn("sku", label=_("SKU"), sort_key="sku", get_url=lambda product: product_stock_url(product.pk)),
            Column("name", label=_("Name")),
            Column("temperature_zone", label=_("Temperature zone"), accessor="get_temperature_zone_display"),
            NumberColumn("on_hand", label=_("On hand"), sort_key="on_hand"),
            NumberColumn("allocated", label=_("Allocated"), sort_key="allocated"),
            NumberColumn("free", label=_("Free"), accessor=lambda product: product.on_hand - product.allocated),
            Column("lot_count", label=_("Lots in stock")),
            DateColumn("next_expiry", label=_("Next expiry"), sort_key="next_expiry"),
        ]

    def to_row_dict(self, item):
        return {
            "sku": item.sku,
            "name_en": item.name_en,
            "name_zh": item.name_zh,
            "temperature_zone": item.get_temperature_zone_display(),
            "on_hand": item.on_hand,
            "allocated": item.allocated,
            "free": item.on_hand - item.allocated,
            "lots": item.lot_count,
            "next_expiry": item.next_expiry,
        }

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            return self.as_spreadsheet(context["object_list"], self.request.GET.get("export"))
        return super().render_to_response(context, **response_kwargs)


# --- Expiry warnings ------------------------------------------------------------------------


class ExpiryWarningsView(StockViewMixin, CsvForExcelMixin, SpreadsheetExportMixin, BaseListingView):
    """Lots with stock that expire within their category's warning window, soonest first;
    expired ones are flagged (they are no longer sellable and wait for a write-off)."""

    page_title = _("Expiry warnings")
    header_icon = "warning"
    index_url_name = "catalog_stock:expiring"
    paginate_by = PER_PAGE
    verbose_name_plural = _("lots near expiry")
    list_export = ["sku", "product", "lot", "expiry_date", "days_left", "status", "on_hand", "allocated", "locations"]
    export_headings = {
        "sku": _("SKU"),
        "product": _("Product"),
        "lot": _("Lot number"),
        "expiry_date": _("Expiry date"),
        "days_left": _("Days left"),
        "status": _("Status"),
        "on_hand": _("On hand"),
        "allocated": _("Allocated"),
        "locations": _("Where"),
    }
    export_filename = "expiry-warnings"

    @cached_property
    def no_results_message(self):
        return _("No lot in stock is near its expiry date.")

    def get_queryset(self):
        today = timezone.localdate()
        lots = lots_expiring(today=today)
        levels = Prefetch(
            "levels",
            queryset=StockLevel.objects.filter(quantity__gt=0)
            .select_related("location__warehouse")
            .order_by("location__warehouse__code", "location__code"),
            to_attr="stocked_levels",
        )
        prefetch_related_objects(lots, levels)
        rows = []
        for lot in lots:
            days_left = (lot.expiry_date - today).days
            expired = days_left < 0
            rows.append(
                {
                    "lot": lot,
                    "status": "expired" if expired else "expiring",
                    "status_label": _("Expired") if expired else _("Expiring"),
                    "days_left": days_left,
                    "locations": ", ".join(f"{level.location}: {level.quantity}" for level in lot.stocked_levels),
                }
            )
        return rows

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "sku",
                label=_("SKU"),
                accessor=lambda row: row["lot"].product.sku,
                get_url=lambda row: product_stock_url(row["lot"].product_id),
            ),
            Column("product", label=_("Product"), accessor=lambda row: row["lot"].product.name),
            Column("lot", label=_("Lot number"), accessor=lambda row: row["lot"].number),
            Column("expiry_date", label=_("Expiry date"), accessor=lambda row: row["lot"].expiry_date),
            Column("days_left", label=_("Days left"), accessor="days_left"),
            StatusTagColumn(
                "status", label=_("Status"), accessor="status_label", primary=lambda row: row["status"] == "expired"
            ),
            Column("on_hand", label=_("On hand"), accessor=lambda row: row["lot"].on_hand),
            Column("allocated", label=_("Allocated"), accessor=lambda row: row["lot"].allocated),
            Column("locations", label=_("Where"), accessor="locations"),
        ]

    def to_row_dict(self, item):
        lot = item["lot"]
        return {
            "sku": lot.product.sku,
            "product": lot.product.name_en,
            "lot": lot.number,
            "expiry_date": lot.expiry_date,
            "days_left": item["days_left"],
            "status": str(item["status_label"]),
            "on_hand": lot.on_hand,
            "allocated": lot.allocated,
            "locations": item["locations"],
        }

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            return self.as_spreadsheet(context["object_list"], self.request.GET.get("export"))
        return super().render_to_response(context, **response_kwargs)


stock_urlpatterns = [
    path("receive/", ReceiveStockView.as_view(), name="receive"),
    path("adjust/", AdjustStockView.as_view(), name="adjust"),
    path("write-off/", WriteOffStockView.as_view(), name="write_off"),
    path("expiring/", ExpiryWarningsView.as_view(), name="expiring"),
    path("products/", StockByProductView.as_view(), name="products"),
    path("products/results/", StockByProductView.as_view(results_only=True), name="products_results"),
    path("products/<int:pk>/", ProductStockView.as_view(), name="product"),
]
