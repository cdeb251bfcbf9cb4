"""The stock dashboard ("stock_dashboard", /backoffice/dashboards/stock/): turnover by category and
product, slow movers, lots nearing expiry with their value and the customers who usually buy
them, each lot with a "make a short-dated offer" link prefilled with the lot and those customers.
Every chart has its numbers as a table and CSV/XLSX exports (`?export=csv|xlsx&chart=<key>`).

Who sees what: the warehouse, the manager and sales reps (`catalog.view_stock_dashboard`); values
at cost only for those who see prices (`catalog.view_pricelist`: not the warehouse, on the page
and in the exports); the customers listed are the reader's (`companies_for_staff`). The figures
are `stock_figures`' (their definitions there and in docs/architecture.md).
"""

from decimal import Decimal

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.selectors import companies_for_staff
from catalog.backoffice.common import product_stock_url
from kit.backoffice import PermissionTemplateMixin
from kit.charts import Bar, ChartTable, bar_chart, export_query, table_download
from kit.languages import in_active_language
from kit.money import format_money

from . import stock_figures
from .offers import MAKE_OFFERS, offer_url

VIEW_STOCK_DASHBOARD = "catalog.view_stock_dashboard"
SEES_VALUES = "catalog.view_pricelist"  # who sees prices sees values at cost; the warehouse does not
MONTH_CHOICES = stock_figures.PERIODS
SHOWN = 15  # bars per chart and rows per table on the page; the exports have every row
COST_CURRENCY = "CNY"  # Lot.unit_cost and Product.standard_cost are in the distributor's currency


def sees_values(user) -> bool:
    return user.has_perm(SEES_VALUES)


def _months(request) -> int:
    value = request.GET.get("months", "")
    return int(value) if value.isdigit() and int(value) in MONTH_CHOICES else 3


def _number(value) -> str:
    return "—" if value is None else str(value)


def _money(value) -> str:
    return "—" if value is None else format_money(value, COST_CURRENCY)


class StockDashboardView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_STOCK_DASHBOARD
    page_title = gettext_lazy("Stock dashboard")
    header_icon = "table"
    template_name = "dashboards/stock.html"

    exporting = False

    def get(self, request, *args, **kwargs):
        fmt, key = request.GET.get("export"), request.GET.get("chart")
        if fmt:
            self.exporting = True
            tables = {table.key: table for table in self.tables()}
            if fmt not in ("csv", "xlsx") or key not in tables:
                raise Http404
            return table_download(tables[key], fmt=fmt, name=f"stock-{key}-{timezone.localdate().isoformat()}")
        return super().get(request, *args, **kwargs)

    def figures(self):
        if not hasattr(self, "_figures"):
            today, months = timezone.localdate(), _months(self.request)
            as_of = stock_figures.as_of()
            limit = None if self.exporting else SHOWN
            if as_of is None:  # never refreshed yet: the lots nearing expiry still show
                products, categories, slow = [], [], []
            else:
                day = as_of.day
                products = stock_figures.turnover_by_product(months=months, day=day, limit=limit)
                categories = stock_figures.turnover_by_category(months=months, day=day)
                slow = stock_figures.slow_movers(months=months, day=day, limit=limit)
            companies = companies_for_staff(self.request.user)
            self._figures = {
                "today": today,
                "as_of": as_of,
                "products": products,
                "categories": categories,
                "slow": slow,
                # The page shows SHOWN lots and asks who buys those only; the export has them all.
                "expiring": stock_figures.expiring_lots(
                    today=today, companies=companies, **({} if self.exporting else {"limit": SHOWN})
                ),
            }
        return self._figures

    def tables(self) -> list[ChartTable]:
        figures, values = self.figures(), sees_values(self.request.user)
        turnover_headers = [_("On hand"), _("Shipped"), _("Turnover"), _("Days of cover")]
        value_header = [_("Value at cost")] if values else []

        def turnover_row(row, first):
            cells = [*first, row.on_hand, row.shipped, row.turnover, row.days_of_cover]
            return cells + ([row.value] if values else [])

        number_formats = (None, _number, _number, _number, _number, _money)
        products, slow, expiring = figures["products"], figures["slow"], figures["expiring"]
        return [
            ChartTable(
                key="categories",
                title=_("Turnover by category"),
                headers=[_("Category"), *turnover_headers, *value_header],
                rows=[turnover_row(row, [in_active_language(row.name, row.name_zh)]) for row in figures["categories"]],
                formats=number_formats,
            ),
            ChartTable(
                key="products",
                title=_("Turnover by product"),
                headers=[_("Product"), _("SKU"), *turnover_headers, *value_header],
                rows=[turnover_row(row, [in_active_language(row.name, row.name_zh), row.sku]) for row in products],
                formats=(None, None, *number_formats[1:]),
                urls=[product_stock_url(row.key) for row in products],
            ),
            ChartTable(
                key="slow",
                title=_("Slow movers"),
                headers=[_("Product"), _("SKU"), *turnover_headers, *value_header],
                rows=[turnover_row(row, [in_active_language(row.name, row.name_zh), row.sku]) for row in slow],
                formats=(None, None, *number_formats[1:]),
                urls=[product_stock_url(row.key) for row in slow],
            ),
            ChartTable(
                key="expiring",
                title=_("Lots nearing expiry"),
                headers=[
                    _("Lot"),
                    _("SKU"),
                    _("Expires"),
                    _("Free"),
                    *value_header,
                    _("Usually bought by"),
                ],
                rows=[
                    [
                        row.lot.number,
                        row.lot.product.sku,
                        row.lot.expiry_date,
                        row.free,
                        *([row.value] if values else []),
                        ", ".join(name for _id, name, _orders in row.buyers),
                    ]
                    for row in expiring
                ],
                formats=(None, None, None, _number, *((_money,) if values else ()), None),
                urls=[product_stock_url(row.lot.product_id) for row in expiring],
            ),
        ]

    def charts(self, tables: list) -> list[dict]:
        figures, values = self.figures(), sees_values(self.request.user)
        products = figures["products"][:SHOWN]
        slow, expiring = figures["slow"][:SHOWN], figures["expiring"][:SHOWN]
        # Value bars only when some value is known (costs are blank until set): else units.
        slow_values = values and any(row.value is not None for row in slow)
        expiring_values = values and any(row.value is not None for row in expiring)
        charts = [
            bar_chart(
                [
                    Bar(in_active_language(row.name, row.name_zh), row.turnover or Decimal(0))
                    for row in figures["categories"]
                ],
                title=_("Turnover by category"),
            ),
            bar_chart(
                [Bar(row.sku, row.turnover or Decimal(0), url=product_stock_url(row.key)) for row in products],
                title=_("Turnover by product"),
            ),
            bar_chart(
                [
                    Bar(
                        row.sku,
                        (row.value or Decimal(0)) if slow_values else Decimal(row.on_hand),
                        url=product_stock_url(row.key),
                    )
                    for row in slow
                ],
                title=_("Slow movers: value at cost") if slow_values else _("Slow movers: units on hand"),
                value_format=_money if slow_values else str,
            ),
            bar_chart(
                [
                    Bar(
                        f"{row.lot.product.sku} {row.lot.number}",
                        (row.value or Decimal(0)) if expiring_values else Decimal(row.free),
                    )
                    for row in expiring
                ],
                title=_("Lots nearing expiry: value at cost")
                if expiring_values
                else _("Lots nearing expiry: units free"),
                value_format=_money if expiring_values else str,
            ),
        ]
        return [
            {"chart": chart, "table": table, "exports": export_query(self.request.GET, key=table.key)}
            for chart, table in zip(charts, tables, strict=True)
        ]

    def get_context_data(self, **kwargs):
        figures = self.figures()
        tables = self.tables()
        may_offer = self.request.user.has_perm(MAKE_OFFERS)
        expiring = [
            {
                "row": row,
                "offer_url": offer_url(
                    product_id=row.lot.product_id,
                    lot_ids=[row.lot.pk],
                    company_ids=[company_id for company_id, _name, _orders in row.buyers],
                )
                if may_offer
                else "",
            }
            for row in figures["expiring"][:SHOWN]
        ]
        return super().get_context_data(
            sections=self.charts(tables),
            expiring=expiring,
            sees_values=sees_values(self.request.user),
            as_of=figures["as_of"],
            months=_months(self.request),
            month_choices=MONTH_CHOICES,
            slow_turnover=stock_figures.SLOW_TURNOVER,
            offers_url=reverse("stock_offers:index")
            if self.request.user.has_perm("catalog.view_shortdatedoffer")
            else "",
            **kwargs,
        )


urlpatterns = [path("", StockDashboardView.as_view(), name="index")]
