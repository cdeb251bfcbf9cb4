"""The stock dashboard's figures: turnover by product and category, slow movers, lots nearing
expiry with their value and the customers who usually buy them.

Definitions (docs/architecture.md, "Where each rule lives"):
- the period is the last `months` calendar months, the current one included (from its first day
  to today); shipped units come from the rollup `catalog.ShippedMonth` (kept where shipment
  moves are written), never from the stock ledger;
- turnover = units shipped in the period ÷ units on hand now (no history of on-hand is kept, so
  today's stock stands for the period's average); none when nothing is on hand;
- days of cover = units on hand ÷ (units shipped in the period ÷ days in the period); none when
  nothing shipped;
- a slow mover has stock on hand and a turnover below SLOW_TURNOVER (nothing or little shipped);
- value at cost = Σ lot on hand × its `Lot.unit_cost`, else the product's `standard_cost`
  (None when neither is known);
- the customers who usually buy a product: those with orders of it placed in the last
  USUAL_BUYER_DAYS (not cancelled or rejected), most orders first, narrowed to the companies
  the reader serves (`companies_for_staff`).

Each function runs a fixed number of aggregate queries whatever the number of products or lots.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Category, Lot, Product, ShippedMonth
from catalog.shipped import month_of
from catalog.stock import lots_expiring
from ordering.models import OrderLine, OrderState

SLOW_TURNOVER = Decimal("0.1")
USUAL_BUYER_DAYS = 180
USUAL_BUYERS_SHOWN = 5
EXPIRY_DAYS = 30


@dataclass
class Turnover:
    key: int
    name: str
    name_zh: str
    on_hand: int = 0
    shipped: int = 0
    value: Decimal | None = None
    days: int = 1
    category_id: int | None = None
    sku: str = ""

    @property
    def turnover(self) -> Decimal | None:
        if self.on_hand <= 0:
            return None
        return (Decimal(self.shipped) / self.on_hand).quantize(Decimal("0.01"))

    @property
    def days_of_cover(self) -> int | None:
        if self.shipped <= 0:
            return None
        return int(Decimal(self.on_hand) * self.days / self.shipped)

    @property
    def slow(self) -> bool:
        return self.on_hand > 0 and self.turnover < SLOW_TURNOVER


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period(*, today: date, months: int) -> Period:
    start = month_of(today)
    for _step in range(months - 1):
        start = month_of(start - timedelta(days=1))
    return Period(start, today)


def _value_expression():
    return ExpressionWrapper(
        F("on_hand") * Coalesce("unit_cost", "product__standard_cost"),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )


def turnover_by_product(*, today: date, months: int = 3) -> list[Turnover]:
    """Every product with stock on hand or shipments in the period, the fastest first: three
    queries (stock and its value, the rollup, the products' names)."""
    span = period(today=today, months=months)
    stock = (
        Lot.objects.filter(on_hand__gt=0)
        .values("product_id")
        .annotate(units=Sum("on_hand"), value=Sum(_value_expression()), unknown=Count("pk", filter=_no_cost()))
        .order_by()
    )
    rows: dict[int, Turnover] = {}
    for row in stock:
        value = None if row["unknown"] else _cents(row["value"])
        rows[row["product_id"]] = Turnover(row["product_id"], "", "", on_hand=row["units"], value=value)
    shipped = (
        ShippedMonth.objects.filter(month__gte=span.start, month__lte=span.end)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in shipped:
        rows.setdefault(row["product_id"], Turnover(row["product_id"], "", "")).shipped = row["units"]
    # Every product's names in one pass: at twenty thousand products, naming them in an IN list
    # cost PostgreSQL ten times more (parsing and planning the list) than reading the table.
    names = Product.objects.values_list("pk", "sku", "name_en", "name_zh", "category_id").order_by()
    for pk, sku, name_en, name_zh, category_id in names:
        if (row := rows.get(pk)) is not None:
            row.name, row.name_zh, row.sku, row.category_id, row.days = name_en, name_zh, sku, category_id, span.days
    return sorted(rows.values(), key=_fastest_first)


def _no_cost() -> Q:
    return Q(unit_cost__isnull=True, product__standard_cost__isnull=True)


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _fastest_first(row: Turnover):
    turnover = row.turnover
    return (turnover is None, -(turnover or 0), row.sku)


def turnover_by_category(products: list[Turnover]) -> list[Turnover]:
    """The products' figures summed per category (one query for the names), fastest first."""
    rows: dict[int, Turnover] = {}
    for product in products:
        row = rows.setdefault(product.category_id, Turnover(product.category_id, "", "", value=Decimal("0.00")))
        row.on_hand += product.on_hand
        row.shipped += product.shipped
        row.days = product.days
        row.value = None if row.value is None or product.value is None else row.value + product.value
    for category in Category.objects.filter(pk__in=rows).only("name_en", "name_zh", "slug"):
        rows[category.pk].name, rows[category.pk].name_zh, rows[category.pk].sku = (
            category.name_en,
            category.name_zh,
            category.slug,
        )
    return sorted(rows.values(), key=_fastest_first)


def slow_movers(products: list[Turnover]) -> list[Turnover]:
    """Stock on hand that hardly moved: the most tied-up value first (unknown value last)."""
    slow = [row for row in products if row.slow]
    return sorted(slow, key=lambda row: (row.value is None, -(row.value or 0), row.sku))


@dataclass
class ExpiringLot:
    lot: Lot
    free: int
    value: Decimal | None
    buyers: list = field(default_factory=list)  # [(company id, company name, orders)]


def expiring_lots(*, today: date, companies, days: int = EXPIRY_DAYS, limit: int = 50) -> list[ExpiringLot]:
    """Lots with free stock, not held and not expired, expiring within `days` or their category's
    warning window, soonest first, each with its value at cost and the customers (among
    `companies`) who usually buy its product: two queries."""
    lots = list(
        (lots_expiring(today=today) | Lot.objects.filter(on_hand__gt=0, expiry_date__lte=today + timedelta(days=days)))
        .filter(expiry_date__gt=today, held_at__isnull=True, on_hand__gt=F("allocated"))
        .select_related("product", "product__category")
        .order_by("expiry_date", "pk")[:limit]
    )
    buyers = usual_buyers(product_ids={lot.product_id for lot in lots}, today=today, companies=companies)
    rows = []
    for lot in lots:
        cost = lot.unit_cost if lot.unit_cost is not None else lot.product.standard_cost
        free = lot.on_hand - lot.allocated
        value = None if cost is None else _cents(cost * lot.on_hand)
        rows.append(ExpiringLot(lot=lot, free=free, value=value, buyers=buyers.get(lot.product_id, [])))
    return rows


def usual_buyers(*, product_ids, today: date, companies, shown: int = USUAL_BUYERS_SHOWN) -> dict[int, list]:
    """product id → [(company id, name, orders)] of the customers who ordered it in the last
    USUAL_BUYER_DAYS, most orders (then latest) first; one query."""
    if not product_ids:
        return {}
    # From local midnight, as a timestamp: the index on placed_at serves it.
    since = timezone.make_aware(datetime.combine(today - timedelta(days=USUAL_BUYER_DAYS), time.min))
    rows = (
        OrderLine.objects.filter(
            product_id__in=product_ids,
            order__placed_at__gte=since,
            order__company__in=companies,
        )
        .exclude(order__state__in=[OrderState.CANCELLED, OrderState.REJECTED])
        .values("product_id", "order__company_id", "order__company__display_name")
        .annotate(orders=Count("order_id", distinct=True), last=Max("order__placed_at"))
        .order_by("product_id", "-orders", "-last")
    )
    found: dict[int, list] = defaultdict(list)
    for row in rows:
        if len(found[row["product_id"]]) < shown:
            found[row["product_id"]].append(
                (row["order__company_id"], row["order__company__display_name"], row["orders"])
            )
    return found
