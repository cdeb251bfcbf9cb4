"""The sales dashboard's figures, read from the rollups (rollups.py says what each means).

Every figure is a GROUP BY over the rollup rows of the companies the user may see
(`companies_for_staff`: a rep only their own), for one currency and a period, joined to company
(rep, region) or product (category). Orders and order value exist per company, not per product,
so the category and product breakdowns have revenue, margin and quantity only.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from kit.languages import in_active_language

from .models import CompanySalesPeriod, DailyCompanySales, DailyProductSales, Grain, ProductSalesPeriod

ZERO = Decimal("0")
GRAINS = {"month": _("Month"), "week": _("Week"), "day": _("Day")}
TRUNC = {"month": TruncMonth, "week": TruncWeek, "day": TruncDay}
# How many periods the trend shows, by grain.
TREND_LENGTH = {"month": 12, "week": 13, "day": 31}


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end` inclusive, of a grain (a month, an ISO week or a day)."""

    grain: str
    start: date
    end: date

    def previous(self) -> "Period":
        return period_containing(self.start - timedelta(days=1), self.grain)

    def year_before(self) -> "Period":
        """The same period a year earlier: the same month, the same ISO week number, the same date
        (29 February: the 28th)."""
        if self.grain == "week":
            year, week, _day = self.start.isocalendar()
            return period_containing(date.fromisocalendar(year - 1, min(week, 52), 1), "week")
        start = self.start.replace(year=self.start.year - 1, day=min(self.start.day, 28))
        if self.grain == "day" and self.start.day > 28:
            start = _last_year_same_day(self.start)
        return period_containing(start, self.grain)


def _last_year_same_day(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_containing(day: date, grain: str) -> Period:
    if grain == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif grain == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
    else:
        start = end = day
    return Period(grain, start, end)


@dataclass(frozen=True)
class Figures:
    revenue: Decimal = ZERO
    costed_revenue: Decimal = ZERO
    cost: Decimal = ZERO
    quantity: int = 0
    orders: int | None = None  # None: not known at this grouping (per product or category)
    order_value: Decimal = ZERO
    collected: Decimal | None = None

    @property
    def margin(self) -> Decimal | None:
        """Revenue less cost over the lines whose cost is known; None when none is."""
        if not self.costed_revenue and not self.cost:
            return None
        return self.costed_revenue - self.cost

    @property
    def margin_rate(self) -> Decimal | None:
        """Margin as a share of the revenue it was measured on (0.25 for 25%)."""
        if self.margin is None or not self.costed_revenue:
            return None
        return self.margin / self.costed_revenue

    @property
    def uncosted_revenue(self) -> Decimal:
        """Revenue whose cost is not known (no lot or standard cost): left out of the margin."""
        return self.revenue - self.costed_revenue

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.orders:
            return None
        return self.order_value / self.orders


def _of(rows: QuerySet, companies: QuerySet) -> QuerySet:
    # Staff who see every customer pass the unfiltered queryset: no subquery to join then.
    return rows.filter(company__in=companies) if companies.query.where else rows


def _whole_periods(start: date, end: date) -> str | None:
    """ "month" when `start` to `end` is whole months, "week" when whole ISO weeks, else None."""
    after = end + timedelta(days=1)
    if start.day == 1 and after.day == 1:
        return Grain.MONTH
    if start.weekday() == 0 and after.weekday() == 0:
        return Grain.WEEK
    return None


def _product_rows(companies: QuerySet, currency: str, start: date, end: date):
    """The product rows from `start` to `end`: for staff who see every customer, the products'
    week or month rows over all customers when those are whole periods; else the day rows."""
    grain = _whole_periods(start, end)
    if grain and not companies.query.where:
        return ProductSalesPeriod.objects.filter(grain=grain, currency=currency, start__gte=start, start__lte=end)
    return _of(DailyProductSales.objects.filter(currency=currency, day__gte=start, day__lte=end), companies)


def _company_rows(companies: QuerySet, currency: str, start: date, end: date):
    """The company rows from `start` to `end`: the week or month rows when those are whole
    periods (a seventh or a thirtieth of the day rows), else the day rows."""
    grain = _whole_periods(start, end)
    if grain:
        rows = CompanySalesPeriod.objects.filter(grain=grain, currency=currency, start__gte=start, start__lte=end)
    else:
        rows = DailyCompanySales.objects.filter(currency=currency, day__gte=start, day__lte=end)
    return _of(rows, companies)


_PRODUCT_SUMS = {"revenue": Sum("revenue"), "costed_revenue": Sum("costed_revenue"), "cost": Sum("cost")}
_PRODUCT_SUMS["quantity"] = Sum("quantity")
_COMPANY_SUMS = {
    **_PRODUCT_SUMS,
    "orders": Sum("orders"),
    "order_value": Sum("order_value"),
    "collected": Sum("collected"),
}


def _figures(row: dict | None, *, with_orders: bool = True) -> Figures:
    row = row or {}
    return Figures(
        revenue=row.get("revenue") or ZERO,
        costed_revenue=row.get("costed_revenue") or ZERO,
        cost=row.get("cost") or ZERO,
        quantity=row.get("quantity") or 0,
        orders=(row.get("orders") or 0) if with_orders else None,
        order_value=row.get("order_value") or ZERO,
        collected=(row.get("collected") or ZERO) if with_orders else None,
    )


def totals(*, companies: QuerySet, currency: str, period: Period) -> Figures:
    """The period's figures: one aggregate over the company-day rows."""
    return _figures(_company_rows(companies, currency, period.start, period.end).aggregate(**_COMPANY_SUMS))


def trend(*, companies: QuerySet, currency: str, period: Period) -> list[tuple[Period, Figures]]:
    """The figures of the TREND_LENGTH periods up to `period`, oldest first (one query)."""
    periods = [period]
    for _step in range(TREND_LENGTH[period.grain] - 1):
        periods.insert(0, periods[0].previous())
    rows = _company_rows(companies, currency, periods[0].start, period.end)
    rows = (
        rows.annotate(bucket=F("start") if rows.model is CompanySalesPeriod else TRUNC[period.grain]("day"))
        .values("bucket")
        .annotate(**_COMPANY_SUMS)
        .order_by()
    )
    by_start = {row["bucket"]: row for row in rows}
    return [(each, _figures(by_start.get(each.start))) for each in periods]


@dataclass(frozen=True)
class Group:
    """A breakdown's key (the id its drill-down filters on) and its name."""

    key: int | None
    name: str


# by: (path from a rollup row to the key, names to read, does the company table have it)
BREAKDOWNS = {
    "region": ("company__region", ("company__region__name", "company__region__name_zh"), True),
    "rep": (
        "company__sales_rep",
        ("company__sales_rep__first_name", "company__sales_rep__last_name", "company__sales_rep__email"),
        True,
    ),
    "customer": ("company", ("company__display_name",), True),
    "category": ("product__category", ("product__category__name_en", "product__category__name_zh"), False),
    "product": ("product", ("product__sku", "product__name_en", "product__name_zh"), False),
}
BREAKDOWN_LABELS = {
    "region": _("Region"),
    "rep": _("Sales rep"),
    "customer": _("Customer"),
    "category": _("Category"),
    "product": _("Product"),
}


def _name(by: str, row: dict) -> str:
    if by == "region":
        return in_active_language(row["company__region__name"] or "", row["company__region__name_zh"] or "")
    if by == "rep":
        full = f"{row['company__sales_rep__first_name'] or ''} {row['company__sales_rep__last_name'] or ''}".strip()
        return full or row["company__sales_rep__email"] or str(_("No sales rep"))
    if by == "customer":
        return row["company__display_name"]
    if by == "category":
        return in_active_language(
            row["product__category__name_en"] or "", row["product__category__name_zh"] or ""
        ) or str(_("No category"))
    if row["product__sku"] is None:
        return str(_("No product (corrections)"))
    return f"{row['product__sku']} {in_active_language(row['product__name_en'], row['product__name_zh'])}"


def _grouped(companies: QuerySet, currency: str, period: Period, by: str) -> QuerySet:
    """The period's sums grouped by the breakdown's key alone: the names are read afterwards for
    the groups kept (grouping a month's products by their names too made PostgreSQL join and
    hash every name, and spill to disk)."""
    key, _names, per_company = BREAKDOWNS[by]
    sums = _COMPANY_SUMS if per_company else _PRODUCT_SUMS
    rows = (_company_rows if per_company else _product_rows)(companies, currency, period.start, period.end)
    if ROW_KEYS.get(rows.model) == key:
        # A period's rows are already one per key (a month's row per product or per customer):
        # read them as they are, with nothing to group.
        return rows.values(key, *sums)
    return rows.values(key).annotate(**sums)


def _ranked(rows: QuerySet, key: str) -> QuerySet:
    return rows.order_by(F("revenue").desc(nulls_last=True), F(key).asc(nulls_last=True))


# What one period row stands for, besides its currency: read as is by a breakdown on that key.
ROW_KEYS = {CompanySalesPeriod: "company", ProductSalesPeriod: "product"}

# Above this many groups the names are read from the whole table, not through an IN list.
_NAMES_IN_LIST = 500


def _named(by: str, rows: list[dict]) -> list[dict]:
    """`rows` with the names `_name` reads, from one query on the key's model (region, user,
    company, category or product)."""
    key, names, per_company = BREAKDOWNS[by]
    model = CompanySalesPeriod if per_company else ProductSalesPeriod
    for part in key.split("__"):
        model = model._meta.get_field(part).related_model
    fields = {name: name.removeprefix(f"{key}__") for name in names}
    keys = {row[key] for row in rows} - {None}
    found = model.objects.order_by()
    if keys and len(keys) <= _NAMES_IN_LIST:
        found = found.filter(pk__in=keys)
    by_key = {each["pk"]: each for each in found.values("pk", *fields.values())} if keys else {}
    empty = dict.fromkeys(fields.values())
    return [{**row, **{name: by_key.get(row[key], empty)[field] for name, field in fields.items()}} for row in rows]


def _pairs(by: str, rows) -> list[tuple[Group, Figures]]:
    key, _names, per_company = BREAKDOWNS[by]
    rows = _named(by, list(rows))
    result = [(Group(row[key], _name(by, row)), _figures(row, with_orders=per_company)) for row in rows]
    return sorted(result, key=lambda pair: (-pair[1].revenue, pair[0].name))


def breakdown(*, companies: QuerySet, currency: str, period: Period, by: str, keys=None) -> list[tuple[Group, Figures]]:
    """The period's figures per region, rep, customer (over the company rows), category or
    product (over the product rows), by revenue, largest first: every group, or those whose key is
    in `keys`. Two queries: the sums, then the groups' names."""
    key = BREAKDOWNS[by][0]
    rows = _grouped(companies, currency, period, by)
    if keys is not None:
        chosen = Q(**{f"{key}__in": [each for each in keys if each is not None]})
        rows = rows.filter(chosen | Q(**{f"{key}__isnull": True}) if None in keys else chosen)
    return _pairs(by, _ranked(rows, key))


def first_of_breakdown(
    *, companies: QuerySet, currency: str, period: Period, by: str, limit: int
) -> tuple[list[tuple[Group, Figures]], int]:
    """The `limit` largest groups of `breakdown` and how many groups there are in all, ranked and
    counted in the database (then named), so a month's twenty thousand products are never read
    into Python."""
    key = BREAKDOWNS[by][0]
    rows = list(_ranked(_grouped(companies, currency, period, by).annotate(groups=Window(Count("*"))), key)[:limit])
    return _pairs(by, rows), rows[0]["groups"] if rows else 0


def currencies(*, companies: QuerySet) -> list[str]:
    """The currencies the user's customers trade in, most rows first (the first is the default)."""
    rows = _of(CompanySalesPeriod.objects.filter(grain=Grain.MONTH), companies).values("currency")
    rows = rows.annotate(n=Count("id"))
    return [row["currency"] for row in rows.order_by("-n", "currency")]
