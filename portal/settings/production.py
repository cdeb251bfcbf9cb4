"""Production: everything from the environment, secure by default.

`manage.py check --deploy --fail-level WARNING` passes with these settings (tests/portal/
test_deploy_check.py); docs/operations.md lists the environment variables.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")

# One cache for every worker and server: sessions are read from it, and cached catalog pages,
# cards and prices are dropped by moving a version kept in it (catalog.selectors). A cache per
# process would keep a signed-out session alive, or a changed price showing, in the others.
REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must point at the Redis server that every worker shares.")
CACHES = {
    **CACHES,  # noqa: F405  ("local" stays in the process)
    "default": {
        "BACKEND": "portal.cache.SharedClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tradecounter"),
    },
}

# Staff MFA cannot be switched off in production.
TRADECOUNTER_REQUIRE_STAFF_MFA = True

# Production sits behind a TLS-terminating proxy, so every request's REMOTE_ADDR is the proxy's.
# allauth limits sign-in attempts per client address: told nothing, it would count everyone as
# the proxy, and ten bad passwords a minute from anyone would lock everybody out. It takes the
# client from the X-Forwarded-For entry that the outermost of our proxies appended (the last
# TRUSTED_PROXY_COUNT-th from the end; entries further left are whatever the client sent), or,
# when TRUSTED_CLIENT_IP_HEADER names one, from the header our proxy sets (e.g. X-Real-IP).
# With neither header on a request it falls back to REMOTE_ADDR.
_trusted_proxy_count = os.environ.get("TRUSTED_PROXY_COUNT", "1").strip()
if not _trusted_proxy_count.isdigit():
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be a whole number of proxies (0 or more).")
ALLAUTH_TRUSTED_PROXY_COUNT = int(_trusted_proxy_count)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER", "").strip() or None

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Wagtail's live preview shows the page being edited in a same-origin iframe; DENY breaks it.
# docs/operations.md names this silenced check and the reason.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
