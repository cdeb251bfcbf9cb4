"""The back-office dashboard's panels, each for the staff roles that act on it.

| panel | roles | what |
|---|---|---|
| approvals waiting | order approver, manager | orders awaiting a staff approval (an approver: those waiting for them) |
| credit holds | finance, manager | orders on credit hold |
| expiry warnings | warehouse, manager, sales rep | lots within their category's warning days (stock.lots_expiring) |
| low stock | warehouse, manager | catalog.stock.low_stock_products: free stock below three minimum orders |
| today's orders | sales rep, manager, order approver | count and value per currency of orders placed today |

Orders are read through ordering.selectors (orders_for_staff: a sales rep sees only their own
customers'). Each panel runs a fixed number of queries whatever the number of rows: a COUNT and
the first few rows (LIMIT), never every row read into Python.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Sum, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component
from wagtail.permission_policies.pages import PagePermissionPolicy

from accounts import roles
from catalog.stock import lots_expiring, low_stock_products
from ordering.models import OrderState
from ordering.selectors import awaiting_decision_by, orders_for_staff

FIRST_FEW = 5


def first_and_count(queryset, few: int = FIRST_FEW) -> tuple[int, list]:
    """How many rows `queryset` has and its first `few`, in one query (`COUNT(*) OVER ()` beside
    the rows): for a panel whose filter is the expensive part, it runs once instead of twice.
    Not for a DISTINCT queryset (the window counts before DISTINCT)."""
    rows = list(queryset.annotate(panel_total=Window(Count("pk")))[:few])
    return (rows[0].panel_total if rows else 0), rows


def roles_of(request) -> set[str]:
    """The staff roles of the signed-in user, read once per request."""
    if not hasattr(request, "_dashboard_roles"):
        request._dashboard_roles = set(roles.staff_roles(request.user))
    return request._dashboard_roles


def may_edit_pages(request) -> bool:
    """Content editors (and superusers): they keep Wagtail's page search and page panels."""
    if not hasattr(request, "_dashboard_may_edit_pages"):
        request._dashboard_may_edit_pages = PagePermissionPolicy().user_has_any_permission(
            request.user, ["add", "change", "publish"]
        )
    return request._dashboard_may_edit_pages


class DashboardPanel(Component):
    name = ""
    heading = ""
    for_roles: frozenset[str] = frozenset()
    order = 50

    def __init__(self, request):
        self.request = request

    @classmethod
    def shown_to(cls, request) -> bool:
        return request.user.is_superuser or bool(cls.for_roles & roles_of(request))

    def rows(self) -> tuple[int, list]:
        """How many there are, and the first few."""
        raise NotImplementedError

    def link(self) -> tuple[str, str] | None:
        return None

    def get_context_data(self, parent_context=None):
        count, first = self.rows()
        return {"panel": self, "count": count, "first": first, "link": self.link()}


class _OrderPanel(DashboardPanel):
    template_name = "dashboards/order_panel.html"

    def orders(self):
        raise NotImplementedError

    def rows(self):
        orders = self.orders()
        first = list(orders.select_related("company").order_by("placed_at", "pk")[:FIRST_FEW])
        return orders.count(), first


class ApprovalsPanel(_OrderPanel):
    name = "approvals_waiting"
    heading = _("Approvals waiting")
    for_roles = frozenset({roles.ORDER_APPROVER, roles.MANAGER})
    order = 10

    def orders(self):
        user = self.request.user
        if user.is_superuser or roles.ORDER_APPROVER in roles_of(self.request):
            # Those waiting for this approver's decision (the queue they work in).
            return awaiting_decision_by(user).filter(state=OrderState.AWAITING_APPROVAL)
        return orders_for_staff(user).filter(state=OrderState.AWAITING_APPROVAL)

    def link(self):
        return reverse("ordering_admin:approval_queue"), _("Open the approval queue")


class CreditHoldsPanel(_OrderPanel):
    name = "credit_holds"
    heading = _("Credit holds")
    for_roles = frozenset({roles.FINANCE, roles.MANAGER})
    order = 20

    def orders(self):
        return orders_for_staff(self.request.user).filter(state=OrderState.CREDIT_HOLD)

    def link(self):
        if self.request.user.has_perm("accounts.change_credit_terms"):
            return reverse("ordering_admin:approval_queue"), _("Release or reject in the approval queue")
        return f"{reverse('orders:index')}?state={OrderState.CREDIT_HOLD}", _("All orders on credit hold")


class TodaysOrdersPanel(DashboardPanel):
    name = "todays_orders"
    heading = _("Today's orders")
    template_name = "dashboards/todays_orders.html"
    for_roles = frozenset({roles.SALES_REP, roles.MANAGER, roles.ORDER_APPROVER})
    order = 30

    def rows(self):
        # The local day as a range of timestamps: the index on placed_at serves it (a filter on
        # placed_at's local date would read every order).
        today = timezone.localdate()
        start = timezone.make_aware(datetime.combine(today, time.min))
        end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
        totals = list(
            orders_for_staff(self.request.user)
            .filter(placed_at__gte=start, placed_at__lt=end)
            .exclude(state__in=[OrderState.CANCELLED, OrderState.REJECTED])
            .order_by()
            .values("currency")
            .annotate(n=Count("pk"), value=Sum("total"))
            .order_by("currency")
        )
        return sum(row["n"] for row in totals), [(row["currency"], row["value"]) for row in totals]

    def link(self):
        return reverse("orders:index"), _("All orders")


class ExpiryPanel(DashboardPanel):
    name = "expiry_warnings"
    heading = _("Expiry warnings")
    template_name = "dashboards/expiry_panel.html"
    for_roles = frozenset({roles.WAREHOUSE, roles.MANAGER, roles.SALES_REP})
    order = 40

    def rows(self):
        today = timezone.localdate()
        lots = lots_expiring(today=today)
        # Counted in the database; only the lots shown are read (a window count would carry every
        # near-expiry lot's joined row to the limit: slower here than two queries).
        first = [(lot, (lot.expiry_date - today).days) for lot in lots[:FIRST_FEW]]
        return lots.count(), first

    def link(self):
        return reverse("catalog_stock:expiring"), _("All expiry warnings")


class LowStockPanel(DashboardPanel):
    name = "low_stock"
    heading = _("Low stock")
    template_name = "dashboards/low_stock.html"
    for_roles = frozenset({roles.WAREHOUSE, roles.MANAGER})
    order = 50

    def rows(self):
        # Counted in the database with the products shown, in one query.
        return first_and_count(low_stock_products())

    def link(self):
        return reverse("catalog_stock:products"), _("Stock by product")


PANELS = [ApprovalsPanel, CreditHoldsPanel, TodaysOrdersPanel, ExpiryPanel, LowStockPanel]
