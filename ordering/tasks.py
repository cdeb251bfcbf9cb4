"""Background work for orders: notifications go out from the task worker, after commit."""

from django.db import router
from django_tasks import task
from django_tasks_db import DatabaseBackend

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


def queued_in_database(alias: str) -> bool:
    """Whether send_order_notification is queued as a row of database `alias`, so that queueing
    it inside a transaction there commits or rolls back with it."""
    backend = send_order_notification.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == alias
