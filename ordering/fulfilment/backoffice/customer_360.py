"""The customer's latest shipments on the customer 360° page: one query."""

from accounts.backoffice import CompanySection
from accounts.models import Company

from ..models import Shipment
from .shipping import VIEW_SHIPMENTS

SHIPMENTS_ON_360 = 10


class ShipmentsSection(CompanySection):
    order = 28
    template_name = "fulfilment/admin/company_360_shipments.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        context["shipments"] = list(
            Shipment.objects.filter(order__company=self.company)
            .select_related("order")
            .order_by("-shipped_at", "-pk")[:SHIPMENTS_ON_360]
        )
        return context


def company_shipments_section(request, company: Company) -> ShipmentsSection | None:
    # The page itself is scoped to the customers this person may see (a rep: their own).
    if not request.user.has_perm(VIEW_SHIPMENTS):
        return None
    return ShipmentsSection(request, company)
