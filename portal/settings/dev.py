"""`make run`: the demo, served as production serves it, on an embedded SQLite database.

DEBUG is off, so visitors see the product's own 403/404/500 pages; gunicorn serves the site and
whitenoise the static files that `make run` collects into staticfiles/, as in production. Two
things differ from production on purpose:

- Staff MFA is relaxed (TRADECOUNTER_REQUIRE_STAFF_MFA defaults to off) so the printed demo
  logins reach the back office at once; production.py always enforces it.
- E-mails are written to files under var/mail/ (one file per message) instead of being sent, and
  uploaded files (product images, licences) are served from var/media/ by Django itself.

`DEBUG=1 make run` brings Django's debug pages back for development.
"""

import os

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret-tradecounter-make-run"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, *(host for host in ("127.0.0.1", "localhost") if host not in ALLOWED_HOSTS)]
TRADECOUNTER_REQUIRE_STAFF_MFA = env_bool("TRADECOUNTER_REQUIRE_STAFF_MFA", False)
TRADECOUNTER_SERVE_MEDIA = True
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Demo users are created verified; a new sign-up's verification link, password resets and order
# notifications land in var/mail/ as .log files.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"

# Production's static files: collected into staticfiles/ (make run does it), hashed names,
# compressed, served by whitenoise.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
