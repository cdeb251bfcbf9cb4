"""Time a 20,000-row price-list import, preview and commit, from CSV and from XLSX.

    # PostgreSQL with bench/generate.py's catalog (--scale large has 20,000 products):
    DJANGO_SETTINGS_MODULE=bench.settings \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tradecounter_bench \
    .venv/bin/python bench/import_pricelist.py

    # the dev SQLite (portal.settings.dev), or any migrated database in DATABASE_URL:
    .venv/bin/python bench/import_pricelist.py

The rows price the products already in the database, in SKU order, with as many quantity breaks
per product as it takes to reach --rows; when there are too few products for at most ten breaks
each, "IMPBENCH-" products are added first and removed at the end. Each run imports into a price
list of its own ("Import bench ...") and deletes it at the end unless --keep is given.

Each round is timed the way the screens run it: preview = read the file, check every row, stage
the table (the upload view); commit = claim the staged table, check again and write in one
transaction (the commit view). Rounds:
  1. CSV into the empty list         every price new
  2. XLSX with every price changed   every price changed (bulk upsert)
  3. the same XLSX again             every price unchanged (nothing written)
  4. XLSX, replace mode, half the rows   the other half removed
"""

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

REPO_ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project root is what we need.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

MAX_BREAKS = 10
BREAKS = [1, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
PREFIX = "IMPBENCH-"
# The stage file belongs to a user; the bench has none, any id will do.
BENCH_USER = SimpleNamespace(pk=0)


def log(message: str) -> None:
    print(message, flush=True)


def _products(rows: int):
    """(product ids and SKUs to price, ids of products this run created)."""
    from catalog.models import Category, Product, TemperatureZone
    from catalog.search import search_text_for

    needed = math.ceil(rows / MAX_BREAKS)
    existing = list(Product.objects.order_by("sku").values_list("id", "sku")[:rows])
    created = []
    if len(existing) < needed:
        category = Category.objects.first() or Category.add_root(name_en="Import bench", slug="import-bench")
        extra = []
        for n in range(needed - len(existing)):
            product = Product(
                sku=f"{PREFIX}{n:05d}",
                name_en=f"Bench product {n}",
                name_zh="基准测试产品",
                category=category,
                temperature_zone=TemperatureZone.AMBIENT,
            )
            product.search_text = search_text_for(product)
            extra.append(product)
        Product.objects.bulk_create(extra, batch_size=2_000)
        created = list(Product.objects.filter(sku__startswith=PREFIX).values_list("id", flat=True))
        existing = list(Product.objects.order_by("sku").values_list("id", "sku")[:rows])
    return existing, created


def _rows(products, rows: int, *, bump: int) -> list[list]:
    breaks = math.ceil(rows / len(products))
    out = []
    for index, (_id, sku) in enumerate(products):
        base = Decimal(800 + (index * 37) % 50_000) / 100
        for step in range(breaks):
            if len(out) == rows:
                return out
            price = (base * (Decimal(100 - 3 * step) / 100) + Decimal(bump) / 100).quantize(Decimal("0.01"))
            out.append([sku, BREAKS[step], price])
    return out


def _round(label: str, path: Path, price_list, *, replace: bool = False) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.imports import (
        PRICES,
        ImportOptions,
        check_import,
        claim_staged,
        commit_import,
        discard_staged,
        read_table,
        stage_import,
    )

    data = path.read_bytes()
    started = time.perf_counter()
    table = read_table(upload=SimpleUploadedFile(path.name, data), layout=PRICES)
    options = ImportOptions(price_list_id=price_list.pk, replace=replace)
    preview = check_import(kind=PRICES, table=table, options=options).preview
    token = stage_import(user=BENCH_USER, kind=PRICES, table=table, options=options, preview=preview)
    checked = time.perf_counter()
    if preview.has_errors:
        raise SystemExit(f"{label}: the bench file has problems: {[str(e) for e in preview.errors[:5]]}")
    staged = claim_staged(token=token, user=BENCH_USER, kind=PRICES)
    result = commit_import(kind=PRICES, table=staged.table, options=staged.options, user=None)
    discard_staged(token)
    committed = time.perf_counter()
    log(
        f"  {label:<34} {len(table.rows):>7,} rows  preview {checked - started:6.2f} s  "
        f"commit {committed - checked:6.2f} s  total {committed - started:6.2f} s   "
        f"new {result.new:,} / changed {result.changed:,} / unchanged {result.unchanged:,} / removed {result.removed:,}"
    )
    return {"preview": checked - started, "commit": committed - checked}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--out", type=Path, help="keep the generated files in this directory")
    parser.add_argument("--keep", action="store_true", help="keep the bench price list")
    args = parser.parse_args(argv)

    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    from catalog.models import PriceList, PriceListEntry, Product
    from kit.spreadsheets import spreadsheet_bytes

    workdir = tempfile.TemporaryDirectory(prefix="tradecounter-import-bench-")
    settings.TRADECOUNTER_IMPORT_DIR = str(Path(workdir.name) / "staged")
    out = args.out or Path(workdir.name)
    out.mkdir(parents=True, exist_ok=True)

    log(f"Price-list import bench on {connection.vendor} ({connection.settings_dict['NAME']}), {args.rows:,} rows")
    products, created = _products(args.rows)
    log(f"  {len(products):,} products priced ({len(created):,} added for the bench)")
    price_list = PriceList.objects.create(
        name=f"Import bench {time.strftime('%Y-%m-%d %H:%M:%S')}", kind=PriceList.Kind.DEFAULT, priority=999
    )
    headers = ["sku", "min_quantity", "unit_price"]
    first = _rows(products, args.rows, bump=0)
    changed = _rows(products, args.rows, bump=7)
    files = {
        "first.csv": spreadsheet_bytes(headers=headers, rows=first, fmt="csv"),
        "changed.xlsx": spreadsheet_bytes(headers=headers, rows=changed, fmt="xlsx"),
        "half.xlsx": spreadsheet_bytes(headers=headers, rows=changed[: args.rows // 2], fmt="xlsx"),
    }
    for name, content in files.items():
        (out / name).write_bytes(content)
        log(f"  {name:<14} {len(content) / 1024:8.0f} KB")

    try:
        timings = [
            _round("1. CSV, new list", out / "first.csv", price_list),
            _round("2. XLSX, every price changed", out / "changed.xlsx", price_list),
            _round("3. XLSX again, nothing changed", out / "changed.xlsx", price_list),
            _round("4. XLSX, replace with half", out / "half.xlsx", price_list, replace=True),
        ]
        assert PriceListEntry.objects.filter(price_list=price_list).count() == args.rows // 2
        slowest = max(t["preview"] + t["commit"] for t in timings)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(f"  slowest round {slowest:.2f} s (limit 60 s); peak memory {peak:.0f} MB")
    finally:
        if not args.keep:
            price_list.delete()
        if created:
            Product.objects.filter(pk__in=created).delete()
        workdir.cleanup()


if __name__ == "__main__":
    main()
