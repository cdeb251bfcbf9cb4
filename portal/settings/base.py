"""Settings shared by every environment.

Everything that differs between machines comes from the environment: DATABASE_URL,
SECRET_KEY, ALLOWED_HOSTS, the e-mail server and the Stripe keys. `dev.py` (make run),
`test.py` (make test) and `production.py` only choose defaults and switches.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TRADECOUNTER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Our apps first so their templates override the packages' ones.
    "accounts",
    "catalog",
    "ordering",
    "ordering.fulfilment",
    "billing",
    "portal",
    "portal.pages.apps.PagesConfig",
    "portal.dashboards",
    "portal.tickets",
    "portal.rhythm",
    # Wagtail: public content pages and the staff back office.
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Sign-in.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Background work.
    "django_tasks",
    "django_tasks_db",
    # The audit trail: who changed what, before and after (credit terms, price lists, invoice
    # details, allocations); shown by kit.history on the records' back-office pages.
    "simple_history",
    "django_htmx",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells simple-history who made a change (after authentication, so request.user is known).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ActiveCompanyMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.active_company",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")))
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Catalog queries are short OLTP queries whose cost estimates still cross PostgreSQL's
        # JIT threshold; compiling them cost more than running them (docs/performance.md).
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # `make run`'s SQLite: a transaction that reads and then writes (checkout) would start
        # DEFERRED, and when two such transactions both hold a read lock SQLite cannot let either
        # write and answers "database is locked" at once, busy timeout or not. IMMEDIATE takes
        # the write lock at BEGIN, so simultaneous submissions queue for up to `timeout` seconds
        # and run one after another, as row locks make them on PostgreSQL.
        config.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    return config


DATABASES = {
    "default": database_config(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tradecounter.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions are read from the cache and written through to the database: one query less on
# every page once warm. "default" is shared by every process in production (Redis,
# docs/operations.md): sessions, and the versions that name cached catalog reads. "local" is
# this process's own memory, for copies that a version names (catalog.selectors): they can
# never be out of date, so they need not travel over the network.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "local",
        "TIMEOUT": 10 * 60,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in person from the cache (accounts.backends).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"

# django-allauth: e-mail is the login, verified before first sign-in.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so nobody switches them off by accident.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tradecounter"
# Staff must have a second factor before they reach the back office (accounts.middleware).
TRADECOUNTER_REQUIRE_STAFF_MFA = env_bool("TRADECOUNTER_REQUIRE_STAFF_MFA", True)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# One date format per language, the same in lists and on detail pages (portal/formats).
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Django serves MEDIA_ROOT itself only for `make run` (dev.py); production's web server does.
TRADECOUNTER_SERVE_MEDIA = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# E-mail: console unless a server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tradecounter <orders@tradecounter.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Stripe (used by billing); the API base lets tests point the SDK at localstripe.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

# Background work: Django's task API. The database backend needs `manage.py db_worker`
# running beside the web server (make run starts one); docs/architecture.md has the RQ path.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Returns: delivered goods may be asked back within this many days of delivery
# (ordering.fulfilment.returns).
TRADECOUNTER_RETURN_DAYS = int(os.environ.get("TRADECOUNTER_RETURN_DAYS", "30"))

# The distributor, as its documents (delivery notes, pick lists, invoices, statements) name it:
# the demo's is ColdChain Foods. Address lines are separated by "|". Invoices copy the legal
# name, tax number, phone and bank onto every invoice on the day of issue.
TRADECOUNTER_DISTRIBUTOR_NAME = os.environ.get("TRADECOUNTER_DISTRIBUTOR_NAME", "ColdChain Foods")
TRADECOUNTER_DISTRIBUTOR_ADDRESS = os.environ.get(
    "TRADECOUNTER_DISTRIBUTOR_ADDRESS", "Cold store 1, 2000 Jiangchang Road|Jing'an, Shanghai 200436"
).split("|")
TRADECOUNTER_DISTRIBUTOR_LEGAL_NAME = os.environ.get(
    "TRADECOUNTER_DISTRIBUTOR_LEGAL_NAME", "ColdChain Foods (Shanghai) Co., Ltd. 上海冷链食品有限公司"
)
TRADECOUNTER_DISTRIBUTOR_TAX_NUMBER = os.environ.get("TRADECOUNTER_DISTRIBUTOR_TAX_NUMBER", "91310106MA1FL0XX2K")
TRADECOUNTER_DISTRIBUTOR_PHONE = os.environ.get("TRADECOUNTER_DISTRIBUTOR_PHONE", "021-5566 7788")
TRADECOUNTER_DISTRIBUTOR_BANK_NAME = os.environ.get(
    "TRADECOUNTER_DISTRIBUTOR_BANK_NAME", "China Merchants Bank, Shanghai Jing'an Branch 招商银行上海静安支行"
)
TRADECOUNTER_DISTRIBUTOR_BANK_ACCOUNT = os.environ.get("TRADECOUNTER_DISTRIBUTOR_BANK_ACCOUNT", "1219 0876 5432 101")

# Wagtail: public content pages and the staff back office.
WAGTAIL_SITE_NAME = "Tradecounter"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt", "xlsx", "docx", "png", "jpg"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The back office's date fields take ISO dates, which every language's DATE_INPUT_FORMATS
# accepts (portal/formats); dates it shows follow those formats like the portal's.
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
# No Gravatar avatars: they would tell gravatar.com which staff use the back office, and the
# back office's Content-Security-Policy allows no images from other sites.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# allauth owns sign-in (with MFA) and passwords; Wagtail's forms would bypass the second factor.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Content-Security-Policy (django-csp): pages run only the project's own scripts, styles and
# images, so an injected <script>, style="…" or onclick="…" does nothing. Templates keep their
# behaviour in static/js/portal.js and their looks in static/css/portal.css; data: images are the
# TOTP QR code and Bootstrap's icons. Embedding another site's frames (a video in a content page)
# needs its origin added to frame-src here. docs/operations.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Wagtail's admin writes inline scripts and styles (widgets, panels), so the back office gets its
# own, looser policy (portal.middleware): still nothing from other sites, and framed only by
# itself (the live preview).
TRADECOUNTER_BACK_OFFICE_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs seven progress lines per PDF at INFO; its warnings (a refused URL) still show.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
TRADECOUNTER_BACK_OFFICE_PREFIX = "/backoffice/"
FORM_RENDERER = "accounts.forms.PortalFormRenderer"
