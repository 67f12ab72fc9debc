"""Settings for OneGo — the one place where the environment is read.

Every deployment setting is an `ONEGO_*` environment variable declared below with `env_*`, once, with
a default that is safe for production (Zulip's default_settings.py is the model): `DEBUG` is off unless
`ONEGO_DEBUG=1` asks for it (`make run` does, explicitly), and with it off the secret key must be given
and the security settings (HTTPS redirect, HSTS, secure cookies) are on. docs/deployment.md lists
every variable with its default and meaning (tests/core/test_settings.py checks that it does, and that
no module outside this file reads the environment). Modules read these values from `django.conf.settings`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from onego.core.crypto_check import require_sm3

require_sm3()

# The ONEGO_* variables this module declares, in order (for the documentation check).
DECLARED_SETTINGS: list[str] = []


def _raw(name: str) -> str | None:
    DECLARED_SETTINGS.append(name)
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise RuntimeError(f"{name}={value!r}: use 1 or 0")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    try:
        return default if value is None or value.strip() == "" else int(value)
    except ValueError:
        raise RuntimeError(f"{name}={value!r}: expected a whole number") from None


def env_float(name: str, default: float) -> float:
    value = _raw(name)
    try:
        return default if value is None or value.strip() == "" else float(value)
    except ValueError:
        raise RuntimeError(f"{name}={value!r}: expected a number") from None


def env_json(name: str, default: dict[str, object]) -> dict[str, object]:
    """A JSON object."""
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise RuntimeError(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise RuntimeError(f"{name}: expected a JSON object")
    return parsed


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list (blank entries dropped)."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# --- the basics ----------------------------------------------------------------------------------------

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("ONEGO_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("ONEGO_DEBUG", False)
SECRET_KEY = env_str("ONEGO_SECRET_KEY", "") or (
    "onego-development-only-key-never-use-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError(
        "ONEGO_SECRET_KEY must be set (50 or more random characters) unless ONEGO_DEBUG=1 asks for "
        "development mode; see docs/deployment.md"
    )
ALLOWED_HOSTS = env_list("ONEGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Where this platform is reached from outside (QR codes on documents, partners' callback URLs).
ONEGO_PUBLIC_URL = env_str("ONEGO_PUBLIC_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # the API docs' Swagger UI from local static files (the CSP allows no CDN)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "onego.core",
    "onego.ledger",
    "onego.accounts",
    "onego.catalog",
    "onego.registries",
    "onego.exchange",
    "onego.cases",
    "onego.signin",
    "onego.feedback",
    "onego.insight",
    "onego.outreach",
    "onego.standards",
    "onego.api",
    "onego.portal",
    "onego.workbench",
    "onego.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "onego.core.middleware.AccessLogMiddleware",
    "onego.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onego.accounts.middleware.StaffSessionLimits",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "onego.core.replica.ReplicaReadsMiddleware",  # listed reads that may lag → the replica (docs/deployment.md)
]

ROOT_URLCONF = "onego.urls"
WSGI_APPLICATION = "onego.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database and task queue ------------------------------------------------------------------------------


def _database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path) if parsed.path not in ("", "/") else str(DATA_DIR / "onego.sqlite3")
        # SQLite: wait for a writer instead of failing at once; IMMEDIATE avoids lock upgrades mid-transaction.
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parsed.path.lstrip("/"),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise RuntimeError(
        f"ONEGO_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:// or postgres://)"
    )


DATABASES = {"default": _database_from_url(env_str("ONEGO_DATABASE_URL", "sqlite://"))}
# A streaming replica of the primary (PostgreSQL): the reads listed in onego/core/replica.py (public pages,
# search, dashboards) go there; after a write a browser stays on the primary for ONEGO_REPLICA_PIN_SECONDS.
ONEGO_DATABASE_REPLICA_URL = env_str("ONEGO_DATABASE_REPLICA_URL", "")
ONEGO_REPLICA_PIN_SECONDS = env_int("ONEGO_REPLICA_PIN_SECONDS", 5)
if ONEGO_DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **_database_from_url(ONEGO_DATABASE_REPLICA_URL),
        "TEST": {"MIRROR": "default"},  # tests: the replica is the test database itself
    }
DATABASE_ROUTERS = ["onego.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The task queue: `database` (django-tasks-db, the task rows commit with the change; one machine) or `rq`
# (Redis through django-tasks-rq: jobs pushed after commit, workers are `onego rqworker`; past one machine,
# docs/deployment.md). The task code is the same for both.
ONEGO_TASK_BACKEND = env_str("ONEGO_TASK_BACKEND", "database")
ONEGO_REDIS_URL = env_str("ONEGO_REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS: dict[str, dict[str, object]]
if ONEGO_TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "onego.core.tasks.DatabaseBackend"}}
elif ONEGO_TASK_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "onego.core.tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS.append("django_rq")  # the `onego rqworker` command
else:
    raise RuntimeError(f"ONEGO_TASK_BACKEND={ONEGO_TASK_BACKEND!r}: use database or rq")
RQ_QUEUES = {"default": {"URL": ONEGO_REDIS_URL, "DEFAULT_TIMEOUT": 600}}
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}

# `onego serve` (make run, make prod): where the web server listens, how many processes it runs, and how
# often it runs `onego cases tick` (0: never — then run the tick from cron).
ONEGO_HOST = env_str("ONEGO_HOST", "127.0.0.1")
ONEGO_PORT = env_int("ONEGO_PORT", 8000)
ONEGO_WEB_WORKERS = env_int("ONEGO_WEB_WORKERS", 2)
ONEGO_TASK_WORKERS = env_int("ONEGO_TASK_WORKERS", 1)
ONEGO_TICK_INTERVAL = env_float("ONEGO_TICK_INTERVAL", 300.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------------------------
# Static files are served by whitenoise from STATIC_ROOT (`onego collectstatic`), compressed and under
# hashed names cached for a year; in development straight from the apps' static folders.
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks there from the start (empty until collectstatic)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
# Stored files (uploaded materials, conclusion PDFs): `filesystem` (MEDIA_ROOT) or `s3` (an S3-compatible
# object store through django-storages: MinIO, Ceph RGW, a cloud's). Either way they are served only through
# OneGo's views after the access checks — never by URL from the store (private ACL, no public URLs).
ONEGO_STORAGE = env_str("ONEGO_STORAGE", "filesystem")
ONEGO_S3_BUCKET = env_str("ONEGO_S3_BUCKET", "onego")
ONEGO_S3_ENDPOINT_URL = env_str("ONEGO_S3_ENDPOINT_URL", "")
ONEGO_S3_REGION = env_str("ONEGO_S3_REGION", "us-east-1")
ONEGO_S3_ACCESS_KEY = env_str("ONEGO_S3_ACCESS_KEY", "")
ONEGO_S3_SECRET_KEY = env_str("ONEGO_S3_SECRET_KEY", "")
ONEGO_S3_SERVER_SIDE_ENCRYPTION = env_str("ONEGO_S3_SERVER_SIDE_ENCRYPTION", "AES256")
_STORED_FILES: dict[str, object]
if ONEGO_STORAGE == "filesystem":
    _STORED_FILES = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif ONEGO_STORAGE == "s3":
    _STORED_FILES = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ONEGO_S3_BUCKET,
            "endpoint_url": ONEGO_S3_ENDPOINT_URL or None,
            "region_name": ONEGO_S3_REGION,
            "access_key": ONEGO_S3_ACCESS_KEY or None,
            "secret_key": ONEGO_S3_SECRET_KEY or None,
            "default_acl": "private",
            "file_overwrite": False,  # a second file under the same name gets a new name, as on disk
            "querystring_auth": True,  # were a URL ever asked for, it would be signed and short-lived
            "querystring_expire": 60,
            "object_parameters": (
                {"ServerSideEncryption": ONEGO_S3_SERVER_SIDE_ENCRYPTION}
                if ONEGO_S3_SERVER_SIDE_ENCRYPTION
                else {}
            ),
        },
    }
else:
    raise RuntimeError(f"ONEGO_STORAGE={ONEGO_STORAGE!r}: use filesystem or s3")
STORAGES = {
    "default": _STORED_FILES,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- security -----------------------------------------------------------------------------------------
# With DEBUG off everything is on; behind a TLS-terminating proxy set ONEGO_PROXY_SSL_HEADER=1 (the proxy
# must set X-Forwarded-Proto and strip it from clients). ONEGO_SSL_REDIRECT=0 where the proxy redirects.
SECURE_SSL_REDIRECT = env_bool("ONEGO_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("ONEGO_PROXY_SSL_HEADER", False) else None
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP to the process
SECURE_HSTS_SECONDS = env_int("ONEGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ONEGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("ONEGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("ONEGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("ONEGO_CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of every response (onego.core.middleware): scripts and styles only from this
# origin (htmx is vendored); `'nonce-…'` is added for the few inline blocks that carry the request's nonce.
ONEGO_CSP_REPORT_ONLY = env_bool("ONEGO_CSP_REPORT_ONLY", False)

# --- logs -----------------------------------------------------------------------------------------------
# One line per record, `json` (JSON lines, the production default) or `text`; ID numbers, USCCs and mobile
# numbers are masked in every message and in the access log's paths (onego.core.pii.mask_text).
ONEGO_LOG_FORMAT = env_str("ONEGO_LOG_FORMAT", "text" if DEBUG else "json")
if ONEGO_LOG_FORMAT not in ("json", "text"):
    raise RuntimeError(f"ONEGO_LOG_FORMAT={ONEGO_LOG_FORMAT!r}: use json or text")
ONEGO_LOG_LEVEL = env_str("ONEGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "onego.core.pii.MaskingFilter"}},
    "formatters": {
        "json": {"()": "onego.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["pii"], "formatter": ONEGO_LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": ONEGO_LOG_LEVEL},
    "loggers": {
        "jieba": {"level": "WARNING"},
        # runserver's request lines carry raw paths; onego.access (core/middleware.py) logs requests masked.
        "django.server": {"handlers": [], "propagate": False},
        "onego.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- e-mail and SMS ------------------------------------------------------------------------------------
# E-mail: printed to the console in development, SMTP otherwise.
EMAIL_BACKEND = env_str(
    "ONEGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("ONEGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ONEGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("ONEGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("ONEGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ONEGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("ONEGO_FROM_EMAIL", "noreply@onego.invalid")
# SMS (onego.cases.channels): `file` appends JSON lines to DATA_DIR/sms.log (the development outbox),
# `console` prints them; a real gateway is another backend there.
ONEGO_SMS_BACKEND = env_str("ONEGO_SMS_BACKEND", "file")

# --- keys -------------------------------------------------------------------------------------------------
# Without them only DEBUG (or the test runner) derives development keys from SECRET_KEY; in production
# each module refuses to work. Formats: docs/pii.md, docs/documents.md, docs/ledger.md.
ONEGO_PII_KEYS = env_list("ONEGO_PII_KEYS")  # "kid:base64,…", the current key first
ONEGO_BLIND_INDEX_KEY = env_str("ONEGO_BLIND_INDEX_KEY", "")
ONEGO_DOCUMENT_SIGNING_KEYS = env_str("ONEGO_DOCUMENT_SIGNING_KEYS", "")  # "department:base64,…"
ONEGO_DOCUMENT_RETIRED_PUBLIC_KEYS = env_list("ONEGO_DOCUMENT_RETIRED_PUBLIC_KEYS")
ONEGO_LEDGER_SIGNING_KEY = env_str("ONEGO_LEDGER_SIGNING_KEY", "")
ONEGO_LEDGER_RETIRED_PUBLIC_KEYS = env_list("ONEGO_LEDGER_RETIRED_PUBLIC_KEYS")
# The ledger's sequencer (docs/ledger.md): entries are written pending with a signed promise and sealed
# into the Merkle tree by `onego ledger sequence` / the `sequence_ledger` task, in batches, within the
# maximum merge delay (`onego ledger verify` counts pending entries older than it); the task runs again
# every interval.
ONEGO_LEDGER_MAX_MERGE_DELAY = env_int("ONEGO_LEDGER_MAX_MERGE_DELAY", 60)  # seconds
ONEGO_LEDGER_SEQUENCER_INTERVAL = env_int("ONEGO_LEDGER_SEQUENCER_INTERVAL", 5)  # seconds
ONEGO_LEDGER_SEQUENCER_BATCH = env_int("ONEGO_LEDGER_SEQUENCER_BATCH", 1000)  # entries per transaction

# --- registries ----------------------------------------------------------------------------------------
# How the gateway reaches each registry (onego/registries/adapters.py): a registry listed here is asked
# over HTTP/JSON with signed requests and a time-out, {"population": {"url": …, "client": …, "secret":
# base64, "timeout": seconds}}; the others are answered in process by the simulator.
ONEGO_REGISTRY_ENDPOINTS = env_json("ONEGO_REGISTRY_ENDPOINTS", {})
# Serving the simulator over HTTP (/registry-sim/<code>/elements, onego/registries/http.py) for the clients
# listed here, {"client": base64 secret}; empty = not served (production).
ONEGO_REGISTRY_SIMULATOR_CLIENTS = env_json("ONEGO_REGISTRY_SIMULATOR_CLIENTS", {})

# --- the portal ---------------------------------------------------------------------------------------
# The region a visitor sees when they have not chosen one (贵阳市).
ONEGO_DEFAULT_REGION = env_str("ONEGO_DEFAULT_REGION", "520100")
# Package popularity for the "hot" list (onego/catalog/popularity.py): a YAML table replacing the
# built-in prior (Guizhou volumes of the 13 national packages); empty = built-in.
ONEGO_POPULARITY_PRIOR = env_str("ONEGO_POPULARITY_PRIOR", "")

# Staff sign-in (onego.accounts, SECURITY.md): lockout after failed passwords per account and per client
# address, the TOTP second factor (required unless DEBUG; ONEGO_STAFF_OTP=1/0 overrides), session limits.
ONEGO_LOGIN_ACCOUNT_FAILURES = env_int("ONEGO_LOGIN_ACCOUNT_FAILURES", 5)
ONEGO_LOGIN_ADDRESS_FAILURES = env_int("ONEGO_LOGIN_ADDRESS_FAILURES", 20)
ONEGO_LOGIN_WINDOW_MINUTES = env_int("ONEGO_LOGIN_WINDOW_MINUTES", 15)
ONEGO_LOGIN_LOCKOUT_MINUTES = env_int("ONEGO_LOGIN_LOCKOUT_MINUTES", 15)
ONEGO_STAFF_OTP_REQUIRED = env_bool("ONEGO_STAFF_OTP", not DEBUG)
ONEGO_STAFF_SESSION_IDLE_MINUTES = env_int("ONEGO_STAFF_SESSION_IDLE_MINUTES", 30)
ONEGO_STAFF_SESSION_MAX_HOURS = env_int("ONEGO_STAFF_SESSION_MAX_HOURS", 10)
OTP_TOTP_ISSUER = "OneGo 一件事一次办"


def _region_days(name: str, default: str) -> dict[str, int]:
    """`default:15,520100:5` → {"default": 15, "520100": 5}; anything else is refused by name."""
    table: dict[str, int] = {}
    for part in env_list(name, default):
        code, _, days = part.partition(":")
        if not days.strip().isdigit():
            raise RuntimeError(f"{name}={part!r}: expected region code:working days, e.g. 520100:5")
        table[code.strip()] = int(days)
    return table


# 好差评 (docs/feedback.md): days after the first rating in which the applicant may change it; working
# days a department has to answer a bad rating, by region code (the nearest region up the chain wins,
# then "default"), as "code:days,…"; hours a window rating code stays valid.
ONEGO_FEEDBACK_AMEND_DAYS = env_int("ONEGO_FEEDBACK_AMEND_DAYS", 7)
ONEGO_FEEDBACK_RECTIFICATION_DAYS = _region_days("ONEGO_FEEDBACK_RECTIFICATION_DAYS", "default:15,520100:5")
ONEGO_FEEDBACK_INVITATION_HOURS = env_int("ONEGO_FEEDBACK_INVITATION_HOURS", 24)
# Open311 GeoReport v2 (docs/feedback.md): calls per minute per partner api_key, and per client address
# for calls without a key; over it → 429 with Retry-After. 0 turns a limit off.
ONEGO_OPEN311_KEY_PER_MINUTE = env_int("ONEGO_OPEN311_KEY_PER_MINUTE", 600)
ONEGO_OPEN311_ADDRESS_PER_MINUTE = env_int("ONEGO_OPEN311_ADDRESS_PER_MINUTE", 60)

# Insight rollups (docs/insight.md): seconds between runs of the periodic refresh task; the dashboard's
# figures are at most this old (plus the time a run takes).
ONEGO_INSIGHT_REFRESH_INTERVAL = env_int("ONEGO_INSIGHT_REFRESH_INTERVAL", 300)
