"""The service tickets' codes for kit.phrases: notification titles and bodies per kind, the
kinds' names and the events a TICKET_UPDATED notice names. Registered in TicketsConfig.ready."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import NotificationKind, notification_code
from kit import phrases

from .models import TicketKind

EVENT_STAFF_REPLIED = "tickets.event.staff_replied"
EVENT_CUSTOMER_REPLIED = "tickets.event.customer_replied"
EVENT_ASSIGNED = "tickets.event.assigned"
EVENT_RESOLVED = "tickets.event.resolved"
EVENT_REOPENED = "tickets.event.reopened"
EVENT_RATED = "tickets.event.rated"
TARGET_RESPONSE = "tickets.target.response"
TARGET_RESOLUTION = "tickets.target.resolution"


def kind_code(kind: str) -> str:
    return f"tickets.kind.{kind}"


def register() -> None:
    for kind, label in TicketKind.choices:
        phrases.register(kind_code(kind), label)
    # params: number, subject, company, kind (a kind code)
    phrases.register(
        notification_code(NotificationKind.TICKET_OPENED.value, "title"),
        _("New service ticket %(number)s: %(kind)s"),
    )
    phrases.register(notification_code(NotificationKind.TICKET_OPENED.value, "body"), _("%(company)s: %(subject)s"))
    # params: the same and event (an event code below)
    phrases.register(
        notification_code(NotificationKind.TICKET_UPDATED.value, "title"),
        _("Your ticket %(number)s: %(event)s"),
        staff=_("Ticket %(number)s (%(company)s): %(event)s"),
    )
    phrases.register(notification_code(NotificationKind.TICKET_UPDATED.value, "body"), _("%(subject)s"))
    phrases.register(EVENT_STAFF_REPLIED, _("we replied"))
    phrases.register(EVENT_CUSTOMER_REPLIED, _("the customer replied"))
    phrases.register(EVENT_ASSIGNED, _("assigned to you"))
    phrases.register(EVENT_RESOLVED, _("resolved; please rate our answer"), staff=_("resolved"))
    phrases.register(EVENT_REOPENED, _("reopened"))
    phrases.register(EVENT_RATED, _("the customer rated the resolution"))
    # params: the same and target (a target code below), due (kit.phrases.moment)
    phrases.register(
        notification_code(NotificationKind.TICKET_BREACHED.value, "title"),
        _("Ticket %(number)s is overdue"),
    )
    phrases.register(
        notification_code(NotificationKind.TICKET_BREACHED.value, "body"),
        _("%(company)s, %(kind)s: the %(target)s was due %(due)s."),
    )
    phrases.register(TARGET_RESPONSE, pgettext_lazy("ticket clock", "first answer"))
    phrases.register(TARGET_RESOLUTION, pgettext_lazy("ticket clock", "resolution"))
