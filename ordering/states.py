"""The order state machine: the only way an order's state changes.

`transition()` refuses moves the table does not allow and records who, when, from, to and why
as an OrderEvent. Callers hold the order's row lock (select_for_update) when they decide.
Placement decides where a new order goes before inserting it, inserts it in that state and
records both moves (submitted, then on) with `record_placement()`, which checks the same table.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Order, OrderEvent, OrderState

S = OrderState

TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.AWAITING_CUSTOMER_APPROVAL, S.AWAITING_APPROVAL, S.CREDIT_HOLD, S.APPROVED, S.CANCELLED},
    S.AWAITING_CUSTOMER_APPROVAL: {S.AWAITING_APPROVAL, S.CREDIT_HOLD, S.APPROVED, S.REJECTED, S.CANCELLED},
    S.AWAITING_APPROVAL: {S.AWAITING_APPROVAL, S.CREDIT_HOLD, S.APPROVED, S.REJECTED, S.CANCELLED},
    S.CREDIT_HOLD: {S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.PICKING, S.CANCELLED},
    S.PICKING: {S.PARTLY_SHIPPED, S.SHIPPED},
    S.PARTLY_SHIPPED: {S.PARTLY_SHIPPED, S.SHIPPED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.CLOSED},
    S.CLOSED: set(),
    S.REJECTED: set(),
    S.CANCELLED: set(),
}

# States from which the customer may still cancel (before picking starts).
CANCELLABLE = {S.SUBMITTED, S.AWAITING_CUSTOMER_APPROVAL, S.AWAITING_APPROVAL, S.CREDIT_HOLD, S.APPROVED}
# States in which the order holds stock allocated to it.
HOLDS_STOCK = {S.SUBMITTED, S.AWAITING_CUSTOMER_APPROVAL, S.AWAITING_APPROVAL, S.CREDIT_HOLD, S.APPROVED, S.PICKING}
# States that count in the company's credit exposure as approved but not yet invoiced.
COUNTS_AS_APPROVED = {S.APPROVED, S.PICKING, S.PARTLY_SHIPPED, S.SHIPPED, S.DELIVERED}
# States of an order the customer placed and still wants: every state but rejected and cancelled
# (what a customer's buying rhythm, RFM and "your usual order" count).
COUNTS_AS_PURCHASE = set(TRANSITIONS) - {S.REJECTED, S.CANCELLED}


# Staff read the states where the customer's label speaks to the customer ("your approver").
STAFF_LABELS = {S.AWAITING_CUSTOMER_APPROVAL: gettext_lazy("Awaiting the customer's approver")}


def label(state: str, *, staff: bool = False) -> str:
    """The state's name for the reader: the customer's label, or the staff one where it differs."""
    if staff and state in STAFF_LABELS:
        return str(STAFF_LABELS[state])
    return str(OrderState(state).label)


class IllegalTransition(Exception):
    pass


def can_transition(order: Order, to_state: str) -> bool:
    return to_state in TRANSITIONS[order.state]


def transition(*, order: Order, to_state: str, actor, reason: str = "", phrase: dict | None = None) -> OrderEvent:
    """`phrase`: why the system moved it (kit.phrases); `reason`: a person's own words."""
    if not can_transition(order, to_state):
        raise IllegalTransition(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": OrderState(order.state).label, "to": OrderState(to_state).label}
        )
    event = OrderEvent.objects.create(
        order=order, actor=actor, from_state=order.state, to_state=to_state, reason=reason, phrase=phrase or {}
    )
    order.state = to_state
    order.save(update_fields=["state"])
    return event


def record_placement(
    *, order: Order, actor, phrase: dict | None = None, routed_by=None, routed_phrase: dict | None = None
) -> list[OrderEvent]:
    """The first events of every order: it was submitted and, when placement routed it on at
    once, where it went (`order.state`, in which placement inserted it). Both in one INSERT."""
    if order.state != S.SUBMITTED and order.state not in TRANSITIONS[S.SUBMITTED]:
        raise IllegalTransition(_("A new order cannot become %(to)s.") % {"to": OrderState(order.state).label})
    events = [OrderEvent(order=order, actor=actor, from_state="", to_state=S.SUBMITTED, phrase=phrase or {})]
    if order.state != S.SUBMITTED:
        events.append(
            OrderEvent(
                order=order,
                actor=routed_by or actor,
                from_state=S.SUBMITTED,
                to_state=order.state,
                phrase=routed_phrase or {},
            )
        )
    return OrderEvent.objects.bulk_create(events)
