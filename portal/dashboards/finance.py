"""The finance dashboard ("dashboards_finance", under Dashboards): receivables aging, DSO by month,
the overdue invoices worst first, and collected vs invoiced by month, for a period of months.

Every chart has its numbers as a table and CSV/XLSX exports (`?export=csv|xlsx&chart=<key>`,
through `kit.charts`); the overdue list exports whole. Finance and managers see every customer,
a sales rep only their own (charts, tables and exports alike: all read `companies_for_staff`).

Reads only: aging and DSO from `billing.aging` (the open invoices, one aggregate), the months
from billing's monthly rollup (`billing.rollup.months`, one aggregate over a row per company and
month), never the ledger's entries.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.db.models import QuerySet
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.models import Company
from accounts.selectors import companies_for_staff
from billing import aging, rollup
from kit import charts
from kit.backoffice import PermissionTemplateMixin
from kit.money import format_money
from kit.spreadsheets import FORMATS

VIEW_FINANCE = "billing.view_invoice"
PERIODS = (3, 6, 12, 24)  # months the period selector offers
DEFAULT_PERIOD = 12
OVERDUE_SHOWN = 20


@dataclass
class FinanceFigures:
    today: date
    period: int
    aging: list[aging.AgingRow]  # per currency
    dso: dict[str, list[aging.DsoPoint]]
    months: dict[str, list[rollup.Month]]  # the period's months, per currency
    overdue: QuerySet


def finance_figures(companies: QuerySet[Company], *, today: date, period: int = DEFAULT_PERIOD) -> FinanceFigures:
    """Everything the dashboard shows for `companies` on `today`, over the last `period` months
    (the current one included). Two aggregates; the overdue invoices stay a lazy queryset."""
    window = aging.DSO_WINDOW_MONTHS
    first = rollup.add_months(rollup.month_of(today), -(period - 1))
    months = rollup.months(companies, first=rollup.add_months(first, -(window - 1)), last=today)
    return FinanceFigures(
        today=today,
        period=period,
        aging=aging.aging(companies, today, group_by=None),  # the totals per currency
        dso=aging.dso_trend(months, today, window=window),
        months={currency: rows[window - 1 :] for currency, rows in months.items()},
        overdue=aging.overdue_invoices(companies, today),
    )


def month_label(month: date) -> str:
    return _month_label(month, get_language())


@lru_cache(maxsize=256)
def _month_label(month: date, language: str) -> str:
    # Formatting a date costs a locale lookup each time; a page names each month three times.
    return date_format(month, "YEAR_MONTH_FORMAT")


def _money(currency: str):
    return lambda value: format_money(value, currency)


def _percent(value) -> str:
    return f"{value}%"


# --- The tables behind the charts --------------------------------------------------------------


def aging_table(row: aging.AgingRow, today: date) -> charts.ChartTable:
    drill = reverse("billing_aging:invoices")
    return charts.ChartTable(
        key=f"aging-{row.currency}",
        title=_("Receivables aging (%(currency)s)") % {"currency": row.currency},
        headers=[_("Days past due"), _("Open amount")],
        rows=[[str(aging.BUCKET_LABELS[bucket]), amount] for bucket, amount in row.amounts()],
        formats=(None, _money(row.currency)),
        urls=[f"{drill}?{urlencode({'bucket': bucket, 'date': today.isoformat()})}" for bucket in aging.BUCKETS],
    )


def dso_table(currency: str, points: list[aging.DsoPoint]) -> charts.ChartTable:
    money = _money(currency)
    return charts.ChartTable(
        key=f"dso-{currency}",
        title=_("Days sales outstanding by month (%(currency)s)") % {"currency": currency},
        headers=[
            _("Month"),
            _("Net receivables at month end"),
            _("Invoiced in the last 3 months"),
            _("Days"),
            _("DSO"),
        ],
        rows=[[month_label(p.month), p.receivables, p.sales, p.days, p.dso] for p in points],
        formats=(None, money, money, None, None),
    )


def flow_table(currency: str, months: list[rollup.Month]) -> charts.ChartTable:
    money = _money(currency)
    return charts.ChartTable(
        key=f"flow-{currency}",
        title=_("Collected vs invoiced (%(currency)s)") % {"currency": currency},
        headers=[
            _("Month"),
            _("Invoiced"),
            _("Credited"),
            _("Collected"),
            pgettext("money", "Written off"),
            _("Closing balance"),
            _("Collected / invoiced"),
        ],
        rows=[
            [
                month_label(m.month),
                m.invoiced,
                m.credited,
                m.collected,
                m.written_off,
                m.closing_balance,
                m.collection_rate,
            ]
            for m in months
        ],  # fmt: skip
        formats=(None, money, money, money, money, money, _percent),
    )


def overdue_table(invoices, today: date) -> charts.ChartTable:
    return charts.ChartTable(
        key="overdue",
        title=_("Overdue invoices"),
        headers=[_("Invoice"), _("Customer"), _("Due"), _("Days past due"), _("Currency"), _("Open")],
        rows=[
            [i.number, i.company.display_name, i.due_on, i.days_overdue(today), i.currency, i.open_amount]
            for i in invoices
        ],
    )


# --- The charts ----------------------------------------------------------------------------------


def aging_chart(row: aging.AgingRow, table: charts.ChartTable):
    bars = [charts.Bar(label, amount, url=url) for (label, amount), url in zip(table.rows, table.urls, strict=True)]
    return charts.bar_chart(bars, title=table.title, value_format=_money(row.currency))


def dso_chart(currency: str, points: list[aging.DsoPoint], title: str):
    series = charts.Series(_("DSO (days)"), [(month_label(p.month), p.dso) for p in points if p.dso is not None])
    return charts.line_chart([series], title=title, value_format=str)


def flow_chart(currency: str, months: list[rollup.Month], title: str):
    invoiced = charts.Series(_("Invoiced"), [(month_label(m.month), m.invoiced) for m in months])
    collected = charts.Series(_("Collected"), [(month_label(m.month), m.collected) for m in months])
    return charts.line_chart([invoiced, collected], title=title, value_format=_money(currency))


# --- The view --------------------------------------------------------------------------------------


def _today(request) -> date:
    return parse_date(request.GET.get("date") or "") or timezone.localdate()


def _period(request) -> int:
    raw = request.GET.get("months", "")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else DEFAULT_PERIOD


class FinanceDashboardView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_FINANCE
    page_title = gettext_lazy("Finance dashboard")
    header_icon = "table"
    template_name = "dashboards/finance.html"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            return self.export(fmt, request.GET.get("chart", ""))
        return super().get(request, *args, **kwargs)

    def figures(self) -> FinanceFigures:
        companies = companies_for_staff(self.request.user)
        return finance_figures(companies, today=_today(self.request), period=_period(self.request))

    def tables(self, figures: FinanceFigures) -> dict[str, charts.ChartTable]:
        tables = {}
        for row in figures.aging:
            table = aging_table(row, figures.today)
            tables[table.key] = table
        for currency, points in figures.dso.items():
            table = dso_table(currency, points[-figures.period :])
            tables[table.key] = table
        for currency, months in figures.months.items():
            table = flow_table(currency, months)
            tables[table.key] = table
        return tables

    def get_context_data(self, **kwargs):
        figures = self.figures()
        tables = self.tables(figures)
        query = self.request.GET
        sections = []
        for currency in sorted({row.currency for row in figures.aging} | set(figures.months)):
            section = {"currency": currency, "charts": []}
            for row in figures.aging:
                if row.currency == currency:
                    table = tables[f"aging-{currency}"]
                    section["charts"].append((aging_chart(row, table), table))
            if currency in figures.dso:
                table = tables[f"dso-{currency}"]
                points = figures.dso[currency][-figures.period :]
                section["charts"].append((dso_chart(currency, points, table.title), table))
            if currency in figures.months:
                table = tables[f"flow-{currency}"]
                section["charts"].append((flow_chart(currency, figures.months[currency], table.title), table))
            section["charts"] = [
                {"chart": chart, "table": table, "exports": charts.export_query(query, key=table.key)}
                for chart, table in section["charts"]
            ]
            sections.append(section)
        overdue = list(figures.overdue[:OVERDUE_SHOWN])
        period_links = []
        for months in PERIODS:
            params = query.copy()
            params.pop("export", None)
            params["months"] = months
            period_links.append((months, f"?{params.urlencode()}", months == figures.period))
        return super().get_context_data(
            today=figures.today,
            period=figures.period,
            period_links=period_links,
            sections=sections,
            overdue=[(invoice, invoice.days_overdue(figures.today)) for invoice in overdue],
            overdue_more=len(overdue) == OVERDUE_SHOWN,
            overdue_exports=charts.export_query(query, key="overdue"),
            aging_url=f"{reverse('billing_aging:report')}?{urlencode({'date': figures.today.isoformat()})}",
            **kwargs,
        )

    def export(self, fmt: str, key: str):
        figures = self.figures()
        stamp = figures.today.isoformat()
        if key == "overdue":
            table = overdue_table(figures.overdue.iterator(chunk_size=2000), figures.today)
        else:
            table = self.tables(figures).get(key)
            if table is None:
                raise Http404
        return charts.table_download(table, fmt=fmt, name=f"finance-{key}-{stamp}")


urlpatterns = [
    path("", FinanceDashboardView.as_view(), name="index"),
]
