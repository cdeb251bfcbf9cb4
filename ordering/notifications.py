"""Who hears about an order, and what they are told. Called after commit by ordering.services.

Notifications are stored as the kind's codes' parameters (ordering.phrases), so each person
reads them in their own language; customers' carry the order's company, staff's none (staff
wording).
"""

from django.urls import reverse

from accounts.models import NotificationKind
from accounts.roles import FINANCE
from accounts.services import notify
from kit import phrases

from .approval import deciders, staff_of_group_who_see
from .models import Order


def _order(order_id: int) -> Order:
    return Order.objects.select_related("company", "placed_by").get(pk=order_id)


def _url(order: Order) -> str:
    return reverse("ordering:order_detail", args=[order.number])


def order_params(order: Order, **more) -> dict:
    """What every order notification may say: its number, company and total."""
    return {
        "number": order.number,
        "company": str(order.company),
        "total": phrases.money(order.total, order.currency),
        **more,
    }


def order_placed(*, order_id: int) -> None:
    order = _order(order_id)
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_PLACED,
        params=order_params(order),
        company=order.company,
        url=_url(order),
    )


def approval_needed(*, order_id: int) -> None:
    from .models import ApprovalStep

    order = _order(order_id)
    step = ApprovalStep.objects.filter(order=order, status="pending").first()
    if step is None:
        return
    notify(
        users=deciders(step),
        kind=NotificationKind.APPROVAL_NEEDED,
        params=order_params(order, reason=step.phrase),
        company=order.company if step.customer_side else None,
        url=_url(order) if step.customer_side else reverse("ordering_admin:approval_queue"),
    )


def order_approved(*, order_id: int) -> None:
    order = _order(order_id)
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_APPROVED,
        params=order_params(order),
        company=order.company,
        url=_url(order),
    )


def order_rejected(*, order_id: int) -> None:
    order = _order(order_id)
    event = order.events.order_by("-at", "-pk").first()
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_REJECTED,
        params=order_params(order, comment=event.reason if event else ""),
        company=order.company,
        url=_url(order),
    )


def credit_hold(*, order_id: int) -> None:
    from django.contrib.auth.models import Group

    order = _order(order_id)
    params = order_params(order, reasons=list(order.hold_reasons))
    notify(
        users=[order.placed_by],
        kind=NotificationKind.CREDIT_HOLD,
        params=params,
        company=order.company,
        url=_url(order),
    )
    finance = Group.objects.filter(name=FINANCE).first()
    if finance is not None:
        notify(
            users=staff_of_group_who_see(group_id=finance.pk, order=order),
            kind=NotificationKind.CREDIT_HOLD,
            params=params,
            url=reverse("ordering_admin:approval_queue"),
        )
