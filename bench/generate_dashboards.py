"""What the dashboards need in the bench database: ORDER_LINES order lines (1,000,000 at large
scale, a tenth at medium, a hundredth at small) over 18 months, each order invoiced, and the
rollups built from them. A step of bench/generate.py, after billing.

Everything is INSERT ... SELECT over generate_series inside PostgreSQL (no rows through Python):
- orders (LINES_PER_ORDER lines each) for every company, placed by its first member, more of
  them in recent months (the business grows: a day is drawn as HISTORY_DAYS × √random), one in
  CANCELLED_EVERY cancelled; East China's companies order twice as often (a growing region);
- their lines: active products picked by a hash of the order and line number, 1–10 units at a
  price derived from the product id, 9% tax;
- one invoice per order not cancelled, issued two days after it was placed, its lines copying
  the order's (net and tax); invoices start paid (open 0): the billing step owns receivables;
- products get a standard cost (72% of that price), except one in COSTLESS_EVERY (margin
  unknown there, as in life);
- the rollups rebuilt by `portal.dashboards.rollups.rebuild` (SQL over the base tables).
`setseed` makes `random()` the same on every run.
"""

ORDER_LINES = {"small": 10_000, "medium": 100_000, "large": 1_000_000}
LINES_PER_ORDER = 5
HISTORY_DAYS = 548
CANCELLED_EVERY = 25
COSTLESS_EVERY = 7
SEED = 0.2026


def _execute(sql: str, params: dict | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.rowcount


def dashboards(generator) -> None:
    from django.conf import settings

    from portal.dashboards import rollups

    orders = ORDER_LINES[generator.scale] // LINES_PER_ORDER
    params = {
        "orders": orders,
        "lines": LINES_PER_ORDER,
        "days": HISTORY_DAYS,
        "cancelled_every": CANCELLED_EVERY,
        "costless_every": COSTLESS_EVERY,
        "seed": SEED,
        "zone": settings.TIME_ZONE,
    }
    _execute("SELECT setseed(%(seed)s)", params)
    _execute(
        """
        CREATE TEMP TABLE bench_buyers ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY weighted.company_id, weighted.copy) - 1 AS idx,
               weighted.company_id, weighted.user_id
        FROM (
            SELECT first.company_id, first.user_id, copies.copy
            FROM (SELECT DISTINCT ON (m.company_id) m.company_id, m.user_id
                  FROM accounts_membership m ORDER BY m.company_id, m.id) first
            JOIN accounts_company c ON c.id = first.company_id
            JOIN accounts_region r ON r.id = c.region_id
            CROSS JOIN LATERAL generate_series(1, CASE WHEN r.code = 'east' THEN 2 ELSE 1 END) AS copies(copy)
        ) weighted
        """
    )
    _execute(
        """
        CREATE TEMP TABLE bench_products ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id, sku, name_en, name_zh, sales_unit,
               (8 + id %% 90)::numeric(14, 2) AS price
        FROM catalog_product WHERE active
        """
    )
    _execute(
        """
        UPDATE catalog_product p SET standard_cost = round(b.price * 0.72, 2)
        FROM bench_products b WHERE b.id = p.id AND p.id %% %(costless_every)s <> 0
        """,
        params,
    )
    # A day drawn as days × sqrt(random) from today back: more orders in recent months. East
    # China's buyers appear twice in bench_buyers, so they place twice the orders.
    _execute(
        """
        CREATE TEMP TABLE bench_orders ON COMMIT DROP AS
        SELECT g AS n, b.company_id, b.user_id,
               date_trunc('day', now()) - (floor(%(days)s * (1 - sqrt(random()))) || ' days')::interval
                   + ((g %% 600) || ' minutes')::interval + interval '8 hours' AS placed_at
        FROM generate_series(1, %(orders)s) g
        JOIN bench_buyers b ON b.idx = (g * 7919) %% (SELECT count(*) FROM bench_buyers)
        """,
        params,
    )
    generator.counts["dashboard orders"] = _execute(
        """
        INSERT INTO ordering_order (number, state, po_number, ship_to_text, notes, currency, subtotal,
            tax_total, total, hold_reasons, idempotency_key, placed_at, company_id, placed_by_id)
        SELECT 'DB-' || lpad(n::text, 8, '0'),
               CASE WHEN n %% %(cancelled_every)s = 0 THEN 'cancelled' ELSE 'closed' END,
               '', '', '', 'CNY', 0, 0, 0, '[]'::jsonb, gen_random_uuid(), placed_at, company_id, user_id
        FROM bench_orders
        """,
        params,
    )
    generator.counts["dashboard order lines"] = _execute(
        """
        INSERT INTO ordering_orderline (order_id, product_id, sku, name_en, name_zh, sales_unit, quantity,
            allocated_quantity, backorder_quantity, unit_price, price_source, price_list_name,
            price_list_name_zh, tax_rate, line_total, tax_amount, catch_weight)
        SELECT o.id, p.id, p.sku, p.name_en, p.name_zh, p.sales_unit, q.quantity, q.quantity, 0, p.price, 'list',
               'List prices', '', 9, p.price * q.quantity, round(p.price * q.quantity * 0.09, 2), false
        FROM ordering_order o
        CROSS JOIN generate_series(1, %(lines)s) line
        CROSS JOIN LATERAL (SELECT 1 + (o.id * 31 + line * 17) %% 10 AS quantity) q
        JOIN bench_products p
            ON p.idx = (o.id * 101 + line * 7919) %% (SELECT count(*) FROM bench_products)
        WHERE o.number LIKE 'DB-%%'
        """,
        params,
    )
    _execute(
        """
        UPDATE ordering_order o SET subtotal = s.net, tax_total = s.tax, total = s.net + s.tax
        FROM (SELECT order_id, sum(line_total) AS net, sum(tax_amount) AS tax
              FROM ordering_orderline GROUP BY order_id) s
        WHERE s.order_id = o.id AND o.number LIKE 'DB-%%'
        """
    )
    generator.counts["dashboard invoices"] = _execute(
        """
        INSERT INTO billing_invoice (kind, number, company_id, order_id, credit_reason, credit_comment,
            issued_on, due_on, currency, subtotal, tax_total, total, open_amount, seller, buyer, language,
            pdf, tax_invoice_number, created_at)
        SELECT 'invoice', 'DBI-' || substr(o.number, 4), o.company_id, o.id, '', '',
               (o.placed_at AT TIME ZONE %(zone)s)::date + 2, (o.placed_at AT TIME ZONE %(zone)s)::date + 32,
               o.currency, o.subtotal, o.tax_total, o.total, 0, '{}'::jsonb, '{}'::jsonb, 'en', '', '', now()
        FROM ordering_order o
        WHERE o.number LIKE 'DB-%%' AND o.state <> 'cancelled'
        """,
        params,
    )
    generator.counts["dashboard invoice lines"] = _execute(
        """
        INSERT INTO billing_invoiceline (invoice_id, position, order_line_id, sku, name_en, name_zh, lot,
            quantity, unit, price_per, unit_price, tax_rate, net, tax)
        SELECT i.id, row_number() OVER (PARTITION BY i.id ORDER BY l.id), l.id, l.sku, l.name_en, l.name_zh,
               '', l.quantity, l.sales_unit, 'unit', l.unit_price, l.tax_rate, l.line_total, l.tax_amount
        FROM billing_invoice i
        JOIN ordering_orderline l ON l.order_id = i.order_id
        WHERE i.number LIKE 'DBI-%%'
        """
    )
    rollups.rebuild()
    generator.counts["rollup rows (product)"] = _execute("SELECT 1 FROM dashboards_dailyproductsales")
    generator.counts["rollup rows (company)"] = _execute("SELECT 1 FROM dashboards_dailycompanysales")
