"""Words and colours of the order-tracking screens, and the bell's unread count."""

from django import template

from accounts.access import notifications_for
from catalog.pricing import source_label as pricing_source_label
from kit import phrases
from ordering import states
from ordering.models import OrderState

register = template.Library()

S = OrderState
STATE_BADGES = {
    S.SUBMITTED: "text-bg-light border",
    S.AWAITING_CUSTOMER_APPROVAL: "text-bg-warning",
    S.AWAITING_APPROVAL: "text-bg-warning",
    S.CREDIT_HOLD: "text-bg-danger",
    S.APPROVED: "text-bg-success",
    S.PICKING: "text-bg-info",
    S.PARTLY_SHIPPED: "text-bg-info",
    S.SHIPPED: "text-bg-primary",
    S.DELIVERED: "text-bg-success",
    S.CLOSED: "text-bg-secondary",
    S.REJECTED: "text-bg-dark",
    S.CANCELLED: "text-bg-secondary",
}


@register.filter
def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "text-bg-secondary")


@register.filter
def phrase(stored, audience: str = phrases.CUSTOMER) -> str:
    """A stored kit.phrases phrase in the reader's language: `{{ step.phrase|phrase:"staff" }}`."""
    return phrases.render(stored, audience=audience)


@register.filter
def staff_state_label(state: str) -> str:
    """The state's name for staff screens ("Awaiting the customer's approver")."""
    return states.label(state, staff=True)


@register.filter
def price_source_label(source: str) -> str:
    """contract / tier / default / offer → the label buyers see (Contract, Tier, List, Short-dated offer)."""
    try:
        return str(pricing_source_label(source))
    except ValueError:
        return source


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The signed-in person's unread notifications: one query, only when the bell is drawn, and
    only once per request however many times the navbar asks."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notification_count"):
        membership = getattr(request, "membership", None)
        company_id = membership.company_id if membership else None
        request._unread_notification_count = notifications_for(user, company_id).filter(read_at__isnull=True).count()
    return request._unread_notification_count
