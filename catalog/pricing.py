"""What a company pays: the one place prices are resolved.

Rule (DOMAIN.md, Prices): the company's contract lists, then its tier's lists, then the default
lists, each group in its own priority order; only lists that are active, valid on the day and in
the company's currency. The first list with an entry for the product at or below the ordered
quantity wins, and within it the break with the largest minimum quantity not above the ordered
quantity. A contract list whose smallest break is 10 does not price an order of 5.

`price_book()` loads everything for one company and a whole page of products in one query
(the entries for those products of the lists that apply); every answer after that is computed
in memory, so a page costs the same whatever its size.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from kit.languages import in_active_language

from .models import PriceList, PriceListEntry
from .selectors import CATALOG_CACHE_TIMEOUT, catalog_version, local_cache

# Price.source (and OrderLine.price_source) of a price set by a short-dated offer, not a list.
OFFER_SOURCE = "offer"

_CENT = Decimal("0.01")  # PriceListEntry.unit_price has two decimal places
KIND_ORDER = {PriceList.Kind.CONTRACT: 0, PriceList.Kind.TIER: 1, PriceList.Kind.DEFAULT: 2}


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    currency: str
    source: str  # PriceList.Kind: contract / tier / default
    price_list_id: int
    min_quantity: int
    price_list_name: str = ""
    price_list_name_zh: str = ""
    # A short-dated offer's price (source OFFER_SOURCE): its lots, from which the line's stock
    # must come (catalog.short_dated, catalog.allocation.pick's `preferred_lots`).
    lot_ids: frozenset = frozenset()

    @property
    def source_label(self) -> str:
        return source_label(self.source)

    @property
    def list_label(self) -> str:
        """Which list set the price, as a buyer with two contracts needs it: "Contract · 2026 master
        agreement", in the reader's language ("合同价 · 2026年总协议")."""
        return price_list_label(self.source, in_active_language(self.price_list_name, self.price_list_name_zh))


def source_label(kind: str) -> str:
    """A price source's name: a list's kind (Contract, Tier, List), or a short-dated offer."""
    if kind == OFFER_SOURCE:
        return _("Short-dated offer")
    return PriceList.Kind(kind).label


def price_list_label(kind: str, name: str) -> str:
    label = source_label(kind)
    return f"{label} · {name}" if name else str(label)


@dataclass(frozen=True)
class QuantityBreak:
    min_quantity: int
    unit_price: Decimal
    currency: str


@dataclass(frozen=True)
class ApplicableList:  # the few fields of a list the resolution needs
    pk: int
    kind: str
    currency: str
    name: str = ""
    name_zh: str = ""


@dataclass
class PriceBook:
    """The price lists that apply to one company on one day, with their entries for some products."""

    currency: str
    lists: list[ApplicableList]
    # product id → list id → [(min_quantity, unit_price)] sorted by min_quantity
    entries: dict[int, dict[int, list[tuple[int, Decimal]]]] = field(default_factory=dict)

    def price(self, product_id: int, quantity: int) -> Price | None:
        """The unit price for `quantity` of the product, or None if no list prices it."""
        by_list = self.entries.get(product_id, {})
        for price_list in self.lists:
            best = None
            for min_quantity, unit_price in by_list.get(price_list.pk, ()):
                if min_quantity > quantity:
                    break
                best = (min_quantity, unit_price)
            if best is not None:
                return Price(
                    unit_price=best[1],
                    currency=price_list.currency,
                    source=price_list.kind,
                    price_list_id=price_list.pk,
                    min_quantity=best[0],
                    price_list_name=price_list.name,
                    price_list_name_zh=price_list.name_zh,
                )
        return None

    def breaks(self, product_id: int) -> list[QuantityBreak]:
        """Every quantity at which this company's unit price changes, with that price."""
        quantities = sorted({q for rows in self.entries.get(product_id, {}).values() for q, _price in rows})
        result: list[QuantityBreak] = []
        for quantity in quantities:
            price = self.price(product_id, quantity)
            if price is not None and (not result or result[-1].unit_price != price.unit_price):
                result.append(QuantityBreak(quantity, price.unit_price, price.currency))
        return result

    def next_break(self, product_id: int, quantity: int) -> QuantityBreak | None:
        """The smallest larger quantity that lowers the unit price ("from 20: ¥38.00")."""
        current = self.price(product_id, quantity)
        for quantity_break in self.breaks(product_id):
            if quantity_break.min_quantity > quantity and (
                current is None or quantity_break.unit_price < current.unit_price
            ):
                return quantity_break
        return None


def _applicable(company: Company, on: date) -> tuple[str, list]:
    """The lists that apply to the company on the day, as SQL conditions on the price list table
    (named `price_list`) and their parameters.

    SQL rather than QuerySet filters: placement prices every cart from the database, and the ORM
    took longer to build this query than PostgreSQL takes to plan and run it (2.7 ms against
    0.7 ms for ten products). Both reads below use these conditions; each is checked on
    PostgreSQL in the tests and on SQLite in `make run`'s demo.
    """
    owners = ["price_list.kind = %s", "(price_list.kind = %s AND price_list.company_id = %s)"]
    params: list = [PriceList.Kind.DEFAULT, PriceList.Kind.CONTRACT, company.pk]
    if company.price_tier_id is not None:
        owners.append("(price_list.kind = %s AND price_list.price_tier_id = %s)")
        params += [PriceList.Kind.TIER, company.price_tier_id]
    day = connection.ops.adapt_datefield_value(on)
    conditions = (
        f"({' OR '.join(owners)}) AND price_list.active AND price_list.currency = %s"
        " AND (price_list.valid_from IS NULL OR price_list.valid_from <= %s)"
        " AND (price_list.valid_until IS NULL OR price_list.valid_until >= %s)"
    )
    return conditions, [*params, company.currency, day, day]


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def applicable_price_lists(*, company: Company, on: date) -> list[ApplicableList]:
    """Every list that applies to the company on the day, in resolution order."""
    conditions, params = _applicable(company, on)
    table = connection.ops.quote_name(PriceList._meta.db_table)
    return _in_resolution_order(
        _rows(
            f"SELECT id, kind, currency, priority, name, name_zh FROM {table} AS price_list WHERE {conditions}", params
        )
    )


def _in_resolution_order(rows) -> list[ApplicableList]:
    """(pk, kind, currency, priority, name, name_zh) rows as lists: contract, tier, default, each by priority."""
    ordered = sorted(rows, key=lambda row: (KIND_ORDER[row[1]], row[3], row[0]))
    return [
        ApplicableList(pk, kind, currency, name, name_zh) for pk, kind, currency, _priority, name, name_zh in ordered
    ]


def price_book(*, company: Company, product_ids, on: date | None = None) -> PriceBook:
    """One query: the entries for `product_ids` of every list that applies to the company.

    The book's lists are those of the applicable lists that price at least one of the products,
    in resolution order: the others could not answer for them anyway. Prices are read as text
    and made Decimal here, exactly, on both databases (SQLite keeps 50.00 as 50).
    """
    on = on or timezone.localdate()
    product_ids = list(product_ids)
    if not product_ids:
        return PriceBook(currency=company.currency, lists=[])
    conditions, params = _applicable(company, on)
    entry_table, list_table = (connection.ops.quote_name(model._meta.db_table) for model in (PriceListEntry, PriceList))
    rows = _rows(
        "SELECT entry.product_id, entry.price_list_id, entry.min_quantity, CAST(entry.unit_price AS TEXT),"
        " price_list.kind, price_list.currency, price_list.priority, price_list.name,"
        " price_list.name_zh"
        f" FROM {entry_table} AS entry JOIN {list_table} AS price_list ON price_list.id = entry.price_list_id"
        f" WHERE {conditions} AND entry.product_id IN ({', '.join(['%s'] * len(product_ids))})"
        " ORDER BY entry.product_id, entry.price_list_id, entry.min_quantity",
        [*params, *product_ids],
    )
    # Each list that priced a product, as (id, kind, currency, priority, name, name_zh).
    lists = _in_resolution_order({row[1]: (row[1], *row[4:]) for row in rows}.values())
    entries = [
        (product_id, list_id, minimum, Decimal(price).quantize(_CENT))
        for product_id, list_id, minimum, price, *_ in rows
    ]
    return _book(company.currency, lists, entries)


def cached_price_book(*, company: Company, product_ids, on: date | None = None) -> PriceBook:
    """price_book() for pages that only show prices: from the cache when it holds this company's
    book for these products, kept under catalog_version(), which moves on whenever a price list
    or its entries change. Placing an order prices from the database (price_book).

    The book is kept in this process's cache and in the shared one (catalog.selectors says
    why). One not cached anywhere costs one query on the entries alone: the lists that apply to
    the company that day are cached in the process too."""
    on = on or timezone.localdate()
    product_ids = list(product_ids)
    parts = [catalog_version(), company.pk, company.price_tier_id, company.currency, on.isoformat(), product_ids]
    key = f"catalog:price-book:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"
    book = local_cache.get(key)
    if book is None:
        book = cache.get(key)
        if book is None:
            book = _book_of(_cached_applicable_lists(company, on), company.currency, product_ids)
            cache.set(key, book, CATALOG_CACHE_TIMEOUT)
        local_cache.set(key, book, CATALOG_CACHE_TIMEOUT)
    return book


def _cached_applicable_lists(company: Company, on: date) -> list[ApplicableList]:
    key = f"catalog:price-lists:{catalog_version()}:{company.pk}:{company.price_tier_id}:{company.currency}:{on}"
    lists = local_cache.get(key)
    if lists is None:
        lists = applicable_price_lists(company=company, on=on)
        local_cache.set(key, lists, CATALOG_CACHE_TIMEOUT)
    return lists


def _book_of(lists: list[ApplicableList], currency: str, product_ids: list[int]) -> PriceBook:
    """The book of these lists (in resolution order) for the products: one query on the entries."""
    if not lists or not product_ids:
        return PriceBook(currency=currency, lists=[])
    rows = (
        PriceListEntry.objects.filter(
            price_list_id__in=[price_list.pk for price_list in lists], product_id__in=product_ids
        )
        .order_by("product_id", "price_list_id", "min_quantity")
        .values_list("product_id", "price_list_id", "min_quantity", "unit_price")
    )
    return _book(currency, lists, rows)


def _book(currency: str, lists: list[ApplicableList], rows) -> PriceBook:
    """A book from (product id, list id, min quantity, unit price) rows in that order, keeping
    those of `lists` (in resolution order) that price at least one product."""
    entries: dict[int, dict[int, list[tuple[int, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for product_id, price_list_id, min_quantity, unit_price in rows:
        entries[product_id][price_list_id].append((min_quantity, unit_price))
    pricing = {price_list_id for by_list in entries.values() for price_list_id in by_list}
    return PriceBook(
        currency=currency,
        lists=[price_list for price_list in lists if price_list.pk in pricing],
        entries={product_id: dict(by_list) for product_id, by_list in entries.items()},
    )


def unit_price(*, company: Company, product_id: int, quantity: int, on: date | None = None) -> Price | None:
    return price_book(company=company, product_ids=[product_id], on=on).price(product_id, quantity)
