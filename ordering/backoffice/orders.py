"""The orders list (filters, search, CSV/XLSX) and each order's page."""

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from accounts.backoffice import SalesRepFilterMixin
from accounts.models import Region
from accounts.selectors import companies_for_staff, sales_reps
from catalog.models import Allocation
from kit.backoffice import (
    CsvForExcelMixin,
    ListingTitleColumn,
    LongSelect,
)
from kit.money import format_money

from .. import states
from ..models import ApprovalStep, Order, OrderState
from ..selectors import awaiting_decision_by, orders_for_staff
from .common import (
    PLACE_FOR_CUSTOMERS,
    VIEW_ORDERS,
    WAITING_STATES,
    _placed_by,
    _role_label,
)

# --- Orders: list -----------------------------------------------------------------------------


class OrderFilterSet(SalesRepFilterMixin, WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=OrderState.choices, empty_label=gettext_lazy("All")
    )
    company = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Customer"),
        queryset=lambda request: (
            companies_for_staff(request.user).select_related(None).only("display_name").order_by("display_name")
        ),
        widget=LongSelect,  # every customer: thousands of options
    )
    sales_rep = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Sales rep"), field_name="company__sales_rep", queryset=lambda request: sales_reps()
    )
    region = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Region"), field_name="company__region", queryset=Region.objects.all()
    )
    placed_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Placed"), widget=DateRangePickerWidget)
    # Drill-downs from the dashboards: orders with a line of this product or category (hidden:
    # thousands of products would make a select no one could use).
    product = django_filters.NumberFilter(field_name="lines__product", distinct=True, widget=forms.HiddenInput)
    category = django_filters.NumberFilter(
        field_name="lines__product__category", distinct=True, widget=forms.HiddenInput
    )

    class Meta:
        model = Order
        fields = ["state", "company", "sales_rep", "region", "placed_at", "product", "category"]


class OrderIndexView(CsvForExcelMixin, generic.IndexView):
    page_title = gettext_lazy("Orders")
    place_url_name = None

    def get_base_queryset(self):
        return orders_for_staff(self.request.user).select_related("company", "placed_by", "placed_for_customer_by")

    @cached_property
    def columns(self):
        return [
            ListingTitleColumn(
                "number",
                label=gettext_lazy("Order"),
                sort_key="number",
                get_url=self.get_inspect_url,
                get_buttons=self.get_list_buttons,
            ),
            Column("company", label=gettext_lazy("Customer"), sort_key="company__display_name"),
            DateColumn("placed_at", label=gettext_lazy("Placed"), sort_key="placed_at"),
            Column("placed_by", label=gettext_lazy("Placed by"), accessor=_placed_by),
            StatusTagColumn(
                "state",
                label=gettext_lazy("Status"),
                accessor=lambda order: states.label(order.state, staff=True),
                primary=lambda order: order.state in WAITING_STATES,
                sort_key="state",
            ),
            Column("po_number", label=gettext_lazy("PO number"), sort_key="po_number"),
            Column(
                "total",
                label=gettext_lazy("Total"),
                accessor=lambda order: format_money(order.total, order.currency),
                sort_key="total",
            ),
        ]

    def get_list_more_buttons(self, instance):
        buttons = []
        if inspect_url := self.get_inspect_url(instance):
            buttons.append(MenuItem(_("Order details"), inspect_url, icon_name="view", priority=10))
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(PLACE_FOR_CUSTOMERS):
            buttons.append(
                HeaderButton(
                    _("Place an order for a customer"),
                    url=reverse("ordering_admin:place_for_customer"),
                    icon_name="plus",
                )
            )
        return buttons

    def to_row_dict(self, item):
        return {
            "number": item.number,
            "company": item.company.display_name,
            "placed_at": timezone.localtime(item.placed_at).strftime("%Y-%m-%d %H:%M"),
            "placed_by": str(item.placed_by),
            "placed_for_customer_by": str(item.placed_for_customer_by or ""),
            "state": states.label(item.state, staff=True),
            "po_number": item.po_number,
            "currency": item.currency,
            "subtotal": item.subtotal,
            "tax_total": item.tax_total,
            "total": item.total,
        }


# --- Orders: one order ------------------------------------------------------------------------


@dataclass
class LineWithLots:
    line: object
    allocations: list = field(default_factory=list)


class OrderDetailView(generic.InspectView):
    """Everything about one order, read-only: what was ordered at which price and from which
    list, which lots hold it, what it waits for and who moved it when."""

    page_title = gettext_lazy("Order")
    template_name = "ordering/admin/order_detail.html"
    customer_url_name = "customers:inspect"

    def get_object(self, queryset=None):
        orders = orders_for_staff(self.request.user).select_related("company", "placed_by", "placed_for_customer_by")
        return get_object_or_404(orders, pk=self.pk)

    def get_fields_context(self):
        # The template lays the order out itself; Wagtail's generic field list is not used.
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        lines = list(order.lines.all())
        by_line = {line.pk: LineWithLots(line) for line in lines}
        for allocation in (
            Allocation.objects.filter(order_line_id__in=list(by_line))
            .select_related("lot")
            .order_by("lot__expiry_date", "pk")
        ):
            by_line[allocation.order_line_id].allocations.append(allocation)
        context.update(
            order=order,
            lines=list(by_line.values()),
            events=list(order.events.select_related("actor")),
            steps=[
                _with_decider_label(step)
                for step in order.approval_steps.select_related("decided_by", "approver_group")
            ],
            customer_url=reverse(self.customer_url_name, args=[order.company_id]),
            waiting_for_me=self.request.user.has_perm(VIEW_ORDERS)
            and awaiting_decision_by(self.request.user).filter(pk=order.pk).exists(),
            queue_url=reverse("ordering_admin:approval_queue"),
        )
        return context


def _with_decider_label(step: ApprovalStep) -> ApprovalStep:
    if step.customer_side:
        step.decider_label = _("The customer's approver")
    else:
        step.decider_label = _role_label(step.approver_group) if step.approver_group else "—"
    return step


# --- Orders: the viewset ----------------------------------------------------------------------


class OrderViewSet(ModelViewSet):
    model = Order
    icon = "list-ul"
    menu_label = gettext_lazy("Orders")
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = OrderIndexView
    inspect_view_class = OrderDetailView
    ordering = ["-placed_at", "-pk"]
    list_per_page = 50
    search_fields = ["number", "po_number", "company__display_name", "company__legal_name"]
    search_backend_name = None  # plain database search; orders are not in Wagtail's index
    # No content refers to orders: keep placement free of Wagtail's reference-index task.
    add_to_reference_index = False
    filterset_class = OrderFilterSet
    list_export = [
        "number",
        "company",
        "placed_at",
        "placed_by",
        "placed_for_customer_by",
        "state",
        "po_number",
        "currency",
        "subtotal",
        "tax_total",
        "total",
    ]
    export_headings = {
        "number": gettext_lazy("Order"),
        "company": gettext_lazy("Customer"),
        "placed_at": gettext_lazy("Placed"),
        "placed_by": gettext_lazy("Placed by"),
        "placed_for_customer_by": gettext_lazy("Placed on the customer's behalf by"),
        "state": gettext_lazy("Status"),
        "po_number": gettext_lazy("PO number"),
        "currency": gettext_lazy("Currency"),
        "subtotal": gettext_lazy("Subtotal"),
        "tax_total": gettext_lazy("Tax"),
        "total": gettext_lazy("Total"),
    }
    export_filename = "orders"

    def get_urlpatterns(self):
        # Only the list and each order's page: orders are never added, edited or deleted here.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]
