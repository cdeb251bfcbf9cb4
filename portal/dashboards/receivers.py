"""Which writes touch which rollup slice: each enqueues that (company, day) recompute once the
write commits (rolled back, nothing is enqueued)."""

from datetime import date
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from billing.models import Invoice, LedgerEntry
from ordering.models import Order

from . import rollups
from .tasks import recompute_sales_day

# An order's figures change when it is placed, cancelled or rejected, or its lines change.
_ORDER_FIELDS = {"state", "subtotal", "currency"}


def _touch(company_id: int, day: date) -> None:
    if rollups.is_deferred():
        return
    transaction.on_commit(partial(recompute_sales_day.enqueue, company_id=company_id, day=day.isoformat()))


@receiver(post_save, sender=Order, dispatch_uid="dashboards.order_saved")
def order_saved(sender, instance: Order, created: bool, update_fields=None, **kwargs) -> None:
    if created or update_fields is None or _ORDER_FIELDS & set(update_fields):
        _touch(instance.company_id, timezone.localdate(instance.placed_at))


@receiver(post_save, sender=Invoice, dispatch_uid="dashboards.invoice_saved")
def invoice_saved(sender, instance: Invoice, created: bool, **kwargs) -> None:
    # Issued invoices are never edited (only their open amount and tax-invoice date change).
    if created:
        _touch(instance.company_id, instance.issued_on)


@receiver(post_save, sender=LedgerEntry, dispatch_uid="dashboards.ledger_entry_saved")
def ledger_entry_saved(sender, instance: LedgerEntry, created: bool, **kwargs) -> None:
    if created and instance.kind in (LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND, LedgerEntry.Kind.REVERSAL):
        _touch(instance.company_id, instance.booked_on)
