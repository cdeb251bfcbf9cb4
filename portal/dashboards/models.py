"""Rollups the dashboards read instead of the order, invoice and ledger tables.

Each row is a (day, company, currency[, product]) slice, recomputed whole from the base tables
by `portal.dashboards.rollups` whenever something in that slice changes, so a dashboard figure is
a GROUP BY over a few thousand rows joined to company (rep, region) and product (category),
never a scan of order lines. What each figure means is in rollups.py's docstring (and the rules
table of docs/architecture.md).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from catalog.models import Category, Product

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}


class ProductSums(models.Model):
    """What a product row sums (rollups.py says what each means)."""

    quantity = models.IntegerField(default=0)
    revenue = models.DecimalField(**MONEY)
    costed_revenue = models.DecimalField(**MONEY)
    cost = models.DecimalField(**MONEY)

    class Meta:
        abstract = True


class CompanySums(ProductSums):
    """What a company row sums: its product rows' sums, and its orders and cash."""

    orders = models.IntegerField(default=0)
    order_value = models.DecimalField(**MONEY)
    collected = models.DecimalField(**MONEY)

    class Meta:
        abstract = True


class DailyProductSales(ProductSums):
    """What was invoiced on a day to a company, per product: credit notes subtract. `cost` is the
    cost of the lines whose cost is known (their lot's, else the product's standard cost) and
    `costed_revenue` the revenue of those same lines, so margin is never guessed from a blank."""

    day = models.DateField()
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Null: a credit note line that names no product (a correction of the whole invoice).
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    currency = models.CharField(max_length=3)

    class Meta:
        permissions = [("view_sales_dashboard", _("Can view the sales dashboard"))]
        # (product, day): the period before of the products a page shows, without the month's rest.
        indexes = [
            models.Index(fields=["company", "day"]),
            models.Index(fields=["day"]),
            models.Index(fields=["product", "day"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "company", "product", "currency"],
                name="one_product_sales_row_per_slice",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.day} {self.company_id} {self.product_id} {self.currency}"


class DailyCompanySales(CompanySums):
    """A company's day: orders placed (not cancelled or rejected) and their value net of tax, the
    cash collected (回款: payments booked less refunds and reversals), and its product rows'
    sums (so totals, trends and the rep, region and customer breakdowns read this table only:
    one row per company-day, where the product table has one per line sold)."""

    day = models.DateField()
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [models.Index(fields=["company", "day"]), models.Index(fields=["day"])]
        constraints = [
            models.UniqueConstraint(fields=["day", "company", "currency"], name="one_company_sales_row_per_slice")
        ]

    def __str__(self):
        return f"{self.day} {self.company_id} {self.currency}"


class Grain(models.TextChoices):
    WEEK = "week", _("Week")  # an ISO week, from its Monday
    MONTH = "month", _("Month")


class CompanySalesPeriod(CompanySums):
    """A company's week or month (`start`: its Monday, or the 1st): the sums of its
    `DailyCompanySales` rows in it, rewritten with them by `rollups.recompute_day` and
    `rollups.rebuild`. Whole weeks and months read this table for totals, trends and the rep,
    region and customer breakdowns: a year of a thousand customers is twelve thousand month rows
    here, where the day table has hundreds of thousands."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [
            models.Index(fields=["company", "grain", "start"]),
            models.Index(fields=["grain", "currency", "start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "start", "company", "currency"], name="one_company_sales_row_per_period"
            )
        ]

    def __str__(self):
        return f"{self.grain} {self.start} {self.company_id} {self.currency}"


class ProductSalesPeriod(ProductSums):
    """A product's week or month over every customer: the sums of its `DailyProductSales` rows,
    rewritten with them. The product and category breakdowns of staff who see every customer read
    it (a month of twenty thousand products is twenty thousand rows here, against a hundred
    thousand company-product-day rows); a sales rep's read their customers' day rows."""

    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()
    # Null: credit note lines that name no product.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, null=True, related_name="+", db_index=False)
    currency = models.CharField(max_length=3)

    class Meta:
        indexes = [
            models.Index(fields=["grain", "currency", "start"]),
            models.Index(fields=["product", "grain", "start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "start", "product", "currency"],
                name="one_product_sales_row_per_period",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.grain} {self.start} {self.product_id} {self.currency}"


class ProductStockFigures(models.Model):
    """The stock dashboard's figures for one product, as of `computed_at`: its units on hand and
    their value at cost (summed over its lots), its category, and the units shipped in each period
    the dashboard offers (the last 1, 3, 6 and 12 months up to `as_of`, from
    `catalog.ShippedMonth`). Refreshed whole on a schedule by `stock_figures.refresh` (every ten
    minutes, and after the demo's and the benchmark's bulk data), numbered per period in the
    orders the page shows, so the page reads its first rows through an index instead of summing
    a hundred thousand lots per request. A product with nothing on hand and nothing shipped in a
    year has no row."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", db_index=False)
    on_hand = models.BigIntegerField(default=0)
    # None: a lot on hand whose cost is unknown (neither its own nor its product's standard cost).
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    shipped_1 = models.BigIntegerField(default=0)
    shipped_3 = models.BigIntegerField(default=0)
    shipped_6 = models.BigIntegerField(default=0)
    shipped_12 = models.BigIntegerField(default=0)
    # Per period, the product's place among the period's products, the fastest turnover first
    # (None: nothing on hand and nothing shipped in it), and among its slow movers, the most value
    # first (None: not one): the page reads its first rows through these columns' indexes.
    rank_1 = models.IntegerField(null=True)
    rank_3 = models.IntegerField(null=True)
    rank_6 = models.IntegerField(null=True)
    rank_12 = models.IntegerField(null=True)
    slow_1 = models.IntegerField(null=True)
    slow_3 = models.IntegerField(null=True)
    slow_6 = models.IntegerField(null=True)
    slow_12 = models.IntegerField(null=True)
    as_of = models.DateField()  # the local day whose periods the shipped columns cover
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=[f"{kind}_{months}"],
                name=f"stock_{kind}_{months}",
                condition=Q(**{f"{kind}_{months}__isnull": False}),
            )
            for kind in ("rank", "slow")
            for months in (1, 3, 6, 12)
        ]

    def __str__(self):
        return f"{self.product_id} {self.on_hand} as of {self.computed_at:%Y-%m-%d %H:%M}"


class CategoryStockFigures(models.Model):
    """A category's stock figures for one period (`months`), summed from its products'
    `ProductStockFigures` rows at the same refresh. `value` is None when a product's is unknown."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", db_index=False)
    months = models.PositiveSmallIntegerField()
    on_hand = models.BigIntegerField(default=0)
    shipped = models.BigIntegerField(default=0)
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["months", "category"], name="one_stock_row_per_category_period")]

    def __str__(self):
        return f"{self.category_id} {self.months} months as of {self.computed_at:%Y-%m-%d %H:%M}"
