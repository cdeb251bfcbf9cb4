"""Who hears about an order, and what they are told. Called after commit by ordering.services."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import NotificationKind
from accounts.roles import FINANCE
from accounts.services import notify

from .approval import deciders, staff_of_group_who_see
from .models import Order


def _order(order_id: int) -> Order:
    return Order.objects.select_related("company", "placed_by").get(pk=order_id)


def _url(order: Order) -> str:
    return reverse("ordering:order_detail", args=[order.number])


def order_placed(*, order_id: int) -> None:
    order = _order(order_id)
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_PLACED,
        title=_("Order %(number)s placed") % {"number": order.number},
        body=_("%(company)s: %(currency)s %(total)s.")
        % {
            "company": order.company,
            "currency": order.currency,
            "total": order.total,
        },
        url=_url(order),
    )


def approval_needed(*, order_id: int) -> None:
    from .models import ApprovalStep

    order = _order(order_id)
    step = ApprovalStep.objects.filter(order=order, status="pending").first()
    if step is None:
        return
    users = deciders(step)
    notify(
        users=users,
        kind=NotificationKind.APPROVAL_NEEDED,
        title=_("Order %(number)s needs your approval") % {"number": order.number},
        body=_("%(company)s, %(currency)s %(total)s: %(reason)s")
        % {
            "company": order.company,
            "currency": order.currency,
            "total": order.total,
            "reason": step.reason,
        },
        url=_url(order) if step.customer_side else reverse("ordering_admin:approval_queue"),
    )


def order_approved(*, order_id: int) -> None:
    order = _order(order_id)
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_APPROVED,
        title=_("Order %(number)s confirmed") % {"number": order.number},
        url=_url(order),
    )


def order_rejected(*, order_id: int) -> None:
    order = _order(order_id)
    event = order.events.order_by("-at", "-pk").first()
    notify(
        users=[order.placed_by],
        kind=NotificationKind.ORDER_REJECTED,
        title=_("Order %(number)s was rejected") % {"number": order.number},
        body=event.reason if event else "",
        url=_url(order),
    )


def credit_hold(*, order_id: int) -> None:
    from django.contrib.auth.models import Group

    order = _order(order_id)
    reasons = " ".join(order.hold_reasons)
    notify(
        users=[order.placed_by],
        kind=NotificationKind.CREDIT_HOLD,
        title=_("Order %(number)s is on credit hold") % {"number": order.number},
        body=reasons,
        url=_url(order),
    )
    finance = Group.objects.filter(name=FINANCE).first()
    if finance is not None:
        notify(
            users=staff_of_group_who_see(group_id=finance.pk, order=order),
            kind=NotificationKind.CREDIT_HOLD,
            title=_("Order %(number)s from %(company)s is on credit hold")
            % {
                "number": order.number,
                "company": order.company,
            },
            body=reasons,
            url=reverse("ordering_admin:approval_queue"),
        )
