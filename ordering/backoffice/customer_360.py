"""The customer's orders on the customer 360° page."""

from django.db.models import Count, Sum
from django.urls import reverse

from accounts.backoffice import CompanySection
from accounts.models import Company
from kit.money import format_money

from .. import states
from ..models import Order
from .common import OPEN_STATES, PLACE_FOR_CUSTOMERS, RECENT_ORDERS_ON_360, VIEW_ORDERS, WAITING_STATES, _placed_by

# --- Customer 360°: the customer's orders -----------------------------------------------------


class OrdersSection(CompanySection):
    """Open orders by status with their totals, and the last ten orders: two queries."""

    order = 25
    template_name = "ordering/admin/company_360_orders.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        rank = {state: index for index, state in enumerate(OPEN_STATES)}
        open_orders = sorted(
            Order.objects.filter(company=self.company, state__in=OPEN_STATES)
            .values("state", "currency")
            .annotate(count=Count("pk"), total=Sum("total"))
            .order_by(),
            key=lambda row: (rank[row["state"]], row["currency"]),
        )
        for row in open_orders:
            row["label"] = states.label(row["state"], staff=True)
            row["total_display"] = format_money(row["total"], row["currency"])
        recent = list(
            Order.objects.filter(company=self.company)
            .select_related("placed_by", "placed_for_customer_by")
            .order_by("-placed_at", "-pk")[:RECENT_ORDERS_ON_360]
        )
        context.update(
            open_orders=open_orders,
            recent_orders=[
                {
                    "order": order,
                    "url": reverse("orders:inspect", args=[order.pk]),
                    "placed_by": _placed_by(order),
                    "total": format_money(order.total, order.currency),
                    "waiting": order.state in WAITING_STATES,
                }
                for order in recent
            ],
            all_orders_url=reverse("orders:index") + f"?company={self.company.pk}",
            place_url=reverse("ordering_admin:place_cart", args=[self.company.pk])
            if self.request.user.has_perm(PLACE_FOR_CUSTOMERS) and self.company.is_active
            else None,
        )
        return context


def company_orders_section(request, company: Company) -> OrdersSection | None:
    if not request.user.has_perm(VIEW_ORDERS):
        return None
    return OrdersSection(request, company)
