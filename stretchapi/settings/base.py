"""Settings shared by every environment.

Values that differ between machines come from the environment through the one
reader below (`env`); each environment module (local, test, production) only
states what is particular to it.
"""

from datetime import timedelta
from pathlib import Path

import environ
import sentry_sdk

from stretchapi.observability import logging_config, sentry_options

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    # Django's admin with the trainer panel's site as `admin.site` (sessions/admin/site.py).
    "sessions.apps.PanelAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_structlog",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    # Database connection set-up (stretchapi/db.py).
    "stretchapi.apps.StretchAPIConfig",
    "catalog",
    "sessions.apps.StretchSessionsConfig",
]

MIDDLEWARE = [
    # Outermost: the request id (X-Request-ID), the timer and the query count, for
    # every answer and every problem document (stretchapi/api/observability.py).
    "stretchapi.api.observability.RequestContextMiddleware",
    # The one log line per request (django-structlog), with the fields above.
    "django_structlog.middlewares.RequestMiddleware",
    # Before anything that answers by itself, so that a preflight or an error carries CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # Outermost of the rest, so that it sees every error response, including Django's own
    # 404/500 pages, and turns those under /api/ into problem+json.
    "stretchapi.api.middleware.ProblemDetailsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The panel's times in the signed-in account's own time zone (only under /admin/).
    "sessions.admin.timezones.PanelTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each catalog change (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "stretchapi.urls"
WSGI_APPLICATION = "stretchapi.wsgi.application"
# WSGI apps that wrap Django in stretchapi/wsgi.py, innermost first: each is
# called with the application it wraps. Anonymous catalog reads the stack
# answered before are answered in front of it.
WSGI_WRAPPERS = ["catalog.api.front_cache.CatalogCacheApp"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The panel's templates, first: they override the admin's base_site.html (branding, styles).
        "DIRS": [BASE_DIR / "sessions" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if POSTGRESQL:
    # Django's backend, with a health check that costs no round trip while the connection is quiet
    # (stretchapi/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "stretchapi.postgresql"
    # While the server is unreachable a request fails fast (a 503) instead of
    # hanging past the client's own timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    # PostgreSQL's JIT compiles any query it guesses costly: a second of compiling for a
    # trainer's client list that runs in milliseconds. The app's queries are all short.
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
    # Prepared statements: a statement run a fifth time on a connection is prepared, and later runs
    # skip PostgreSQL's planning, which cost more than executing the small indexed reads every request
    # makes (a token check: 0.19 ms to plan, 0.06 ms to run). With them, a 40-hold upload took 15 %
    # less of the server's CPU. They need server-side parameters (psycopg's binding cursor). Off
    # (DATABASE_PREPARED_STATEMENTS=false) behind a pooler that cannot keep them, such as PgBouncer
    # in transaction mode before 1.21.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database under several gunicorn workers (`make run`): write-ahead logging so that
    # readers never wait for a writer; every transaction takes the write lock when it begins
    # (IMMEDIATE), so that two read-then-write transactions queue up instead of one failing with
    # "database is locked" when both try to upgrade; and a writer waits its turn up to
    # SQLITE_BUSY_TIMEOUT seconds (below GUNICORN_TIMEOUT) before answering 503.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Analysts' exports read from a replica when one is configured: the router sends
# export reads to EXPORT_DATABASE, every write (the export records too) to `default`.
if env.str("ANALYTICS_DATABASE_URL", default=""):
    DATABASES["analytics"] = env.db_url("ANALYTICS_DATABASE_URL")
    if DATABASES["analytics"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["analytics"]["ENGINE"] = "stretchapi.postgresql"
    DATABASES["analytics"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["analytics"]["CONN_HEALTH_CHECKS"] = True
EXPORT_DATABASE = "analytics" if "analytics" in DATABASES else "default"
DATABASE_ROUTERS = ["stretchapi.db_routers.AnalyticsRouter"]

# No SQL statement runs longer than this many seconds (PostgreSQL; 0 lifts the limit). Below
# GUNICORN_TIMEOUT, so that a runaway query ends as a 503 problem before gunicorn kills the worker.
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=25)
if POSTGRESQL and DATABASE_STATEMENT_TIMEOUT > 0:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c statement_timeout={DATABASE_STATEMENT_TIMEOUT}s".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches, as cache URLs (django-environ: locmemcache://, dbcache://table, redis://host:6379/0,
# pymemcache://host:11211). "throttle" holds the sign-in and sign-up throttles' counts: it must be
# shared by every worker and machine, or each gunicorn worker would count on its own and the limit
# would multiply by the number of workers; by default it is a table of the app's own database
# (`createcachetable`, run by scripts/start.sh), Redis where there is one (docker-compose.yml).
# "catalog" holds catalog answers keyed on the catalog version, apart, so that requests for many
# catalog URLs cannot push throttle counts out; it and "default" are in each process's memory
# unless a URL names a shared server.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://default"),
    "throttle": env.cache_url("THROTTLE_CACHE_URL", default="dbcache://stretchapi_throttle"),
    "catalog": env.cache_url("CATALOG_CACHE_URL", default="locmemcache://catalog?max_entries=1000"),
}
# How long a process may answer from the catalog version it last read before reading it again:
# the longest a catalog edit made through another process stays unseen (0: read it every time).
CATALOG_VERSION_CACHE_SECONDS = env.int("CATALOG_VERSION_CACHE_SECONDS", default=1)
# The function giving a signed-in caller's warnings on an exercise's timer plan, called as
# `f(user=..., exercise=...)` -> [{"code", "contraindication", "message"}]. Named here so that the
# catalog never imports the app that knows users' health (empty: plans carry no warnings).
CATALOG_PLAN_WARNINGS = "sessions.health.selectors.plan_warnings"

# Background work (Django's task framework through the django-tasks backport; the same API ships in
# Django 6, where moving is a settings change). Tasks are rows of the app's own database
# (django-tasks-db), run by `python manage.py worker` processes (scripts/start.sh starts them beside
# gunicorn); several workers on one PostgreSQL share the queue with SELECT … FOR UPDATE SKIP LOCKED.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# What each worker's clock enqueues, and how often (seconds): the queue has no scheduler of its
# own. Each is a task (a django-tasks `Task`, by dotted path) that is safe to run twice at once,
# since every worker keeps its own clock; a run already waiting in the queue is not enqueued again.
TASKS_PERIODIC: dict[str, int] = {
    "sessions.background.tasks.task_results_prune": 24 * 3600,
    "sessions.notifications.tasks.alert_emails_sweep": env.int("OUTBOX_SWEEP_SECONDS", default=60),
    "sessions.notifications.tasks.alert_digests_send": 15 * 60,
    "sessions.webhooks.tasks.webhooks_sweep": env.int("OUTBOX_SWEEP_SECONDS", default=60),
}
# How often a worker's clock looks at TASKS_PERIODIC (seconds).
TASKS_CLOCK_SECONDS = env.float("TASKS_CLOCK_SECONDS", default=5.0)
# Finished task runs (the queue table's rows) are kept this many days, then pruned.
TASKS_RESULTS_KEEP_DAYS = env.int("TASKS_RESULTS_KEEP_DAYS", default=7)

# The outbox (alert emails, webhook deliveries; sessions/background/outbox.py). A failed attempt is
# tried again after each of these delays in turn, then given up: 5 s … 10 h, 27.6 h in all.
OUTBOX_RETRY_DELAYS_SECONDS = env.list(
    "OUTBOX_RETRY_DELAYS_SECONDS", cast=float, default=[5, 60, 300, 1800, 7200, 18000, 36000, 36000]
)
# How long a worker holds a claimed delivery: past it (the worker was killed), the sweep takes it
# again. Longer than the slowest attempt (WEBHOOK_TIMEOUT_SECONDS, an SMTP exchange).
OUTBOX_CLAIM_SECONDS = env.float("OUTBOX_CLAIM_SECONDS", default=60)
# A row whose attempt has been due this long without being delivered is enqueued again by the sweep
# (its own task was lost: the worker was down, or killed).
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=30)

# Alert emails (sessions/notifications/): from this address, with links into the panel at this base
# URL. Trainers who chose the daily digest get it at this hour (UTC).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="StretchAPI <alerts@localhost>")
PANEL_BASE_URL = env.str("PANEL_BASE_URL", default="http://127.0.0.1:8000")
ALERT_DIGEST_HOUR = env.int("ALERT_DIGEST_HOUR", default=7)
# Email: SMTP from EMAIL_URL (django-environ: smtp+tls://user:password@host:587), else printed on the
# console (`make run`; in production set EMAIL_URL, or alert emails only reach the logs).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Webhooks (sessions/webhooks/): each attempt's timeout, how long an endpoint may fail before it is
# disabled (and its owner told), and whether endpoints may resolve to private, loopback, link-local
# or other non-global addresses (never in production: SSRF; the tests' local receiver needs it).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5)
WEBHOOK_DISABLE_AFTER_SECONDS = env.int("WEBHOOK_DISABLE_AFTER_SECONDS", default=3 * 24 * 3600)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

AUTH_USER_MODEL = "stretch_sessions.User"
KNOX_TOKEN_MODEL = "stretch_sessions.DeviceToken"
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": timedelta(days=env.int("TOKEN_TTL_DAYS", default=30)),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The trainer panel shows times in each account's own time zone (User.time_zone, set in the
# panel); accounts that have not chosen one see this zone.
PANEL_TIME_ZONE = env.str("PANEL_TIME_ZONE", default=TIME_ZONE)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded or generated files: today only export jobs' outputs (the `exports` storage, below).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _exports_storage() -> dict:
    """Where export jobs write their files: MEDIA_ROOT/exports, or an S3-compatible bucket when
    EXPORT_STORAGE_BUCKET is set (django-storages' S3Storage: `pip install django-storages[s3]`;
    credentials from the usual AWS_* variables, EXPORT_STORAGE_ENDPOINT_URL for MinIO and the like)."""
    bucket = env.str("EXPORT_STORAGE_BUCKET", default="")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "exports", "base_url": None},
        }
    options = {"bucket_name": bucket, "location": env.str("EXPORT_STORAGE_PREFIX", default="exports")}
    if env.str("EXPORT_STORAGE_ENDPOINT_URL", default=""):
        options["endpoint_url"] = env.str("EXPORT_STORAGE_ENDPOINT_URL")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES["exports"] = _exports_storage()

# Request bodies: the largest legitimate body is a session upload; anything
# bigger than this is refused before it reaches a serializer.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1_048_576)

# Analytics exports (sessions/exports/). The pseudonym key keys the HMAC that
# replaces user ids in analysts' exports; empty means "derived from SECRET_KEY",
# so set it in production to keep pseudonyms stable across SECRET_KEY rotations.
EXPORT_PSEUDONYM_KEY = env.str("EXPORT_PSEUDONYM_KEY", default="")
EXPORT_MAX_SPAN_DAYS = env.int("EXPORT_MAX_SPAN_DAYS", default=366)
EXPORT_CHUNK_BYTES = env.int("EXPORT_CHUNK_BYTES", default=65_536)
# COPY sends a whole CSV export as one statement; it runs under this bound (seconds; 0 lifts it)
# instead of the web's DATABASE_STATEMENT_TIMEOUT.
EXPORT_STATEMENT_TIMEOUT = env.int("EXPORT_STATEMENT_TIMEOUT", default=3600)
# Export jobs (sessions/exports/jobs.py): their files are deleted this many hours after they
# complete; a running job renews its heartbeat every EXPORT_JOB_HEARTBEAT_SECONDS, and one whose
# heartbeat is older than EXPORT_JOB_LEASE_SECONDS lost its worker (killed, machine gone): the
# sweep, every EXPORT_JOB_SWEEP_SECONDS, marks it failed with that reason. Parquet files are
# written EXPORT_PARQUET_ROW_GROUP_ROWS rows at a time (one row group each: memory stays flat).
EXPORT_JOB_EXPIRY_HOURS = env.float("EXPORT_JOB_EXPIRY_HOURS", default=24)
EXPORT_JOB_HEARTBEAT_SECONDS = env.float("EXPORT_JOB_HEARTBEAT_SECONDS", default=5)
EXPORT_JOB_LEASE_SECONDS = env.float("EXPORT_JOB_LEASE_SECONDS", default=60)
EXPORT_JOB_SWEEP_SECONDS = env.int("EXPORT_JOB_SWEEP_SECONDS", default=60)
EXPORT_JOB_RETRY_AFTER_SECONDS = env.int("EXPORT_JOB_RETRY_AFTER_SECONDS", default=5)
EXPORT_PARQUET_ROW_GROUP_ROWS = env.int("EXPORT_PARQUET_ROW_GROUP_ROWS", default=50_000)
TASKS_PERIODIC["sessions.exports.jobs.export_jobs_sweep"] = EXPORT_JOB_SWEEP_SECONDS

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "stretchapi.api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["stretchapi.api.parsers.JSONParser"],
    # Bearer tokens first: its WWW-Authenticate challenge makes anonymous
    # requests to private endpoints a 401. Session login serves the browsable API.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "stretchapi.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # How many proxies in front of the app append to X-Forwarded-For; with 0 the
    # throttles key on the socket address, so a forged header cannot dodge them.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "register": env.str("THROTTLE_REGISTER", default="5/min"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "stretchapi.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "stretchapi.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "stretchapi.api.errors.problem_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "STRICT_JSON": True,
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "StretchAPI",
    "DESCRIPTION": (
        "Backend for partner-assisted stretching: the exercise catalog (stretches, "
        "muscles, equipment, doses per goal, PNF timings, stop signs and timer plans).\n\n"
        "Every error is an RFC 9457 problem document (`application/problem+json`) "
        "with `type`, `title`, `status`, `detail` and a stable machine `code`; "
        "validation problems add `errors`, a list of `{field, code, message}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DifficultyEnum": "catalog.choices.Difficulty",
        "PositionEnum": "catalog.choices.Position",
        "TechniqueEnum": "catalog.choices.Technique",
        "AssistanceEnum": "catalog.choices.Assistance",
        "LateralityEnum": "catalog.choices.Laterality",
        "GoalEnum": "catalog.choices.Goal",
        "UseCaseEnum": "catalog.choices.UseCase",
        "StepPhaseEnum": "catalog.choices.StepPhase",
        "RelationEnum": "catalog.choices.Relation",
        "MuscleRoleEnum": "catalog.choices.MuscleRole",
        "SideEnum": "catalog.choices.Side",
        "TimerPhaseEnum": "catalog.choices.TimerPhase",
        "RoleEnum": "sessions.choices.Role",
        "AssistedByEnum": "sessions.choices.AssistedBy",
        "OutcomeEnum": "sessions.choices.Outcome",
        "StopActionEnum": "sessions.choices.StopAction",
        "MeasurementKindEnum": "sessions.choices.MeasurementKind",
        "UnitEnum": "sessions.choices.Unit",
        "NextStepActionEnum": "sessions.choices.NextStepAction",
        "AlertKindEnum": "sessions.choices.AlertKind",
        "AlertEmailsEnum": "sessions.choices.AlertEmails",
        "DeliveryStatusEnum": "sessions.choices.DeliveryStatus",
        "WebhookEventTypeEnum": "sessions.choices.WebhookEventType",
        # A measurement's side: only the legs' two (no `both`).
        "MeasurementSideEnum": [("left", "left"), ("right", "right")],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stretchapi.api.schema.add_problem_responses",
        "stretchapi.api.schema.request_defaults_are_optional",
    ],
}

# Logs: one line per request (stretchapi/api/observability.py), as JSON objects for a log
# shipper or plain text for a terminal (stretchapi/observability.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10  # DEBUG: at INFO, only the line that ends a request
DJANGO_STRUCTLOG_USER_ID_FIELD = None  # the request line's user_id is read without a lookup of its own
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # behind proxies the address is the proxy's; NUM_PROXIES decides elsewhere
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = False  # the id is checked by RequestContextMiddleware instead

# Errors and their tracebacks go to Sentry when a DSN is set; nothing is sent otherwise.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_OPTIONS = sentry_options(
    SENTRY_DSN,
    environment=env.str("SENTRY_ENVIRONMENT", default="production"),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)
if SENTRY_OPTIONS:
    sentry_sdk.init(**SENTRY_OPTIONS)

# Web clients on these origins (comma-separated, e.g. https://app.example.com) may call the
# API from a browser; none by default. Bearer tokens, not cookies: no credentials are allowed.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_EXPOSE_HEADERS = ["ETag", "X-Request-ID", "Retry-After", "Export-Dictionary-Version"]
CORS_ALLOW_HEADERS = ["authorization", "content-type", "if-match", "if-none-match", "idempotency-key", "x-request-id"]
CORS_ALLOW_CREDENTIALS = False
CORS_PREFLIGHT_MAX_AGE = 3600
