"""What a company pays: the one place prices are resolved.

Rule (DOMAIN.md, Prices): the company's contract lists, then its tier's lists, then the default
lists, each group in its own priority order; only lists that are active, valid on the day and in
the company's currency. The first list with an entry for the product at or below the ordered
quantity wins, and within it the break with the largest minimum quantity not above the ordered
quantity. A contract list whose smallest break is 10 does not price an order of 5.

`price_book()` loads everything for one company and a whole page of products in two queries
(the lists, then their entries for those products); every answer after that is computed in
memory, so a page costs the same whatever its size.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from accounts.models import Company

from .models import PriceList, PriceListEntry

KIND_ORDER = {PriceList.Kind.CONTRACT: 0, PriceList.Kind.TIER: 1, PriceList.Kind.DEFAULT: 2}


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    currency: str
    source: str  # PriceList.Kind: contract / tier / default
    price_list_id: int
    min_quantity: int

    @property
    def source_label(self) -> str:
        return PriceList.Kind(self.source).label


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

    def smallest_priced_quantity(self, product_id: int) -> int | None:
        breaks = self.breaks(product_id)
        return breaks[0].min_quantity if breaks else None


def applicable_price_lists(*, company: Company, on: date) -> list[ApplicableList]:
    owner = Q(kind=PriceList.Kind.DEFAULT) | Q(kind=PriceList.Kind.CONTRACT, company=company)
    if company.price_tier_id is not None:
        owner |= Q(kind=PriceList.Kind.TIER, price_tier_id=company.price_tier_id)
    rows = (
        PriceList.objects.filter(owner, active=True, currency=company.currency)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .annotate(
            kind_rank=Case(
                *[When(kind=kind, then=Value(rank)) for kind, rank in KIND_ORDER.items()],
                output_field=IntegerField(),
            )
        )
        .order_by("kind_rank", "priority", "pk")
        .values_list("pk", "kind", "currency")
    )
    return [ApplicableList(*row) for row in rows]


def price_book(*, company: Company, product_ids, on: date | None = None) -> PriceBook:
    """Two queries: the company's applicable lists, then their entries for `product_ids`."""
    on = on or timezone.localdate()
    lists = applicable_price_lists(company=company, on=on)
    book = PriceBook(currency=company.currency, lists=lists)
    product_ids = list(product_ids)
    if not lists or not product_ids:
        return book
    entries: dict[int, dict[int, list[tuple[int, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        PriceListEntry.objects.filter(price_list_id__in=[pl.pk for pl in lists], product_id__in=product_ids)
        .order_by("product_id", "price_list_id", "min_quantity")
        .values_list("product_id", "price_list_id", "min_quantity", "unit_price")
    )
    for product_id, price_list_id, min_quantity, unit_price in rows:
        entries[product_id][price_list_id].append((min_quantity, unit_price))
    book.entries = {product_id: dict(by_list) for product_id, by_list in entries.items()}
    return book


def unit_price(*, company: Company, product_id: int, quantity: int, on: date | None = None) -> Price | None:
    return price_book(company=company, product_ids=[product_id], on=on).price(product_id, quantity)
