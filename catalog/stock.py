"""What a company can get: the one place availability is computed.

Sellable stock for a company excludes expired lots and lots whose remaining shelf life is below
the company's minimum (Company.min_shelf_life_percent of the product's shelf life). Available =
sellable on hand − allocated to open orders. Lot.on_hand and Lot.allocated are kept by
catalog.services (receipts, adjustments, write-offs) and ordering (allocations) under row locks.

`availability_for()` answers for a whole page of products in one query; the catalog's pages ask
for the cached answer, which needs no query while the products' lots have not changed.
"""

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import DateField, F, Func, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.caching import forget_now_and_on_commit
from accounts.models import Company

from .models import Category, Lot, Product
from .selectors import local_cache

# "Low" when fewer than this many minimum orders are left.
LOW_STOCK_MINIMUM_ORDERS = 3


@dataclass(frozen=True)
class Availability:
    available: int
    status: str  # in_stock / low / out
    earliest_expiry: date | None

    STATUS_LABELS = {"in_stock": _("In stock"), "low": _("Low stock"), "out": _("Out of stock")}

    @property
    def status_label(self):
        return self.STATUS_LABELS[self.status]


def earliest_sellable_expiry(*, shelf_life_days: int, min_shelf_life_percent: int, today: date) -> date:
    """The first expiry date a company accepts for a product: not expired, and with at least
    the company's share of the product's shelf life left."""
    days_required = math.ceil(shelf_life_days * min_shelf_life_percent / 100)
    return today + timedelta(days=max(days_required, 1))


def expiry_status(lot: Lot, today: date) -> str:
    """expired / expiring (within the category's warning days) / ok: what the back office shows."""
    if lot.expiry_date < today:
        return "expired"
    if lot.expiry_date <= today + timedelta(days=lot.product.category.expiry_warning_days):
        return "expiring"
    return "ok"


def _status(product: Product, available: int) -> str:
    if available <= 0 or available < product.min_order_quantity:
        return "out"
    if available < LOW_STOCK_MINIMUM_ORDERS * max(product.min_order_quantity, product.order_multiple):
        return "low"
    return "in_stock"


# Every catalog page shows the availability of a page of products, and it changes with every
# order. Each product's lots have a version in the shared cache, dropped by whoever changes them
# (forget_stock(): catalog.services for stock moves, catalog.allocation for allocations, a
# receiver for lots saved one by one); what a product has free from a given expiry date on is
# kept in this process's cache under that version. A missed forget_stock() would show old
# figures for at most STOCK_TIMEOUT seconds; orders always check the lots themselves, under locks.
STOCK_TIMEOUT = 60


def _stock_version_key(product_id: int) -> str:
    return f"catalog:stock-version:{product_id}"


def forget_stock(product_ids) -> None:
    """The lots of these products changed: their cached availability is out of date."""
    forget_now_and_on_commit([_stock_version_key(product_id) for product_id in set(product_ids)])


def _stock_versions(product_ids: list[int], found: dict) -> dict[int, str]:
    """The products' stock versions from `found` (a get_many of the shared cache that asked for
    their keys), starting a version for a product that has none."""
    keys = {product_id: _stock_version_key(product_id) for product_id in product_ids}
    missing = [key for key in keys.values() if key not in found]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, None)
        found = {**found, **cache.get_many(missing)}  # whoever added first won
    # A version dropped again between the add and the read (stock moving right now): this
    # answer is read from the lots and filed under a version nobody else will ask for.
    return {product_id: found.get(key) or uuid.uuid4().hex for product_id, key in keys.items()}


def _free_stock(first_expiry: dict[int, date]) -> dict[int, tuple[int, date | None]]:
    """Per product: units on hand and not allocated in lots expiring on or after its first
    acceptable expiry date, and the earliest such expiry. One query."""
    free: dict[int, int] = defaultdict(int)
    earliest: dict[int, date] = {}
    rows = Lot.objects.filter(
        product_id__in=first_expiry,
        expiry_date__gte=min(first_expiry.values()),
        on_hand__gt=F("allocated"),
        held_at__isnull=True,
    ).values_list("product_id", "expiry_date", "on_hand", "allocated")
    for product_id, expiry_date, on_hand, allocated in rows:
        if expiry_date < first_expiry[product_id]:
            continue
        free[product_id] += on_hand - allocated
        if product_id not in earliest or expiry_date < earliest[product_id]:
            earliest[product_id] = expiry_date
    return {product_id: (free[product_id], earliest.get(product_id)) for product_id in first_expiry}


def _cached_free_stock(first_expiry: dict[int, date]) -> dict[int, tuple[int, date | None]]:
    """_free_stock() for the products whose lots have not changed since it was read: from this
    process's cache, then the shared one, then the lots (and into both caches).

    One round trip to the shared cache asks for the products' versions and the free stock it
    holds for them together; the shared value carries the version it was read under."""
    shared_keys = {
        product_id: f"catalog:stock-free:{product_id}:{expiry.isoformat()}"
        for product_id, expiry in first_expiry.items()
    }
    found = cache.get_many([_stock_version_key(product_id) for product_id in first_expiry] + list(shared_keys.values()))
    versions = _stock_versions(list(first_expiry), found)
    local_keys = {
        product_id: f"catalog:stock:{product_id}:{versions[product_id]}:{expiry.isoformat()}"
        for product_id, expiry in first_expiry.items()
    }
    local = local_cache.get_many(list(local_keys.values()))
    result = {}
    for product_id, key in local_keys.items():
        if key in local:
            result[product_id] = local[key]
        elif (shared := found.get(shared_keys[product_id])) is not None and shared[0] == versions[product_id]:
            result[product_id] = shared[1]
            local_cache.set(key, shared[1], STOCK_TIMEOUT)
    missing = {product_id: expiry for product_id, expiry in first_expiry.items() if product_id not in result}
    if missing:
        loaded = _free_stock(missing)
        local_cache.set_many({local_keys[product_id]: value for product_id, value in loaded.items()}, STOCK_TIMEOUT)
        cache.set_many(
            {shared_keys[product_id]: (versions[product_id], value) for product_id, value in loaded.items()},
            STOCK_TIMEOUT,
        )
        result.update(loaded)
    return result


def availability_for(
    *, company: Company, products, today: date | None = None, cached: bool = False
) -> dict[int, Availability]:
    """Availability of each product for this company: one query for any number of products.

    `cached` (the catalog's pages) answers from the cache for products whose lots have not
    changed since; ordering's pages, which decide what a buyer places, read the lots.
    """
    today = today or timezone.localdate()
    products = list(products)
    if not products:
        return {}
    first_expiry = {
        product.pk: earliest_sellable_expiry(
            shelf_life_days=product.shelf_life_days,
            min_shelf_life_percent=company.min_shelf_life_percent,
            today=today,
        )
        for product in products
    }
    free = _cached_free_stock(first_expiry) if cached else _free_stock(first_expiry)
    return {
        product.pk: Availability(
            available=free[product.pk][0],
            status=_status(product, free[product.pk][0]),
            earliest_expiry=free[product.pk][1],
        )
        for product in products
    }


class _PlusDays(Func):
    """A date plus a whole number of days, in PostgreSQL and in SQLite (the demo's database)."""

    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || ", **extra
        )


def with_sellable_stock(products: QuerySet[Product], *, company: Company, today: date | None = None):
    """Only the products with enough sellable stock for the company to order their minimum:
    availability_for()'s rule (status other than "out") in SQL, so that a filtered list is
    counted and paged in the database instead of in Python.

    The first acceptable expiry date is today + max(1, ⌈shelf life × minimum share ÷ 100⌉) days,
    earliest_sellable_expiry() in integer arithmetic; tests/catalog/test_stock.py holds both to
    the same answers.
    """
    today = today or timezone.localdate()
    days_required = (F("shelf_life_days") * company.min_shelf_life_percent + 99) / 100
    free = (
        Lot.objects.filter(
            product=OuterRef("pk"),
            expiry_date__gte=OuterRef("first_sellable_expiry"),
            on_hand__gt=F("allocated"),
            held_at__isnull=True,
        )
        .order_by()
        .values("product")
        .annotate(free=Sum(F("on_hand") - F("allocated")))
        .values("free")
    )
    return products.annotate(
        first_sellable_expiry=_PlusDays(Value(today), Greatest(days_required, Value(1))),
        sellable=Coalesce(Subquery(free), Value(0)),
    ).filter(sellable__gte=F("min_order_quantity"))  # at least 1: a database constraint says so


def lots_expiring(*, today: date | None = None) -> QuerySet[Lot]:
    """Lots with stock that expire within their category's warning window, soonest first: the
    window in SQL (expiry ≤ today + the category's warning days), so a caller counts and pages
    the lots in the database instead of reading every near-expiry lot."""
    today = today or timezone.localdate()
    # No lot expiring after the longest window of any category can warn: that bound (one scalar
    # subquery, evaluated once) lets the index on lots in stock by expiry skip the rest.
    longest = Category.objects.order_by("-expiry_warning_days").values("expiry_warning_days")[:1]
    return (
        Lot.objects.filter(
            on_hand__gt=0,
            expiry_date__lte=_PlusDays(Value(today), Coalesce(Subquery(longest), Value(0))),
        )
        .filter(expiry_date__lte=_PlusDays(Value(today), F("product__category__expiry_warning_days")))
        .select_related("product", "product__category")
        .order_by("expiry_date", "pk")
    )


def low_stock_products(*, today: date | None = None) -> QuerySet[Product]:
    """Active products whose free stock (on hand − allocated in lots not yet expired, whatever a
    company's shelf-life minimum) is below LOW_STOCK_MINIMUM_ORDERS of their smallest order:
    _status()'s "low" (and "out") for the warehouse, in SQL so the back office counts and pages
    it in the database. The least stocked first."""
    today = today or timezone.localdate()
    free = (
        Lot.objects.filter(product=OuterRef("pk"), expiry_date__gte=today, held_at__isnull=True)
        .order_by()
        .values("product")
        .annotate(free=Sum(F("on_hand") - F("allocated")))
        .values("free")
    )
    threshold = Greatest(F("min_order_quantity"), F("order_multiple")) * LOW_STOCK_MINIMUM_ORDERS
    return (
        Product.objects.filter(active=True)
        .annotate(free_stock=Coalesce(Subquery(free), Value(0)), low_stock_below=threshold)
        .filter(free_stock__lt=F("low_stock_below"))
        .order_by("free_stock", "sku")
    )
