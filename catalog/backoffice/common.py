"""What the catalog's back-office screens share: permissions, the lookup of objects a staff user
may see, the category tree field, the stock screens' base view and location field."""

import django_filters
from django import forms
from django.contrib.admin.utils import unquote
from django.db.models import (
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kit.backoffice import PermissionTemplateMixin

from ..models import (
    Category,
    Location,
)
from ..search import search_filter

MOVE_STOCK = "catalog.add_stockmove"
VIEW_STOCK = "catalog.view_lot"

# Sub-items of the Stock menu come from this hook (the stock admin views register theirs).
STOCK_MENU_HOOK = "register_stock_menu_item"

# Links beside each lot on a product's stock page, from apps above catalog (fulfilment's lot
# trace): each hook is called with (request, lot) and answers (label, url) or None.
LOT_LINKS_HOOK = "register_lot_links"

# A price list with more entries than this is not edited inline (each entry is a form row with a
# product chooser); it shows a paginated table and sends people to the import screen
# (catalog.import_admin) instead.
INLINE_PRICE_LIMIT = 200

RECENT_MOVES = 50
PER_PAGE = 50


class StaffScopedObjectMixin:
    """For a viewset's views that take an object's id (edit, delete, inspect, history, usage): the
    object is looked up among those the user may see, so one outside their sight answers 404,
    exactly like an id that does not exist (a permission denial would confirm that it exists).

    Subclasses name the read in `objects_for_staff(self, user)`, e.g. `price_lists_for_staff`.
    """

    def objects_for_staff(self, user) -> QuerySet:
        raise NotImplementedError

    def get_object(self, queryset=None):
        # Replaces every lookup Wagtail's generic views make (Django's `get_queryset` for edit
        # and delete, `get_base_object_queryset` for history and usage, the model for inspect).
        pk = unquote(str(self.kwargs[getattr(self, "pk_url_kwarg", "pk")]))
        return get_object_or_404(self.objects_for_staff(self.request.user), pk=pk)


def indented_name(category: Category) -> str:
    return "— " * (category.depth - 1) + category.name


class CategoryTreeChoiceField(forms.ModelChoiceField):
    """Categories in tree order, indented by depth."""

    def label_from_instance(self, obj):
        return indented_name(obj)


class CategoryTreeFilter(django_filters.ModelChoiceFilter):
    """A category and everything below it."""

    field_class = CategoryTreeChoiceField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__path__startswith": value.path})


def can_view_stock(user) -> bool:
    return user.has_perm(VIEW_STOCK)


def product_stock_url(product_id: int) -> str:
    return reverse("catalog_stock:product", args=[product_id])


def product_search(query: str) -> Q:
    # `search_text` holds SKU (also without punctuation), both names and the names' pinyin,
    # lower-cased: the catalog's own search (catalog.search).
    return Q(sku__icontains=query.strip()) | search_filter(query)


# --- Stock admin views: permission and layout ----------------------------------------------


class StockViewMixin(PermissionTemplateMixin):
    """Admin chrome and one permission for the stock screens."""

    permission = VIEW_STOCK
    header_icon = "clipboard-list"


def locations_by_id() -> dict[int, Location]:
    return {location.pk: location for location in Location.objects.select_related("warehouse")}


def _location_choices(locations) -> list:
    """Locations grouped by warehouse, each named with its warehouse and temperature zone
    ("Shanghai cold store · F-01 · Frozen"): a closed select shows only the option, not its group."""
    groups: dict[str, list] = {}
    for location in locations:
        groups.setdefault(location.warehouse.name, []).append(
            (location.pk, f"{location.warehouse.name} · {location.code} · {location.get_zone_display()}")
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
