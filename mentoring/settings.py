"""Settings for the mentoring platform.

One module for every deployment: everything that differs between a laptop and
production comes from environment variables (a `.env` file is read first, the real
environment wins). `.env.example` documents each variable.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="")
_DEVELOPMENT_KEY_MARKERS = ("django-insecure", "change-me", "changeme", "dev-secret")
if not DEBUG and (len(SECRET_KEY) < 50 or any(marker in SECRET_KEY.lower() for marker in _DEVELOPMENT_KEY_MARKERS)):
    # Sessions, password reset links and invitations are all signed with this key.
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or is a development key. Set a random value of at least "
        "50 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set; `make run` writes one into .env.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "profiles",
    "audit",
    "notifications",
    "programmes",
    "matching",
    "goals",
    "sessions.apps.SessionsConfig",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "profiles.middleware.UserTimezoneMiddleware",
    "profiles.middleware.PrivilegedIdleTimeoutMiddleware",
    "profiles.middleware.PrivilegedMfaRequiredMiddleware",
]

ROOT_URLCONF = "mentoring.urls"
WSGI_APPLICATION = "mentoring.wsgi.application"

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
                "mentoring.context_processors.navigation",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: wait for a lock instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side cursors (`.iterator()`: exports, the erasure scan) are always read to the
    # end, so PostgreSQL plans them for the whole result (hash joins and one sort) instead
    # of its default, the first 10 % of rows (nested loops): reading the 100 000 rows of
    # the meetings export took 0.75 s instead of 1.0 s (BENCHMARKS.md).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c cursor_tuple_fraction=1.0".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if str(DATABASES["default"]["NAME"]).startswith(str(VAR_DIR)):
    VAR_DIR.mkdir(parents=True, exist_ok=True)

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # The embedded default has no Redis: a database table keeps rate limits and the
    # heartbeat shared between the web server and the worker.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="mentoring")

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "profiles.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "profiles.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Mentoring] "
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=True)
# How many reverse proxies sit in front of the app; allauth reads the client address
# for its rate limits from X-Forwarded-For only this many hops deep.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
# Counted in the shared cache (Redis in production, a database table in the embedded
# default), so every web process sees the same attempts. Explicit, so a library upgrade
# does not loosen them silently; "key" is the e-mail address typed in.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Mentoring")
# Coordinators, HR admins and site admins see other people's data: they must set up an
# authenticator app before anything else (profiles.middleware).
MFA_REQUIRED_FOR_PRIVILEGED = env.bool("MFA_REQUIRED_FOR_PRIVILEGED", default=True)
# How long an e-mailed invitation link to a programme stays valid; re-sending starts anew.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=14)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("da", "Dansk"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Participant CSV imports larger than this are refused at upload (10 000 rows fit in 2 MiB).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760

# --- E-mail ---------------------------------------------------------------------------
if env("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mentoring <mentoring@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------
# Production runs behind HTTPS; the embedded default (DEBUG on) serves plain HTTP locally.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    # The __Host- prefix makes browsers refuse these cookies unless Secure, path=/ and
    # no Domain, so a sibling subdomain cannot plant or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
# Participants stay signed in for SESSION_COOKIE_AGE; coordinators, HR admins and site
# admins are signed out after this many idle minutes (0: never).
PRIVILEGED_IDLE_MINUTES = env.int("PRIVILEGED_IDLE_MINUTES", default=30)

# Content-Security-Policy (django-csp). Scripts only from this site or with the
# request's nonce; no plugins, no <base>, no framing, forms post only here. Attribute
# styles (style="width: 40%" on progress bars and charts) are allowed with
# style-src-attr: they cannot run script, and moving every computed width into CSS
# classes is not possible (docs/decisions.md). data: images are the QR code of the
# authenticator setup and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous request gets 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mentoring.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mentoring platform API",
    "DESCRIPTION": "Programmes, matching, meetings, goals and reports. Session or token auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io: nothing leaves the site (and the CSP allows no
    # images from elsewhere).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models name a choice field "status"; each enum gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "InvitationStatusEnum": "programmes.models.Invitation.Status",
        "ImportJobStatusEnum": "programmes.models.ImportJob.Status",
        "ProgrammeKindEnum": "programmes.models.Programme.Kind",
        "ProgrammeStatusEnum": "programmes.models.Programme.Status",
        "QuestionKindEnum": "programmes.models.Question.Kind",
        "EnrolmentStatusEnum": "programmes.models.Enrolment.Status",
        "EnrolmentSourceEnum": "programmes.models.Enrolment.Source",
        "MatchStatusEnum": "matching.models.Match.Status",
        "MatchSourceEnum": "matching.models.Match.Source",
        "MatchOutcomeEnum": "matching.models.Match.Outcome",
        "MentorRequestStatusEnum": "matching.models.MentorRequest.Status",
        "GoalStatusEnum": "goals.models.Goal.Status",
        "ExportDatasetEnum": "reports.models.ExportJob.Dataset",
        "ExportFormatEnum": "reports.models.ExportJob.Format",
        "ExportStatusEnum": "reports.models.ExportJob.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mentoring.api.document_page_not_found",
    ],
}

# --- Background work ------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Embedded default: Kombu's filesystem transport, so `make run` needs no Redis.
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
# Soft limit < hard limit < broker visibility timeout, so a task is killed before the
# broker hands it to another worker.
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing a task (on commit, or a retry) waits up to about 20 s for a broker that is
# restarting instead of failing: a failed publish after the commit loses the e-mail whose
# notification was already claimed, and a retry that cannot be published is dropped.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 10, "interval_start": 0, "interval_step": 0.5, "interval_max": 3}
# When the broker connection drops, a running task finishes rather than being killed:
# its message is redelivered anyway and finds its claim taken, while killing it between
# a claim and the send would lose that e-mail (bench/faults.py).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "mentoring.tasks.record_heartbeat_task",
        "schedule": env.float("HEARTBEAT_INTERVAL_SECONDS", default=30.0),
    },
    "expire-mentor-requests": {
        "task": "matching.tasks.expire_requests_task",
        "schedule": 15 * 60,
    },
    "requeue-owed-emails": {
        "task": "notifications.tasks.requeue_owed_emails_task",
        "schedule": 60,
    },
    "send-meeting-reminders": {
        "task": "sessions.tasks.send_due_reminders_task",
        "schedule": 60,
    },
    "send-meeting-log-prompts": {
        "task": "sessions.tasks.send_log_prompts_task",
        "schedule": 15 * 60,
    },
    "raise-match-flags": {
        "task": "sessions.tasks.raise_flags_task",
        "schedule": 15 * 60,
    },
    "send-overdue-action-item-reminders": {
        "task": "sessions.tasks.send_overdue_action_item_reminders_task",
        "schedule": 15 * 60,
    },
}
HEARTBEAT_STALE_AFTER_SECONDS = 120
# The e-mail outbox (notifications.services): an e-mail still unsent this many minutes
# after its task was queued is queued again (its task was lost before the broker).
NOTIFICATION_EMAIL_REQUEUE_MINUTES = env.int("NOTIFICATION_EMAIL_REQUEUE_MINUTES", default=5)

# --- Exports (reports) ------------------------------------------------------------------
# Hours a finished export file stays downloadable by its requester; the hourly
# cleanup-exports task then deletes the file (the log entry stays).
EXPORT_EXPIRY_HOURS = env.int("EXPORT_EXPIRY_HOURS", default=24)
# CSV exports of at most this many rows stream straight into the response; larger ones,
# and every XLSX, are built by a worker with a progress bar and a download link.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=50_000)
# --- Dashboards (reports/services/dashboard_cache.py) -------------------------------------
# A dashboard page is served from the cache at most this many seconds after it was
# computed; the worker computes it again before then (beat every minute) and after every
# write to what it counts. Writes that send no signal and the passing of time show within it.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# Views of a dashboard (filters, language, time zone) stay computed this long after they
# were last opened.
DASHBOARD_KEEP_FRESH_HOURS = env.int("DASHBOARD_KEEP_FRESH_HOURS", default=24)
CELERY_BEAT_SCHEDULE["refresh-dashboards"] = {"task": "reports.tasks.refresh_dashboards_task", "schedule": 60}
CELERY_BEAT_SCHEDULE["cleanup-exports"] = {"task": "reports.tasks.cleanup_exports_task", "schedule": 60 * 60}

# --- Privacy (reports) ------------------------------------------------------------------
# Daily: programmes closed longer than their retention_days lose notes and free text.
CELERY_BEAT_SCHEDULE["purge-expired-programmes"] = {
    "task": "reports.tasks.purge_expired_programmes_task",
    "schedule": 24 * 60 * 60,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
