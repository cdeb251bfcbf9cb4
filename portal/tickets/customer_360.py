"""The customer's service tickets on the customer 360° page: open ones with their clock, the
latest resolved with their rating, and the average rating; three queries."""

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.backoffice import CompanySection

from . import clock, selectors
from .models import Ticket

TICKETS_ON_360 = 5


class TicketsSection(CompanySection):
    order = 60
    template_name = "tickets/admin/company_360.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context)
        now = timezone.now()
        tickets = selectors.tickets_for_staff(self.request.user).filter(company=self.company)
        recent = list(tickets.select_related("assignee").order_by("-opened_at", "-pk")[:TICKETS_ON_360])
        for ticket in recent:
            ticket.clock = clock.clock(ticket, now)
        context.update(
            recent_tickets=recent,
            totals=tickets.aggregate(
                open=Count("pk", filter=Q(state=Ticket.State.OPEN)),
                breached=Count("pk", filter=clock.breached(now)),
                average_rating=Avg("rating"),
                rated=Count("rating"),
            ),
            all_tickets_url=reverse("tickets_backoffice:queue") + f"?company={self.company.pk}&state=all",
        )
        return context


def company_tickets_section(request, company) -> TicketsSection | None:
    if not request.user.has_perm(selectors.VIEW_TICKETS):
        return None
    return TicketsSection(request, company)
