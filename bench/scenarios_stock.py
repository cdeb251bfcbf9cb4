"""The stock dashboard against the framework floor and the raw SQL: `run.py --scenarios stock`.

    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/run.py --scale small --scenarios stock --connections 2

Issue 14's target: the dashboard answers in under 300 ms p50 and within 0.5 × the raw SQL of the
same figures over the base tables (RAW_STOCK_SQL: every lot in stock joined to its product for
the value at cost; RAW_SHIPPED_SQL: every shipment move of the period joined to its lot). The page
reads `ProductStockFigures` (refreshed on a schedule by `stock_figures.refresh`); those reads are
timed too. The dashboard as the bench manager (staff MFA enforced), right after a floor run, as
bench/scenarios_billing.py does; queries counted in-process warm and cold; both ways of reading
the figures timed in-process, the median of SQL_REPETITIONS after a warm-up.
"""

import statistics
import time
from datetime import UTC, datetime

from bench import run as base
from bench import scenarios_backoffice as backoffice

DASHBOARD_P50_MS = 300
ROLLUP_RATIO = 0.5
SQL_REPETITIONS = 15
MONTHS = 3

RAW_STOCK_SQL = """
SELECT l.product_id, SUM(l.on_hand), SUM(l.on_hand * COALESCE(l.unit_cost, p.standard_cost)),
       COUNT(*) FILTER (WHERE l.unit_cost IS NULL AND p.standard_cost IS NULL)
FROM catalog_lot l JOIN catalog_product p ON p.id = l.product_id
WHERE l.on_hand > 0
GROUP BY l.product_id
"""
RAW_SHIPPED_SQL = """
SELECT l.product_id, -SUM(m.quantity)
FROM catalog_stockmove m JOIN catalog_lot l ON l.id = m.lot_id
WHERE m.kind = 'shipment' AND m.created_at >= %(start)s
GROUP BY l.product_id
"""


def data_counts() -> dict[str, int]:
    from catalog.models import Lot, Product, ShippedMonth, StockMove

    return {
        "products": Product.objects.count(),
        "lots": Lot.objects.count(),
        "shipment_moves": StockMove.objects.filter(kind=StockMove.Kind.SHIPMENT).count(),
        "shipped_months": ShippedMonth.objects.count(),
    }


def _median_ms(function) -> dict:
    function()
    timings, result = [], None
    for _ in range(SQL_REPETITIONS):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(timings), 2), "min_ms": round(min(timings), 2),
            "max_ms": round(max(timings), 2), "rows": result}  # fmt: skip


def sql_timing() -> dict:
    """The page's per-product figures two ways, in-process: in raw SQL over the base tables (the
    lots' stock and value, and the stock ledger's shipments of the period) and as the page reads
    them (`ProductStockFigures`, refreshed on a schedule: when it was, the first products and slow
    movers ranked, the categories summed)."""
    from datetime import time as day_time

    from django.db import connection
    from django.utils import timezone

    from portal.dashboards import stock, stock_figures

    today = timezone.localdate()
    start = stock_figures.period(today=today, months=MONTHS).start
    start_at = timezone.make_aware(datetime.combine(start, day_time.min))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_STOCK_SQL)
            rows = len(cursor.fetchall())
            cursor.execute(RAW_SHIPPED_SQL, {"start": start_at})
            return rows + len(cursor.fetchall())

    def figures():
        day = stock_figures.as_of().day
        rows = stock_figures.turnover_by_product(months=MONTHS, day=day, limit=stock.SHOWN)
        rows += stock_figures.slow_movers(months=MONTHS, day=day, limit=stock.SHOWN)
        return len(rows) + len(stock_figures.turnover_by_category(months=MONTHS, day=day))

    return {"raw_sql": _median_ms(raw), "rollup": _median_ms(figures)}


def target_checks(summary: list[dict], sql: dict) -> list[dict]:
    at_2 = {row["scenario"]: row for row in summary if row["connections"] == 2}
    raw, rollup = sql["raw_sql"]["median_ms"], sql["rollup"]["median_ms"]
    checks = []
    if "stock" in at_2:
        p50 = at_2["stock"]["p50_ms"]
        checks.append({"scenario": "stock", "target": f"p50 < {DASHBOARD_P50_MS} ms", "measured": p50,
                       "met": p50 < DASHBOARD_P50_MS})  # fmt: skip
        checks.append({"scenario": "stock", "target": f"p50 ≤ {ROLLUP_RATIO}× the raw SQL ({raw} ms)",
                       "measured": round(p50 / raw, 2) if raw else None, "met": p50 <= ROLLUP_RATIO * raw})  # fmt: skip
    checks.append({"scenario": "figures read", "target": f"≤ {ROLLUP_RATIO}× the raw SQL ({raw} ms)",
                   "measured": round(rollup / raw, 2) if raw else None,
                   "met": rollup <= ROLLUP_RATIO * raw})  # fmt: skip
    return checks


def markdown(report: dict) -> str:
    data, sql = report["data"], report["sql"]
    lines = [
        f"# Stock dashboard benchmark {report['date']} · scale {report['scale']}",
        "",
        f"Data: {data['products']:,} products, {data['lots']:,} lots, {data['shipment_moves']:,} shipment moves "
        f"rolled up into {data['shipped_months']:,} product-months. As {report['who']} (Manager, staff MFA).",
        "",
        *backoffice.run_lines(report),
        "",
        f"The per-product figures over {MONTHS} months, in-process, median of {SQL_REPETITIONS}: raw SQL over "
        f"the lots and the stock ledger {sql['raw_sql']['median_ms']} ms ({sql['raw_sql']['rows']:,} rows); "
        f"as the page reads them (`ProductStockFigures`: ranked, limited, summed) "
        f"{sql['rollup']['median_ms']} ms ({sql['rollup']['rows']:,} rows).",
        "",
        "| Scenario | Target | Measured | Met |",
        "| --- | --- | ---: | --- |",
    ]
    for check in report["targets"]:
        lines.append(f"| {check['scenario']} | {check['target']} | {check['measured']} | "
                     f"{'yes' if check['met'] else 'NO'} |")  # fmt: skip
    lines.append("")
    return "\n".join(lines)


def main(args) -> None:

    from django.conf import settings
    from django.urls import reverse

    from catalog.shipped import rebuild_shipped_months
    from portal.dashboards import stock_figures

    if not data_counts()["shipped_months"]:
        base.log(f"  rebuilt the shipped rollup: {rebuild_shipped_months():,} rows")
    if stock_figures.as_of() is None:
        base.log(f"  refreshed the stock figures: {stock_figures.refresh():,} rows")
    manager = backoffice.staff_users()["manager"]
    urls = {"floor": "/bench/floor/", "stock": reverse("stock_dashboard:index")}
    cookies = {"floor": "", "stock": backoffice.staff_cookie(manager)}
    queries = backoffice.count_queries(urls, cookies)
    for name, measured in queries.items():
        base.log(f"  {name:<8} {urls[name]:<35} {measured['status']}  {measured['queries']:>3} queries "
                 f"{measured['sql_ms']:>7.2f} ms SQL  {measured['bytes']:>8,} bytes")  # fmt: skip
    if any(measured["status"] != 200 for measured in queries.values()):
        raise SystemExit("Not 200 in-process.")
    sql = sql_timing()
    base.log(f"  turnover: raw SQL {sql['raw_sql']['median_ms']} ms, rollup {sql['rollup']['median_ms']} ms")

    started = time.monotonic()
    runs, wrk = backoffice.serve_and_measure(args, urls, cookies)
    summary = base.summarise(runs, urls, queries, args.connections)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "scale": args.scale,
        "label": "-".join(part for part in ("stock", args.label) if part),
        "db_options": settings.BENCH_DB_OPTIONS,
        "data": data_counts(),
        "who": manager.email,
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
    base.log(markdown(report))
