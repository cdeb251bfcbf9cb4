"""Measure the customer catalog against the framework floor, under gunicorn, with wrk.

    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/run.py --scale large

Method (docs/performance.md): gunicorn serves portal.wsgi with the bench settings on a free
port of 127.0.0.1; the runner signs in as the buyer of a company with a contract list by
writing a session row, and hands the cookie to wrk. In each repetition and at each connection
count every scenario runs right after a floor run (floor, catalog, floor, deep page, ...), so
each scenario's p50 and p99 are divided by the floor p50 measured a few seconds earlier; the
report gives the median of those per-repetition ratios. Queries per request are counted
in-process with Django's test client against the same database, warm and cold (right after a
catalog change, every cached catalog read gone).

`--profile` instead profiles each scenario in-process (cProfile over a few requests) and runs
EXPLAIN ANALYZE on its slowest queries; `--workers-sweep 2,3,5` compares gunicorn worker counts.
"""

import argparse
import cProfile
import http.client
import io
import json
import os
import platform
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
LUA_REPORT = BENCH_DIR / "wrk_report.lua"
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

EXPECTED_PRODUCTS = {"small": 200, "medium": 2_000, "large": 20_000}
CATALOG_SCENARIOS = ("catalog", "deep", "search", "detail")
ALL_SCENARIOS = ("home", *CATALOG_SCENARIOS)
BACKOFFICE = "backoffice"  # the back office's lists: bench/scenarios_backoffice.py
FULFILMENT = "fulfilment"  # the warehouse queue, a delivery note, a lot's trace: bench/scenarios_fulfilment.py
BILLING = "billing"  # the aging report, the invoice list, an invoice PDF: bench/scenarios_billing.py
STOCK = "stock"  # the stock dashboard and its rollup against the raw SQL: bench/scenarios_stock.py
DASHBOARDS = "dashboards"  # every dashboard page vs the raw SQL of its figures: bench/scenarios_dashboards.py
TARGET_P50_RATIO = 10  # catalog p50 ≤ 10 × floor p50 at 2 connections
TARGET_P99_RATIO = 25  # catalog p99 ≤ 25 × floor p50 at 8 connections
TARGET_QUERIES = 8
SERVER_START_TIMEOUT = 60  # seconds
GUNICORN_LOG = Path(tempfile.gettempdir()) / "tradecounter-bench-gunicorn.log"
WRK_TIMEOUT_MARGIN = 30  # seconds on top of the run's duration before wrk is killed


def log(message: str = "") -> None:
    print(message, flush=True)


# -- Django side: who signs in, which URLs, how many queries -------------------------------


def setup_django():
    import django

    django.setup()


def migrate_if_needed() -> None:
    """The code moves on between generating and running: apply its new migrations first."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return
    name = settings.DATABASES["default"]["NAME"]
    if "bench" not in name:
        raise SystemExit(f"{len(plan)} migrations are not applied to {name!r}; migrate it or run bench/generate.py.")
    log(f"Applying {len(plan)} new migrations to {name!r}.")
    call_command("migrate", interactive=False, verbosity=0)


def bench_company_and_buyer():
    """The first company with a contract list valid today, and its buyer."""
    from django.db.models import Q
    from django.utils import timezone

    from accounts.models import Membership
    from catalog.models import PriceList

    today = timezone.localdate()
    contract = (
        PriceList.objects.filter(kind=PriceList.Kind.CONTRACT, active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("company_id")
        .first()
    )
    if contract is None:
        raise SystemExit("No company with a valid contract list: run bench/generate.py first.")
    membership = (
        Membership.objects.filter(company_id=contract.company_id, user__email__startswith="bench-buyer-")
        .select_related("user", "company")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise SystemExit(f"Company {contract.company_id} has no bench buyer: run bench/generate.py again.")
    return membership.company, membership.user, contract


def signed_in_cookie(user, company) -> str:
    """A Cookie header for a fresh session of `user` with `company` active, as a browser sends it.

    The CSRF cookie is included so that pages using {% csrf_token %} do not set a new one on
    every response, which a returning browser would not cause either.
    """
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    from accounts.access import ACTIVE_COMPANY_SESSION_KEY

    # The configured engine (database, or cache backed by the database): what a real sign-in writes.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[ACTIVE_COMPANY_SESSION_KEY] = company.pk
    session.create()
    csrf = get_random_string(32)  # letters and digits: the format Django's CSRF cookie must have
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"


def detail_sku(company, contract) -> str:
    """A product of the contract list with quantity breaks and sellable lots."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from catalog.models import Lot, PriceListEntry

    lots = Lot.objects.filter(product=OuterRef("product"), expiry_date__gt=timezone.localdate(), on_hand__gt=0)
    entry = (
        PriceListEntry.objects.filter(price_list=contract, min_quantity__gt=1, product__active=True)
        .filter(Exists(lots))
        .select_related("product")
        .order_by("product__sku")
        .first()
    )
    if entry is None:
        raise SystemExit("The bench company's contract list prices nothing in stock: regenerate the data.")
    return entry.product.sku


def test_client(cookie_header: str):
    from django.test import Client

    # A server error should be reported as a status, like wrk would see it, not raised here.
    client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
    for part in filter(None, cookie_header.split("; ")):
        name, _sep, value = part.partition("=")
        client.cookies[name] = value
    return client


def deep_page_number(company) -> int:
    """The last full page of the unfiltered list: visible products ÷ the list's default page size."""
    from catalog import views as catalog_views
    from catalog.selectors import visible_products

    per_page = getattr(catalog_views, "DEFAULT_PER_PAGE", 24)
    return max(1, visible_products(company).count() // per_page)


def scenario_urls(args, client, company, contract) -> dict[str, str]:
    """The URLs to measure; catalog ones only once the catalog answers 200."""
    from urllib.parse import urlencode

    urls = {"floor": "/bench/floor/", "home": "/portal/"}
    response = client.get("/portal/catalog/")
    if response.status_code != 200:
        log(f"/portal/catalog/ answers {response.status_code}: measuring the floor and /portal/ only.")
        return urls
    deep = args.deep_page or deep_page_number(company)
    urls["catalog"] = "/portal/catalog/"
    urls["deep"] = f"/portal/catalog/?page={deep}"
    urls["search"] = "/portal/catalog/?" + urlencode({"q": args.search})
    urls["detail"] = f"/portal/catalog/products/{detail_sku(company, contract)}/"
    return urls


def count_queries(client, urls: dict[str, str]) -> dict[str, dict]:
    """Queries, status and SQL time of a request to each URL, in-process: warm (what wrk
    measures), and cold (right after a catalog change, with every cached catalog read gone)."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.selectors import forget_category_tree

    floor_client = test_client("")  # the floor is requested without cookies, as wrk does
    counts = {}
    for name, url in urls.items():
        chosen = floor_client if name == "floor" else client
        chosen.get(url)  # first requests fill Django's own caches (content types, templates)
        forget_category_tree()  # moves the catalog version on too
        caches["local"].clear()
        with CaptureQueriesContext(connection) as cold:
            chosen.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = chosen.get(url)
        queries = captured.captured_queries
        counts[name] = {
            "status": response.status_code,
            "queries": len(queries),
            "queries_cold": len(cold.captured_queries),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 2),
            "bytes": len(response.content),
        }
    return counts


def data_counts() -> dict[str, int]:
    from accounts.models import Company
    from catalog.models import Lot, PriceListEntry, Product

    return {
        "companies": Company.objects.count(),
        "products": Product.objects.count(),
        "price_list_entries": PriceListEntry.objects.count(),
        "lots": Lot.objects.count(),
    }


# -- the server and the load tool ----------------------------------------------------------


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is not installed: installing Debian's wrk with apt-get install -y wrk (needs root).")
    for command in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        subprocess.run(command, check=False, timeout=600, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
        if path:
            return path
    raise SystemExit("Could not install wrk; install it (Debian package `wrk`) and run again.")


def wrk_version(wrk: str) -> str:
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
    return (output.stdout or output.stderr).splitlines()[0].split(" Copyright")[0].strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(port: int, url: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", url, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class Server:
    """gunicorn with sync workers serving portal.wsgi under the bench settings."""

    def __init__(self, *, workers: int, log_path: Path):
        self.workers = workers
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(REPO_ROOT)}
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "portal.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers),
                "--worker-class", "sync",
                "--log-level", "warning",
                "--timeout", "60",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if http_status(self.port, "/bench/floor/") == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise SystemExit(f"gunicorn did not answer in {SERVER_START_TIMEOUT} s:\n{self.log_tail()}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # gunicorn stops its workers on SIGTERM
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine shows up here, not in wrk's numbers."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def run_wrk(wrk: str, *, port: int, url: str, connections: int, duration: float, cookie: str) -> dict:
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA_REPORT),
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{url}")
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + WRK_TIMEOUT_MARGIN)
    for line in output.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = raw["duration_us"] / 1e6
            errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
            return {
                "requests": raw["requests"],
                "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
                "p50_ms": raw["p50_us"] / 1000,
                "p90_ms": raw["p90_us"] / 1000,
                "p99_ms": raw["p99_us"] / 1000,
                "mean_ms": round(raw["mean_us"] / 1000, 3),
                "max_ms": raw["max_us"] / 1000,
                "errors": errors,
                "load_average_after": load_average(),
            }
    raise SystemExit(f"wrk printed no summary:\n{output.stdout}\n{output.stderr}")


def check_statuses(port: int, urls: dict[str, str], cookie: str) -> None:
    """Every URL must answer 200 (a 302 to the sign-in page would be measured as a success)."""
    for name, url in urls.items():
        status = http_status(port, url, "" if name == "floor" else cookie)
        if status != 200:
            raise SystemExit(f"{name} ({url}) answered {status}, not 200: nothing measured.")


def warm_up(wrk: str, port: int, urls: dict[str, str], cookie: str, connections: int) -> None:
    """Every worker imports, connects and caches before anything counts."""
    for name, url in urls.items():
        run_wrk(wrk, port=port, url=url, connections=connections, duration=2, cookie="" if name == "floor" else cookie)


# -- measurement and report ----------------------------------------------------------------


def measure(args, wrk: str, port: int, urls: dict[str, str], cookie: str) -> list[dict]:
    """Repetitions × connection counts × (floor, scenario) pairs, in that interleaved order."""
    runs = []
    scenarios = [name for name in urls if name != "floor"]
    total = args.repetitions * len(args.connections) * len(scenarios) * 2
    done = 0
    for repetition in range(1, args.repetitions + 1):
        for connections in args.connections:
            for scenario in scenarios:
                floor = run_wrk(wrk, port=port, url=urls["floor"], connections=connections, duration=args.duration,
                                cookie="")  # fmt: skip
                result = run_wrk(wrk, port=port, url=urls[scenario], connections=connections,
                                 duration=args.duration, cookie=cookie)  # fmt: skip
                done += 2
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
                log(
                    f"  [{done:>3}/{total}] rep {repetition} c={connections} {scenario:<8} "
                    f"{result['rps']:>7.1f} req/s p50 {result['p50_ms']:>7.2f} ms p99 {result['p99_ms']:>7.2f} ms"
                    f" | floor p50 {floor['p50_ms']:.2f} ms, ratio {runs[-1]['p50_ratio']:.1f}"
                )
    return runs


def summarise(runs: list[dict], urls: dict[str, str], queries: dict[str, dict], connections: list[int]) -> list[dict]:
    rows = []
    for c in connections:
        floor_runs = [r["floor"] for r in runs if r["connections"] == c]
        rows.append(
            {
                "scenario": "floor",
                "url": urls["floor"],
                "connections": c,
                "rps": statistics.median(f["rps"] for f in floor_runs),
                "p50_ms": statistics.median(f["p50_ms"] for f in floor_runs),
                "p99_ms": statistics.median(f["p99_ms"] for f in floor_runs),
                "p50_ratio": 1.0,
                "p99_ratio": round(statistics.median(f["p99_ms"] / f["p50_ms"] for f in floor_runs), 2),
                "queries": queries["floor"]["queries"],
                "queries_cold": queries["floor"]["queries_cold"],
                "errors": sum(f["errors"] for f in floor_runs),
                "runs": len(floor_runs),
            }
        )
        for scenario in [name for name in urls if name != "floor"]:
            mine = [r for r in runs if r["connections"] == c and r["scenario"] == scenario]
            if not mine:
                continue
            rows.append(
                {
                    "scenario": scenario,
                    "url": urls[scenario],
                    "connections": c,
                    "rps": statistics.median(r["result"]["rps"] for r in mine),
                    "p50_ms": statistics.median(r["result"]["p50_ms"] for r in mine),
                    "p99_ms": statistics.median(r["result"]["p99_ms"] for r in mine),
                    "p50_ratio": statistics.median(r["p50_ratio"] for r in mine),
                    "p99_ratio": statistics.median(r["p99_ratio"] for r in mine),
                    "queries": queries[scenario]["queries"],
                    "queries_cold": queries[scenario]["queries_cold"],
                    "errors": sum(r["result"]["errors"] for r in mine),
                    "runs": len(mine),
                }
            )
    return rows


def target_checks(summary: list[dict]) -> list[dict]:
    checks = []
    for scenario in CATALOG_SCENARIOS:
        at = {row["connections"]: row for row in summary if row["scenario"] == scenario}
        if not at:
            continue
        any_row = next(iter(at.values()))
        if 2 in at:
            checks.append(_check(scenario, f"p50 ≤ {TARGET_P50_RATIO}× floor p50 at 2 connections",
                                 at[2]["p50_ratio"], TARGET_P50_RATIO))  # fmt: skip
        if 8 in at:
            checks.append(_check(scenario, f"p99 ≤ {TARGET_P99_RATIO}× floor p50 at 8 connections",
                                 at[8]["p99_ratio"], TARGET_P99_RATIO))  # fmt: skip
        most = max(any_row["queries"], any_row["queries_cold"])
        checks.append(_check(scenario, f"≤ {TARGET_QUERIES} queries per request, warm or cold", most, TARGET_QUERIES))
    return checks


def _check(scenario: str, target: str, measured: float, limit: float) -> dict:
    return {"scenario": scenario, "target": target, "measured": measured, "met": measured <= limit}


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}"


def environment(wrk: str, workers: int) -> dict:
    import django
    import gunicorn
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg_version,) = cursor.fetchone()
    return {
        "cores": os.cpu_count(),
        "gunicorn_workers": workers,
        "worker_class": "sync",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": pg_version,
        "wrk": wrk_version(wrk),
        "git": git_revision(),
    }


def fmt(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def markdown(report: dict) -> str:
    env, params = report["environment"], report["parameters"]
    lines = [
        f"# Benchmark {report['date']} · scale {report['scale']}"
        + (f" · {report['label']}" if report["label"] else ""),
        "",
        f"Data: {report['data']['companies']:,} companies, {report['data']['products']:,} products, "
        f"{report['data']['price_list_entries']:,} price-list entries, {report['data']['lots']:,} lots. "
        f"Signed in as a buyer of company {report['company_id']} (contract list, "
        f"{report['company_tier'] or '—'}).",
        "",
        f"Server: gunicorn {env['gunicorn']}, {env['gunicorn_workers']} sync workers on {env['cores']} cores "
        f"(wrk, gunicorn and PostgreSQL {env['postgresql']} share them); Python {env['python']}, "
        f"Django {env['django']}; {env['wrk']}; code {env['git']}.",
        f"Runs: {params['duration_s']} s each, {params['repetitions']} repetitions, connections "
        f"{', '.join(map(str, params['connections']))}; every scenario run right after a floor run.",
        "",
        "Latency ratios are the median over repetitions of (scenario ÷ the floor p50 measured just before it).",
        "1-minute load average during the runs: "
        f"{report['load_average']['min']:.1f}–{report['load_average']['max']:.1f} "
        f"(the machine has {env['cores']} cores; other work on it slows every scenario, the floor included).",
        "",
        "| Scenario | URL | Conn. | req/s | p50 ms | p99 ms | p50 ÷ floor p50 | p99 ÷ floor p50 "
        "| Queries warm / cold |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["summary"]:
        lines.append(
            f"| {row['scenario']} | `{row['url']}` | {row['connections']} | {row['rps']:.0f} | {fmt(row['p50_ms'])} "
            f"| {fmt(row['p99_ms'])} | {row['p50_ratio']:.1f} | {row['p99_ratio']:.1f} "
            f"| {row['queries']} / {row['queries_cold']} |"
        )
    if report["db_options"]:
        lines += ["", f"What-if run: every database connection had `{report['db_options']}`."]
    if report["targets"]:
        lines += ["", "| Scenario | Target | Measured | Met |", "| --- | --- | ---: | --- |"]
        for check in report["targets"]:
            lines.append(
                f"| {check['scenario']} | {check['target']} | {check['measured']} | {'yes' if check['met'] else 'NO'} |"
            )
    else:
        lines += ["", "The customer catalog did not answer yet: only the floor and /portal/ were measured."]
    errors = sum(row["errors"] for row in report["summary"])
    if errors:
        lines += ["", f"wrk counted {errors} socket or HTTP errors in total (see the JSON file per run)."]
    lines.append("")
    return "\n".join(lines)


def load_range(runs: list[dict]) -> dict:
    """The machine's load average around the runs, lowest and highest (a report's honesty line)."""
    loads = [r[k]["load_average_after"] or 0 for r in runs for k in ("floor", "result")]
    return {"min": min(loads), "max": max(loads)}


def write_report(report: dict, render=None) -> tuple[Path, Path]:
    """`<date>-<scale>-<label>.json` and `.md` (rendered by `render`, this runner's `markdown` by
    default) in bench/results/; the Markdown is logged too."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = "-".join(part for part in (report["date"], report["scale"], report["label"]) if part)
    json_path = RESULTS_DIR / f"{stem}.json"
    md_path = RESULTS_DIR / f"{stem}.md"
    text = (render or markdown)(report)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(text)
    log("")
    log(text)
    log(f"Written {json_path.relative_to(REPO_ROOT)} and {md_path.relative_to(REPO_ROOT)}")
    return json_path, md_path


# -- profiling -----------------------------------------------------------------------------


def without_machine_paths(text: str) -> str:
    for prefix, label in (
        (sysconfig.get_paths()["purelib"], "site-packages"),
        (sysconfig.get_paths()["stdlib"], "stdlib"),
        (str(REPO_ROOT), "."),
    ):
        text = text.replace(prefix, label)
    return text


def profile(args, client, urls: dict[str, str]) -> None:
    """cProfile over a few requests per scenario, then EXPLAIN ANALYZE of its slowest queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = io.StringIO()
    for name, url in urls.items():
        if args.scenarios and name not in args.scenarios:
            continue
        chosen = test_client("") if name == "floor" else client
        chosen.get(url)
        wall = []
        for _ in range(args.profile_requests):
            started = time.perf_counter()
            chosen.get(url)
            wall.append((time.perf_counter() - started) * 1000)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.profile_requests):
            chosen.get(url)
        profiler.disable()
        per_request = (time.perf_counter() - started) / args.profile_requests * 1000
        with CaptureQueriesContext(connection) as captured:
            chosen.get(url)
        queries = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
        out.write(f"\n=== {name} {url}: median {statistics.median(wall):.1f} ms per request in-process "
                  f"({per_request:.1f} ms profiled), load average {load_average()}, "
                  f"{len(queries)} queries, {sum(float(q['time']) for q in queries) * 1000:.1f} ms SQL\n")  # fmt: skip
        for query in queries:
            out.write(f"  {float(query['time']) * 1000:8.2f} ms  {query['sql'][:300]}\n")
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(args.profile_lines)
        pstats.Stats(profiler, stream=stats).sort_stats("tottime").print_stats(args.profile_lines)
        out.write(stats.getvalue())
        for query in queries[: args.explain]:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
            out.write(f"\n  EXPLAIN ANALYZE ({float(query['time']) * 1000:.2f} ms): {query['sql'][:500]}\n{plan}\n")
    # Session keys are credentials, even for a bench database.
    text = re.sub(r"(session_key\"? = )'[^']+'", r"\1'…'", without_machine_paths(out.getvalue()))
    log(text)
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = "-".join(part for part in (datetime.now(UTC).date().isoformat(), args.scale, args.label) if part)
    path = RESULTS_DIR / f"{stem}-profile.txt"
    path.write_text(text)
    log(f"Profile written to {path.relative_to(REPO_ROOT)}")


def workers_sweep(args, wrk: str, urls: dict[str, str], cookie: str) -> None:
    """A short comparison of worker counts on one scenario at the highest connection count."""
    scenario = "catalog" if "catalog" in urls else "home"
    connections = max(args.connections)
    log(f"Worker sweep on {scenario} at {connections} connections, {args.duration} s per run:")
    for workers in args.workers_sweep:
        with Server(workers=workers, log_path=GUNICORN_LOG) as server:
            warm_up(wrk, server.port, {scenario: urls[scenario]}, cookie, connections)
            for _ in range(args.repetitions):
                result = run_wrk(wrk, port=server.port, url=urls[scenario], connections=connections,
                                 duration=args.duration, cookie=cookie)  # fmt: skip
                log(f"  {workers} workers: {result['rps']:7.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms")  # fmt: skip


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=EXPECTED_PRODUCTS, required=True, help="the scale bench/generate.py made")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--repetitions", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--connections", default="2,8", help="connection counts (default 2,8)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn sync workers (default 2 × cores + 1)")  # fmt: skip
    parser.add_argument("--scenarios", default="", help=f"subset of {', '.join(ALL_SCENARIOS)}; "
                        f"or {BACKOFFICE}; or {FULFILMENT}; or {BILLING}; or {STOCK}; or {DASHBOARDS}")  # fmt: skip
    parser.add_argument("--search", default="chicken", help="the catalog search term (default chicken)")
    parser.add_argument("--deep-page", type=int, help="the deep page (default: the last full page)")
    parser.add_argument("--label", default="", help="suffix of the results files, for what-if runs")
    parser.add_argument("--profile", action="store_true", help="profile in-process instead of measuring")
    parser.add_argument("--profile-requests", type=int, default=20, help="requests per profiled scenario")
    parser.add_argument("--profile-lines", type=int, default=40, help="functions listed per profile ordering")
    parser.add_argument("--explain", type=int, default=3, help="EXPLAIN ANALYZE this many slowest queries")
    parser.add_argument("--workers-sweep", default="", help="compare these worker counts instead, e.g. 2,3,5")
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",") if c]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.workers_sweep = [int(w) for w in args.workers_sweep.split(",") if w]
    if not 1 <= args.repetitions <= 20 or not 1 <= args.duration <= 120:
        parser.error("keep --repetitions within 1–20 and --duration within 1–120 s")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    setup_django()
    migrate_if_needed()
    counts = data_counts()
    if counts["products"] != EXPECTED_PRODUCTS[args.scale]:
        log(f"Warning: {counts['products']:,} products in the bench database; scale {args.scale} generates "
            f"{EXPECTED_PRODUCTS[args.scale]:,}. Run bench/generate.py --scale {args.scale} first.")  # fmt: skip

    if BACKOFFICE in args.scenarios:
        from bench.scenarios_backoffice import main as backoffice_main

        backoffice_main(args)
        return
    if FULFILMENT in args.scenarios:
        from bench.scenarios_fulfilment import main as fulfilment_main

        fulfilment_main(args)
        return
    if BILLING in args.scenarios:
        from bench.scenarios_billing import main as billing_main

        billing_main(args)
        return
    if STOCK in args.scenarios:
        from bench.scenarios_stock import main as stock_main

        stock_main(args)
        return
    if DASHBOARDS in args.scenarios:
        from bench.scenarios_dashboards import main as dashboards_main

        dashboards_main(args)
        return

    company, user, contract = bench_company_and_buyer()
    cookie = signed_in_cookie(user, company)
    client = test_client(cookie)
    urls = scenario_urls(args, client, company, contract)
    if args.scenarios:
        urls = {name: url for name, url in urls.items() if name == "floor" or name in args.scenarios}
    log(f"Signed in as {user.email} of {company} (company {company.pk}).")

    if args.profile:
        profile(args, client, urls)
        return

    queries = count_queries(client, urls)
    for name, measured in queries.items():
        log(f"  {name:<8} {urls[name]:<45} {measured['status']}  {measured['queries']:>3} queries "
            f"{measured['sql_ms']:>7.2f} ms SQL  {measured['bytes']:>7,} bytes")  # fmt: skip
    bad = [name for name, measured in queries.items() if measured["status"] != 200]
    if bad:
        raise SystemExit(f"Not 200 in-process: {', '.join(bad)}")

    wrk = ensure_wrk()
    RESULTS_DIR.mkdir(exist_ok=True)
    if args.workers_sweep:
        workers_sweep(args, wrk, urls, cookie)
        return

    started = time.monotonic()
    with Server(workers=args.workers, log_path=GUNICORN_LOG) as server:
        log(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{server.port}")
        check_statuses(server.port, urls, cookie)
        warm_up(wrk, server.port, urls, cookie, max(args.connections))
        runs = measure(args, wrk, server.port, urls, cookie)
        server_log = server.log_tail()
    if "Traceback" in server_log or "ERROR" in server_log:
        log(f"gunicorn reported errors:\n{server_log}")

    from django.conf import settings

    summary = summarise(runs, urls, queries, args.connections)
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "scale": args.scale,
        "label": args.label,
        "db_options": settings.BENCH_DB_OPTIONS,
        "data": counts,
        "company_id": company.pk,
        "company_tier": company.price_tier.name if company.price_tier_id else None,
        "parameters": {
            "duration_s": args.duration,
            "repetitions": args.repetitions,
            "connections": args.connections,
            "search": args.search,
            "wrk_threads": 1,
        },
        "environment": environment(wrk, args.workers),
        "urls": urls,
        "queries": queries,
        "summary": summary,
        "targets": target_checks(summary),
        "load_average": load_range(runs),
        "runs": runs,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    write_report(report)


if __name__ == "__main__":
    main()
