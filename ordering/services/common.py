"""What every part of ordering's services shares: the error a buyer reads, money rounding, and
notifications sent only after the order's transaction commits."""

from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from kit.money import format_money

from .. import tasks
from ..models import Order

CENT = Decimal("0.01")


class OrderingError(Exception):
    """A request that breaks a rule; the message is for the buyer."""


class PriceChanged(OrderingError):
    def __init__(self, quote):
        super().__init__(
            _(
                "Prices or availability changed since you looked: the total is now %(total)s. "
                "Check the order and submit again."
            )
            % {"total": format_money(quote.total, quote.currency)}
        )
        self.quote = quote


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_silenced = ContextVar("ordering_notifications_silenced", default=False)


@contextmanager
def notifications_silenced():
    """Orders placed and decided in the block tell no one: seed_demo writing a year of history."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def notify_after_commit(order: Order, *events: str) -> None:
    """Queue the notifications of `events` so that they go out only once the order is committed.

    One task carries every event of the transaction: one row in the task queue, not one each.
    When tasks are rows of this same database (the production backend), the task is written in
    the transaction itself: the worker sees it only once the order is committed, it goes if the
    order rolls back, and no second transaction (and flush to disk) follows each placement.
    Any other backend is handed the task after commit; a failure there never undoes an order.
    """
    order_id, events = order.pk, [event for event in events if event]
    if not events or _silenced.get():
        return
    if tasks.queued_in_database(connection.alias):
        tasks.send_order_notification.enqueue(order_id=order_id, events=events)
    else:
        transaction.on_commit(
            lambda: tasks.send_order_notification.enqueue(order_id=order_id, events=events), robust=True
        )
