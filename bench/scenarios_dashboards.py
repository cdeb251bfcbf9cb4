"""The dashboards against the raw SQL of the same aggregates: `run.py --scenarios dashboards`.

    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/run.py --scale large --scenarios dashboards --connections 2

Issue 14's target: with 1,000,000 order lines (bench/generate_dashboards.py at --scale large)
every dashboard answers in under 300 ms p50 and within 0.5 × the raw SQL of the same aggregate
over the base tables (the rollups make the page cheaper than the query it replaces).

Each dashboard page is a `Page`: a name, its URL, who looks at it ("manager" or "rep": the rep
with the most customers) and `raw_sql`, the page's figures computed from the base tables (order
lines, invoices, the ledger) instead of the rollups, with the parameters of `sql_params()`.
Another dashboard joins by adding its pages to PAGES. The method of bench/scenarios_billing.py:
gunicorn with the production settings, every page right after a floor run, queries counted
in-process warm and cold; the raw SQL timed in-process, the median of SQL_REPETITIONS.
"""

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench import run as base
from bench import scenarios_backoffice as backoffice

P50_MS = 300  # each dashboard's p50 < 300 ms
SQL_RATIO = 0.5  # and ≤ 0.5 × the raw SQL of the same aggregate
SQL_REPETITIONS = 7


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    who: str  # "manager" or "rep"
    raw_sql: str


# The sales dashboard's figures over the base tables: revenue, margin and quantity per period and
# group from invoice lines (their product, lot and standard cost), orders and collected cash from
# orders and the ledger. {bucket}: the trend's period; {key}: the breakdown's group.
_SALES_SQL = """
WITH line AS (
    SELECT i.issued_on AS day, i.company_id, COALESCE(ol.product_id, col.product_id) AS product_id,
           CASE WHEN i.kind = 'credit' THEN -1 ELSE 1 END AS sign, il.quantity, il.net,
           COALESCE(lot.unit_cost, p.standard_cost) AS unit_cost
    FROM billing_invoiceline il
    JOIN billing_invoice i ON i.id = il.invoice_id
    LEFT JOIN ordering_orderline ol ON ol.id = il.order_line_id
    LEFT JOIN billing_invoiceline cl ON cl.id = il.credited_line_id
    LEFT JOIN ordering_orderline col ON col.id = cl.order_line_id
    LEFT JOIN fulfilment_shipmentline sl ON sl.id = il.shipment_line_id
    LEFT JOIN catalog_lot lot ON lot.id = sl.lot_id
    LEFT JOIN catalog_product p ON p.id = COALESCE(ol.product_id, col.product_id)
    WHERE i.currency = 'CNY' AND i.issued_on BETWEEN %(trend_start)s AND %(end)s {line_scope}
)
SELECT 'trend', {bucket}, SUM(sign * net), SUM(CASE WHEN unit_cost IS NULL THEN 0 ELSE sign * net END),
       SUM(sign * quantity * unit_cost)
FROM line GROUP BY 2
UNION ALL
SELECT 'breakdown', {key}::text, SUM(sign * net), SUM(CASE WHEN unit_cost IS NULL THEN 0 ELSE sign * net END),
       SUM(sign * quantity * unit_cost)
FROM line JOIN accounts_company c ON c.id = line.company_id LEFT JOIN catalog_product p ON p.id = line.product_id
WHERE line.day BETWEEN %(previous_start)s AND %(end)s GROUP BY 2
UNION ALL
SELECT 'orders', {order_bucket}, COUNT(*), SUM(o.subtotal), 0
FROM ordering_order o
WHERE o.currency = 'CNY' AND o.state NOT IN ('cancelled', 'rejected')
  AND o.placed_at >= %(trend_start)s AND o.placed_at < %(end)s::date + 1 {order_scope}
GROUP BY 2
UNION ALL
SELECT 'collected', {entry_bucket}, -SUM(e.amount), 0, 0
FROM billing_ledgerentry e
WHERE e.currency = 'CNY' AND e.kind IN ('payment', 'refund') AND e.booked_on BETWEEN %(trend_start)s AND %(end)s
  {entry_scope}
GROUP BY 2
"""


def _sales_sql(*, grain: str, key: str, rep: bool = False) -> str:
    def scope(column: str) -> str:
        return f"AND {column} IN (SELECT id FROM accounts_company WHERE sales_rep_id = %(rep_id)s)" if rep else ""

    return _SALES_SQL.format(
        bucket=f"date_trunc('{grain}', day)::date::text",
        order_bucket=f"date_trunc('{grain}', o.placed_at)::date::text",
        entry_bucket=f"date_trunc('{grain}', e.booked_on)::date::text",
        key=key,
        line_scope=scope("i.company_id"),
        order_scope=scope("o.company_id"),
        entry_scope=scope("e.company_id"),
    )


SALES = "/backoffice/dashboards/sales/"
PAGES = [
    Page("sales-region", f"{SALES}?grain=month&by=region", "manager", _sales_sql(grain="month", key="c.region_id")),
    Page(
        "sales-product", f"{SALES}?grain=month&by=product", "manager", _sales_sql(grain="month", key="line.product_id")
    ),
    Page(
        "sales-customer-week",
        f"{SALES}?grain=week&by=customer",
        "manager",
        _sales_sql(grain="week", key="line.company_id"),
    ),
    Page(
        "sales-rep",
        f"{SALES}?grain=month&by=customer",
        "rep",
        _sales_sql(grain="month", key="line.company_id", rep=True),
    ),
]


def sql_params(rep) -> dict:
    """The dates every page's raw SQL reads: the trend's first day (a year back, the widest the
    pages show), the previous period's first day and today."""
    from django.utils import timezone

    today = timezone.localdate()
    return {
        "trend_start": (today.replace(day=1) - timedelta(days=366)).replace(day=1),
        "previous_start": (today.replace(day=1) - timedelta(days=1)).replace(day=1),
        "end": today,
        "rep_id": rep.pk,
    }


def _median_ms(function, repetitions: int) -> dict:
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        rows = function()
        timings.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(timings), 2), "min_ms": round(min(timings), 2),
            "max_ms": round(max(timings), 2), "rows": rows, "repetitions": repetitions}  # fmt: skip


def sql_timing(params: dict) -> dict:
    from django.db import connection

    measured = {}
    for page in PAGES:

        def raw(sql=page.raw_sql):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return len(cursor.fetchall())

        raw()
        measured[page.name] = _median_ms(raw, SQL_REPETITIONS)
    return measured


def data_counts() -> dict[str, int]:
    from billing.models import InvoiceLine
    from ordering.models import Order, OrderLine
    from portal.dashboards.models import DailyCompanySales, DailyProductSales

    return {
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "invoice_lines": InvoiceLine.objects.count(),
        "rollup_product_rows": DailyProductSales.objects.count(),
        "rollup_company_rows": DailyCompanySales.objects.count(),
    }


def target_checks(summary: list[dict], sql: dict) -> list[dict]:
    at_2 = {row["scenario"]: row for row in summary if row["connections"] == 2}
    checks = []
    for page in PAGES:
        if page.name not in at_2:
            continue
        p50, raw = at_2[page.name]["p50_ms"], sql[page.name]["median_ms"]
        checks.append({"scenario": page.name, "target": f"p50 < {P50_MS} ms", "measured": p50, "met": p50 < P50_MS})
        checks.append({"scenario": page.name, "target": f"p50 ≤ {SQL_RATIO}× the raw SQL ({raw} ms)",
                       "measured": round(p50 / raw, 2), "met": p50 <= SQL_RATIO * raw})  # fmt: skip
    return checks


def markdown(report: dict) -> str:
    data = report["data"]
    lines = [
        f"# Dashboards benchmark {report['date']} · scale {report['scale']}"
        + (f" · {report['label']}" if report["label"] else ""),
        "",
        f"Data: {data['orders']:,} orders with {data['order_lines']:,} lines, {data['invoice_lines']:,} invoice "
        f"lines; rollups {data['rollup_product_rows']:,} product-day rows and {data['rollup_company_rows']:,} "
        f"company-day rows. Pages as {report['who']['manager']} (manager) and {report['who']['rep']} (sales rep).",
        "",
    ]
    lines += backoffice.run_lines(report)
    lines += ["", "The raw SQL of each page's figures over the base tables, in-process, median of "
              f"{SQL_REPETITIONS}: " + "; ".join(f"{name} {m['median_ms']} ms ({m['rows']} rows)"
                                                 for name, m in report["sql"].items()) + ".", "",
              "| Scenario | Target | Measured | Met |", "| --- | --- | ---: | --- |"]  # fmt: skip
    for check in report["targets"]:
        lines.append(
            f"| {check['scenario']} | {check['target']} | {check['measured']} | {'yes' if check['met'] else 'NO'} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(args) -> None:
    import copy

    from django.conf import settings

    staff = backoffice.staff_users()
    cookies_by_role = {role: backoffice.staff_cookie(user) for role, user in staff.items()}
    urls = {"floor": "/bench/floor/", **{page.name: page.url for page in PAGES}}
    cookies = {"floor": "", **{page.name: cookies_by_role[page.who] for page in PAGES}}
    if args.profile:  # `--scenarios dashboards,sales-product` profiles one page
        chosen = [name for name in args.scenarios if name != base.DASHBOARDS]
        for page in PAGES:
            if chosen and page.name not in chosen:
                continue
            one = copy.copy(args)
            one.scenarios = [page.name]
            one.label = "-".join(part for part in (args.label, "dashboards", page.name) if part)
            base.profile(one, base.test_client(cookies[page.name]), {page.name: page.url})
        return
    queries = backoffice.count_queries(urls, cookies)
    for name, measured in queries.items():
        base.log(f"  {name:<20} {urls[name]:<60} {measured['status']}  {measured['queries']:>3} queries "
                 f"{measured['sql_ms']:>7.2f} ms SQL")  # fmt: skip
    bad = [name for name, measured in queries.items() if measured["status"] != 200]
    if bad:
        raise SystemExit(f"Not 200 in-process: {', '.join(bad)}")
    sql = sql_timing(sql_params(staff["rep"]))
    for name, measured in sql.items():
        base.log(f"  raw SQL {name:<20} median {measured['median_ms']} ms")
    started = time.monotonic()
    runs, wrk = backoffice.serve_and_measure(args, urls, cookies)
    summary = base.summarise(runs, urls, queries, args.connections)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "scale": args.scale,
        "label": "-".join(part for part in ("dashboards", args.label) if part),
        "db_options": settings.BENCH_DB_OPTIONS,
        "data": data_counts(),
        "who": {role: user.email for role, user in staff.items()},
        "parameters": {
            "duration_s": args.duration,
            "repetitions": args.repetitions,
            "connections": args.connections,
            "wrk_threads": 1,
        },  # fmt: skip
        "environment": base.environment(wrk, args.workers),
        "urls": urls,
        "queries": queries,
        "sql": sql,
        "summary": summary,
        "targets": target_checks(summary, sql),
        "load_average": base.load_range(runs),
        "runs": runs,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    base.write_report(report, markdown)
