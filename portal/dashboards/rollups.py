"""The sales rollups: what each figure means, and the one place that computes them.

- revenue: invoice lines' net (tax excluded) less credit note lines' net, in the invoice's
  currency, on the day issued;
- quantity: units invoiced less units credited for a return or a void (a price correction moves
  no goods);
- cost: per line, its lot's `unit_cost`, else the product's `standard_cost`, times the quantity;
  a return or void credits it back;
- costed revenue: the revenue of the lines whose cost is known. Margin = costed revenue - cost: a
  blank cost makes a line's margin unknown (shown as such), never 100%;
- orders, order value: orders placed (their local date) and not cancelled or rejected; their
  subtotal, net of tax;
- collected (回款): payments booked in the ledger, less refunds and reversals of either.

A (company, day) slice is recomputed whole from the base tables (`recompute_day`: delete, then
INSERT ... SELECT), so running it twice, or late, gives the same rows; the company's week and
month rows (`CompanySalesPeriod`) and its products' over every customer (`ProductSalesPeriod`)
are then summed again from their day rows. Receivers
(`portal.dashboards.receivers`) enqueue it when an order, invoice or ledger entry of that slice
is written; `rebuild` recomputes everything (nightly, portal/schedule.py, and `manage.py
rebuild_rollups`), which also catches what no signal reports (a cost set on a lot or product
after its goods were invoiced).
"""

import threading
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ordering.models import OrderState

# Orders that never became business: not counted as orders placed.
NOT_PLACED = [OrderState.CANCELLED.value, OrderState.REJECTED.value]

_PRODUCT_SALES = """
INSERT INTO dashboards_dailyproductsales
    (day, company_id, product_id, currency, quantity, revenue, costed_revenue, cost)
SELECT day, company_id, product_id, currency,
    SUM(sign * CASE WHEN moves_goods THEN quantity ELSE 0 END),
    SUM(sign * net),
    SUM(CASE WHEN unit_cost IS NULL THEN 0 ELSE sign * net END),
    SUM(CASE WHEN unit_cost IS NOT NULL AND moves_goods THEN sign * quantity * unit_cost ELSE 0 END)
FROM (
    SELECT i.issued_on AS day, i.company_id, i.currency,
        COALESCE(ol.product_id, col.product_id) AS product_id,
        CASE WHEN i.kind = 'credit' THEN -1 ELSE 1 END AS sign,
        (i.kind = 'invoice' OR i.credit_reason IN ('return', 'void')) AS moves_goods,
        il.quantity, il.net,
        COALESCE(lot.unit_cost, credited_lot.unit_cost, p.standard_cost) AS unit_cost
    FROM billing_invoiceline il
    JOIN billing_invoice i ON i.id = il.invoice_id
    LEFT JOIN ordering_orderline ol ON ol.id = il.order_line_id
    LEFT JOIN billing_invoiceline cl ON cl.id = il.credited_line_id
    LEFT JOIN ordering_orderline col ON col.id = cl.order_line_id
    LEFT JOIN fulfilment_shipmentline sl ON sl.id = il.shipment_line_id
    LEFT JOIN catalog_lot lot ON lot.id = sl.lot_id
    LEFT JOIN fulfilment_shipmentline csl ON csl.id = cl.shipment_line_id
    LEFT JOIN catalog_lot credited_lot ON credited_lot.id = csl.lot_id
    LEFT JOIN catalog_product p ON p.id = COALESCE(ol.product_id, col.product_id)
    WHERE {invoice_filter}
) line
GROUP BY day, company_id, product_id, currency
"""

_COMPANY_SALES = """
INSERT INTO dashboards_dailycompanysales
    (day, company_id, currency, orders, order_value, collected, quantity, revenue, costed_revenue, cost)
SELECT day, company_id, currency, SUM(orders), SUM(order_value), SUM(collected),
    SUM(quantity), SUM(revenue), SUM(costed_revenue), SUM(cost)
FROM (
    SELECT {placed_day} AS day, o.company_id, o.currency,
        1 AS orders, o.subtotal AS order_value, 0 AS collected, 0 AS quantity, 0 AS revenue,
        0 AS costed_revenue, 0 AS cost
    FROM ordering_order o
    WHERE o.state NOT IN ({not_placed}) AND {order_filter}
    UNION ALL
    SELECT e.booked_on, e.company_id, e.currency, 0, 0, -e.amount, 0, 0, 0, 0
    FROM billing_ledgerentry e
    LEFT JOIN billing_ledgerentry reversed ON reversed.id = e.reverses_id
    WHERE (e.kind IN ('payment', 'refund') OR (e.kind = 'reversal' AND reversed.kind IN ('payment', 'refund')))
        AND {entry_filter}
    UNION ALL
    -- The product rows of the same slice, written just before in the same transaction.
    SELECT s.day, s.company_id, s.currency, 0, 0, 0, s.quantity, s.revenue, s.costed_revenue, s.cost
    FROM dashboards_dailyproductsales s
    WHERE {sales_filter}
) movement
GROUP BY day, company_id, currency
"""


_COMPANY_PERIODS = """
INSERT INTO dashboards_companysalesperiod
    (grain, start, company_id, currency, orders, order_value, collected, quantity, revenue, costed_revenue, cost)
SELECT '{grain}', {start}, company_id, currency, SUM(orders), SUM(order_value), SUM(collected),
    SUM(quantity), SUM(revenue), SUM(costed_revenue), SUM(cost)
FROM dashboards_dailycompanysales d
WHERE {where}
GROUP BY {start}, company_id, currency
"""

_PRODUCT_PERIODS = """
INSERT INTO dashboards_productsalesperiod (grain, start, product_id, currency, quantity, revenue, costed_revenue, cost)
SELECT '{grain}', {start}, product_id, currency, SUM(quantity), SUM(revenue), SUM(costed_revenue), SUM(cost)
FROM dashboards_dailyproductsales d
WHERE {where}
GROUP BY {start}, product_id, currency
"""

GRAINS = ("week", "month")  # models.Grain's values


def _period_start(grain: str) -> str:
    """SQL for the first day of `d.day`'s ISO week (its Monday) or month, in this database."""
    if connection.vendor == "sqlite":
        return "date(d.day, 'weekday 0', '-6 days')" if grain == "week" else "date(d.day, 'start of month')"
    return f"date_trunc('{grain}', d.day)::date"


def period_of(day: date, grain: str) -> tuple[date, date]:
    """The first day of `day`'s week or month, and of the one after."""
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def _periods_sql(template: str, grain: str, where: str) -> str:
    return template.format(grain=grain, start=_period_start(grain), where=where)


def _company_sales(**filters) -> str:
    """The company rows' INSERT ... SELECT for this database: PostgreSQL, or SQLite in `make
    run`'s demo, where the order's local day takes the zone's offset now (China keeps no summer
    time) instead of `AT TIME ZONE`."""
    if connection.vendor == "sqlite":
        offset = timezone.localtime().utcoffset()
        placed_day = f"date(o.placed_at, '{int(offset.total_seconds())} seconds')"
    else:
        placed_day = "(o.placed_at AT TIME ZONE %(zone)s)::date"
    filters = {key: value.replace("{placed_day}", placed_day) for key, value in filters.items()}
    not_placed = ", ".join(f"'{state}'" for state in NOT_PLACED)  # constants of ordering.states
    return _COMPANY_SALES.format(placed_day=placed_day, not_placed=not_placed, **filters)


def _lock(cursor, sql: str, params=()) -> None:
    """Row and advisory locks exist on PostgreSQL; SQLite (the demo) writes one at a time anyway."""
    if connection.vendor == "postgresql":
        cursor.execute(sql, params)


_state = threading.local()


@contextmanager
def deferred():
    """Writes inside enqueue no recompute: for bulk work (the demo's seed) that rebuilds the
    rollups once at its end instead of once per order, invoice and payment."""
    _state.deferred = getattr(_state, "deferred", 0) + 1
    try:
        yield
    finally:
        _state.deferred -= 1


def is_deferred() -> bool:
    return bool(getattr(_state, "deferred", 0))


def recompute_day(*, company_id: int, day: date) -> None:
    """Recompute one company's day from the base tables. Two recomputes of the same slice wait
    for each other (an advisory lock on it), so neither inserts beside the other's rows."""
    params = {"company": company_id, "day": day, "zone": settings.TIME_ZONE}
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, "SELECT pg_advisory_xact_lock(%s, %s)", [company_id, day.toordinal()])
        products = _products_of_slice(cursor, params)  # before: a product may leave the slice
        cursor.execute(
            "DELETE FROM dashboards_dailyproductsales WHERE company_id = %(company)s AND day = %(day)s", params
        )
        cursor.execute(
            "DELETE FROM dashboards_dailycompanysales WHERE company_id = %(company)s AND day = %(day)s", params
        )
        cursor.execute(
            _PRODUCT_SALES.format(invoice_filter="i.company_id = %(company)s AND i.issued_on = %(day)s"), params
        )
        cursor.execute(
            _company_sales(
                order_filter="o.company_id = %(company)s AND {placed_day} = %(day)s",
                entry_filter="e.company_id = %(company)s AND e.booked_on = %(day)s",
                sales_filter="s.company_id = %(company)s AND s.day = %(day)s",
            ),
            params,
        )
        products |= _products_of_slice(cursor, params)
        recompute_periods(cursor, company_id=company_id, day=day, products=products)


def _products_of_slice(cursor, params) -> set:
    cursor.execute(
        "SELECT DISTINCT product_id FROM dashboards_dailyproductsales WHERE company_id = %(company)s AND day = %(day)s",
        params,
    )
    return {row[0] for row in cursor.fetchall()}


def recompute_periods(cursor, *, company_id: int, day: date, products: set) -> None:
    """The company's week and month around `day`, and those of `products` over every customer,
    summed again from their day rows. Every recompute of a period waits for the others of the same
    period (an advisory lock per grain and start, taken week first), so two never insert the
    same period row beside each other."""
    for grain in GRAINS:
        start, end = period_of(day, grain)
        params = {"company": company_id, "grain": grain, "start": start, "end": end}
        # Negative keys: the company-day locks above use the (positive) company id.
        _lock(cursor, "SELECT pg_advisory_xact_lock(%s, %s)", [-1 - GRAINS.index(grain), start.toordinal()])
        cursor.execute(
            "DELETE FROM dashboards_companysalesperiod"
            " WHERE company_id = %(company)s AND grain = %(grain)s AND start = %(start)s",
            params,
        )
        days = "d.day >= %(start)s AND d.day < %(end)s"
        cursor.execute(_periods_sql(_COMPANY_PERIODS, grain, f"d.company_id = %(company)s AND {days}"), params)
        if not products:
            continue
        ids = sorted(product for product in products if product is not None)
        if connection.vendor == "postgresql":
            params["products"], which = ids, "product_id = ANY(%(products)s)"
        else:  # SQLite (the demo): the ids written in; they are integers
            which = f"product_id IN ({', '.join(str(int(each)) for each in ids)})" if ids else "FALSE"
        if None in products:
            which = f"({which} OR product_id IS NULL)"
        where = f"grain = %(grain)s AND start = %(start)s AND {which}"
        cursor.execute(f"DELETE FROM dashboards_productsalesperiod WHERE {where}", params)
        cursor.execute(_periods_sql(_PRODUCT_PERIODS, grain, f"{which} AND {days}"), params)


def rebuild() -> None:
    """Recompute every rollup row from the base tables, in one transaction (readers see the old
    rows until it commits)."""
    params = {"zone": settings.TIME_ZONE}
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(
            cursor,
            "LOCK TABLE dashboards_dailyproductsales, dashboards_dailycompanysales, dashboards_companysalesperiod,"
            " dashboards_productsalesperiod IN EXCLUSIVE MODE",
        )
        for table in ("dailyproductsales", "dailycompanysales", "companysalesperiod", "productsalesperiod"):
            cursor.execute(f"DELETE FROM dashboards_{table}")
        cursor.execute(_PRODUCT_SALES.format(invoice_filter="TRUE"), params)
        cursor.execute(_company_sales(order_filter="TRUE", entry_filter="TRUE", sales_filter="TRUE"), params)
        for grain in GRAINS:
            cursor.execute(_periods_sql(_COMPANY_PERIODS, grain, "TRUE"))
            cursor.execute(_periods_sql(_PRODUCT_PERIODS, grain, "TRUE"))
