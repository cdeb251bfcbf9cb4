"""The stock dashboard's figures: turnover by product and category, slow movers, lots nearing
expiry with their value and the customers who usually buy them.

Definitions (docs/architecture.md, "Where each rule lives"):
- the period is the last `months` calendar months (1, 3, 6 or 12), the current one included
  (from its first day to the day the figures were refreshed); shipped units come from the rollup
  `catalog.ShippedMonth` (kept where shipment moves are written), never from the stock ledger;
- turnover = units shipped in the period ÷ units on hand (no history of on-hand is kept, so the
  stock when refreshed stands for the period's average); none when nothing is on hand;
- days of cover = units on hand ÷ (units shipped in the period ÷ days in the period); none when
  nothing shipped;
- a slow mover has stock on hand and ships less than SLOW_TURNOVER of it in the period;
- value at cost = Σ lot on hand × its `Lot.unit_cost`, else the product's `standard_cost`
  (None when neither is known);
- the customers who usually buy a product: those with orders of it placed in the last
  USUAL_BUYER_DAYS (not cancelled or rejected), most orders first, narrowed to the companies
  the reader serves (`companies_for_staff`).

Where they come from: the per-product figures (stock, value, shipped) are a table,
`ProductStockFigures`, that `refresh()` rewrites whole on a schedule (`portal/schedule.py`, every
ten minutes) and after bulk data, numbering each period's products (fastest first) and slow
movers (most value first), with each period's category sums in `CategoryStockFigures`; the page
reads the first rows through those numbers' indexes and says when the figures were refreshed.
The lots nearing expiry and their usual buyers are read live: a few dozen rows through indexes.

Each function runs a fixed number of queries whatever the number of products or lots.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Lot, Product, ShippedMonth
from catalog.shipped import month_of
from catalog.stock import lots_expiring
from ordering.models import OrderLine, OrderState

from .models import CategoryStockFigures, ProductStockFigures

SLOW_TURNOVER = Decimal("0.1")
USUAL_BUYER_DAYS = 180
USUAL_BUYERS_SHOWN = 5
EXPIRY_DAYS = 30
PERIODS = (1, 3, 6, 12)  # the months the dashboard offers; each has its shipped column
REFRESH_LOCK = -3  # the advisory lock two refreshes share (rollups.py takes -1 and -2)


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


def _no_cost() -> Q:
    return Q(unit_cost__isnull=True, product__standard_cost__isnull=True)


def _cents(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


# --- The figures, refreshed on a schedule ----------------------------------------------------------


def refresh(*, today: date | None = None) -> int:
    """Recompute every product's row of `ProductStockFigures` from the lots and the shipped rollup,
    as of `today` (local), and replace the table's rows with them in one transaction: three
    aggregates and a bulk insert. Two refreshes at once wait for each other (an advisory lock on
    PostgreSQL; SQLite writes one at a time anyway). Answers the rows written."""
    today = today or timezone.localdate()
    starts = {months: period(today=today, months=months).start for months in PERIODS}
    stock = (
        Lot.objects.filter(on_hand__gt=0)
        .values("product_id")
        .annotate(units=Sum("on_hand"), value=Sum(_value_expression()), unknown=Count("pk", filter=_no_cost()))
        .order_by()
    )
    shipped = (
        ShippedMonth.objects.filter(month__gte=starts[max(PERIODS)], month__lte=today)
        .values("product_id")
        .annotate(
            **{f"shipped_{months}": Sum("quantity", filter=Q(month__gte=start)) for months, start in starts.items()}
        )
        .order_by()
    )
    now = timezone.now()
    rows: dict[int, ProductStockFigures] = {}

    def row_of(product_id: int) -> ProductStockFigures:
        if product_id not in rows:
            rows[product_id] = ProductStockFigures(
                product_id=product_id, value=Decimal("0.00"), as_of=today, computed_at=now
            )
        return rows[product_id]

    for line in stock:
        row = row_of(line["product_id"])
        row.on_hand, row.value = line["units"], None if line["unknown"] else _cents(line["value"])
    for line in shipped:
        row = row_of(line["product_id"])
        for months in PERIODS:
            setattr(row, f"shipped_{months}", line[f"shipped_{months}"] or 0)
    # Every product's category and SKU in one pass: naming twenty thousand ids in an IN list costs
    # PostgreSQL more (parsing and planning it) than reading the table.
    skus = {}
    for product_id, category_id, sku in Product.objects.values_list("pk", "category_id", "sku").order_by():
        if product_id in rows:
            rows[product_id].category_id, skus[product_id] = category_id, sku
    categories = []
    for months in PERIODS:
        categories += _rank(list(rows.values()), months, skus=skus, today=today, now=now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [REFRESH_LOCK])
        ProductStockFigures.objects.all().delete()
        CategoryStockFigures.objects.all().delete()
        ProductStockFigures.objects.bulk_create(rows.values(), batch_size=5000)
        CategoryStockFigures.objects.bulk_create(categories, batch_size=5000)
    return len(rows)


def _rank(rows: list[ProductStockFigures], months: int, *, skus: dict, today: date, now: datetime) -> list:
    """Number the period's products, the fastest turnover first (exact: shipped ÷ on hand as a
    fraction; nothing on hand last; then by SKU), and its slow movers (stock on hand, less than
    SLOW_TURNOVER of it shipped, unrounded), the most value first (unknown last; then by SKU), into
    `rank_<months>` and `slow_<months>`; answer the period's category rows."""
    shipped = f"shipped_{months}"
    shown = [row for row in rows if row.on_hand > 0 or getattr(row, shipped) > 0]

    def fastest(row):
        ratio = Fraction(getattr(row, shipped), row.on_hand) if row.on_hand > 0 else Fraction(0)
        return (row.on_hand <= 0, -ratio, skus[row.product_id])

    def most_value(row):
        return (row.value is None, -(row.value or 0), skus[row.product_id])

    for place, row in enumerate(sorted(shown, key=fastest), start=1):
        setattr(row, f"rank_{months}", place)
    slow = [row for row in shown if row.on_hand > 0 and getattr(row, shipped) < row.on_hand * SLOW_TURNOVER]
    for place, row in enumerate(sorted(slow, key=most_value), start=1):
        setattr(row, f"slow_{months}", place)
    sums: dict[int, CategoryStockFigures] = {}
    for row in shown:
        total = sums.setdefault(
            row.category_id,
            CategoryStockFigures(
                category_id=row.category_id, months=months, value=Decimal("0.00"), as_of=today, computed_at=now
            ),
        )
        total.on_hand += row.on_hand
        total.shipped += getattr(row, shipped)
        total.value = None if total.value is None or row.value is None else total.value + row.value
    return list(sums.values())


@dataclass(frozen=True)
class AsOf:
    day: date  # the periods end on this day
    computed_at: datetime


def as_of() -> AsOf | None:
    """When the figures were last refreshed, or None if they never were: one query."""
    row = ProductStockFigures.objects.values_list("as_of", "computed_at").first()
    return AsOf(*row) if row else None


def _turnover_rows(rows, months: int, day: date, limit: int | None) -> list[Turnover]:
    """The numbered rows (`limit` of them, or all) as Turnover rows, named: one query for the rows
    (through the number's partial index) and one for the names of the rows kept (a pass over
    every product when all are kept, cheaper than naming thousands of ids in an IN list)."""
    rows = list(rows[:limit] if limit else rows)
    products = Product.objects.only("sku", "name_en", "name_zh").order_by()
    if limit:
        products = products.filter(pk__in=[row.product_id for row in rows])
    names = {product.pk: product for product in products}
    days = period(today=day, months=months).days
    return [
        Turnover(
            row.product_id,
            names[row.product_id].name_en,
            names[row.product_id].name_zh,
            on_hand=row.on_hand,
            shipped=row.shipped,
            value=row.value,
            days=days,
            category_id=row.category_id,
            sku=names[row.product_id].sku,
        )
        for row in rows
    ]


def turnover_by_product(*, months: int = 3, day: date, limit: int | None = None) -> list[Turnover]:
    """The products of the period, the fastest turnover first (those with nothing on hand last,
    by SKU), in the order the refresh numbered them: `limit` rows read through the period's rank
    index (all without one). Two queries."""
    rank = f"rank_{months}"
    rows = (
        ProductStockFigures.objects.filter(**{f"{rank}__isnull": False})
        .annotate(shipped=F(f"shipped_{months}"))
        .order_by(rank)
    )
    return _turnover_rows(rows, months, day, limit)


def slow_movers(*, months: int = 3, day: date, limit: int | None = None) -> list[Turnover]:
    """Stock on hand that hardly moved (ships less than SLOW_TURNOVER of it in the period): the
    most tied-up value first, unknown values last, as the refresh numbered them. Two queries."""
    slow = f"slow_{months}"
    rows = (
        ProductStockFigures.objects.filter(**{f"{slow}__isnull": False})
        .annotate(shipped=F(f"shipped_{months}"))
        .order_by(slow)
    )
    return _turnover_rows(rows, months, day, limit)


def turnover_by_category(*, months: int = 3, day: date) -> list[Turnover]:
    """The period's category rows (summed at the refresh), fastest first: one query."""
    days = period(today=day, months=months).days
    rows = [
        Turnover(
            row.category_id,
            row.category.name_en,
            row.category.name_zh,
            on_hand=row.on_hand,
            shipped=row.shipped,
            value=row.value,
            days=days,
            sku=row.category.slug,
        )
        for row in CategoryStockFigures.objects.filter(months=months).select_related("category")
    ]
    return sorted(rows, key=_fastest_first)


def _fastest_first(row: Turnover):
    turnover = row.turnover
    return (turnover is None, -(turnover or 0), row.sku)


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
