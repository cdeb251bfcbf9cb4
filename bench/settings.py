"""Settings for the benchmark: production settings served over plain HTTP on the loopback.

Everything else (middleware, templates, sessions in the database, persistent connections) is
exactly what production runs, so the numbers mean something. Only what needs TLS or a real
secret is relaxed here, and `bench/floor/` is added in front of the portal's URLs.
"""

import copy
import os

# production.py refuses to load without these; the bench supplies its own.
BENCH_SECRET_KEY = "bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tradecounter_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
# Two bench databases may share the Redis server: each keeps its own keys.
os.environ.setdefault("CACHE_KEY_PREFIX", os.environ["DATABASE_URL"].rsplit("/", 1)[-1])

from portal.settings.production import *  # noqa: E402, F403
from portal.settings.production import BASE_DIR, DATABASES, TEMPLATES  # noqa: E402

DEBUG = False
SECRET_KEY = BENCH_SECRET_KEY
ALLOWED_HOSTS = ["127.0.0.1"]

# Plain HTTP on 127.0.0.1: no redirect to https, no HSTS, cookies that travel without TLS.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

ROOT_URLCONF = "bench.urls"

# What-if runs only (bench/run.py --label): extra PostgreSQL settings for every connection, e.g.
# BENCH_DB_OPTIONS="-c jit=off". Empty for the reference run, which uses production's database
# settings unchanged.
BENCH_DB_OPTIONS = os.environ.get("BENCH_DB_OPTIONS", "")
if BENCH_DB_OPTIONS:
    DATABASES = copy.deepcopy(DATABASES)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = BENCH_DB_OPTIONS

# Static files are not part of the measurement: no collectstatic, no manifest to look up.
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]

# Nothing is e-mailed during a run; the console keeps a stray message visible.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
