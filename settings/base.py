"""Every setting, read from the environment. dev/test/prod only override."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "domain.directory",
    "domain.workcalendar",
    "domain.approvals",
    "domain.notifications",
    "domain.assets",
    "domain.standards",
    "domain.catalog",
    "domain.supervision",
    "domain.performance",
    "processes",
    "handlers",
    # webui before the Material shell (Site/Application, base templates, static fonts and icons), so
    # that a template of webui's named like viewflow's replaces it (the snackbar, see there).
    "webui",
    "viewflow",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "webui.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # viewflow would append these itself at start-up; listed here so the order is visible.
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

# SQLite is the embedded default; DATABASE_URL=postgres://... switches to PostgreSQL.
# An empty DATABASE_URL means the default too.
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the write lock instead of failing at once when the timer loop and a request overlap.
    # IMMEDIATE: a transaction takes the write lock when it begins, so read-then-write sequences
    # (the audit chain, the instance lock) are serialised as select_for_update does on PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path] = []
# Uploaded attachments. Never served as static media: downloads go through a view that checks who may
# see the case. Swap the default backend (e.g. an S3-compatible one) with DEFAULT_STORAGE_BACKEND.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": env.str("DEFAULT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# The failed-login throttle counts in the cache: set CACHE_URL (e.g. redis://…) when several
# processes serve requests, or each process counts on its own.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "webui.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongban 通办 API",
    "DESCRIPTION": "BPMN orchestration for government data governance and policy services.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from the installed sidecar package: nothing is loaded from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` field; name their enums after the model, not a hash.
    "ENUM_NAME_OVERRIDES": {
        "InstanceStatusEnum": "processes.models.InstanceStatus",
        "TaskStatusEnum": "processes.models.TaskStatus",
        "JobStatusEnum": "processes.models.JobStatus",
        "IncidentStatusEnum": "processes.models.Incident.Status",
    },
}

# Celery: no broker configured means the embedded default (tasks run eagerly, in process).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="tongban")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Hand back a dead worker's unacknowledged messages promptly (kombu's default waits ~100 s).
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE = {
    "fire-due-timers": {
        "task": "processes.tasks.timers_fire_due",
        "schedule": timedelta(seconds=env.float("TONGBAN_TIMER_POLL_SECONDS", default=5.0)),
    },
    "sweep-stuck-jobs": {"task": "processes.tasks.jobs_sweep", "schedule": timedelta(seconds=60)},
    "escalate-overdue": {"task": "processes.tasks.escalation_tick", "schedule": timedelta(seconds=60)},
    # 数据探矿: start the runs of probes whose schedule is due.
    "probes-due": {"task": "assets.tasks.probes_due", "schedule": timedelta(seconds=60)},
    # 督查督办: last month's progress report for each office that has none yet (made once per month).
    "supervision-monthly-reports": {"task": "supervision.tasks.monthly_reports", "schedule": timedelta(hours=1)},
    "supervision-monthly-rankings": {"task": "supervision.tasks.monthly_rankings", "schedule": timedelta(hours=1)},
}

TONGBAN = {
    # The embedded timer loop under `make run` (no beat there).
    "TIMER_LOOP": env.bool("TONGBAN_TIMER_LOOP", default=False),
    "TIMER_LOOP_SECONDS": env.float("TONGBAN_TIMER_LOOP_SECONDS", default=5.0),
    "EXPRESSION_TIME_LIMIT": env.float("TONGBAN_EXPRESSION_TIME_LIMIT", default=1.0),
    "JOB_MAX_ATTEMPTS": env.int("TONGBAN_JOB_MAX_ATTEMPTS", default=5),
    "JOB_BACKOFF_SECONDS": env.float("TONGBAN_JOB_BACKOFF_SECONDS", default=2.0),
    # A queued job older than this with no worker progress is re-enqueued by the sweeper.
    "JOB_STUCK_SECONDS": env.int("TONGBAN_JOB_STUCK_SECONDS", default=120),
    # A job still "running" this long after its last update is presumed to have lost its worker.
    "JOB_RUNNING_STUCK_SECONDS": env.int("TONGBAN_JOB_RUNNING_STUCK_SECONDS", default=900),
    "BPMN_DIR": BASE_DIR / "bpmn",
    # The escalation ladder's global defaults; a diagram's `tongban:escalation` overrides them per task.
    # blue (提醒) once this share of the SLA's working time is used; yellow (预警) once the task is due
    # within this many working days; red (逾期) at the due time. Yellow notifies SUPERVISOR_ROLE in the
    # task's department, red the same role in the parent department.
    "ESCALATION": {"blue_share": 2 / 3, "yellow_working_days": 1},
    # Delivery channels of notifications, by registered name (domain.notifications.channels).
    "NOTIFICATION_CHANNELS": env.list("TONGBAN_NOTIFICATION_CHANNELS", default=["inapp", "email"]),
    # Holders of this role supervise their department's subtree (督办: lists, 催办, reassign, extensions).
    "SUPERVISOR_ROLE": env.str("TONGBAN_SUPERVISOR_ROLE", default="supervisor"),
    "REMINDER_INTERVAL_MINUTES": env.int("TONGBAN_REMINDER_INTERVAL_MINUTES", default=60),
    # Holders of this role (and staff) design processes (流程设计): drafts, validate, deploy.
    "DESIGNER_ROLE": env.str("TONGBAN_DESIGNER_ROLE", default="designer"),
    # Work calendar (domain.workcalendar): a deadline of N working days ends at WORKDAY_END local time;
    # working hours are the (start, end) periods of a working day.
    "WORKDAY_END": env.str("TONGBAN_WORKDAY_END", default="18:00"),
    "WORK_HOURS": [("09:00", "12:00"), ("13:30", "18:00")],
    # Failed-login throttle (webui/login_throttle.py): this many failures for one username from one client
    # address within the window lock that pair out for the window; the address alone is locked only after
    # LOGIN_MAX_FAILURES_PER_IP failures (over any usernames), so colleagues behind one NAT keep logging in.
    "LOGIN_MAX_FAILURES": env.int("TONGBAN_LOGIN_MAX_FAILURES", default=5),
    "LOGIN_MAX_FAILURES_PER_IP": env.int("TONGBAN_LOGIN_MAX_FAILURES_PER_IP", default=50),
    "LOGIN_LOCKOUT_MINUTES": env.int("TONGBAN_LOGIN_LOCKOUT_MINUTES", default=15),
    # How many reverse proxies in front of the app append to X-Forwarded-For; the client address is then the
    # Nth entry from the right. 0: REMOTE_ADDR (the header is the client's own claim and is ignored).
    "TRUSTED_PROXY_COUNT": env.int("TONGBAN_TRUSTED_PROXY_COUNT", default=0),
    # Attachments (task forms and the task page): the largest file accepted, and the allowed file
    # extensions. Binary formats are also checked by their first bytes (processes/services/attachments.py).
    "ATTACHMENT_MAX_BYTES": env.int("TONGBAN_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024),
    "ATTACHMENT_TYPES": env.list(
        "TONGBAN_ATTACHMENT_TYPES",
        default=["pdf", "ofd", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt", "zip"],
    ),
    # 督查督办 (domain.supervision): default time limits in working days by source (and urgency for leader
    # instructions; [min, max] allows a shorter limit down to min), and how many working days before the
    # due date a unit's work turns blue (nearing due).
    "SUPERVISION_TIME_LIMITS": {
        "leader_instruction": {"urgent": [1, 5], "normal": 15, "difficult": 30},
        "document": 30,
        "minutes": 20,
        "key_task": 30,
    },
    # The supervision office (督查室) that receives rectifications opened from 绩效通 and publishes 晾晒.
    "SUPERVISION_OFFICE_DEPARTMENT": env.str("TONGBAN_SUPERVISION_OFFICE_DEPARTMENT", default="330106-DCS"),
    "SUPERVISION_BLUE_WORKING_DAYS": env.int("TONGBAN_SUPERVISION_BLUE_WORKING_DAYS", default=3),
    # 晾晒 frozen monthly: this many days after a month ends, the system publishes its ranking for an office
    # that has not published it (the days let the office publish, and correct, its first version itself).
    "RANKING_FREEZE_AFTER_DAYS": env.int("TONGBAN_RANKING_FREEZE_AFTER_DAYS", default=5),
    # 绩效通 (domain.performance): a rectification (整改) can be opened on a node scoring below this share
    # of its full score.
    "RECTIFICATION_BELOW": env.str("TONGBAN_RECTIFICATION_BELOW", default="0.6"),
    # The data-management authority (大数据局): its platform_reviewer role holders do 平台审核 of catalog
    # entries and the compliance check of share requests (domain.catalog), by department code.
    "DATA_AUTHORITY_DEPARTMENT": env.str("TONGBAN_DATA_AUTHORITY_DEPARTMENT", default="330106-DSJ"),
    # 数据探矿 (domain.assets.probing): the key that encrypts probe passwords (default: derived from
    # SECRET_KEY; set it so a SECRET_KEY rotation does not lose them), the timeouts of a probe's connection
    # and statements (seconds; capped at PROBE_STUCK_SECONDS // 5 so a run ends before it is presumed lost),
    # when a run still "running" is presumed lost, and the folders SQLite probes may read (empty: SQLite
    # probes are refused; a path is resolved, symlinks followed, when a probe is saved and again at each run).
    "PROBE_KEY": env.str("TONGBAN_PROBE_KEY", default=""),
    "PROBE_CONNECT_TIMEOUT": env.int("TONGBAN_PROBE_CONNECT_TIMEOUT", default=10),
    "PROBE_STATEMENT_TIMEOUT": env.int("TONGBAN_PROBE_STATEMENT_TIMEOUT", default=60),
    "PROBE_STUCK_SECONDS": env.int("TONGBAN_PROBE_STUCK_SECONDS", default=900),
    "PROBE_SQLITE_DIRS": env.list("TONGBAN_PROBE_SQLITE_DIRS", default=[]),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # SpiffWorkflow logs every task state change at INFO: far too much, and slow.
    "loggers": {
        "spiff": {"level": "WARNING"},
        # Without a broker (make run) eager Celery still builds a broker URL and warns that it has no host.
        "kombu": {"level": "WARNING" if CELERY_BROKER_URL else "ERROR"},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
