"""PurSight settings, read from the environment.

Embedded defaults (SQLite, eager Celery, in-memory channel layer and cache) apply when no
``DATABASE_URL``/``REDIS_URL`` is set, so that ``make run`` works on a bare machine.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PURSIGHT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _dev_key(name: str, factory) -> str:
    """Return a development key kept in a git-ignored file under ``var/``, creating it once."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(factory())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or _dev_key(
    "dev-secret-key", lambda: secrets.token_urlsafe(50)
)
# Fernet keys for credentials at rest: the first encrypts, all decrypt (rotation).
CREDENTIALS_KEYS = env.list("PURSIGHT_CREDENTIALS_KEYS", default=[]) or [
    _dev_key("dev-credentials-key", _fernet_key)
]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.guardian",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (CSP, offline)
    "guardian",
    "axes",
    "channels",
    "pursight.core",
    "governance.rbac",
    "governance.datasources",
    "governance.classifications",
    "governance.scanrules",
    "governance.catalog",
    "governance.glossary",
    "governance.lineage",
    "governance.scans",
    "governance.compliance",
    "racine.workspaces",
    "racine.activity",
    "racine.collaboration",
    "racine.approvals",
    "racine.orchestration",
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pursight.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pursight.core.middleware.AuditContextMiddleware",
    "pursight.core.middleware.LiveOriginMiddleware",
    "pursight.core.middleware.LoginRateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pursight.urls"
WSGI_APPLICATION = "pursight.wsgi.application"
ASGI_APPLICATION = "pursight.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'pursight.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (checked before reuse): a WebSocket connect or subscribe is one short
# query in the web process' database thread, not a new PostgreSQL backend each time.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "pursight.core.backends.LockoutBackend",  # django-axes: lockout after failed logins
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Signing in without ``?next=`` lands on the console (the API login goes to the API root, see
# pursight/urls.py); pages that need a user send anonymous visitors to the admin's login.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
# Lockout after repeated failed logins (per user name and IP), lifted after the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Login attempts per client IP (admin and API login forms), on top of the lockout.
PURSIGHT_LOGIN_RATE = env.str("PURSIGHT_LOGIN_RATE", default="30/min")
PURSIGHT_LOGIN_PATHS = ["/admin/login/", "/api/auth/login/"]
# Content security policy (pursight.core.middleware.ContentSecurityPolicyMiddleware). The admin
# skin (unfold, Alpine.js) needs inline scripts and styles and eval. REPORT_ONLY sends it as
# Content-Security-Policy-Report-Only.
PURSIGHT_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PURSIGHT_CSP_REPORT_ONLY = env.bool("PURSIGHT_CSP_REPORT_ONLY", default=False)
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Redis: broker, result backend, channel layer, cache (or embedded fallbacks) ---
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: one subscription per page and web process, two connections per
            # process whatever the number of sockets; Redis errors degrade (pursight/layers.py).
            "BACKEND": "pursight.layers.ResilientRedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNELS_PREFIX", default="asgi"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ROUTES = {"governance.scans.tasks.*": {"queue": "scans"}}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "detect-stale-scan-runs": {
        "task": "governance.scans.tasks.detect_stale_runs",
        "schedule": 60.0,
    },
    "evaluate-compliance": {
        "task": "governance.compliance.tasks.evaluate_all",
        "schedule": 6 * 3600.0,
    },
    "prune-activity": {
        "task": "racine.activity.tasks.prune_activity",
        "schedule": 24 * 3600.0,
    },
    "escalate-overdue-approvals": {
        "task": "racine.approvals.tasks.escalate_overdue",
        "schedule": 15 * 60.0,
    },
    "expire-access-grants": {
        "task": "racine.approvals.tasks.expire_access",
        "schedule": 5 * 60.0,
    },
    "reconcile-workflow-runs": {
        "task": "racine.orchestration.tasks.reconcile",
        "schedule": float(env.int("PURSIGHT_WORKFLOW_RECONCILE_SECONDS", default=30)),
    },
}
# Schedules (racine.orchestration) live in the database: django-celery-beat's scheduler.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Workflows (racine.orchestration) ---
PURSIGHT_ORCHESTRATION = {
    # A running step's worker refreshes its heartbeat this often; a step silent for
    # STALE_AFTER_SECONDS is dispatched again (its worker died) by the reconciler.
    "HEARTBEAT_SECONDS": env.float("PURSIGHT_WORKFLOW_HEARTBEAT_SECONDS", default=5),
    "STALE_AFTER_SECONDS": env.float("PURSIGHT_WORKFLOW_STALE_AFTER_SECONDS", default=60),
    # A queued step message not picked up after this long is sent again (duplicates are safe).
    "LOST_MESSAGE_SECONDS": env.float("PURSIGHT_WORKFLOW_LOST_MESSAGE_SECONDS", default=900),
    "KILL_GRACE_SECONDS": env.int("PURSIGHT_WORKFLOW_KILL_GRACE_SECONDS", default=30),
    "MAX_WORKERS_LOST": env.int("PURSIGHT_WORKFLOW_MAX_WORKERS_LOST", default=3),
}

# --- Scans ---
PURSIGHT_SCAN = {
    "HEARTBEAT_SECONDS": env.int("PURSIGHT_SCAN_HEARTBEAT_SECONDS", default=10),
    "STALE_AFTER_SECONDS": env.int("PURSIGHT_SCAN_STALE_AFTER_SECONDS", default=120),
    "SOFT_TIME_LIMIT": env.int("PURSIGHT_SCAN_SOFT_TIME_LIMIT", default=6 * 3600),
    "BATCH_TABLES": env.int("PURSIGHT_SCAN_BATCH_TABLES", default=100),
    "CONNECT_TIMEOUT": env.int("PURSIGHT_CONNECT_TIMEOUT", default=10),
    "STATEMENT_TIMEOUT": env.int("PURSIGHT_STATEMENT_TIMEOUT", default=60),
    # Classify in a helper process beside the worker, overlapping sampling (two cores or more).
    "CLASSIFY_IN_HELPER": env.bool("PURSIGHT_SCAN_CLASSIFY_IN_HELPER", default=True),
}

# --- Classification engine ---
# DEFAULT_SMALL trains a smaller default model (tests, small machines); CACHE_DIR holds trained
# models and their lock; SEED makes training reproducible.
PURSIGHT_CLASSIFIER = {
    "DEFAULT_SMALL": env.bool("PURSIGHT_CLASSIFIER_SMALL", default=False),
    "CACHE_DIR": VAR_DIR / "classifier",
    "SEED": 0,
}

# --- Compliance ---
# Evaluate a data source's compliance rules after each successful scan of it.
PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN = env.bool(
    "PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN", default=True
)

# --- Activity and notifications (racine.activity) ---
# Activity events older than this many days are pruned daily (0 keeps them all).
PURSIGHT_ACTIVITY_RETENTION_DAYS = env.int("PURSIGHT_ACTIVITY_RETENTION_DAYS", default=365)
# Links in notification e-mails start with this address of the console.
PURSIGHT_SITE_URL = env.str("PURSIGHT_SITE_URL", default="http://localhost:8000")
# Notification e-mails go through Django's mail framework: printed on the console unless an
# SMTP (or other) backend is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PurSight <pursight@localhost>")

# --- File-based data sources (SQLite) ---
# Data sources may be files only inside these directories (absolute paths). Empty: no file-based
# source can be registered or opened. PurSight's own database, var directory and code are refused
# even inside a root. In development the demo's directory is the default root.
PURSIGHT_DEMO_DIR = Path(env.str("PURSIGHT_DEMO_DIR", default=str(VAR_DIR / "demo")))
PURSIGHT_FILE_SOURCE_ROOTS = env.list(
    "PURSIGHT_FILE_SOURCE_ROOTS", default=[str(PURSIGHT_DEMO_DIR)] if DEBUG else []
)

# --- API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: anonymous API calls answer 401 with a WWW-Authenticate challenge.
        "pursight.core.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "pursight.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "pursight.filters.GatedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "pursight.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("PURSIGHT_API_ANON_RATE", default="60/min"),
        "user": env.str("PURSIGHT_API_USER_RATE", default="2000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PurSight API",
    "DESCRIPTION": "Data governance portal: data sources, scans, catalog, classifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar's static files: no CDN (blocked by PURSIGHT_CSP, unreachable
    # offline); the docs page loads its init script as a file (SpectacularSwaggerSplitView).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pursight.core.schema.document_errors",
    ],
    # Choice sets shared by several fields, or named alike in several apps, get one name each.
    "ENUM_NAME_OVERRIDES": {
        "SchemaChangeAssetTypeEnum": "governance.scans.choices.AssetType",
        "ScanRunStateEnum": "governance.scans.choices.RunState",
        "ScanTriggerEnum": "governance.scans.choices.Trigger",
        "ComplianceAssetTypeEnum": "governance.compliance.choices.AssetType",
        "FindingStatusEnum": "governance.compliance.choices.FindingStatus",
        "EvaluationRunStateEnum": "governance.compliance.choices.RunState",
        "EvaluationTriggerEnum": "governance.compliance.choices.Trigger",
        "TaskStatusEnum": "racine.collaboration.choices.TaskStatus",
        "TaskKindEnum": "racine.collaboration.choices.TaskKind",
        "NotificationKindEnum": "racine.activity.services.NOTIFICATION_KIND_CHOICES",
        "TermStatusEnum": "governance.glossary.choices.TermStatus",
        "SuggestionStatusEnum": "governance.glossary.choices.SuggestionStatus",
        "TermLinkSourceEnum": "governance.glossary.choices.LinkSource",
        "LineageEdgeLevelEnum": "governance.lineage.choices.EdgeLevel",
        "LineageEdgeOriginEnum": "governance.lineage.choices.EdgeOrigin",
        "ApprovalStatusEnum": "racine.approvals.models.Status",
        "AccessRequestStatusEnum": "racine.approvals.models.AccessStatus",
        "WorkflowRunStateEnum": "racine.orchestration.choices.RunState",
        "WorkflowStepStateEnum": "racine.orchestration.choices.StepState",
    },
}

# --- Admin skin ---
from pursight.unfold import UNFOLD as UNFOLD  # noqa: E402  (re-exported setting)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {"format": "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kv"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# A redelivered scan must not start while the first worker is still alive: the visibility
# timeout outlasts the longest allowed scan.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": PURSIGHT_SCAN["SOFT_TIME_LIMIT"] + 900}
