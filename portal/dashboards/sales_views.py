"""The sales dashboard in the back office ("dashboards_sales"): revenue, gross margin, orders,
average order value and collected cash (回款) for a month, week or day, compared with the period
before and the same period a year earlier; a trend; a breakdown by region, rep, customer, category
or product whose every bar and row drills down to the orders behind it (the order list, filtered).
Every chart's numbers are a table and a CSV/XLSX export (`?export=csv|xlsx&chart=<key>`).

A sales rep sees only their own customers (page, drill-down and exports all read
`companies_for_staff`); managers and finance see every customer. Figures: `sales.py` over the
rollups, a fixed number of queries whatever the data.
"""

from datetime import timedelta
from decimal import Decimal

from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.selectors import companies_for_staff
from kit import charts
from kit.backoffice import PermissionTemplateMixin
from kit.money import format_money

from . import sales

VIEW_SALES_DASHBOARD = "dashboards.view_sales_dashboard"
DEFAULT_CURRENCY = "CNY"
# Bars drawn in the breakdown chart, and rows in its table on the page; the export has every row
# (a month can sell thousands of products to thousands of customers).
CHART_BARS = 12
TABLE_ROWS = 50
# The order list's filter of each breakdown (ordering.backoffice.orders.OrderFilterSet).
ORDER_FILTERS = {"region": "region", "rep": "sales_rep", "customer": "company", "category": "category"}
ORDER_FILTERS["product"] = "product"


def _choice(request, name: str, choices, default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in choices else default


def period_label(period: sales.Period) -> str:
    if period.grain == "month":
        return date_format(period.start, "YEAR_MONTH_FORMAT")
    if period.grain == "week":
        year, week, _day = period.start.isocalendar()
        return _("Week %(week)s, %(year)s") % {"week": week, "year": year}
    return date_format(period.start, "SHORT_DATE_FORMAT")


def _change(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | None:
    """The change as a share of `before` (0.10 for +10%); None when there is nothing to compare."""
    if now is None or not before:
        return None
    return (Decimal(now) - Decimal(before)) / abs(Decimal(before))


def percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:+.1f}%"


def rate(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


class SalesDashboardView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_SALES_DASHBOARD
    page_title = gettext_lazy("Sales dashboard")
    header_icon = "pick"
    template_name = "dashboards/sales.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        get = request.GET
        self.grain = _choice(request, "grain", sales.GRAINS, "month")
        self.by = _choice(request, "by", sales.BREAKDOWNS, "region")
        day = parse_date(get.get("date") or "") or timezone.localdate()
        self.period = sales.period_containing(day, self.grain)
        self.companies = companies_for_staff(request.user).select_related(None).values("pk")
        self.currencies = sales.currencies(companies=self.companies) or [DEFAULT_CURRENCY]
        self.currency = _choice(request, "currency", self.currencies, self.currencies[0])

    exporting = False  # an export writes every row of the breakdown; the page only its first

    def get(self, request, *args, **kwargs):
        fmt, key = request.GET.get("export"), request.GET.get("chart")
        if fmt in charts.FORMATS and key in ("figures", "trend", "breakdown"):
            self.exporting = True
            table = getattr(self, f"_{key}")()[1]
            name = f"sales-{key}-{self.grain}-{self.period.start.isoformat()}"
            return charts.table_download(table, fmt=fmt, name=name)
        return super().get(request, *args, **kwargs)

    def money(self, amount) -> str:
        return "—" if amount is None else format_money(amount, self.currency)

    def _query(self, **changes) -> str:
        params = {"grain": self.grain, "by": self.by, "currency": self.currency, "date": self.period.start.isoformat()}
        params.update(changes)
        return "?" + urlencode(params)

    def orders_url(self, period: sales.Period, **filters) -> str:
        """The orders placed in `period` (and of `filters`): a figure's drill-down."""
        params = {"placed_at_after": period.start.isoformat(), "placed_at_before": period.end.isoformat()}
        params.update({name: value for name, value in filters.items() if value is not None})
        return reverse("orders:index") + "?" + urlencode(params)

    # --- The three charts, each with its table ---------------------------------------------------

    def _figures(self):
        """This period, the one before and the same a year earlier: a table of the five figures."""
        periods = [self.period, self.period.previous(), self.period.year_before()]
        now, before, last_year = (
            sales.totals(companies=self.companies, currency=self.currency, period=each) for each in periods
        )
        rows = [
            (_("Revenue"), "revenue"),
            (_("Gross margin"), "margin"),
            (_("Orders"), "orders"),
            (_("Average order value"), "average_order_value"),
            (_("Collected"), "collected"),
        ]
        table_rows = []
        for label, attribute in rows:
            values = [getattr(figures, attribute) for figures in (now, before, last_year)]
            table_rows.append(
                [
                    label,
                    values[0],
                    values[1],
                    _change(values[0], values[1]),
                    values[2],
                    _change(values[0], values[2]),
                ]
            )
        headers = [
            _("Figure"),
            period_label(self.period),
            period_label(periods[1]),
            _("vs the period before"),
            period_label(periods[2]),
            _("vs a year before"),
        ]

        table = charts.ChartTable(
            key="figures",
            title=_("Figures"),
            headers=headers,
            rows=table_rows,
            formats=(None, self._cell, self._cell, percent, self._cell, percent),
            urls=[self.orders_url(self.period)] * len(table_rows),
        )
        return now, table, before

    def _cell(self, value) -> str:
        if isinstance(value, int):
            return str(value)
        return self.money(value)

    def _trend(self):
        points = sales.trend(companies=self.companies, currency=self.currency, period=self.period)
        labels = [period_label(each) for each, _figures in points]
        series = [
            charts.Series(_("Revenue"), [(label, f.revenue) for label, (_p, f) in zip(labels, points, strict=True)]),
            charts.Series(
                _("Collected"),
                [(label, f.collected or Decimal(0)) for label, (_p, f) in zip(labels, points, strict=True)],
            ),
        ]
        chart = charts.line_chart(series, title=_("Revenue and collected cash"), value_format=self.money)
        table = charts.ChartTable(
            key="trend",
            title=_("Revenue and collected cash"),
            headers=[_("Period"), _("Revenue"), _("Gross margin"), _("Orders"), _("Collected")],
            rows=[
                [label, f.revenue, f.margin, f.orders, f.collected]
                for label, (_p, f) in zip(labels, points, strict=True)
            ],
            formats=(None, self.money, self.money, None, self.money),
            urls=[self.orders_url(each) for each, _f in points],
        )
        return chart, table

    def _breakdown(self):
        scope = {"companies": self.companies, "currency": self.currency, "by": self.by}
        if self.exporting:
            now, total, keys = sales.breakdown(period=self.period, **scope), None, None
        else:
            now, total = sales.first_of_breakdown(period=self.period, limit=TABLE_ROWS, **scope)
            keys = [group.key for group, _f in now]  # the period before of the groups shown only
        before = dict(sales.breakdown(period=self.period.previous(), keys=keys, **scope))
        urls = [self.orders_url(self.period, **{ORDER_FILTERS[self.by]: group.key}) for group, _f in now[:TABLE_ROWS]]
        bars = [
            charts.Bar(
                group.name, figures.revenue, url=url, previous=before[group].revenue if group in before else None
            )
            for (group, figures), url in zip(now[:CHART_BARS], urls[:CHART_BARS], strict=True)
        ]
        title = _("Revenue by %(grouping)s") % {"grouping": str(sales.BREAKDOWN_LABELS[self.by]).lower()}
        chart = charts.bar_chart(bars, title=title, value_format=self.money)
        table = charts.ChartTable(
            key="breakdown",
            title=title,
            headers=[
                sales.BREAKDOWN_LABELS[self.by],
                _("Revenue"),
                _("Previous period"),
                _("Gross margin"),
                _("Margin %"),
                _("Revenue without a cost"),
                _("Quantity"),
                _("Orders"),
                _("Average order value"),
                _("Collected"),
            ],
            rows=[
                [
                    group.name,
                    figures.revenue,
                    before[group].revenue if group in before else None,
                    figures.margin,
                    figures.margin_rate,
                    figures.uncosted_revenue,
                    figures.quantity,
                    figures.orders,
                    figures.average_order_value,
                    figures.collected,
                ]
                for group, figures in now
            ],
            formats=(None, self.money, self.money, self.money, rate, self.money, None, None, self.money, self.money),
            urls=urls,
            limit=TABLE_ROWS,
            total=total,
        )
        return chart, table

    def get_context_data(self, **kwargs):
        now, figures_table, before = self._figures()
        trend_chart, trend_table = self._trend()
        breakdown_chart, breakdown_table = self._breakdown()
        get = self.request.GET
        return super().get_context_data(
            period=self.period,
            period_label=period_label(self.period),
            now=now,
            margin_rate=rate(now.margin_rate),
            uncosted=self.money(now.uncosted_revenue) if now.uncosted_revenue else "",
            grains=[(key, label, self._query(grain=key)) for key, label in sales.GRAINS.items()],
            breakdowns=[(key, label, self._query(by=key)) for key, label in sales.BREAKDOWN_LABELS.items()],
            currencies=[(code, self._query(currency=code)) for code in self.currencies]
            if len(self.currencies) > 1
            else [],
            previous_url=self._query(date=self.period.previous().start.isoformat()),
            next_url=self._query(date=(self.period.end + timedelta(days=1)).isoformat()),
            grain=self.grain,
            by=self.by,
            currency=self.currency,
            figures_table=figures_table,
            figures_exports=charts.export_query(get, key="figures"),
            trend_chart=trend_chart,
            trend_table=trend_table,
            trend_exports=charts.export_query(get, key="trend"),
            breakdown_chart=breakdown_chart,
            breakdown_table=breakdown_table,
            breakdown_exports=charts.export_query(get, key="breakdown"),
        )


urlpatterns = [path("", SalesDashboardView.as_view(), name="sales")]
