"""Units shipped per product and month: the rollup the stock dashboard reads (`ShippedMonth`).

`record_shipped()` is called where a shipment move is written (catalog.services._move), in the
same transaction; `rebuild_shipped_months()` recomputes the rollup from the stock ledger after
history was written in bulk or back-dated (the demo, the benchmarks). Months are local months
(TIME_ZONE), as the dashboard's periods are.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import ShippedMonth, StockMove


def month_of(day: date) -> date:
    return day.replace(day=1)


def record_shipped(*, product_id: int, quantity: int, on: date | None = None) -> None:
    """Add `quantity` units (positive: shipped) to the product's month; one upsert."""
    month = month_of(on or timezone.localdate())
    table = connection.ops.quote_name(ShippedMonth._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (product_id, month, quantity) VALUES (%s, %s, %s) "
            f"ON CONFLICT (product_id, month) DO UPDATE SET quantity = {table}.quantity + EXCLUDED.quantity",
            [product_id, month, quantity],
        )


def rebuild_shipped_months() -> int:
    """The rollup recomputed from every shipment move (one aggregate); answers the rows written."""
    rows = (
        StockMove.objects.filter(kind=StockMove.Kind.SHIPMENT)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("lot__product_id", "month")
        .annotate(shipped=Sum("quantity"))
        .order_by()
    )
    months = [
        ShippedMonth(product_id=row["lot__product_id"], month=row["month"], quantity=-row["shipped"]) for row in rows
    ]
    with transaction.atomic():
        ShippedMonth.objects.all().delete()
        ShippedMonth.objects.bulk_create(months, batch_size=5000)
    return len(months)
