"""Podwright settings: one file, read from the environment, with defaults that work locally.

With no environment set you get SQLite and Celery tasks run eagerly in-process, so a newcomer
needs nothing but Python. Set DATABASE_URL / CELERY_BROKER_URL for PostgreSQL and Redis.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


SQLITE, POSTGRESQL = "django.db.backends.sqlite3", "django.db.backends.postgresql"


def database_from_url(url: str) -> dict:
    """A DATABASES entry from a URL, parsed by dj-database-url:
    ``postgres://user:pass@host:port/name?sslmode=require`` (query parameters become OPTIONS;
    connections are kept DB_CONN_MAX_AGE seconds, default 60, and health-checked) or
    ``sqlite:////absolute/path.sqlite3`` (four slashes), ``sqlite:///relative.sqlite3``."""
    try:
        db = dj_database_url.parse(url)
    except ValueError:
        # The URL may hold a password: name the scheme only.
        scheme = url.split(":", 1)[0] if ":" in url else "(none)"
        raise ImproperlyConfigured(
            f"DATABASE_URL cannot be read (scheme {scheme!r}): use "
            "postgres://user:pass@host:port/name or sqlite:////absolute/path.sqlite3"
        ) from None
    if db["ENGINE"] == SQLITE:
        db.setdefault("OPTIONS", {}).setdefault("timeout", 20)  # as the default database
    elif db["ENGINE"] == POSTGRESQL:
        db.update(CONN_MAX_AGE=envint("DB_CONN_MAX_AGE", "60"), CONN_HEALTH_CHECKS=True)
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL engine {db['ENGINE']!r} is not supported: use PostgreSQL or SQLite"
        )
    return db


DEBUG = envbool("DEBUG", "true")
SECRET_KEY = os.getenv("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "Production mode (DEBUG off) refuses the development SECRET_KEY: set SECRET_KEY."
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "csp",
    "teams",
    "incentives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout signalled during the login into the page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): scripts from our own static files only, no inline script,
# no eval. Page behaviour lives in static/js/app.js, and a chart is a div plus its figure as JSON
# (teams/charts.py). Styles do allow inline: plotly.js injects a stylesheet of its own when it
# loads and sets style attributes as it draws (a heatmap's image-rendering), and nothing short of
# patching it avoids that. Injected CSS still cannot reach another origin: images, fonts and
# connections are limited to our own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features the app never uses, refused for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "midi",
        "magnetometer",
        "gyroscope",
        "accelerometer",
        "display-capture",
    )
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teams.context_processors.roles",
            ],
        },
    },
]

DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": SQLITE,
            "NAME": os.getenv("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One process's memory by default; CACHE_URL=redis://… shares the cache (API rate counts, the
# dashboard's projections) between gunicorn workers.
CACHE_URL = os.getenv("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes, config/lockout.py): LOGIN_FAILURE_LIMIT failed logins for one
# username from one address lock that pair out for LOGIN_LOCKOUT_MINUTES; the login page says
# until when (429, Retry-After). The address is the TCP peer unless TRUSTED_PROXY_COUNT says how
# many proxies in front of us append to X-Forwarded-For (a client-sent header is never trusted).
AUTHENTICATION_BACKENDS = [
    "config.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# plotly.js comes from the plotly wheel itself (served by us, never a CDN): the app works offline.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(plotly.__file__).resolve().parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Podwright <podwright@localhost>")

# Celery: with no broker, tasks run eagerly in-process so nothing else needs installing.
CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.getenv("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks that are safe to repeat (a formation run, one unit's month close) are acknowledged only
# once they finish, so a task whose worker dies comes back. On Redis "comes back" means after the
# visibility timeout, which must outlast the longest task: a formation run may search for 300 s.
# One message reserved at a time, so a long task does not hold others hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", "900"),
    "socket_connect_timeout": 2,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Service-account keys (pwsa_…) first; any other key is a DRF token made by an Admin.
        "config.throttling.ThrottledServiceAccountAuthentication",
        "config.throttling.ThrottledTokenAuthentication",
        "config.throttling.CountAnonymous",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "teams.integrations.authentication.ServiceAccountScope",
    ],
    # Per user and per token, anonymous stricter (bad tokens count as anonymous): 429 with
    # Retry-After. Counts live in the default cache: set CACHE_URL so gunicorn workers share them.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonymousThrottle",
        "config.throttling.UserThrottle",
        "config.throttling.TokenThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.getenv("API_RATE_ANON", "30/min"),
        "user": os.getenv("API_RATE_USER", "240/min"),
        "token": os.getenv("API_RATE_TOKEN", "120/min"),
    },
    # Client addresses come from X-Forwarded-For only behind that many trusted proxies.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One input contract (teams/inputs.py): JSON objects only, depth, NUL and number checks
    # before any view runs; an oversize body is a 413 JSON naming the limit.
    "DEFAULT_PARSER_CLASSES": ["teams.inputs.JSONBodyParser"],
    "EXCEPTION_HANDLER": "teams.inputs.api_exception_handler",
}
# The largest request body read into memory: 10,000 bulk observations with long keys and
# evidence links are about 5 MB. Uploaded files are not counted (they stream to disk).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(10 * 1024 * 1024))
SPECTACULAR_SETTINGS = {
    "TITLE": "Podwright API",
    "DESCRIPTION": "People, trait profiles, pods, outcome metrics and AI-efficiency bonuses.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Waits have a kind and a source of their own, beside metrics' and observations'.
    "ENUM_NAME_OVERRIDES": {
        "WaitKindEnum": "teams.models.Wait.Kind",
        "WaitSourceEnum": "teams.models.Wait.Source",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
