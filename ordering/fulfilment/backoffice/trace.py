"""Traceability screens (URL namespace "fulfilment_trace", under /backoffice/fulfilment/trace/):

- a lot's receivers (`LotTraceView`), with its CSV / XLSX export (`LotTraceExportView`, through
  kit.spreadsheets' writer, which neutralises formulas) and a print layout (print CSS);
- the recall of a lot (`LotRecallView`: a confirm step with a required reason);
- the lots of an order (`OrderLotsView`);
- expiring lots and the orders holding them (`ExpiringLotsView`).

Who sees what: the screens need `catalog.view_lot` (`VIEW_STOCK`); the rows are narrowed to the
customers the user may see (`accounts.selectors.companies_for_staff`: a sales rep sees only their
own, the exports too). Recalling needs `fulfilment.recall_lot` (warehouse and manager).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.widgets.button import HeaderButton

from accounts.selectors import companies_for_staff, sees_all_companies
from catalog.backoffice import VIEW_STOCK, product_stock_url
from catalog.models import Lot
from catalog.stock import lots_expiring
from kit.backoffice import PermissionTemplateMixin
from kit.spreadsheets import download
from ordering.selectors import orders_for_staff

from ..trace import lots_of_order, orders_holding_lots, recall_lot, recall_of, recall_recipients, receivers_of_lot

RECALL_LOT = "fulfilment.recall_lot"
FORMATS = ("csv", "xlsx")


def lot_trace_url(lot_id: int) -> str:
    return reverse("fulfilment_trace:lot", args=[lot_id])


def order_lots_url_prefix() -> str:
    """`fulfilment_trace:order`'s URL without its id: the id and "/" follow (see the pattern)."""
    url = reverse("fulfilment_trace:order", args=[0])
    return url.removesuffix("0/")


def day_formatter():
    """`|date:"SHORT_DATE_FORMAT"` of a moment's local day, formatted once per day: a lot's
    hundreds of shipments left on a few dozen days, and each format costs ~50 µs."""
    formatted: dict = {}

    def short_date(moment) -> str:
        day = timezone.localtime(moment).date()
        if day not in formatted:
            formatted[day] = date_format(day, "SHORT_DATE_FORMAT")
        return formatted[day]

    return short_date


def customer_scope(user):
    """The customers whose rows the user sees: None for every customer, else a queryset."""
    return None if sees_all_companies(user) else companies_for_staff(user)


def _lot(pk) -> Lot:
    return get_object_or_404(Lot.objects.select_related("product"), pk=pk)


class TraceViewMixin(PermissionTemplateMixin):
    permission = VIEW_STOCK
    header_icon = "clipboard-list"


# --- A lot's receivers ------------------------------------------------------------------------


class LotTraceView(TraceViewMixin, TemplateView):
    """Every customer, order and shipment that received the lot, then the orders still holding
    it; printable. Four queries whatever the number of receivers (the lot, its recall, the
    shipment lines, the order lines holding it), besides the admin's own."""

    template_name = "fulfilment/admin/trace_lot.html"
    page_title = gettext_lazy("Lot trace")

    def dispatch(self, request, *args, **kwargs):
        self.lot = _lot(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.lot.product.sku} · {self.lot.number}"

    def get_header_buttons(self):
        buttons = [
            HeaderButton(_("Download CSV"), url=reverse("fulfilment_trace:export", args=[self.lot.pk, "csv"])),
            HeaderButton(_("Download XLSX"), url=reverse("fulfilment_trace:export", args=[self.lot.pk, "xlsx"])),
        ]
        if self.request.user.has_perm(RECALL_LOT):
            buttons.append(
                HeaderButton(_("Recall this lot"), url=reverse("fulfilment_trace:recall", args=[self.lot.pk]))
            )
        return buttons

    def get_context_data(self, **kwargs):
        rows = receivers_of_lot(self.lot, companies=customer_scope(self.request.user))
        short_date = day_formatter()
        return super().get_context_data(
            lot=self.lot,
            product=self.lot.product,
            recall=recall_of(self.lot),
            shipped=[(row, short_date(row.shipped_at)) for row in rows if row.shipped],
            holding=[row for row in rows if not row.shipped],
            stock_url=product_stock_url(self.lot.product_id),
            printed_at=timezone.now(),
            # Once, not per row: a lot shipped to 500 customers draws 500 rows.
            sales_unit=self.lot.product.get_sales_unit_display(),
            order_url_prefix=order_lots_url_prefix(),
            **kwargs,
        )


def trace_sheet(lot: Lot, rows) -> tuple[list[str], list[list]]:
    """The export's headings and rows (the same columns as the page)."""
    headers = [
        _("Customer"),
        _("Order"),
        _("Status"),
        _("Shipment"),
        _("Shipped"),
        _("Quantity"),
        _("SKU"),
        _("Lot number"),
    ]
    body = [
        [
            row.company.display_name,
            row.order.number,
            _("Shipped") if row.shipped else _("Allocated, not shipped"),
            row.shipment.number if row.shipped else "",
            timezone.localtime(row.shipped_at).date() if row.shipped else "",
            row.quantity,
            lot.product.sku,
            lot.number,
        ]
        for row in rows
    ]
    return headers, body


class LotTraceExportView(TraceViewMixin, TemplateView):
    """The lot's receivers as CSV or XLSX, narrowed like the page."""

    def get(self, request, *args, **kwargs):
        if kwargs["fmt"] not in FORMATS:
            raise Http404
        lot = _lot(kwargs["pk"])
        headers, rows = trace_sheet(lot, receivers_of_lot(lot, companies=customer_scope(request.user)))
        sheet = download(f"lot-trace-{lot.product.sku}-{lot.number}", kwargs["fmt"], headers, rows, _("Lot trace"))
        response = HttpResponse(sheet.content, content_type=sheet.content_type)
        response["Content-Disposition"] = f'attachment; filename="{sheet.filename}"'
        return response


# --- Recall -----------------------------------------------------------------------------------


class RecallForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy("The customers read it in the recall notice."),
    )


class LotRecallView(TraceViewMixin, FormView):
    """Confirm a recall: who will be told, and why (required)."""

    template_name = "fulfilment/admin/trace_recall.html"
    form_class = RecallForm
    permission = RECALL_LOT
    page_title = gettext_lazy("Recall a lot")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RECALL_LOT):
            raise PermissionDenied
        self.lot = _lot(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.lot.product.sku} · {self.lot.number}"

    def get_context_data(self, **kwargs):
        recipients = recall_recipients(self.lot)
        return super().get_context_data(
            lot=self.lot,
            recall=recall_of(self.lot),
            customer_count=len(recipients),
            people_count=sum(len(users) for users in recipients.values()),
            trace_url=lot_trace_url(self.lot.pk),
            **kwargs,
        )

    def form_valid(self, form):
        recall, created = recall_lot(lot=self.lot, reason=form.cleaned_data["reason"], user=self.request.user)
        if created:
            messages.success(
                self.request,
                _("Lot %(lot)s is on quality hold; %(count)s people were told.")
                % {"lot": self.lot.number, "count": recall.notified},
            )
        else:
            messages.info(self.request, _("Lot %(lot)s was already recalled.") % {"lot": self.lot.number})
        return redirect(lot_trace_url(self.lot.pk))


# --- An order's lots --------------------------------------------------------------------------


class OrderLotsView(TraceViewMixin, TemplateView):
    """Every lot in an order, shipped and allocated; another rep's customer's order is 404."""

    template_name = "fulfilment/admin/trace_order.html"
    page_title = gettext_lazy("Lots in an order")

    def dispatch(self, request, *args, **kwargs):
        self.order = get_object_or_404(orders_for_staff(request.user).select_related("company"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.order.number} · {self.order.company}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(order=self.order, rows=lots_of_order(self.order), **kwargs)


# --- Expiring lots and their orders -----------------------------------------------------------


class ExpiringLotsView(TraceViewMixin, TemplateView):
    """The expiry warnings' lots, each with the orders (of the customers the user sees) holding
    allocations on it: three queries whatever the number of lots or orders."""

    template_name = "fulfilment/admin/trace_expiring.html"
    page_title = gettext_lazy("Expiring lots and their orders")
    header_icon = "warning"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        lots = lots_expiring(today=today)
        holding = orders_holding_lots([lot.pk for lot in lots], companies=customer_scope(self.request.user))
        rows = [
            {
                "lot": lot,
                "days_left": (lot.expiry_date - today).days,
                "orders": holding.get(lot.pk, []),
                "trace_url": lot_trace_url(lot.pk),
            }
            for lot in lots
        ]
        return super().get_context_data(rows=rows, **kwargs)


urlpatterns = [
    path("lots/<int:pk>/", LotTraceView.as_view(), name="lot"),
    path("lots/<int:pk>/export/<str:fmt>/", LotTraceExportView.as_view(), name="export"),
    path("lots/<int:pk>/recall/", LotRecallView.as_view(), name="recall"),
    path("orders/<int:pk>/", OrderLotsView.as_view(), name="order"),
    path("expiring/", ExpiringLotsView.as_view(), name="expiring"),
]
