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
def send_order_notification(*, order_id: int, event: str) -> None:
    EVENTS[event](order_id=order_id)
