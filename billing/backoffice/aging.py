"""Receivables aging in the back office ("billing_aging"): the report grouped by customer, sales
rep or region with its totals and days sales outstanding, each cell a link to the invoices behind
it, both exportable as CSV or XLSX (`?export=csv|xlsx`, through `kit.spreadsheets`, formula-safe).

Finance and managers see every customer; a sales rep only their own (the page, the drill-down
and the exports alike: all read `companies_for_staff`). Reads only: `billing.aging`.
"""

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.widgets.button import HeaderButton

from accounts.selectors import companies_for_staff
from kit.backoffice import PermissionTemplateMixin
from kit.languages import in_active_language
from kit.spreadsheets import download

from .. import aging

VIEW_AGING = "billing.view_invoice"
FORMATS = ("csv", "xlsx")
INVOICES_PER_PAGE = 50
ROWS_PER_PAGE = 50


def _today(request) -> date:
    return parse_date(request.GET.get("date") or "") or timezone.localdate()


def _group_by(request) -> str:
    group_by = request.GET.get("group_by", "company")
    return group_by if group_by in aging.GROUPINGS else "company"


def group_name(group_by: str, names: tuple) -> str:
    if group_by == "sales_rep":
        first, last, email = names
        return f"{first} {last}".strip() or email or _("No sales rep")
    if group_by == "region":
        return in_active_language(*names) if names[0] else _("No region")
    return names[0]


def _sheet_response(sheet) -> HttpResponse:
    response = HttpResponse(sheet.content, content_type=sheet.content_type)
    response["Content-Disposition"] = f'attachment; filename="{sheet.filename}"'
    return response


class AgingView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_AGING
    page_title = gettext_lazy("Receivables aging")
    header_icon = "date"
    template_name = "billing/admin/aging.html"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def rows(self):
        companies = companies_for_staff(self.request.user)
        return aging.aging(companies, _today(self.request), group_by=_group_by(self.request))

    def get_header_buttons(self):
        query = self.request.GET.copy()
        buttons = []
        for fmt, label in (("csv", _("Download CSV")), ("xlsx", _("Download XLSX"))):
            query["export"] = fmt
            buttons.append(HeaderButton(label, url=f"?{query.urlencode()}"))
        return buttons

    def get_context_data(self, **kwargs):
        today, group_by = _today(self.request), _group_by(self.request)
        rows = self.rows()
        totals = aging.totals(rows)
        # The most overdue first, a page at a time: the totals and exports have every row.
        page = Paginator(rows, ROWS_PER_PAGE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        drill = reverse("billing_aging:invoices")

        # A row's link is encoded once and each bucket's parameter appended to it: hundreds of rows
        # times six links each made urlencode a fifth of the page's time (bench/scenarios_billing.py).
        bucket_params = {bucket: "&" + urlencode({"bucket": bucket}) for bucket in aging.BUCKETS}

        def row_link(row):
            params = {"group_by": group_by, "key": "" if row.key is None else row.key, "date": today.isoformat()}
            return f"{drill}?{urlencode(params)}"

        return super().get_context_data(
            today=today,
            group_by=group_by,
            groupings=[(key, aging.GROUP_LABELS[key]) for key in aging.GROUPINGS],
            buckets=[aging.BUCKET_LABELS[bucket] for bucket in aging.BUCKETS],
            rows=[
                {
                    "name": group_name(group_by, row.names),
                    "currency": row.currency,
                    "cells": [(amount, url + bucket_params[bucket]) for bucket, amount in row.amounts()],
                    "total": row.total,
                    "total_url": url,
                    "invoices": row.invoices,
                }
                for row, url in ((row, row_link(row)) for row in page.object_list)
            ],
            page=page,
            query=query.urlencode(),
            totals=totals,
            dso=aging.dso(companies_for_staff(self.request.user), today, totals=totals),
            **kwargs,
        )

    def export(self, fmt: str) -> HttpResponse:
        group_by = _group_by(self.request)
        headers = [
            str(aging.GROUP_LABELS[group_by]),
            _("Currency"),
            *[str(aging.BUCKET_LABELS[bucket]) for bucket in aging.BUCKETS],
            _("Total"),
            _("Invoices"),
        ]
        body = [
            [
                group_name(group_by, row.names),
                row.currency,
                *[amount for _b, amount in row.amounts()],
                row.total,
                row.invoices,
            ]
            for row in self.rows()
        ]
        name = f"aging-{group_by}-{_today(self.request).isoformat()}"
        return _sheet_response(download(name, fmt, headers, body, _("Receivables aging")))


class AgingInvoicesView(PermissionTemplateMixin, TemplateView):
    """The invoices behind a cell: `?bucket=` one bucket (else all open), `?group_by=&key=` one
    group (else all the user sees)."""

    permission = VIEW_AGING
    page_title = gettext_lazy("Open invoices")
    header_icon = "doc-full"
    template_name = "billing/admin/aging_invoices.html"

    def invoices(self):
        request = self.request
        bucket = request.GET.get("bucket", "")
        bucket = bucket if bucket in aging.BUCKETS else None
        group_by = request.GET.get("group_by", "")
        key = None
        if group_by in aging.GROUPINGS and "key" in request.GET:
            raw = request.GET["key"]
            key = int(raw) if raw.isdigit() else None
        else:
            group_by = None
        self.bucket = bucket
        return aging.invoices_in_bucket(
            companies_for_staff(request.user), _today(request), bucket=bucket, group_by=group_by, key=key
        )

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("billing_aging:report"), "label": _("Receivables aging")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_header_buttons(self):
        query = self.request.GET.copy()
        buttons = []
        for fmt, label in (("csv", _("Download CSV")), ("xlsx", _("Download XLSX"))):
            query["export"] = fmt
            buttons.append(HeaderButton(label, url=f"?{query.urlencode()}"))
        return buttons

    def get_context_data(self, **kwargs):
        today = _today(self.request)
        page = Paginator(self.invoices(), INVOICES_PER_PAGE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        return super().get_context_data(
            page=page,
            invoices=[(invoice, invoice.days_overdue(today)) for invoice in page.object_list],
            bucket=aging.BUCKET_LABELS.get(self.bucket, _("All open")),
            query=query.urlencode(),
            **kwargs,
        )

    def export(self, fmt: str) -> HttpResponse:
        today = _today(self.request)
        headers = [
            _("Invoice"),
            _("Customer"),
            _("Sales rep"),
            _("Region"),
            _("Issued"),
            _("Due"),
            _("Days past due"),
            _("Currency"),
            _("Total"),
            _("Open"),
        ]
        body = [
            [
                invoice.number,
                invoice.company.display_name,
                str(invoice.company.sales_rep or ""),
                str(invoice.company.region),
                invoice.issued_on,
                invoice.due_on,
                invoice.days_overdue(today),
                invoice.currency,
                invoice.total,
                invoice.open_amount,
            ]
            for invoice in self.invoices().iterator(chunk_size=2000)
        ]
        return _sheet_response(download(f"open-invoices-{today.isoformat()}", fmt, headers, body, _("Open invoices")))


urlpatterns = [
    path("", AgingView.as_view(), name="report"),
    path("invoices/", AgingInvoicesView.as_view(), name="invoices"),
]
