"""`make test`: PostgreSQL 15 from DATABASE_URL, tasks run at once, fast hashing."""

import os

from .base import *  # noqa: F403
from .base import database_config

SECRET_KEY = "test-only-not-secret"
DATABASES = {
    "default": database_config(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tradecounter"))
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TRADECOUNTER_REQUIRE_STAFF_MFA = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the finders; only production collects them into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
