"""`make run`'s SQLite behaves like PostgreSQL under simultaneous clicks: transactions begin
IMMEDIATE with a busy timeout, so five checkouts submitted at once all succeed, one after another,
instead of four answering "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from portal.settings.base import database_config

# Five threads, each a checkout in miniature: one transaction that reads (the cart, the credit)
# and then writes (the order), all started at the same moment against one SQLite file.
FIVE_SIMULTANEOUS_CHECKOUTS = """
import json, sys, threading, time
import django
from django.conf import settings
from portal.settings.base import database_config

settings.configure(DATABASES={"default": database_config(sys.argv[1])}, INSTALLED_APPS=[], USE_TZ=True)
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE placed_order (id integer PRIMARY KEY, number integer NOT NULL)")
connection.close()

start = threading.Barrier(5)
errors = []

def checkout(number):
    try:
        start.wait()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM placed_order")
            time.sleep(0.05)
            cursor.execute("INSERT INTO placed_order (number) VALUES (%s)", [number])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=checkout, args=(number,)) for number in range(5)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM placed_order")
    print(json.dumps({"orders": cursor.fetchone()[0], "errors": errors}))
"""


def test_sqlite_transactions_begin_immediate_and_wait_for_the_lock():
    config = database_config("sqlite:////srv/tradecounter/var/tradecounter.sqlite3")

    assert config["OPTIONS"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}


def test_postgresql_gets_no_sqlite_options():
    config = database_config("postgres://tradecounter@db.internal:5432/tradecounter")

    assert config["OPTIONS"] == {"options": "-c jit=off"}


def test_five_simultaneous_checkouts_on_sqlite_all_succeed(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", FIVE_SIMULTANEOUS_CHECKOUTS, f"sqlite:///{tmp_path / 'demo.sqlite3'}"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"orders": 5, "errors": []}
