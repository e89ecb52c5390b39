"""Settings of the peer: django-helpdesk, run by tests/benchmarks/test_peer.py in its own virtualenv.

Not a part of Supportdesk and never imported by it. The benchmark starts it with
PYTHONPATH=<this folder>, DJANGO_SETTINGS_MODULE=settings and PEER_DATABASE_URL naming the
database it loaded (postgres://user@host:port/name or sqlite:////absolute/path).
DEBUG is on, as in Supportdesk's default, so both sides run under the same conditions.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
WORK_DIR = Path(os.environ.get("PEER_WORK_DIR", HERE))


def database(url: str) -> dict:
    """Django's DATABASES entry for a postgres:// or sqlite:/// URL (the peer has no dj-database-url)."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
        }
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": unquote(parts.path)[1:] if parts.path.startswith("//") else unquote(parts.path),
            "OPTIONS": {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    raise ValueError(f"PEER_DATABASE_URL: unsupported scheme {parts.scheme!r}")


SECRET_KEY = "peer-benchmark-only-not-a-secret"
DEBUG = os.environ.get("PEER_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1

MIDDLEWARE = [
    "query_count.QueryCountMiddleware",  # first: counts every query of the request
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database(os.environ.get("PEER_DATABASE_URL", f"sqlite:///{WORK_DIR / 'peer.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = WORK_DIR / "static"
MEDIA_ROOT = WORK_DIR / "media"

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

# Mail is sent inside its requests; no mail server here, so it goes nowhere.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# No pinax-teams (an optional extra), no periodic e-mail polling.
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_KB_ENABLED = True
