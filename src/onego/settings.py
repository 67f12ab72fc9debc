"""Settings for OneGo. Everything deployment-specific comes from the environment.

ONEGO_DATABASE_URL   sqlite:///path/to/db.sqlite3 (default: var/onego.sqlite3)
                     or postgres://user:pass@host:port/name
ONEGO_DATA_DIR       where the embedded database, uploads and generated files live (default ./var)
ONEGO_SECRET_KEY     Django's secret key (a development key is used when unset and DEBUG is on)
ONEGO_DEBUG          1/0
ONEGO_ALLOWED_HOSTS  comma-separated
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from onego.core.crypto_check import require_sm3

require_sm3()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ONEGO_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("ONEGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("ONEGO_SECRET_KEY") or (
    "onego-development-only-key-never-use-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("ONEGO_SECRET_KEY must be set when ONEGO_DEBUG=0")
ALLOWED_HOSTS = [
    h for h in os.environ.get("ONEGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "onego.core",
    "onego.ledger",
    "onego.accounts",
    "onego.catalog",
    "onego.registries",
    "onego.exchange",
    "onego.cases",
    "onego.signin",
    "onego.feedback",
    "onego.api",
    "onego.portal",
    "onego.workbench",
    "onego.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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


DATABASES = {"default": _database_from_url(os.environ.get("ONEGO_DATABASE_URL", "sqlite://"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "onego.core.tasks.DatabaseBackend"}}

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

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Masks ID and mobile numbers that slip into log messages (onego.core.pii).
    "filters": {"pii": {"()": "onego.core.pii.MaskingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["pii"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONEGO_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# E-mail: printed to the console in development; configure SMTP through Django's EMAIL_* settings in production.
EMAIL_BACKEND = os.environ.get(
    "ONEGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("ONEGO_FROM_EMAIL", "noreply@onego.invalid")

# The region a visitor sees when they have not chosen one (贵阳市).
ONEGO_DEFAULT_REGION = os.environ.get("ONEGO_DEFAULT_REGION", "520100")

# Package popularity for the "hot" list (docs: onego/catalog/popularity.py): a YAML table replacing the
# built-in prior (Guizhou volumes of the 13 national packages); empty = built-in.
ONEGO_POPULARITY_PRIOR = os.environ.get("ONEGO_POPULARITY_PRIOR", "")

# 好差评 (docs/feedback.md): days after the first rating in which the applicant may change it; working
# days a department has to answer a bad rating, by region code (the nearest region up the chain wins,
# then "default"), as "code:days,…"; hours a window rating code stays valid.
ONEGO_FEEDBACK_AMEND_DAYS = int(os.environ.get("ONEGO_FEEDBACK_AMEND_DAYS", "7"))
ONEGO_FEEDBACK_RECTIFICATION_DAYS: dict[str, int] = {
    code.strip(): int(days)
    for code, days in (
        part.split(":", 1)
        for part in os.environ.get("ONEGO_FEEDBACK_RECTIFICATION_DAYS", "default:15,520100:5").split(",")
        if part.strip()
    )
}
ONEGO_FEEDBACK_INVITATION_HOURS = int(os.environ.get("ONEGO_FEEDBACK_INVITATION_HOURS", "24"))
