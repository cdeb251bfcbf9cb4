"""Ordering scenarios: add to cart (wrk POSTs) and place order (prepared carts, 8 threads).

    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/scenarios_ordering.py --scale large

Add to cart: wrk POSTs product_id + quantity=1 as htmx to /portal/cart/add/ for the bench buyer
(company 1), cycling over up to 2,000 orderable products of its catalog; the session cookie,
the csrftoken cookie and the X-CSRFToken header travel with every request. Each run follows a
floor run at the same connection count; the ratio is p50 ÷ that floor p50. The runs start as
right after a catalog change (no process and no shared cache holds a product or a price); each
wrk run starts again at the first product, so a later run finds in the shared cache what the
workers read in an earlier one, but still not in the serving worker's own.

Place order: before the run, carts of 10 lines are written for buyers of many companies (3 hot
products every cart holds a little of, 7 of the company's own catalog), each company with a
shipping address; some companies are prepaid (credit limit 0), some are seeded with open
invoices close to their limit, and some near-limit companies get three buyers whose carts are
submitted back to back, so they race for the same credit. Each buyer opens the checkout page
before the run, as a browser does before submitting it: the POST carries that page's total
and idempotency key. A Python driver with 8 threads
(one keep-alive connection each) POSTs every prepared checkout once, right after a wrk floor
run at 8 connections, and reports the CPU it took itself (it shares the 2 cores with the
server). Afterwards SQL checks stock, credit and the order count.
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench import run as base  # noqa: E402

POST_LUA = base.BENCH_DIR / "wrk_post.lua"
TARGET_ADD_P50_RATIO = 10
TARGET_ADD_QUERIES = 8
TARGET_ORDERS_PER_S = 60
TARGET_ORDER_P99_RATIO = 60
HOT_PRODUCTS = 3
LINES_PER_CART = 10
log = base.log


def csrf_of(cookie: str) -> str:
    from django.conf import settings

    for part in cookie.split("; "):
        name, _sep, value = part.partition("=")
        if name == settings.CSRF_COOKIE_NAME:
            return value
    raise ValueError("no csrf cookie")


# -- add to cart -----------------------------------------------------------------------------


def orderable_product_ids(company, limit: int) -> list[int]:
    """Products the company sees, may order and has a price for, spread over the catalog."""
    from catalog.offers import offers_for
    from catalog.selectors import visible_products

    products = list(visible_products(company).select_related("category").order_by("pk"))
    step = max(1, len(products) // (limit * 2))
    sample = products[::step]
    offers = offers_for(company=company, wanted=[(p, 1) for p in sample], check_stock=False)
    return [offer.product.pk for offer in offers if offer.may_order][:limit]


def run_wrk_post(wrk, *, port, url, connections, duration, cookie, ids_file) -> dict:
    env = {**os.environ, "BENCH_REPORT_LUA": str(base.LUA_REPORT), "BENCH_PRODUCT_IDS": str(ids_file)}
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(POST_LUA),
        "-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {csrf_of(cookie)}", "-H", "HX-Request: true",
        "-H", "Content-Type: application/x-www-form-urlencoded", f"http://127.0.0.1:{port}{url}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, env=env)
    result, not_ok = None, None
    for line in output.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = raw["duration_us"] / 1e6
            result = {
                "requests": raw["requests"],
                "rps": round(raw["requests"] / seconds, 1),
                "p50_ms": raw["p50_us"] / 1000,
                "p90_ms": raw["p90_us"] / 1000,
                "p99_ms": raw["p99_us"] / 1000,
                "errors": sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")),
                "load_average_after": base.load_average(),
            }
        if line.startswith("BENCH_NOT_OK "):
            not_ok = int(line.split()[1])
    if result is None:
        raise SystemExit(f"wrk printed no summary:\n{output.stdout}\n{output.stderr}")
    result["not_200"] = not_ok
    return result


def add_to_cart_queries(client, product_id: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = {"product_id": product_id, "quantity": 1}
    client.post("/portal/cart/add/", data, HTTP_HX_REQUEST="true")  # warm
    counts = {}
    for name, extra in (("htmx", {"HTTP_HX_REQUEST": "true"}), ("plain", {})):
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/portal/cart/add/", data, **extra)
        counts[name] = {"status": response.status_code, "queries": len(captured.captured_queries)}
    return counts


# -- place order: preparation ----------------------------------------------------------------


def stocked_pool(today) -> dict[int, int]:
    """Active products and their sellable units (unexpired lots), for those with plenty."""
    from django.db.models import F, Sum

    from catalog.models import Lot

    rows = (
        Lot.objects.filter(expiry_date__gt=today + timedelta(days=30), product__active=True)
        .values("product_id")
        .annotate(free=Sum(F("on_hand") - F("allocated")))
        .filter(free__gte=60)
    )
    return {row["product_id"]: row["free"] for row in rows}


def ensure_shipping_address(company):
    from accounts.models import Address

    address = company.addresses.filter(kind=Address.Kind.SHIPPING).order_by("-is_default", "pk").first()
    if address is None:
        address = Address.objects.create(
            company=company, kind=Address.Kind.SHIPPING, label="Kitchen door", recipient="Receiving",
            line1=f"{company.pk} Bench Road", city="Shanghai", postcode="200000", is_default=True,
        )  # fmt: skip
    return address


def extra_buyer(company, k: int):
    from accounts.models import Membership, User

    email = f"bench-order-buyer-{company.pk}-{k}@bench.example"
    user, _created = User.objects.get_or_create(email=email, defaults={"first_name": "Buyer", "last_name": email})
    Membership.objects.get_or_create(user=user, company=company, defaults={"role": Membership.Role.BUYER})
    return user


def prepare_checkouts(
    count: int, rng: random.Random, used_companies: set[int], stock: dict, hot_count: int = HOT_PRODUCTS
) -> tuple[list[dict], dict]:
    """Carts of 10 lines, addresses, sessions and checkout bodies for `count` submissions."""
    from django.db import transaction
    from django.utils import timezone

    from accounts import credit
    from accounts.models import Company, Membership
    from catalog.models import Product
    from catalog.offers import offers_for
    from catalog.selectors import first_orderable_quantity, visible_products
    from ordering import services
    from ordering.models import CartLine

    today = timezone.localdate()
    # Shared by every batch prepared before the run: no cart counts on units another one takes.
    if "remaining" not in stock:
        pool = stocked_pool(today)
        stock["remaining"] = dict(pool)
        stock["hot"] = sorted(pool, key=pool.get, reverse=True)[:hot_count]
        stock["pool_ids"] = list(pool)
    remaining, hot, pool_ids = stock["remaining"], stock["hot"], stock["pool_ids"]
    candidates = [
        company
        for company in Company.objects.exclude(pk__in=used_companies).exclude(orders__isnull=False)
        .exclude(pk=1).order_by("pk")
        if company.is_active
    ]  # fmt: skip
    rng.shuffle(candidates)
    rows, mix = [], {"companies": 0, "prepaid": 0, "near_limit": 0, "racing_groups": 0, "with_hot": 0}
    for company in candidates:
        if len(rows) >= count:
            break
        near = company.credit_limit > 0 and rng.random() < 0.2
        racing = near and rng.random() < 0.35 and count - len(rows) >= 3
        buyers = [
            m.user
            for m in Membership.objects.filter(company=company, user__email__startswith="bench-buyer-").select_related(
                "user"
            )[:1]
        ]
        if not buyers:
            continue
        if racing:
            buyers += [extra_buyer(company, k) for k in (2, 3)]
        visible = set(visible_products(company).filter(pk__in=rng.sample(pool_ids, 60)).values_list("pk", flat=True))
        hot_here = [pk for pk in hot if visible_products(company).filter(pk=pk).exists()]
        address = ensure_shipping_address(company)
        group = []
        for user in buyers:
            cart = services.cart_for(user=user, company=company)
            cart.lines.all().delete()
            picks = [pk for pk in hot_here if remaining[pk] >= 20]
            others = [pk for pk in visible if pk not in picks]
            rng.shuffle(others)
            products = {p.pk: p for p in Product.objects.select_related("category").filter(pk__in=picks + others)}
            wanted = [(products[pk], first_orderable_quantity(products[pk]), None) for pk in picks]
            for pk in others:
                if len(wanted) >= LINES_PER_CART:
                    break
                product = products[pk]
                base_quantity = first_orderable_quantity(product)
                wanted.append((product, base_quantity * rng.randint(1, 4), None))
            offers = offers_for(company=company, wanted=[(p, q) for p, q, _seen in wanted], on=today, snap=False)
            good = [offer for offer in offers if offer.may_order and remaining[offer.product.pk] >= offer.quantity][
                :LINES_PER_CART
            ]
            if len(good) < LINES_PER_CART:
                continue
            with transaction.atomic():
                CartLine.objects.bulk_create(
                    CartLine(cart=cart, product=offer.product, quantity=offer.quantity,
                             unit_price_when_added=offer.price.unit_price)
                    for offer in good
                )  # fmt: skip
            for offer in good:
                remaining[offer.product.pk] -= offer.quantity
            if any(offer.product.pk in hot for offer in good):
                mix["with_hot"] += 1
            group.append((user, cart, None))
        if not group:
            continue
        cart_totals = [services.quote_cart(cart=cart).total for _u, cart, _q in group]
        if company.prepaid:
            mix["prepaid"] += 1
        elif near:
            # Open invoices close to the limit: room for between half and one and a half carts.
            room = min(company.credit_limit, max(cart_totals) * Decimal(str(rng.uniform(0.5, 1.5))))
            with transaction.atomic():
                account = credit.locked_account(company.pk)
                invoiced = (company.credit_limit - room).quantize(Decimal("0.01")) - account.open_invoices
                credit.order_approved(account, invoiced)  # an earlier order, approved and invoiced
                credit.order_invoiced(account, invoiced, due_on=today + timedelta(days=30))
            mix["near_limit"] += 1
        if len(group) > 1:
            mix["racing_groups"] += 1
        mix["companies"] += 1
        used_companies.add(company.pk)
        for (user, cart, _quote), total in zip(group, cart_totals, strict=True):
            cookie = base.signed_in_cookie(user, company)
            key = checkout_page_key(cookie, total)
            body = urlencode(
                {"po_number": f"BENCH-{cart.pk}", "ship_to": address.pk, "requested_delivery_date": "",
                 "notes": "", "expected_total": str(total), "idempotency_key": key}
            )  # fmt: skip
            rows.append({"company_id": company.pk, "cookie": cookie, "csrf": csrf_of(cookie), "body": body,
                         "key": key, "total": str(total)})  # fmt: skip
    mix["hot_products"] = hot
    mix["checkouts"] = len(rows)
    return rows[:count], mix


def checkout_page_key(cookie: str, total: Decimal) -> str:
    """Open the checkout page as the buyer does before submitting it (which also brings the
    buyer's account into the caches, as browsing would), and return its idempotency key; the
    total it shows must be the cart's."""
    page = base.test_client(cookie).get("/portal/checkout/").content.decode()
    shown = re.search(r'name="expected_total" value="([^"]+)"', page)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    if shown is None or key is None or Decimal(shown.group(1)) != total:
        raise SystemExit(f"the checkout page does not show the cart's total {total}")
    return key.group(1)


# -- place order: the load -------------------------------------------------------------------


def drive(port: int, rows: list[dict], threads: int) -> dict:
    """POST every prepared checkout once from `threads` keep-alive connections."""
    lock = threading.Lock()
    position = [0]
    results = []

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if position[0] >= len(rows):
                    break
                row = rows[position[0]]
                position[0] += 1
            headers = {"Cookie": row["cookie"], "X-CSRFToken": row["csrf"],
                       "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
            started = time.perf_counter()
            try:
                connection.request("POST", "/portal/checkout/", body=row["body"], headers=headers)
                response = connection.getresponse()
                content = response.read()
                status, location = response.status, response.getheader("Location", "")
                if status == 200:
                    found = re.search(rb'class="alert[^"]*alert-danger[^"]*"[^>]*>(.*?)</div>', content, re.S)
                    text = re.sub(r"<[^>]+>", " ", found.group(1).decode()) if found else "?"
                    location = re.sub(r"\s+", " ", text)[:200]
            except (OSError, http.client.HTTPException) as error:
                status, location = 0, repr(error)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                results.append({"key": row["key"], "status": status, "location": location, "ms": elapsed})
        connection.close()

    started, cpu_started = time.perf_counter(), time.process_time()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall, driver_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    latencies = sorted(r["ms"] for r in results)
    ok = [r for r in results if r["status"] == 302 and "/portal/orders/" in r["location"]]
    statuses, reasons = {}, {}
    for r in results:
        if r["status"] == 200:
            reasons[r["location"]] = reasons.get(r["location"], 0) + 1
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(round(p / 100 * len(latencies) + 0.5)) - 1)], 2)

    return {
        "submitted": len(results),
        "success": len(ok),
        "statuses": statuses,
        "wall_s": round(wall, 2),
        # The driver shares the 2 cores with the server: what it took of them.
        "driver_cpu_ms_per_request": round(driver_cpu * 1000 / max(1, len(results)), 2),
        "orders_per_s": round(len(ok) / wall, 1),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(latencies[-1], 2),
        "success_keys": [r["key"] for r in ok],
        "refusals": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:5]),
        "load_average_after": base.load_average(),
    }


def checkout_queries(rows: list[dict]) -> dict:
    """Queries of one checkout submission, in-process (the probe cart is not part of the load)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = rows[0]
    client = base.test_client(row["cookie"])
    data = dict(part.split("=", 1) for part in row["body"].split("&"))
    from urllib.parse import unquote_plus

    data = {k: unquote_plus(v) for k, v in data.items()}
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/portal/checkout/", data)
    return {"status": response.status_code, "queries": len(captured.captured_queries),
            "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1)}  # fmt: skip


# -- checks ----------------------------------------------------------------------------------


def invariants(keys: list[str], successes: int) -> dict:
    from django.db import connection

    approved = "('approved','picking','partly_shipped','shipped','delivered')"
    checks = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_lot WHERE allocated > on_hand OR allocated < 0")
        checks["oversold_lots"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM catalog_lot l LEFT JOIN (SELECT lot_id, sum(quantity) s FROM catalog_allocation "
            "WHERE released_at IS NULL GROUP BY lot_id) a ON a.lot_id = l.id WHERE l.allocated <> coalesce(a.s, 0)"
        )
        checks["lots_disagreeing_with_allocations"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM ordering_orderline ol JOIN ordering_order o ON o.id = ol.order_id "
            "LEFT JOIN (SELECT order_line_id, sum(quantity) s FROM catalog_allocation WHERE released_at IS NULL "
            "GROUP BY order_line_id) a ON a.order_line_id = ol.id "
            "WHERE ol.allocated_quantity <> coalesce(a.s, 0) AND o.idempotency_key::text = ANY(%s)",
            [keys],
        )
        checks["order_lines_disagreeing_with_allocations"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM accounts_company c JOIN accounts_creditaccount a ON a.company_id = c.id "
            "WHERE a.open_invoices + a.approved_uninvoiced > c.credit_limit "
            "AND EXISTS (SELECT 1 FROM ordering_order o "
            f"WHERE o.company_id = c.id AND o.state IN {approved} AND o.idempotency_key::text = ANY(%s))",
            [keys],
        )
        checks["companies_over_credit_limit_with_approved_orders"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM accounts_creditaccount a LEFT JOIN (SELECT company_id, sum(total) s FROM "
            f"ordering_order WHERE state IN {approved} GROUP BY company_id) o ON o.company_id = a.company_id "
            "WHERE a.approved_uninvoiced <> coalesce(o.s, 0)"
        )
        checks["credit_accounts_disagreeing_with_approved_orders"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT state, count(*) FROM ordering_order WHERE idempotency_key::text = ANY(%s) GROUP BY state "
            "ORDER BY state",
            [keys],
        )
        checks["orders_by_state"] = dict(cursor.fetchall())
    checks["orders_placed"] = sum(checks["orders_by_state"].values())
    checks["success_responses"] = successes
    checks["orders_equal_successes"] = checks["orders_placed"] == successes
    checks["ok"] = (
        checks["oversold_lots"] == 0
        and checks["lots_disagreeing_with_allocations"] == 0
        and checks["order_lines_disagreeing_with_allocations"] == 0
        and checks["companies_over_credit_limit_with_approved_orders"] == 0
        and checks["credit_accounts_disagreeing_with_approved_orders"] == 0
        and checks["orders_equal_successes"]
    )
    return checks


# -- report ----------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    env = report["environment"]
    lines = [
        f"# Ordering benchmark {report['date']} · scale {report['scale']}",
        "",
        f"Server: gunicorn {env['gunicorn']}, {env['gunicorn_workers']} sync workers on {env['cores']} cores "
        f"(load tools, gunicorn and PostgreSQL {env['postgresql']} share them); Django {env['django']}; "
        f"{env['wrk']}; code {env['git']}.",
        f"Add to cart: {report['parameters']['duration_s']} s wrk runs × {report['parameters']['repetitions']} "
        f"at {report['parameters']['add_connections']} connections, htmx POST, {report['add_products']} products "
        "cycled, each run right after a floor run. Place order: "
        f"{report['parameters']['carts_per_repetition']} prepared 10-line carts per repetition, "
        f"{report['parameters']['order_threads']} client threads, each repetition right after a floor run at "
        f"{report['parameters']['order_threads']} connections.",
        f"Cart mix: {json.dumps(report['mix'])}.",
        "",
        "| Scenario | Conn. | Rate | p50 ms | p99 ms | floor p50 ms | p50 ÷ floor | p99 ÷ floor | Queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["summary"]:
        lines.append(
            f"| {row['scenario']} | {row['connections']} | {row['rate']} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['floor_p50_ms']:.2f} | {row['p50_ratio']:.1f} | {row['p99_ratio']:.1f} | {row['queries']} |"
        )
    lines += ["", "| Target | Measured | Met |", "| --- | ---: | --- |"]
    for check in report["targets"]:
        lines.append(f"| {check['target']} | {check['measured']} | {'yes' if check['met'] else 'NO'} |")
    lines += ["", "Checks after the run (SQL):", ""]
    for rep, checks in enumerate(report["checks"], 1):
        lines.append(f"- repetition {rep}: {json.dumps(checks)}")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=base.EXPECTED_PRODUCTS, required=True)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--add-connections", type=int, default=2)
    parser.add_argument("--carts", type=int, default=300, help="prepared checkouts per repetition")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--hot", type=int, default=HOT_PRODUCTS, help="hot products in every cart (default 3)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--label", default="ordering")
    parser.add_argument("--skip", default="", help="add or order: leave that scenario out")
    args = parser.parse_args(argv)
    base.setup_django()
    base.migrate_if_needed()
    rng = random.Random(args.seed)
    wrk = base.ensure_wrk()

    from ordering.models import Cart

    company, user, _contract = base.bench_company_and_buyer()
    cookie = base.signed_in_cookie(user, company)
    add_ids = orderable_product_ids(company, 2000)
    ids_file = Path(tempfile.gettempdir()) / "tradecounter-bench-add-to-cart-ids.txt"
    ids_file.write_text("\n".join(map(str, add_ids)) + "\n")
    Cart.objects.filter(user=user, company=company).delete()
    add_queries = add_to_cart_queries(base.test_client(cookie), add_ids[0])
    log(f"add to cart: {len(add_ids)} products, in-process {add_queries}")

    used: set[int] = set()
    batches = []
    if "order" not in args.skip:
        started = time.monotonic()
        stock = {}
        probe, _mix = prepare_checkouts(1, rng, used, stock, args.hot)
        order_queries = checkout_queries(probe)
        log(f"checkout in-process: {order_queries}")
        mixes = []
        for _ in range(args.repetitions):
            rows, mix = prepare_checkouts(args.carts, rng, used, stock, args.hot)
            batches.append(rows)
            mixes.append(mix)
        log(f"prepared {sum(map(len, batches))} checkouts in {time.monotonic() - started:.0f} s: {mixes}")
    runs = {"add": [], "order": [], "checks": []}
    from catalog.selectors import forget_catalog

    forget_catalog()  # the runs start as after a catalog change: no process or cache holds a product or price
    with base.Server(workers=args.workers, log_path=base.GUNICORN_LOG) as server:
        port = server.port
        base.warm_up(wrk, port, {"floor": "/bench/floor/", "home": "/portal/"}, cookie, 8)
        if "add" not in args.skip:
            for rep in range(args.repetitions):
                floor = base.run_wrk(wrk, port=port, url="/bench/floor/", connections=args.add_connections,
                                     duration=args.duration, cookie="")  # fmt: skip
                result = run_wrk_post(wrk, port=port, url="/portal/cart/add/", connections=args.add_connections,
                                      duration=args.duration, cookie=cookie, ids_file=ids_file)  # fmt: skip
                runs["add"].append({"floor": floor, "result": result})
                log(
                    f"  rep {rep + 1} add-to-cart {result['rps']:.0f} req/s p50 {result['p50_ms']:.2f} "
                    f"p99 {result['p99_ms']:.2f} (not 200: {result['not_200']}) | floor p50 {floor['p50_ms']:.2f}"
                )
        for rep, rows in enumerate(batches):
            floor = base.run_wrk(wrk, port=port, url="/bench/floor/", connections=args.threads,
                                 duration=args.duration, cookie="")  # fmt: skip
            result = drive(port, rows, args.threads)
            keys = [row["key"] for row in rows]
            checks = invariants(keys, result["success"])
            result.pop("success_keys")
            runs["order"].append({"floor": floor, "result": result})
            runs["checks"].append(checks)
            log(
                f"  rep {rep + 1} place-order {result['orders_per_s']} orders/s p50 {result['p50_ms']} p99 "
                f"{result['p99_ms']} statuses {result['statuses']} | floor p50 {floor['p50_ms']:.2f}"
            )
            log(f"    checks: {checks}")
        server_log = server.log_tail()
    if "Traceback" in server_log or "ERROR" in server_log:
        log(f"gunicorn reported errors:\n{server_log}")
    cart = Cart.objects.filter(user=user, company=company).first()
    cart_lines = cart.lines.count() if cart else 0
    # The catalog scenarios sign in as this buyer too: leave its cart as the catalog bench expects it.
    Cart.objects.filter(user=user, company=company).delete()

    summary, targets = [], []
    if runs["add"]:
        r = runs["add"]
        row = {
            "scenario": "add to cart (htmx POST)",
            "connections": args.add_connections,
            "rate": f"{statistics.median(x['result']['rps'] for x in r):.0f} req/s",
            "p50_ms": statistics.median(x["result"]["p50_ms"] for x in r),
            "p99_ms": statistics.median(x["result"]["p99_ms"] for x in r),
            "floor_p50_ms": statistics.median(x["floor"]["p50_ms"] for x in r),
            "p50_ratio": statistics.median(x["result"]["p50_ms"] / x["floor"]["p50_ms"] for x in r),
            "p99_ratio": statistics.median(x["result"]["p99_ms"] / x["floor"]["p50_ms"] for x in r),
            "queries": add_queries["htmx"]["queries"],
        }
        summary.append(row)
        targets.append(base._check("add to cart", f"p50 ≤ {TARGET_ADD_P50_RATIO}× floor p50",
                                   round(row["p50_ratio"], 1), TARGET_ADD_P50_RATIO))  # fmt: skip
        targets.append(base._check("add to cart", f"≤ {TARGET_ADD_QUERIES} queries per request",
                                   row["queries"], TARGET_ADD_QUERIES))  # fmt: skip
    if runs["order"]:
        r = runs["order"]
        rate = statistics.median(x["result"]["orders_per_s"] for x in r)
        row = {
            "scenario": "place order (checkout POST)",
            "connections": args.threads,
            "rate": f"{rate:.1f} orders/s",
            "p50_ms": statistics.median(x["result"]["p50_ms"] for x in r),
            "p99_ms": statistics.median(x["result"]["p99_ms"] for x in r),
            "floor_p50_ms": statistics.median(x["floor"]["p50_ms"] for x in r),
            "p50_ratio": statistics.median(x["result"]["p50_ms"] / x["floor"]["p50_ms"] for x in r),
            "p99_ratio": statistics.median(x["result"]["p99_ms"] / x["floor"]["p50_ms"] for x in r),
            "queries": order_queries["queries"],
        }
        summary.append(row)
        targets.append({"scenario": "place order", "target": f"≥ {TARGET_ORDERS_PER_S} orders/s", "measured": rate,
                        "met": rate >= TARGET_ORDERS_PER_S})  # fmt: skip
        targets.append(base._check("place order", f"p99 ≤ {TARGET_ORDER_P99_RATIO}× floor p50",
                                   round(row["p99_ratio"], 1), TARGET_ORDER_P99_RATIO))  # fmt: skip
        targets.append({"scenario": "place order", "target": "no oversold unit, no credit overrun, orders = 302s",
                        "measured": "all checks pass" if all(c["ok"] for c in runs["checks"]) else "FAILED",
                        "met": all(c["ok"] for c in runs["checks"])})  # fmt: skip
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "scale": args.scale,
        "label": args.label,
        "parameters": {
            "duration_s": args.duration,
            "repetitions": args.repetitions,
            "add_connections": args.add_connections,
            "carts_per_repetition": args.carts,
            "order_threads": args.threads,
            "seed": args.seed,
            "hot": args.hot,
        },  # fmt: skip
        "environment": base.environment(wrk, args.workers),
        "add_products": len(add_ids),
        "add_queries": add_queries,
        "bench_cart_lines_after": cart_lines,
        "order_queries": order_queries if runs["order"] else None,
        "mix": mixes if runs["order"] else None,
        "summary": summary,
        "targets": targets,
        "checks": runs["checks"],
        "runs": runs,
    }
    base.RESULTS_DIR.mkdir(exist_ok=True)
    stem = "-".join(part for part in (report["date"], args.scale, args.label) if part)
    (base.RESULTS_DIR / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    (base.RESULTS_DIR / f"{stem}.md").write_text(markdown(report))
    log("")
    log(markdown(report))
    log(f"Written bench/results/{stem}.md and .json")


if __name__ == "__main__":
    main()
