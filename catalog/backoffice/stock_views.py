"""Stock screens that read: one product's stock, stock by product, expiry warnings, and the
stock URLs."""

import django_filters
from django import forms
from django.db.models import (
    Count,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import (
    Column,
    NumberColumn,
    StatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import HeaderButton

from kit.backoffice import (
    CsvForExcelMixin,
    LongSelect,
)

from ..models import (
    Category,
    Lot,
    Product,
    StockLevel,
    StockMove,
    TemperatureZone,
)
from ..stock import expiry_status, lots_expiring
from .common import (
    LOT_LINKS_HOOK,
    MOVE_STOCK,
    PER_PAGE,
    RECENT_MOVES,
    CategoryTreeFilter,
    StockViewMixin,
    product_search,
    product_stock_url,
)
from .menus import product_viewset
from .stock_moves import AdjustStockView, ReceiveStockView, WriteOffStockView

# --- A product's stock ----------------------------------------------------------------------


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
        lots = _lots_with_places(product, show_empty=show_empty)
        rows = []
        link_hooks = hooks.get_hooks(LOT_LINKS_HOOK)
        for lot in lots:
            lot.product = product  # the lot's product is this one: no query per lot
            links = [link for hook in link_hooks if (link := hook(self.request, lot))]
            rows.append(
                {"lot": lot, "free": lot.on_hand - lot.allocated, "status": expiry_status(lot, today), "links": links}
            )
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


def _lots_with_places(product, *, show_empty: bool) -> list[Lot]:
    """The product's lots, first expiry first, each with the locations holding it (one prefetch);
    empty lots only when asked for."""
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
    return list(lots.order_by("expiry_date", "number"))


# --- Stock by product -----------------------------------------------------------------------


def _next_expiry_text(product) -> str:
    """The product's first expiry date with the days left ("12/07/2026 · 30 days left").

    Wagtail's DateColumn shows a time since, which reads "Just now" for any date in the future.
    """
    if product.next_expiry is None:
        return "—"
    days = (product.next_expiry - timezone.localdate()).days
    if days < 0:
        left = ngettext("expired %(days)s day ago", "expired %(days)s days ago", -days) % {"days": -days}
    else:
        left = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
    return f"{date_format(product.next_expiry, 'SHORT_DATE_FORMAT')} · {left}"


class StockByProductFilterSet(WagtailFilterSet):
    # 156 categories at large scale: drawn in Python, not a template per option.
    category = CategoryTreeFilter(label=_("Category"), queryset=Category.objects.order_by("path"), widget=LongSelect)
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
        # One correlated subquery per figure rather than a join grouped by product: a page of
        # 50 products (by SKU) reads only its own products' lots, and the paginator's count
        # drops the unused annotations and counts products alone. A join with GROUP BY would
        # sum every lot of every product for each page and for the count.
        def of_lots(aggregate, stocked=False):
            lots = Lot.objects.filter(product=OuterRef("pk"))
            if stocked:
                lots = lots.filter(on_hand__gt=0)
            return Subquery(lots.values("product").annotate(value=aggregate).values("value")[:1])

        return Product.objects.annotate(
            on_hand=Coalesce(of_lots(Sum("on_hand")), 0),
            allocated=Coalesce(of_lots(Sum("allocated")), 0),
            lot_count=Coalesce(of_lots(Count("pk"), stocked=True), 0),
            next_expiry=of_lots(Min("expiry_date"), stocked=True),
        )

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(product_search(self.search_query))

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
            Column("next_expiry", label=_("Next expiry"), sort_key="next_expiry", accessor=_next_expiry_text),
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
