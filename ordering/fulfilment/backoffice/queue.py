"""The warehouse queue: approved orders to pick (made into a pick list, one order or a wave),
pick lists being picked, lists picked and not shipped, shipments that left today.

A fixed number of queries whatever the number of orders: each section is one query (its orders
or lists prefetched in one more), capped at `SECTION_LIMIT` rows, the oldest first.

The "create pick list" warehouse is preselected: the one the user last made a list in (kept in
the session), else the one holding the most stock allocated to the orders waiting (an order is
picked on one list, in one store: preselecting the store where its stock lies saves a wrong list)."""

from datetime import timedelta

from django import forms
from django.db.models import Exists, Func, IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages

from catalog.models import Allocation, Warehouse
from ordering.models import Order, OrderLine, OrderState

from ..models import PickLine, PickList, Shipment
from ..picking import PickingError, create_pick_list
from .common import CREATE_PICK_LISTS, FulfilmentViewMixin

SECTION_LIMIT = 100
# The session key of the warehouse the user last made a pick list in.
LAST_WAREHOUSE = "fulfilment_queue_warehouse"


def _count(queryset) -> Subquery:
    """The rows of `queryset` (filtered on an OuterRef) counted for each outer row. A correlated
    count, not a join grouped by the outer row: with the sections' LIMIT only the rows shown are
    counted (a join counted the lines of all 5,000 approved orders at the bench's large scale)."""
    # COUNT as a plain function, not an aggregate: no GROUP BY, one number per outer row.
    return Subquery(
        queryset.order_by().annotate(total=Func("pk", function="COUNT")).values("total"), output_field=IntegerField()
    )


def orders_to_pick():
    """Approved orders on no pick list, the oldest first."""
    on_a_list = PickList.orders.through.objects.filter(order_id=OuterRef("pk"))
    return (
        Order.objects.filter(state=OrderState.APPROVED)
        .filter(~Exists(on_a_list))
        .select_related("company")
        .annotate(line_count=_count(OrderLine.objects.filter(order_id=OuterRef("pk"))))
        .order_by("pk")
    )


def busiest_warehouse_id() -> int | None:
    """The warehouse whose locations hold the most stock allocated to the orders waiting to be
    picked (units of their open allocations, by where each allocated lot lies). One query."""
    waiting_lines = OrderLine.objects.filter(order__in=orders_to_pick().values("pk")).values("pk")
    return (
        Allocation.objects.filter(
            order_line_id__in=waiting_lines, released_at__isnull=True, lot__levels__quantity__gt=0
        )
        .values("lot__levels__location__warehouse")
        .annotate(units=Sum("quantity"))
        .order_by("-units", "lot__levels__location__warehouse")
        .values_list("lot__levels__location__warehouse", flat=True)
        .first()
    )


def preselected_warehouse_id(request, warehouses: list[Warehouse]) -> int | None:
    """The user's last choice while it still exists, else the busiest warehouse, else the first."""
    known = {warehouse.pk for warehouse in warehouses}
    last = request.session.get(LAST_WAREHOUSE)
    if last in known:
        return last
    busiest = busiest_warehouse_id()
    if busiest in known:
        return busiest
    return warehouses[0].pk if warehouses else None


class CreatePickListForm(forms.Form):
    orders = forms.ModelMultipleChoiceField(
        queryset=Order.objects.none(),
        error_messages={"required": gettext_lazy("Choose at least one order to pick.")},
    )
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.order_by("code"), empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = orders_to_pick()


class WarehouseQueueView(FulfilmentViewMixin, TemplateView):
    page_title = gettext_lazy("Warehouse queue")
    template_name = "fulfilment/admin/queue.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        # Today as a range of moments, not `shipped_at__date`: a date cast of every shipment.
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        # The lists name their orders' numbers only.
        warehouses = list(Warehouse.objects.order_by("code"))
        their_orders = Prefetch("orders", queryset=Order.objects.only("pk", "number").order_by("number"))
        picks = PickLine.objects.filter(pick_list_id=OuterRef("pk"))
        with_progress = PickList.objects.select_related("warehouse").annotate(
            pick_count=_count(picks), picked_count=_count(picks.filter(picked_at__isnull=False))
        )
        context.update(
            to_pick=list(orders_to_pick()[:SECTION_LIMIT]),
            picking=list(
                with_progress.filter(state__in=[PickList.State.OPEN, PickList.State.PICKING])
                .prefetch_related(their_orders)
                .order_by("pk")[:SECTION_LIMIT]
            ),
            picked=list(
                with_progress.filter(state=PickList.State.DONE)
                .filter(Exists(picks.filter(picked_quantity__gt=0, shipment__isnull=True)))
                .prefetch_related(their_orders)
                .order_by("pk")[:SECTION_LIMIT]
            ),
            shipped_today=list(
                Shipment.objects.filter(shipped_at__gte=today, shipped_at__lt=today + timedelta(days=1))
                .select_related("order__company")
                .order_by("-shipped_at")[:SECTION_LIMIT]
            ),
            warehouses=warehouses,
            preselected_warehouse=preselected_warehouse_id(self.request, warehouses),
            form=form,
            can_create=self.request.user.has_perm(CREATE_PICK_LISTS),
            section_limit=SECTION_LIMIT,
        )
        return context


class CreatePickListView(WarehouseQueueView):
    """The "create pick list" button: a list for the orders ticked in the queue."""

    permission = CREATE_PICK_LISTS
    http_method_names = ["post"]

    def post(self, request):
        form = CreatePickListForm(request.POST)
        if form.is_valid():
            try:
                pick_list = create_pick_list(
                    orders=form.cleaned_data["orders"], warehouse=form.cleaned_data["warehouse"], user=request.user
                )
            except PickingError as error:
                form.add_error(None, str(error))
            else:
                request.session[LAST_WAREHOUSE] = pick_list.warehouse_id
                messages.success(request, _("Pick list %(number)s created.") % {"number": pick_list.number})
                return redirect(reverse("fulfilment_admin:pick_list", args=[pick_list.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)
