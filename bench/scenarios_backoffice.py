"""The back office's busiest lists against the framework floor: `run.py --scenarios backoffice`.

    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/run.py --scale large --scenarios backoffice --connections 2

The staff order list, the approval queue, stock by product and the customers list, each as the
bench manager (Manager, Finance and Order approver: every customer, every approval of the order
approvers and every credit hold) and the order and customer lists also as a sales rep (their own
customers only). The same method as the catalog runs (bench/run.py): gunicorn with the
production settings (staff MFA enforced: the bench staff hold a TOTP authenticator), every
scenario right after a floor run at the same connection count, ratios to that floor's p50, and
queries counted in-process, warm and cold (the local cache cleared).
"""

import statistics
import time
from datetime import UTC, datetime

from bench import run as base

TARGET_P50_RATIO = 15  # a back-office list's p50 ≤ 15 × the floor's p50 at 2 connections
# scenario: (URL name, who signs in)
SCENARIOS = {
    # Not a list: the back office's own home page (sidebar, header, dashboard panels), the least
    # any back-office page costs, measured as a second reference beside the framework floor.
    "bo-home": ("wagtailadmin_home", "manager"),
    "bo-orders": ("orders:index", "manager"),
    "bo-orders-rep": ("orders:index", "rep"),
    "bo-approvals": ("ordering_admin:approval_queue", "manager"),
    "bo-stock": ("catalog_stock:products", "manager"),
    "bo-customers": ("customers:index", "manager"),
    "bo-customers-rep": ("customers:index", "rep"),
}


def staff_users():
    """The bench manager, and the rep with the most customers."""
    from django.db.models import Count

    from accounts.models import User
    from bench.generate_backoffice import BENCH_MANAGER_EMAIL

    manager = User.objects.filter(email=BENCH_MANAGER_EMAIL).first()
    rep = (
        User.objects.filter(email__startswith="bench-rep-", groups__name="Sales rep")
        .annotate(customer_count=Count("customers", distinct=True))
        .order_by("-customer_count", "pk")
        .first()
    )
    if manager is None or rep is None:
        raise SystemExit("No bench manager or rep with a role: run bench/generate.py again.")
    return {"manager": manager, "rep": rep}


def staff_cookie(user) -> str:
    """A Cookie header for a fresh session of a staff user, as a browser sends it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={get_random_string(32)}"


def count_queries(urls: dict[str, str], cookies: dict[str, str]) -> dict[str, dict]:
    """Each URL's queries in-process, warm and cold (the local cache emptied), reading a streamed
    download (a delivery note, an invoice PDF) to its end."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def body(response) -> bytes:
        return b"".join(response.streaming_content) if response.streaming else response.content

    counts = {}
    for name, url in urls.items():
        client = base.test_client(cookies.get(name, ""))
        body(client.get(url))
        caches["local"].clear()
        with CaptureQueriesContext(connection) as cold:
            body(client.get(url))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            size = len(body(response))
        counts[name] = {
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "queries_cold": len(cold.captured_queries),
            "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 2),
            "bytes": size,
        }
    return counts


def data_counts() -> dict[str, int]:
    from accounts.models import Company
    from catalog.models import Lot, Product
    from ordering.models import ApprovalStep, Order, OrderLine

    return {
        "companies": Company.objects.count(),
        "products": Product.objects.count(),
        "lots": Lot.objects.count(),
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "orders_awaiting_approval": Order.objects.filter(state="awaiting_approval").count(),
        "orders_on_credit_hold": Order.objects.filter(state="credit_hold").count(),
        "approval_steps": ApprovalStep.objects.count(),
    }


def measure(args, wrk: str, port: int, urls: dict[str, str], cookies: dict[str, str]) -> list[dict]:
    runs = []
    scenarios = [name for name in urls if name != "floor"]
    for repetition in range(1, args.repetitions + 1):
        for connections in args.connections:
            for scenario in scenarios:
                floor = base.run_wrk(wrk, port=port, url=urls["floor"], connections=connections,
                                     duration=args.duration, cookie="")  # fmt: skip
                result = base.run_wrk(wrk, port=port, url=urls[scenario], connections=connections,
                                      duration=args.duration, cookie=cookies[scenario])  # fmt: skip
                runs.append(
                    {
                        "repetition": repetition,
                        "connections": connections,
                        "scenario": scenario,
                        "floor": floor,
                        "result": result,
                        "p50_ratio": round(result["p50_ms"] / floor["p50_ms"], 2),
                        "p99_ratio": round(result["p99_ms"] / floor["p50_ms"], 2),
                    }
                )
                base.log(
                    f"  rep {repetition} c={connections} {scenario:<17} {result['rps']:>7.1f} req/s "
                    f"p50 {result['p50_ms']:>7.2f} ms p99 {result['p99_ms']:>7.2f} ms | floor p50 "
                    f"{floor['p50_ms']:.2f} ms, ratio {runs[-1]['p50_ratio']:.1f}"
                )
    return runs


def target_checks(summary: list[dict]) -> list[dict]:
    return [
        {
            "scenario": row["scenario"],
            "target": f"p50 ≤ {TARGET_P50_RATIO}× floor p50 at 2 connections",
            "measured": row["p50_ratio"],
            "met": row["p50_ratio"] <= TARGET_P50_RATIO,
        }
        for row in summary
        if row["scenario"] not in ("floor", "bo-home") and row["connections"] == 2
    ]


def run_lines(report: dict) -> list[str]:
    """The server and runs paragraph and the table of runs, as every benchmark report shows them."""
    env, params = report["environment"], report["parameters"]
    lines = [
        f"Server: gunicorn {env['gunicorn']}, {env['gunicorn_workers']} sync workers on {env['cores']} cores "
        f"(wrk, gunicorn and PostgreSQL {env['postgresql']} share them, and other agents' work may run on the "
        f"machine at the same time); Python {env['python']}, Django {env['django']}; {env['wrk']}; "
        f"code {env['git']}.",
        f"Runs: {params['duration_s']} s each, {params['repetitions']} repetitions, connections "
        f"{', '.join(map(str, params['connections']))}; every scenario run right after a floor run. "
        "1-minute load average during the runs: "
        f"{report['load_average']['min']:.1f}–{report['load_average']['max']:.1f}.",
        "",
        "| Scenario | URL | Conn. | req/s | p50 ms | p99 ms | p50 ÷ floor p50 | p99 ÷ floor p50 "
        "| Queries warm / cold |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["summary"]:
        lines.append(
            f"| {row['scenario']} | `{row['url']}` | {row['connections']} | {row['rps']:.0f} "
            f"| {base.fmt(row['p50_ms'])} | {base.fmt(row['p99_ms'])} | {row['p50_ratio']:.1f} "
            f"| {row['p99_ratio']:.1f} | {row['queries']} / {row['queries_cold']} |"
        )
    return lines


def serve_and_measure(args, urls: dict[str, str], cookies: dict[str, str]) -> tuple[list[dict], str]:
    """Start gunicorn, check every URL answers 200, warm each up, then measure them all; the runs
    and the wrk used."""
    wrk = base.ensure_wrk()
    with base.Server(workers=args.workers, log_path=base.GUNICORN_LOG) as server:
        base.log(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{server.port}")
        for name, url in urls.items():
            status = base.http_status(server.port, url, cookies[name])
            if status != 200:
                raise SystemExit(f"{name} ({url}) answered {status}, not 200: nothing measured.")
            base.run_wrk(wrk, port=server.port, url=url, connections=max(args.connections), duration=2,
                         cookie=cookies[name])  # fmt: skip
        runs = measure(args, wrk, server.port, urls, cookies)
        server_log = server.log_tail()
    if "Traceback" in server_log or "ERROR" in server_log:
        base.log(f"gunicorn reported errors:\n{server_log}")
    return runs, wrk


def markdown(report: dict) -> str:
    data = report["data"]
    lines = [
        f"# Back-office benchmark {report['date']} · scale {report['scale']}"
        + (f" · {report['label']}" if report["label"] else ""),
        "",
        f"Data: {data['companies']:,} companies, {data['products']:,} products, {data['lots']:,} lots, "
        f"{data['orders']:,} orders ({data['order_lines']:,} lines; {data['orders_awaiting_approval']:,} awaiting "
        f"approval, {data['orders_on_credit_hold']:,} on credit hold), {data['approval_steps']:,} approval steps.",
        f"Signed in as {report['staff']['manager']} (Manager, Finance, Order approver) and "
        f"{report['staff']['rep']} (Sales rep, {report['staff']['rep_customers']} customers); staff MFA enforced.",
        "",
    ]
    lines += run_lines(report)
    lines += ["", "| Scenario | Target | Measured | Met |", "| --- | --- | ---: | --- |"]
    for check in report["targets"]:
        met = "yes" if check["met"] else "NO"
        lines.append(f"| {check['scenario']} | {check['target']} | {check['measured']} | {met} |")
    errors = sum(row["errors"] for row in report["summary"])
    if errors:
        lines += ["", f"wrk counted {errors} socket or HTTP errors in total (see the JSON file per run)."]
    lines.append("")
    return "\n".join(lines)


def profile(args, urls: dict[str, str], cookies: dict[str, str]) -> None:
    """base.profile for each scenario with its own user's client; one file per scenario."""
    import copy

    for name, url in urls.items():
        if name == "floor":
            continue
        one = copy.copy(args)
        one.scenarios = [name]
        one.label = "-".join(part for part in (args.label, name) if part)
        base.profile(one, base.test_client(cookies[name]), {name: url})


def main(args) -> None:

    from django.conf import settings
    from django.urls import reverse

    counts = data_counts()
    people = staff_users()
    person_cookie = {who: staff_cookie(user) for who, user in people.items()}
    urls = {"floor": "/bench/floor/"}
    cookies = {"floor": ""}
    for name, (url_name, who) in SCENARIOS.items():
        urls[name] = reverse(url_name)
        cookies[name] = person_cookie[who]
    base.log(f"Back office as {people['manager'].email} and {people['rep'].email}.")
    if args.profile:
        profile(args, urls, cookies)
        return

    queries = count_queries(urls, cookies)
    for name, measured in queries.items():
        base.log(f"  {name:<17} {urls[name]:<35} {measured['status']}  {measured['queries']:>3} queries "
                 f"{measured['sql_ms']:>7.2f} ms SQL  {measured['bytes']:>8,} bytes")  # fmt: skip
    bad = [name for name, measured in queries.items() if measured["status"] != 200]
    if bad:
        raise SystemExit(f"Not 200 in-process: {', '.join(bad)}")

    started = time.monotonic()
    runs, wrk = serve_and_measure(args, urls, cookies)

    summary = base.summarise(runs, urls, queries, args.connections)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "scale": args.scale,
        "label": "-".join(part for part in ("backoffice", args.label) if part),
        "db_options": settings.BENCH_DB_OPTIONS,
        "data": counts,
        "staff": {
            "manager": people["manager"].email,
            "rep": people["rep"].email,
            "rep_customers": people["rep"].customer_count,
        },
        "parameters": {
            "duration_s": args.duration,
            "repetitions": args.repetitions,
            "connections": args.connections,
            "wrk_threads": 1,
        },
        "environment": base.environment(wrk, args.workers),
        "urls": urls,
        "queries": queries,
        "summary": summary,
        "targets": target_checks(summary),
        "load_average": base.load_range(runs),
        "runs": runs,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    base.write_report(report, markdown)
    base.log(f"Median p50 ratio over the lists: {statistics.median(c['measured'] for c in report['targets']):.1f}")
