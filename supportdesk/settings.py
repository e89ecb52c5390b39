"""Supportdesk settings.

Every value that differs between machines comes from the environment, read
once here through the strict helpers of `supportdesk.env`. With no environment
at all, Supportdesk runs embedded: SQLite, a Celery broker on the filesystem
and email printed to the console, so one machine needs no server.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from supportdesk.env import env_bool, env_float, env_int, env_list, env_options, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SUPPORTDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and broker live here

DEBUG = env_bool("DJANGO_DEBUG", True)

_INSECURE_DEV_KEY = "django-insecure-supportdesk-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "supportdesk",
    "invoices",
    "tickets",
    "escalation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "supportdesk.middleware.UserPreferencesMiddleware",  # after locale and auth: the user's own language and zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "invoices.context_processors.invoice_roles",
                "escalation.context_processors.incidents_and_escalations",
                "supportdesk.inbox.unread_notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
_SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
# Workers run many short tasks: a kept connection saves a connect (about 8 ms on
# PostgreSQL) per task; the health check replaces one the server dropped.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _SQLITE_DEFAULT),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write the same file: wait for the
    # lock instead of failing, take the write lock at BEGIN so two writers never
    # deadlock on an upgrade, and let readers proceed during a write (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # A file, not memory, so that a real worker process sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "supportdesk.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Languages and time -------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("ko", _("Korean")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Supportdesk <support@supportdesk.localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "supportdesk.api.authentication.TokenAuthentication",  # activates the user's language and time zone
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "supportdesk.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "supportdesk.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "6000/minute"),
        "login": env_str("API_THROTTLE_LOGIN", "20/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Supportdesk API",
    "DESCRIPTION": "Tiered customer support for invoice and billing questions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "InvoiceStatusEnum": "invoices.models.InvoiceStatus",
        "EscalationStatusEnum": "escalation.models.EscalationStatus",
        "IncidentStatusEnum": "escalation.models.IncidentStatus",
    },
}

# --- Celery -------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
# The filesystem transport ignores the host; naming one keeps kombu from warning about it.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu polls once a second by default; with late acks and a prefetch of
        # one, each pool process would wait for the next poll after every task.
        "polling_interval": env_float("CELERY_BROKER_POLLING_SECONDS", 0.1),
    }
    CELERY_BROKER_TRANSPORT = "supportdesk.broker:Transport"  # atomic publishing, see supportdesk/broker.py
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(_folder, str):
            Path(_folder).mkdir(parents=True, exist_ok=True)
else:
    # Redis redelivers an unacknowledged task after this many seconds; no
    # task of ours runs or waits nearly that long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "close-resolved-tickets": {
        "task": "tickets.tasks.close_resolved_tickets",
        "schedule": env_int("TICKETS_AUTO_CLOSE_SWEEP_SECONDS", 300),
    },
    "sweep-invoices": {
        "task": "invoices.tasks.sweep_invoices",
        "schedule": env_float("INVOICE_SWEEP_SECONDS", 5.0),
        "options": {"expires": 30},
    },
    # One index probe when nothing is due; deadlines of the next minute go to
    # short ETA tasks, so this interval bounds the delay only when one is lost.
    "sweep-sla": {
        "task": "escalation.tasks.sweep_sla",
        "schedule": env_float("SLA_SWEEP_SECONDS", 1.0),
        "options": {"expires": 10},
    },
}
# Review work and issuance never share a queue, so nothing waits behind an
# invoice under review; issuance runs on as many worker processes as you give it.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "invoices.tasks.issue_invoice": {"queue": "issuance"},
    "invoices.tasks.notify_reviewers": {"queue": "review"},
}
CELERY_WORKER_QUEUES = "celery,review,issuance"  # what `make demo` and the tests consume

# --- Supportdesk rules --------------------------------------------------------
TICKETS_AUTO_CLOSE_DAYS = env_int("TICKETS_AUTO_CLOSE_DAYS", 7)
TEAM_RECOMMENDED_MAX_AGENTS = 20

# SLA monitor and incidents
SLA_POLICY_CACHE_SECONDS = env_float("SLA_POLICY_CACHE_SECONDS", 10.0)  # how soon other processes see a policy edit
SLA_WARNING_AT = env_float("SLA_WARNING_AT", 0.75)  # share of a target after which its owner is warned
SLA_WARNING_MOMENTS = "escalation.targets.warning_moments_for"  # how ticket pages learn when a target turns "due soon"
SLA_TIMER_HORIZON_SECONDS = env_float("SLA_TIMER_HORIZON_SECONDS", 60.0)  # 0 turns the ETA hand-over off
INCIDENT_STALL_THRESHOLD = env_int("INCIDENT_STALL_THRESHOLD", 5)
INCIDENT_STALL_WINDOW_MINUTES = env_float("INCIDENT_STALL_WINDOW_MINUTES", 10.0)
INCIDENT_DEFAULT_ETA_MINUTES = env_float("INCIDENT_DEFAULT_ETA_MINUTES", 60.0)

# E-invoices
# Faults (`latency=0.2,failure_rate=0.3,hang_title=HANG`) switch to the fault-injecting gateway.
INVOICE_GATEWAY_OPTIONS = env_options("INVOICE_GATEWAY_FAULTS")
INVOICE_GATEWAY = env_str(
    "INVOICE_GATEWAY",
    "invoices.gateways.faulty.FaultInjectingGateway" if INVOICE_GATEWAY_OPTIONS else "invoices.gateways.local.LocalGateway",
)
# Stage targets come from the SLA policy matching the customer's invoice tickets
# (`escalation.invoice_stages`); these minutes apply, 24x7, where none sets one.
INVOICE_STAGE_DEADLINE = env_str("INVOICE_STAGE_DEADLINE", "escalation.invoice_stages.stage_deadline")
INVOICE_REVIEW_TARGET_MINUTES = env_float("INVOICE_REVIEW_TARGET_MINUTES", 240.0)
INVOICE_ISSUE_TARGET_MINUTES = env_float("INVOICE_ISSUE_TARGET_MINUTES", 10.0)
INVOICE_ISSUE_MAX_RETRIES = env_int("INVOICE_ISSUE_MAX_RETRIES", 5)
INVOICE_RETRY_BACKOFF_SECONDS = env_float("INVOICE_RETRY_BACKOFF_SECONDS", 2.0)
# Far below Redis' visibility timeout: a retry never sits long enough to be redelivered.
INVOICE_RETRY_BACKOFF_CAP_SECONDS = env_float("INVOICE_RETRY_BACKOFF_CAP_SECONDS", 60.0)
INVOICE_ISSUE_LEASE_SECONDS = env_float("INVOICE_ISSUE_LEASE_SECONDS", 120.0)
INVOICE_REDISPATCH_AFTER_SECONDS = env_float("INVOICE_REDISPATCH_AFTER_SECONDS", 60.0)

# --- Production hardening -----------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if env_bool("USE_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
