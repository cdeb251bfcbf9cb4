"""Background work for orders: notifications go out from the task worker, after commit."""

from django_tasks import task

from . import notifications

EVENTS = {
    "placed": notifications.order_placed,
    "approval_needed": notifications.approval_needed,
    "approved": notifications.order_approved,
    "rejected": notifications.order_rejected,
    "credit_hold": notifications.credit_hold,
}


@task()
def send_order_notification(*, order_id: int, events: list[str] = (), event: str = "") -> None:
    """Tell whoever needs to know about each of `events`, in order (a placement is "placed" then
    where it went). `event` is the single event of tasks queued before `events` existed."""
    for name in [event] if event else events:
        EVENTS[name](order_id=order_id)
