"""`make run` keeps its demo in SQLite while the suite runs on PostgreSQL: SQL written for one can
break the other unseen. This migrates a fresh SQLite database in a child process (as `make
migrate` does) and runs, on its empty tables, the hand-written SQL the rollups keep: the sales
rollups rebuilt and recomputed, billing's monthly rollup rebuilt and an entry recorded, a month
of shipments added."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXERCISE = """
from datetime import date
from decimal import Decimal
from billing import rollup as billing_rollup
from billing.models import LedgerEntry, MonthlyRollup
from catalog.shipped import record_shipped, rebuild_shipped_months
from portal.dashboards import rollups
from tests.factories import CompanyFactory
company = CompanyFactory().pk
rollups.rebuild()
rollups.recompute_day(company_id=company, day=date(2026, 12, 7))
billing_rollup.rebuild()
for kind, amount, day in (("invoice", "113.00", date(2026, 12, 7)), ("payment", "-13.00", date(2026, 11, 2))):
    entry = LedgerEntry(company_id=company, kind=kind, currency="CNY", amount=Decimal(amount), booked_on=day)
    billing_rollup.record(entry)
rows = {(r.month.isoformat(), str(r.closing_balance)) for r in MonthlyRollup.objects.all()}
print(sorted(rows))
rebuild_shipped_months()
print("ok")
"""


def test_the_demo_database_migrates_and_takes_the_rollups_sql(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    migrated = subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    exercised = subprocess.run([*manage, "shell", "-c", EXERCISE], cwd=ROOT, env=env, capture_output=True, text=True)

    assert exercised.returncode == 0, exercised.stderr[-3000:]
    # The November payment is the first month; December's invoice carries November's balance.
    assert "('2026-11-01', '-13.00')" in exercised.stdout and "('2026-12-01', '100.00')" in exercised.stdout
    assert exercised.stdout.strip().endswith("ok")
